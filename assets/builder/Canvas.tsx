// The React Flow canvas: the working copy (editable) or a past version (read-only).
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, type DragEvent } from "react";
import { connectionProblem } from "./edit";
import type { FlowEdge, FlowNode } from "./graph";
import { nodeTypes } from "./nodes/PipelineNode";
import { useColorMode } from "./theme";
import type { Issue } from "./types";

export const DRAG_MIME = "application/x-pipeline-node";

interface Props {
  nodes: FlowNode[];
  edges: FlowEdge[];
  readOnly: boolean;
  issuesByEdge: Record<string, Issue[]>;
  onNodesChange: (changes: NodeChange<FlowNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<FlowEdge>[]) => void;
  onConnect?: (connection: Connection) => void;
  onDropNode?: (type: string, position: { x: number; y: number }) => void;
  label: string;
}

const FIT_OPTIONS = { padding: 0.2, maxZoom: 1.2 };
// On a phone the whole graph fits only too small to read: the first view stays readable, and panning
// (or the Fit button) shows the rest.
const NARROW_FIT_OPTIONS = { ...FIT_OPTIONS, minZoom: 0.75 };
const NARROW_CANVAS = 640;
const EDGE_OPTIONS = { interactionWidth: 16 };
const errorEdgeStyle = { stroke: "var(--color-error, #e11d48)", strokeWidth: 3 };

export function Canvas({ nodes, edges, readOnly, issuesByEdge, onNodesChange, onEdgesChange, onConnect, onDropNode, label }: Props) {
  const colorMode = useColorMode();
  const { screenToFlowPosition, fitView } = useReactFlow();
  const initialized = useNodesInitialized();
  const fitted = useRef(false);

  // Fit once every node has been measured (the `fitView` prop may run before all of them are).
  useEffect(() => {
    if (!initialized || fitted.current) return;
    fitted.current = true;
    const width = document.querySelector(".react-flow")?.getBoundingClientRect().width ?? Infinity;
    void fitView(width < NARROW_CANVAS ? NARROW_FIT_OPTIONS : FIT_OPTIONS);
  }, [initialized, fitView]);

  const shownEdges = useMemo(
    () =>
      edges.map((edge) => {
        const issues = issuesByEdge[edge.id];
        if (!issues?.length) return edge;
        const message = issues.map((issue) => issue.message).join("; ");
        return { ...edge, style: errorEdgeStyle, label: `⚠ ${message}`, ariaLabel: `Edge with issue: ${message}`, className: "edge-has-issue" };
      }),
    [edges, issuesByEdge],
  );

  // Read the latest graph through a ref so the callback stays stable while nodes are dragged.
  const graph = useRef({ nodes, edges });
  useEffect(() => {
    graph.current = { nodes, edges };
  }, [nodes, edges]);
  const isValidConnection = useCallback(
    (connection: Connection | FlowEdge) => connectionProblem(connection, graph.current.nodes, graph.current.edges) === null,
    [],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DRAG_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(DRAG_MIME);
      if (!type || !onDropNode) return;
      event.preventDefault();
      onDropNode(type, screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [onDropNode, screenToFlowPosition],
  );

  return (
    <ReactFlow<FlowNode, FlowEdge>
      aria-label={label}
      // Focusable, so a click on the empty canvas gives it the keyboard focus (copy, paste and select all act on the graph).
      tabIndex={-1}
      nodes={nodes}
      edges={shownEdges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onConnect={readOnly ? undefined : onConnect}
      isValidConnection={isValidConnection}
      onDragOver={readOnly ? undefined : onDragOver}
      onDrop={readOnly ? undefined : onDrop}
      nodesDraggable={!readOnly}
      nodesConnectable={!readOnly}
      edgesReconnectable={false}
      deleteKeyCode={null}
      colorMode={colorMode}
      fitView
      fitViewOptions={FIT_OPTIONS}
      minZoom={0.1}
      defaultEdgeOptions={EDGE_OPTIONS}
    >
      <Background gap={20} />
      <MiniMap pannable zoomable ariaLabel="Mini map of the pipeline" />
      <Controls showInteractive={false} aria-label="Zoom controls" />
    </ReactFlow>
  );
}
