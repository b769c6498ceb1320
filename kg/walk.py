"""Paths and neighbourhoods as graph algorithms: a bounded breadth-first search over any store.

The named queries ``connection`` and ``neighbourhood`` ask for paths of up to three links between two
entities and for the subgraph within N links of one. Written as one SPARQL query (queries/*.rq, which
still runs in any SPARQL 1.1 tool), they bind the entity deep inside nested patterns that Oxigraph
expands for every entity of the graph first: past a minute at 700,000 quads. Here the same answers are
found level by level from the bound entities: each level is one small SPARQL query per batch of nodes
(a VALUES block of the frontier), so the work follows the size of the neighbourhood, not of the graph,
on every store (Oxigraph, rdflib, an endpoint). The rows are those of the .rq files, in their order
(tests/test_walk.py compares them on the shipped data). ``shared-projects`` is paired here too: its
answer grows with the square of each consortium.

A *link* is a triple between two entities (organisation, project, trial, programme, grant) in either
direction, except schema:funding and frapo:funds, which mirror schema:fundedItem.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence

import pyoxigraph as ox

from . import neighbourhoods
from .config import default_base
from .prefixes import prefixes
from .store import Result, Store, Term, bulk, values_rows

SCHEMA = neighbourhoods.SCHEMA
#: The classes of the entities a link joins, and the predicates that are no links (they mirror
#: schema:fundedItem), as SPARQL writes them: one definition, kg.neighbourhoods', which the index follows.
ENTITY_CLASSES = tuple(f"<{c}>" for c in neighbourhoods.ENTITY_CLASSES)
MIRRORS = tuple(f"<{m}>" for m in neighbourhoods.MIRRORS)
LABEL = neighbourhoods.LABEL
ACRONYM = "https://w3id.org/pmkg/def#acronym"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
#: Nodes per query: a VALUES block of this many IRIs stays a small request for an endpoint.
BATCH = 400

_TYPED = f"?x a ?c . FILTER(?c IN ({', '.join(ENTITY_CLASSES)}))"
_LINK = f"FILTER(?p NOT IN ({', '.join(MIRRORS)}))"


def _batches(nodes: Iterable[Term]) -> Iterator[list[Term]]:
    # only IRIs can be written in a VALUES block; pmkg mints an IRI for every entity
    todo = sorted({n for n in nodes if isinstance(n, ox.NamedNode)}, key=lambda n: n.value)
    for i in range(0, len(todo), BATCH):
        yield todo[i:i + BATCH]


def _lookup(store: Store, var: str, nodes: Iterable[Term], form: str, body: str) -> Iterator:
    """Run ``form WHERE { body }`` for every node of ``nodes`` bound to ``?var``: as batches of a VALUES
    block, or one node per query (its parameter bound) for a store that asks for it: rdflib joins a
    VALUES block with a UNION by evaluating the UNION over the whole graph first."""
    if getattr(store, "lookup_per_node", False):
        for node in {n for n in nodes if isinstance(n, ox.NamedNode)}:
            yield store.query(f"{form} WHERE {{ {body} }}", {var: node})
    else:
        for batch in _batches(nodes):
            yield store.query(f"{form} WHERE {{ {values_rows(var, batch)}\n{body} }}")


def links(store: Store, nodes: Iterable[Term], typed: bool = True) -> list[tuple[Term, Term, str, Term]]:
    """Every link of ``nodes``: ``(node, predicate, direction, other)``, direction ``out`` for the triple
    ``node predicate other`` and ``in`` for ``other predicate node``. ``typed``: the other end must be an
    entity; else any IRI or blank node."""
    check = _TYPED if typed else "FILTER(!isLiteral(?x))"
    out = []
    for res in _lookup(store, "n", nodes, "SELECT DISTINCT ?n ?p ?d ?x",
                       f"{{ ?n ?p ?x BIND(\"out\" AS ?d) }} UNION {{ ?x ?p ?n BIND(\"in\" AS ?d) }}\n"
                       f"{_LINK} {check}"):
        out += [(n, p, d.value, x) for n, p, d, x in res.rows]
    return out


def is_entity(store: Store, node: Term) -> bool:
    """True when ``node`` is an organisation, project, trial, programme or grant."""
    if not isinstance(node, ox.NamedNode):
        return False
    return any(res.boolean for res in _lookup(store, "x", [node], "ASK", _TYPED))


def display_names(store: Store, nodes: Iterable[Term]) -> dict[Term, list[str]]:
    """How the .rq files name each node: ``COALESCE(?acronym, ?label, STR(?node))`` over every acronym
    and label (a node with two acronyms gives two names, as the OPTIONAL patterns give two rows)."""
    acronyms: dict[Term, set[str]] = defaultdict(set)
    labels: dict[Term, set[str]] = defaultdict(set)
    nodes = set(nodes)
    for res in _lookup(store, "n", nodes, "SELECT ?n ?k ?v",
                       f"{{ ?n <{ACRONYM}> ?v BIND(\"a\" AS ?k) }} UNION {{ ?n <{LABEL}> ?v BIND(\"l\" AS ?k) }}"):
        for n, k, v in res.rows:
            (acronyms if k.value == "a" else labels)[n].add(v.value)
    return {n: sorted(acronyms.get(n) or labels.get(n) or {n.value}) for n in nodes}


def _local(p: Term) -> str:
    return re.sub(r"^.*[/#]", "", p.value)


_ARROWS = {"out": (" —", "→ "), "in": (" ←", "— ")}


def _hop(p: Term, d: str) -> str:
    left, right = _ARROWS[d]
    return f"{left}{_local(p)}{right}"


def connection(store: Store, bindings: dict[str, Term]) -> Result:
    """The rows of ``queries/connection.rq`` (``from``, ``to``, ``hops``, ``path``, ``via1``, ``via2``,
    ordered by hops and path): every path of up to three links between the two entities.

    Found from both ends: the links of ``from`` (level 1), the links of ``to`` (the last link), and the
    links between the two frontiers, looked up from the smaller one.
    """
    a, b = bindings.get("from"), bindings.get("to")
    if a is None or b is None:
        return Result("SELECT", ["from", "to", "hops", "path", "via1", "via2"])
    direct = [(p, d) for n, p, d, x in links(store, [a], typed=False) if x == b]
    first = [(p, d, x) for _, p, d, x in links(store, [a]) if x not in (a, b)]
    # the last link, seen from ``to``: "to p x" is the link x ←p— to
    last: dict[Term, list[tuple[Term, str]]] = defaultdict(list)
    for _, p, d, x in links(store, [b]):
        if x not in (a, b):
            last[x].append((p, "in" if d == "out" else "out"))
    via1s = {x for _, _, x in first}
    # links between the two frontiers (via1 -- via2), from whichever side has fewer nodes
    middle: dict[Term, list[tuple[Term, str, Term]]] = defaultdict(list)
    if len(via1s) <= len(last):
        for n, p, d, x in links(store, via1s, typed=False):
            if x in last and x != n:
                middle[n].append((p, d, x))
    else:
        for n, p, d, x in links(store, last, typed=False):
            if x in via1s and x != n:
                middle[x].append((p, "in" if d == "out" else "out", n))
    used = {a, b} | {x for _, _, x in first if x in last or x in middle}
    used |= {x for steps in middle.values() for _, _, x in steps}
    names = display_names(store, used)
    rows: set[tuple] = set()
    for fa in names[a]:
        for tb in names[b]:
            for p, d in direct:
                rows.add((1, f"{fa}{_hop(p, d)}{tb}", None, None))
            for p1, d1, v1 in first:
                for p2, d2 in last.get(v1, ()):
                    for n1 in names[v1]:
                        rows.add((2, f"{fa}{_hop(p1, d1)}{n1}{_hop(p2, d2)}{tb}", v1, None))
                for p2, d2, v2 in middle.get(v1, ()):
                    for p3, d3 in last[v2]:
                        for n1 in names[v1]:
                            for n2 in names[v2]:
                                rows.add((3, f"{fa}{_hop(p1, d1)}{n1}{_hop(p2, d2)}{n2}{_hop(p3, d3)}{tb}", v1, v2))
    ordered = sorted(rows, key=lambda r: (r[0], r[1], r[2].value if r[2] else "", r[3].value if r[3] else ""))
    return Result("SELECT", ["from", "to", "hops", "path", "via1", "via2"],
                  [(a, b, ox.Literal(str(h), datatype=XSD_INTEGER), ox.Literal(path), v1, v2)
                   for h, path, v1, v2 in ordered])


def reach(store: Store, centre: Term, hops: int) -> set[Term]:
    """Every entity within ``hops`` links of ``centre`` (itself included), level by level; empty when
    ``centre`` is not an entity."""
    if not is_entity(store, centre):
        return set()
    seen, frontier = {centre}, {centre}
    for _ in range(hops):
        frontier = {x for _, _, _, x in links(store, frontier)} - seen
        if not frontier:
            break
        seen |= frontier
    return seen


def neighbourhood(store: Store, bindings: dict[str, Term]) -> Result:
    """The triples of ``queries/neighbourhood.rq``: every statement of every entity within ``hops``
    links of ``entity``, the labels of what they point to, and the parts of grant amounts."""
    centre, hops = bindings.get("entity"), bindings.get("hops")
    if centre is None or hops is None:
        return Result("CONSTRUCT")
    # a published store has the answer's parts indexed (kg.neighbourhoods): the same triples as Turtle
    index = neighbourhoods.published(store, prefixes(getattr(store, "base", None) or default_base()))
    if index is not None:
        if not isinstance(centre, ox.NamedNode):
            return Result("CONSTRUCT")
        return Result("CONSTRUCT", triples=index.subgraph(centre.value, int(hops.value)))
    nodes = reach(store, centre, int(hops.value))
    triples: set = set()
    # the statements of each node (with the parts of its amounts) first; then the label of each IRI they
    # point to, once: asked per statement (an OPTIONAL), a hub's label came back once for every statement
    # pointing to it (345,200 triples for 306,984 at 750,000 quads). pmkg writes no blank nodes
    # (kg.writer refuses them), so everything with a label is an IRI a VALUES block can name.
    objects: set = set()
    template = "CONSTRUCT { ?node ?p ?o . ?money ?moneyP ?moneyO . }"
    with bulk():
        for res in _lookup(store, "node", nodes, template,
                           f"{{ ?node ?p ?o }}\n"
                           f"UNION {{ ?node <{neighbourhoods.AMOUNT}> ?money . ?money ?moneyP ?moneyO }}"):
            triples.update(res.triples)
            objects.update(t.object for t in res.triples if isinstance(t.object, ox.NamedNode) and t.subject in nodes)
        for res in _lookup(store, "o", objects, f"CONSTRUCT {{ ?o <{LABEL}> ?oLabel }}", f"?o <{LABEL}> ?oLabel"):
            triples.update(res.triples)
        return Result("CONSTRUCT", triples=sorted(triples, key=str))


_PREFIXES = """PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX pmkg: <https://w3id.org/pmkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX role: <https://w3id.org/pmkg/concept/role/>
"""
#: The projects and trials: the things shared-projects.rq pairs the members of.
PROJECTS = _PREFIXES + """SELECT DISTINCT ?project
WHERE { ?project a ?class FILTER(?class IN (schema:Project, schema:MedicalTrial)) }"""
#: The acronyms of everything: a project's name is its acronym, else its label (COALESCE in the .rq file).
ACRONYMS = _PREFIXES + "SELECT ?project ?acronym WHERE { ?project pmkg:acronym ?acronym }"
#: Who takes part in what, as shared-projects.rq lists each side of a pair: a confirmed participation in a
#: role other than funder. Each triple pattern is a sub-query of its own: Oxigraph joins them by hashing,
#: where it looks every membership up in turn in a plain group (1.8 s against 0.2 s at 750,000 quads).
MEMBERS = _PREFIXES + """SELECT ?project ?a
WHERE {
  { SELECT ?aMembership ?project WHERE { ?aMembership org:organization ?project } }
  { SELECT ?aMembership ?a WHERE { ?aMembership org:member ?a } }
  { SELECT ?aMembership WHERE { ?aMembership org:role ?aRole FILTER(?aRole != role:funder) } }
  MINUS { ?aMembership pmkg:uncertain true }
}"""
#: The same as one group of patterns, for a store that joins sub-queries by comparing every pair of rows
#: (``pairs_subqueries``: rdflib, minutes at 70,000 quads), where it looks each row of a group up.
MEMBERS_IN_ONE = _PREFIXES + """SELECT ?project ?a
WHERE {
  ?aMembership org:organization ?project ; org:member ?a ; org:role ?aRole .
  FILTER(?aRole != role:funder)
  MINUS { ?aMembership pmkg:uncertain true }
}"""
#: The labels of everything: the names of the members (a member without a label is no side of a pair).
LABELS = _PREFIXES + "SELECT ?a ?aName WHERE { ?a rdfs:label ?aName }"


class PairRows(Sequence):
    """The rows of shared-projects, made when read: the answer grows with the square of each consortium,
    and a page of it (or its length, for the total) should not cost making every row."""

    def __init__(self, members: list[tuple[Term, Term]], pairs: list[tuple[tuple[int, int], list[int]]],
                 counts: list[int], names: list[str]) -> None:
        # pairs: (member, member) and the projects they share, by number; names: each project's name
        self._members, self._pairs, self._counts, self._names = members, pairs, counts, names

    def __len__(self) -> int:
        return len(self._pairs)

    def _row(self, k: int) -> tuple:
        (i, j), shared = self._pairs[k]
        names = sorted({self._names[pk] for pk in shared})
        return (*self._members[i], *self._members[j], ox.Literal(str(self._counts[k]), datatype=XSD_INTEGER),
                ox.Literal(", ".join(names)))

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self._row(n) for n in range(*k.indices(len(self)))]
        return self._row(range(len(self))[k])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))


def shared_projects(store: Store, bindings: dict[str, Term]) -> Result:
    """The rows of ``queries/shared-projects.rq``: every pair of members of the same projects, with how
    many and which. The members of each project are read once and paired here: the answer grows with the
    square of each consortium, which a SPARQL engine pairs, groups and concatenates far more slowly than a
    dictionary does. The rows are made when read (:class:`PairRows`)."""
    with bulk():
        return _shared_projects(store)


def _shared_projects(store: Store) -> Result:
    # one pass over each of four simple patterns; the names are put together here (three joins that
    # Oxigraph would make by looking each project and member up in turn)
    labels: dict[str, list[Term]] = defaultdict(list)
    for a, a_name in store.query(LABELS).rows:
        labels[a.value].append(a_name)
    acronyms: dict[str, list[str]] = defaultdict(list)
    for project, acronym in store.query(ACRONYMS).rows:
        acronyms[project.value].append(acronym.value)
    names: dict[str, list[str]] = {}
    for (project,) in store.query(PROJECTS).rows:
        titles = labels.get(project.value)
        if titles:   # COALESCE(?projectAcronym, ?projectTitle), the label required
            names[project.value] = sorted(set(acronyms.get(project.value) or (t.value for t in titles)))
    # terms become small integers first: hashing and comparing pyoxigraph terms costs a call into Rust
    member_ids: dict[tuple[str, str], int] = {}
    members: list[tuple[Term, Term]] = []
    by_project: dict[tuple[str, str], list[int]] = defaultdict(list)
    members_query = MEMBERS_IN_ONE if getattr(store, "pairs_subqueries", False) else MEMBERS
    for project, a in store.query(members_query).rows:
        project_names = names.get(project.value)
        if not project_names:   # not a project or trial, or without a label
            continue
        for a_name in labels.get(a.value, ()):
            key = (a.value, a_name.value)
            i = member_ids.get(key)
            if i is None:
                i = member_ids[key] = len(members)
                members.append((a, a_name))
            for name in project_names:
                by_project[(project.value, name)].append(i)
    # pairs as one integer each (i * len(members) + j, i before j in IRI order: FILTER(STR(?a) < STR(?b))),
    # each with the projects (by number) it shares: 250,000 pairings at 750,000 quads
    iri = [a.value for a, _ in members]
    iri_no: dict[str, int] = {}
    for i in sorted(range(len(members)), key=iri.__getitem__):
        iri_no.setdefault(iri[i], len(iri_no))
    place = [iri_no[v] for v in iri]   # a member's IRI, as its place in IRI order
    keys = list(by_project)            # (project, name): one project has one name but for two acronyms
    project_no: dict[str, int] = {}
    project_of = [project_no.setdefault(project, len(project_no)) for project, _ in keys]
    size = len(members)
    pairs: dict[int, list[int]] = {}
    get = pairs.get
    for pk, key in enumerate(keys):
        ids = sorted(set(by_project[key]), key=place.__getitem__)
        for n, i in enumerate(ids):
            base, here = i * size, place[i]
            for j in ids[n + 1:]:
                if place[j] == here:   # one organisation under two labels is no pair
                    continue
                shared = get(base + j)
                if shared is None:
                    pairs[base + j] = [pk]
                else:
                    shared.append(pk)
    several_names = len(project_no) < len(keys)
    count = {k: len({project_of[pk] for pk in pks}) if several_names else len(pks) for k, pks in pairs.items()}
    label = [a_name.value for _, a_name in members]
    ordered = sorted(pairs, key=lambda k: (-count[k], label[k // size], label[k % size], iri[k // size],
                                           iri[k % size]))
    rows = PairRows(members, [(divmod(k, size), pairs[k]) for k in ordered], [count[k] for k in ordered],
                    [name for _, name in keys])
    return Result("SELECT", ["a", "aName", "b", "bName", "shared", "projects"], rows)  # type: ignore[arg-type]


#: The named queries pmkg answers with an algorithm of this module (their .rq header says so).
ALGORITHMS: dict[str, Callable[[Store, dict[str, Term]], Result]] = {
    "connection": connection, "neighbourhood": neighbourhood, "shared-projects": shared_projects}
