"""The dataset's self-description (VoID + DCAT + PROV), written into every export.

Its dates come from the data (the latest date a source was read) or from
``SOURCE_DATE_EPOCH``, never from the clock, so the same data always gives
the same bytes.
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timezone

from rdflib import Dataset, Literal, URIRef

from . import __version__
from .iris import Minter
from .load import Data
from .namespaces import DCAT, DCTERMS, OWL, PROV, RDF, SCHEMA, VOCAB_PREFIXES, VOID, XSD

TITLE = "pmkg: the precision-medicine collaboration knowledge graph"
DESCRIPTION = ("Organisations, projects, collaborations, funders, programmes, grants and clinical trials of the "
               "precision-medicine collaboration network around Genomic Medicine Sweden, with the role each "
               "organisation plays where. Every statement is in the named graph of the source it was read from.")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
DESCRIPTION_GRAPH = "description"


def release_date(data: Data) -> str:
    """``SOURCE_DATE_EPOCH`` as a date if set, else the latest date any source was read."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat()
    dates = sorted(s.accessed for s in data.sources.values() if len(s.accessed) == 10)
    return dates[-1] if dates else "1970-01-01"


def describe(ds: Dataset, data: Data, mint: Minter) -> None:
    """Add the description graph to ``ds``, counting what is already there."""
    distinct: set = set()   # a statement read from two sources sits in two graphs but counts once
    for s, p, o, _ in ds.quads((None, None, None, None)):
        distinct.add((s, p, o))
    triples = len(distinct)
    subjects: set = set()
    classes: Counter = Counter()
    entity_ns = mint.base + "id/"
    for s, p, o in distinct:
        if isinstance(s, URIRef) and str(s).startswith(entity_ns):
            subjects.add(s)
            if p == RDF.type:
                classes[o] += 1
    g = ds.graph(mint.graph(DESCRIPTION_GRAPH))
    d = mint.dataset()
    when = Literal(release_date(data), datatype=XSD.date)
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, URIRef(str(DCAT) + "version"), Literal(__version__)))  # DCAT 3 term, not in rdflib's DCAT 2 namespace
    g.add((d, OWL.versionInfo, Literal(__version__)))
    g.add((d, DCTERMS.modified, when))
    g.add((d, DCTERMS.issued, when))
    g.add((d, DCAT.keyword, Literal("precision medicine", lang="en")))
    g.add((d, DCAT.keyword, Literal("clinical trials", lang="en")))
    g.add((d, DCAT.keyword, Literal("research collaboration", lang="en")))
    g.add((d, VOID.triples, Literal(triples)))   # every triple except this description's own
    g.add((d, VOID.entities, Literal(len(subjects))))
    g.add((d, VOID.uriSpace, Literal(entity_ns)))
    g.add((d, PROV.wasGeneratedBy, URIRef(f"https://pypi.org/project/pmkg/{__version__}")))
    for name in ("schema", "org", "frapo", "prov", "dcterms", "skos", "pmkg"):
        g.add((d, VOID.vocabulary, URIRef(VOCAB_PREFIXES[name])))
    for cls, n in sorted(classes.items()):
        part = mint.dataset("class/" + _slug(str(cls)))
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(n)))
    for sid in sorted(data.sources):
        src, graph = mint.source(sid), mint.graph(sid)
        g.add((d, DCTERMS.source, src))
        g.add((d, PROV.wasDerivedFrom, src))
        g.add((d, VOID.subset, graph))
        g.add((graph, RDF.type, VOID.Dataset))
        g.add((graph, PROV.wasDerivedFrom, src))
        g.add((graph, VOID.triples, Literal(len(ds.graph(graph)))))
    dist = mint.dataset("turtle")
    g.add((d, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.mediaType, Literal("text/turtle")))
    g.add((dist, SCHEMA.encodingFormat, Literal("text/turtle")))
    g.add((dist, DCTERMS.title, Literal("The whole graph in Turtle (pmkg.ttl)", lang="en")))


def _slug(iri: str) -> str:
    for prefix, ns in VOCAB_PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}-{iri[len(ns):]}"
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
