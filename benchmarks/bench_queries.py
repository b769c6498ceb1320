"""Benchmark: every named query on the shipped data, rdflib (the default store) against Oxigraph.

    python benchmarks/bench_queries.py [--repeat 3] [--data DIR]

Each query runs through ``kg.query.run`` exactly as ``pmkg query`` runs it (parse, entity
look-up, evaluation), once to warm up, then --repeat times; the table gives the median wall time
and the median CPU time of this process (on a busy machine CPU time is the fairer figure), the
rows or triples returned, and rdflib's time as a multiple of Oxigraph's, the baseline measured in
the same run. Also run: the heavier parameter settings (two and three hops, hub to hub).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES = [(name, {}) for name in (
    "active-in", "connection", "consortium", "coordinators", "country-participation", "coverage", "drup-family",
    "external-ids", "funding", "neighbourhood", "organisation-portfolio", "provenance", "sectors",
    "shared-projects", "trials")] + [
    ("consortium", {"project": "ECHoS", "uncertain": "true"}),
    ("coverage", {"uncertain": "true"}),
    ("connection", {"from": "GMS", "to": "Testbed"}),
    ("connection", {"from": "European Commission", "to": "GMS"}),
    ("neighbourhood", {"entity": "PRIME-ROSE", "hops": "2"}),
    ("neighbourhood", {"entity": "GMS", "hops": "3"}),
]


def measure(run, repeat: int) -> tuple[float, float, int]:
    """(median wall s, median CPU s, size of the answer) after one warm-up run."""
    res = run()
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        res = run()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    size = len(res.triples) if res.kind in ("CONSTRUCT", "DESCRIBE") else len(res.rows)
    return statistics.median(walls), statistics.median(cpus), size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", help="data folder (default: the project's data/)")
    args = ap.parse_args()

    from kg import query as Q
    from kg.assemble import Config, assemble
    from kg.memstore import MemoryStore
    from kg.store import OxigraphStore

    t = time.perf_counter()
    asm = assemble(Config.resolve(args.data))
    print(f"graph: {len(asm.quads)} quads, assembled in {time.perf_counter() - t:.2f} s")
    stores = {"rdflib": MemoryStore.from_assembly(asm),
              "oxigraph": OxigraphStore.from_nquads(asm.nquads(names=True, default=True))}
    print(f"{'query':24s} {'parameters':38s} {'n':>5s} {'rdflib wall':>11s} {'rdflib cpu':>10s} "
          f"{'oxigraph wall':>13s} {'ratio (cpu)':>11s}")
    for name, params in CASES:
        r_wall, r_cpu, n = measure(partial(Q.run, name, params, stores["rdflib"]), args.repeat)
        o_wall, o_cpu, n2 = measure(partial(Q.run, name, params, stores["oxigraph"]), args.repeat)
        assert n == n2, f"{name} {params}: rdflib {n} and Oxigraph {n2} answers differ"
        shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "(defaults)"
        print(f"{name:24s} {shown:38s} {n:5d} {r_wall:10.3f}s {r_cpu:9.3f}s {o_wall:12.3f}s "
              f"{r_cpu / max(o_cpu, 1e-4):10.0f}x")


if __name__ == "__main__":
    main()
