// Editing actions with their shortcuts, the save state and the panel toggles.
import { useReactFlow } from "@xyflow/react";
import {
  ClipboardPaste,
  Copy,
  CopyPlus,
  FlaskConical,
  GitCommitHorizontal,
  Maximize,
  Network,
  Redo2,
  Save,
  Trash2,
  Undo2,
  type LucideIcon,
} from "lucide-react";
import type { ReactNode } from "react";
import { useBuilder, useBuilderApi } from "../context";
import { SaveStatus } from "./SaveStatus";

interface Props {
  editing: boolean;
  testOpen: boolean;
  onToggleTest: () => void;
  onCreateVersion: () => void;
  versionPicker: ReactNode;
}

interface ToolButtonProps {
  label: string;
  icon: LucideIcon;
  shortcut?: string;
  onClick: () => void;
  disabled?: boolean;
  children?: ReactNode;
}

/** An icon, and its word from the 2xl breakpoint (the label names it for screen readers everywhere). */
function ToolButton({ label, icon: Icon, shortcut, onClick, disabled, children }: ToolButtonProps) {
  return (
    <button
      type="button"
      className="btn btn-sm join-item"
      aria-label={label}
      aria-keyshortcuts={shortcut}
      title={shortcut ? `${label} (${shortcut.replace(/Control/g, "Ctrl")})` : label}
      onClick={onClick}
      disabled={disabled}
    >
      <Icon aria-hidden="true" className="size-4" />
      {children && <span className="hidden 2xl:inline">{children}</span>}
    </button>
  );
}

export function Toolbar({ editing, testOpen, onToggleTest, onCreateVersion, versionPicker }: Props) {
  const canUndo = useBuilder((state) => state.past.length > 0);
  const canRedo = useBuilder((state) => state.future.length > 0);
  const hasSelection = useBuilder((state) => state.nodes.some((node) => node.selected) || state.edges.some((edge) => edge.selected));
  const hasClipboard = useBuilder((state) => state.clipboard !== null);
  const actions = useBuilderApi().getState();
  const name = useBuilder((state) => state.config.pipeline.name);
  const pipelineUrl = useBuilder((state) => state.config.urls.pipeline);
  const { fitView } = useReactFlow();

  return (
    <div role="toolbar" aria-label="Pipeline builder" className="bg-base-200 border-base-300 flex flex-wrap items-center gap-2 border-b px-3 py-2">
      <a href={pipelineUrl} className="link link-hover text-sm font-semibold" title="Back to the pipeline">
        {name}
      </a>
      <SaveStatus />
      {editing && (
        <div className="join">
          <ToolButton label="Undo" icon={Undo2} shortcut="Control+Z" onClick={actions.undo} disabled={!canUndo} />
          <ToolButton label="Redo" icon={Redo2} shortcut="Control+Shift+Z Control+Y" onClick={actions.redo} disabled={!canRedo} />
        </div>
      )}
      {editing && (
        <div className="join">
          <ToolButton label="Duplicate selection" icon={CopyPlus} shortcut="Control+D" onClick={actions.duplicateSelected} disabled={!hasSelection}>Duplicate</ToolButton>
          <ToolButton label="Copy selection" icon={Copy} shortcut="Control+C" onClick={actions.copySelected} disabled={!hasSelection}>Copy</ToolButton>
          <ToolButton label="Paste" icon={ClipboardPaste} shortcut="Control+V" onClick={actions.paste} disabled={!hasClipboard}>Paste</ToolButton>
          <ToolButton label="Delete selection" icon={Trash2} shortcut="Delete Backspace" onClick={actions.removeSelected} disabled={!hasSelection}>Delete</ToolButton>
        </div>
      )}
      <div className="join">
        {editing && <ToolButton label="Auto-layout" icon={Network} shortcut="Shift+L" onClick={() => void actions.layout()}>Layout</ToolButton>}
        <ToolButton label="Zoom to fit" icon={Maximize} shortcut="Shift+F" onClick={() => void fitView({ padding: 0.2, duration: 200 })}>Fit</ToolButton>
      </div>
      {editing && (
        <ToolButton label="Save now" icon={Save} shortcut="Control+S" onClick={() => void actions.saveNow()}>Save</ToolButton>
      )}
      <div className="ml-auto flex items-center gap-2">
        {versionPicker}
        {editing && (
          <button type="button" className="btn btn-sm btn-primary" onClick={onCreateVersion}>
            <GitCommitHorizontal aria-hidden="true" className="size-4" />
            Create version
          </button>
        )}
        <button type="button" className={`btn btn-sm ${testOpen ? "btn-active" : ""}`} aria-pressed={testOpen} onClick={onToggleTest}>
          <FlaskConical aria-hidden="true" className="size-4" />
          Test
        </button>
      </div>
    </div>
  );
}
