"""From RDF to NetworkX: the collaboration network as typed, weighted graphs, read through SPARQL.

Three projections of the same few queries (``queries/_network-*.rq``), never a triple-by-triple copy:

* :func:`landscape`: a ``MultiDiGraph`` of organisations, funders, projects, collaborations,
  initiatives, trials and programmes, with one edge per role or relation (an organisation that is
  both partner and site of a trial has two edges). Participation edges point from the member to
  what it takes part in (``gms -partner-> testbed``). Literals (names, countries, identifiers,
  dates) are node attributes, never nodes.
* :func:`organisations`: organisation-organisation co-participation (an undirected ``Graph``);
  ``weight`` is the number of projects and trials two organisations share, ``shared`` lists them.
* :func:`bipartite`: organisations and the projects and trials they take part in.

Node keys are record ids (``gms``), or the full IRI for anything not minted under the base.
List-valued attributes (countries, sources, shared items) are Python lists in memory;
:func:`export_network` flattens them for GraphML and GEXF, which only hold scalars.
"""
from __future__ import annotations

import difflib
import io
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from itertools import combinations
from typing import Any

import networkx as nx
from rdflib import Dataset

from . import countries, paths
from .config import default_base
from .export import base_of
from .memstore import MemoryStore
from .options import NETWORK_FORMATS, NODE_KINDS, PARTICIPATION_ROLES, RELATIONS, VIEWS
from .prefixes import CONCEPT, VOCAB_PREFIXES, instance_prefixes
from .store import Store, is_true

KINDS = NODE_KINDS
ORGANISATION_KINDS = frozenset({"organisation", "funder"})
ITEM_KINDS = frozenset({"project", "collaboration", "initiative", "trial"})
ROLES: dict[str, str] = {**PARTICIPATION_ROLES, **RELATIONS}
#: Roles that count as co-participation by default: funding a project is not collaborating in it.
DEFAULT_COPARTICIPATION_ROLES = frozenset(PARTICIPATION_ROLES) - {"funder"}

_FUNDER_ORGKINDS = frozenset({"funding-agency"})
_LIST_SEP = "; "


# --------------------------------------------------------------------------- reading the graph

def load_query(name: str) -> str:
    """The text of ``queries/<name>.rq`` (helpers declare their own prefixes, so they run anywhere)."""
    path = paths.queries_dir() / f"{name}.rq"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: a helper query of the network views is missing") from None


def _bound(row: dict[str, str | None], var: str) -> str:
    """``row[var]`` for a variable the helper query's required pattern binds in every row."""
    v = row[var]
    assert v is not None, f"?{var} unbound"
    return v


def run_query(store: Store, name: str) -> list[dict[str, str | None]]:
    """Run the helper query ``name`` on ``store``; rows as dicts of strings."""
    return as_store(store).query(load_query(name)).strings()


@dataclass
class Raw:
    """What the helper queries return, keyed by node key: the input of every projection."""

    nodes: dict[str, dict[str, Any]]
    participations: list[dict[str, Any]]
    relations: list[dict[str, Any]]
    sources: dict[str, dict[str, str]]
    date: str | None
    base: str
    #: item key -> the consortium sizes its sources declare: [{"property": "partners" or "countries",
    #: "value", "date", "source"}] (``schema:Observation`` nodes; see :func:`coverage`)
    declared: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _tail(iri: str | None, ns: str) -> str | None:
    return iri[len(ns):] if iri and iri.startswith(ns) else None


def _first(values: Iterable[str | None]) -> str | None:
    """The smallest non-empty value: a stable choice where a source repeats a field."""
    vs = sorted(v for v in values if v)
    return vs[0] if vs else None


_NODE_FIELDS = (("ror", "ror"), ("wikidata", "wikidata"), ("cordis", "cordis"), ("nct", "nct"),
                ("eudract", "eudract"), ("ctis", "ctis"), ("start", "start_date"), ("end", "end_date"))
