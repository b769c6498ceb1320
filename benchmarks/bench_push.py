"""Benchmark: `pmkg push` of a graph of about 750,000 quads into Virtuoso 7 and, beside it, an Oxigraph server.

    python benchmarks/bench_push.py [--cordis 8000] [--buffers 170000]
    python benchmarks/bench_push.py --many-graphs 4700      # bench_store's shape: a named graph per page

The default graph is built the way the graph grows: a project with the shipped data and a synthetic CORDIS
import of --cordis projects (benchmarks/bench_import.py writes the CSV files; `pmkg import cordis` and
`pmkg build` as a user runs them; 8,000 projects give about 740,000 quads, one named graph for the import
beside the curated sources' ~135). --many-graphs instead writes bench_store.py's synthetic graph, whose
sources are thousands of small named graphs (about 1.4 per project): the worst case for a Graph Store push,
one request per graph.

Each server is started on 127.0.0.1 with an empty database of its own (Virtuoso with the settings of the
test fixture, tests/conftest.py, and --buffers pages of 8 KiB), then ``kg.push.push`` sends every named
graph and the union, as `pmkg push` does: into Virtuoso through /sparql-graph-crud-auth (HTTP Digest, the
union in a graph of its own), into Oxigraph through /store (the union as the default graph), one graph at a
time and, for Oxigraph, also four at a time. Timed apart: the client's preparation (N-Quads to one
N-Triples body per graph), the largest PUT (the union or the import's graph), the PUTs of the other
graphs and the whole push (its own preparation included); then the server is asked how many quads it
holds. Results are printed and kept in benchmarks/results/push.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "tests")]

UNION = "https://w3id.org/pmkg/graph/union"


def synthetic(projects: int):
    """bench_store's synthetic graph of ``projects`` projects, as an Oxigraph store."""
    from bench_store import synthetic_data

    from kg.assemble import write
    from kg.iris import Minter
    from kg.store import OxigraphStore
    from kg.vocab import vocabulary

    vocab = vocabulary(ROOT / "ontology")
    data = synthetic_data(projects, vocab.schemes())
    for s in data.sources.values():   # an older bench_store passes Source(id, url, title): put them in order
        if s.title.startswith("https://") and s.url and not s.url.startswith("https://"):
            s.title, s.url = s.url, s.title
    quads = write(data, vocab, Minter())
    return OxigraphStore.from_nquads("".join(quads.nquads()).encode("utf-8"))


def cordis_project(n: int, folder: Path):
    """A project with the shipped data and a synthetic CORDIS import of ``n`` projects, imported and built
    with the CLI; returns its published store."""
    from bench_import import generate
    from bench_published import pmkg, project, timed

    env = project(folder / "project", ROOT)
    p, o, _ = generate(n, folder / "csv")
    imp = timed(pmkg("import", "cordis", "--projects", str(p), "--organizations", str(o)), env)
    build = timed(pmkg("build"), env)
    print(f"  import {imp['s']} s, build {build['s']} s ({build['mib']} MiB)", flush=True)
    os.environ["PMKG_ROOT"] = env["PMKG_ROOT"]
    from kg.build import published_store

    return published_store(quiet=True)


def count(url: str) -> int:
    """Quads the server holds in pmkg's graphs (Virtuoso's own graphs left out)."""
    from kg.store import EndpointStore

    q = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
         "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/pmkg/graph/')) }")
    return int(EndpointStore(url, timeout=600).query(q).rows[0][0].value)


def measure(store, gsp: str, query: str, workers: int = 1, **kw) -> dict:
    """Push ``store`` to ``gsp`` as `pmkg push` does; time the client's preparation, the whole push and,
    apart, the PUT of the union and of the other graphs."""
    import kg.push as P
    from kg.store import names_graph

    t = time.perf_counter()
    graphs = P.graphs_to_push(store.nquads(names=True), None, names_graph(None), kw.get("union_graph"))
    prepare = time.perf_counter() - t
    sent, biggest = sum(n for _, _, n in graphs), max(n for _, _, n in graphs)
    del graphs
    spent: list[tuple[float, int]] = []
    send = P._send

    def timed(method, url, body, *args):
        t0 = time.perf_counter()
        try:
            return send(method, url, body, *args)
        finally:
            spent.append((time.perf_counter() - t0, len(body or b"")))

    P._send = timed
    try:
        t = time.perf_counter()
        report = P.push(store, gsp, timeout=1800, workers=workers, **kw)
        total = time.perf_counter() - t
    finally:
        P._send = send
    union = max(spent)
    return {"quads sent": sent, "graphs": len(report.graphs), "union triples": biggest,
            "prepare s": round(prepare, 1), "largest PUT s": round(union[0], 1),
            "other PUTs s": round(sum(s for s, _ in spent) - union[0], 1), "push s": round(total, 1),
            "quads/s": round(sent / total), "held": count(query), "workers": workers}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cordis", type=int, default=8_000, help="projects of the synthetic CORDIS import")
    ap.add_argument("--many-graphs", type=int, metavar="PROJECTS",
                    help="bench_store's synthetic graph of PROJECTS projects instead (a named graph per page)")
    ap.add_argument("--buffers", type=int, default=170_000, help="Virtuoso NumberOfBuffers (8 KiB pages)")
    args = ap.parse_args()

    from conftest import free_port, start_virtuoso, stop_process, wait_for_port

    work = Path(tempfile.mkdtemp(prefix="pmkg-bench-push-"))
    t = time.perf_counter()
    if args.many_graphs:
        store, shape = synthetic(args.many_graphs), f"bench_store synthetic, {args.many_graphs} projects"
    else:
        store, shape = cordis_project(args.cordis, work), f"curated + synthetic CORDIS import of {args.cordis}"
    named = len(store.nquads(names=False).splitlines())
    held_named = len(store.nquads(names=True).splitlines())   # with the names index, which is pushed too
    print(f"{shape}: {named:,} quads in named graphs (made in {time.perf_counter() - t:.0f} s)", flush=True)
    results = {"graph": shape, "quads": named}
    try:
        tmp = str(work)
        proc, v = start_virtuoso(Path(tmp), buffers=args.buffers)
        try:
            results["virtuoso"] = measure(store, v.gsp, v.sparql, union_graph=UNION, auth=v.auth)
        finally:
            stop_process(proc)
        print("virtuoso", results["virtuoso"], flush=True)
        exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        port = free_port()
        ox_proc = subprocess.Popen([exe, "serve", "--location", str(Path(tmp) / "oxigraph"), "--bind",
                                    f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(port, ox_proc)
            base = f"http://127.0.0.1:{port}"
            results["oxigraph"] = measure(store, base + "/store", base + "/query")
            results["oxigraph-parallel"] = measure(store, base + "/store", base + "/query", workers=4)
        finally:
            stop_process(ox_proc)
        print("oxigraph", results["oxigraph"], "\nparallel", results["oxigraph-parallel"], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # Virtuoso holds the union in a named graph of pmkg's, Oxigraph in its default graph
    assert results["virtuoso"]["held"] == results["virtuoso"]["quads sent"], results
    assert results["oxigraph"]["held"] == held_named, results
    out = HERE / "results" / "push.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print("\n| server | quads sent | graphs | preparation | largest PUT | other PUTs | push (all) | quads/s |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("virtuoso", "oxigraph", "oxigraph-parallel"):
        r = results[name]
        print(f"| {name} | {r['quads sent']:,} | {r['graphs']} | {r['prepare s']} s | {r['largest PUT s']} s | "
              f"{r['other PUTs s']} s | {r['push s']} s | {r['quads/s']:,} |")


if __name__ == "__main__":
    main()
