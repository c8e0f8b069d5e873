// The side panel for the selected node: name, settings form, connections and issues.
import { useMemo } from "react";
import { useBuilder } from "../context";
import { fieldErrors } from "../issues";
import { SchemaForm } from "../schemaForm/SchemaForm";
import type { FlowEdge, FlowNode } from "../graph";
import { Connections } from "./Connections";

export type NodeRef = Pick<FlowNode, "id" | "data">;

interface Props {
  node: NodeRef;
  edges: FlowEdge[];
  nodes: NodeRef[];
  readOnly: boolean;
}

const EMPTY: never[] = [];

export function SettingsPanel({ node, nodes, edges, readOnly }: Props) {
  const nodeType = useBuilder((state) => state.config.node_types.find((type) => type.name === node.data.type));
  const providers = useBuilder((state) => state.config.llm_providers);
  const promptVariables = useBuilder((state) => state.config.prompt_variables);
  const issues = useBuilder((state) => (readOnly ? EMPTY : (state.issuesByNode[node.id] ?? EMPTY)));
  const updateParams = useBuilder((state) => state.updateParams);
  const renameNode = useBuilder((state) => state.renameNode);
  const errors = useMemo(() => fieldErrors(issues), [issues]);
  const general = issues.filter((issue) => !issue.field);
  const nameId = `node-${node.id}-name`;

  return (
    <section aria-label={`Settings of ${node.data.name}`} className="flex flex-col gap-3" data-testid="settings-panel">
      <header>
        <h2 className="text-base font-semibold">{nodeType?.label ?? node.data.type}</h2>
        {nodeType?.description && <p className="text-xs opacity-70">{nodeType.description}</p>}
      </header>
      {general.length > 0 && (
        <div role="alert" className="alert alert-error alert-soft py-2 text-sm">
          <ul className="list-disc pl-4">
            {general.map((issue, i) => (
              <li key={i}>{issue.message}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="flex flex-col gap-1">
        <label htmlFor={nameId} className="text-sm font-medium">
          Name
        </label>
        <input
          id={nameId}
          className={`input input-sm w-full ${errors.name ? "input-error" : ""}`}
          value={node.data.name}
          readOnly={readOnly}
          aria-invalid={Boolean(errors.name) || undefined}
          onChange={(event) => renameNode(node.id, event.target.value)}
        />
        {errors.name && (
          <p className="text-error text-xs" role="alert">
            {errors.name.join(" ")}
          </p>
        )}
      </div>
      {nodeType ? (
        <SchemaForm
          idPrefix={`node-${node.id}`}
          schema={nodeType.schema}
          ui={nodeType.ui}
          value={node.data.params}
          onChange={(patch) => updateParams(node.id, patch)}
          errors={errors}
          readOnly={readOnly}
          providers={providers}
          promptVariables={promptVariables}
        />
      ) : (
        <p className="text-error text-sm">This server does not know the node type “{node.data.type}”.</p>
      )}
      <Connections node={node} nodes={nodes} edges={edges} readOnly={readOnly} />
    </section>
  );
}