#: Registry pages of the identifier attributes above, from the identifier alone (ROR and Wikidata
#: are stored as their URLs); the network page and the report both link them.
ID_LINKS = (
    ("ror", "ROR", "{}"),
    ("wikidata", "Wikidata", "{}"),
    ("cordis", "CORDIS", "https://cordis.europa.eu/project/id/{}"),
    ("nct", "ClinicalTrials.gov", "https://clinicaltrials.gov/study/{}"),
    ("eudract", "EudraCT", "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}"),
    ("ctis", "EU CT", "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={}"),
)


SCHEMA = VOCAB_PREFIXES["schema"]


def _kind(types: set[str], project_kind: str | None) -> str:
    if SCHEMA + "MedicalTrial" in types:
        return "trial"
    if SCHEMA + "Project" in types:
        kind = _tail(project_kind, CONCEPT + "projectkind/") or "project"
        return kind if kind in KINDS else "project"
    if SCHEMA + "Organization" in types:
        return "organisation"
    return "programme"


def node_key(iri: str, base: str) -> str:
    """The node key of an entity: its record id when minted under ``base``, else its IRI."""
    ns = instance_prefixes(base)["pm"]
    rest = iri[len(ns):] if iri.startswith(ns) else ""
    return rest if rest and re.fullmatch(r"[a-z0-9][a-z0-9-]*", rest) else iri


def as_store(source: Store | Dataset) -> Store:
    """``source`` as a store: a store as it is, an rdflib Dataset (``kg.build.build()``) in rdflib's."""
    return MemoryStore(source, base_of(source)) if isinstance(source, Dataset) else source


