// JSON endpoints of the builder (docs/builder-api.md). Every call uses the session cookie and CSRF header.
import type { BuilderState, BuilderUrls, GraphJson, Issue, VersionDetail } from "./types";

export interface ApiContext {
  urls: BuilderUrls;
  csrfToken: string;
}

export type SaveResult =
  | { kind: "ok"; editRevision: number; issues: Issue[] }
  | { kind: "conflict"; editRevision: number | null; message: string }
  | { kind: "error"; message: string; status: number };

export class ApiError extends Error {
  status: number;
  issues: Issue[];
  constructor(message: string, status: number, issues: Issue[] = []) {
    super(message);
    this.status = status;
    this.issues = issues;
  }
}

function jsonHeaders(csrfToken: string): Record<string, string> {
  return { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken };
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await response.json();
    return body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function errorMessage(body: Record<string, unknown>, response: Response): string {
  if (typeof body.error === "string") return body.error;
  if (response.status === 403) return "You may not change this pipeline";
  return `The server answered ${response.status}`;
}

export async function saveGraph(api: ApiContext, data: GraphJson, editRevision: number): Promise<SaveResult> {
  let response: Response;
  try {
    response = await fetch(api.urls.save, {
      method: "POST",
      credentials: "same-origin",
      headers: jsonHeaders(api.csrfToken),
      body: JSON.stringify({ data, edit_revision: editRevision }),
    });
  } catch {
    return { kind: "error", message: "The server could not be reached", status: 0 };
  }
  const body = await readJson(response);
  if (response.ok) {
    return {
      kind: "ok",
      editRevision: typeof body.edit_revision === "number" ? body.edit_revision : editRevision + 1,
      issues: Array.isArray(body.issues) ? (body.issues as Issue[]) : [],
    };
  }
  if (response.status === 409) {
    return {
      kind: "conflict",
      editRevision: typeof body.edit_revision === "number" ? body.edit_revision : null,
      message: errorMessage(body, response),
    };
  }
  return { kind: "error", message: errorMessage(body, response), status: response.status };
}

export async function fetchState(api: ApiContext): Promise<BuilderState> {
  const response = await fetch(api.urls.state, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await readJson(response);
  if (!response.ok) throw new ApiError(errorMessage(body, response), response.status);
  return body as unknown as BuilderState;
}

export async function createVersion(api: ApiContext, description: string): Promise<number> {
  const response = await fetch(api.urls.versions, {
    method: "POST",
    credentials: "same-origin",
    headers: jsonHeaders(api.csrfToken),
    body: JSON.stringify({ description }),
  });
  const body = await readJson(response);
  if (!response.ok) {
    const issues = Array.isArray(body.issues) ? (body.issues as Issue[]) : [];
    throw new ApiError(errorMessage(body, response), response.status, issues);
  }
  return Number(body.version_number);
}

export function versionUrl(api: ApiContext, versionNumber: number): string {
  return api.urls.version.replace("{n}", String(versionNumber));
}

export function traceUrl(api: ApiContext, traceId: string | number): string {
  return api.urls.trace.replace("{id}", String(traceId));
}

export async function fetchVersion(api: ApiContext, versionNumber: number): Promise<VersionDetail> {
  const response = await fetch(versionUrl(api, versionNumber), {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  const body = await readJson(response);
  if (!response.ok) throw new ApiError(errorMessage(body, response), response.status);
  return body as unknown as VersionDetail;
}
