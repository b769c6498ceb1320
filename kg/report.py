"""The report page: the landscape at a glance, one self-contained offline HTML file.

Where the network is (a map of Europe, and of the world where the data reaches, shaded by organisations,
participations or trials per country, with the cross-border collaborations between countries), when
(a timeline of projects, collaborations and trials), how much (funding by funder, programme and project,
each currency apart, unknown amounts counted), who does what where (a consortium matrix), how complete
the map is (consortium sizes the sources declare against what the graph knows), and tables linking
every entity to its registry pages and sources.

Everything shown is read through :class:`kg.store.Store` with SPARQL: the network helpers
(``queries/_network-*.rq``, via :func:`kg.network.fetch`) and the report's own (``queries/_report-*.rq``),
so the page is the same on rdflib, Oxigraph or any SPARQL endpoint. The filters are the network views'
(:class:`kg.network.Filters`, applied by :func:`kg.network.landscape`), except that records and
participations marked uncertain are left out unless asked for.

Charts are Vega-Lite specs (plain JSON, built here) drawn in the page by the vendored Vega, Vega-Lite and
Vega-Embed (``kg/templates/lib``), with Vega's CSP-safe expression interpreter, so the page's
Content-Security-Policy forbids every request and ``eval``. Each chart can be saved as SVG or PNG from
its menu, or rendered by :func:`chart_image` (vl-convert, the optional ``images`` extra).
"""
from __future__ import annotations

import calendar
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import pages
from .concepts import ROLES as ROLE_TABLE
from .countries import name as country_name
from .network import (
    ID_LINKS,
    ITEM_KINDS,
    ORGANISATION_KINDS,
    PARTICIPATION_ROLES,
    Filters,
    Raw,
    fetch,
    landscape,
    run_query,
)
from .pages import LIB, inline_script, script_json
from .store import is_true

TEMPLATE = "report.html"
VEGA = LIB / "vega"
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
#: vl-convert's Vega-Lite version matching the vendored vega-lite.min.js (6.4.3)
VL_VERSION = "6.4"
#: The charts :func:`chart_specs` makes (and ``pmkg report --chart`` exports).
CHARTS = ("map", "world", "countries", "timeline", "funding")
#: Most items (projects, trials) the consortium matrix shows as columns; beyond, those with most participants.
MATRIX_MAX_ITEMS = 60
#: Most bars the timeline draws; beyond, those with the largest consortia (the tables list every item).
TIMELINE_MAX_ITEMS = 60
#: Most funders, programmes or projects a funding panel names; the rest are summed as "N others".
FUNDING_MAX_GROUPS = 30
#: Most shared items a cross-border line's tooltip names.
LINK_MAX_NAMES = 8
#: Organisations a country's tooltip names; the country panel lists all of them.
TOOLTIP_NAMES = 12

KIND_LABEL = {"organisation": "organisation", "funder": "funder", "project": "project",
              "collaboration": "collaboration", "initiative": "initiative", "trial": "clinical trial",
              "programme": "programme"}
KIND_COLOUR = {"project": "#59a14f", "collaboration": "#76b7b2", "initiative": "#edc948", "trial": "#e15759"}
def role_abbreviations(labels: dict[str, str]) -> dict[str, str]:
    """A short, unique mark per role for the matrix cells, from the role labels in list order:
    the initials ("associated partner": AP), or more letters of the first word where taken
    (partner P, participant Pa)."""
    out: dict[str, str] = {}
    for role, label in labels.items():
        words = label.split()
        cands = ["".join(w[0] for w in words).upper()] + [words[0][:n].capitalize() for n in range(2, 6)]
        out[role] = next((c for c in cands if c not in out.values()), role)
    return out


ROLE_ABBREV = role_abbreviations({r: label for r, (label, _, _) in ROLE_TABLE.items()})
#: Roles that make an organisation part of a consortium (funding a project is not taking part in it).
CONSORTIUM_ROLES = frozenset(PARTICIPATION_ROLES) - {"funder"}
_PMKG = "https://w3id.org/pmkg/def#"


def default_filters() -> Filters:
    """What the report shows by default: everything the sources confirm (uncertain records left out)."""
    return Filters(include_uncertain=False)


# --------------------------------------------------------------------------- reading the graph

@dataclass
class ReportSource:
    """Everything the report reads from a store, once: the network helpers' answer and the report's own."""

    raw: Raw
    grants: list[dict[str, Any]]
    trials: dict[str, dict[str, Any]]
    declared: list[dict[str, Any]]
    concepts: dict[str, str]
    about: dict[str, str]


def _key(raw: Raw):
    from .iris import Minter

    mint = Minter(raw.base)
    return lambda iri: mint.record_id(iri) or iri


def _rows(store, name: str) -> list[dict[str, Any]]:
    """The rows of helper query ``name`` as dicts of strings (None where unbound)."""
    return run_query(store, name)


