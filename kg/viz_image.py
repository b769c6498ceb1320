"""A network view as a picture for slides: ``pmkg viz --format svg|png``.

The picture is a Vega specification drawn by vl-convert (the optional extra ``images``, the same
renderer ``pmkg report --format svg|png`` uses; no browser needed):

* positions are pmkg's own seeded layout (:func:`kg.viz.layout`, igraph's Fruchterman-Reingold),
  so the same data and seed give the same picture;
* nodes and edges in the page's colours and shapes (:data:`kg.viz.KIND_STYLE`,
  :data:`kg.viz.ROLE_COLOUR`), uncertain ones dashed, node size by number of links;
* labels placed as the page places them (:func:`place_labels`): larger for bigger hubs, from the
  most linked node down, each at the first of eight places around its node where it overlaps no
  other label and no other node; the :data:`kg.viz.HUB_LABELS` biggest hubs are always labelled,
  other labels are left out where there is no room (every node's full name is still in the SVG, as
  the node's ``aria-label``). Vega's own ``label`` transform needs a canvas, which vl-convert does
  not have;
* a legend of the kinds and roles drawn, the heading, and the counts and date of the data.

The canvas is exactly ``width`` x ``height`` (a PNG is that times ``scale`` in pixels), so a picture
fits the slide it was made for. Vega is given no base URL to load from: nothing is fetched.
"""
from __future__ import annotations

import math
from typing import Any

from .analyze import simple
from .network import KINDS, ROLES
from .viz import (
    HUB_LABELS,
    KIND_STYLE,
    ROLE_COLOUR,
    UNKNOWN_COLOUR,
    VIEW_TITLES,
    _edge_colour,
    _role_list,
    build_date,
    layout,
)

#: The canvas of a picture, in CSS pixels: 16:9, the shape of a slide.
WIDTH, HEIGHT = 1600, 900
#: Left of the drawing: the legend's column.
LEGEND_WIDTH = 210
#: Vega symbol shapes for the page's vis-network shapes (a star and a hexagon as SVG paths).
SHAPES = {
    "dot": "circle", "diamond": "diamond", "square": "square", "triangle": "triangle-up",
    "triangleDown": "triangle-down",
    "hexagon": "M1,0L0.5,0.866L-0.5,0.866L-1,0L-0.5,-0.866L0.5,-0.866Z",
    "star": "M0,-1L0.225,-0.309L0.951,-0.309L0.363,0.118L0.588,0.809L0,0.382L-0.588,0.809L-0.363,0.118"
            "L-0.951,-0.309L-0.225,-0.309Z",
}
FORMATS = ("svg", "png")


class ImagesUnavailable(RuntimeError):
    """vl-convert-python (the optional extra ``images``) is not installed."""


def _vl_convert() -> Any:
    try:
        import vl_convert
    except ImportError:
        raise ImagesUnavailable("SVG and PNG pictures need vl-convert-python, the optional extra 'images': "
                                "pip install 'pmkg[images]'") from None
    return vl_convert