def fetch(source: Store | Dataset, base: str | None = None) -> Raw:
    """Read nodes, participations, relations, sources and the release date from ``source`` (a store,
    or an rdflib Dataset)."""
    source = as_store(source)
    base = base or getattr(source, "base", None) or default_base()
    ORGKIND, ROLE = CONCEPT + "orgkind/", CONCEPT + "role/"

    def key(iri: str) -> str:
        return node_key(iri, base)

    rows_of: dict[str, list[dict]] = {}
    for r in run_query(source, "_network-nodes"):
        rows_of.setdefault(_bound(r, "node"), []).append(r)
    lists: dict[tuple[str, str], set[str]] = {}
    for r in run_query(source, "_network-node-lists"):
        node, prop = _bound(r, "node"), _bound(r, "property").rsplit("/", 1)[-1]
        lists.setdefault((node, prop), set()).add(_bound(r, "value"))

    nodes: dict[str, dict[str, Any]] = {}
    for iri in sorted(rows_of):
        rows = rows_of[iri]

        def one(name: str, rows: list[dict] = rows) -> str | None:
            return _first(r[name] for r in rows)

        k = key(iri)
        name, acronym = one("name"), one("acronym")
        attrs: dict[str, Any] = {
            "iri": iri, "kind": _kind({r["type"] for r in rows}, one("projectKind")),
            "label": acronym or name or k, "name": name or acronym or k,
            "countries": sorted(lists.get((iri, "addressCountry"), ())),
            "sources": sorted(lists.get((iri, "source"), ())),
            "uncertain": is_true(one("uncertain")),
        }
        if acronym:
            attrs["acronym"] = acronym
        org_kind = _tail(one("orgKind"), ORGKIND)
        if org_kind:
            attrs["org_kind"] = org_kind
        for field_, attr in _NODE_FIELDS:
            if one(field_):
                attrs[attr] = one(field_)
        nodes[k] = attrs

    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in run_query(source, "_network-participations"):
        role = _tail(r["role"], ROLE)
        member, thing = key(_bound(r, "member")), key(_bound(r, "thing"))
        if role not in PARTICIPATION_ROLES or member not in nodes or thing not in nodes:
            continue  # a role outside the scheme or an end that is not an entity (cannot happen in valid data)
        p = merged.setdefault((thing, member, role), {"member": member, "thing": thing, "role": role,
                                                      "uncertain": False, "sources": set()})
        p["uncertain"] |= is_true(r["uncertain"])
        if r["source"]:
            p["sources"].add(r["source"])
        for field_, attr in (("start", "start_date"), ("end", "end_date")):
            when = r[field_]
            if when:
                p[attr] = min(p.get(attr, when), when)
    parts = [{**p, "sources": sorted(p["sources"])} for _, p in sorted(merged.items())]

    for p in parts:  # funders: organisations that fund something, or whose kind is a funding agency
        if p["role"] == "funder" and nodes[p["member"]]["kind"] == "organisation":
            nodes[p["member"]]["kind"] = "funder"
    for attrs in nodes.values():
        if attrs["kind"] == "organisation" and attrs.get("org_kind") in _FUNDER_ORGKINDS:
            attrs["kind"] = "funder"

    rel: dict[tuple[str, str, str], set[str]] = {}
    for r in run_query(source, "_network-relations"):
        a, b = key(_bound(r, "from")), key(_bound(r, "to"))
        if a in nodes and b in nodes and r["relation"] in RELATIONS:
            srcs = rel.setdefault((a, r["relation"], b), set())
            if r["source"]:
                srcs.add(r["source"])
    rels = [{"from": a, "to": b, "role": role, "sources": sorted(s)} for (a, role, b), s in sorted(rel.items())]

    sources: dict[str, dict[str, str]] = {}
    for r in run_query(source, "_network-sources"):
        src = _bound(r, "source")
        s = sources.setdefault(src, {"title": r["title"] or src, "url": r["url"] or ""})
        s["title"] = min(s["title"], r["title"] or s["title"])
    date = max((r["date"] for r in run_query(source, "_network-about") if r["date"]), default=None)
    declared: dict[str, list[dict[str, Any]]] = {}
    for r in run_query(source, "_report-declared-sizes"):
        item = key(_bound(r, "about"))
        if item in nodes:
            declared.setdefault(item, []).append(
                {"property": "partners" if _bound(r, "property").endswith("partnerCount") else "countries",
                 "value": int(_bound(r, "value")), "date": r["date"], "source": r["source"]})
    for claims in declared.values():
        claims.sort(key=lambda c: (c["property"], c["value"], c["date"] or "", c["source"] or ""))
    return Raw(nodes, parts, rels, dict(sorted(sources.items())), date, base, declared)


def coverage(raw: Raw, include_uncertain: bool = False) -> dict[str, dict[str, Any]]:
    """How much of each declared consortium the graph knows: item key -> ``members`` and ``countries``
    known (each member once, over every role but funder, as in ``pmkg query coverage``; uncertain
    participations only with ``include_uncertain``), the declared ``partners`` and ``countries`` as
    (lowest, highest) or None, a ``text`` ("7 of 24\u201328 declared partners known") and the
    ``claims``, each with its source and date. Only items with a declared size; from the whole
    graph, whatever a view's filters leave."""
    members: dict[str, set[str]] = {}
    for p in raw.participations:
        if p["thing"] in raw.declared and p["role"] != "funder" and (include_uncertain or not p["uncertain"]):
            members.setdefault(p["thing"], set()).add(p["member"])
    out: dict[str, dict[str, Any]] = {}
    for item, claims in sorted(raw.declared.items()):
        known = members.get(item, set())
        countries = {c for m in known for c in raw.nodes[m]["countries"]}
        entry: dict[str, Any] = {"label": raw.nodes[item]["label"], "members": len(known),
                                 "known_countries": len(countries), "claims": claims}
        texts = []
        for prop, have, what in (("partners", len(known), "declared partners known"),
                                 ("countries", len(countries), "declared countries")):
            values = sorted({c["value"] for c in claims if c["property"] == prop})
            entry[prop] = (values[0], values[-1]) if values else None
            if values:
                span = str(values[0]) if values[0] == values[-1] else f"{values[0]}\u2013{values[-1]}"
                texts.append(f"{have} of {span} {what}")
        entry["text"] = "; ".join(texts)
        out[item] = entry
    return out


