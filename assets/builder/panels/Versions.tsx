// Version history: pick a past version to view read-only; compare it with the working copy.
import { useMemo } from "react";
import { compareGraphs, isEmptyDiff } from "../compare";
import { useBuilder } from "../context";
import { fromFlow } from "../graph";
import type { VersionDetail, VersionSummary } from "../types";

export function VersionPicker({ versions, viewing, onPick }: { versions: VersionSummary[]; viewing: number | null; onPick: (n: number | null) => void }) {
  return (
    <>
      <label htmlFor="version-picker" className="sr-only">
        Version history
      </label>
      <select
        id="version-picker"
        className="select select-sm w-48"
        value={viewing ?? ""}
        onChange={(event) => onPick(event.target.value ? Number(event.target.value) : null)}
      >
        <option value="">Working copy</option>
        {versions.map((version) => (
          <option key={version.version_number} value={version.version_number}>
            v{version.version_number}
            {version.description ? ` – ${version.description}` : ""}
          </option>
        ))}
      </select>
    </>
  );
}

export function VersionBanner({ version, comparing, onCompare, onBack }: { version: VersionDetail; comparing: boolean; onCompare: () => void; onBack: () => void }) {
  return (
    <div role="status" className="alert alert-info rounded-none py-2" data-testid="version-banner">
      <span>
        Viewing version {version.version_number}
        {version.description ? ` (“${version.description}”)` : ""}, read-only
        {version.created_at ? `, created ${new Date(version.created_at).toLocaleString()}` : ""}.
      </span>
      <div className="flex gap-2">
        <button type="button" className="btn btn-sm" aria-pressed={comparing} onClick={onCompare}>
          {comparing ? "Hide comparison" : "Compare with working copy"}
        </button>
        <button type="button" className="btn btn-sm btn-primary" onClick={onBack}>
          Back to working copy
        </button>
      </div>
    </div>
  );
}

export function ComparePanel({ version }: { version: VersionDetail }) {
  const nodes = useBuilder((state) => state.nodes);
  const edges = useBuilder((state) => state.edges);
  const diff = useMemo(() => compareGraphs(version.data, fromFlow(nodes, edges)), [version, nodes, edges]);
  const names = new Map([...version.data.nodes, ...nodes.map((node) => ({ id: node.id, name: node.data.name }))].map((node) => [node.id, node.name]));
  const edgeText = (edge: { source: string; source_handle: string; target: string }) =>
    `${names.get(edge.source) ?? edge.source} (${edge.source_handle}) → ${names.get(edge.target) ?? edge.target}`;
  return (
    <section aria-label={`Changes since version ${version.version_number}`} className="flex flex-col gap-2 text-sm" data-testid="compare-panel">
      <h2 className="text-base font-semibold">Working copy vs. version {version.version_number}</h2>
      {isEmptyDiff(diff) && <p>No differences.</p>}
      {diff.addedNodes.length > 0 && (
        <div>
          <h3 className="font-semibold text-success">Added nodes</h3>
          <ul className="list-disc pl-4">{diff.addedNodes.map((node) => <li key={node.id}>{node.name} ({node.type})</li>)}</ul>
        </div>
      )}
      {diff.removedNodes.length > 0 && (
        <div>
          <h3 className="font-semibold text-error">Removed nodes</h3>
          <ul className="list-disc pl-4">{diff.removedNodes.map((node) => <li key={node.id}>{node.name} ({node.type})</li>)}</ul>
        </div>
      )}
      {diff.changedNodes.length > 0 && (
        <div>
          <h3 className="font-semibold text-warning">Changed nodes</h3>
          <ul className="list-disc pl-4">
            {diff.changedNodes.map((change) => (
              <li key={change.id}>
                {change.name}
                {change.renamed && ` (renamed from ${version.data.nodes.find((node) => node.id === change.id)?.name})`}
                {change.changedParams.length > 0 && `: ${change.changedParams.join(", ")}`}
              </li>
            ))}
          </ul>
        </div>
      )}
      {diff.addedEdges.length > 0 && (
        <div>
          <h3 className="font-semibold text-success">Added connections</h3>
          <ul className="list-disc pl-4">{diff.addedEdges.map((edge) => <li key={edge.id}>{edgeText(edge)}</li>)}</ul>
        </div>
      )}
      {diff.removedEdges.length > 0 && (
        <div>
          <h3 className="font-semibold text-error">Removed connections</h3>
          <ul className="list-disc pl-4">{diff.removedEdges.map((edge) => <li key={edge.id}>{edgeText(edge)}</li>)}</ul>
        </div>
      )}
    </section>
  );
}