def read(store, base: str | None = None) -> ReportSource:
    """Run the report's SPARQL helpers on ``store`` (a :class:`kg.store.Store`, or an rdflib Dataset)."""
    raw = fetch(store, base)
    key = _key(raw)
    grants: dict[str, dict[str, Any]] = {}
    for r in _rows(store, "_report-grants"):
        g = grants.setdefault(r["grant"], {"iri": r["grant"], "id": key(r["grant"]), "name": None, "funder": None,
                                           "items": set(), "programme": None, "number": None, "amount": None,
                                           "currency": None, "start": None, "end": None, "uncertain": False,
                                           "sources": set()})
        g["items"].add(key(r["item"]))
        g["uncertain"] |= is_true(r["uncertain"])
        if r["source"]:
            g["sources"].add(r["source"])
        for k, v in (("name", r["name"]), ("funder", r["funder"] and key(r["funder"])),
                     ("programme", r["programme"] and key(r["programme"])),
                     ("number", r["number"] or r["reference"]), ("currency", r["currency"]),
                     ("start", r["start"]), ("end", r["end"])):
            if v and (g[k] is None or v < g[k]):   # the smallest value: a stable choice where a source repeats one
                g[k] = v
        if r["amount"] and g["amount"] is None:
            g["amount"] = _decimal(r["amount"])
    grant_list = [{**g, "items": sorted(g["items"]), "sources": sorted(g["sources"])}
                  for _, g in sorted(grants.items())]

    trials: dict[str, dict[str, Any]] = {}
    for r in _rows(store, "_report-trials"):
        t = trials.setdefault(key(r["trial"]), {"status": None, "phases": set()})
        if r["status"]:
            t["status"] = r["statusLabel"] or _tail(r["status"])
        if r["phase"]:
            t["phases"].add(r["phaseLabel"] or _tail(r["phase"]))
    for t in trials.values():
        t["phases"] = sorted(t["phases"])

    declared = []
    for r in _rows(store, "_report-declared-sizes"):
        value = _decimal(r["value"])
        if value is None:
            continue
        declared.append({"observation": r["observation"], "about": key(r["about"]),
                         "property": "partners" if r["property"].endswith("partnerCount") else "countries",
                         "value": int(value), "date": r["date"], "source": r["source"]})
    declared.sort(key=lambda d: (d["about"], d["property"], d["value"], d["date"] or "", d["source"] or ""))
    concepts = {r["concept"]: r["label"] for r in _rows(store, "_report-concepts") if r["label"]}
    about: dict[str, str] = {}
    for r in _rows(store, "_report-about"):
        for k in ("title", "version", "license", "modified"):
            if r[k] and (k not in about or r[k] > about[k]):
                about[k] = r[k]
    return ReportSource(raw, grant_list, trials, declared, concepts, about)


def _tail(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/"))[-1].replace("-", " ")


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "") else None
    except InvalidOperation:
        return None


# --------------------------------------------------------------------------- what the page shows

def _day(date: str | None, end: bool = False) -> str | None:
    """An ISO date of any precision (2021, 2021-10, 2021-10-04) as a day: the first of the period, or its last."""
    if not date:
        return None
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date)
    if not m:
        return None
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    if d:
        return f"{y:04d}-{int(mo):02d}-{int(d):02d}"
    if mo:
        return f"{y:04d}-{int(mo):02d}-{calendar.monthrange(y, int(mo))[1] if end else 1:02d}"
    return f"{y:04d}-12-31" if end else f"{y:04d}-01-01"


def _money(amount: Decimal) -> float | int:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