# --------------------------------------------------------------------------- filters

@dataclass
class Filters:
    """What a view keeps. ``None`` means no restriction.

    * ``kinds``: node kinds (:data:`KINDS`). In the organisation and bipartite views it applies to
      each side: ``{"trial"}`` counts shared trials only.
    * ``countries``: ISO codes or English names (:func:`kg.countries.code`: ``Sweden`` is ``SE``; an
      unknown one raises :class:`kg.countries.UnknownCountry` with close matches); nodes with
      countries must have one of them, nodes without a country (projects, programmes) stay while
      they are still linked to something.
    * ``roles``: edge roles (:data:`ROLES`).
    * ``year``: projects and trials whose known dates overlap that year (those with no date at all
      are dropped: nothing says they were active), participations whose own dates overlap it;
      programmes and organisations are dropped only when their known dates exclude it.
    * ``programme``: projects and trials under a programme (part of it, or funded under it,
      directly or through a sub-programme or a parent project).
    * ``include_uncertain``: keep participations and records marked ``uncertain`` (no source confirms
      them: left out unless asked for, as in every count and analysis).
    """

    kinds: frozenset[str] | None = None
    countries: frozenset[str] | None = None
    roles: frozenset[str] | None = None
    year: int | None = None
    programme: str | None = None
    include_uncertain: bool = False

    def __post_init__(self) -> None:
        for name, allowed in (("kinds", KINDS), ("roles", ROLES)):
            value = getattr(self, name)
            if value is not None:
                value = frozenset(value)
                bad = sorted(value - set(allowed))
                if bad:
                    raise ValueError(f"unknown {name[:-1]} {', '.join(map(repr, bad))}; "
                                     f"expected some of: {', '.join(allowed)}")
                object.__setattr__(self, name, value)
        if self.countries is not None:   # codes or English names ('Sweden' is SE); unknown ones raise
            object.__setattr__(self, "countries", frozenset(countries.code(c) for c in self.countries))


def parse_list(text: str | Iterable[str] | None) -> frozenset[str] | None:
    """``"SE,NO"`` or ``["SE", "NO,DK"]`` as a set; None or empty stays None."""
    if text is None:
        return None
    items = [text] if isinstance(text, str) else list(text)
    out = frozenset(x.strip() for item in items for x in item.split(",") if x.strip())
    return out or None


def _year_of(date: str | None) -> int | None:
    return int(date[:4]) if date else None


def _overlaps(attrs: dict, year: int, strict: bool) -> bool:
    start, end = _year_of(attrs.get("start_date")), _year_of(attrs.get("end_date"))
    if start is None and end is None:
        return not strict
    return (start is None or start <= year) and (end is None or end >= year)


def _under_programme(raw: Raw, programme: str) -> set[str]:
    """Every node that is part of, or funded under, ``programme`` (transitively)."""
    up: dict[str, set[str]] = {}
    for r in raw.relations:
        if r["role"] in ("part-of", "funded-under"):
            up.setdefault(r["to"], set()).add(r["from"])
    seen, todo = set(), [programme]
    while todo:
        for child in up.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _node_ok(raw: Raw, k: str, f: Filters, under: set[str] | None) -> bool:
    a = raw.nodes[k]
    if f.kinds is not None and a["kind"] not in f.kinds:
        return False
    if f.countries is not None and a["countries"] and not (set(a["countries"]) & f.countries):
        return False
    if not f.include_uncertain and a["uncertain"]:
        return False
    if f.year is not None and not _overlaps(a, f.year, strict=a["kind"] in ITEM_KINDS):
        return False
    if under is not None and a["kind"] in ITEM_KINDS and k not in under:
        return False
    return True


def _participation_ok(p: dict, f: Filters, roles: frozenset[str] | None) -> bool:
    if roles is not None and p["role"] not in roles:
        return False
    if not f.include_uncertain and p["uncertain"]:
        return False
    if f.year is not None and not _overlaps(p, f.year, strict=False):
        return False
    return True


