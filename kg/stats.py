"""Counts of what the graph holds: entities by class, organisations by country, participations by role.

Read through any store with two SPARQL queries (``queries/_stats-*.rq``), so ``pmkg stats`` counts
what ``--store`` or ``--endpoint`` holds, each distinct triple once.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from .config import default_base
from .prefixes import curie, instance_prefixes
from .query import get
from .store import Store, names_graph


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


def stats(store: Store) -> Stats:
    """Count the default graph (the union) of ``store``; entities are the subjects minted under ``pm:``."""
    base = getattr(store, "base", None) or default_base()
    ns = instance_prefixes(base)["pm"]
    st = Stats()
    skip = names_graph(base)
    for row in store.query(get("_stats-size").text).strings():
        if row["triples"] is not None:
            st.triples = int(row["triples"])
        elif row["graph"] and row["graph"] != skip:
            st.named_graphs += 1
    for row in store.query(get("_stats-counts").text, {"ns": ox.Literal(ns)}).strings():
        what, key, n = row["what"], row["key"] or "", int(row["n"] or 0)
        if what == "entities":
            st.entities = n
        elif what == "class":
            st.by_class[curie(key)] = n
        elif what == "country":
            st.by_country[key] = n
        elif what == "role":
            st.by_role[key.rsplit("/", 1)[-1]] = n
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
