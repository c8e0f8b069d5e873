// The path a test run took: each node's input, output, route, timing and error.
import type { RunStep } from "../testRun";

function show(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

export function RunSteps({ steps, routes }: { steps: RunStep[]; routes: Record<string, string> }) {
  if (steps.length === 0) return null;
  return (
    <section aria-label="Path taken" className="flex flex-col gap-1">
      <h3 className="text-sm font-semibold">Path</h3>
      <p className="text-xs" data-testid="run-path">
        {steps.map((step) => step.name).join(" → ")}
      </p>
      {Object.keys(routes).length > 0 && (
        <p className="text-xs" data-testid="run-routes">
          Routes: {Object.entries(routes).map(([router, keyword]) => `${router} → ${keyword}`).join(", ")}
        </p>
      )}
      <ol className="flex flex-col gap-1">
        {steps.map((step, i) => (
          <li key={i} data-step-node={step.nodeId}>
            <details className={`collapse-arrow bg-base-100 border-base-300 collapse border ${step.status === "error" ? "border-error" : ""}`}>
              <summary className="collapse-title min-h-0 py-1 text-xs">
                <span className="font-semibold">{step.name}</span> <span className="opacity-60">{step.type}</span>{" "}
                {step.status === "running" ? (
                  <span className="loading loading-dots loading-xs" aria-label="running" />
                ) : (
                  <span className="opacity-70">{step.durationMs != null ? `${Math.round(step.durationMs)} ms` : ""}</span>
                )}
                {step.route && <span className="badge badge-sm badge-primary ml-1">route: {step.route}</span>}
                {step.error && <span className="badge badge-sm badge-error ml-1">error</span>}
              </summary>
              <div className="collapse-content flex flex-col gap-1 text-xs">
                <div>
                  <span className="font-semibold">Input</span>
                  <pre className="bg-base-200 max-h-40 overflow-auto rounded p-1 whitespace-pre-wrap">{show(step.input)}</pre>
                </div>
                <div>
                  <span className="font-semibold">Output</span>
                  <pre className="bg-base-200 max-h-40 overflow-auto rounded p-1 whitespace-pre-wrap">{show(step.output)}</pre>
                </div>
                {step.error && <p className="text-error">{step.error}</p>}
              </div>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
