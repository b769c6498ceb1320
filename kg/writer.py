"""The one writer of the RDF model: records in, quads out.

Curated records (:mod:`kg.load`) and imported ones (:mod:`kg.importers`) are
written here and nowhere else, so a field, a role or a kind is added in
:mod:`kg.model` or ``ontology/concepts.ttl`` once and every record gets it.

Quads are N-Quads terms (strings, :mod:`kg.terms`), which a :class:`Quads`
collector keeps once each and hands to any store (rdflib, Oxigraph, an N-Quads
file). Literals are written in their canonical XSD form, the form Oxigraph
stores, so every store holds the same terms and the union is the same set
everywhere.

Every entity's statements go into the named graph of the source they were read
from (``graph/<source id>``); an import is a source like any other
(``graph/import-<name>``).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Literal, URIRef

from . import model
from .iris import Minter
from .namespaces import CONCEPT, DCAT, DCTERMS, ORG, PMKG, PROV, RDF, RDFS, SCHEMA, WD, XSD
from .records import Participation, Record, SizeClaim, Source
from .terms import canonical_duration, date_lit, datetime_lit, decimal_lit, integer_lit, iri, lit
from .vocab import Vocabulary


def nt(term: Any) -> str:
    """An rdflib term as an N-Quads term, in the canonical form the writer uses."""
    if isinstance(term, URIRef):
        return iri(str(term))
    if isinstance(term, Literal):
        dt = str(term.datatype) if term.datatype is not None else None
        lex = str(term)
        if dt == str(XSD.decimal):
            return decimal_lit(lex)
        if dt == str(XSD.integer):
            return integer_lit(int(lex))
        if dt == str(XSD.boolean):
            return lit("true" if lex in ("true", "1") else "false", datatype=dt)
        if dt == str(XSD.dateTime):   # rdflib writes UTC as +00:00, Oxigraph (and pmkg) as Z
            return datetime_lit(lex)
        return lit(lex, term.language, dt)
    if isinstance(term, BNode):
        raise ValueError(f"blank node {term!r}: pmkg mints an IRI for every node")
    raise TypeError(f"not an RDF term: {term!r}")


# --- collecting quads ------------------------------------------------------------------------------

class Quads:
    """Quads kept once each, by graph: what the writer produces and every store loads.

    ``add(s, p, o, g)`` takes N-Quads terms. :meth:`union` is the set of distinct triples of every
    graph except ``exclude`` (the names index), which stores hold as their default graph.
    """

    def __init__(self) -> None:
        self.graphs: dict[str, set[str]] = {}

    def add(self, s: str, p: str, o: str, g: str) -> None:
        t = self.graphs.get(g)
        if t is None:
            t = self.graphs[g] = set()
        t.add(f"{s} {p} {o}")

    def __len__(self) -> int:
        return sum(len(t) for t in self.graphs.values())

    def union(self, exclude: Iterable[str] = ()) -> set[str]:
        skip = set(exclude)
        out: set[str] = set()
        for g, triples in self.graphs.items():
            if g not in skip:
                out |= triples
        return out

    def nquads(self, graphs: Iterable[str] | None = None, default: Iterable[str] | None = None) -> list[str]:
        """N-Quads lines, sorted (the same data always gives the same bytes, and the same order a
        store's sorted dump has): the named graphs ``graphs`` (default: all), and ``default`` triples
        in the default graph."""
        lines = [f"{t} {g} .\n" for g in (self.graphs if graphs is None else graphs)
                 for t in self.graphs.get(g, ())]
        if default is not None:
            lines.extend(f"{t} .\n" for t in default)
        lines.sort()
        return lines


# --- the writer ------------------------------------------------------------------------------------

T_TYPE, T_SOURCE, T_LABEL, T_COMMENT = (iri(str(t)) for t in (RDF.type, DCTERMS.source, RDFS.label, RDFS.comment))
T_MEMBERSHIP, T_ORGANIZATION, T_MEMBER, T_ROLE = (iri(str(t)) for t in (ORG.Membership, ORG.organization,
                                                                       ORG.member, ORG.role))
T_START, T_END, T_SAMEAS = iri(str(SCHEMA.startDate)), iri(str(SCHEMA.endDate)), iri(str(SCHEMA.sameAs))
T_AMOUNT, T_MONEY, T_VALUE, T_CURRENCY, T_FUNDING = (iri(str(t)) for t in (
    SCHEMA.amount, SCHEMA.MonetaryAmount, SCHEMA.value, SCHEMA.currency, SCHEMA.funding))
T_UNCERTAIN, T_TRUE = iri(str(PMKG.uncertain)), lit("true", datatype=str(XSD.boolean))


class Writer:
    """Turns sources and records into quads (see the module docstring)."""

    def __init__(self, mint: Minter, vocab: Vocabulary, out: Quads | None = None) -> None:
        self.mint, self.vocab = mint, vocab
        self.out = out if out is not None else Quads()
        self._terms: dict[Any, str] = {}
        self._graphs: dict[str, str] = {}

    # helpers -----------------------------------------------------------------------------------
    def _t(self, p: Any) -> str:
        s = self._terms.get(p)
        if s is None:
            s = self._terms[p] = iri(str(p))
        return s

    def graph(self, source_id: str) -> str:
        g = self._graphs.get(source_id)
        if g is None:
            g = self._graphs[source_id] = iri(str(self.mint.graph(source_id)))
        return g

    def entity(self, record_id: str) -> str:
        return f"<{self.mint.entity_iri(record_id)}>"

    def term(self, f: model.Field, value: Any) -> str:
        """The object term of one checked value of field ``f``."""
        t = f.type
        if t == model.TEXT:
            return lit(value)
        if t == model.TEXT_EN:
            return lit(value, lang="en")
        if t == model.DATE:
            return date_lit(value)
        if t in (model.URL, model.ROR):
            return iri(value)
        if t == model.WIKIDATA:
            return iri(str(WD) + value)
        if t == model.REF:
            return self.entity(value)
        if t == model.CONCEPT:
            return iri(f"{CONCEPT}{f.scheme}/{value}")
        if t == model.DECIMAL:
            return decimal_lit(value)
        if t == model.DURATION:
            return lit(canonical_duration(value), datatype=str(XSD.duration))
        if t == model.BOOL:
            return lit("true" if value else "false", datatype=str(XSD.boolean))
        if t == model.IDENT and f.datatype is not None:
            return lit(str(value), datatype=str(f.datatype))
        return lit(str(value))  # COUNTRY, IDENT, CURRENCY

    # sources -----------------------------------------------------------------------------------
    def source(self, s: Source) -> None:
        """The source node (``pmkg:Source``, ``prov:Entity``) in its own graph; an import's with its
        provenance: the activity that made it, the importer, and the files read."""
        add, g, P = self.out.add, self.graph(s.id), self._t
        node = iri(str(self.mint.source(s.id)))
        add(node, T_TYPE, P(PMKG.Source), g)
        add(node, T_TYPE, P(PROV.Entity), g)
        add(node, P(DCTERMS.title), lit(s.title), g)
        add(node, T_LABEL, lit(s.title), g)
        if s.url:
            add(node, P(SCHEMA.url), iri(s.url), g)
        if s.accessed:
            add(node, P(PMKG.accessed), date_lit(s.accessed), g)
        if s.publisher:
            add(node, P(DCTERMS.publisher), lit(s.publisher), g)
        if s.importer is None:
            return
        from . import __version__

        name = s.id[len("import-"):] if s.id.startswith("import-") else s.id
        kind, version = s.importer
        act = iri(str(self.mint.import_part(name, "activity")))
        agent = iri(str(self.mint.import_part(name, "importer")))
        if s.generated:
            add(node, P(DCTERMS.created), datetime_lit(s.generated), g)
            add(act, P(PROV.endedAtTime), datetime_lit(s.generated), g)
        add(node, P(PROV.wasGeneratedBy), act, g)
        add(act, T_TYPE, P(PROV.Activity), g)
        add(act, P(PROV.wasAssociatedWith), agent, g)
        add(agent, T_TYPE, P(PROV.SoftwareAgent), g)
        add(agent, T_LABEL, lit(f"pmkg {kind} importer"), g)
        add(agent, P(SCHEMA.softwareVersion), lit(version), g)
        add(agent, P(DCTERMS.isPartOf), iri(f"https://pypi.org/project/pmkg/{__version__}"), g)
        for f in s.files:
            fnode = iri(str(self.mint.import_part(name, "file-" + f["name"])))
            add(node, P(PROV.wasDerivedFrom), fnode, g)
            add(act, P(PROV.used), fnode, g)
            add(fnode, T_TYPE, P(PROV.Entity), g)
            add(fnode, P(DCTERMS.title), lit(f["name"]), g)
            if f.get("modified"):
                add(fnode, P(DCTERMS.modified), datetime_lit(f["modified"]), g)
            if f.get("size") is not None:
                add(fnode, P(DCAT.byteSize), integer_lit(f["size"]), g)

    # records -----------------------------------------------------------------------------------
    def record(self, r: Record) -> None:
        """Every statement of one record: classes, field values, label, participations, and for a
        grant its amount and the funder's participation in what it funds."""
        kind = model.KINDS[r.kind]
        add, P = self.out.add, self._t
        subj = self.entity(r.id)
        main = self.graph(r.sources[0])
        source_node = {src: iri(str(self.mint.source(src))) for src in r.sources}
        for cls in kind.classes:
            add(subj, T_TYPE, P(cls), main)
        if kind.kind_field and r.values.get(kind.kind_field):
            scheme = kind.fields_by_name[kind.kind_field].scheme or ""
            for implied in self.vocab.implies(scheme, r.values[kind.kind_field][0].value):
                add(subj, T_TYPE, P(implied), main)
        for src, node in source_node.items():
            add(subj, T_SOURCE, node, self.graph(src))
        for name, values in r.values.items():
            f = kind.fields_by_name[name]
            if f.type == model.SIZE:
                self._sizes(r.id, [v.value for v in values])
                continue
            if not f.predicates and not f.iri_template:
                continue   # written by a shape of its own (a grant's amount and currency)
            for v in values:
                g = main
                if v.source:
                    g = self.graph(v.source)
                    add(subj, T_SOURCE, iri(str(self.mint.source(v.source))), g)
                obj = self.term(f, v.value)
                for p in f.predicates:
                    add(subj, P(p), obj, g)
                if f.iri_template:
                    add(subj, T_SAMEAS, iri(f.iri_template.format(v.value)), g)
        label = r.label
        if label:
            add(subj, T_LABEL, lit(label), main)
        if r.uncertain:
            add(subj, T_UNCERTAIN, T_TRUE, main)
        if r.note:
            add(subj, T_COMMENT, lit(r.note, lang="en"), main)
        for part in r.participants:
            self.participation(r.id, part, part.source or r.sources[0])
        if r.kind == "grant":
            self._grant(r, subj, main)

    def participation(self, in_id: str, p: Participation, source: str) -> None:
        """An ``org:Membership`` node, plus the direct edge of its role unless it is uncertain."""
        add, g = self.out.add, self.graph(source)
        node = iri(str(self.mint.participation(in_id, p.role, p.who)))
        thing, agent = self.entity(in_id), self.entity(p.who)
        add(node, T_TYPE, T_MEMBERSHIP, g)
        add(node, T_ORGANIZATION, thing, g)
        add(node, T_MEMBER, agent, g)
        add(node, T_ROLE, iri(self.vocab.iri("role", p.role)), g)
        add(node, T_SOURCE, iri(str(self.mint.source(source))), g)
        if p.start:
            add(node, T_START, date_lit(p.start.value), g)
        if p.end:
            add(node, T_END, date_lit(p.end.value), g)
        if p.uncertain:
            add(node, T_UNCERTAIN, T_TRUE, g)
        if p.note:
            add(node, T_COMMENT, lit(p.note, lang="en"), g)
        if not p.uncertain:  # an unconfirmed participation stays qualified only: no direct edge
            add(thing, self._t(self.vocab.shortcut(p.role)), agent, g)

    def _sizes(self, record_id: str, claims: list[SizeClaim]) -> None:
        """Each declared consortium size as ``schema:Observation`` nodes in its source's graph: one per
        measured property (pmkg:partnerCount, pmkg:countryCount) and claim, with the project
        (schema:observationAbout), the number (xsd:integer), the date the claim refers to, its source
        and a note. Claims that disagree are all kept."""
        add, P = self.out.add, self._t
        about = self.entity(record_id)
        for claim in claims:
            g, src = self.graph(claim.source), iri(str(self.mint.source(claim.source)))
            for measure, prop, value in (("partners", PMKG.partnerCount, claim.partners),
                                         ("countries", PMKG.countryCount, claim.countries)):
                if value is None:
                    continue
                node = iri(str(self.mint.observation(record_id, claim.source, measure, claim.date)))
                add(node, T_TYPE, P(SCHEMA.Observation), g)
                add(node, P(SCHEMA.observationAbout), about, g)
                add(node, P(SCHEMA.measuredProperty), P(prop), g)
                add(node, T_VALUE, integer_lit(value), g)
                add(node, T_SOURCE, src, g)
                if claim.date:
                    add(node, P(SCHEMA.observationDate), date_lit(claim.date), g)
                if claim.note:
                    add(node, T_COMMENT, lit(claim.note, lang="en"), g)

    def _grant(self, r: Record, subj: str, g: str) -> None:
        add = self.out.add
        if "amount" in r.values:
            amount = iri(str(self.mint.amount(r.id)))
            add(subj, T_AMOUNT, amount, g)
            add(amount, T_TYPE, T_MONEY, g)
            add(amount, T_VALUE, decimal_lit(r.values["amount"][0].value), g)
            add(amount, T_CURRENCY, lit(r.values["currency"][0].value), g)
        funder = r.first("funder")
        start, end = r.values.get("start", [None])[0], r.values.get("end", [None])[0]
        for item in r.all("funds"):
            add(self.entity(item), T_FUNDING, subj, g)
            # the funder is a participant of what it funds, so one query finds every role
            self.participation(item, Participation(funder, "funder", start, end, uncertain=r.uncertain),
                               r.sources[0])

    # the ontology --------------------------------------------------------------------------------
    def triples(self, triples: Iterable[tuple], graph_name: str) -> None:
        """rdflib triples (the ontology, the description) into the graph ``graph/<graph_name>``."""
        add, g = self.out.add, self.graph(graph_name)
        for s, p, o in triples:
            add(nt(s), nt(p), nt(o), g)
