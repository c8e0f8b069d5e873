// The right-hand column's tabs while the test panel is open: one column for settings and test, so the
// canvas keeps most of the window (two columns side by side left it about 400 px at 1280 px).
import { FlaskConical, SlidersHorizontal } from "lucide-react";

export type SideTab = "settings" | "test";

/** Full width under the canvas on a phone; a column on the right from the md breakpoint. */
export const SIDE_COLUMN = "border-base-300 max-h-[45vh] w-full shrink-0 overflow-y-auto border-t md:max-h-none md:w-80 md:border-t-0 md:border-l xl:w-96";

/** From this window width the palette shows node names by default. */
export const WIDE_SCREEN = 1440;

const TABS = [
  { id: "settings", label: "Settings", icon: SlidersHorizontal },
  { id: "test", label: "Test", icon: FlaskConical },
] as const;

export function SideTabs({ tab, onPick }: { tab: SideTab; onPick: (tab: SideTab) => void }) {
  return (
    <div role="tablist" aria-label="Side panel" className="tabs tabs-border bg-base-100 border-base-300 sticky top-0 z-10 border-b">
      {TABS.map(({ id, label, icon: Icon }) => (
        <button
          key={id}
          type="button"
          role="tab"
          aria-selected={tab === id}
          className={`tab gap-1 ${tab === id ? "tab-active" : ""}`}
          onClick={() => onPick(id)}
        >
          <Icon aria-hidden="true" className="size-4" />
          {label}
        </button>
      ))}
    </div>
  );
}
