"""The network page: one self-contained HTML file drawing a network view with vis-network.

pmkg's page is rendered from its own template (``kg/templates/network.html``) with vis-network 9.1.2
inlined: the same library pyvis 0.3.2 bundles, vendored with its licence in
``kg/templates/lib/vis-network-9.1.2/`` so that an install does not pull pyvis and, through it,
IPython and jedi. pyvis itself is optional (``pip install 'pmkg[pyvis]'``): :func:`to_pyvis` hands
the same nodes, edges and options to a pyvis ``Network`` for a notebook.

What the page adds to vis-network:

* **Offline.** No CDN, no Bootstrap, no vis CSS (the few rules needed are in the template), and a
  Content-Security-Policy that forbids every fetch.
* **Escaping.** Every string from the data reaches the page as JSON in a ``<script
  type="application/json">`` block (``<``, ``>``, ``&`` and ``'`` escaped) and the DOM through
  ``textContent`` only, or the canvas through ``fillText``; links only for http(s) URLs.
* **Labels that read at any zoom** (drawn by the page, not by vis-network): sized by importance
  (the node's number of links, as the node size), placed greedily from the most linked node down
  at one of eight positions around the node, and only where they overlap no other label and,
  below the :data:`HUB_LABELS` biggest hubs, no other node. The hubs are labelled at the fitted
  zoom; minor labels appear as zooming in makes room. Edge labels only for the hovered edge and the
  edges of the selected node.
* **Legend, filters, search, neighbourhood highlight, expandable cards, "Fit" and "Re-layout"**
  (a short physics run from the seeded first layout, over the nodes the filters leave).
* **Layout that scales.** Up to :data:`PHYSICS_MAX_NODES` nodes, vis-network's physics lays the graph
  out from a fixed seed, stabilises and is then switched off. Above that, positions are computed in
  Python with igraph's grid Fruchterman-Reingold (about 1 s for 10,000 nodes here, where networkx's
  ``spring_layout`` took 128 s) and physics stays off, so the page draws at once.
"""
from __future__ import annotations

import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import pages
from .network import ID_LINKS, KINDS, ROLES, Filters
from .pages import LIB, inline_script, script_json

#: Above this many nodes positions are computed in Python and physics is off.
PHYSICS_MAX_NODES = 300
#: The most linked nodes whose labels the page places first and keeps at the fitted zoom.
HUB_LABELS = 10
#: "Re-layout" runs vis-network's physics in the browser up to this many visible nodes.
RELAYOUT_MAX_NODES = 2000
#: Physics iterations of a re-layout (from the first layout, so the same filters give the same picture).
RELAYOUT_ITERATIONS = 200
VIS_NETWORK = LIB / "vis-network-9.1.2" / "vis-network.min.js"
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
#: The organisations view draws every co-participation edge in one colour (width: items shared).
COPARTICIPATION_COLOUR = "#6f8fb5"
#: An edge that stands for several roles (bipartite view: partner and site of one trial).
SEVERAL_ROLES_COLOUR = "#3b3b3b"
UNKNOWN_COLOUR = "#999999"
VIEW_TITLES = {
    "landscape": "collaboration landscape",
    "organisations": "organisations by shared projects and trials",
    "bipartite": "organisations and what they take part in",
    "trials": "clinical trials and who runs them",
}
#: Roles a card lists before "Show N more" (the tooltip says how many more there are).
CARD_ROLES = 12
_FORCE_ATLAS = {"gravitationalConstant": -70, "centralGravity": 0.01, "springLength": 110,
                "springConstant": 0.08, "avoidOverlap": 0.3}


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
    ids = [[label, tpl.format(d[k]), str(d[k])] for k, label, tpl in ID_LINKS if d.get(k)]
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


def _edge_colour(view: str, roles: list[str]) -> tuple[str, str]:
    """(legend key, colour) an edge is drawn in: its role's, "several" roles', or the one co-participation colour."""
    if view == "organisations":
        return "shared", COPARTICIPATION_COLOUR
    if len(roles) == 1:
        return roles[0], ROLE_COLOUR.get(roles[0], UNKNOWN_COLOUR)
    return "several", SEVERAL_ROLES_COLOUR


