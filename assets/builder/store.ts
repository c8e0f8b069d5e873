// The builder's state: the graph (React Flow shape), undo/redo, clipboard, save state and issues.
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from "@xyflow/react";
import { createStore, type StoreApi } from "zustand/vanilla";
import type { ApiContext } from "./api";
import { connectionProblem, insertFragment, removeElements, selectedFragment, type Fragment } from "./edit";
import {
  defaultParams,
  edgeId,
  FLOW_NODE_TYPE,
  INPUT_HANDLE,
  nextNodeId,
  toFlow,
  uniqueName,
  type FlowEdge,
  type FlowNode,
} from "./graph";
import { groupIssues, type IssueIndex } from "./issues";
import { createSaving } from "./saving";
import type { BuilderConfig, BuilderState, Issue, Params, Position } from "./types";

export type SaveState = "saved" | "saving" | "unsaved" | "conflict" | "error";
export type RunStatus = "running" | "done" | "error";

export { AUTOSAVE_DELAY_MS } from "./saving";
const HISTORY_LIMIT = 100;
const COALESCE_MS = 1000;

export interface BuilderStore extends IssueIndex {
  config: BuilderConfig;
  api: ApiContext;
  readOnly: boolean;
  nodes: FlowNode[];
  edges: FlowEdge[];
  past: Fragment[];
  future: Fragment[];
  clipboard: Fragment | null;
  pasteCount: number;
  dirty: boolean;
  saveState: SaveState;
  saveError: string | null;
  editRevision: number;
  issues: Issue[];
  runStatus: Record<string, RunStatus>;
  announcement: string;

  onNodesChange: (changes: NodeChange<FlowNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<FlowEdge>[]) => void;
  connect: (connection: Connection) => boolean;
  addNode: (typeName: string, position: Position) => string | null;
  removeSelected: () => void;
  removeNodes: (nodeIds: string[], edgeIds?: string[]) => void;
  duplicateSelected: () => void;
  copySelected: () => void;
  paste: () => void;
  selectAll: () => void;
  selectNode: (id: string | null) => void;
  updateParams: (nodeId: string, patch: Params) => void;
  renameNode: (nodeId: string, name: string) => void;
  layout: () => Promise<void>;
  undo: () => void;
  redo: () => void;
  setIssues: (issues: Issue[]) => void;
  saveNow: () => Promise<void>;
  reload: () => Promise<void>;
  applyState: (state: BuilderState) => void;
  setRunStatus: (nodeId: string, status: RunStatus | null) => void;
  clearRun: () => void;
  announce: (message: string) => void;
  dispose: () => void;
}

export type BuilderStoreApi = StoreApi<BuilderStore>;

