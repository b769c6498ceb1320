"""Where the graph lives when it is queried: one small interface, several back ends.

Every command that reads the graph goes through a :class:`Store`, so the same
named query gives the same answer in memory (rdflib, the default), in
Oxigraph, or on any SPARQL 1.1 endpoint. Parameters are always *bound*
(rdflib initBindings, Oxigraph substitutions, or a trailing VALUES clause for
remote endpoints), never pasted into query text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from rdflib import Dataset, Graph
from rdflib.term import Identifier


@dataclass
class Result:
    """A query result in one shape for every store.

    ``kind`` is SELECT, ASK, CONSTRUCT or DESCRIBE. SELECT fills ``vars`` and
    ``rows`` (tuples of rdflib terms, None where unbound); ASK fills ``boolean``;
    CONSTRUCT and DESCRIBE fill ``graph``.
    """

    kind: str
    vars: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def records(self) -> list[dict]:
        """SELECT rows as dicts of Python values (str for IRIs), ready for ``pandas.DataFrame``."""
        out = []
        for row in self.rows:
            out.append({v: (None if t is None else t.toPython() if hasattr(t, "toPython") else str(t))
                        for v, t in zip(self.vars, row)})
        return out


class Store(Protocol):
    """What a back end offers: a SPARQL query with bound parameters, and the union graph."""

    def query(self, sparql: str, bindings: dict[str, Identifier] | None = None) -> Result: ...


class MemoryStore:
    """rdflib's in-memory Dataset (the default): queries see the union of all named graphs as the
    default graph, and each source's graph through GRAPH."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds

    def query(self, sparql: str, bindings: dict[str, Identifier] | None = None) -> Result:
        from rdflib import Variable

        res = self.ds.query(sparql, initBindings={Variable(k): v for k, v in (bindings or {}).items()})
        kind = res.type
        if kind == "SELECT":
            names = [str(v) for v in res.vars]
            return Result(kind, names, [tuple(row) for row in res])
        if kind == "ASK":
            return Result(kind, boolean=bool(res.askAnswer))
        g = Graph()
        for t in res:
            g.add(t)
        return Result(kind, graph=g)