@dataclass
class Report:
    """The report's content for one set of filters: figures for people (and tests), data for the page."""

    title: str
    meta: dict[str, Any]
    figures: dict[str, Any]
    countries: list[dict[str, Any]]
    links: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    undated: list[dict[str, Any]]
    lineage: list[dict[str, Any]]
    funding: dict[str, Any]
    completeness: dict[str, Any]
    matrix: dict[str, Any]
    entities: dict[str, list[dict[str, Any]]]
    sources: list[list[str]]
    geo: dict[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """What the page's script reads: everything but the geometry and the timeline (the chart specs carry
        them), long tables packed as columns + rows (the script unpacks them), fields it does not show left out."""
        grant_keys = ("funder", "items", "programme_path", "name", "number", "amount", "currency", "sources")
        funding = {**{k: v for k, v in self.funding.items() if k not in ("grants", "rows")},
                   "grants": _pack(self.funding["grants"], grant_keys)}
        entities = {}
        for kind, rows in self.entities.items():
            keys = sorted({k for r in rows for k in r})
            entities[kind] = _pack(rows, keys)
        return {"title": self.title, "meta": self.meta, "figures": self.figures,
                "countries": [{k: v for k, v in c.items() if k not in ("lon", "lat")} for c in self.countries],
                "undated": self.undated, "lineage": self.lineage, "funding": funding, "completeness": self.completeness,
                "matrix": self.matrix, "entities": entities, "sources": self.sources}


def _pack(rows: list[dict[str, Any]], keys: Iterable[str]) -> dict[str, Any]:
    """Rows as ``{"cols": [...], "rows": [[...], ...]}``: a long table without its keys repeated on every row."""
    cols = list(keys)
    return {"cols": cols, "rows": [[r.get(k) for k in cols] for r in rows]}


def build_report(src: ReportSource, filters: Filters | None = None, title: str | None = None,
                 focus: str | None = None, depth: int = 1) -> Report:
    """Apply ``filters`` (default :func:`default_filters`; ``focus``/``depth`` as in the network views)
    and compute every section of the report."""
    from . import geo
    from .network import neighbourhood

    f = filters or default_filters()
    raw = src.raw
    G = landscape(raw, f)
    if focus is not None:
        G = neighbourhood(G, focus, depth)
    nodes = {k: d for k, d in G.nodes(data=True)}
    orgs = {k for k, d in nodes.items() if d["kind"] in ORGANISATION_KINDS}
    items = {k for k, d in nodes.items() if d["kind"] in ITEM_KINDS}
    programmes = {k for k, d in nodes.items() if d["kind"] == "programme"}

    # participations kept by the filters: member -> item, with roles
    parts: list[dict[str, Any]] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if k in PARTICIPATION_ROLES:
            parts.append({"member": u, "thing": v, "role": k, "uncertain": bool(d.get("uncertain")),
                          "sources": d.get("sources", [])})
    parts.sort(key=lambda p: (p["thing"], p["member"], p["role"]))
    in_items = [p for p in parts if p["thing"] in items and p["member"] in orgs]
    if f.programme is not None or f.year is not None or focus is not None or (f.kinds and f.kinds & ITEM_KINDS):
        # a filter on projects and trials: the organisations are those taking part in what is left (the
        # network views keep every organisation still linked to anything, which would count GMS's members)
        orgs &= {p["member"] for p in in_items}
    relations = [(u, k, v) for u, v, k in G.edges(keys=True) if k not in PARTICIPATION_ROLES]

    source_index: dict[str, int] = {}
    source_table: list[list[str]] = []

    def srcs(iris: Iterable[str]) -> list[int]:
        out = []
        for iri in sorted(set(iris)):
            if iri not in source_index:
                s = raw.sources.get(iri, {})
                source_index[iri] = len(source_table)
                source_table.append([s.get("title") or iri, s.get("url") or ""])
            out.append(source_index[iri])
        return out

    def label(k: str) -> str:
        return str(nodes[k]["label"]) if k in nodes else str(raw.nodes.get(k, {}).get("label", k))

    def countries_of(k: str) -> list[str]:
        return sorted({geo.normalise(c) for c in nodes[k].get("countries", [])})

    # --- countries: organisations, participations, trials; cross-border links
    per: dict[str, dict[str, Any]] = defaultdict(lambda: {"organisations": set(), "participations": 0,
                                                          "items": set(), "trials": set()})
    for o in orgs:
        for c in countries_of(o):
            per[c]["organisations"].add(o)
    for p in in_items:
        for c in countries_of(p["member"]):
            per[c]["participations"] += 1
            per[c]["items"].add(p["thing"])
    for t in items:
        if nodes[t]["kind"] == "trial":
            for c in countries_of(t):
                per[c]["trials"].add(t)
    item_countries: dict[str, set[str]] = defaultdict(set)
    for p in in_items:
        if p["role"] in CONSORTIUM_ROLES or (f.roles is not None and p["role"] in f.roles):
            item_countries[p["thing"]].update(countries_of(p["member"]))
    pair_items: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in sorted(item_countries):
        cs = sorted(item_countries[item])
        for i, a in enumerate(cs):
            for b in cs[i + 1:]:
                pair_items[(a, b)].append(item)
    geodata = geo.map_data(per.keys())
    cent, names = geodata["centroids"], geodata["names"]
    countries = []
    for c in sorted(per, key=lambda c: (-len(per[c]["organisations"]), -per[c]["participations"], c)):
        e = per[c]
        org_names = sorted((str(nodes[o].get("name") or label(o)) for o in e["organisations"]), key=str.casefold)
        shown = org_names[:TOOLTIP_NAMES]
        more = len(org_names) - len(shown)
        countries.append({
            "code": c, "name": names.get(c, country_name(c)), "organisations": len(e["organisations"]),
            "participations": e["participations"], "items": len(e["items"]), "trials": len(e["trials"]),
            "org_ids": sorted(e["organisations"], key=lambda o: str(nodes[o].get("name") or label(o)).casefold()),
            "org_list": "\n".join(shown) + (f"\n\u2026 and {more} more (click the country)" if more else ""),
            "lon": cent[c][0] if c in cent else None, "lat": cent[c][1] if c in cent else None,
            "europe": geo.in_europe(c), "shape": c in cent,
        })
    links = []
    for (a, b), its in sorted(pair_items.items(), key=lambda x: (-len(x[1]), x[0])):
        if a in cent and b in cent:
            links.append({"a": a, "b": b, "a_name": names[a], "b_name": names[b], "weight": len(its),
                          "items": ", ".join(label(i) for i in its[:LINK_MAX_NAMES])
                          + (f" \u2026 and {len(its) - LINK_MAX_NAMES} more" if len(its) > LINK_MAX_NAMES else ""),
                          "a_lon": cent[a][0], "a_lat": cent[a][1], "b_lon": cent[b][0], "b_lat": cent[b][1],
                          "europe": geo.in_europe(a) and geo.in_europe(b)})

    # --- programmes of each item (part of / funded under, up the programme tree)
    up: dict[str, set[str]] = defaultdict(set)
    for u, k, v in relations:
        if k in ("part-of", "funded-under"):
            up[u].add(v)

    def programmes_of(k: str) -> list[str]:
        seen, todo, out = set(), [k], []
        while todo:
            for parent in sorted(up.get(todo.pop(), ())):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
                    if parent in programmes:
                        out.append(parent)
        return out

    def top_programme(k: str) -> str | None:
        ps = programmes_of(k)
        if not ps:
            return None
        roots = [p for p in ps if not any(q in programmes for q in up.get(p, ()))]
        return label(min(roots or ps, key=lambda p: label(p).casefold()))

    # --- timeline and lineage
    rel_out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    lineage = []
    for u, k, v in sorted(relations):
        if k in ("successor-of", "inspired-by"):
            rel_out[u].append((k, v))
            lineage.append({"from": label(u), "from_id": u, "relation": k.replace("-", " "), "to": label(v),
                            "to_id": v, "from_start": nodes[u].get("start_date"),
                            "to_start": nodes[v].get("start_date")})
    dates = [d for k in items for d in (nodes[k].get("start_date"), nodes[k].get("end_date")) if d]
    horizon = _day(raw.date) or (_day(max(dates), end=True) if dates else None)
    timeline: list[dict[str, Any]] = []
    undated: list[dict[str, Any]] = []
    for k in sorted(items, key=lambda k: (_day(nodes[k].get("start_date")) or "9999", label(k).casefold())):
        d = nodes[k]
        trial = src.trials.get(k, {})
        rels = "; ".join(f"{r.replace('-', ' ')} {label(v)}" for r, v in rel_out.get(k, []))
        row = {"id": k, "label": label(k), "name": d.get("name", k), "kind": d["kind"],
               "kind_label": KIND_LABEL.get(d["kind"], d["kind"]),
               "programme": top_programme(k) or "no programme", "status": trial.get("status") or "",
               "phase": ", ".join(trial.get("phases", [])), "relations": rels,
               "start": d.get("start_date"), "end": d.get("end_date")}
        start, end = _day(d.get("start_date")), _day(d.get("end_date"), end=True)
        if not start and not end:
            undated.append(row)
            continue
        open_end = end is None
        row.update({
            "x": start or end, "x2": end or max(horizon or start or "", start or ""),
            "open_end": open_end, "open_start": start is None,
            "order": len(timeline),
            "note": " \u00b7 ".join(x for x in (
                row["status"], "\u2192 end not known" if open_end else "", "start not known" if start is None else "",
                rels) if x),
        })
        timeline.append(row)
    dated = len(timeline)
    if dated > TIMELINE_MAX_ITEMS:   # a bar per item stops being readable: keep the largest consortia
        size = Counter(p["thing"] for p in in_items)
        keep = set(sorted((r["id"] for r in timeline), key=lambda k: (-size[k], k))[:TIMELINE_MAX_ITEMS])
        timeline = [r for r in timeline if r["id"] in keep]
        for i, r in enumerate(timeline):
            r["order"] = i

    # --- funding
    funding = _funding(src, nodes, orgs, items, in_items, f, label, programmes_of, srcs)

    # --- consortium completeness from declared sizes
    completeness = _completeness(src, nodes, in_items, countries_of, label, srcs)

    # --- consortium matrix
    matrix = _matrix(nodes, in_items, label, countries_of)

    # --- entities with registry links and sources
    entities = _entities(src, nodes, orgs, items, programmes, label, countries_of, srcs, programmes_of)

    # --- headline figures
    kinds = Counter(nodes[k]["kind"] for k in items)
    left_nodes = sum(1 for d in raw.nodes.values() if d["uncertain"])
    left_parts = sum(1 for p in raw.participations if p["uncertain"])
    figures = {
        "organisations": len(orgs), "funders": sum(1 for o in orgs if nodes[o]["kind"] == "funder"),
        "projects": kinds["project"], "collaborations": kinds["collaboration"], "initiatives": kinds["initiative"],
        "trials": kinds["trial"], "programmes": len(programmes), "participations": len(in_items),
        "countries": len({c for o in orgs for c in countries_of(o)}),
        "trial_countries": len({c for k in items if nodes[k]["kind"] == "trial" for c in countries_of(k)}),
        "cross_border_items": sum(1 for cs in item_countries.values() if len(cs) > 1),
        "country_pairs": len(pair_items),
        "funding": funding["totals"], "grants": funding["grant_count"], "grants_unknown": funding["unknown_count"],
        "funding_unrecorded": funding["unrecorded_count"],
        "completeness": completeness["headline"],
        "uncertain_left_out": None if f.include_uncertain else {"records": left_nodes, "participations": left_parts},
    }
    filt = {k: ", ".join(sorted(v)) for k, v in (("kinds", f.kinds), ("countries", f.countries), ("roles", f.roles))
            if v is not None}
    if f.year is not None:
        filt["year"] = str(f.year)
    if f.programme is not None:
        filt["programme"] = f.programme
    if focus is not None:
        filt["focus"] = f"{G.graph.get('focus', focus)} (depth {depth})"
    filt["uncertain"] = "included" if f.include_uncertain else "left out"
    meta = {"date": raw.date or _epoch_date(), "filters": filt, "about": src.about,
            "missing_shapes": geodata["missing"], "outside_europe": geodata["outside_europe"],
            "horizon": horizon, "timeline_dated": dated, "timeline_shown": len(timeline)}
    heading = title or "pmkg \u00b7 the precision-medicine collaboration landscape"
    rep = Report(heading, meta, figures, countries, links, timeline, undated, lineage, funding, completeness,
                 matrix, entities, source_table, geodata)
    return rep


def _epoch_date() -> str | None:
    import os
    from datetime import datetime, timezone

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat() if epoch else None


def _funding(src: ReportSource, nodes, orgs, items, in_items, f: Filters, label, programmes_of,
             srcs) -> dict[str, Any]:
    """Grants kept by the filters, totals per currency, and rows per funder / programme / project."""
    grants = []
    for g in src.grants:
        if g["uncertain"] and not f.include_uncertain:
            continue
        funded = [i for i in g["items"] if i in nodes and (i in items or i in orgs)]
        if not funded or g["funder"] not in orgs:
            continue
        prog = g["programme"]
        grants.append({
            "id": g["id"], "name": g["name"] or g["id"], "funder": label(g["funder"]), "funder_id": g["funder"],
            "items": [label(i) for i in funded], "item_ids": funded,
            "programme": label(prog) if prog else "", "programme_path": " \u2190 ".join(
                label(p) for p in ([prog] + programmes_of(prog) if prog else [])),
            "number": g["number"] or "", "amount": _money(g["amount"]) if g["amount"] is not None else None,
            "currency": g["currency"] or "", "start": g["start"] or "", "end": g["end"] or "",
            "sources": srcs(g["sources"]), "record": True,
        })
    # funders named as participants with no grant record behind them: funding whose amount is not known
    recorded = {(g["funder_id"], i) for g in grants for i in g["item_ids"]}
    for p in in_items:
        if p["role"] == "funder" and (p["member"], p["thing"]) not in recorded:
            recorded.add((p["member"], p["thing"]))
            grants.append({
                "id": "", "name": "(no grant record)", "funder": label(p["member"]), "funder_id": p["member"],
                "items": [label(p["thing"])], "item_ids": [p["thing"]], "programme": "", "programme_path": "",
                "number": "", "amount": None, "currency": "", "start": "", "end": "",
                "sources": srcs(p.get("sources", [])), "record": False,
            })
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for g in grants:
        if g["amount"] is not None:
            totals[g["currency"]] += Decimal(str(g["amount"]))
    rows = []
    for by in ("funder", "programme", "project"):
        acc: dict[tuple[str, str], dict[str, Any]] = {}
        for g in grants:
            groups = g["items"] if by == "project" else [g[by] or "no programme"]
            for grp in groups:
                panel = g["currency"] if g["amount"] is not None else "amount not known"
                r = acc.setdefault((grp, panel), {"by": by, "group": grp, "panel": panel, "total": Decimal(0),
                                                  "grants": 0})
                r["grants"] += 1
                if g["amount"] is not None:
                    r["total"] += Decimal(str(g["amount"]))
        weight: Counter[str] = Counter()
        for (grp, _), r in acc.items():
            weight[grp] += r["grants"]
        top = set(sorted(weight, key=lambda g: (-weight[g], g))[:FUNDING_MAX_GROUPS])
        rest = len(weight) - len(top)
        others: dict[str, dict[str, Any]] = {}
        for (grp, panel), r in sorted(acc.items()):
            if grp not in top:   # the long tail, summed per currency so nothing is hidden
                o = others.setdefault(panel, {"by": by, "group": f"{rest} other {by}s", "panel": panel,
                                              "total": Decimal(0), "grants": 0})
                o["total"] += r["total"]
                o["grants"] += r["grants"]
                continue
            rows.append({**r, "total": _money(r["total"]) if panel != "amount not known" else r["grants"]})
        for panel, o in sorted(others.items()):
            rows.append({**o, "total": _money(o["total"]) if panel != "amount not known" else o["grants"]})
    return {"grants": sorted(grants, key=lambda g: (g["funder"].casefold(), g["items"], g["id"])),
            "rows": rows,
            "totals": [{"currency": c, "amount": _money(totals[c]),
                        "grants": sum(1 for g in grants if g["currency"] == c and g["amount"] is not None)}
                       for c in sorted(totals)],
            "grant_count": sum(1 for g in grants if g["record"]),
            "unknown_count": sum(1 for g in grants if g["amount"] is None and g["record"]),
            "unrecorded_count": sum(1 for g in grants if not g["record"]),
            "shared_grants": sum(1 for g in grants if len(g["items"]) > 1)}


def _completeness(src: ReportSource, nodes, in_items, countries_of, label, srcs) -> dict[str, Any]:
    """Declared consortium sizes against the participants and countries the graph knows (certain ones, by default)."""
    members: dict[str, set[str]] = defaultdict(set)
    for p in in_items:
        if p["role"] in CONSORTIUM_ROLES:
            members[p["thing"]].add(p["member"])
    by_item: dict[str, dict[str, list[dict]]] = defaultdict(lambda: {"partners": [], "countries": []})
    for d in src.declared:
        if d["about"] in nodes:
            by_item[d["about"]][d["property"]].append(d)
    rows = []
    declared_total = known_total = 0
    for k in sorted(by_item, key=lambda k: label(k).casefold()):
        known = len(members[k])
        known_c = len({c for o in members[k] for c in countries_of(o)})
        row: dict[str, Any] = {"id": k, "label": label(k), "kind": nodes[k]["kind"],
                               "known_partners": known, "known_countries": known_c}
        for prop, have in (("partners", known), ("countries", known_c)):
            obs = by_item[k][prop]
            values = sorted({o["value"] for o in obs})
            ends = values[:1] + values[-1:] if len(values) > 1 else values
            row[f"declared_{prop}"] = "\u2013".join(str(v) for v in ends)
            row[f"{prop}_pct"] = round(100 * have / values[-1]) if values and values[-1] else None
            row[f"{prop}_sources"] = srcs(o["source"] for o in obs if o["source"])
            row[f"{prop}_dates"] = ", ".join(sorted({o["date"] for o in obs if o["date"]}))
            if prop == "partners" and values:
                declared_total += values[-1]
                known_total += min(known, values[-1])
        rows.append(row)
    headline = None
    if declared_total:
        headline = {"known": known_total, "declared": declared_total,
                    "items": sum(1 for r in rows if r["declared_partners"]),
                    "pct": round(100 * known_total / declared_total)}
    return {"rows": rows, "headline": headline}


def _matrix(nodes, in_items, label, countries_of) -> dict[str, Any]:
    """Organisations x projects/trials with roles; at most :data:`MATRIX_MAX_ITEMS` columns."""
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in in_items:
        roles[(p["member"], p["thing"])].add(p["role"])
    size = Counter(t for _, t in roles)
    all_items = sorted(size, key=lambda t: (-size[t], label(t).casefold()))
    cols = all_items[:MATRIX_MAX_ITEMS]
    kind_order = {"project": 0, "collaboration": 1, "initiative": 2, "trial": 3}
    cols.sort(key=lambda t: (kind_order.get(nodes[t]["kind"], 9), nodes[t].get("start_date") or "9999",
                             label(t).casefold()))
    col_index = {t: i for i, t in enumerate(cols)}
    rows: dict[str, dict[str, Any]] = {}
    for (o, t), rs in roles.items():
        if t not in col_index:
            continue
        r = rows.setdefault(o, {"id": o, "label": label(o), "name": nodes[o].get("name", o),
                                "countries": countries_of(o), "cells": {}})
        r["cells"][str(col_index[t])] = sorted(rs)
    row_list = sorted(rows.values(), key=lambda r: (-len(r["cells"]), r["label"].casefold()))
    return {"items": [{"id": t, "label": label(t), "kind": nodes[t]["kind"], "size": size[t]} for t in cols],
            "rows": row_list, "total_items": len(all_items), "abbrev": ROLE_ABBREV,
            "role_labels": {r: PARTICIPATION_ROLES[r] for r in ROLE_ABBREV}}


def _ids(d: dict) -> list[list[str]]:
    out = []
    for k, name, tpl in ID_LINKS:
        v = d.get(k)
        if v:
            url = tpl.format(v)
            out.append([name, str(v).rsplit("/", 1)[-1] if k in ("ror", "wikidata") else str(v),
                        url if url.startswith(("https://", "http://")) else ""])
    return out


def _programme_text(names: list[str]) -> str:
    """The programme an item is under, and the root of that programme tree when it is another."""
    if not names:
        return ""
    return names[0] if len(names) == 1 else f"{names[0]} \u2190 {names[-1]}"


def _entities(src: ReportSource, nodes, orgs, items, programmes, label, countries_of, srcs, programmes_of):
    def base(k: str) -> dict[str, Any]:
        d = nodes[k]
        return {"id": k, "label": label(k), "name": d.get("name", k), "iri": d.get("iri", ""),
                "ids": _ids(d), "sources": srcs(d.get("sources", []))}

    def kind_label(d: dict) -> str:
        ok = d.get("org_kind")
        return src.concepts.get(f"https://w3id.org/pmkg/concept/orgkind/{ok}", ok.replace("-", " ")) if ok else ""

    def by_name(ks: Iterable[str]) -> list[str]:
        return sorted(ks, key=lambda k: (label(k).casefold(), k))

    out: dict[str, list[dict[str, Any]]] = {"organisations": [], "items": [], "trials": [], "programmes": []}
    for k in by_name(orgs):
        out["organisations"].append({**base(k), "countries": countries_of(k), "kind": kind_label(nodes[k]),
                                     "funder": nodes[k]["kind"] == "funder"})
    for k in by_name(items):
        d = nodes[k]
        row = {**base(k), "kind": KIND_LABEL.get(d["kind"], d["kind"]), "start": d.get("start_date") or "",
               "end": d.get("end_date") or "", "programmes": _programme_text([label(p) for p in programmes_of(k)])}
        if d["kind"] == "trial":
            t = src.trials.get(k, {})
            row.update({"status": t.get("status") or "", "phase": ", ".join(t.get("phases", [])),
                        "countries": countries_of(k)})
            out["trials"].append(row)
        else:
            out["items"].append(row)
    for k in by_name(programmes):
        out["programmes"].append(base(k))
    return out


# --------------------------------------------------------------------------- charts (Vega-Lite specs)

def _tooltip_country() -> list[dict[str, Any]]:
    return [{"field": "name", "title": "country"}, {"field": "organisations", "type": "quantitative"},
            {"field": "participations", "type": "quantitative", "title": "participations in projects and trials"},
            {"field": "items", "type": "quantitative", "title": "projects and trials"},
            {"field": "trials", "type": "quantitative", "title": "trials run there"},
            {"field": "org_list", "title": "their names"}]


_METRIC_PARAM = {"name": "metric", "value": "organisations",
                 "bind": {"input": "radio", "options": ["organisations", "participations", "trials"],
                          "name": "Shade countries by "}}


def _map_spec(rep: Report, world: bool) -> dict[str, Any] | None:
    g = rep.geo
    topo = g["world"] if world else g["europe"]
    if topo is None:
        return None
    rows = [{k: c[k] for k in ("code", "name", "organisations", "participations", "items", "trials", "org_list",
                               "lon", "lat")} for c in rep.countries if c["shape"]]
    if world:
        rows_here = rows
        links = [ln for ln in rep.links if not ln["europe"]]
        proj: dict[str, Any] = {"type": "equalEarth"}
        width, height = 640, 340
    else:
        rows_here = [r for r, c in zip(rows, [c for c in rep.countries if c["shape"]]) if c["europe"]]
        links = [ln for ln in rep.links if ln["europe"]]
        lon0, lat0, lon1, lat1 = _europe_extent()
        proj = {"type": "azimuthalEqualArea", "rotate": [-12, -52, 0],
                "fit": {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": [
                    [lon0, lat0], [lon1, lat0], [lon0, lat1], [lon1, lat1], [(lon0 + lon1) / 2, lat1],
                    [(lon0 + lon1) / 2, lat0]]}}}
        width, height = 760, 600
    lookup_fields = ["name", "organisations", "participations", "items", "trials", "org_list"]
    shapes = {"name": "shapes"}
    layers: list[dict[str, Any]] = [
        {"data": shapes, "mark": {"type": "geoshape", "fill": "#e8e8e8", "stroke": "#ffffff", "strokeWidth": 0.6},
         "encoding": {"tooltip": {"field": "properties.name", "title": "country"}}},
        {"data": shapes, "name": "countries",
         "transform": [{"lookup": "id", "from": {"data": {"name": "figures"}, "key": "code", "fields": lookup_fields}},
                       {"filter": "isValid(datum.organisations)"},
                       {"calculate": "datum[metric]", "as": "value"}],
         "params": [{"name": "pick",
                     "select": {"type": "point", "fields": ["id"], "on": "click", "clear": "dblclick"}}],
         "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.6, "cursor": "pointer"},
         "encoding": {
             "color": {"field": "value", "type": "quantitative", "title": None,
                       "scale": {"scheme": "blues", "type": "sqrt", "zero": True},
                       "legend": {"orient": "top-left" if not world else "bottom-left", "direction": "vertical",
                                  "gradientLength": 120, "offset": 4}},
             "strokeWidth": {"condition": {"param": "pick", "empty": False, "value": 2.5}, "value": 0.6},
             "stroke": {"condition": {"param": "pick", "empty": False, "value": "#d62728"}, "value": "#ffffff"},
             "tooltip": _tooltip_country()}},
    ]
    if g.get("world_extra") and world:
        layers.append({"data": {"name": "extra"},
                       "transform": [{"lookup": "id", "from": {"data": {"name": "figures"}, "key": "code",
                                                               "fields": lookup_fields}},
                                     {"filter": "isValid(datum.organisations)"},
                                     {"calculate": "datum[metric]", "as": "value"}],
                       "mark": {"type": "geoshape", "stroke": "#555555", "strokeWidth": 0.4},
                       "encoding": {"color": {"field": "value", "type": "quantitative", "legend": None,
                                              "scale": {"scheme": "blues", "type": "sqrt", "zero": True}},
                                    "tooltip": _tooltip_country()}})
    if links:
        layers.append({"data": {"values": links}, "mark": {"type": "rule", "color": "#d95f02", "strokeCap": "round"},
                       "encoding": {
                           "longitude": {"field": "a_lon", "type": "quantitative"},
                           "latitude": {"field": "a_lat", "type": "quantitative"},
                           "longitude2": {"field": "b_lon"}, "latitude2": {"field": "b_lat"},
                           "strokeWidth": {"field": "weight", "type": "quantitative",
                                           "title": "shared projects and trials",
                                           "scale": {"range": [1, 7], "zero": False},
                                           "legend": {"orient": "bottom-right", "symbolType": "stroke", "format": "d",
                                                      "tickMinStep": 1}},
                           "opacity": {"value": 0.55},
                           "tooltip": [{"field": "a_name", "title": "between"}, {"field": "b_name", "title": "and"},
                                       {"field": "weight", "type": "quantitative",
                                        "title": "shared projects and trials"},
                                       {"field": "items", "title": "shared"}]}})
    # a dot on each country of the data, so the small ones (Luxembourg, Malta) can be found and hovered
    layers.append({"data": {"values": rows_here}, "mark": {"type": "circle", "stroke": "#08306b", "strokeWidth": 0.8,
                                                           "fill": "#ffffff", "size": 22, "cursor": "pointer"},
                   "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                                "latitude": {"field": "lat", "type": "quantitative"},
                                "tooltip": _tooltip_country()}})
    spec: dict[str, Any] = {
        "$schema": VEGA_LITE_SCHEMA, "width": width, "height": height, "projection": proj,
        "params": [_METRIC_PARAM],
        "datasets": {"figures": rows, **({"extra": g["world_extra"]} if world and g.get("world_extra") else {})},
        "layer": layers,
        "config": {"view": {"stroke": None}},
    }
    # the topology goes in once, as a named dataset read with its format
    spec["datasets"]["topology"] = topo
    for layer in layers:
        if layer.get("data") == shapes:
            layer["data"] = {"name": "topology", "format": {"type": "topojson", "feature": "countries"}}
        elif layer.get("data") == {"name": "extra"}:
            layer["data"] = {"name": "extra", "format": {"type": "topojson", "feature": "countries"}}
    for layer in layers:
        layer.pop("name", None)
        # shapes reach beyond the panel; without clipping the view would grow to hold them
        layer["mark"]["clip"] = True
    return spec