export function createBuilderStore(config: BuilderConfig): BuilderStoreApi {
  let lastCommit = { key: "", at: 0 };
  let dragSnapshotTaken = false;
  const initial = toFlow(config.pipeline.data);

  return createStore<BuilderStore>()((set, get) => {
    const editable = () => !get().readOnly;

    /** Push the current graph onto the undo stack (coalescing repeated edits of the same field). */
    const commit = (key = "") => {
      const now = Date.now();
      if (key && key === lastCommit.key && now - lastCommit.at < COALESCE_MS) {
        lastCommit.at = now;
        return;
      }
      lastCommit = { key, at: now };
      const { nodes, edges, past } = get();
      set({ past: [...past.slice(-(HISTORY_LIMIT - 1)), { nodes, edges }], future: [] });
    };

    const saving = createSaving(set, get);

    const changed = () => {
      saving.changed();
      const { saveState } = get();
      set({ dirty: true, saveState: saveState === "conflict" ? "conflict" : "unsaved" });
      if (saveState !== "conflict") saving.schedule();
    };

    const edit = (fragment: Partial<Fragment>, key = "") => {
      if (!editable()) return;
      commit(key);
      set(fragment);
      changed();
    };

    return {
      config,
      api: { urls: config.urls, csrfToken: config.csrf_token },
      readOnly: config.read_only || !config.pipeline.is_working_version,
      nodes: initial.nodes,
      edges: initial.edges,
      past: [],
      future: [],
      clipboard: null,
      pasteCount: 0,
      dirty: false,
      saveState: "saved",
      saveError: null,
      editRevision: config.pipeline.edit_revision,
      ...groupIssues(config.issues ?? []),
      issues: config.issues ?? [],
      runStatus: {},
      announcement: "",

      onNodesChange: (changes) => {
        const allowed = editable()
          ? changes.filter((change) => change.type !== "remove" && change.type !== "add")
          : changes.filter((change) => change.type === "dimensions" || change.type === "select");
        if (allowed.length === 0) return;
        const moves = allowed.filter((change) => change.type === "position");
        const dragging = moves.some((change) => change.type === "position" && change.dragging);
        if (dragging && !dragSnapshotTaken) {
          dragSnapshotTaken = true;
          commit();
        }
        set({ nodes: applyNodeChanges(allowed, get().nodes) });
        if (moves.length > 0 && !dragging) {
          if (!dragSnapshotTaken) commit();
          dragSnapshotTaken = false;
          changed();
        }
      },

      onEdgesChange: (changes) => {
        const removals = changes.filter((change) => change.type === "remove");
        const others = changes.filter((change) => change.type === "select");
        if (others.length > 0) set({ edges: applyEdgeChanges(others, get().edges) });
        if (removals.length > 0 && editable()) {
          edit({ edges: applyEdgeChanges(removals, get().edges) });
        }
      },

      connect: (connection) => {
        const { nodes, edges } = get();
        if (!editable() || connectionProblem(connection, nodes, edges)) return false;
        const taken = new Set(edges.map((edge) => edge.id));
        const edge: FlowEdge = {
          id: edgeId(connection.source, connection.sourceHandle, connection.target, taken),
          source: connection.source,
          target: connection.target,
          sourceHandle: connection.sourceHandle ?? "output",
          targetHandle: connection.targetHandle ?? INPUT_HANDLE,
        };
        edit({ edges: [...edges, edge] });
        return true;
      },

      addNode: (typeName, position) => {
        const nodeType = config.node_types.find((type) => type.name === typeName);
        if (!nodeType || !editable()) return null;
        const { nodes } = get();
        const id = nextNodeId(nodes.map((node) => node.id));
        const node: FlowNode = {
          id,
          type: FLOW_NODE_TYPE,
          position,
          selected: true,
          data: {
            type: nodeType.name,
            name: uniqueName(nodeType.name, nodes.map((n) => n.data.name)),
            params: defaultParams(nodeType, config.llm_providers),
            params_version: nodeType.params_version,
          },
        };
        edit({ nodes: [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node] });
        get().announce(`Added ${nodeType.label} node ${node.data.name}`);
        return id;
      },

      removeSelected: () => {
        const { nodes, edges } = get();
        get().removeNodes(
          nodes.filter((node) => node.selected).map((node) => node.id),
          edges.filter((edge) => edge.selected).map((edge) => edge.id),
        );
      },

      removeNodes: (nodeIds, edgeIds = []) => {
        if (nodeIds.length === 0 && edgeIds.length === 0) return;
        const { nodes, edges } = get();
        edit(removeElements(nodes, edges, new Set(nodeIds), new Set(edgeIds)));
        get().announce(`Deleted ${nodeIds.length} node(s) and ${edgeIds.length} edge(s)`);
      },

      duplicateSelected: () => {
        const { nodes, edges } = get();
        const fragment = selectedFragment(nodes, edges);
        if (fragment.nodes.length === 0) return;
        edit(insertFragment(nodes, edges, fragment, { x: 40, y: 40 }));
        get().announce(`Duplicated ${fragment.nodes.length} node(s)`);
      },

      copySelected: () => {
        const fragment = selectedFragment(get().nodes, get().edges);
        if (fragment.nodes.length === 0) return;
        set({ clipboard: fragment, pasteCount: 0 });
        get().announce(`Copied ${fragment.nodes.length} node(s)`);
      },

      paste: () => {
        const { clipboard, nodes, edges, pasteCount } = get();
        if (!clipboard || !editable()) return;
        const shift = 40 * (pasteCount + 1);
        edit(insertFragment(nodes, edges, clipboard, { x: shift, y: shift }));
        set({ pasteCount: pasteCount + 1 });
        get().announce(`Pasted ${clipboard.nodes.length} node(s)`);
      },

      selectAll: () =>
        set({
          nodes: get().nodes.map((node) => ({ ...node, selected: true })),
          edges: get().edges.map((edge) => ({ ...edge, selected: true })),
        }),

      selectNode: (id) =>
        set({
          nodes: get().nodes.map((node) =>
            (node.id === id) === Boolean(node.selected) ? node : { ...node, selected: node.id === id },
          ),
          edges: get().edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
        }),

      updateParams: (nodeId, patch) => {
        const nodes = get().nodes.map((node) =>
          node.id === nodeId ? { ...node, data: { ...node.data, params: { ...node.data.params, ...patch } } } : node,
        );
        edit({ nodes }, `params:${nodeId}:${Object.keys(patch).join(",")}`);
      },

      renameNode: (nodeId, name) => {
        const nodes = get().nodes.map((node) => (node.id === nodeId ? { ...node, data: { ...node.data, name } } : node));
        edit({ nodes }, `name:${nodeId}`);
      },

      layout: async () => {
        // dagre loads on first use (its own chunk).
        const { autoLayout } = await import("./layout");
        edit({ nodes: autoLayout(get().nodes, get().edges) });
        get().announce("Arranged the nodes");
      },

      undo: () => {
        const { past, future, nodes, edges } = get();
        if (past.length === 0 || !editable()) return;
        lastCommit = { key: "", at: 0 };
        const previous = past[past.length - 1];
        set({ past: past.slice(0, -1), future: [...future, { nodes, edges }], ...previous });
        changed();
        get().announce("Undone");
      },

      redo: () => {
        const { past, future, nodes, edges } = get();
        if (future.length === 0 || !editable()) return;
        lastCommit = { key: "", at: 0 };
        const next = future[future.length - 1];
        set({ future: future.slice(0, -1), past: [...past, { nodes, edges }], ...next });
        changed();
        get().announce("Redone");
      },

      setIssues: (issues) => set({ issues, ...groupIssues(issues) }),
      ...saving,

      setRunStatus: (nodeId, status) => {
        const runStatus = { ...get().runStatus };
        if (status) runStatus[nodeId] = status;
        else delete runStatus[nodeId];
        set({ runStatus });
      },

      clearRun: () => set({ runStatus: {} }),
      announce: (message) => set({ announcement: message }),
      dispose: saving.cancel,
    };
  });
}