def _resolve_programme(raw: Raw, f: Filters) -> set[str] | None:
    if f.programme is None:
        return None
    pid = _resolve_key(raw.nodes, f.programme)
    if raw.nodes[pid]["kind"] != "programme":
        kind = raw.nodes[pid]["kind"]
        raise ValueError(f"--programme {f.programme!r} is a{'n' if kind[0] in 'aeiou' else ''} {kind}, "
                         f"not a programme")
    return _under_programme(raw, pid)


def _graph_attrs(raw: Raw, view: str, f: Filters) -> dict[str, Any]:
    attrs: dict[str, Any] = {"name": f"pmkg {view}", "view": view, "base": raw.base}
    if raw.date:
        attrs["date"] = raw.date
    for name in ("kinds", "countries", "roles"):
        value = getattr(f, name)
        if value is not None:
            attrs[f"filter_{name}"] = sorted(value)
    if f.year is not None:
        attrs["filter_year"] = f.year
    if f.programme is not None:
        attrs["filter_programme"] = f.programme
    attrs["source_info"] = dict(sorted(raw.sources.items()))
    attrs["include_uncertain"] = f.include_uncertain
    attrs["coverage"] = coverage(raw, f.include_uncertain)
    return attrs


# --------------------------------------------------------------------------- projections

def _as_raw(source, base: str | None) -> Raw:
    return source if isinstance(source, Raw) else fetch(source, base)


def landscape(source, filters: Filters | None = None, base: str | None = None) -> "nx.MultiDiGraph":
    """The typed landscape: every entity a node, every participation or relation an edge (key = role).

    ``source`` is a Dataset, a Store or a :class:`Raw` already fetched.
    """
    raw = _as_raw(source, base)
    f = filters or Filters()
    under = _resolve_programme(raw, f)
    G = nx.MultiDiGraph(**_graph_attrs(raw, "landscape", f))
    keep = {k for k in raw.nodes if _node_ok(raw, k, f, under)}
    linked_before: set[str] = set()
    for k in sorted(raw.nodes):
        if k in keep:
            G.add_node(k, **raw.nodes[k])
    for p in raw.participations:
        linked_before.update((p["member"], p["thing"]))
        if p["member"] in keep and p["thing"] in keep and _participation_ok(p, f, f.roles):
            attrs = {k: v for k, v in p.items() if k not in ("member", "thing")}
            G.add_edge(p["member"], p["thing"], key=p["role"], label=ROLES[p["role"]], **attrs)
    for r in raw.relations:
        linked_before.update((r["from"], r["to"]))
        if r["from"] in keep and r["to"] in keep and (f.roles is None or r["role"] in f.roles):
            G.add_edge(r["from"], r["to"], key=r["role"], role=r["role"], label=ROLES[r["role"]],
                       sources=r["sources"], uncertain=False)
    _drop_orphans(G, linked_before)
    return G


def _drop_orphans(G, linked_before: set[str]) -> None:
    """Drop nodes the filters cut off from everything (nodes that never had a link stay)."""
    G.remove_nodes_from([n for n in list(G) if G.degree(n) == 0 and n in linked_before])


def trials(source, filters: Filters | None = None, base: str | None = None) -> "nx.MultiDiGraph":
    """The trials, what takes part in them and how they relate to each other (inspired by, successor of)."""
    L = landscape(source, filters, base)
    trial_nodes = {n for n, k in L.nodes(data="kind") if k == "trial"}
    edges = [(u, v, k, d) for u, v, k, d in L.edges(keys=True, data=True) if u in trial_nodes or v in trial_nodes]
    linked = trial_nodes | {u for u, *_ in edges} | {v for _, v, *_ in edges}
    # built in the landscape's order (not with edge_subgraph, whose node order follows a set)
    H = nx.MultiDiGraph(**{**L.graph, "view": "trials", "name": "pmkg trials"})
    H.add_nodes_from((n, d) for n, d in L.nodes(data=True) if n in linked)
    H.add_edges_from(edges)
    return H


