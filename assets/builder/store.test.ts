// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AUTOSAVE_DELAY_MS, createBuilderStore, type BuilderStoreApi } from "./store";
import { makeConfig, sampleGraph } from "./testing/fixtures";

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function select(store: BuilderStoreApi, ids: string[]) {
  store.setState({ nodes: store.getState().nodes.map((node) => ({ ...node, selected: ids.includes(node.id) })) });
}

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("editing", () => {
  it("adds a node with defaults, selected, and marks the graph unsaved", () => {
    const store = createBuilderStore(makeConfig());
    const id = store.getState().addNode("llm", { x: 10, y: 20 });
    const state = store.getState();
    const node = state.nodes.find((item) => item.id === id);
    expect(id).toBe("n4");
    expect(node?.data).toMatchObject({ type: "llm", name: "llm", params: { llm_provider_id: 1, llm_model_id: 3 } });
    expect(node?.selected).toBe(true);
    expect(state.dirty).toBe(true);
    expect(state.saveState).toBe("unsaved");
    expect(store.getState().addNode("no_such_type", { x: 0, y: 0 })).toBeNull();
    store.getState().dispose();
  });

  it("connects handles, refusing self-loops and duplicates", () => {
    const store = createBuilderStore(makeConfig());
    const id = store.getState().addNode("llm", { x: 0, y: 0 }) as string;
    expect(store.getState().connect({ source: "n1", sourceHandle: "output", target: id, targetHandle: "input" })).toBe(true);
    expect(store.getState().connect({ source: "n1", sourceHandle: "output", target: id, targetHandle: "input" })).toBe(false);
    expect(store.getState().connect({ source: id, sourceHandle: "output", target: id, targetHandle: "input" })).toBe(false);
    const edge = store.getState().edges.at(-1);
    expect(edge).toMatchObject({ source: "n1", target: id, sourceHandle: "output", targetHandle: "input" });
    store.getState().dispose();
  });

  it("removes selected nodes with their edges, as one undoable step", () => {
    const store = createBuilderStore(makeConfig());
    select(store, ["n2"]);
    store.getState().removeSelected();
    expect(store.getState().nodes.map((node) => node.id)).toEqual(["n1", "n3"]);
    expect(store.getState().edges).toEqual([]);
    store.getState().undo();
    expect(store.getState().nodes.map((node) => node.id)).toEqual(["n1", "n2", "n3"]);
    expect(store.getState().edges).toHaveLength(3);
    store.getState().redo();
    expect(store.getState().nodes).toHaveLength(2);
    store.getState().dispose();
  });

  it("undoes and redoes parameter edits, coalescing keystrokes on one field", () => {
    const store = createBuilderStore(makeConfig());
    store.getState().updateParams("n2", { prompt: "R" });
    store.getState().updateParams("n2", { prompt: "Ro" });
    store.getState().renameNode("n2", "triage");
    expect(store.getState().past).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().nodes[1].data.name).toBe("router");
    expect(store.getState().nodes[1].data.params.prompt).toBe("Ro");
    store.getState().undo();
    expect(store.getState().nodes[1].data.params.prompt).toBe("Route it");
    store.getState().redo();
    store.getState().redo();
    expect(store.getState().nodes[1].data).toMatchObject({ name: "triage", params: { prompt: "Ro" } });
    store.getState().dispose();
  });

  it("duplicates the selection with new ids, unique names and the inner edges", () => {
    const store = createBuilderStore(makeConfig());
    select(store, ["n2", "n3"]);
    store.getState().duplicateSelected();
    const nodes = store.getState().nodes;
    expect(nodes).toHaveLength(5);
    const copies = nodes.slice(3);
    expect(copies.map((node) => node.data.name)).toEqual(["router_2", "end_2"]);
    expect(copies.every((node) => node.selected)).toBe(true);
    expect(nodes.slice(0, 3).some((node) => node.selected)).toBe(false);
    expect(copies[0].position).toEqual({ x: 240, y: 40 });
    const newEdges = store.getState().edges.filter((edge) => edge.source === copies[0].id);
    expect(newEdges.map((edge) => [edge.sourceHandle, edge.target])).toEqual([
      ["output_0", copies[1].id],
      ["output_1", copies[1].id],
    ]);
    store.getState().dispose();
  });

  it("copies and pastes (each paste shifted further)", () => {
    const store = createBuilderStore(makeConfig());
    select(store, ["n2"]);
    store.getState().copySelected();
    store.getState().updateParams("n2", { prompt: "changed after copy" });
    store.getState().paste();
    store.getState().paste();
    const nodes = store.getState().nodes;
    expect(nodes).toHaveLength(5);
    expect(nodes[3].data.params.prompt).toBe("Route it");
    expect(nodes[3].position).toEqual({ x: 240, y: 40 });
    expect(nodes[4].position).toEqual({ x: 280, y: 80 });
    expect(nodes[4].data.name).toBe("router_3");
    store.getState().dispose();
  });

  it("records a drag as one undo step and only marks it changed when the drag ends", () => {
    const store = createBuilderStore(makeConfig());
    const move = (x: number, dragging: boolean) =>
      store.getState().onNodesChange([{ type: "position", id: "n1", position: { x, y: 0 }, dragging }]);
    move(5, true);
    move(10, true);
    expect(store.getState().dirty).toBe(false);
    move(10, false);
    expect(store.getState().dirty).toBe(true);
    expect(store.getState().past).toHaveLength(1);
    store.getState().undo();
    expect(store.getState().nodes[0].position).toEqual({ x: 0, y: 0 });
    store.getState().dispose();
  });

  it("ignores edits when read-only but still allows selection", () => {
    const store = createBuilderStore(makeConfig({ read_only: true }));
    expect(store.getState().addNode("llm", { x: 0, y: 0 })).toBeNull();
    store.getState().onNodesChange([{ type: "position", id: "n1", position: { x: 50, y: 0 }, dragging: false }]);
    store.getState().onNodesChange([{ type: "select", id: "n1", selected: true }]);
    select(store, ["n1"]);
    store.getState().removeSelected();
    expect(store.getState().nodes).toHaveLength(3);
    expect(store.getState().nodes[0].position).toEqual({ x: 0, y: 0 });
    expect(store.getState().dirty).toBe(false);
  });

  it("lays the graph out left to right", async () => {
    const store = createBuilderStore(makeConfig());
    await store.getState().layout();
    const [start, router, end] = store.getState().nodes;
    expect(start.position.x).toBeLessThan(router.position.x);
    expect(router.position.x).toBeLessThan(end.position.x);
    store.getState().dispose();
  });
});

