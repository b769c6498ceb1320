"""The network page in real headless Chromium, with every request that leaves the file blocked and recorded.

The landscape page is built from a copy of the shipped data in which GMS is renamed to a hostile
label, so the same page checks drawing, searching, filtering and escaping. The labels, legends,
cards, "Fit" and "Re-layout" are checked on the four views of the shipped data at 1366x768 (a
laptop) and 1920x1080, reading what the page drew from its canvas.

Skips (naming the Debian package 'chromium') when Chromium is missing; under CI=true that is a failure.
"""
from __future__ import annotations

import math

import networkx as nx
import pytest
from conftest import HOSTILE, BrowserVisit

LAPTOP = (1366, 768)
DESKTOP = (1920, 1080)
VIEWS = ("landscape", "organisations", "bipartite", "trials")


@pytest.fixture(scope="module")
def hostile_view(hostile_dataset):
    """The landscape of the data where GMS's name and acronym are a script-injection attempt."""
    from kg.network import landscape

    return landscape(hostile_dataset)


class Visit(BrowserVisit):
    """The network page opened from a file with the network cut off: what it asked for and what went wrong."""

    def __init__(self, browser, path, viewport: tuple[int, int] = (1400, 900)):
        super().__init__(browser, path.as_uri(), "file:", viewport)
        self.page.wait_for_selector("body[data-state=ready]", timeout=60_000)

    def node_on_screen(self, node_id: str) -> tuple[float, float]:
        """Where a node is drawn, in page coordinates."""
        return tuple(self.js("""id => {
            const net = pmkg.network, p = net.canvasToDOM(net.getPositions([id])[id]);
            const r = document.getElementById('network').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", node_id))


def open_page(browser, G, path, viewport=(1400, 900)) -> Visit:
    from kg.viz import page

    path.write_text(page(G), encoding="utf-8")
    return Visit(browser, path, viewport)


@pytest.fixture(scope="module")
def landscape_page(browser, hostile_view, tmp_path_factory):
    v = open_page(browser, hostile_view, tmp_path_factory.mktemp("page") / "network.html")
    yield v
    v.close()


@pytest.fixture(scope="module")
def views(network_raw):
    """The four views of the shipped data, with the records and participations marked uncertain (drawn
    dashed: `pmkg viz --uncertain`), so that the drawing is checked on everything the page can show."""
    from kg.network import Filters, view

    return {name: view(network_raw, name, Filters(include_uncertain=True)) for name in VIEWS}


@pytest.fixture(scope="module")
def opened(browser, views, tmp_path_factory):
    """One page per view and screen size, opened once: ``opened(view, (w, h))``."""
    cache: dict = {}
    folder = tmp_path_factory.mktemp("views")

    def get(name: str, viewport: tuple[int, int]) -> Visit:
        key = (name, viewport)
        if key not in cache:
            cache[key] = open_page(browser, views[name], folder / f"{name}-{viewport[0]}.html", viewport)
        return cache[key]

    yield get
    for v in cache.values():
        v.close()


def biggest_hubs(G, n: int = 10) -> list[str]:
    """The ``n`` most linked nodes (undirected, parallel links counted once; ties by label, then id)."""
    from kg.analyze import simple

    H = simple(G)
    return sorted(H, key=lambda v: (-H.degree(v), str(G.nodes[v].get("label", v)), str(v)))[:n]


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


# What the label layer drew, read from the canvas itself: the canvas is captured with labels and
# without, and every pixel that differs is counted inside the label box it belongs to, or outside all.
LABEL_PIXELS_JS = """() => {
    const canvas = document.querySelector('#network canvas'), ctx = canvas.getContext('2d');
    const ratio = canvas.width / canvas.clientWidth;
    pmkg.showLabels(false);
    const bare = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    pmkg.showLabels(true);
    const drawn = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const r = document.getElementById('network').getBoundingClientRect();
    const boxes = pmkg.labels().map(b => ({id: b.id, x0: (b.x - r.left) * ratio, y0: (b.y - r.top) * ratio,
                                          x1: (b.x - r.left + b.w) * ratio, y1: (b.y - r.top + b.h) * ratio,
                                          changed: 0}));
    let outside = 0;
    for (let y = 0; y < canvas.height; y++) {
        for (let x = 0; x < canvas.width; x++) {
            const i = 4 * (y * canvas.width + x);
            if (Math.abs(bare[i] - drawn[i]) + Math.abs(bare[i + 1] - drawn[i + 1])
                + Math.abs(bare[i + 2] - drawn[i + 2]) < 24) continue;
            const box = boxes.find(b => x + 1 >= b.x0 && x <= b.x1 && y + 1 >= b.y0 && y <= b.y1);
            if (box) box.changed++; else outside++;
        }
    }
    return {outside, changed: Object.fromEntries(boxes.map(b => [b.id, b.changed]))};
}"""

# The width of a label's text as this browser measures it, with a canvas of its own (not the page's cache).
TEXT_WIDTH_JS = """([font, lines]) => {
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = font;
    return Math.max(...lines.map(l => ctx.measureText(l).width));
}"""


def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(monkeypatch):
    import conftest

    monkeypatch.setattr(conftest, "chromium_path", lambda: None)
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="under CI=true a missing browser is a failure"):
        conftest.need_chromium()
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        conftest.need_chromium()


def test_page_loads_offline_with_no_request_and_no_error(landscape_page):
    v = landscape_page
    assert v.outside == [] and v.failed == []
    assert v.console_errors == []
    assert v.dialogs == []


def test_draws_every_node_of_the_view(landscape_page, hostile_view):
    v = landscape_page
    assert v.js("pmkg.nodes.length") == hostile_view.number_of_nodes()
    assert v.js("pmkg.edges.length") == hostile_view.number_of_edges()
    drawn = v.js("Object.keys(pmkg.network.getPositions()).length")
    assert drawn == hostile_view.number_of_nodes()
    # physics stabilised and was switched off: the picture stays still
    assert v.js("pmkg.network.physics.physicsEnabled") is False
    heading = v.page.inner_text("#summary")
    assert f"{hostile_view.number_of_nodes()} nodes" in heading and hostile_view.graph["date"] in heading


def test_hostile_label_shows_as_text_and_runs_nothing(landscape_page):
    v = landscape_page
    v.page.fill("#search", "gms")
    v.page.press("#search", "Enter")
    # drawn on the canvas, as text (fillText), the selected node's label first
    drawn = {b["id"]: b["text"] for b in v.js("pmkg.labels()")}
    assert drawn["gms"] == HOSTILE
    info = v.page.locator("#info")
    assert HOSTILE in info.inner_text()
    assert info.locator("img").count() == 0
    # the hover tooltip is a DOM element built with textContent
    x, y = v.node_on_screen("gms")
    v.page.mouse.move(x, y)
    tip = v.page.locator(".vis-tooltip")
    tip.wait_for(state="visible", timeout=5_000)
    assert HOSTILE in tip.inner_text()
    assert v.js("document.querySelectorAll('img').length") == 0
    assert v.dialogs == [] and v.console_errors == []
    # the heading and the title show the data's strings as text too
    assert v.page.title().startswith("pmkg")
    v.page.mouse.move(0, 0)
    v.page.click("#reset")


def test_search_box_focuses_the_node(landscape_page):
    v = landscape_page
    v.page.fill("#search", "PRIME-ROSE")
    v.page.press("#search", "Enter")
    assert v.js("pmkg.network.getSelectedNodes()") == ["prime-rose"]
    centre = v.js("pmkg.network.getViewPosition()")
    pos = v.js("pmkg.network.getPositions(['prime-rose'])['prime-rose']")
    assert math.dist((centre["x"], centre["y"]), (pos["x"], pos["y"])) < 1
    v.page.fill("#search", "no such thing at all")
    v.page.press("#search", "Enter")
    assert "No visible node matches" in v.page.inner_text("#status")
    v.page.click("#reset")


def test_card_links_identifiers_and_sources(landscape_page, hostile_view):
    v = landscape_page
    v.page.fill("#search", "OUS")
    v.page.press("#search", "Enter")
    links = v.page.locator("#info a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "https://ror.org/00j9c2840" in hrefs
    srcs = hostile_view.graph["source_info"]
    assert {srcs[s]["url"] for s in hostile_view.nodes["ous"]["sources"]} <= set(hrefs)
    assert all(h.startswith(("https://", "http://")) for h in hrefs)
    v.page.click("#reset")


def test_click_highlights_the_neighbourhood(landscape_page, hostile_view):
    v = landscape_page
    v.page.click("#reset")
    x, y = v.node_on_screen("ous")
    v.page.mouse.click(x, y)
    assert v.js("pmkg.network.getSelectedNodes()") == ["ous"]
    faded = set(v.js("pmkg.nodes.get({filter: n => n.color !== n.baseColor}).map(n => n.id)"))
    near = {"ous"} | set(hostile_view.successors("ous")) | set(hostile_view.predecessors("ous"))
    assert faded == set(hostile_view) - near
    v.page.click("#reset")
    assert v.js("pmkg.nodes.get({filter: n => n.color !== n.baseColor}).length") == 0


def test_filters_by_kind_country_and_role(landscape_page, hostile_view):
    v = landscape_page
    v.page.click("#reset")
    trials = sum(1 for _, k in hostile_view.nodes(data="kind") if k == "trial")
    v.page.uncheck("input[name=kind][value=trial]")
    assert v.js("pmkg.nodes.get({filter: n => n.hidden}).length") == trials
    assert f"Showing {hostile_view.number_of_nodes() - trials} of" in v.page.inner_text("#status")
    v.page.click("#reset")
    funds = sum(1 for *_, r in hostile_view.edges(keys=True) if r == "funder")
    v.page.uncheck("input[name=role][value=funder]")
    assert v.js("pmkg.edges.get({filter: e => e.hidden}).length") == funds
    v.page.click("#reset")
    v.page.click("details summary")
    v.page.uncheck("input[name=country][value=NL]")
    hidden = set(v.js("pmkg.nodes.get({filter: n => n.hidden}).map(n => n.id)"))
    # hidden: nodes with countries, none of them still ticked; nodes without a country stay
    assert hidden == {n for n, d in hostile_view.nodes(data=True) if d["countries"] and set(d["countries"]) <= {"NL"}}
    assert "lumc" in hidden and "gms" not in hidden
    v.page.click("#reset")
    v.page.click("details summary")


# --- labels ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("viewport", [LAPTOP, DESKTOP], ids=["1366x768", "1920x1080"])
@pytest.mark.parametrize("name", VIEWS)
def test_hub_labels_are_drawn_and_no_labels_overlap_at_the_first_view(opened, views, name, viewport):
    v = opened(name, viewport)
    G = views[name]
    assert v.console_errors == []
    labels = v.js("pmkg.labels()")
    boxes = {b["id"]: b for b in labels if b["kind"] == "node"}
    hubs = biggest_hubs(G)
    assert [h for h in hubs if h not in boxes] == [], "hubs without a label at the fitted zoom"
    # no two labels overlap, and every label is inside the drawing area
    area = v.js("(() => { const r = document.getElementById('network').getBoundingClientRect(); "
                "return {x: r.left, y: r.top, w: r.width, h: r.height}; })()")
    for i, a in enumerate(labels):
        assert area["x"] <= a["x"] and a["x"] + a["w"] <= area["x"] + area["w"] + 0.5
        assert area["y"] <= a["y"] and a["y"] + a["h"] <= area["y"] + area["h"] + 0.5
        for b in labels[i + 1:]:
            assert not overlap(a, b), f"labels of {a['id']} and {b['id']} overlap"
    # each hub's box is as wide as its text measured afresh, readable, and next to its node
    for h in hubs:
        b = boxes[h]
        assert b["px"] >= 11
        width = v.js(TEXT_WIDTH_JS, [b["font"], b["lines"]])
        assert abs(b["w"] - 6 - width) <= 1.5, (h, b["w"], width)   # 3 px of room each side, for the halo
        x, y = v.node_on_screen(h)
        nearest_x = min(max(x, b["x"]), b["x"] + b["w"])
        nearest_y = min(max(y, b["y"]), b["y"] + b["h"])
        radius = v.js("id => pmkg.nodes.get(id).size * 1.2 * pmkg.network.getScale()", h)
        assert math.dist((x, y), (nearest_x, nearest_y)) <= radius + 2, f"label of {h} is away from its node"
    # the labels are drawn where the boxes say, and nowhere else
    pixels = v.js(LABEL_PIXELS_JS)
    assert pixels["outside"] == 0
    assert all(pixels["changed"][h] > 20 for h in hubs), pixels["changed"]
    # label size follows importance: the biggest hub's label is the largest
    assert boxes[hubs[0]]["px"] == max(b["px"] for b in labels)


def test_minor_labels_appear_when_zooming_in(opened):
    v = opened("landscape", LAPTOP)
    before = {b["id"] for b in v.js("pmkg.labels()")}
    v.js("pmkg.network.moveTo({scale: pmkg.network.getScale() * 2.5, animation: false}); pmkg.network.redraw()")
    after = v.js("pmkg.labels()")
    assert {b["id"] for b in after} - before, "zooming in showed no new label"
    assert all(not overlap(a, b) for i, a in enumerate(after) for b in after[i + 1:])
    v.page.click("#fit")
    assert {b["id"] for b in v.js("pmkg.labels()")} == before


def test_edge_labels_only_on_hover_or_selection(opened, views):
    v = opened("landscape", LAPTOP)
    G = views["landscape"]
    assert [b for b in v.js("pmkg.labels()") if b["kind"] == "edge"] == []
    assert v.js("pmkg.edges.get({filter: e => e.label !== undefined}).length") == 0   # vis-network draws none
    # hover over the middle of an edge: its role appears, as text, next to it
    hovered = None
    for eid in v.js("pmkg.edges.getIds()")[:60]:
        x, y = v.js("""id => { const p = pmkg.network.body.edges[id].edgeType.getPoint(0.5),
                                   d = pmkg.network.canvasToDOM(p),
                                   r = document.getElementById('network').getBoundingClientRect();
                               return [r.left + d.x, r.top + d.y]; }""", eid)
        v.page.mouse.move(x, y)
        if v.js("pmkg.state.hoverEdge") == eid:
            hovered = eid
            break
    assert hovered is not None, "no edge could be hovered"
    edge = v.js("id => pmkg.edges.get(id)", hovered)
    shown = [b for b in v.js("pmkg.labels()") if b["kind"] == "edge"]
    assert [b["id"] for b in shown] == [hovered] and shown[0]["text"] == edge["text"]
    assert edge["text"] in {d["label"] for *_, d in G.edges(edge["from"], data=True)}
    v.page.mouse.move(0, 0)
    assert [b for b in v.js("pmkg.labels()") if b["kind"] == "edge"] == []
    # a selected node shows the labels of its own edges only
    x, y = v.node_on_screen("ous")
    v.page.mouse.click(x, y)
    v.page.mouse.move(0, 0)
    own = set(v.js("pmkg.network.getConnectedEdges('ous')"))
    shown = [b for b in v.js("pmkg.labels()") if b["kind"] == "edge"]
    assert shown and {b["id"] for b in shown} <= own
    v.page.click("#reset")
    assert [b for b in v.js("pmkg.labels()") if b["kind"] == "edge"] == []


# --- legends -----------------------------------------------------------------------------------------

# Colour of one canvas pixel at a page position.
PIXEL_JS = """([x, y]) => {
    const canvas = document.querySelector('#network canvas'), r = canvas.getBoundingClientRect();
    const ratio = canvas.width / canvas.clientWidth;
    const d = canvas.getContext('2d').getImageData(Math.floor((x - r.left) * ratio), Math.floor((y - r.top) * ratio),
                                                   1, 1).data;
    return [d[0], d[1], d[2], d[3]];
}"""


def rgb(css: str) -> tuple[int, int, int]:
    """``rgb(1, 2, 3)`` or ``#010203`` as a tuple."""
    css = css.strip()
    if css.startswith("#"):
        return tuple(int(css[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(x)) for x in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def close(a, b, tolerance: int = 3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


@pytest.mark.parametrize("name", VIEWS)
def test_legend_colours_are_the_drawn_colours(opened, views, name):
    v = opened(name, LAPTOP)
    v.page.click("#fit")
    v.js("pmkg.showLabels(false)")
    try:
        kinds = {k: rgb(c) for k, c in v.js("""[...document.querySelectorAll('.sym[data-kind]')]
                  .map(e => [e.dataset.kind, getComputedStyle(e).color])""")}
        lines = {k: rgb(c) for k, c in v.js("""[...document.querySelectorAll('.line[data-edge-key]')]
                  .map(e => [e.dataset.edgeKey, getComputedStyle(e).borderTopColor])""")}
        G = views[name]
        # every kind drawn is in the legend in the colour vis-network fills it with, and the other way round
        fills = v.js("pmkg.nodes.get().map(n => [n.kind, pmkg.network.body.nodes[n.id].options.color.background])")
        assert {k for k, _ in fills} == set(kinds) == {k for _, k in G.nodes(data="kind")}
        assert all(rgb(c) == kinds[k] for k, c in fills)
        # ... and on the canvas: the centre of a node of each kind has the legend's colour
        for kind, colour in kinds.items():
            ids = v.js("k => pmkg.nodes.get({filter: n => n.kind === k}).map(n => n.id)", kind)
            seen = [v.js(PIXEL_JS, list(v.node_on_screen(i))) for i in ids[:8]]
            assert any(close(p[:3], colour) for p in seen), (kind, colour, seen)
        # every edge is drawn in the colour of its legend line, and every legend line is drawn
        strokes = v.js("""pmkg.edges.get().map(e => [e.id, e.colourKey,
                                                      pmkg.network.body.edges[e.id].options.color.color,
                                                      !!e.dashes])""")
        assert {k for _, k, _, _ in strokes} == set(lines)
        assert all(rgb(c) == lines[k] for _, k, c, _ in strokes)
        if name == "organisations":   # one colour: the roles are a filter there, not a colour
            assert set(lines) == {"shared"}
            assert v.js("document.querySelectorAll('#filter-role input').length") > 1
        # ... and on the canvas: zoomed on the middle of an edge, the pixel there has the legend's colour
        for key, colour in lines.items():
            candidates = [e for e, k, _, dashed in strokes if k == key and not dashed][:8]
            seen = []
            # a few points along each edge: one point may lie under another edge or a node
            for eid, at in ((e, t) for e in candidates for t in (0.5, 0.35, 0.65)):
                xy = v.js("""([id, t]) => { const net = pmkg.network, p = net.body.edges[id].edgeType.getPoint(t);
                                     net.moveTo({position: p, scale: 5, animation: false}); net.redraw();
                                     const d = net.canvasToDOM(p),
                                           r = document.getElementById('network').getBoundingClientRect();
                                     return [r.left + d.x, r.top + d.y]; }""", [eid, at])
                seen.append(v.js(PIXEL_JS, xy))
                if close(seen[-1][:3], colour):
                    break
            assert any(close(p[:3], colour) for p in seen), (key, colour, seen)
    finally:
        v.js("pmkg.showLabels(true)")
        v.page.click("#fit")


# --- cards, fit, re-layout, the sidebar ---------------------------------------------------------------

def test_cards_expand_to_every_role(opened, views):
    from kg.viz import CARD_ROLES

    v = opened("landscape", LAPTOP)
    G = views["landscape"]
    hub = biggest_hubs(G, 1)[0]
    roles = v.js("id => pmkg.card(id, false).querySelector('ul').children.length", hub)
    total = G.degree(hub)
    assert total > CARD_ROLES and roles == CARD_ROLES
    x, y = v.node_on_screen(hub)
    v.page.mouse.click(x, y)
    more = v.page.locator("#info button.more")
    assert more.inner_text() == f"Show {total - CARD_ROLES} more"
    assert v.page.locator("#info .tip > ul").first.locator("li").count() == CARD_ROLES
    more.click()
    items = v.page.locator("#info .tip > ul").first.locator("li")
    assert items.count() == total and more.count() == 0
    assert "\u2026 and" not in v.page.inner_text("#info")
    # the tooltip cannot be clicked: it says how many more there are
    assert f"and {total - CARD_ROLES} more" in v.js("id => pmkg.card(id, true).textContent", hub)
    v.page.click("#reset")


def visible_on_screen(v) -> list[tuple[str, bool]]:
    """Every visible node and whether it is drawn inside the network area."""
    return v.js("""(() => {
        const net = pmkg.network, r = document.getElementById('network').getBoundingClientRect();
        const ids = pmkg.nodes.get({filter: n => !n.hidden}).map(n => n.id), pos = net.getPositions(ids);
        return ids.map(id => { const p = net.canvasToDOM(pos[id]);
                               return [id, p.x >= 0 && p.y >= 0 && p.x <= r.width && p.y <= r.height]; });
    })()""")


def test_fit_shows_every_visible_node(opened):
    v = opened("landscape", LAPTOP)
    v.page.click("#fit")
    fitted = v.js("pmkg.network.getScale()")
    v.js("pmkg.network.moveTo({position: {x: 5000, y: -3000}, scale: 3, animation: false})")
    assert not all(inside for _, inside in visible_on_screen(v))
    v.page.click("#fit")
    assert all(inside for _, inside in visible_on_screen(v))
    assert v.js("pmkg.network.getScale()") == pytest.approx(fitted)


def test_relayout_closes_the_gaps_the_filters_leave_and_is_repeatable(opened, views):
    v = opened("landscape", LAPTOP)
    G = views["landscape"]

    def spread(ids):
        pos = v.js("ids => pmkg.network.getPositions(ids)", ids)
        xs, ys = [p["x"] for p in pos.values()], [p["y"] for p in pos.values()]
        return (max(xs) - min(xs)) * (max(ys) - min(ys)), pos

    v.page.click("#reset")
    for kind in ("trial", "funder", "programme"):
        v.page.uncheck(f"input[name=kind][value={kind}]")
    kept = [n for n, k in G.nodes(data="kind") if k not in ("trial", "funder", "programme")]
    hidden = sorted(set(G) - set(kept))
    assert sorted(v.js("pmkg.nodes.get({filter: n => n.hidden}).map(n => n.id)")) == hidden
    before, _ = spread(kept)
    hidden_before = v.js("ids => pmkg.network.getPositions(ids)", hidden)
    scale_before = v.js("pmkg.network.getScale()")
    assert v.js("pmkg.relayout()") is True
    after, first = spread(kept)
    assert after < 0.8 * before, "the visible nodes did not move closer together"
    assert v.js("ids => pmkg.network.getPositions(ids)", hidden) == hidden_before   # hidden nodes stay put
    assert v.js("pmkg.network.getScale()") > scale_before                            # fitted to what is left
    assert all(inside for _, inside in visible_on_screen(v))
    labels = v.js("pmkg.labels()")
    top_visible = [h for h in biggest_hubs(G) if h in set(kept)]
    assert set(top_visible) <= {b["id"] for b in labels}
    assert all(not overlap(a, b) for i, a in enumerate(labels) for b in labels[i + 1:])
    assert v.js("pmkg.network.physics.physicsEnabled") is False
    # the same filters give the same picture: re-layout starts from the seeded first layout
    v.js("pmkg.relayout()")
    _, again = spread(kept)
    assert all(math.dist((first[k]["x"], first[k]["y"]), (again[k]["x"], again[k]["y"])) < 1 for k in kept)
    # "Show everything" brings back the first layout
    v.page.click("#reset")
    assert v.js("pmkg.network.getPositions()") == v.js("pmkg.state.home")


def test_page_is_usable_on_a_1366x768_laptop(opened):
    v = opened("landscape", LAPTOP)
    # the page itself does not scroll; the sidebar does, down to its last line
    assert v.js("document.documentElement.scrollHeight <= window.innerHeight") is True
    assert v.js("(() => { const a = document.querySelector('aside'); return a.scrollHeight > a.clientHeight; })()")
    v.js("document.querySelector('aside').scrollTop = 1e6")
    last = v.js("""(() => { const a = document.querySelector('aside').getBoundingClientRect(),
                            l = document.querySelector('aside > :last-child').getBoundingClientRect();
                            return l.bottom <= a.bottom + 1 && l.top >= a.top; })()""")
    assert last is True
    v.js("document.querySelector('aside').scrollTop = 0")
    # the search box shows its whole placeholder
    fits = v.js("""(() => { const i = document.getElementById('search'), s = getComputedStyle(i);
        const ctx = document.createElement('canvas').getContext('2d'); ctx.font = s.font;
        const room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
        return [ctx.measureText(i.placeholder).width, room]; })()""")
    assert fits[0] <= fits[1], fits
    # the view buttons sit on the drawing, inside the window
    for sel in ("#fit", "#relayout"):
        box = v.page.locator(sel).bounding_box()
        assert box and box["x"] + box["width"] <= LAPTOP[0] and box["y"] + box["height"] <= LAPTOP[1]


def test_large_view_opens_at_once_with_precomputed_positions(browser, tmp_path):
    from kg.viz import PHYSICS_MAX_NODES, vis_data

    G = nx.barabasi_albert_graph(1000, 2, seed=3)
    nx.set_node_attributes(G, {n: ("trial" if n % 10 == 0 else "organisation") for n in G}, "kind")
    nx.set_node_attributes(G, {n: f"node {n}" for n in G}, "label")
    G.graph["view"] = "organisations"
    assert G.number_of_nodes() > PHYSICS_MAX_NODES
    v = open_page(browser, G, tmp_path / "large.html")
    try:
        assert v.outside == [] and v.failed == [] and v.console_errors == []
        assert v.js("pmkg.nodes.length") == 1000
        assert v.js("pmkg.network.physics.physicsEnabled") is False
        # the browser draws the positions computed in Python
        first = vis_data(G)[0][0]
        got = v.js("pmkg.network.getPositions([0])[0]")
        assert first["id"] == 0
        # vis-network reports whole pixels
        assert abs(got["x"] - first["x"]) < 1 and abs(got["y"] - first["y"]) < 1
        # the hubs are labelled here too, without overlaps
        labels = v.js("pmkg.labels()")
        assert set(biggest_hubs(G)) <= {b["id"] for b in labels}
        assert all(not overlap(a, b) for i, a in enumerate(labels) for b in labels[i + 1:])
        v.page.fill("#search", "node 999")
        v.page.press("#search", "Enter")
        assert v.js("pmkg.network.getSelectedNodes()") == [999]
    finally:
        v.close()


def test_empty_view_page_still_becomes_ready(browser, tmp_path):
    """Regression: with no node, physics never reported stabilisation and the page never got ready."""
    v = open_page(browser, nx.MultiDiGraph(view="landscape"), tmp_path / "empty.html")   # waits for data-state=ready
    try:
        assert v.js("pmkg.nodes.length") == 0 and v.console_errors == []
        assert "Nothing to draw" in v.page.inner_text("main")
        assert v.js("pmkg.relayout()") is False
        v.page.click("#fit")
        assert v.console_errors == []
    finally:
        v.close()


def _expected_coverage(G, project: str, uncertain: bool = False) -> str:
    """"7 of 24–28 declared partners known; 5 of 18–19 declared countries", from the lists written in
    test_consortia (the sources' own members and sizes), not from the code under test."""
    from test_consortia import CONFIRMED, DECLARED, UNCERTAIN

    members = set(CONFIRMED[project]) | (set(UNCERTAIN[project]) if uncertain else set())
    countries = {c for m in members for c in G.nodes[m]["countries"]}

    def span(values):
        values = sorted({v for v in values if v is not None})
        return str(values[0]) if values[0] == values[-1] else f"{values[0]}\u2013{values[-1]}"

    return (f"{len(members)} of {span(d[0] for d in DECLARED[project])} declared partners known; "
            f"{len(countries)} of {span(d[1] for d in DECLARED[project])} declared countries")


@pytest.fixture(scope="module")
def default_landscape(browser, network_raw, tmp_path_factory):
    """The landscape as `pmkg build` and `pmkg viz` draw it: confirmed records and participations only."""
    from kg.network import view

    G = view(network_raw, "landscape")
    v = open_page(browser, G, tmp_path_factory.mktemp("default") / "network.html", LAPTOP)
    yield G, v
    v.close()


def test_coverage_shows_in_the_heading_and_on_each_project_card(default_landscape):
    G, v = default_landscape
    heading = v.page.inner_text("#coverage")
    for project in ("prime-rose", "pcm4eu", "echos", "ja-pcm"):
        assert f"{G.nodes[project]['label']} {_expected_coverage(G, project)}" in heading, project
    assert "7 of 24\u201328 declared partners known" in heading and "(confirmed members only)" in heading
    box = v.page.locator("#coverage").bounding_box()   # in the heading, on screen at 1366x768
    assert box and box["y"] + box["height"] < 120 and box["x"] + box["width"] <= LAPTOP[0]
    sources = G.graph["source_info"]
    for project in ("prime-rose", "echos"):
        v.page.fill("#search", G.nodes[project]["label"])
        v.page.press("#search", "Enter")
        card = v.page.inner_text("#info")
        assert _expected_coverage(G, project) in card
        claims = G.graph["coverage"][project]["claims"]
        hrefs = {v.page.locator("#info a").nth(i).get_attribute("href")
                 for i in range(v.page.locator("#info a").count())}
        assert {sources[c["source"]]["url"] for c in claims} <= hrefs   # every claim links its source
        assert "declared: 28 partners (2024-12-31)" in card if project == "prime-rose" else \
            "declared: 54 partners" in card and "declared: 58 partners" in card
    # an organisation has no declared size: no coverage line on its card
    v.page.click("#reset")
    v.page.fill("#search", "OUS")
    v.page.press("#search", "Enter")
    assert v.js("pmkg.network.getSelectedNodes()") == ["ous"]
    assert "declared" not in v.page.inner_text("#info")
    v.page.click("#reset")
    assert v.console_errors == [] and v.outside == []


def test_coverage_counts_the_uncertain_members_only_when_asked(default_landscape, opened, views):
    G, v = default_landscape
    assert not any(d.get("uncertain") for _, d in G.nodes(data=True))
    assert not any(d.get("uncertain") for _, _, d in G.edges(data=True))
    assert v.js("pmkg.edges.get({filter: e => e.dashes}).length") == 0   # nothing unconfirmed is drawn
    heading = opened("landscape", LAPTOP).page.inner_text("#coverage")   # the page of pmkg viz --uncertain
    assert f"PRIME-ROSE {_expected_coverage(views['landscape'], 'prime-rose', uncertain=True)}" in heading
    assert "10 of 24\u201328 declared partners known" in heading and "confirmed members only" not in heading
    assert opened("landscape", LAPTOP).js("pmkg.edges.get({filter: e => e.dashes}).length") > 0