def _europe_extent() -> tuple[float, float, float, float]:
    from .geo import EUROPE

    return EUROPE


def _countries_spec(rep: Report) -> dict[str, Any]:
    rows = [{k: c[k] for k in ("code", "name", "organisations", "participations", "items", "trials", "org_list")}
            for c in rep.countries]
    return {
        "$schema": VEGA_LITE_SCHEMA, "width": 300, "height": {"step": 11},
        "data": {"values": rows},
        "transform": [{"fold": ["organisations", "participations"], "as": ["measure", "count"]}],
        "mark": {"type": "bar", "tooltip": False},
        "encoding": {
            "y": {"field": "name", "type": "nominal", "title": None,
                  "sort": {"field": "organisations", "order": "descending"}},
            "x": {"field": "count", "type": "quantitative", "title": None},
            "yOffset": {"field": "measure"},
            "color": {"field": "measure", "type": "nominal", "title": None,
                      "scale": {"range": ["#4e79a7", "#a0cbe8"]}, "legend": {"orient": "top"}},
            "tooltip": [{"field": "name", "title": "country"}, {"field": "measure"},
                        {"field": "count", "type": "quantitative"}],
        },
    }


def _timeline_spec(rep: Report) -> dict[str, Any] | None:
    if not rep.timeline:
        return None
    rows = [{k: r[k] for k in ("id", "label", "name", "kind_label", "programme", "status", "phase", "relations",
                              "start", "end", "x", "x2", "open_end", "open_start", "order", "note")}
            for r in rep.timeline]
    kinds = [k for k in ("project", "collaboration", "initiative", "trial")
             if any(r["kind"] == k for r in rep.timeline)]
    tooltip = [{"field": "name"}, {"field": "kind_label", "title": "kind"}, {"field": "programme"},
               {"field": "start", "title": "start"}, {"field": "end", "title": "end"},
               {"field": "status", "title": "trial status"}, {"field": "phase", "title": "phase"},
               {"field": "relations", "title": "related to"}]
    y = {"field": "label", "type": "nominal", "title": None, "sort": {"field": "order", "order": "ascending"},
         "axis": {"labelLimit": 220}}
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "bar", "cornerRadius": 2, "height": {"band": 0.7}},
         "encoding": {"y": y,
                      "x": {"field": "x", "type": "temporal", "title": None, "axis": {"orient": "top", "grid": True}},
                      "x2": {"field": "x2"},
                      "color": {"field": "group", "type": "nominal", "title": None,
                                "legend": {"orient": "bottom", "columns": 4, "labelLimit": 260}},
                      "opacity": {"condition": {"test": "datum.open_end", "value": 0.4}, "value": 0.95},
                      "tooltip": tooltip}},
        {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11, "color": "#444444", "limit": 420},
         "encoding": {"y": y, "x": {"field": "x2", "type": "temporal"}, "text": {"field": "note"}, "tooltip": tooltip}},
    ]
    if rep.meta.get("horizon"):
        layers.append({"data": {"values": [{"date": rep.meta["horizon"], "text": "data as of " + rep.meta["horizon"]}]},
                       "layer": [{"mark": {"type": "rule", "strokeDash": [4, 3], "color": "#888888"},
                                  "encoding": {"x": {"field": "date", "type": "temporal"}}}]})
    return {
        "$schema": VEGA_LITE_SCHEMA, "width": 760, "height": {"step": 20},
        "params": [{"name": "colourBy", "value": "kind",
                    "bind": {"input": "select", "options": ["kind", "programme"], "name": "Colour by "}}],
        "data": {"values": rows},
        "transform": [{"calculate": "colourBy == 'kind' ? datum.kind_label : datum.programme", "as": "group"}],
        "layer": layers,
        "usermeta": {"kinds": kinds},
    }