def network_spec(G, *, title: str | None = None, seed: int = 42, width: int = WIDTH,
                 height: int = HEIGHT, subtitle: str | None = None) -> dict[str, Any]:
    """The Vega specification of the picture of ``G`` (a view of :mod:`kg.network`)."""
    view = str(G.graph.get("view", "landscape"))
    pos = layout(G, seed)
    H = simple(G)
    degree = dict(H.degree())
    top = max(degree.values(), default=0) or 1
    nodes, kinds_drawn = [], []
    for v, d in G.nodes(data=True):
        kind = d.get("kind", "organisation")
        colour, shape, _ = KIND_STYLE.get(kind, (UNKNOWN_COLOUR, "dot", "?"))
        imp = math.sqrt(degree.get(v, 0) / top)
        x, y = pos.get(v, (0.0, 0.0))
        name = str(d.get("name") or d.get("label") or v)
        nodes.append({"id": str(v), "label": str(d.get("label", v)), "name": name, "x": x, "y": y,
                      "kind": KINDS.get(kind, kind), "colour": colour, "shape": SHAPES.get(shape, "circle"),
                      "size": round((8 + 22 * imp) ** 2, 1), "font": round(10 + 7 * imp, 1), "imp": imp,
                      "dash": [3, 2] if d.get("uncertain") else [],
                      "description": f"{name} ({KINDS.get(kind, kind)})"})
        if kind not in kinds_drawn:
            kinds_drawn.append(kind)
    # the most linked first: their labels are placed first
    nodes.sort(key=lambda n: (-n["imp"], n["label"], n["id"]))
    edges: list[dict[str, Any]] = []
    roles_drawn: dict[str, str] = {}
    for u, v, d in G.edges(data=True):
        key, colour = _edge_colour(view, _role_list(d))
        w = d.get("weight")
        (x1, y1), (x2, y2) = pos.get(u, (0.0, 0.0)), pos.get(v, (0.0, 0.0))
        edges.append({"x1": x1, "y1": y1, "x2": x2, "y2": y2, "colour": colour,
                      "width": round(1 + 1.5 * math.log2(w), 2) if w and w > 1 else 1.0,
                      "dash": [4, 3] if d.get("uncertain") else []})
        roles_drawn.setdefault(key, colour)
    xs = [n["x"] for n in nodes] or [0.0]
    ys = [n["y"] for n in nodes] or [0.0]
    margin = 40
    # one scale for both axes (a layout has no preferred direction): the drawing keeps its shape
    top = 104   # below the heading, the subtitle and the coverage line
    box_w, box_h = width - LEGEND_WIDTH - 2 * margin, height - top - margin
    span = max((max(xs) - min(xs)) / box_w, (max(ys) - min(ys)) / box_h, 1e-9)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    x0, y0 = LEGEND_WIDTH + margin + box_w / 2, top + box_h / 2
    for item in nodes:
        item["px"], item["py"] = x0 + (item["x"] - cx) / span, y0 + (item["y"] - cy) / span
    for e in edges:
        e["px1"], e["py1"] = x0 + (e["x1"] - cx) / span, y0 + (e["y1"] - cy) / span
        e["px2"], e["py2"] = x0 + (e["x2"] - cx) / span, y0 + (e["y2"] - cy) / span
    labels = place_labels(nodes, (LEGEND_WIDTH, top - 14, width, height))
    heading = title or f"pmkg \u00b7 {VIEW_TITLES.get(view, view)}"
    if subtitle is None:
        date = build_date(G)
        subtitle = f"{len(nodes)} nodes, {len(edges)} links" + (f" \u00b7 data as of {date}" if date else "")
    # how partial the map is (as on the page): the projects drawn whose sources declare a size
    shown = set(G) | {i for _, _, d in G.edges(data=True) for i in d.get("shared", ())}
    partial = sorted((c["label"], c["members"], c["partners"]) for k, c in G.graph.get("coverage", {}).items()
                     if k in shown and c["partners"])
    coverage_line = ("A partial map, known of declared partners: " + " \u00b7 ".join(
        f"{label} {n} of {lo}" + (f"\u2013{hi}" if hi != lo else "") for label, n, (lo, hi) in partial)
        + ("" if G.graph.get("include_uncertain") else " (confirmed members)")) if partial else ""
    kind_labels = [KINDS.get(k, k) for k in kinds_drawn]
    kind_colours = [KIND_STYLE.get(k, (UNKNOWN_COLOUR,))[0] for k in kinds_drawn]
    kind_shapes = [SHAPES.get(KIND_STYLE.get(k, ("", "dot"))[1], "circle") for k in kinds_drawn]
    role_keys = [r for r in ROLES if r in roles_drawn] + sorted(set(roles_drawn) - set(ROLES))
    role_labels = [{"several": "several roles", "shared": "share projects or trials"}.get(r, ROLES.get(r, r))
                   for r in role_keys]
    role_colours = [roles_drawn[r] if r in ("several", "shared") else ROLE_COLOUR.get(r, UNKNOWN_COLOUR)
                    for r in role_keys]
    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json",
        "width": width, "height": height, "padding": 0, "autosize": {"type": "none"},
        "background": "white",
        "config": {"text": {"font": "sans-serif"}, "legend": {"labelFont": "sans-serif", "titleFont": "sans-serif"}},
        "data": [{"name": "nodes", "values": nodes}, {"name": "edges", "values": edges},
                 {"name": "labelItems", "values": labels}],
        "scales": [
            {"name": "kind", "type": "ordinal", "domain": kind_labels, "range": kind_colours},
            {"name": "kindShape", "type": "ordinal", "domain": kind_labels, "range": kind_shapes},
            {"name": "role", "type": "ordinal", "domain": role_labels, "range": role_colours},
        ],
        "legends": [
            {"fill": "kind", "shape": "kindShape", "title": "Kinds", "orient": "none", "legendX": 16,
             "legendY": top, "symbolSize": 140, "labelFontSize": 13, "titleFontSize": 14},
            *([{"stroke": "role", "title": "Roles and relations", "orient": "none", "legendX": 16,
                "legendY": top + 20 + 22 * len(kind_labels), "symbolType": "stroke", "symbolStrokeWidth": 3,
                "labelFontSize": 12, "titleFontSize": 14, "labelLimit": 180}] if role_labels else []),
        ],
        "marks": [
            {"type": "text", "name": "heading", "encode": {"enter": {
                "x": {"value": 16}, "y": {"value": 34}, "text": {"value": heading}, "fontSize": {"value": 26},
                "fontWeight": {"value": "bold"}, "fill": {"value": "#222"}}}},
            {"type": "text", "name": "subtitle", "encode": {"enter": {
                "x": {"value": 16}, "y": {"value": 62}, "text": {"value": subtitle or ""},
                "fontSize": {"value": 15}, "fill": {"value": "#555"}}}},
            {"type": "text", "name": "coverage", "encode": {"enter": {
                "x": {"value": 16}, "y": {"value": 84}, "text": {"value": coverage_line},
                "fontSize": {"value": 14}, "fill": {"value": "#7a4b00"}}}},
            {"type": "rule", "name": "links", "from": {"data": "edges"}, "encode": {"enter": {
                "x": {"field": "px1"}, "y": {"field": "py1"}, "x2": {"field": "px2"}, "y2": {"field": "py2"},
                "stroke": {"field": "colour"}, "strokeWidth": {"field": "width"}, "strokeOpacity": {"value": 0.6},
                "strokeDash": {"field": "dash"}}}},
            {"type": "symbol", "name": "dots", "from": {"data": "nodes"}, "encode": {"enter": {
                "x": {"field": "px"}, "y": {"field": "py"}, "size": {"field": "size"},
                "shape": {"field": "shape"}, "fill": {"field": "colour"}, "stroke": {"value": "#333"},
                "strokeWidth": {"value": 0.8}, "strokeDash": {"field": "dash"},
                "description": {"field": "description"}}}},
            # a white halo under each label (SVG has no paint-order in Vega), then the label
            *({"type": "text", "name": name, "from": {"data": "labelItems"}, "encode": {"enter": {
                "x": {"field": "x"}, "y": {"field": "y"}, "text": {"field": "text"}, "align": {"field": "align"},
                "baseline": {"field": "baseline"}, "fontSize": {"field": "font"}, **paint}}}
              for name, paint in (("halos", {"fill": {"value": "white"}, "stroke": {"value": "white"},
                                             "strokeWidth": {"value": 3}, "strokeOpacity": {"value": 0.85},
                                             "strokeJoin": {"value": "round"}}),
                                  ("labels", {"fill": {"value": "#111"}}))),
        ],
    }


