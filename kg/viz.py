"""The network page: one self-contained HTML file drawing a network view with pyvis and vis-network.

What pyvis 0.3.2 does not do, and this module adds:

* **Offline.** pyvis's template loads Bootstrap from a CDN in every mode and vis-network from a CDN
  in its default mode. Here the page is rendered from our own template (``kg/templates/network.html``)
  with vis-network 9.1.2 inlined from pyvis's own package files, no Bootstrap, no vis CSS (its few
  rules we need are in the template), and a Content-Security-Policy that forbids every fetch.
* **Escaping.** Every string from the data reaches the page as JSON in a ``<script
  type="application/json">`` block (``<``, ``>``, ``&`` and ``'`` escaped) and is put into the DOM
  with ``textContent`` only; tooltips are DOM elements built from that data, links only for http(s) URLs.
* **Legend, filters, search, neighbourhood highlight** (see the template).
* **Layout that scales.** Up to :data:`PHYSICS_MAX_NODES` nodes, vis-network's physics lays the graph
  out from a fixed seed, stabilises and is then switched off. Above that, positions are computed in
  Python with igraph's grid Fruchterman-Reingold (about 1 s for 10,000 nodes here, where networkx's
  ``spring_layout`` took 128 s) and physics stays off, so the page draws at once.
* **Speed.** Nodes and edges are written into ``net.nodes``/``net.edges`` directly:
  ``Network.from_nx`` is quadratic (30 s at 10,000 nodes).
"""
from __future__ import annotations

import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .network import KINDS, ROLES, Filters

#: Above this many nodes positions are computed in Python and physics is off.
PHYSICS_MAX_NODES = 300
#: Below this many nodes edges carry their role as a visible label (above, colour and tooltip only).
EDGE_LABEL_MAX_EDGES = 600
VIS_NETWORK = Path("templates") / "lib" / "vis-9.1.2" / "vis-network.min.js"
TEMPLATE = "network.html"

#: kind -> (colour, vis shape, legend symbol)
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "organisation": ("#4e79a7", "dot", "\u25cf"),
    "funder": ("#f28e2b", "diamond", "\u25c6"),
    "project": ("#59a14f", "square", "\u25a0"),
    "collaboration": ("#76b7b2", "hexagon", "\u2b22"),
    "initiative": ("#edc948", "triangle", "\u25b2"),
    "trial": ("#e15759", "star", "\u2605"),
    "programme": ("#b07aa1", "triangleDown", "\u25bc"),
}
ROLE_COLOUR: dict[str, str] = {
    "coordinator": "#d62728",
    "partner": "#1f77b4",
    "beneficiary": "#08519c",
    "associated-partner": "#6baed6",
    "third-party": "#9ecae1",
    "affiliated-entity": "#c6dbef",
    "participant": "#7b9cc4",
    "member": "#17becf",
    "funder": "#ff7f0e",
    "sponsor": "#8c564b",
    "collaborator": "#2ca02c",
    "site": "#98df8a",
    "part-of": "#7f7f7f",
    "funded-under": "#c49c94",
    "inspired-by": "#e377c2",
    "successor-of": "#9467bd",
    "managed-by": "#bcbd22",
    "parent-organisation": "#aaaaaa",
}
COPARTICIPATION_COLOUR = "#6f8fb5"
VIEW_TITLES = {
    "landscape": "collaboration landscape",
    "organisations": "organisations by shared projects and trials",
    "bipartite": "organisations and what they take part in",
    "trials": "clinical trials and who runs them",
}
_ID_LINKS = (
    ("ror", "ROR", "{}"),
    ("wikidata", "Wikidata", "{}"),
    ("cordis", "CORDIS", "https://cordis.europa.eu/project/id/{}"),
    ("nct", "ClinicalTrials.gov", "https://clinicaltrials.gov/study/{}"),
    ("eudract", "EudraCT", "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}"),
    ("ctis", "EU CT", "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={}"),
)
_MAX_TOOLTIP_ROLES = 12


def build_date(G=None) -> str | None:
    """The date a page shows: the data's release date, else ``SOURCE_DATE_EPOCH``; never the clock."""
    if G is not None and G.graph.get("date"):
        return str(G.graph["date"])
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat()
    return None