def _funding_spec(rep: Report) -> dict[str, Any] | None:
    rows = rep.funding["rows"]
    if not rows:
        return None
    panels = sorted({r["panel"] for r in rows if r["panel"] != "amount not known"}) + \
        (["amount not known"] if any(r["panel"] == "amount not known" for r in rows) else [])
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "params": [{"name": "groupBy", "value": "funder",
                    "bind": {"input": "select", "options": ["funder", "programme", "project"], "name": "Group by "}}],
        "data": {"values": rows},
        "transform": [{"filter": "datum.by == groupBy"},
                      {"calculate": "datum.panel == 'amount not known' ? datum.grants + ' grant' + "
                                    "(datum.grants == 1 ? '' : 's') : format(datum.total, ',.0f') + ' (' + "
                                    "datum.grants + ' grant' + (datum.grants == 1 ? '' : 's') + ')'",
                       "as": "text"}],
        "facet": {"column": {"field": "panel", "type": "nominal", "title": None, "sort": panels,
                             "header": {"labelFontWeight": "bold", "labelFontSize": 12,
                                        "labelExpr": "datum.value == 'amount not known'"
                                                     " ? 'amount not known (grants)' : datum.value"}}},
        "spacing": 14,
        "spec": {
            "width": 170, "height": {"step": 18},
            "layer": [
                {"mark": {"type": "bar", "color": "#4e79a7"},
                 "encoding": {"x": {"field": "total", "type": "quantitative", "title": None,
                                    "axis": {"format": "~s", "tickCount": 3}}}},
                {"mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10, "color": "#333333"},
                 "encoding": {"x": {"field": "total", "type": "quantitative"}, "text": {"field": "text"}}},
            ],
            "encoding": {"y": {"field": "group", "type": "nominal", "title": None, "axis": {"labelLimit": 220}},
                         "tooltip": [{"field": "group", "title": "who / what"}, {"field": "panel", "title": "currency"},
                                     {"field": "total", "type": "quantitative", "format": ",.2f",
                                      "title": "amount (or grants)"},
                                     {"field": "grants", "type": "quantitative", "title": "grants"}]},
        },
        "resolve": {"scale": {"x": "independent"}},
    }


