// What a node looks like by kind (colour and icon), and the one-line summary shown on it.
import {
  Braces,
  Code,
  FileText,
  Flag,
  GitFork,
  Mail,
  Play,
  Puzzle,
  Sparkles,
  UserPen,
  type LucideIcon,
} from "lucide-react";
import type { LlmProvider, Params } from "../types";

export type NodeKind = "start" | "end" | "llm" | "router" | "code" | "template" | "extraction" | "data" | "email" | "other";

export interface KindLook {
  label: string;
  icon: LucideIcon;
  /** Background of the node's header band (a theme colour, so dark mode follows). */
  tint: string;
  /** Colour of the kind's icon. */
  accent: string;
}

const KIND_OF_TYPE: Record<string, NodeKind> = {
  start: "start",
  end: "end",
  llm: "llm",
  llm_router: "router",
  static_router: "router",
  python_code: "code",
  render_template: "template",
  extract_structured_data: "extraction",
  update_participant_data: "data",
  send_email: "email",
};

// Whole class names (never built from parts), so Tailwind finds them in this file.
export const KIND_LOOKS: Record<NodeKind, KindLook> = {
  start: { label: "Start", icon: Play, tint: "bg-success/15", accent: "text-success" },
  end: { label: "End", icon: Flag, tint: "bg-neutral/15", accent: "text-base-content" },
  llm: { label: "Language model", icon: Sparkles, tint: "bg-primary/15", accent: "text-primary" },
  router: { label: "Router", icon: GitFork, tint: "bg-warning/25", accent: "text-warning" },
  code: { label: "Code", icon: Code, tint: "bg-secondary/15", accent: "text-secondary" },
  template: { label: "Template", icon: Braces, tint: "bg-accent/15", accent: "text-accent" },
  extraction: { label: "Extraction", icon: FileText, tint: "bg-info/15", accent: "text-info" },
  data: { label: "Participant data", icon: UserPen, tint: "bg-info/15", accent: "text-info" },
  email: { label: "Email", icon: Mail, tint: "bg-error/10", accent: "text-error" },
  other: { label: "Node", icon: Puzzle, tint: "bg-base-200", accent: "text-base-content" },
};

export function nodeKind(type: string): NodeKind {
  return KIND_OF_TYPE[type] ?? "other";
}

export function kindLook(type: string): KindLook {
  return KIND_LOOKS[nodeKind(type)];
}

const SUMMARY_LENGTH = 60;

/** The first non-blank line of a text, cut to fit on a node. */
export function firstLine(value: unknown, length = SUMMARY_LENGTH): string {
  if (typeof value !== "string") return "";
  const line = value.split("\n").find((text) => text.trim() !== "")?.trim() ?? "";
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

function modelName(params: Params, providers: readonly LlmProvider[]): string {
  const provider = providers.find((item) => item.id === params.llm_provider_id);
  const model = provider?.models.find((item) => item.id === params.llm_model_id);
  if (!model) return params.llm_model_id ? "" : "No model chosen";
  return model.name;
}

/** What a node does at a glance: its model and the first line of its prompt, code or template. */
export function nodeSummary(type: string, params: Params, providers: readonly LlmProvider[]): { title: string; lines: string[] } {
  const lines: string[] = [];
  let title = "";
  switch (nodeKind(type)) {
    case "llm":
    case "router":
    case "extraction":
      if ("llm_provider_id" in params || "llm_model_id" in params) title = modelName(params, providers);
      lines.push(firstLine(params.prompt));
      if (type === "static_router" && params.route_key) lines.push(`by ${String(params.data_source ?? "")} ${String(params.route_key)}`.trim());
      break;
    case "code":
      lines.push(firstLine(params.code));
      break;
    case "template":
      lines.push(firstLine(params.template_string));
      break;
    case "data":
      lines.push(params.key_name ? `key: ${String(params.key_name)}` : "");
      break;
    case "email":
      lines.push(firstLine(params.subject));
      break;
  }
  return { title, lines: lines.filter(Boolean) };
}