def _participations_by_item(raw: Raw, f: Filters, roles: frozenset[str]) -> dict[str, dict[str, set[str]]]:
    """item -> {organisation -> roles} for the participations a co-participation view counts.

    ``kinds`` applies to both sides: ``{"trial"}`` counts shared trials only, ``{"funder"}`` keeps
    funders only; a side that ``kinds`` does not mention is not restricted.
    """
    under = _resolve_programme(raw, f)
    org_kinds = (f.kinds or frozenset()) & ORGANISATION_KINDS or ORGANISATION_KINDS
    item_kinds = (f.kinds or frozenset()) & ITEM_KINDS or ITEM_KINDS
    org_filter = replace(f, kinds=org_kinds)
    item_filter = replace(f, kinds=item_kinds, countries=None)   # countries select organisations
    orgs = {k for k in raw.nodes if _node_ok(raw, k, org_filter, under)}
    items = {k for k in raw.nodes if _node_ok(raw, k, item_filter, under)}
    by_item: dict[str, dict[str, set[str]]] = {}
    for p in raw.participations:
        if p["member"] in orgs and p["thing"] in items and _participation_ok(p, f, roles):
            by_item.setdefault(p["thing"], {}).setdefault(p["member"], set()).add(p["role"])
    return by_item


def _coparticipation_roles(f: Filters) -> frozenset[str]:
    if f.roles is None:
        return DEFAULT_COPARTICIPATION_ROLES
    bad = sorted(f.roles - set(PARTICIPATION_ROLES))
    if bad:
        raise ValueError(f"{', '.join(bad)}: not a participation role; the organisation view counts "
                         f"shared projects and trials through: {', '.join(PARTICIPATION_ROLES)}")
    return f.roles


def organisations(source, filters: Filters | None = None, base: str | None = None) -> "nx.Graph":
    """Organisation-organisation co-participation: ``weight`` = number of shared projects and trials.

    Each edge lists the shared items (``shared``, sorted ids; ``shared_labels``) and the roles the two
    organisations hold in them (``roles``). By default every role except ``funder`` counts; pass
    ``Filters(roles=...)`` to choose. Only organisations with at least one counted participation
    are nodes.
    """

    raw = _as_raw(source, base)
    f = filters or Filters()
    roles = _coparticipation_roles(f)
    by_item = _participations_by_item(raw, f, roles)
    G = nx.Graph(**_graph_attrs(raw, "organisations", f))
    items_of: dict[str, set[str]] = {}
    for item in sorted(by_item):
        for org in by_item[item]:
            items_of.setdefault(org, set()).add(item)
    for org in sorted(items_of):
        G.add_node(org, **raw.nodes[org], items=len(items_of[org]))
    for item in sorted(by_item):
        members = by_item[item]
        for a, b in combinations(sorted(members), 2):
            if G.has_edge(a, b):
                e = G.edges[a, b]
                e["shared"].append(item)
                e["roles"] = sorted(set(e["roles"]) | members[a] | members[b])
            else:
                G.add_edge(a, b, shared=[item], roles=sorted(members[a] | members[b]))
    for _a, _b, e in G.edges(data=True):
        e["weight"] = len(e["shared"])
        e["shared_labels"] = [raw.nodes[i]["label"] for i in e["shared"]]
        e["label"] = f"{e['weight']} shared"
    return G


