// Validation issues indexed by the node, edge and field they point at.
import { issueField } from "./schemaForm/schema";
import type { Issue } from "./types";

export interface IssueIndex {
  issuesByNode: Record<string, Issue[]>;
  issuesByEdge: Record<string, Issue[]>;
  generalIssues: Issue[];
}

export function groupIssues(issues: readonly Issue[]): IssueIndex {
  const issuesByNode: Record<string, Issue[]> = {};
  const issuesByEdge: Record<string, Issue[]> = {};
  const generalIssues: Issue[] = [];
  for (const issue of issues) {
    if (issue.node_id) (issuesByNode[issue.node_id] ??= []).push(issue);
    else if (issue.edge_id) (issuesByEdge[issue.edge_id] ??= []).push(issue);
    else generalIssues.push(issue);
  }
  return { issuesByNode, issuesByEdge, generalIssues };
}

/** Issue messages for each parameter of a node ("name" for the node's name). */
export function fieldErrors(issues: readonly Issue[] | undefined): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of issues ?? []) {
    const field = issueField(issue.field);
    if (field) (errors[field] ??= []).push(issue.message);
  }
  return errors;
}

export function describeIssue(issue: Issue, nodeName: (id: string) => string | undefined): string {
  if (issue.node_id) return `${nodeName(issue.node_id) ?? issue.node_id}: ${issue.message}`;
  if (issue.edge_id) return `Edge ${issue.edge_id}: ${issue.message}`;
  return issue.message;
}
