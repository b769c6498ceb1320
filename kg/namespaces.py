"""Every namespace pmkg uses, and the one place prefixes are bound to graphs."""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
PMKG = Namespace("https://w3id.org/pmkg/def#")
CONCEPT = "https://w3id.org/pmkg/concept/"
ROLE = Namespace(CONCEPT + "role/")
SECTOR = Namespace(CONCEPT + "sector/")
ORGKIND = Namespace(CONCEPT + "orgkind/")
PROJECTKIND = Namespace(CONCEPT + "projectkind/")
DESIGN = Namespace(CONCEPT + "design/")
PHASE = Namespace(CONCEPT + "phase/")
STATUS = Namespace(CONCEPT + "status/")
WD = Namespace("http://www.wikidata.org/entity/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: Vocabulary prefixes, in the order they are written to Turtle and SPARQL headers.
VOCAB_PREFIXES: dict[str, str] = {
    "pmkg": str(PMKG),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "frapo": str(FRAPO),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "skos": str(SKOS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "wd": str(WD),
    "role": str(ROLE),
    "sector": str(SECTOR),
    "orgkind": str(ORGKIND),
    "projectkind": str(PROJECTKIND),
    "design": str(DESIGN),
    "phase": str(PHASE),
    "status": str(STATUS),
}


def prefixes(base: str) -> dict[str, str]:
    """All prefixes: the vocabularies plus the instance namespaces under ``base``."""
    from .iris import Minter

    return {**VOCAB_PREFIXES, **Minter(base).prefixes()}


def bind(graph, base: str) -> None:
    """Bind every pmkg prefix on ``graph`` (an rdflib Graph or Dataset), replacing rdflib's defaults."""
    for prefix, ns in prefixes(base).items():
        graph.bind(prefix, ns, override=True, replace=True)


def sparql_prolog(base: str) -> str:
    """PREFIX lines for SPARQL text, so named queries can rely on every pmkg prefix."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base).items())