def layout(G, seed: int = 42, edge_length: float = 120.0) -> dict[Any, tuple[float, float]]:
    """Deterministic positions for ``G`` in pixels: igraph's Fruchterman-Reingold on a grid, seeded.

    Scaled so that the median edge is about ``edge_length`` pixels long.
    """
    import random

    import igraph

    nodes = list(G)
    if not nodes:
        return {}
    index = {v: i for i, v in enumerate(nodes)}
    pairs = {(min(index[u], index[v]), max(index[u], index[v])) for u, v in G.edges() if u != v}
    g = igraph.Graph(n=len(nodes), edges=sorted(pairs))
    # igraph draws its start positions from the generator it is given: a seeded one makes the layout
    # repeatable (an explicit start matrix would defeat the grid and cost 10x at 20k nodes)
    igraph.set_random_number_generator(random.Random(seed))
    try:
        coords = g.layout_fruchterman_reingold(niter=500, grid=True).coords
    finally:
        igraph.set_random_number_generator(random)
    lengths = sorted(math.dist(coords[a], coords[b]) for a, b in pairs)
    median = lengths[len(lengths) // 2] if lengths else 1.0
    scale = edge_length / median if median > 0 else 1.0
    return {v: (round(coords[i][0] * scale, 1), round(coords[i][1] * scale, 1)) for v, i in index.items()}


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _role_list(d: dict) -> list[str]:
    roles = d.get("roles") or ([d["role"]] if d.get("role") else [])
    return sorted(set(roles))


def _tooltip_info(G, v, d: dict, source_ref) -> dict[str, Any]:
    kind = d.get("kind", "")
    kind_text = KINDS.get(kind, kind)
    if d.get("org_kind"):
        kind_text += f" ({d['org_kind'].replace('-', ' ')})"
    ids = [[label, tpl.format(d[k]), str(d[k])] for k, label, tpl in _ID_LINKS if d.get(k)]
    roles: list[str] = []
    pairs = []
    if G.is_directed():
        pairs += [(ed, G.nodes[w].get("label", w), True) for _, w, ed in G.out_edges(v, data=True)]
        pairs += [(ed, G.nodes[u].get("label", u), False) for u, _, ed in G.in_edges(v, data=True)]
    else:
        pairs += [(ed, G.nodes[w].get("label", w), True) for _, w, ed in G.edges(v, data=True)]
    if G.graph.get("view") == "organisations":   # co-participation: with whom, through what
        pairs.sort(key=lambda p: (-p[0].get("weight", 1), str(p[1])))
        roles += [f"{other}: {', '.join(ed.get('shared_labels', []))}" for ed, other, _ in pairs]
        pairs = []
    for ed, other, out in sorted(pairs, key=lambda p: (p[0].get("label", ""), str(p[1]))):
        text = ed.get("label", "linked")
        roles.append(f"{text} {other}" if out else f"{other}: {text}")
    more = max(0, len(roles) - _MAX_TOOLTIP_ROLES)
    roles = roles[:_MAX_TOOLTIP_ROLES] + ([f"\u2026 and {more} more"] if more else [])
    sources = [source_ref(s) for s in d.get("sources", [])]
    dates = " \u2013 ".join(x for x in (d.get("start_date"), d.get("end_date")) if x)
    return {"name": d.get("name", str(v)), "kind": kind_text, "countries": d.get("countries", []),
            "dates": dates, "uncertain": bool(d.get("uncertain")), "roles": roles, "ids": ids,
            "sources": sources, "iri": d.get("iri", "")}


def _edge_title(G, u, v, d: dict) -> str:
    a, b = G.nodes[u].get("label", u), G.nodes[v].get("label", v)
    if d.get("shared_labels"):
        return f"{a} \u2013 {b}: {d.get('weight', len(d['shared_labels']))} shared: " + ", ".join(d["shared_labels"])
    arrow = "\u2192" if G.is_directed() else "\u2013"
    text = f"{a} {arrow} {d.get('label', '')} {arrow} {b}"
    return text + (" (uncertain)" if d.get("uncertain") else "")


def vis_data(G, *, seed: int = 42, physics: bool | None = None,
             positions: dict | None = None) -> tuple[list[dict], list[dict], dict, dict[str, Any]]:
    """The vis-network nodes, edges and options for ``G`` (what the page draws), and the cards.

    Cards (name, countries, roles, identifiers, sources of each node, by id) stay out of the nodes:
    vis-network deep-copies every node's fields, which cost seconds at 10,000 nodes. A card names
    its sources by index into ``info["sources"]`` (title, URL), written once per page.
    """
    from .analyze import simple

    n = G.number_of_nodes()
    physics = 0 < n <= PHYSICS_MAX_NODES if physics is None else physics
    if not physics and positions is None:
        positions = layout(G, seed)
    H = simple(G)
    degree = dict(H.degree())
    top = max(degree.values(), default=0) or 1
    source_info = G.graph.get("source_info", {})
    table: list[list[str]] = []
    index: dict[str, int] = {}

    def source_ref(iri: str) -> int:
        if iri not in index:
            s = source_info.get(iri, {})
            index[iri] = len(table)
            table.append([s.get("title", iri), s.get("url", "")])
        return index[iri]

    nodes, cards = [], {}
    for v, d in G.nodes(data=True):
        kind = d.get("kind", "organisation")
        colour, shape, _ = KIND_STYLE.get(kind, ("#999999", "dot", "?"))
        node = {
            "id": v, "label": _short(str(d.get("label", v))), "shape": shape, "color": colour,
            "baseColor": colour, "size": round(10 + 26 * math.sqrt(degree.get(v, 0) / top), 1),
            "kind": kind,
        }
        cards[str(v)] = _tooltip_info(G, v, d, source_ref)
        cards[str(v)]["search"] = " ".join(str(x) for x in (v, d.get("label", ""), d.get("name", ""), d.get("acronym", "")))
        if d.get("uncertain"):
            node["shapeProperties"] = {"borderDashes": [4, 3]}
        if positions is not None and v in positions:
            node["x"], node["y"] = positions[v]
        nodes.append(node)
    m = G.number_of_edges()
    show_labels = m <= EDGE_LABEL_MAX_EDGES
    edges = []
    for i, (u, v, d) in enumerate(G.edges(data=True)):
        roles = _role_list(d)
        colour = ROLE_COLOUR.get(roles[0], "#999999") if len(roles) == 1 and G.graph.get("view") != "organisations" \
            else COPARTICIPATION_COLOUR
        e = {"id": f"e{i}", "from": u, "to": v, "color": colour, "baseColor": colour, "roles": " ".join(roles),
             "title": _edge_title(G, u, v, d)}
        if show_labels and d.get("label") and not (d.get("shared") and len(d["shared"]) < 2):
            e["label"] = str(d["label"])   # co-participation edges are labelled from 2 shared items up
        w = d.get("weight")
        e["width"] = round(1 + 1.5 * math.log2(w), 2) if w and w > 1 else 1.2
        if d.get("uncertain"):
            e["dashes"] = True
        edges.append(e)
    options: dict[str, Any] = {
        "autoResize": True,
        # a white halo keeps labels readable over edges; above the physics limit it costs more than it gives
        "nodes": {"font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 3 if physics else 0,
                           "strokeColor": "#ffffff"},
                  "borderWidth": 1, "scaling": {"label": {"drawThreshold": 6}}},
        "edges": {"arrows": {"to": {"enabled": G.is_directed(), "scaleFactor": 0.5}},
                  "font": {"size": 10, "align": "middle", "color": "#555555"},
                  "smooth": {"enabled": True, "type": "continuous"} if physics else False,
                  "color": {"inherit": False}, "selectionWidth": 2},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": not physics,
                        "hideEdgesOnZoom": not physics and m > 5000, "multiselect": False},
        "layout": {"randomSeed": seed, "improvedLayout": physics and n <= 100},
    }
    if physics:
        options["physics"] = {
            "enabled": True, "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -70, "centralGravity": 0.01, "springLength": 110,
                                 "springConstant": 0.08, "avoidOverlap": 0.3},
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50, "fit": True},
            "minVelocity": 1.0,
        }
    else:
        options["physics"] = {"enabled": False}
    return nodes, edges, options, {"cards": cards, "sources": table}


