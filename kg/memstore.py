"""rdflib as a store (``--store memory``), and the bridge between rdflib and pyoxigraph terms.

rdflib is where pmkg builds, serialises (JSON-LD, long Turtle) and validates
(pySHACL); Oxigraph is where it queries. :class:`MemoryStore` keeps the store
contract of :mod:`kg.store` (the union of the named graphs as default graph) so
a query gives the rows it gives in Oxigraph, only more slowly.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import ResultRow
from rdflib.term import Identifier, Node

from .config import default_base
from .namespaces import bind
from .store import Result, Term, names_graph
from .writer import nt

if TYPE_CHECKING:
    from .assemble import Assembly

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def from_ox(t: Term) -> Identifier:
    """A pyoxigraph term as the equal rdflib term (plain literals stay plain, as rdflib builds them)."""
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return Literal(t.value, datatype=None if dt == XSD_STRING else URIRef(dt))
    raise TypeError(f"unsupported RDF term from Oxigraph: {t!r}")


def to_ox(t: Node | None) -> Term:
    """An rdflib term as the equal pyoxigraph term, in the canonical lexical form pmkg writes."""
    if t is None:
        return None
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise TypeError(f"cannot use a {type(t).__name__} ({t!r}) as an RDF term")


def default_graph(ds: Dataset) -> Graph:
    """The default graph of a Dataset (``default_graph`` in rdflib 7.2+, ``default_context`` before)."""
    g = getattr(ds, "default_graph", None)
    return g if isinstance(g, Graph) else ds.default_context


def add_nquads(ds: Dataset, nquads: bytes) -> None:
    """Add N-Quads text to an rdflib Dataset (parsed by pyoxigraph, much faster than rdflib's own
    parser); triples without a graph go to the default graph."""
    iris: dict[str, URIRef] = {}
    graphs: dict[str, Graph] = {}

    def uri(v: str) -> URIRef:
        u = iris.get(v)
        if u is None:
            u = URIRef(v)
            if len(iris) < 200_000:  # predicates, classes, concepts and hubs repeat: keep them
                iris[v] = u
        return u

    rows: list = []
    default = default_graph(ds)
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        o = q.object
        obj: Identifier
        if isinstance(o, ox.NamedNode):
            obj = uri(o.value)
        elif isinstance(o, ox.BlankNode):
            obj = BNode(o.value)
        elif o.language:
            obj = Literal(o.value, lang=o.language)
        else:
            dt = o.datatype.value
            obj = Literal(o.value) if dt == XSD_STRING else Literal(o.value, datatype=uri(dt))
        g = q.graph_name
        if isinstance(g, ox.DefaultGraph):
            ctx = default
        else:
            named = graphs.get(g.value)
            if named is None:
                named = graphs[g.value] = ds.graph(URIRef(g.value))
            ctx = named
        subj = uri(q.subject.value) if isinstance(q.subject, ox.NamedNode) else BNode(q.subject.value)
        rows.append((subj, uri(q.predicate.value), obj, ctx))
        if len(rows) >= 100_000:
            ds.addN(rows)
            rows = []
    ds.addN(rows)


def dataset_of(nquads: bytes, base: str | None = None) -> Dataset:
    """An rdflib Dataset of N-Quads of named graphs whose default graph is their union (for SHACL,
    JSON-LD and the Python API)."""
    ds = Dataset(default_union=True)
    add_nquads(ds, nquads)
    bind(ds, base or default_base())
    return ds


@functools.lru_cache(maxsize=64)
def _prepared(sparql: str, namespaces: tuple):
    """``sparql`` parsed once (with the prefixes the store binds, as ``Dataset.query`` would): rdflib's
    parser takes milliseconds a query, and kg.walk runs the same lookup for many nodes."""
    return prepareQuery(sparql, initNs=dict(namespaces))


class MemoryStore:
    """rdflib's in-memory Dataset: queries see its default graph (for a store made by
    :meth:`from_assembly`, the union of the named graphs) and each source's graph through GRAPH."""

    def __init__(self, ds: Dataset, base: str | None = None) -> None:
        self.ds = ds
        self.base = base

    @classmethod
    def from_nquads(cls, nquads: bytes, base: str | None = None) -> MemoryStore:
        """A store holding the quads of N-Quads text (triples without a graph go to the default graph)."""
        ds = Dataset(default_union=False)
        add_nquads(ds, nquads)
        bind(ds, base or default_base())
        return cls(ds, base)

    @classmethod
    def from_assembly(cls, asm: Assembly) -> MemoryStore:
        """The store of an assembled graph: its named graphs, and their union as default graph."""
        return cls.from_nquads(asm.nquads(names=True, default=True), asm.config.base)

    #: kg.walk looks up one node per query here, its parameter bound: rdflib joins a VALUES block with
    #: a UNION by evaluating the UNION over the whole graph first
    lookup_per_node = True
    #: kg.walk reads the members shared-projects pairs as one group of patterns here: rdflib joins two
    #: sub-queries by comparing every pair of their rows when it cannot push one's bindings into the other
    pairs_subqueries = True

    def query(self, sparql: str, bindings: dict[str, Term] | None = None) -> Result:
        init: dict[str, Identifier] = {Variable(k): from_ox(v) for k, v in (bindings or {}).items()}
        res = self.ds.query(_prepared(sparql, tuple(self.ds.namespaces())), initBindings=init)
        kind = res.type
        # iterating an rdflib result gives rows for a SELECT and triples for a CONSTRUCT or DESCRIBE
        if kind == "SELECT":
            names = [str(v) for v in res.vars or []]
            return Result(kind, names, [tuple(to_ox(t) for t in row) for row in cast(Iterable[ResultRow], res)])
        if kind == "ASK":
            return Result(kind, boolean=bool(res.askAnswer))
        triples = cast(Iterable[tuple[Node, Node, Node]], res)
        return Result(kind, triples=[ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples])

    def nquads(self, names: bool = False) -> bytes:
        """The named graphs as sorted N-Quads (the names index only when ``names``)."""
        skip = None if names else names_graph(self.base)
        lines: set[str] = set()
        for ctx in self.ds.graphs():
            g = ctx.identifier
            if str(g) in (str(DATASET_DEFAULT_GRAPH_ID), skip):
                continue
            gt = nt(g)
            lines.update(f"{nt(s)} {nt(p)} {nt(o)} {gt} .\n" for s, p, o in ctx)
        return "".join(sorted(lines)).encode("utf-8")

    def dataset(self) -> Dataset:
        """The named graphs in a Dataset whose default graph is their union."""
        return dataset_of(self.nquads(), self.base)

    def describe(self) -> str:
        return "rdflib memory store"
