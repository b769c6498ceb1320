"""Every namespace pmkg uses as rdflib namespaces, and the one place prefixes are bound to graphs.

The prefix strings themselves live in :mod:`kg.prefixes` (no RDF library needed).
"""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from .prefixes import CONCEPT, VOCAB_PREFIXES, prefixes, sparql_prolog

SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
PMKG = Namespace("https://w3id.org/pmkg/def#")
ROLE = Namespace(CONCEPT + "role/")
SECTOR = Namespace(CONCEPT + "sector/")
ORGKIND = Namespace(CONCEPT + "orgkind/")
PROJECTKIND = Namespace(CONCEPT + "projectkind/")
DESIGN = Namespace(CONCEPT + "design/")
PHASE = Namespace(CONCEPT + "phase/")
STATUS = Namespace(CONCEPT + "status/")
WD = Namespace("http://www.wikidata.org/entity/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def bind(graph, base: str) -> None:
    """Bind every pmkg prefix on ``graph`` (an rdflib Graph or Dataset), replacing rdflib's defaults."""
    for prefix, ns in prefixes(base).items():
        graph.bind(prefix, ns, override=True, replace=True)


__all__ = ["CONCEPT", "VOCAB_PREFIXES", "prefixes", "sparql_prolog", "bind", "SCHEMA", "ORG", "FRAPO",
           "PMKG", "ROLE", "WD", "SD", "DCAT", "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS", "VOID", "XSD"]
