"""Country shapes for the report's map: Natural Earth via the world-atlas TopoJSON files, keyed by ISO 3166 alpha-2.

The vendored files (``kg/templates/lib/world-atlas``, world-atlas 2.0.2 = Natural Earth 4.1.0) name countries by
ISO 3166-1 *numeric* code; pycountry (already a dependency) turns that into the alpha-2 code the graph uses.
Kosovo has no ISO code in Natural Earth and is matched by name to ``XK``, the code the EU and CORDIS use; the
EU's own codes ``UK`` and ``EL`` are read as ``GB`` and ``GR``.

A page carries only what it draws: the 1:50m shapes of the countries in and around Europe, and, when the
data reaches beyond Europe, the 1:110m world (plus the 1:50m shape of any country of the data too small for
1:110m, such as Malta or Singapore). Subsetting keeps TopoJSON's shared arcs, so borders stay exact.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import countries

ATLAS = Path(__file__).parent / "templates" / "lib" / "world-atlas"
#: The EU's codes (CORDIS, Eurostat) that differ from ISO 3166-1 alpha-2.
ALIASES = countries.EU_CODES
#: Countries without an ISO 3166-1 code in Natural Earth, by their world-atlas name.
BY_NAME = {label: code for code, label in countries.EXTRA_CODES.items()}
#: What the Europe panel shows (lon_min, lat_min, lon_max, lat_max): Iceland to the Urals' foot,
#: Crete to the North Cape.
EUROPE = (-25.0, 34.0, 45.0, 71.5)


def normalise(code: str) -> str:
    """An ISO 3166-1 alpha-2 code as the map keys it: upper case, ``UK`` -> ``GB``, ``EL`` -> ``GR``."""
    c = code.strip().upper()
    return ALIASES.get(c, c)


@lru_cache(maxsize=2)
def topology(resolution: str = "50m") -> dict[str, Any]:
    """The world-atlas countries topology at ``50m`` or ``110m``, geometry ids replaced by alpha-2 codes."""
    topo = json.loads((ATLAS / f"countries-{resolution}.json").read_text(encoding="utf-8"))
    for g in topo["objects"]["countries"]["geometries"]:
        g["id"] = _alpha2(g.get("id"), g.get("properties", {}).get("name"))
    return topo


def _alpha2(numeric: str | None, name: str | None) -> str | None:
    import pycountry

    if numeric:
        c = pycountry.countries.get(numeric=numeric)
        if c is not None:
            return str(c.alpha_2)
    return BY_NAME.get(name or "")


def _arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Every arc as (longitude, latitude) points (quantised, delta-encoded arcs decoded)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _polygons(g: dict) -> list[list[list[int]]]:
    if g.get("type") == "Polygon":
        return [g["arcs"]]
    if g.get("type") == "MultiPolygon":
        return list(g["arcs"])
    return []


def _ring(arcs: list[list[tuple[float, float]]], ring: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in ring:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a[1:] if pts else a)
    return pts


def _area_centroid(pts: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Signed area and centroid of a ring (planar, in degrees: good enough to anchor a line on a map)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        f = x0 * y1 - x1 * y0
        a += f
        cx += (x0 + x1) * f
        cy += (y0 + y1) * f
    if abs(a) < 1e-12:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return a / 2, cx / (3 * a), cy / (3 * a)


@lru_cache(maxsize=2)
def shapes(resolution: str = "50m") -> dict[str, dict[str, Any]]:
    """alpha-2 -> {name, bbox (lon_min, lat_min, lon_max, lat_max), centroid (lon, lat)} of every country with a code.

    The centroid is that of the country's largest polygon: mainland France rather than a point pulled
    towards French Guiana, mainland Norway rather than Svalbard. Cached: do not modify the answer.
    """
    topo = topology(resolution)
    arcs = _arcs(topo)
    out: dict[str, dict[str, Any]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        if not g.get("id"):
            continue
        best = (-1.0, 0.0, 0.0)
        xs: list[float] = []
        ys: list[float] = []
        for poly in _polygons(g):
            outer = _ring(arcs, poly[0])
            xs += [p[0] for p in outer]
            ys += [p[1] for p in outer]
            area, cx, cy = _area_centroid(outer)
            if abs(area) > best[0]:
                best = (abs(area), cx, cy)
        if xs:
            out[g["id"]] = {"name": g.get("properties", {}).get("name", g["id"]),
                            "bbox": (min(xs), min(ys), max(xs), max(ys)),
                            "centroid": (round(best[1], 3), round(best[2], 3))}
    return out


def subset(topo: dict[str, Any], keep: Iterable[str],
           extent: tuple[float, float, float, float] | None = None, unnamed: bool = False) -> dict[str, Any]:
    """A topology with only the countries ``keep`` (alpha-2 codes) and the arcs they use, renumbered.

    With ``extent``, only the polygons whose bounding box touches it are kept (a map of Europe needs
    neither French Guiana nor Alaska); the arcs themselves are never cut, so shared borders stay exact.
    ``unnamed`` also keeps the shapes without an ISO code (Northern Cyprus, Somaliland), as background.
    """
    wanted = set(keep)
    arcs_xy = _arcs(topo) if extent else None
    chosen: list[tuple[dict, list]] = []
    for g in topo["objects"]["countries"]["geometries"]:
        if g.get("id") not in wanted and not (unnamed and not g.get("id")):
            continue
        polys = _polygons(g)
        if arcs_xy is not None and extent is not None:
            polys = [p for p in polys if _intersects(_bbox(_ring(arcs_xy, p[0])), extent)]
        if polys:
            chosen.append((g, polys))
    used = sorted({i if i >= 0 else ~i for _, polys in chosen for poly in polys for ring in poly for i in ring})
    new = {old: k for k, old in enumerate(used)}

    def remap(i: int) -> int:
        return new[i] if i >= 0 else ~new[~i]

    out_geoms = []
    for g, polys in chosen:
        mapped = [[[remap(i) for i in ring] for ring in poly] for poly in polys]
        kind = "Polygon" if len(mapped) == 1 else "MultiPolygon"
        out_geoms.append({"type": kind, "id": g["id"], "properties": {"name": g["properties"]["name"]},
                          "arcs": mapped[0] if kind == "Polygon" else mapped})
    return {"type": "Topology", "transform": topo["transform"],
            "objects": {"countries": {"type": "GeometryCollection", "geometries": out_geoms}},
            "arcs": [topo["arcs"][i] for i in used]}


def _bbox(pts: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def _intersects(b: tuple[float, float, float, float], e: tuple[float, float, float, float]) -> bool:
    return b[0] <= e[2] and b[2] >= e[0] and b[1] <= e[3] and b[3] >= e[1]


def in_europe(code: str) -> bool:
    """Whether the country's main shape lies in the Europe panel (its centroid is inside the panel's extent)."""
    s = shapes("50m").get(normalise(code))
    if s is None:
        return False
    x, y = s["centroid"]
    return EUROPE[0] <= x <= EUROPE[2] and EUROPE[1] <= y <= EUROPE[3]


def map_data(countries: Iterable[str]) -> dict[str, Any]:
    """What the report's map needs for the data's ``countries`` (alpha-2 codes, aliases allowed).

    ``europe``: 1:50m topology of every country touching the Europe panel. ``world``: the 1:110m world,
    only when a country of the data lies outside Europe (None otherwise); ``world_extra``: 1:50m shapes of
    the data's countries missing from 1:110m. ``centroids``: alpha-2 -> [lon, lat] for the data's countries.
    ``names``: alpha-2 -> country name. ``missing``: codes of the data with no shape at all.
    """
    codes = sorted({normalise(c) for c in countries if c and c.strip()})
    fine = shapes("50m")
    coarse_ids = {g.get("id") for g in topology("110m")["objects"]["countries"]["geometries"]}
    europe_ids = [c for c, s in fine.items() if _intersects(s["bbox"], EUROPE)]
    outside = [c for c in codes if c in fine and not in_europe(c)]
    world = world_extra = None
    if outside:
        world = topology("110m")
        extra = [c for c in codes if c in fine and c not in coarse_ids]
        world_extra = subset(topology("50m"), extra) if extra else None
    return {
        "europe": subset(topology("50m"), europe_ids, EUROPE, unnamed=True),
        "world": world,
        "world_extra": world_extra,
        "centroids": {c: list(fine[c]["centroid"]) for c in codes if c in fine},
        "names": {c: fine[c]["name"] for c in codes if c in fine},
        "outside_europe": outside,
        "missing": [c for c in codes if c not in fine],
    }