def vis_data(G, *, seed: int = 42, physics: bool | None = None,
             positions: dict | None = None) -> tuple[list[dict], list[dict], dict, dict[str, Any]]:
    """The vis-network nodes, edges and options for ``G`` (what the page draws), and the cards.

    Nodes carry their label as ``text`` and edges theirs as ``text`` (not vis-network's ``label``):
    the page draws labels itself (see the module docstring). ``imp`` (0-1, the square root of the
    node's share of the largest number of links) sizes both the node and its label.

    Cards (name, countries, roles, identifiers, sources of each node, by id) stay out of the nodes:
    vis-network deep-copies every node's fields, which cost seconds at 10,000 nodes. A card names
    its sources by index into ``info["sources"]`` (title, URL), written once per page.
    ``info["order"]`` lists the node ids by importance, the order labels are placed in.
    """
    from .analyze import simple

    n = G.number_of_nodes()
    physics = 0 < n <= PHYSICS_MAX_NODES if physics is None else physics
    if not physics and positions is None:
        positions = layout(G, seed)
    view = str(G.graph.get("view", ""))
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
        colour, shape, _ = KIND_STYLE.get(kind, (UNKNOWN_COLOUR, "dot", "?"))
        imp = math.sqrt(degree.get(v, 0) / top)
        node = {
            "id": v, "text": _short(str(d.get("label", v)), 60), "shape": shape, "color": colour,
            "baseColor": colour, "size": round(10 + 26 * imp, 1), "imp": round(imp, 3), "kind": kind,
        }
        cards[str(v)] = _tooltip_info(G, v, d, source_ref)
        cov = G.graph.get("coverage", {}).get(v)
        if cov:   # what the sources declare about the consortium, each claim with its source and date
            cards[str(v)]["coverage"] = {
                "text": cov["text"],
                "claims": [[f"{c['value']} {c['property']}", source_ref(c["source"]) if c["source"] else None,
                            c["date"] or ""] for c in cov["claims"]]}
        cards[str(v)]["search"] = " ".join(str(x) for x in (v, d.get("label", ""), d.get("name", ""),
                                                            d.get("acronym", "")))
        if d.get("uncertain"):
            node["shapeProperties"] = {"borderDashes": [4, 3]}
        if positions is not None and v in positions:
            node["x"], node["y"] = positions[v]
        nodes.append(node)
    # ties by label, then id, so the order is the same in every run
    order = [v for v in sorted(G, key=lambda v: (-degree.get(v, 0), str(G.nodes[v].get("label", v)), str(v)))]
    edges = []
    for i, (u, v, d) in enumerate(G.edges(data=True)):
        roles = _role_list(d)
        key, colour = _edge_colour(view, roles)
        e = {"id": f"e{i}", "from": u, "to": v, "color": colour, "baseColor": colour, "colourKey": key,
             "roles": " ".join(roles), "title": _edge_title(G, u, v, d)}
        if d.get("label"):
            e["text"] = str(d["label"])
        w = d.get("weight")
        e["width"] = round(1 + 1.5 * math.log2(w), 2) if w and w > 1 else 1.2
        if d.get("uncertain"):
            e["dashes"] = True
        edges.append(e)
    options: dict[str, Any] = {
        "autoResize": True,
        "nodes": {"borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": G.is_directed(), "scaleFactor": 0.5}},
                  "smooth": {"enabled": True, "type": "continuous"} if physics else False,
                  "color": {"inherit": False}, "selectionWidth": 2},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": not physics,
                        "hideEdgesOnZoom": not physics and G.number_of_edges() > 5000, "multiselect": False},
        "layout": {"randomSeed": seed, "improvedLayout": physics and n <= 100},
    }
    if physics:
        options["physics"] = {
            "enabled": True, "solver": "forceAtlas2Based", "forceAtlas2Based": dict(_FORCE_ATLAS),
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50, "fit": True},
            "minVelocity": 1.0,
        }
    else:
        options["physics"] = {"enabled": False}
    return nodes, edges, options, {"cards": cards, "sources": table, "order": order}


