"""The dataset's self-description (VoID + DCAT + PROV), written into every build.

Its dates come from the data (the latest date a source was read) or from
``SOURCE_DATE_EPOCH``, never from the clock, so the same data always gives
the same bytes. Counts are of distinct triples: a statement read from two
sources sits in two graphs but counts once.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from rdflib import Literal, URIRef

from . import __version__
from .iris import Minter
from .namespaces import DCAT, DCTERMS, OWL, PROV, RDF, SCHEMA, VOCAB_PREFIXES, VOID, XSD
from .records import Source

TITLE = "pmkg: the precision-medicine collaboration knowledge graph"
DESCRIPTION = ("Organisations, projects, collaborations, funders, programmes, grants and clinical trials of the "
               "precision-medicine collaboration network around Genomic Medicine Sweden, with the role each "
               "organisation plays where. Every statement is in the named graph of the source it was read from.")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
DESCRIPTION_GRAPH = "description"


@dataclass
class Counts:
    """What the description counts (every triple except the description's own)."""

    triples: int = 0
    entities: int = 0
    classes: Counter = field(default_factory=Counter)        # class IRI -> entities
    graphs: dict[str, int] = field(default_factory=dict)     # source id -> triples in its graph


def release_date(sources: dict[str, Source]) -> str:
    """``SOURCE_DATE_EPOCH`` as a date if set, else the latest date any curated source was read."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat()
    dates = sorted(s.accessed for s in sources.values() if s.accessed and len(s.accessed) == 10)
    return dates[-1] if dates else "1970-01-01"


def description(mint: Minter, sources: dict[str, Source], counts: Counts) -> list[tuple]:
    """The description graph's triples (rdflib terms)."""
    g: list[tuple] = []
    add = g.append
    d = mint.dataset()
    when = Literal(release_date(sources), datatype=XSD.date)
    add((d, RDF.type, VOID.Dataset))
    add((d, RDF.type, DCAT.Dataset))
    add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    add((d, DCTERMS.license, LICENSE))
    add((d, URIRef(str(DCAT) + "version"), Literal(__version__)))  # DCAT 3 term, not in rdflib's DCAT 2 namespace
    add((d, OWL.versionInfo, Literal(__version__)))
    add((d, DCTERMS.modified, when))
    add((d, DCTERMS.issued, when))
    for kw in ("precision medicine", "clinical trials", "research collaboration"):
        add((d, DCAT.keyword, Literal(kw, lang="en")))
    add((d, VOID.triples, Literal(counts.triples)))   # every triple except this description's own
    add((d, VOID.entities, Literal(counts.entities)))
    add((d, VOID.uriSpace, Literal(mint.base + "id/")))
    add((d, PROV.wasGeneratedBy, URIRef(f"https://pypi.org/project/pmkg/{__version__}")))
    for name in ("schema", "org", "frapo", "prov", "dcterms", "skos", "pmkg"):
        add((d, VOID.vocabulary, URIRef(VOCAB_PREFIXES[name])))
    for cls, n in sorted(counts.classes.items()):
        part = mint.dataset("class/" + _slug(str(cls)))
        add((d, VOID.classPartition, part))
        add((part, VOID["class"], URIRef(cls)))
        add((part, VOID.entities, Literal(n)))
    for sid in sorted(sources):
        src, graph = mint.source(sid), mint.graph(sid)
        add((d, DCTERMS.source, src))
        add((d, PROV.wasDerivedFrom, src))
        add((d, VOID.subset, graph))
        add((graph, RDF.type, VOID.Dataset))
        add((graph, PROV.wasDerivedFrom, src))
        add((graph, VOID.triples, Literal(counts.graphs.get(sid, 0))))
    dist = mint.dataset("turtle")
    add((d, DCAT.distribution, dist))
    add((dist, RDF.type, DCAT.Distribution))
    add((dist, DCAT.mediaType, Literal("text/turtle")))
    add((dist, SCHEMA.encodingFormat, Literal("text/turtle")))
    add((dist, DCTERMS.title, Literal("The whole graph in Turtle (pmkg.ttl)", lang="en")))
    return g


def _slug(iri: str) -> str:
    for prefix, ns in VOCAB_PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}-{iri[len(ns):]}"
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