def chart_specs(rep: Report) -> dict[str, dict[str, Any]]:
    """The report's charts as Vega-Lite specs with their data inline, by name (:data:`CHARTS`); charts
    with nothing to draw are left out."""
    specs = {"map": _map_spec(rep, world=False), "world": _map_spec(rep, world=True),
             "countries": _countries_spec(rep) if rep.countries else None,
             "timeline": _timeline_spec(rep), "funding": _funding_spec(rep)}
    return {k: v for k, v in specs.items() if v is not None}


def chart_image(spec: dict[str, Any], fmt: str, scale: float = 2.0) -> bytes:
    """One chart as SVG or PNG, rendered by vl-convert (``pip install 'pmkg[images]'``)."""
    try:
        import vl_convert as vlc
    except ImportError:
        raise RuntimeError("SVG and PNG charts need vl-convert-python: pip install 'pmkg[images]' "
                           "(or open the report page and use a chart's \u2026 menu)") from None
    spec = _static(spec)
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION).encode("utf-8")
    if fmt == "png":
        return vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale)
    raise ValueError(f"unknown image format {fmt!r}; expected svg or png")


def _static(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` without input bindings (a picture has no controls; the default values are drawn)."""
    out = json.loads(json.dumps(spec))
    for p in out.get("params", []):
        p.pop("bind", None)
    return out


# --------------------------------------------------------------------------- the page

def render(rep: Report, renderer: str = "svg") -> str:
    """The HTML of the report page for ``rep``; charts drawn as SVG (crisp in print and PDF) or ``canvas``."""
    return pages.render(
        TEMPLATE, title=rep.title, meta=rep.meta, figures=rep.figures, renderer=renderer,
        data_json=script_json(rep.data()), specs_json=script_json(chart_specs(rep)),
        vega_js=inline_script(VEGA / "vega.min.js"), vega_lite_js=inline_script(VEGA / "vega-lite.min.js"),
        vega_embed_js=inline_script(VEGA / "vega-embed.min.js"),
    )


def report_page(store, filters: Filters | None = None, title: str | None = None, base: str | None = None,
                focus: str | None = None, depth: int = 1) -> str:
    """The report page for ``store`` (a :class:`kg.store.Store` or an rdflib Dataset) as one HTML string.

    ``filters`` are the network views' (:class:`kg.network.Filters`); None means
    :func:`default_filters` (everything the sources confirm).
    """
    return render(build_report(read(store, base), filters, title, focus, depth))


def write_report(path: Path | str, html: str) -> Path:
    """Write the page atomically."""
    from .files import atomic_write

    return atomic_write(path, html)


__all__ = [
    "CHARTS",
    "Report",
    "ReportSource",
    "build_report",
    "chart_image",
    "chart_specs",
    "default_filters",
    "read",
    "render",
    "report_page",
    "write_report",
]

