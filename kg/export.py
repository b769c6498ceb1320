"""Serialising the graph: Turtle (byte-stable), long Turtle, JSON-LD, N-Triples, TriG, N-Quads."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rdflib is imported lazily: the CLI reads FORMATS before it needs a graph
    from rdflib import Dataset, Graph

#: format name -> (rdflib serializer, keeps named graphs, file suffix, media type)
FORMATS: dict[str, tuple[str, bool, str, str]] = {
    "turtle": ("turtle", False, ".ttl", "text/turtle"),
    "longturtle": ("longturtle", False, ".ttl", "text/turtle"),
    "jsonld": ("json-ld", False, ".jsonld", "application/ld+json"),
    "nt": ("nt", False, ".nt", "application/n-triples"),
    "trig": ("trig", True, ".trig", "application/trig"),
    "nquads": ("nquads", True, ".nq", "application/n-quads"),
}


def base_of(ds: Dataset) -> str:
    """The instance base IRI bound on ``ds`` (the namespace of its ``pm:`` prefix, minus 'id/')."""
    for prefix, ns in ds.namespaces():
        if prefix == "pm":
            return str(ns)[: -len("id/")]
    from .iris import default_base

    return default_base()


def union(ds: Dataset) -> Graph:
    """All triples of every named graph in one plain Graph, prefixes bound."""
    from rdflib import Graph

    from .namespaces import bind

    g = Graph()
    bind(g, base_of(ds))
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def serialize(ds: Dataset, fmt: str = "turtle") -> bytes:
    """The bytes of ``ds`` in ``fmt`` (a key of :data:`FORMATS`).

    Line-based formats are sorted so the same data always gives the same bytes.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    rdflib_fmt, quads, _, _ = FORMATS[fmt]
    if quads:
        out = ds.serialize(format=rdflib_fmt, encoding="utf-8")
    elif fmt == "jsonld":
        from .namespaces import prefixes

        context = {p: ns for p, ns in prefixes(base_of(ds)).items()}
        out = union(ds).serialize(format="json-ld", context=context, auto_compact=True,
                                  indent=2, sort_keys=True, encoding="utf-8")
    else:
        out = union(ds).serialize(format=rdflib_fmt, encoding="utf-8")
    if fmt in ("nt", "nquads"):
        lines = sorted(set(out.splitlines(keepends=True)))
        out = b"".join(l for l in lines if l.strip())
    return out