def _legend(G, nodes: list[dict], edges: list[dict], info: dict) -> dict[str, list[dict]]:
    from collections import Counter

    kinds = Counter(n["kind"] for n in nodes)
    countries = Counter(c for card in info["cards"].values() for c in card["countries"])
    roles = Counter(r for e in edges for r in e["roles"].split())
    view = G.graph.get("view")
    return {
        "kinds": [{"id": k, "label": KINDS.get(k, k), "colour": KIND_STYLE[k][0], "symbol": KIND_STYLE[k][2],
                   "count": kinds[k]} for k in KIND_STYLE if kinds[k]],
        "roles": [{"id": r, "label": ROLES.get(r, r),
                   "colour": COPARTICIPATION_COLOUR if view == "organisations" else ROLE_COLOUR.get(r, "#999999"),
                   "count": roles[r]} for r in ROLES if roles[r]],
        "countries": [{"id": c, "label": c, "count": k} for c, k in sorted(countries.items())],
    }


def _vis_js() -> str:
    import pyvis

    js = (Path(pyvis.__file__).parent / VIS_NETWORK).read_text(encoding="utf-8")
    if "</script" in js.lower():  # would end the inline <script> early
        raise RuntimeError("vis-network.min.js contains '</script'; cannot inline it")
    return js


