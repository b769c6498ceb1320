"""The option tables of the command line, in one light module.

``pmkg --help`` builds its parser from these without loading any RDF,
network or page library; the modules that implement the options import
their tables from here, so each table exists once.
"""
from __future__ import annotations

from .concepts import ROLES as ROLE_TABLE

#: RDF export formats (``pmkg export -f``): name -> (keeps named graphs, file suffix, media type)
RDF_FORMATS: dict[str, tuple[bool, str, str]] = {
    "turtle": (False, ".ttl", "text/turtle"),
    "longturtle": (False, ".ttl", "text/turtle"),
    "jsonld": (False, ".jsonld", "application/ld+json"),
    "nt": (False, ".nt", "application/n-triples"),
    "trig": (True, ".trig", "application/trig"),
    "nquads": (True, ".nq", "application/n-quads"),
}
#: Network export formats: name -> (file suffix, media type)
NETWORK_FORMATS: dict[str, tuple[str, str]] = {
    "graphml": (".graphml", "application/graphml+xml"),
    "gexf": (".gexf", "application/gexf+xml"),
    "node-link-json": (".json", "application/json"),
}
#: Network views.
VIEWS = ("landscape", "organisations", "bipartite", "trials")
#: Node kinds of the network views, in legend order: kind -> label.
NODE_KINDS: dict[str, str] = {
    "organisation": "organisation",
    "funder": "funder",
    "project": "project",
    "collaboration": "collaboration",
    "initiative": "initiative",
    "trial": "clinical trial",
    "programme": "programme",
}
#: Relations between entities that network views draw as edges: name -> edge label.
RELATIONS: dict[str, str] = {
    "part-of": "part of",
    "funded-under": "funded under",
    "inspired-by": "inspired by",
    "successor-of": "successor of",
    "managed-by": "managed by",
    "parent-organisation": "parent organisation",
}
#: Participation roles (from ontology/concepts.ttl through kg/concepts.py): role -> edge label.
PARTICIPATION_ROLES: dict[str, str] = {role: edge for role, (_, edge, _) in ROLE_TABLE.items()}
#: Query output formats; ``json`` is SPARQL JSON for SELECT/ASK and JSON-LD for graphs.
QUERY_FORMATS = ("table", "csv", "tsv", "json", "sparql-json", "turtle")
#: pmkg analyze: output formats and sort keys.
ANALYSIS_FORMATS = ("table", "csv", "json")
SORT_KEYS = ("betweenness", "pagerank", "degree", "weighted_degree")
#: What --store takes (the published store is the default).
STORE_KINDS = ("published", "memory", "oxigraph", "oxigraph:DIR")
#: pmkg serve defaults.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MEMORY_MB = 1024          # address space a worker may add to what the loaded graph takes
DEFAULT_QUEUE = 16                # requests that may wait for a worker
DEFAULT_CONNECTIONS = 64          # open connections at once
DEFAULT_IDLE_TIMEOUT = 30.0       # seconds a socket may stay silent (reading a request, writing an answer)
