// The builder page: toolbar, palette, canvas, side panels; the working copy or a past version.
import { ReactFlowProvider, useNodesState, useReactFlow } from "@xyflow/react";
import { useCallback, useMemo, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { fetchVersion } from "./api";
import { Canvas } from "./Canvas";
import { BuilderContext, useBuilder, useBuilderApi } from "./context";
import { toFlow, type FlowNode } from "./graph";
import { CreateVersionDialog } from "./panels/CreateVersionDialog";
import { IssuesList } from "./panels/IssuesList";
import { Palette } from "./panels/Palette";
import { SaveBanners } from "./panels/SaveStatus";
import { SettingsPanel } from "./panels/SettingsPanel";
import { SIDE_COLUMN, SideTabs, WIDE_SCREEN, type SideTab } from "./panels/SideTabs";
import { TestPanel } from "./panels/TestPanel";
import { Toolbar } from "./panels/Toolbar";
import { ComparePanel, VersionBanner, VersionPicker } from "./panels/Versions";
import { useShortcuts } from "./shortcuts";
import type { BuilderStoreApi } from "./store";
import type { VersionDetail } from "./types";

const NO_ISSUES = {};

function WorkingCanvas() {
  const nodes = useBuilder((state) => state.nodes);
  const edges = useBuilder((state) => state.edges);
  const readOnly = useBuilder((state) => state.readOnly);
  const issuesByEdge = useBuilder((state) => state.issuesByEdge);
  const onNodesChange = useBuilder((state) => state.onNodesChange);
  const onEdgesChange = useBuilder((state) => state.onEdgesChange);
  const connect = useBuilder((state) => state.connect);
  const addNode = useBuilder((state) => state.addNode);
  return (
    <Canvas
      label="Pipeline canvas"
      nodes={nodes}
      edges={edges}
      readOnly={readOnly}
      issuesByEdge={issuesByEdge}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onConnect={connect}
      onDropNode={addNode}
    />
  );
}

function WorkingSidebar() {
  const selectedId = useBuilder((state) => {
    const selected = state.nodes.filter((node) => node.selected);
    return selected.length === 1 ? selected[0].id : null;
  });
  const refs = useBuilder(useShallow((state) => state.nodes.map((node) => node.data)));
  const ids = useBuilder(useShallow((state) => state.nodes.map((node) => node.id)));
  const edges = useBuilder((state) => state.edges);
  const readOnly = useBuilder((state) => state.readOnly);
  const issues = useBuilder((state) => state.issues);
  const nodes = useMemo(() => ids.map((id, i) => ({ id, data: refs[i] })), [ids, refs]);
  const node = nodes.find((item) => item.id === selectedId);
  if (node) return <SettingsPanel key={node.id} node={node} nodes={nodes} edges={edges} readOnly={readOnly} />;
  return (
    <div className="flex flex-col gap-3">
      <p className="text-sm opacity-70">Select a node to edit its settings. Tab to a node and press Enter to select it.</p>
      <IssuesList issues={issues} />
    </div>
  );
}

function VersionView({ version, comparing }: { version: VersionDetail; comparing: boolean }) {
  const initial = useMemo(() => toFlow(version.data), [version]);
  const [nodes, , onNodesChange] = useNodesState<FlowNode>(initial.nodes);
  const selected = nodes.filter((node) => node.selected);
  return (
    <div className="flex min-h-0 grow flex-col md:flex-row">
      <main className="relative min-h-64 min-w-0 grow">
        <Canvas
          label={`Version ${version.version_number} (read-only)`}
          nodes={nodes}
          edges={initial.edges}
          readOnly
          issuesByEdge={NO_ISSUES}
          onNodesChange={onNodesChange}
          onEdgesChange={() => undefined}
        />
      </main>
      <aside className={`${SIDE_COLUMN} bg-base-100`} aria-label="Details">
        {comparing ? (
          <ComparePanel version={version} />
        ) : selected.length === 1 ? (
          <SettingsPanel key={selected[0].id} node={selected[0]} nodes={nodes} edges={initial.edges} readOnly />
        ) : (
          <p className="text-sm opacity-70">Select a node to see its settings in this version.</p>
        )}
      </aside>
    </div>
  );
}

function Builder() {
  const store = useBuilderApi();
  const readOnly = useBuilder((state) => state.readOnly);
  const versions = useBuilder((state) => state.config.versions);
  const announcement = useBuilder((state) => state.announcement);
  const [viewing, setViewing] = useState<VersionDetail | null>(null);
  const [comparing, setComparing] = useState(false);
  const [testOpen, setTestOpenState] = useState(false);
  const [tab, setTab] = useState<SideTab>("settings");
  // The palette shows names on a wide screen; it folds to icons on a narrow one and while testing.
  const [paletteOpen, setPaletteOpen] = useState(() => window.innerWidth >= WIDE_SCREEN);
  const setTestOpen = useCallback((open: boolean) => {
    setTestOpenState(open);
    setTab(open ? "test" : "settings");
    if (open) setPaletteOpen(false);
  }, []);
  // Picking a node shows its settings, also while the test panel is open.
  const selectedId = useBuilder((state) => state.nodes.find((node) => node.selected)?.id ?? null);
  const [shownSelection, setShownSelection] = useState(selectedId);
  if (selectedId !== shownSelection) {
    setShownSelection(selectedId);
    if (selectedId) setTab("settings");
  }
  const [versionDialog, setVersionDialog] = useState(false);
  const [versionError, setVersionError] = useState<string | null>(null);
  const { fitView } = useReactFlow();
  const editing = !readOnly && !viewing;
  const shortcutActions = useMemo(() => ({ fitView: () => void fitView({ padding: 0.2, duration: 200 }) }), [fitView]);
  useShortcuts(store, shortcutActions, !viewing);

  const pickVersion = useCallback(
    async (versionNumber: number | null) => {
      setVersionError(null);
      setComparing(false);
      if (versionNumber === null) return setViewing(null);
      try {
        setViewing(await fetchVersion(store.getState().api, versionNumber));
      } catch (error) {
        setVersionError(error instanceof Error ? error.message : String(error));
      }
    },
    [store],
  );

  return (
    <div className="bg-base-100 text-base-content flex h-full min-h-[30rem] flex-col">
      <Toolbar
        editing={editing}
        testOpen={testOpen}
        onToggleTest={() => setTestOpen(!testOpen)}
        onCreateVersion={() => setVersionDialog(true)}
        versionPicker={<VersionPicker versions={versions} viewing={viewing?.version_number ?? null} onPick={(n) => void pickVersion(n)} />}
      />
      <SaveBanners />
      {versionError && <div role="alert" className="alert alert-error rounded-none py-2">{versionError}</div>}
      {viewing && (
        <VersionBanner version={viewing} comparing={comparing} onCompare={() => setComparing((on) => !on)} onBack={() => void pickVersion(null)} />
      )}
      <div className="flex min-h-0 grow flex-col md:flex-row">
        {viewing ? (
          <VersionView key={viewing.version_number} version={viewing} comparing={comparing} />
        ) : (
          <>
            {editing && (
              <aside
                className={`border-base-300 bg-base-200 shrink-0 overflow-auto border-b p-2 md:border-r md:border-b-0 ${paletteOpen ? "md:w-56 md:p-3" : "md:w-14"}`}
                aria-label="Palette"
              >
                <Palette collapsed={!paletteOpen} onToggle={() => setPaletteOpen((open) => !open)} />
              </aside>
            )}
            <main className="relative min-h-64 min-w-0 grow">
              <WorkingCanvas />
            </main>
            <div className={`${SIDE_COLUMN} bg-base-100 flex flex-col`}>
              {testOpen && <SideTabs tab={tab} onPick={setTab} />}
              <aside className="p-3" aria-label="Settings" hidden={testOpen && tab === "test"}>
                <WorkingSidebar />
              </aside>
              {testOpen && (
                // Kept mounted while the Settings tab shows, so the conversation and a running reply go on.
                <aside className="bg-base-200 min-h-0 grow p-3" aria-label="Test panel" hidden={tab !== "test"}>
                  <TestPanel onClose={() => setTestOpen(false)} />
                </aside>
              )}
            </div>
          </>
        )}
        {viewing && testOpen && (
          <aside className={`${SIDE_COLUMN} bg-base-200 p-3`} aria-label="Test panel">
            <TestPanel onClose={() => setTestOpen(false)} />
          </aside>
        )}
      </div>
      {editing && <CreateVersionDialog open={versionDialog} onClose={() => setVersionDialog(false)} />}
      <div className="sr-only" aria-live="polite" role="status">
        {announcement}
      </div>
    </div>
  );
}

export function App({ store }: { store: BuilderStoreApi }) {
  return (
    <BuilderContext value={store}>
      <ReactFlowProvider>
        <Builder />
      </ReactFlowProvider>
    </BuilderContext>
  );
}