def page(G, *, title: str | None = None, seed: int = 42, physics: bool | None = None,
         positions: dict | None = None) -> str:
    """The HTML of the network page for ``G`` (a view of :mod:`kg.network`), as a string."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup
    from jinja2.utils import htmlsafe_json_dumps
    from pyvis.network import Network

    nodes, edges, options, info = vis_data(G, seed=seed, physics=physics, positions=positions)
    physics_on = bool(options["physics"]["enabled"])
    view = str(G.graph.get("view", "landscape"))
    heading = title or f"pmkg \u00b7 {VIEW_TITLES.get(view, view)}"
    date = build_date(G)
    # pyvis holds the network; filling its lists directly is what makes large pages fast
    net = Network(height="100%", width="100%", directed=G.is_directed(), heading=heading, cdn_resources="in_line")
    net.nodes, net.edges = nodes, edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.options = options
    nodes, edges, heading, _, _, options_json = net.get_network_data()
    filters = {k: G.graph[f"filter_{k}"] for k in ("kinds", "countries", "roles", "year", "programme")
               if G.graph.get(f"filter_{k}") is not None}
    if G.graph.get("focus"):
        filters["focus"] = f"{G.graph['focus']} (depth {G.graph.get('depth', 1)})"
    data = {"nodes": nodes, "edges": edges, "info": info, "physics": physics_on, "directed": G.is_directed()}
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    tpl = env.get_template(TEMPLATE)
    return tpl.render(
        heading=heading, view=view, date=date, node_count=len(nodes), edge_count=len(edges),
        filters={k: ", ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in filters.items()},
        legend=_legend(G, nodes, edges, info), physics=physics_on,
        data_json=Markup(htmlsafe_json_dumps(data, dumps=_compact_json)),
        options_json=Markup(htmlsafe_json_dumps(__import__("json").loads(options_json), dumps=_compact_json)),
        vis_js=Markup(_vis_js()),
    )


def _compact_json(obj, **kw) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), **kw)


def network_page(source, view: str = "landscape", filters: Filters | None = None, *, focus: str | None = None,
                 depth: int = 1, title: str | None = None, seed: int = 42, base: str | None = None) -> str:
    """Build the view of ``source`` (Dataset or Store) and render its page."""
    from .network import view as make_view

    G = make_view(source, view, filters, base=base, focus=focus, depth=depth)
    return page(G, title=title, seed=seed)


def write_page(path: Path | str, html: str) -> Path:
    """Write the page atomically."""
    from .files import atomic_write

    return atomic_write(path, html)