def bipartite(source, filters: Filters | None = None, base: str | None = None) -> "nx.Graph":
    """Organisations (``bipartite=0``) and the projects and trials they take part in (``bipartite=1``).

    Each edge carries the roles the organisation holds in the item (``roles``).
    """
    raw = _as_raw(source, base)
    f = filters or Filters()
    roles = _coparticipation_roles(f) if f.roles is not None else frozenset(PARTICIPATION_ROLES)
    by_item = _participations_by_item(raw, f, roles)
    G = nx.Graph(**_graph_attrs(raw, "bipartite", f))
    orgs = sorted({o for members in by_item.values() for o in members})
    G.add_nodes_from((o, {**raw.nodes[o], "bipartite": 0}) for o in orgs)
    G.add_nodes_from((i, {**raw.nodes[i], "bipartite": 1}) for i in sorted(by_item))
    for item in sorted(by_item):
        for org, rs in sorted(by_item[item].items()):
            G.add_edge(org, item, roles=sorted(rs), role=sorted(rs)[0], weight=1,
                       label=", ".join(ROLES[r] for r in sorted(rs)))
    return G


def view(source, name: str = "landscape", filters: Filters | None = None, base: str | None = None,
         focus: str | None = None, depth: int = 1):
    """The named view (:data:`VIEWS`), optionally cut to the ``depth``-neighbourhood of ``focus``."""
    builders = {"landscape": landscape, "organisations": organisations, "bipartite": bipartite, "trials": trials}
    if name not in builders:
        raise ValueError(f"unknown view {name!r}; expected one of: {', '.join(VIEWS)}")
    G = builders[name](_as_raw(source, base), filters)
    if focus is not None:
        G = neighbourhood(G, focus, depth)
    return G


def neighbourhood(G, focus: str, depth: int = 1):
    """The part of ``G`` within ``depth`` links of ``focus`` (any direction)."""
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, not {depth}")
    centre = resolve(G, focus)
    reach = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), centre, cutoff=depth)
    H = G.subgraph(reach).copy()
    H.graph.update(focus=centre, depth=depth)
    return H


# --------------------------------------------------------------------------- finding entities and paths

