// The node palette: every node type from the server; drag onto the canvas, or Enter/click to add.
// Collapsed, it is a strip of the kinds' icons (a row on a phone), so the canvas keeps the room.
import { useReactFlow } from "@xyflow/react";
import { PanelLeftClose, PanelLeftOpen } from "lucide-react";
import { useRef, type DragEvent } from "react";
import { DRAG_MIME } from "../Canvas";
import { useBuilder } from "../context";
import { kindLook } from "../nodes/kinds";

interface Props {
  collapsed: boolean;
  onToggle: () => void;
}

export function Palette({ collapsed, onToggle }: Props) {
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

  const ToggleIcon = collapsed ? PanelLeftOpen : PanelLeftClose;
  return (
    <nav aria-label="Node palette" className={`flex gap-2 ${collapsed ? "flex-row items-center md:flex-col" : "flex-col"}`} data-collapsed={collapsed}>
      <div className="flex items-center justify-between gap-1">
        {!collapsed && <h2 className="text-sm font-semibold">Add a node</h2>}
        <button
          type="button"
          className="btn btn-ghost btn-sm btn-square"
          aria-label={collapsed ? "Show node names" : "Hide node names"}
          aria-expanded={!collapsed}
          title={collapsed ? "Show node names" : "Hide node names"}
          onClick={onToggle}
        >
          <ToggleIcon aria-hidden="true" className="size-4" />
        </button>
      </div>
      {!collapsed && <p className="text-xs opacity-70">Drag onto the canvas, or press Enter to add in the middle.</p>}
      <ul className={collapsed ? "flex flex-row gap-1 md:flex-col" : "menu menu-sm bg-base-100 rounded-box w-full gap-1 p-0"} role="list">
        {nodeTypes.map((type) => {
          const look = kindLook(type.name);
          const Icon = look.icon;
          return (
            <li key={type.name}>
              <button
                type="button"
                draggable
                data-node-type={type.name}
                className={
                  collapsed
                    ? `btn btn-square btn-sm border-base-300 cursor-grab ${look.tint}`
                    : "border-base-300 flex cursor-grab items-start gap-2 border"
                }
                title={collapsed ? `${type.label}: ${type.description}` : type.description}
                aria-label={`Add ${type.label} node`}
                aria-describedby={`palette-${type.name}-desc`}
                onDragStart={(event) => onDragStart(event, type.name)}
                onClick={() => addAtCentre(type.name)}
              >
                <span className={collapsed ? "" : `rounded-field mt-0.5 p-1 ${look.tint}`}>
                  <Icon aria-hidden="true" className={`size-4 ${look.accent}`} />
                </span>
                <span className={collapsed ? "sr-only" : "flex flex-col"}>
                  <span className="font-medium">{type.label}</span>
                  <span id={`palette-${type.name}-desc`} className="text-xs opacity-70">
                    {type.description}
                  </span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
