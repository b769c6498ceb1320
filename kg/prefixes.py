"""Every prefix pmkg uses, as plain strings (no RDF library needed to read them).

:mod:`kg.namespaces` makes rdflib namespaces of the same strings; the query
path (:mod:`kg.query`, :mod:`kg.resolve`) uses these directly, so a cold
``pmkg query`` does not load rdflib.
"""
from __future__ import annotations

#: Vocabulary prefixes, in the order they are written to Turtle and SPARQL headers.
VOCAB_PREFIXES: dict[str, str] = {
    "pmkg": "https://w3id.org/pmkg/def#",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "frapo": "http://purl.org/cerif/frapo/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "wd": "http://www.wikidata.org/entity/",
    "role": "https://w3id.org/pmkg/concept/role/",
    "sector": "https://w3id.org/pmkg/concept/sector/",
    "orgkind": "https://w3id.org/pmkg/concept/orgkind/",
    "projectkind": "https://w3id.org/pmkg/concept/projectkind/",
    "design": "https://w3id.org/pmkg/concept/design/",
    "phase": "https://w3id.org/pmkg/concept/phase/",
    "status": "https://w3id.org/pmkg/concept/status/",
}
CONCEPT = "https://w3id.org/pmkg/concept/"


def instance_prefixes(base: str) -> dict[str, str]:
    """Instance namespaces under ``base`` (one per path, as '/' may not appear in a Turtle prefixed name)."""
    return {"pm": base + "id/", "part": base + "participation/", "src": base + "source/",
            "graph": base + "graph/", "pmds": base + "dataset/"}


def prefixes(base: str) -> dict[str, str]:
    """All prefixes: the vocabularies plus the instance namespaces under ``base``."""
    return {**VOCAB_PREFIXES, **instance_prefixes(base)}


def sparql_prolog(base: str) -> str:
    """PREFIX lines for SPARQL text, so named queries can rely on every pmkg prefix."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base).items())


def curie(iri: str, base: str | None = None) -> str:
    """``schema:Organization`` for https://schema.org/Organization (vocabulary prefixes, and the
    instance prefixes when ``base`` is given); the IRI itself when no prefix fits."""
    table = prefixes(base) if base else VOCAB_PREFIXES
    best = ""
    for prefix, ns in table.items():
        if iri.startswith(ns) and len(iri) > len(ns) and len(ns) > len(table.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(table[best]):]}" if best else iri
