"""Loading the graph into any triplestore through the SPARQL 1.1 Graph Store HTTP Protocol.

Each named graph (one per source, plus the ontology and the description) is
sent with ``PUT ...?graph=IRI``, which *replaces* that graph: pushing twice
leaves the store exactly as after one push. Credentials come from an option or
the environment and travel only in the Authorization header; they are never
printed (messages show the URL with any ``user:password@`` removed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import Dataset, Graph

from .store import auth_header, http_request, public_url, split_userinfo

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


def graphs_to_push(ds: Dataset, graph: str | None = None) -> list[tuple[str, Graph]]:
    """The graphs a push sends: every non-empty named graph of ``ds`` under its own IRI, or, with
    ``graph``, all triples together in that one graph (an IRI, or 'default' for the default graph)."""
    from .export import union

    if graph is not None:
        if graph != DEFAULT and not (graph.startswith("http://") or graph.startswith("https://") or
                                     graph.startswith("urn:")):
            raise ValueError(f"--graph must be an absolute IRI or 'default', not {graph!r}")
        return [(graph, union(ds))]
    out = []
    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if len(g) == 0:
            continue
        name = str(g.identifier)
        # rdflib's own default graph has a urn:x-rdflib: name that is not ours to publish
        out.append((DEFAULT if name.startswith("urn:x-rdflib:") else name, g))
    return out


def push(ds: Dataset, endpoint: str, *, graph: str | None = None, auth: str | None = None,
         token: str | None = None, timeout: float = 300.0) -> PushReport:
    """PUT the graphs of ``ds`` to the Graph Store endpoint ``endpoint`` (e.g. Oxigraph's ``/store``,
    Fuseki's ``/DATASET/data``). Raises :class:`kg.store.StoreError` on the first failure."""
    url, userinfo = split_userinfo(endpoint)
    headers = {**auth_header(auth or userinfo, token), "Content-Type": CONTENT_TYPE}
    report = PushReport(public_url(url))
    for name, g in graphs_to_push(ds, graph):
        body = g.serialize(format="nt", encoding="utf-8")
        http_request("PUT", graph_url(url, name), data=body, headers=headers, timeout=timeout,
                     what="Graph Store endpoint")
        report.graphs.append((name, len(g)))
    return report
