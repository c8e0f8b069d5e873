// Keyboard-reachable connections of a node: what each output leads to, add and remove edges.
import { useBuilder } from "../context";
import { INPUT_HANDLE, outputHandles, type FlowEdge, type FlowNode } from "../graph";

type NodeRef = Pick<FlowNode, "id" | "data">;

interface Props {
  node: NodeRef;
  nodes: NodeRef[];
  edges: FlowEdge[];
  readOnly: boolean;
}

export function Connections({ node, nodes, edges, readOnly }: Props) {
  const nodeType = useBuilder((state) => state.config.node_types.find((type) => type.name === node.data.type));
  const connect = useBuilder((state) => state.connect);
  const removeNodes = useBuilder((state) => state.removeNodes);
  const nodeTypes = useBuilder((state) => state.config.node_types);
  const handles = outputHandles(nodeType, node.data.params);
  const names = new Map(nodes.map((item) => [item.id, item.data.name]));
  const types = new Map(nodeTypes.map((type) => [type.name, type]));
  const targets = nodes.filter((item) => item.id !== node.id && types.get(item.data.type)?.has_input !== false);
  const incoming = edges.filter((edge) => edge.target === node.id);
  if (handles.length === 0 && incoming.length === 0 && !nodeType?.has_input) return null;

  return (
    <section aria-label="Connections" className="flex flex-col gap-2">
      <h3 className="text-sm font-semibold">Connections</h3>
      {nodeType?.has_input && (
        <p className="text-xs">
          From: {incoming.length ? incoming.map((edge) => names.get(edge.source) ?? edge.source).join(", ") : "nothing yet"}
        </p>
      )}
      {handles.map((handle) => {
        const outgoing = edges.filter((edge) => edge.source === node.id && (edge.sourceHandle ?? "output") === handle.id);
        const selectId = `connect-${node.id}-${handle.id}`;
        return (
          <div key={handle.id} className="flex flex-col gap-1">
            <span className="text-xs font-medium">{handles.length > 1 || handle.id !== "output" ? `Route “${handle.label}”` : "Output"} →</span>
            <ul className="flex flex-wrap gap-1">
              {outgoing.map((edge) => (
                <li key={edge.id} className="badge badge-outline gap-1">
                  {names.get(edge.target) ?? edge.target}
                  {!readOnly && (
                    <button type="button" className="btn btn-ghost btn-xs px-1" aria-label={`Disconnect ${handle.label} from ${names.get(edge.target)}`} onClick={() => removeNodes([], [edge.id])}>
                      ✕
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {!readOnly && (
              <>
                <label htmlFor={selectId} className="sr-only">
                  Connect {handle.label} to
                </label>
                <select
                  id={selectId}
                  className="select select-xs w-full"
                  value=""
                  onChange={(event) => {
                    if (event.target.value) connect({ source: node.id, sourceHandle: handle.id, target: event.target.value, targetHandle: INPUT_HANDLE });
                  }}
                >
                  <option value="">Connect to…</option>
                  {targets
                    .filter((target) => !outgoing.some((edge) => edge.target === target.id))
                    .map((target) => (
                      <option key={target.id} value={target.id}>
                        {target.data.name}
                      </option>
                    ))}
                </select>
              </>
            )}
          </div>
        );
      })}
    </section>
  );
}
