"""Benchmark: one graph, assembled once. `pmkg build` and a cold `pmkg query` on the published store.

    python benchmarks/bench_published.py [--realdata ../shared/realdata] [--cordis 10000 13000]
                                         [--previous 7c953ee] [--reps 5]
    python benchmarks/bench_published.py --queries N [--previous REV] [--cap S] [--project DIR]

Scenarios, each in a project folder of its own (the shipped data/, ontology/ and queries/):

* curated   -- the shipped data alone
* realdata  -- plus kept imports of real registry records (three ClinicalTrials.gov downloads and a ROR
               dump: about 75,000 imported quads), when --realdata names the folder
* cordis-N  -- plus a synthetic CORDIS import of N projects (benchmarks/bench_import.py writes it)

For each: `pmkg build` (time and peak memory of the process), then `pmkg query consortium --param
project=ECHoS` run cold (a fresh process each time; the median of --reps runs), with `pmkg --help` in
the same run as the floor of any command. With --previous, the same steps of that revision of pmkg
(extracted with git archive, run with its own importers) are measured beside them for the realdata
scenario: the baseline the figures are compared with. Results are printed and kept in
benchmarks/results/published.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_import import generate  # noqa: E402  (the synthetic CORDIS writer of the import benchmark)

# A child that runs a command and reports its wall time and the peak memory of what it ran.
TIMED = ("import resource, subprocess, sys, time\n"
         "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
         "print(p.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
         "sys.stderr.write(p.stderr[-2000:])\n")


def timed(args: list[str], env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", TIMED, *args], capture_output=True, text=True, env=env,
                         cwd=env["PMKG_ROOT"])   # `python -m kg` runs the pmkg of PYTHONPATH, not of the cwd
    code, secs, rss = out.stdout.split()
    if code != "0":
        raise RuntimeError(f"{' '.join(args)} failed ({code}): {out.stderr}")
    return {"s": round(float(secs), 3), "mib": round(int(rss) / 1024)}


def project(folder: Path, code: Path) -> dict:
    """A project folder using ``code`` (a checkout of pmkg): its env for subprocesses."""
    folder.mkdir(parents=True)
    for name in ("data", "ontology", "queries"):
        (folder / name).symlink_to(code / name)
    return {**os.environ, "PMKG_ROOT": str(folder), "PYTHONPATH": str(code), "SOURCE_DATE_EPOCH": "1767225600"}


def pmkg(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg", *args]


def imports_realdata(env: dict, realdata: Path) -> None:
    for name in ("nsclcbench-ctg-studies", "dgg32-ctg-studies-5", "herniated-disc-ctg-studies"):
        timed(pmkg("import", "ctgov", str(realdata / "ctgov" / f"{name}.json"), "--name", name, "--skip-bad"), env)
    timed(pmkg("import", "ror", str(realdata / "ror" / "ror-v2-nordic-nl-dump.json"), "--all"), env)


def quads(env: dict) -> int:
    """Quads of the graph the project publishes (named graphs, names index left out)."""
    out = subprocess.run(pmkg("query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                              "-f", "csv"), capture_output=True, text=True, env=env, check=True, cwd=env["PMKG_ROOT"])
    return int(out.stdout.splitlines()[1])


def measure(env: dict, reps: int, query: list[str]) -> dict:
    build = timed(pmkg("build"), env)
    cold = [timed(pmkg(*query), env) for _ in range(reps)]
    floor = [timed(pmkg("--help"), env) for _ in range(reps)]
    return {"build_s": build["s"], "build_mib": build["mib"],
            "query_s": statistics.median(c["s"] for c in cold), "query_mib": max(c["mib"] for c in cold),
            "help_s": statistics.median(f["s"] for f in floor)}


QUERY = ["query", "consortium", "--param", "project=ECHoS"]


def query_cases(code: Path, n: int) -> list[tuple[str, list[str]]]:
    """Every named query of ``code`` with its defaults, and the heavy settings on a CORDIS import of ``n``
    projects (bench_import's generator: ORG0 is the largest hub, ORG1 the next; P<i> a project)."""
    names = sorted(p.stem for p in (code / "queries").glob("*.rq") if not p.stem.startswith("_"))
    cases = [(name, []) for name in names]
    hub = [("connection", ["-p", "from=ORG0", "-p", "to=ORG1"]), ("neighbourhood", ["-p", "entity=ORG3"]),
           ("neighbourhood", ["-p", f"entity=P{n // 2}", "-p", "hops=2"]),
           ("organisation-portfolio", ["-p", f"organisation=ORG{n // 10}"]),
           ("consortium", ["-p", f"project=P{n // 2}"]), ("provenance", ["-p", f"entity=P{n // 2}"])]
    return cases + hub


def time_queries(env: dict, cases: list[tuple[str, list[str]]], cap: float) -> list[dict]:
    """Each case as a user runs it: a fresh `pmkg query NAME` process, its table read from a pipe; a
    case still running after ``cap`` seconds is stopped and reported as a lower bound."""
    out = []
    for name, params in cases:
        t = time.perf_counter()
        try:
            p = subprocess.run(pmkg("query", name, *params), capture_output=True, text=True, env=env,
                               cwd=env["PMKG_ROOT"], timeout=cap)
            row = {"query": name, "params": " ".join(params[1::2]), "s": round(time.perf_counter() - t, 3),
                   "code": p.returncode, "last": (p.stdout.strip().splitlines() or [""])[-1][:120],
                   "stderr": p.stderr.strip()[-300:]}   # a "building first" shows here
        except subprocess.TimeoutExpired:
            row = {"query": name, "params": " ".join(params[1::2]), "timeout": cap}
        print(json.dumps(row), flush=True)
        out.append(row)
    return out


def cli_queries(n: int, reps: int, cap: float, previous: str | None, work: Path) -> None:
    """A CORDIS import of ``n`` projects, built; every named query timed as a user runs it, in this pmkg
    and (``previous``) in that revision, each with its own import and build of the same files."""
    p, o, _ = generate(n, work / f"csv-{n}")
    codes = [("this", ROOT)] + ([(previous, previous_tree(previous, work / "previous"))] if previous else [])
    results = {}
    for label, code in codes:
        env = project(work / f"cli-{label}", code)
        timed(pmkg("import", "cordis", "--projects", str(p), "--organizations", str(o)), env)
        build = timed(pmkg("build"), env)
        floor = statistics.median(timed(pmkg("query", "--sparql", "ASK {}"), env)["s"] for _ in range(max(reps, 3)))
        print(json.dumps({"pmkg": label, "build": build, "quads": quads(env), "floor": floor}), flush=True)
        results[label] = {"build": build, "quads": quads(env), "floor": floor,
                          "queries": time_queries(env, query_cases(code, n), cap)}
        if label == "this":
            results[label]["store"] = store_times(env, query_cases(code, n))
            results[label]["library"] = store_times(env, query_cases(code, n), published=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"published-queries-{n}.json").write_text(json.dumps(results, indent=2) + "\n")
    this, before = results["this"], results.get(previous or "", {})
    print(f"\n{this['quads']:,} quads; build {this['build']['s']:.0f} s, {this['build']['mib']:,} MiB; "
          f"`pmkg query --sparql 'ASK {{}}'` {this['floor']:.2f} s"
          + (f" ({previous}: {before['floor']:.2f} s)" if before else ""))
    print(f"\n| query | parameters | this pmkg s | library call s | the store's answer s | {previous or ''} s "
          f"| last line |\n|---|---|---:|---:|---:|---:|---|")
    prev = {(r["query"], r["params"]): r for r in before.get("queries", [])}
    for r, lib, t in zip(this["queries"], this["library"], this["store"]):
        b = prev.get((r["query"], r["params"]))
        show = lambda x: "-" if x is None else (f"> {x['timeout']:g}" if "timeout" in x else f"{x['s']:.2f}")  # noqa: E731
        print(f"| {r['query']} | {r['params'] or '(defaults)'} | {show(r)} | {lib:.2f} | {t:.2f} | {show(b)} "
              f"| {r.get('last', '')} |")


# A child that answers each case as a library call, in one process on the published store, every row
# (or triple) read: kg.query.answer as a user calls it (published answers and index included; argv[2]
# "1"), or through the store itself (``published=False``: what any other parameter value costs).
STORE_TIMES = ("import json, sys, time\n"
               "from kg.build import published_store\n"
               "from kg import query as Q\n"
               "store = published_store(quiet=True)\n"
               "published = sys.argv[2] == '1'\n"
               "for name, params in json.loads(sys.argv[1]):\n"
               "    t = time.perf_counter()\n"
               "    a = Q.answer(name, params, store, published=published)\n"
               "    n = sum(1 for _ in (a.result.rows if a.result.kind == 'SELECT' else a.result.triples))\n"
               "    print(round(time.perf_counter() - t, 3), flush=True)\n")


def store_times(env: dict, cases: list[tuple[str, list[str]]], published: bool = False) -> list[float]:
    """Seconds each case takes as a library call (``published``), or when the store answers it (no
    published answer, no index), in one process, every row read."""
    todo = [(name, dict(p.split("=", 1) for p in params[1::2])) for name, params in cases]
    out = subprocess.run([sys.executable, "-c", STORE_TIMES, json.dumps(todo), "1" if published else "0"],
                         capture_output=True, text=True, env=env, cwd=env["PMKG_ROOT"], check=True)
    return [float(x) for x in out.stdout.split()]


def previous_tree(rev: str, folder: Path) -> Path:
    """Revision ``rev`` of pmkg extracted into ``folder`` (or ``rev`` itself when it is a folder)."""
    if Path(rev).is_dir():
        return Path(rev)
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--realdata", type=Path, help="../shared/realdata (ctgov/ and ror/)")
    ap.add_argument("--cordis", type=int, nargs="*", default=[], help="synthetic CORDIS imports of N projects")
    ap.add_argument("--previous", help="also measure this revision of pmkg on the realdata scenario")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--queries", type=int, metavar="N",
                    help="instead: every named query as a user runs it on a CORDIS import of N projects "
                         "(and in --previous), each case capped at --cap seconds")
    ap.add_argument("--cap", type=float, default=60.0)
    ap.add_argument("--project", type=Path, metavar="DIR",
                    help="with --queries N: time the queries in this project folder, already imported (N "
                         "projects) and built with this pmkg, instead of importing and building one (the 3.5M run)")
    args = ap.parse_args()
    if args.queries and args.project:
        env = {**os.environ, "PMKG_ROOT": str(args.project.resolve()), "PYTHONPATH": str(ROOT),
               "SOURCE_DATE_EPOCH": "1767225600"}
        floor = statistics.median(timed(pmkg("query", "--sparql", "ASK {}"), env)["s"] for _ in range(3))
        n_quads = quads(env)
        print(json.dumps({"project": str(args.project), "quads": n_quads, "floor": floor}), flush=True)
        cases = query_cases(ROOT, args.queries)
        rows = time_queries(env, cases, args.cap)
        store = store_times(env, cases)
        library = store_times(env, cases, published=True)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"published-queries-{args.queries}-project.json").write_text(
            json.dumps({"quads": n_quads, "floor": floor, "queries": rows, "library": library, "store": store},
                       indent=2) + "\n")
        print(f"\n{n_quads:,} quads; `pmkg query --sparql 'ASK {{}}'` {floor:.2f} s")
        print("\n| query | parameters | cold CLI s | library call s | the store's answer s | last line |\n"
              "|---|---|---:|---:|---:|---|")
        for r, lib, t in zip(rows, library, store):
            shown = f"> {r['timeout']:g}" if "timeout" in r else f"{r['s']:.2f}"
            print(f"| {r['query']} | {r['params'] or '(defaults)'} | {shown} | {lib:.2f} | {t:.2f} "
                  f"| {r.get('last', '')} |")
        return
    if args.queries:
        with tempfile.TemporaryDirectory(prefix="pmkg-bench-") as tmp:
            cli_queries(args.queries, args.reps, args.cap, args.previous, Path(tmp))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="pmkg-bench-") as tmp:
        work = Path(tmp)
        scenarios: list[tuple[str, dict]] = [("curated", project(work / "curated", ROOT))]
        if args.realdata:
            env = project(work / "realdata", ROOT)
            imports_realdata(env, args.realdata)
            scenarios.append(("realdata", env))
        for n in args.cordis:
            env = project(work / f"cordis-{n}", ROOT)
            p, o, _ = generate(n, work / f"csv-{n}")
            timed(pmkg("import", "cordis", "--projects", str(p), "--organizations", str(o)), env)
            scenarios.append((f"cordis-{n}", env))
        for label, env in scenarios:
            t0 = time.perf_counter()
            row = {"scenario": label, "pmkg": "this", **measure(env, args.reps, QUERY), "quads": quads(env)}
            results.append(row)
            print(json.dumps(row), f"({time.perf_counter() - t0:.0f} s)", flush=True)
        if args.previous and args.realdata:
            code = previous_tree(args.previous, work / "previous")
            env = project(work / "previous-realdata", code)
            imports_realdata(env, args.realdata)
            row = {"scenario": "realdata", "pmkg": args.previous, **measure(env, args.reps, QUERY)}
            results.append(row)
            print(json.dumps(row), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "published.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n| scenario | pmkg | quads | build s | build MiB | cold query s | query MiB | --help s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        n = f"{r['quads']:,}" if "quads" in r else ""
        print(f"| {r['scenario']} | {r['pmkg']} | {n} | {r['build_s']:.1f} | {r['build_mib']} "
              f"| {r['query_s']:.2f} | {r['query_mib']} | {r['help_s']:.2f} |")


if __name__ == "__main__":
    main()
