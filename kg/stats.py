"""Counts of what the graph holds: entities by class, organisations by country, participations by role,
and how complete each consortium is against the sizes its sources declare.

Read through any store with SPARQL (``queries/_stats-*.rq`` and the named query ``coverage``), so
``pmkg stats`` counts what ``--store`` or ``--endpoint`` holds, each distinct triple once.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import pyoxigraph as ox

from .config import default_base
from .prefixes import curie, instance_prefixes
from .query import get, run
from .store import Store, names_graph


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


def stats(store: Store, uncertain: bool = False) -> Stats:
    """Count the default graph (the union) of ``store``; entities are the subjects minted under ``pm:``.

    Participations and entities no source confirms (``pmkg:uncertain true``) stay out of the counts and
    the coverage unless ``uncertain`` is true; ``uncertain_participations`` says how many there are.
    """
    base = getattr(store, "base", None) or default_base()
    ns = instance_prefixes(base)["pm"]
    st = Stats(uncertain_counted=uncertain)
    skip = names_graph(base)
    for row in store.query(get("_stats-size").text).strings():
        if row["triples"] is not None:
            st.triples = int(row["triples"])
        elif row["graph"] and row["graph"] != skip:
            st.named_graphs += 1
    if st.triples and not st.named_graphs:   # Virtuoso 7 matches no `GRAPH ?g { }`: list them the long way
        res = store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        st.named_graphs = sum(1 for (g,) in res.rows if g is not None and g.value != skip)
    for row in store.query(get("_stats-counts").text, {"ns": ox.Literal(ns)}).strings():
        what, key, n = row["what"], row["key"] or "", int(row["n"] or 0)
        if what in ("uncertain entities", "uncertain class", "uncertain country") and uncertain:
            what = what.split(" ", 1)[1]   # an entity no source confirms counts only when asked for
        if what == "entities":
            st.entities += n
        elif what == "class":
            st.by_class[curie(key)] += n
        elif what == "country":
            st.by_country[key] += n
        elif what == "role" or (what == "uncertain role" and uncertain):
            st.by_role[key.rsplit("/", 1)[-1]] += n
        if what == "uncertain role":
            st.uncertain_participations += n
    st.coverage = coverage(store, uncertain)
    return st


def coverage(store: Store, uncertain: bool = False) -> list[Coverage]:
    """Every project and collaboration with its known members and countries and the sizes its sources
    declare, sorted by name: the named query ``coverage``, one :class:`Coverage` per project."""
    res = run("coverage", {"uncertain": "true" if uncertain else "false"}, store)
    all_res = run("coverage", {"uncertain": "true"}, store) if not uncertain else res
    # the query binds ?project, ?members and ?countries in every row, and ?source with each declared size
    everyone = {r["project"] or "": int(r["members"] or 0) for r in all_res.strings()}
    out: dict[str, Coverage] = {}
    for r in res.strings():
        project = r["project"] or ""
        c = out.get(project)
        if c is None:
            members = int(r["members"] or 0)
            c = out[project] = Coverage(project, r["name"] or project, members, int(r["countries"] or 0),
                                        max(everyone.get(project, members) - members, 0))
        if r["declaredPartners"]:
            c.declared.append(Declared(int(r["declaredPartners"]),
                                       int(r["declaredCountries"]) if r["declaredCountries"] else None,
                                       r["date"], (r["source"] or "").rsplit("/", 1)[-1]))
    for c in out.values():
        c.declared.sort(key=lambda d: (d.date or "", d.source))
    return sorted(out.values(), key=lambda c: (c.name.casefold(), c.project))


def format_stats(st: Stats) -> str:
    """A short human-readable report."""
    lines = [f"{st.triples} triples in {st.named_graphs} named graphs, {st.entities} entities", "",
             "Entities by class:"]
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
