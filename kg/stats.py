"""Counts of what the graph holds: entities by class, organisations by country, participations by role."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rdflib import Dataset, URIRef

from .namespaces import ORG, RDF, SCHEMA, VOCAB_PREFIXES


def curie(iri: str) -> str:
    """``schema:Organization`` for https://schema.org/Organization (vocabulary prefixes only)."""
    for prefix, ns in VOCAB_PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


@dataclass
class Stats:
    triples: int = 0
    named_graphs: int = 0
    entities: int = 0
    by_class: Counter = field(default_factory=Counter)
    by_country: Counter = field(default_factory=Counter)
    by_role: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "triples": self.triples, "named_graphs": self.named_graphs, "entities": self.entities,
            "by_class": dict(sorted(self.by_class.items())),
            "organisations_by_country": dict(sorted(self.by_country.items())),
            "participations_by_role": dict(sorted(self.by_role.items())),
        }


def stats(ds: Dataset) -> Stats:
    """Count the union graph of ``ds``; entities are the subjects minted under the ``pm:`` namespace."""
    from .export import base_of, union

    g = union(ds)
    entity_ns = base_of(ds) + "id/"
    st = Stats(triples=len(g), named_graphs=sum(1 for _ in ds.graphs()) - 1)
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
        for r in g.objects(m, ORG.role):
            st.by_role[str(r).rsplit("/", 1)[-1]] += 1
    return st


def format_stats(st: Stats) -> str:
    """A short human-readable report."""
    lines = [f"{st.triples} triples in {st.named_graphs} named graphs, {st.entities} entities", "", "Entities by class:"]
    lines += [f"  {n:5d}  {c}" for c, n in sorted(st.by_class.items(), key=lambda x: (-x[1], x[0]))]
    lines += ["", "Organisations by country:"]
    lines += [f"  {n:5d}  {c}" for c, n in sorted(st.by_country.items(), key=lambda x: (-x[1], x[0]))]
    lines += ["", "Participations by role:"]
    lines += [f"  {n:5d}  {r}" for r, n in sorted(st.by_role.items(), key=lambda x: (-x[1], x[0]))]
    return "\n".join(lines)
