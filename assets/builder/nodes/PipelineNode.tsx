// The canvas node: a header coloured by kind (icon, name, issue badge), a summary of what it does (model,
// first line of the prompt or code), the input handle and output handles (one per route for routers).
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useMemo, useRef } from "react";
import { useBuilder } from "../context";
import { INPUT_HANDLE, outputHandles, type FlowNode } from "../graph";
import { kindLook, nodeKind, nodeSummary } from "./kinds";

const EMPTY: never[] = [];

const RUN_CLASSES: Record<string, string> = {
  running: "ring-4 ring-warning animate-pulse",
  done: "ring-4 ring-success",
  error: "ring-4 ring-error",
};

function PipelineNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  const nodeType = useBuilder((state) => state.config.node_types.find((type) => type.name === data.type));
  const issues = useBuilder((state) => state.issuesByNode[id] ?? EMPTY);
  const runStatus = useBuilder((state) => state.runStatus[id]);
  const updateNodeInternals = useUpdateNodeInternals();
  const handles = useMemo(() => outputHandles(nodeType, data.params), [nodeType, data.params]);
  const handleKey = handles.map((handle) => handle.id).join("|");
  const providers = useBuilder((state) => state.config.llm_providers);
  const summary = useMemo(() => nodeSummary(data.type, data.params, providers), [data.type, data.params, providers]);
  const look = kindLook(data.type);
  const Icon = look.icon;

  // React Flow measures handles on mount; re-measure only when the routes (handles) change later.
  const measuredKey = useRef(handleKey);
  useEffect(() => {
    if (measuredKey.current === handleKey) return;
    measuredKey.current = handleKey;
    updateNodeInternals(id);
  }, [id, handleKey, updateNodeInternals]);

  const border = issues.length ? "border-error" : selected ? "border-primary" : "border-base-300";
  const label = nodeType?.label ?? `Unknown type ${data.type}`;
  const routed = nodeType ? "from_field" in nodeType.outputs : false;
  return (
    <div
      className={`card bg-base-100 text-base-content w-56 border-2 shadow-sm ${border} ${runStatus ? RUN_CLASSES[runStatus] : ""}`}
      data-node-name={data.name}
      data-node-type={data.type}
      data-kind={nodeKind(data.type)}
      data-issues={issues.length}
      data-run={runStatus ?? ""}
    >
      {(nodeType?.has_input ?? true) && (
        <Handle type="target" position={Position.Left} id={INPUT_HANDLE} aria-label={`Input of ${data.name}`} className="pipeline-handle !bg-neutral" />
      )}
      <div className={`rounded-t-box flex items-center gap-2 px-3 py-1.5 ${look.tint}`} data-testid="node-header">
        <Icon aria-hidden="true" className={`size-4 shrink-0 ${look.accent}`} />
        <span className="min-w-0 grow truncate text-sm font-semibold" title={data.name}>
          {data.name}
        </span>
        {issues.length > 0 && (
          <span className="badge badge-error badge-sm" aria-label={`${issues.length} issue(s)`}>
            {issues.length}
          </span>
        )}
      </div>
      <div className="flex flex-col gap-0.5 px-3 py-1.5">
        <span className="text-xs opacity-70">
          {label}
          {summary.title && (
            <>
              {" · "}
              <span className="font-medium" data-testid="node-model">
                {summary.title}
              </span>
            </>
          )}
        </span>
        {summary.lines.map((line, i) => (
          <span key={i} className="truncate font-mono text-xs opacity-80" title={line} data-testid="node-summary">
            {line}
          </span>
        ))}
        {issues.length > 0 && (
          <ul className="text-error mt-1 list-disc pl-4 text-xs" data-testid="node-issues">
            {issues.map((issue, i) => (
              <li key={i}>{issue.message}</li>
            ))}
          </ul>
        )}
      </div>
      {routed ? (
        <div className="border-base-300 flex flex-col border-t py-1">
          {handles.length === 0 && <span className="px-3 text-xs opacity-60">No routes</span>}
          {handles.map((handle) => (
            <div key={handle.id} className="relative flex justify-end px-3 py-1">
              <span className="text-xs" data-handle-label={handle.id}>
                {handle.label || "(empty)"}
              </span>
              <Handle
                type="source"
                position={Position.Right}
                id={handle.id}
                aria-label={`Route ${handle.label} of ${data.name}`}
                className="pipeline-handle !bg-primary"
              />
            </div>
          ))}
        </div>
      ) : (
        handles.map((handle, index) => (
          <Handle
            key={handle.id}
            type="source"
            position={Position.Right}
            id={handle.id}
            aria-label={`Output of ${data.name}`}
            className="pipeline-handle !bg-primary"
            style={handles.length > 1 ? { top: `${((index + 1) * 100) / (handles.length + 1)}%` } : undefined}
          />
        ))
      )}
    </div>
  );
}

export const PipelineNode = memo(PipelineNodeView);
export const nodeTypes = { pipeline: PipelineNode };
