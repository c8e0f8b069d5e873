// All validation issues of the working copy; each links to its node or edge.
import { useReactFlow } from "@xyflow/react";
import { useBuilder } from "../context";
import { describeIssue } from "../issues";
import type { Issue } from "../types";

export function IssuesList({ issues, title = "Problems to fix" }: { issues: Issue[]; title?: string }) {
  const nodes = useBuilder((state) => state.nodes);
  const edges = useBuilder((state) => state.edges);
  const selectNode = useBuilder((state) => state.selectNode);
  const { fitView } = useReactFlow();
  const nameOf = (id: string) => nodes.find((node) => node.id === id)?.data.name;
  if (issues.length === 0) return <p className="text-success text-sm">No problems found.</p>;

  const show = (issue: Issue) => {
    const edge = issue.edge_id ? edges.find((item) => item.id === issue.edge_id) : undefined;
    const nodeId = issue.node_id ?? edge?.source;
    if (!nodeId) return;
    selectNode(nodeId);
    void fitView({ nodes: [{ id: nodeId }, ...(edge ? [{ id: edge.target }] : [])], duration: 200, maxZoom: 1.2 });
  };

  return (
    <section aria-label={title} className="flex flex-col gap-1">
      <h3 className="text-sm font-semibold">
        {title} ({issues.length})
      </h3>
      <ul className="flex flex-col gap-1" data-testid="issues-list">
        {issues.map((issue, i) => (
          <li key={i} className="text-error text-xs">
            {issue.node_id || issue.edge_id ? (
              <button type="button" className="link text-left" onClick={() => show(issue)}>
                {describeIssue(issue, nameOf)}
              </button>
            ) : (
              describeIssue(issue, nameOf)
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