def _legend(G, nodes: list[dict], edges: list[dict], info: dict) -> dict[str, Any]:
    """What the sidebar shows: every colour drawn, with what it means and how many; the filters.

    A role gets a colour swatch only when some edge is drawn in that role's colour: in the
    organisations view every edge has one colour (the roles are a filter there, not a colour), and an
    edge holding several roles (bipartite view) has its own entry.
    """
    from collections import Counter

    kinds = Counter(n["kind"] for n in nodes)
    countries = Counter(c for card in info["cards"].values() for c in card["countries"])
    roles = Counter(r for e in edges for r in e["roles"].split())
    keys = Counter(e["colourKey"] for e in edges)
    view = G.graph.get("view")
    lines = []
    if keys["several"]:
        lines.append({"key": "several", "label": "several roles (see the card)", "colour": SEVERAL_ROLES_COLOUR,
                      "count": keys["several"]})
    if keys["shared"]:
        lines.append({"key": "shared", "label": "share projects or trials (width: how many)",
                      "colour": COPARTICIPATION_COLOUR, "count": keys["shared"]})
    kind_ids = list(KIND_STYLE) + sorted(set(kinds) - set(KIND_STYLE))
    role_ids = list(ROLES) + sorted(set(roles) - set(ROLES))
    return {
        "kinds": [{"id": k, "label": KINDS.get(k, k), "colour": KIND_STYLE.get(k, (UNKNOWN_COLOUR,))[0],
                   "symbol": KIND_STYLE.get(k, ("", "", "\u25cf"))[2], "count": kinds[k]}
                  for k in kind_ids if kinds[k]],
        "roles_title": "Roles in the shared items" if view == "organisations" else "Roles and relations",
        "roles": [{"id": r, "label": ROLES.get(r, r), "count": roles[r],
                   "colour": ROLE_COLOUR.get(r, UNKNOWN_COLOUR) if keys[r] else None} for r in role_ids if roles[r]],
        "lines": lines,
        "countries": [{"id": c, "label": c, "count": k} for c, k in sorted(countries.items())],
    }


def page(G, *, title: str | None = None, seed: int = 42, physics: bool | None = None,
         positions: dict | None = None) -> str:
    """The HTML of the network page for ``G`` (a view of :mod:`kg.network`), as a string."""
    nodes, edges, options, info = vis_data(G, seed=seed, physics=physics, positions=positions)
    physics_on = bool(options["physics"]["enabled"])
    view = str(G.graph.get("view", "landscape"))
    heading = title or f"pmkg \u00b7 {VIEW_TITLES.get(view, view)}"
    date = build_date(G)
    filters = {k: G.graph[f"filter_{k}"] for k in ("kinds", "countries", "roles", "year", "programme")
               if G.graph.get(f"filter_{k}") is not None}
    if G.graph.get("focus"):
        filters["focus"] = f"{G.graph['focus']} (depth {G.graph.get('depth', 1)})"
    relayout = {"maxNodes": RELAYOUT_MAX_NODES, "iterations": RELAYOUT_ITERATIONS,
                "physics": {"enabled": True, "solver": "forceAtlas2Based", "forceAtlas2Based": dict(_FORCE_ATLAS),
                            "stabilization": {"enabled": False, "fit": False}, "minVelocity": 1.0}}
    data = {"nodes": nodes, "edges": edges, "info": info, "physics": physics_on, "directed": G.is_directed(),
            "hubs": HUB_LABELS, "cardRoles": CARD_ROLES, "relayout": relayout}
    # the heading: every project of the view with a declared size (in the organisations view the
    # projects are what the edges share)
    shown = set(G) | {i for _, _, d in G.edges(data=True) for i in d.get("shared", ())}
    coverage = sorted(([str(c["label"]), c["text"]]
                       for v, c in G.graph.get("coverage", {}).items() if v in shown and c["text"]),
                      key=lambda x: x[0].casefold())
    return pages.render(
        TEMPLATE, heading=heading, view=view, date=date, node_count=len(nodes), edge_count=len(edges),
        coverage=coverage, uncertain_counted=G.graph.get("include_uncertain", False),
        filters={k: ", ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in filters.items()},
        legend=_legend(G, nodes, edges, info), physics=physics_on, relayout_max=RELAYOUT_MAX_NODES,
        data_json=script_json(data), options_json=script_json(options), vis_js=inline_script(VIS_NETWORK),
    )


def to_pyvis(G, *, seed: int = 42, **network_args: Any) -> Any:
    """``G`` as a pyvis ``Network`` with the page's nodes, edges, colours and options, e.g. for a notebook.

    Needs the optional pyvis (``pip install 'pmkg[pyvis]'``). vis-network draws the labels there
    (pyvis's template has no label placement of its own), edge roles show on hover.
    """
    try:
        from pyvis.network import Network
    except ImportError:
        raise ImportError("kg.viz.to_pyvis needs pyvis: pip install 'pmkg[pyvis]'") from None
    nodes, edges, options, info = vis_data(G, seed=seed)
    net = Network(directed=G.is_directed(), **network_args)
    # filled directly: Network.add_node checks membership in a list, quadratic on large views
    net.nodes = [{**{k: v for k, v in n.items() if k not in ("text", "imp", "baseColor")}, "label": n["text"],
                  "title": f"{info['cards'][str(n['id'])]['name']} ({info['cards'][str(n['id'])]['kind']})"}
                 for n in nodes]
    net.edges = [{k: v for k, v in e.items() if k not in ("text", "baseColor", "colourKey", "roles")} for e in edges]
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in net.nodes}
    net.options = options
    return net


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