def text_width(text: str, size: float) -> float:
    """An estimate of ``text``'s width in a sans-serif font of ``size`` px, on the wide side (no
    canvas to measure with): narrow and wide letters apart."""
    w = 0.0
    for ch in text:
        if ch in "ijlI.,:;'|!ft()[] ":
            w += 0.32
        elif ch in "mwMW@%":
            w += 0.9
        elif ch.isupper() or ch.isdigit():
            w += 0.68
        else:
            w += 0.56
    return w * size


#: (dx, dy, align, baseline) of the eight places around a node, in the order they are tried.
_PLACES = [(1, 0, "left", "middle"), (-1, 0, "right", "middle"), (0, -1, "center", "bottom"),
           (0, 1, "center", "top"), (1, -1, "left", "bottom"), (-1, -1, "right", "bottom"),
           (1, 1, "left", "top"), (-1, 1, "right", "top")]


def place_labels(nodes: list[dict[str, Any]], frame: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    """Labels for ``nodes`` (most linked first; each with ``px``, ``py``, ``size`` as a symbol area,
    ``font`` and ``label``), placed greedily as the network page places them.

    Each label goes to the first of eight places around its node where it stays inside ``frame``
    (x0, y0, x1, y1) and overlaps no label already placed and no other node; the
    :data:`kg.viz.HUB_LABELS` most linked nodes may cover other nodes (never a label). A label with
    no such place is left out. Returns Vega text items (x, y, text, align, baseline, font).
    """
    cell = 64.0
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def cells(r):
        for i in range(int(r[0] // cell), int(r[2] // cell) + 1):
            for j in range(int(r[1] // cell), int(r[3] // cell) + 1):
                yield i, j

    def free(r, boxes) -> bool:
        return not any(r[0] < b[2] and b[0] < r[2] and r[1] < b[3] and b[1] < r[3]
                       for c in cells(r) for b in boxes.get(c, ()))

    def add(r, boxes) -> None:
        for c in cells(r):
            boxes.setdefault(c, []).append(r)

    dots: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    own = []
    for n in nodes:
        rad = math.sqrt(n["size"]) / 2
        box = (n["px"] - rad, n["py"] - rad, n["px"] + rad, n["py"] + rad)
        own.append(box)
        add(box, dots)
    out = []
    for rank, (n, box) in enumerate(zip(nodes, own)):
        text = n["label"]
        w, h = text_width(text, n["font"]), n["font"] * 1.2
        rad, gap = (box[2] - box[0]) / 2, 3.0
        for dx, dy, align, baseline in _PLACES:
            x, y = n["px"] + dx * (rad + gap), n["py"] + dy * (rad + gap)
            left = x if align == "left" else x - w if align == "right" else x - w / 2
            top = y - h / 2 if baseline == "middle" else y - h if baseline == "bottom" else y
            r = (left, top, left + w, top + h)
            if r[0] < frame[0] or r[1] < frame[1] or r[2] > frame[2] or r[3] > frame[3]:
                continue
            if not free(r, grid):
                continue
            # the node's own box is the only one a label may touch; hubs may cover others
            if rank >= HUB_LABELS and not free(r, {c: [b for b in bs if b != box] for c, bs in
                                                   ((c, dots.get(c, [])) for c in cells(r))}):
                continue
            add(r, grid)
            out.append({"x": round(x, 1), "y": round(y, 1), "text": text, "align": align,
                        "baseline": baseline, "font": n["font"]})
            break
    return out


def network_image(G, fmt: str, *, title: str | None = None, seed: int = 42, scale: float = 2.0,
                  width: int = WIDTH, height: int = HEIGHT, subtitle: str | None = None) -> bytes:
    """``G`` drawn as SVG or PNG (``width`` x ``height``, a PNG ``scale`` times that in pixels).

    Raises :class:`ImagesUnavailable` (a RuntimeError) when vl-convert-python is not installed.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown picture format {fmt!r}; expected svg or png")
    vlc = _vl_convert()
    spec = network_spec(G, title=title, seed=seed, width=width, height=height, subtitle=subtitle)
    if fmt == "svg":
        return vlc.vega_to_svg(spec, allowed_base_urls=[]).encode("utf-8")
    return bytes(vlc.vega_to_png(spec, scale=scale, allowed_base_urls=[]))
