// The node palette: every node type from the server; drag onto the canvas, or Enter/click to add.
import { useReactFlow } from "@xyflow/react";
import { useRef, type DragEvent } from "react";
import { DRAG_MIME } from "../Canvas";
import { useBuilder } from "../context";

export function Palette() {
  const nodeTypes = useBuilder((state) => state.config.node_types);
  const addNode = useBuilder((state) => state.addNode);
  const { screenToFlowPosition } = useReactFlow();
  const added = useRef(0);

  const addAtCentre = (type: string) => {
    const rect = document.querySelector(".react-flow")?.getBoundingClientRect();
    const shift = (added.current++ % 5) * 24;
    const centre = rect
      ? screenToFlowPosition({ x: rect.left + rect.width / 2 + shift, y: rect.top + rect.height / 2 + shift })
      : { x: shift, y: shift };
    addNode(type, { x: centre.x - 90, y: centre.y - 30 });
  };

  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(DRAG_MIME, type);
    event.dataTransfer.setData("text/plain", type);
    event.dataTransfer.effectAllowed = "move";
  };

  return (
    <nav aria-label="Node palette" className="flex flex-col gap-2">
      <h2 className="text-sm font-semibold">Add a node</h2>
      <p className="text-xs opacity-70">Drag onto the canvas, or press Enter to add in the middle.</p>
      <ul className="menu menu-sm bg-base-100 rounded-box w-full gap-1 p-0" role="list">
        {nodeTypes.map((type) => (
          <li key={type.name}>
            <button
              type="button"
              draggable
              data-node-type={type.name}
              className="border-base-300 flex cursor-grab flex-col items-start gap-0 border"
              title={type.description}
              aria-label={`Add ${type.label} node`}
              aria-describedby={`palette-${type.name}-desc`}
              onDragStart={(event) => onDragStart(event, type.name)}
              onClick={() => addAtCentre(type.name)}
            >
              <span className="font-medium">{type.label}</span>
              <span id={`palette-${type.name}-desc`} className="text-xs opacity-70">
                {type.description}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
