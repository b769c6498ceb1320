"""From checked records to an rdflib Dataset: one named graph per source, plus the ontology.

Every entity gets a minted IRI (``iris.Minter``); participations become
``org:Membership`` nodes plus a direct shortcut edge named by the role concept
(``pmkg:shortcut`` in ``ontology/concepts.ttl``). Query the union (the
Dataset's default graph) when provenance does not matter, or one named graph
per source when it does.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from . import model
from .iris import Minter
from .load import Data, Record, SizeClaim, Value, load, load_concepts
from .namespaces import (CONCEPT, DCTERMS, ORG, PMKG, PROV, RDF, RDFS, ROLE, SCHEMA, WD, XSD, bind)

ONTOLOGY_FILES = ("pmkg.ttl", "concepts.ttl")


@dataclass
class Vocabulary:
    """The ontology and concept schemes, with the two look-ups the build needs."""

    graph: Graph
    concepts: dict[str, set[str]]          # scheme -> concept ids
    implies: dict[URIRef, list[URIRef]]     # kind concept -> extra classes
    shortcut: dict[str, URIRef]             # role id -> direct property


def load_vocabulary(ontology_dir: Path) -> Vocabulary:
    """Parse ``pmkg.ttl`` and ``concepts.ttl`` from ``ontology_dir``."""
    g = Graph()
    for name in ONTOLOGY_FILES:
        g.parse(ontology_dir / name, format="turtle")
    implies: dict[URIRef, list[URIRef]] = {}
    for concept, cls in g.subject_objects(PMKG.impliesClass):
        implies.setdefault(concept, []).append(cls)
    shortcut = {str(c)[len(str(ROLE)):]: p for c, p in g.subject_objects(PMKG.shortcut)}
    concepts: dict[str, set[str]] = {}
    for concept, scheme in g.subject_objects(SKOS.inScheme):
        concepts.setdefault(str(scheme)[len(CONCEPT):], set()).add(str(concept)[len(str(scheme)) + 1:])
    return Vocabulary(g, concepts, implies, shortcut)


#: The datatype of a checked date by its length: YYYY-MM-DD, YYYY-MM, YYYY (no invented days).
DATE_TYPES = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}


def date_literal(text: str) -> Literal:
    """YYYY-MM-DD, YYYY-MM or YYYY as xsd:date, xsd:gYearMonth or xsd:gYear: no invented days."""
    return Literal(text, datatype=DATE_TYPES[len(text)])


def _term(f: model.Field, value, mint: Minter):
    t = f.type
    if t == model.TEXT:
        return Literal(value)
    if t == model.TEXT_EN:
        return Literal(value, lang="en")
    if t == model.DATE:
        return date_literal(value)
    if t == model.DURATION:
        return Literal(value, datatype=XSD.duration)
    if t in (model.URL, model.ROR):
        return URIRef(value)
    if t == model.WIKIDATA:
        return WD[value]
    if t == model.REF:
        return mint.entity(value)
    if t == model.CONCEPT:
        return URIRef(f"{CONCEPT}{f.scheme}/{value}")
    if t == model.BOOL:
        return Literal(value)
    if t in (model.COUNTRY, model.IDENT, model.CURRENCY):
        return Literal(value)
    if t == model.DECIMAL:
        return decimal_literal(value)
    raise AssertionError(t)


def decimal_literal(value) -> Literal:
    """An xsd:decimal whose lexical form always has a point: Turtle writes a bare ``20000000`` as an
    integer, so a whole amount would come back from an export as another datatype."""
    text = format(value, "f")
    return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)


def write_declared_sizes(graph: Callable[[str], Graph], mint: Minter, record_id: str,
                         claims: list[SizeClaim]) -> None:
    """Each declared consortium size of ``record_id`` as schema:Observation nodes in its source's graph.

    One observation per measured property (pmkg:partnerCount, pmkg:countryCount) and claim: the
    project (schema:observationAbout), the number (schema:value, xsd:integer), the date the claim
    refers to (schema:observationDate), its source (dcterms:source) and a note (rdfs:comment).
    ``graph`` gives the named graph of a source id. Claims that disagree are all kept.
    """
    about = mint.entity(record_id)
    for claim in claims:
        g, src = graph(claim.source), mint.source(claim.source)
        for measure, prop, value in (("partners", PMKG.partnerCount, claim.partners),
                                     ("countries", PMKG.countryCount, claim.countries)):
            if value is None:
                continue
            node = mint.observation(record_id, claim.source, measure, claim.date)
            g.add((node, RDF.type, SCHEMA.Observation))
            g.add((node, SCHEMA.observationAbout, about))
            g.add((node, SCHEMA.measuredProperty, prop))
            g.add((node, SCHEMA.value, Literal(value, datatype=XSD.integer)))
            g.add((node, DCTERMS.source, src))
            if claim.date:
                g.add((node, SCHEMA.observationDate, date_literal(claim.date)))
            if claim.note:
                g.add((node, RDFS.comment, Literal(claim.note, lang="en")))


class _Builder:
    def __init__(self, data: Data, vocab: Vocabulary, mint: Minter) -> None:
        self.data, self.vocab, self.mint = data, vocab, mint
        self.ds = Dataset(default_union=True)
        bind(self.ds, mint.base)

    def graph(self, source_id: str) -> Graph:
        return self.ds.graph(self.mint.graph(source_id))

    def run(self) -> Dataset:
        onto = self.ds.graph(self.mint.graph("ontology"))
        for t in self.vocab.graph:
            onto.add(t)
        for s in self.data.sources.values():
            self.source(s)
        for r in self.data.records.values():
            self.record(r)
        return self.ds

    def source(self, s) -> None:
        g, node = self.graph(s.id), self.mint.source(s.id)
        g.add((node, RDF.type, PMKG.Source))
        g.add((node, RDF.type, PROV.Entity))
        g.add((node, DCTERMS.title, Literal(s.title)))
        g.add((node, RDFS.label, Literal(s.title)))
        g.add((node, SCHEMA.url, URIRef(s.url)))
        g.add((node, PMKG.accessed, date_literal(s.accessed)))
        if s.publisher:
            g.add((node, DCTERMS.publisher, Literal(s.publisher)))

    def record(self, r: Record) -> None:
        kind = model.KINDS[r.kind]
        subj = self.mint.entity(r.id)
        main = self.graph(r.sources[0])
        for cls in kind.classes:
            main.add((subj, RDF.type, cls))
        if kind.kind_field:
            concept = _term(kind.fields_by_name[kind.kind_field], r.values[kind.kind_field][0].value, self.mint)
            for cls in self.vocab.implies.get(concept, ()):
                main.add((subj, RDF.type, cls))
        for src in r.sources:
            self.graph(src).add((subj, DCTERMS.source, self.mint.source(src)))
        for name, values in r.values.items():
            f = kind.fields_by_name[name]
            if f.type == model.SIZE:
                write_declared_sizes(self.graph, self.mint, r.id, [v.value for v in values])
                continue
            for v in values:
                g = self.graph(v.source) if v.source else main
                if v.source:
                    g.add((subj, DCTERMS.source, self.mint.source(v.source)))
                obj = _term(f, v.value, self.mint)
                for p in f.predicates:
                    g.add((subj, p, obj))
                if f.iri_template:
                    g.add((subj, SCHEMA.sameAs, URIRef(f.iri_template.format(v.value))))
        label = r.values.get("name") or r.values.get("title")
        if label:
            main.add((subj, RDFS.label, Literal(label[0].value)))
        if r.uncertain:
            main.add((subj, PMKG.uncertain, Literal(True)))
        if r.note:
            main.add((subj, RDFS.comment, Literal(r.note, lang="en")))
        for p in r.participants:
            self.participation(r.id, p.who, p.role, p.source or r.sources[0],
                               p.start, p.end, p.uncertain, p.note)
        if r.kind == "grant":
            self.grant(r, subj, main)

    def participation(self, in_id: str, who: str, role: str, source: str,
                      start: Value | None = None, end: Value | None = None,
                      uncertain: bool = False, note: str | None = None) -> None:
        g = self.graph(source)
        node = self.mint.participation(in_id, role, who)
        thing, agent = self.mint.entity(in_id), self.mint.entity(who)
        g.add((node, RDF.type, ORG.Membership))
        g.add((node, ORG.organization, thing))
        g.add((node, ORG.member, agent))
        g.add((node, ORG.role, ROLE[role]))
        g.add((node, DCTERMS.source, self.mint.source(source)))
        if start:
            g.add((node, SCHEMA.startDate, date_literal(start.value)))
        if end:
            g.add((node, SCHEMA.endDate, date_literal(end.value)))
        if uncertain:
            g.add((node, PMKG.uncertain, Literal(True)))
        if note:
            g.add((node, RDFS.comment, Literal(note, lang="en")))
        if not uncertain:  # an unconfirmed participation stays qualified only: no direct edge
            g.add((thing, self.vocab.shortcut[role], agent))

    def grant(self, r: Record, subj: URIRef, g: Graph) -> None:
        if "amount" in r.values:
            amount = self.mint.amount(r.id)
            g.add((subj, SCHEMA.amount, amount))
            g.add((amount, RDF.type, SCHEMA.MonetaryAmount))
            g.add((amount, SCHEMA.value, decimal_literal(r.values["amount"][0].value)))
            g.add((amount, SCHEMA.currency, Literal(r.values["currency"][0].value)))
        funder = r.values["funder"][0].value
        for item in r.values["funds"]:
            thing = self.mint.entity(item.value)
            g.add((thing, SCHEMA.funding, subj))
            # the funder is a participant of what it funds, so one query finds every role
            self.participation(item.value, funder, "funder", r.sources[0],
                               r.values["start"][0] if "start" in r.values else None,
                               r.values["end"][0] if "end" in r.values else None, r.uncertain)


def build_dataset(data: Data, vocab: Vocabulary, base: str | None = None,
                  imports: Path | str | None = None) -> Dataset:
    """Turn loaded data into a Dataset: a named graph per source, the ontology, and the description.

    ``imports`` is a folder of kept imports (``pmkg import``) to add, each in its own named graph,
    reconciled with the curated records (see :mod:`kg.importers`); None adds none.
    """
    from .describe import describe

    mint = Minter(base)
    ds = _Builder(data, vocab, mint).run()
    loaded = []
    if imports is not None:
        from .importers.kept import load_imports

        loaded = load_imports(ds, imports, mint)
    describe(ds, data, mint)
    if loaded:
        from .importers.kept import describe_imports

        describe_imports(ds, loaded, mint)
    return ds


def build(data_dir: Path | str | None = None, ontology_dir: Path | str | None = None,
          base: str | None = None, imports: Path | str | bool | None = None) -> Dataset:
    """Load ``data_dir`` (default: the project's data/) and build the Dataset.

    ``imports``: a folder of kept imports to include, or False for none. By default (None) the
    project's ``build/imports/`` is included when ``data_dir`` is not given (the project's own
    data), and nothing when it is (tests and other data folders stay as they are).

    Raises :class:`kg.load.DataError` listing every problem in the data, and
    :class:`kg.importers.kept.ImportFileError` (a ValueError) naming a kept import that cannot be read.
    """
    from . import paths

    ontology_dir = Path(ontology_dir or paths.ontology_dir())
    vocab = load_vocabulary(ontology_dir)
    data = load(Path(data_dir or paths.data_dir()), vocab.concepts)
    if imports is None and data_dir is None:
        imports = paths.build_dir() / "imports"
    folder = imports if imports not in (None, False, True) else None
    if imports is True:
        folder = paths.build_dir() / "imports"
    return build_dataset(data, vocab, base, folder)


__all__ = ["build", "build_dataset", "load_vocabulary", "load_concepts", "Vocabulary"]


def write_outputs(ds: Dataset, out_dir: Path | str) -> list[Path]:
    """Write ``pmkg.ttl`` (the union, byte-stable), ``pmkg.trig`` (per-source graphs) and ``network.html``
    (the offline network page of the landscape) to ``out_dir``.

    All are rendered before any is written, each file is replaced atomically.
    """
    from .export import serialize
    from .files import atomic_write_many
    from .viz import network_page

    out = Path(out_dir)
    rendered = {out / "pmkg.ttl": serialize(ds, "turtle"), out / "pmkg.trig": serialize(ds, "trig"),
                out / "network.html": network_page(ds)}
    return atomic_write_many(rendered)
