"""Counts of what the graph holds: entities by class, organisations by country, participations by role,
and how complete each consortium is against the sizes its sources declare."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from rdflib import Dataset, Graph, Literal, URIRef

from .namespaces import DCTERMS, ORG, PMKG, RDF, RDFS, ROLE, SCHEMA, VOCAB_PREFIXES


def curie(iri: str) -> str:
    """``schema:Organization`` for https://schema.org/Organization (vocabulary prefixes only)."""
    for prefix, ns in VOCAB_PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


@dataclass
class Declared:
    """One consortium size a source declares (a pmkg:partnerCount observation, with the
    pmkg:countryCount the same source gives for the same date)."""

    partners: int
    countries: int | None
    date: str | None
    source: str

    def as_dict(self) -> dict:
        return {"partners": self.partners, "countries": self.countries, "date": self.date, "source": self.source}


@dataclass
class Coverage:
    """What the graph knows of one project or collaboration, next to the sizes its sources declare.

    ``members`` counts each member once, over every role but funder; ``uncertain_members`` are those
    known only through participations no source confirms (counted in ``members`` only when asked).
    """

    project: str
    name: str
    members: int
    countries: int
    uncertain_members: int
    declared: list[Declared] = field(default_factory=list)

    @staticmethod
    def _span(values: list[int]) -> str:
        lo, hi = min(values), max(values)
        return str(lo) if lo == hi else f"{lo}-{hi}"

    def declared_partners(self) -> str:
        """The declared partner counts as ``24`` or, when sources disagree, ``24-28``."""
        return self._span([d.partners for d in self.declared]) if self.declared else ""

    def declared_countries(self) -> str:
        counts = [d.countries for d in self.declared if d.countries is not None]
        return self._span(counts) if counts else ""

    def share(self) -> str:
        """Known members as a percentage of the declared partners (a range when sources disagree)."""
        if not self.declared:
            return ""
        return self._span(sorted({percent(self.members, d.partners) for d in self.declared})) + "%"

    def as_dict(self) -> dict:
        return {"project": self.project, "name": self.name, "members": self.members, "countries": self.countries,
                "uncertain_members": self.uncertain_members,
                "declared": [d.as_dict() for d in self.declared]}


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` in whole percent, halves rounded up (as SPARQL's ROUND, used by `coverage`)."""
    return int(Fraction(100 * part, whole) + Fraction(1, 2))


@dataclass
class Stats:
    triples: int = 0
    named_graphs: int = 0
    entities: int = 0
    by_class: Counter = field(default_factory=Counter)
    by_country: Counter = field(default_factory=Counter)
    by_role: Counter = field(default_factory=Counter)
    uncertain_participations: int = 0
    uncertain_counted: bool = False
    coverage: list[Coverage] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "triples": self.triples, "named_graphs": self.named_graphs, "entities": self.entities,
            "by_class": dict(sorted(self.by_class.items())),
            "organisations_by_country": dict(sorted(self.by_country.items())),
            "participations_by_role": dict(sorted(self.by_role.items())),
            "uncertain_participations": self.uncertain_participations,
            "uncertain_counted": self.uncertain_counted,
            "coverage": [c.as_dict() for c in self.coverage],
        }


def stats(ds: Dataset, uncertain: bool = False) -> Stats:
    """Count the union graph of ``ds``; entities are the subjects minted under the ``pm:`` namespace.

    Participations no source confirms (``pmkg:uncertain true``) stay out of the role counts and the
    coverage unless ``uncertain`` is true; ``uncertain_participations`` says how many there are.
    """
    from .export import base_of, union

    g = union(ds)
    entity_ns = base_of(ds) + "id/"
    st = Stats(triples=len(g), named_graphs=sum(1 for _ in ds.graphs()) - 1, uncertain_counted=uncertain)
    entities = set()
    for s, o in g.subject_objects(RDF.type):
        if isinstance(s, URIRef) and str(s).startswith(entity_ns):
            entities.add(s)
            st.by_class[curie(str(o))] += 1
    st.entities = len(entities)
    for s in g.subjects(RDF.type, SCHEMA.Organization):
        if str(s).startswith(entity_ns) and (s, RDF.type, SCHEMA.Project) not in g:
            for c in g.objects(s, SCHEMA.addressCountry):
                st.by_country[str(c)] += 1
    for m in g.subjects(RDF.type, ORG.Membership):
        doubtful = (m, PMKG.uncertain, Literal(True)) in g
        st.uncertain_participations += doubtful
        if doubtful and not uncertain:
            continue
        for r in g.objects(m, ORG.role):
            st.by_role[str(r).rsplit("/", 1)[-1]] += 1
    st.coverage = coverage(g, uncertain)
    return st


def coverage(g: Graph, uncertain: bool = False) -> list[Coverage]:
    """Every project and collaboration (schema:Project) with its known members and countries and the
    sizes its sources declare, sorted by name: the same numbers as the named query ``coverage``."""
    confirmed: dict[str, set[str]] = {}
    doubtful: dict[str, set[str]] = {}
    for m in g.subjects(RDF.type, ORG.Membership):
        if (m, ORG.role, ROLE.funder) in g:
            continue
        into = doubtful if (m, PMKG.uncertain, Literal(True)) in g else confirmed
        into.setdefault(str(g.value(m, ORG.organization)), set()).add(str(g.value(m, ORG.member)))
    countries_of: dict[str, set[str]] = {}
    for org, c in g.subject_objects(SCHEMA.addressCountry):
        countries_of.setdefault(str(org), set()).add(str(c))
    declared: dict[str, list[Declared]] = {}
    for obs in g.subjects(SCHEMA.measuredProperty, PMKG.partnerCount):
        about, source = g.value(obs, SCHEMA.observationAbout), g.value(obs, DCTERMS.source)
        date = g.value(obs, SCHEMA.observationDate)
        country_count = None
        for other in g.subjects(SCHEMA.observationAbout, about):
            if ((other, SCHEMA.measuredProperty, PMKG.countryCount) in g and (other, DCTERMS.source, source) in g
                    and g.value(other, SCHEMA.observationDate) == date):
                country_count = int(str(g.value(other, SCHEMA.value)))
        declared.setdefault(str(about), []).append(Declared(
            int(str(g.value(obs, SCHEMA.value))), country_count, None if date is None else str(date),
            str(source).rsplit("/", 1)[-1]))
    out = []
    for project in {str(p) for p in g.subjects(RDF.type, SCHEMA.Project)}:
        sure = confirmed.get(project, set())
        extra = doubtful.get(project, set()) - sure
        counted = sure | extra if uncertain else sure
        countries = {c for mem in counted for c in countries_of.get(mem, ())}
        name = g.value(URIRef(project), PMKG.acronym) or g.value(URIRef(project), RDFS.label) or project
        claims = sorted(declared.get(project, []), key=lambda d: (d.date or "", d.source))
        out.append(Coverage(project, str(name), len(counted), len(countries), len(extra), claims))
    return sorted(out, key=lambda c: (c.name.casefold(), c.project))


def format_stats(st: Stats) -> str:
    """A short human-readable report."""
    lines = [f"{st.triples} triples in {st.named_graphs} named graphs, {st.entities} entities", "", "Entities by class:"]
    lines += [f"  {n:5d}  {c}" for c, n in sorted(st.by_class.items(), key=lambda x: (-x[1], x[0]))]
    lines += ["", "Organisations by country:"]
    lines += [f"  {n:5d}  {c}" for c, n in sorted(st.by_country.items(), key=lambda x: (-x[1], x[0]))]
    which = "all" if st.uncertain_counted else f"confirmed; {st.uncertain_participations} uncertain left out"
    lines += ["", f"Participations by role ({which}):"]
    lines += [f"  {n:5d}  {r}" for r, n in sorted(st.by_role.items(), key=lambda x: (-x[1], x[0]))]
    lines += ["", *format_coverage(st.coverage, st.uncertain_counted)]
    return "\n".join(lines)


def format_coverage(items: list[Coverage], uncertain: bool = False) -> list[str]:
    """The coverage section: one line per project or collaboration that has a declared size."""
    sized = [c for c in items if c.declared]
    counted = "confirmed and uncertain participations" if uncertain else \
        "confirmed participations only; --uncertain counts the others too"
    lines = [f"Coverage: known members against declared consortium sizes ({counted}):"]
    header = ["project", "members", "of declared", "coverage", "countries", "of declared", "claims"]
    rows = [[c.name, str(c.members), c.declared_partners(), c.share(), str(c.countries), c.declared_countries(),
             str(len(c.declared))] for c in sized]
    if not uncertain:
        header.append("uncertain")
        for row, c in zip(rows, sized):
            row.append(str(c.uncertain_members))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        lines.append("  " + "  ".join(r[0].ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                                      for i, cell in enumerate(r)).rstrip())
    lines.append(f"  {len(sized)} of {len(items)} projects and collaborations have a declared size "
                 f"(`pmkg query coverage` lists each claim with its source).")
    return lines
