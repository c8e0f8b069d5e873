"""The builder's layout in a browser: the canvas keeps its room with the test panel open, handles are
easy to grab, nodes are coloured by kind with a summary, and a phone shows the builder without
scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from apps.pipelines import actions
from apps.pipelines.tests.browser.test_builder import node_box, open_builder, provider, start_and_end  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/i13ui_shots"
# The id of the handle under a point, else what is there (to say what took the pointer instead).
HANDLE_AT_POINT = """([x, y]) => {
  const element = document.elementFromPoint(x, y);
  const handle = element?.closest('.react-flow__handle');
  return handle ? handle.dataset.id : element ? `${element.tagName}.${element.className}` : null;
}"""


def routed(provider) -> dict:  # noqa: F811
    """Start → an LLM router with three routes → three LLM nodes → End."""
    llm_provider, model = provider
    data = start_and_end()
    llm = {"llm_provider_id": llm_provider.pk, "llm_model_id": model.pk}
    router = {**llm, "prompt": "Pick a route.\nMore detail.", "keywords": ["billing", "support", "sales"]}
    data["nodes"][1:1] = [
        {"id": "r", "type": "llm_router", "name": "triage", "position": {"x": 250, "y": 150}, "params": router},
        *(
            {
                "id": f"n{i}",
                "type": "llm",
                "name": name,
                "position": {"x": 600, "y": 40 + 140 * i},
                "params": {**llm, "prompt": f"You answer {name}."},
            }
            for i, name in enumerate(["billing", "support", "sales"])
        ),
    ]
    data["edges"] = [
        {"id": "e0", "source": "start", "source_handle": "output", "target": "r", "target_handle": "input"}
    ]
    for i in range(3):
        data["edges"] += [
            {"id": f"r{i}", "source": "r", "source_handle": f"output_{i}", "target": f"n{i}", "target_handle": "input"},
            {"id": f"x{i}", "source": f"n{i}", "source_handle": "output", "target": "end", "target_handle": "input"},
        ]
    return data


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_canvas_keeps_most_of_the_window_with_the_test_panel_open(page, live_server, admin_user, team, provider):  # noqa: F811
    pipeline = actions.create_pipeline(team=team, name="Triage", data=routed(provider))
    page.set_viewport_size({"width": 1280, "height": 800})
    open_builder(page, live_server, admin_user, pipeline)
    canvas = page.get_by_label("Pipeline canvas")

    page.get_by_role("button", name="Test", exact=True).click()
    test_panel = page.get_by_test_id("test-panel")
    expect(test_panel).to_be_visible()
    page.screenshot(path=f"{SHOTS}/builder_1280_test.png")
    width = canvas.bounding_box()["width"]
    assert width >= 0.6 * 1280, f"the canvas is {width} px wide with the test panel open"

    # Picking a node shows its settings in the same column; the Test tab brings the conversation back.
    node_box(page, "support").get_by_text("support", exact=True).click()
    expect(page.get_by_test_id("settings-panel").get_by_label("Name", exact=True)).to_have_value("support")
    expect(test_panel).to_be_hidden()
    assert canvas.bounding_box()["width"] >= 0.6 * 1280
    page.get_by_role("tab", name="Test").click()
    expect(test_panel).to_be_visible()
    test_panel.get_by_label("Message").fill("kept while I look at a node")
    node_box(page, "sales").get_by_text("sales", exact=True).click()
    page.get_by_role("tab", name="Test").click()
    expect(test_panel.get_by_label("Message")).to_have_value("kept while I look at a node")
    no_sideways_scroll(page)


def test_nodes_show_their_kind_summary_and_large_handles(page, live_server, admin_user, team, provider):  # noqa: F811
    pipeline = actions.create_pipeline(team=team, name="Triage", data=routed(provider))
    page.set_viewport_size({"width": 1600, "height": 1000})
    open_builder(page, live_server, admin_user, pipeline)
    page.screenshot(path=f"{SHOTS}/builder_1600.png")

    router, billing = node_box(page, "triage"), node_box(page, "billing")
    expect(router.locator("[data-kind]")).to_have_attribute("data-kind", "router")
    expect(billing.locator("[data-kind]")).to_have_attribute("data-kind", "llm")
    expect(node_box(page, "start").locator("[data-kind]")).to_have_attribute("data-kind", "start")

    def header_colour(box) -> str:
        return box.get_by_test_id("node-header").evaluate("element => getComputedStyle(element).backgroundColor")

    assert len({header_colour(router), header_colour(billing), header_colour(node_box(page, "end"))}) == 3
    expect(router.get_by_test_id("node-model")).to_have_text("gpt-4o-mini")
    expect(router.get_by_test_id("node-summary")).to_have_text("Pick a route.")
    expect(billing.get_by_test_id("node-summary")).to_have_text("You answer billing.")
    expect(router.locator("[data-handle-label]")).to_have_text(["billing", "support", "sales"])

    # Every handle is at least 12 px at zoom 1 (the fitted view zooms out) and catches the pointer 8 screen
    # px from its centre, whichever side: a hit area of at least 16 px even zoomed out.
    zoom = page.evaluate("new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')).transform).a")
    assert 0.5 < zoom < 1
    handles = page.locator(".react-flow__handle")
    expect(handles).to_have_count(1 + 4 + 3 * 2 + 1)
    for index in range(handles.count()):
        handle = handles.nth(index)
        box = handle.bounding_box()
        assert min(box["width"], box["height"]) / zoom >= 12, (box, zoom)
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for dx, dy in ((8, 0), (-8, 0), (0, 8), (0, -8)):
            caught = page.evaluate(
                HANDLE_AT_POINT,
                [cx + dx, cy + dy],
            )
            assert caught == handle.get_attribute("data-id"), (handle.get_attribute("data-id"), dx, dy, caught)


def test_a_phone_shows_the_builder_without_scrolling_sideways(page, live_server, admin_user, team, provider):  # noqa: F811
    pipeline = actions.create_pipeline(team=team, name="Triage", data=routed(provider))
    page.set_viewport_size({"width": 390, "height": 844})
    open_builder(page, live_server, admin_user, pipeline)
    page.screenshot(path=f"{SHOTS}/builder_phone.png")
    no_sideways_scroll(page)
    canvas = page.get_by_label("Pipeline canvas").bounding_box()
    assert canvas["width"] >= 380, canvas
    assert canvas["height"] >= 250, canvas
    toolbar = page.get_by_role("toolbar", name="Pipeline builder").bounding_box()
    assert toolbar["x"] >= 0
    assert toolbar["x"] + toolbar["width"] <= 390
    expect(page.get_by_role("button", name="Test", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Add LLM node", exact=True)).to_be_in_viewport()
    # Readable: the first view is zoomed so a node's name is at least 10 px high, not fitted to a speck.
    name = node_box(page, "triage").get_by_text("triage", exact=True)
    expect(name).to_be_in_viewport()
    assert name.bounding_box()["height"] >= 10

    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.get_by_test_id("test-panel").get_by_label("Message")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/builder_phone_test.png")
    no_sideways_scroll(page)