describe("saving", () => {
  it("autosaves after a pause with the edit revision, then shows saved and the new issues", async () => {
    vi.useFakeTimers();
    fetchMock.mockResolvedValue(jsonResponse(200, { edit_revision: 4, issues: [{ message: "Bad prompt", node_id: "n2", field: "prompt" }] }));
    const store = createBuilderStore(makeConfig());
    store.getState().renameNode("n2", "triage");
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS - 100);
    expect(fetchMock).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/b/save/");
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("token");
    const body = JSON.parse(String(init.body));
    expect(body.edit_revision).toBe(3);
    expect(body.data.nodes[1]).toMatchObject({ id: "n2", name: "triage" });
    expect(body.data.edges[1]).toMatchObject({ source_handle: "output_0", target_handle: "input" });
    const state = store.getState();
    expect(state).toMatchObject({ saveState: "saved", dirty: false, editRevision: 4 });
    expect(state.issuesByNode.n2[0].message).toBe("Bad prompt");
  });

  it("keeps changes made during a save unsaved and saves them next", async () => {
    let answer: (response: Response) => void = () => undefined;
    fetchMock.mockImplementationOnce(() => new Promise<Response>((resolve) => (answer = resolve)));
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { edit_revision: 5, issues: [] }));
    const store = createBuilderStore(makeConfig());
    store.getState().renameNode("n2", "a");
    const first = store.getState().saveNow();
    expect(store.getState().saveState).toBe("saving");
    store.getState().renameNode("n3", "finish");
    answer(jsonResponse(200, { edit_revision: 4, issues: [] }));
    await first;
    expect(store.getState()).toMatchObject({ saveState: "unsaved", dirty: true, editRevision: 4 });
    await store.getState().saveNow();
    expect(JSON.parse(String((fetchMock.mock.calls[1] as [string, RequestInit])[1].body)).edit_revision).toBe(4);
    expect(store.getState()).toMatchObject({ saveState: "saved", dirty: false, editRevision: 5 });
    store.getState().dispose();
  });

  it("on 409 enters the conflict state, never retries, and reloads on request", async () => {
    vi.useFakeTimers();
    fetchMock.mockResolvedValueOnce(jsonResponse(409, { error: "Changed elsewhere", edit_revision: 9 }));
    const store = createBuilderStore(makeConfig());
    store.getState().renameNode("n2", "mine");
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    expect(store.getState().saveState).toBe("conflict");
    store.getState().renameNode("n2", "mine again");
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS * 3);
    await store.getState().saveNow();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(store.getState().saveState).toBe("conflict");

    const theirs = { ...sampleGraph, nodes: sampleGraph.nodes.map((node) => (node.id === "n2" ? { ...node, name: "theirs" } : node)) };
    fetchMock.mockResolvedValueOnce(
      jsonResponse(200, { ...makeConfig(), pipeline: { ...makeConfig().pipeline, edit_revision: 9, data: theirs }, issues: [] }),
    );
    await store.getState().reload();
    expect(fetchMock.mock.calls[1][0]).toBe("/b/state/");
    expect(store.getState()).toMatchObject({ saveState: "saved", dirty: false, editRevision: 9, past: [] });
    expect(store.getState().nodes[1].data.name).toBe("theirs");
  });

  it("reports errors (network or server) and retries on request", async () => {
    fetchMock.mockRejectedValueOnce(new TypeError("offline"));
    fetchMock.mockResolvedValueOnce(jsonResponse(400, { error: "Not a graph" }));
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { edit_revision: 4, issues: [] }));
    const store = createBuilderStore(makeConfig());
    store.getState().renameNode("n2", "x");
    await store.getState().saveNow();
    expect(store.getState()).toMatchObject({ saveState: "error", saveError: "The server could not be reached", dirty: true });
    await store.getState().saveNow();
    expect(store.getState()).toMatchObject({ saveState: "error", saveError: "Not a graph" });
    await store.getState().saveNow();
    expect(store.getState()).toMatchObject({ saveState: "saved", dirty: false });
    store.getState().dispose();
  });

  it("does not save when nothing changed or when read-only", async () => {
    await createBuilderStore(makeConfig()).getState().saveNow();
    const readOnly = createBuilderStore(makeConfig({ read_only: true }));
    readOnly.setState({ dirty: true });
    await readOnly.getState().saveNow();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
