"""The network page in real headless Chromium, with every request that leaves the file blocked and recorded.

The page is built from a copy of the shipped data in which GMS is renamed to a hostile label, so
the same pages check drawing, searching, filtering and escaping. Skips (naming the Debian package
'chromium') when Chromium is missing; under CI=true that is a failure.
"""
from __future__ import annotations

import math

import networkx as nx
import pytest

from conftest import DATA, ONTOLOGY, need_chromium

HOSTILE = "<img src=x onerror=alert(1)>"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def hostile_view(tmp_path_factory):
    """The landscape of a data copy where GMS's name and acronym are a script-injection attempt."""
    import shutil

    from kg.build import build
    from kg.network import landscape

    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(DATA, data)
    orgs = data / "organisations.yaml"
    text = orgs.read_text(encoding="utf-8")
    new = text.replace("  name: Genomic Medicine Sweden\n  acronym: GMS\n",
                       f'  name: "{HOSTILE} Genomic Medicine Sweden"\n  acronym: "{HOSTILE}"\n', 1)
    assert new != text, "the GMS record moved: update this fixture"
    orgs.write_text(new, encoding="utf-8")
    return landscape(build(data, ONTOLOGY))


@pytest.fixture(scope="module")
def browser():
    chromium = need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            yield b
        finally:
            b.close()


class Visit:
    """A page opened from a file with the network cut off: what it asked for and what went wrong."""

    def __init__(self, browser, path):
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        p = self.page
        p.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        p.on("pageerror", lambda e: self.console_errors.append(str(e)))
        p.on("requestfailed", lambda r: self.failed.append(r.url))
        p.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        p.route("**/*", self._gate)
        p.goto(path.as_uri())
        p.wait_for_selector("body[data-state=ready]", timeout=60_000)

    def _gate(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def node_on_screen(self, node_id: str) -> tuple[float, float]:
        """Where a node is drawn, in page coordinates."""
        return tuple(self.js("""id => {
            const net = pmkg.network, p = net.canvasToDOM(net.getPositions([id])[id]);
            const r = document.getElementById('network').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", node_id))


@pytest.fixture(scope="module")
def landscape_page(browser, hostile_view, tmp_path_factory):
    from kg.viz import page

    path = tmp_path_factory.mktemp("page") / "network.html"
    path.write_text(page(hostile_view), encoding="utf-8")
    v = Visit(browser, path)
    yield v
    v.page.close()


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
    assert v.js("pmkg.nodes.get('gms').label") == HOSTILE          # drawn on the canvas as text
    v.page.fill("#search", "gms")
    v.page.press("#search", "Enter")
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


def test_large_view_opens_at_once_with_precomputed_positions(browser, tmp_path):
    from kg.viz import PHYSICS_MAX_NODES, page, vis_data

    G = nx.barabasi_albert_graph(1000, 2, seed=3)
    nx.set_node_attributes(G, {n: ("trial" if n % 10 == 0 else "organisation") for n in G}, "kind")
    nx.set_node_attributes(G, {n: f"node {n}" for n in G}, "label")
    G.graph["view"] = "organisations"
    assert G.number_of_nodes() > PHYSICS_MAX_NODES
    path = tmp_path / "large.html"
    html = page(G)
    path.write_text(html, encoding="utf-8")
    v = Visit(browser, path)
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
        v.page.fill("#search", "node 999")
        v.page.press("#search", "Enter")
        assert v.js("pmkg.network.getSelectedNodes()") == [999]
    finally:
        v.page.close()


def test_empty_view_page_still_becomes_ready(browser, tmp_path):
    """Regression: with no node, physics never reported stabilisation and the page never got ready."""
    from kg.viz import page

    path = tmp_path / "empty.html"
    path.write_text(page(nx.MultiDiGraph(view="landscape")), encoding="utf-8")
    v = Visit(browser, path)   # waits for data-state=ready
    try:
        assert v.js("pmkg.nodes.length") == 0 and v.console_errors == []
        assert "Nothing to draw" in v.page.inner_text("main")
    finally:
        v.page.close()
