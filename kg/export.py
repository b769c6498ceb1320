"""Serialising the graph: Turtle (byte-stable), long Turtle, JSON-LD, N-Triples, TriG, N-Quads.

Every format is made from the N-Quads of the named graphs (a store's
:meth:`~kg.store.OxigraphStore.nquads` or an assembly's), sorted, so the same
data always gives the same bytes. Turtle, TriG, N-Triples and N-Quads are
written by Oxigraph's serialisers, JSON-LD (with a context) and long Turtle by
rdflib's. The single-graph formats hold the union: each distinct triple once.
"""
from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset, Graph

from .config import default_base
from .memstore import MemoryStore, dataset_of, default_graph
from .namespaces import bind
from .options import RDF_FORMATS
from .prefixes import prefixes

FORMATS = RDF_FORMATS


def serialize(graph: bytes | Dataset, fmt: str = "turtle", base: str | None = None) -> bytes:
    """The bytes of the named graphs in ``graph`` (N-Quads, or an rdflib Dataset) as ``fmt`` (a key of
    :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if isinstance(graph, Dataset):
        base = base or base_of(graph)
        nquads = MemoryStore(graph, base).nquads()
    else:
        nquads = graph
    base = base or default_base()
    pref = prefixes(base)
    if fmt == "nquads":
        return nquads
    triples = ox.parse(_union(nquads), format=ox.RdfFormat.N_TRIPLES)
    if fmt == "nt":
        return _union(nquads)
    if fmt == "turtle":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=pref) or b""
    if fmt == "trig":
        return ox.serialize(ox.parse(nquads, format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.TRIG,
                            prefixes=pref) or b""
    g = default_graph(dataset_of(_union(nquads), base))
    if fmt == "jsonld":
        return g.serialize(format="json-ld", context=pref, auto_compact=True, indent=2, sort_keys=True,
                           encoding="utf-8")
    return g.serialize(format="longturtle", encoding="utf-8")


def _union(nquads: bytes) -> bytes:
    """The distinct triples as sorted N-Triples (parsed and written by Oxigraph, so any N-Quads works)."""
    lines = {str(q.triple).encode("utf-8") + b" .\n" for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)}
    return b"".join(sorted(lines))


def union(ds: Dataset) -> Graph:
    """All triples of every named graph of an rdflib Dataset in one Graph, prefixes bound."""
    g = Graph()
    bind(g, base_of(ds))
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def base_of(ds: Dataset) -> str:
    """The instance base IRI bound on ``ds`` (the namespace of its ``pm:`` prefix, minus 'id/')."""
    for prefix, ns in ds.namespaces():
        if prefix == "pm":
            return str(ns)[: -len("id/")]
    return default_base()
