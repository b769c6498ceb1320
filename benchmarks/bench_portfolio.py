"""organisation-portfolio before and after its rewrite for Oxigraph (issue 12), in the same run.

The query text of a previous revision (``--before``, default the commit before the rewrite) and the
checkout's are answered through ``kg.query.answer`` on the synthetic graph of bench_store.py (Oxigraph
in memory; ``--rdflib`` for rdflib's memory store), for a hub, a well-connected and a typical
organisation, with uncertain=false and true. The rows must be the same; the figure is the median of
``--reps`` warm runs.

    python benchmarks/bench_portfolio.py                       # Oxigraph at 750k
    python benchmarks/bench_portfolio.py --size 70k --rdflib   # rdflib at 70k (slow before the rewrite)
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import time

import bench_store
import pyoxigraph as ox

from kg.query import answer, from_text

PM = "https://w3id.org/pmkg/id/"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default="236141b", help="revision of the previous query text")
    ap.add_argument("--size", default="750k", choices=list(bench_store.SIZES))
    ap.add_argument("--rdflib", action="store_true", help="rdflib's memory store instead of Oxigraph")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    path = "queries/organisation-portfolio.rq"
    texts = {"before": subprocess.run(["git", "show", f"{args.before}:{path}"], cwd=bench_store.ROOT, check=True,
                                      capture_output=True, text=True).stdout,
             "after": (bench_store.ROOT / path).read_text(encoding="utf-8")}
    nq = bench_store.dataset_file(args.size)
    if args.rdflib:
        from rdflib import Dataset

        from kg.memstore import MemoryStore

        ds = Dataset(default_union=True)
        ds.parse(str(nq), format="nquads")
        store = MemoryStore(ds)
    else:
        from kg.store import OxigraphStore

        store = OxigraphStore.from_nquads(nq)
    n = bench_store.SIZES[args.size]
    print("| organisation | uncertain | rows | before (s) | after (s) |\n|---|---|---|---|---|")
    for org in ("org-0", "org-3", f"org-{n // 10}"):
        for unc in ("false", "true"):
            rows, times = {}, {}
            for label, text in texts.items():
                q = from_text(text, "organisation-portfolio", library=True)
                runs = []
                for _ in range(args.reps + 1):
                    t = time.perf_counter()
                    res = answer(q, {"organisation": ox.NamedNode(PM + org), "uncertain": unc}, store).result
                    runs.append(time.perf_counter() - t)
                rows[label] = [tuple(map(str, r)) for r in res.rows]
                times[label] = statistics.median(runs[1:])
            assert rows["before"] == rows["after"], f"{org} uncertain={unc}: the rows differ"
            print(f"| {org} | {unc} | {len(rows['after'])} | {times['before']:.3f} | {times['after']:.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