def _resolve_key(nodes: dict[str, dict], text: str) -> str:
    t = text.strip()
    if t in nodes:
        return t
    if t.startswith("pm:") and t[3:] in nodes:
        return t[3:]
    low = t.casefold()
    hits = sorted(k for k, a in nodes.items()
                  if low in (a.get("iri", "").casefold(), str(a.get("acronym", "")).casefold(),
                             str(a.get("name", "")).casefold(), str(a.get("label", "")).casefold()))
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise ValueError(f"{text!r} is ambiguous: it names {', '.join(hits)}; use an id")
    names = list(nodes) + [str(a.get("label", "")) for a in nodes.values()]
    near = difflib.get_close_matches(t, names, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    raise ValueError(f"unknown entity {text!r}: no node of this view has this id, IRI, acronym or name "
                     f"(filters may have left it out){hint}")


def resolve(G, text: str) -> str:
    """The node of ``G`` named by ``text``: record id, ``pm:`` CURIE, IRI, acronym or name (case-insensitive)."""
    return _resolve_key(dict(G.nodes(data=True)), text)


@dataclass
class Step:
    """One hop of a path: from ``source`` to ``target`` through ``roles`` (``forward`` = along the edge)."""

    source: str
    target: str
    roles: list[str]
    forward: bool


@dataclass
class PathResult:
    """The shortest paths from ``source`` to ``target``; one empty path when they are the same entity."""

    source: str
    target: str
    paths: list[list[Step]] = field(default_factory=list)
    truncated: bool = False

    @property
    def same(self) -> bool:
        """Both names resolved to one node."""
        return self.source == self.target


def shortest_paths(G, a: str, b: str, limit: int = 10) -> PathResult:
    """All shortest connections between ``a`` and ``b`` (ignoring edge direction), at most ``limit``.

    ``a`` and ``b`` naming the same node is the one path of no step.
    """
    s, t = resolve(G, a), resolve(G, b)
    res = PathResult(s, t)
    if res.same:
        res.paths = [[]]
        return res
    U = G.to_undirected(as_view=True)
    try:
        gen = nx.all_shortest_paths(U, s, t)
        for i, nodes in enumerate(gen):
            if i >= limit:
                res.truncated = True
                break
            res.paths.append([_step(G, u, v) for u, v in zip(nodes, nodes[1:])])
    except nx.NetworkXNoPath:
        pass
    res.paths.sort(key=lambda p: [(st.target, st.roles) for st in p])
    return res


def _roles_between(G, u: str, v: str) -> list[str]:
    if not G.has_edge(u, v):
        return []
    data = G.get_edge_data(u, v)
    if G.is_multigraph():
        return sorted(d.get("role", k) for k, d in data.items())
    return sorted(data.get("roles") or [data.get("role") or data.get("label", "linked")])


def _step(G, u: str, v: str) -> Step:
    fwd = _roles_between(G, u, v)
    if fwd or not G.is_directed():
        return Step(u, v, fwd, True)
    return Step(u, v, _roles_between(G, v, u), False)


def format_paths(G, res: PathResult) -> str:
    """``GMS -[partner]-> Testbed ... `` lines, one per path."""
    def name(n: str) -> str:
        return str(G.nodes[n].get("label", n))

    def role_text(st: Step) -> str:
        return " | ".join(ROLES.get(r, r) for r in st.roles)

    head = f"{name(res.source)} ({res.source}) to {name(res.target)} ({res.target})"
    if res.same:
        return f"{name(res.source)} ({res.source}): both names are the same entity (0 steps)."
    if not res.paths:
        return f"{head}: no connection in this view."
    n = len(res.paths[0])
    lines = [f"{head}: {n} step{'s' if n != 1 else ''}, "
             f"{len(res.paths)}{'+' if res.truncated else ''} shortest path{'s' if len(res.paths) != 1 else ''}"]
    for path in res.paths:
        text = name(path[0].source)
        for st in path:
            text += (f" -[{role_text(st)}]-> " if st.forward else f" <-[{role_text(st)}]- ") + name(st.target)
        lines.append("  " + text)
    return "\n".join(lines)


# --------------------------------------------------------------------------- exports for Gephi, Cytoscape, D3


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return _LIST_SEP.join(str(v) for v in value)
    return value


def flatten(G):
    """A copy of ``G`` whose attributes are scalars (lists joined with ``'; '``), as GraphML and GEXF need."""
    H = G.__class__()
    H.graph.update({k: _flat(v) for k, v in G.graph.items() if not isinstance(v, dict) and v is not None})
    for n, d in G.nodes(data=True):
        H.add_node(n, **{k: _flat(v) for k, v in d.items() if v is not None})
    if G.is_multigraph():
        for u, v, k, d in G.edges(keys=True, data=True):
            H.add_edge(u, v, key=k, **{a: _flat(x) for a, x in d.items() if x is not None})
    else:
        for u, v, d in G.edges(data=True):
            H.add_edge(u, v, **{a: _flat(x) for a, x in d.items() if x is not None})
    return H


def export_network(G, fmt: str) -> bytes:
    """``G`` as GraphML, GEXF 1.2 or node-link JSON (D3's ``{nodes, links}``); deterministic bytes."""
    if fmt not in NETWORK_FORMATS:
        raise ValueError(f"unknown network format {fmt!r}; expected one of {', '.join(NETWORK_FORMATS)}")
    if fmt == "node-link-json":
        data = nx.node_link_data(G, edges="links")
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    buf = io.BytesIO()
    H = flatten(G)
    if fmt == "graphml":
        nx.write_graphml(H, buf, encoding="utf-8", prettyprint=True)
    else:
        nx.write_gexf(H, buf, encoding="utf-8", prettyprint=True, version="1.2draft")
        # networkx stamps today's date: use the data's release date so the same data gives the same bytes
        date = G.graph.get("date") or _epoch_date() or "1970-01-01"
        return re.sub(rb'lastmodifieddate="[^"]*"', f'lastmodifieddate="{date}"'.encode(), buf.getvalue(), count=1)
    return buf.getvalue()


def _epoch_date() -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat() if epoch else None
