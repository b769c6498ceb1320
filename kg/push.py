"""Loading the graph into any triplestore through the SPARQL 1.1 Graph Store HTTP Protocol.

Each named graph (one per source, plus the ontology, the description and the
names index) is sent with ``PUT ...?graph=IRI``, which *replaces* that graph,
and the union of the graphs (each distinct triple once) goes to the default
graph: pushing twice leaves the store exactly as after one push, and the
endpoint answers queries over its default graph with set semantics, as every
pmkg store does (see :mod:`kg.store`). Credentials come from an option or
the environment and travel only in the Authorization header; they are never
printed (messages show the URL with any ``user:password@`` removed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from .store import Store, auth_header, http_request, names_graph, public_url, split_userinfo

#: Sent as N-Triples: every Graph Store implementation reads it, and it streams without prefixes.
CONTENT_TYPE = "application/n-triples"
DEFAULT = "default"


@dataclass
class PushReport:
    """What was sent: (graph IRI or 'default', triples) per PUT, in order."""

    endpoint: str
    graphs: list[tuple[str, int]] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)

    def text(self) -> str:
        return (f"Pushed {self.triples} triples in {len(self.graphs)} graph(s) to {self.endpoint} "
                f"(each graph replaced, so pushing again duplicates nothing).")


def graph_url(endpoint: str, graph: str) -> str:
    """The Graph Store Protocol URL of ``graph`` (an IRI, or 'default') at ``endpoint``."""
    sep = "&" if "?" in endpoint else "?"
    return f"{endpoint}{sep}default" if graph == DEFAULT else f"{endpoint}{sep}graph={quote(graph, safe='')}"


def graphs_to_push(nquads: bytes, graph: str | None = None, names: str | None = None) -> list[tuple[str, bytes, int]]:
    """The graphs a push sends, as (graph IRI or 'default', N-Triples body, triples): every named graph of
    ``nquads`` under its own IRI, then the union of all but the names index (``names``) as the default
    graph, so that the endpoint's default graph holds each triple once (see :mod:`kg.store`). With
    ``graph``, the union alone, in that one graph (an IRI, or 'default')."""
    if graph is not None and graph != DEFAULT and not graph.startswith(("http://", "https://", "urn:")):
        raise ValueError(f"--graph must be an absolute IRI or 'default', not {graph!r}")
    by_graph: dict[str, set[bytes]] = {}
    union: set[bytes] = set()
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        line = str(q.triple).encode("utf-8") + b" .\n"
        g = DEFAULT if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        by_graph.setdefault(g, set()).add(line)
        if g != names:
            union.add(line)
    if graph is not None:
        return [(graph, b"".join(sorted(union)), len(union))]
    out = [(g, b"".join(sorted(lines)), len(lines)) for g, lines in sorted(by_graph.items()) if g != DEFAULT]
    out.append((DEFAULT, b"".join(sorted(union)), len(union)))
    return out


def push(store: Store, endpoint: str, *, graph: str | None = None, auth: str | None = None,
         token: str | None = None, timeout: float = 300.0) -> PushReport:
    """PUT the graphs of ``store`` to the Graph Store endpoint ``endpoint`` (e.g. Oxigraph's ``/store``,
    Fuseki's ``/DATASET/data``). Raises :class:`kg.store.StoreError` on the first failure."""
    url, userinfo = split_userinfo(endpoint)
    headers = {**auth_header(auth or userinfo, token), "Content-Type": CONTENT_TYPE}
    report = PushReport(public_url(url))
    names = names_graph(getattr(store, "base", None))
    for name, body, n in graphs_to_push(store.nquads(names=True), graph, names):
        http_request("PUT", graph_url(url, name), data=body, headers=headers, timeout=timeout,
                     what="Graph Store endpoint")
        report.graphs.append((name, n))
    return report
