"""Scale benchmark of the stores: rdflib memory vs Oxigraph (memory and on disk), every named query.

Synthetic collaboration graphs shaped like the real one (organisations in 30 countries, projects with
5-30 participants and one coordinator, funders, grants, programmes, trials with sponsors and sites)
are built with pmkg's own build (so they are written in our ontology, with the qualified memberships,
shortcut edges, per-source named graphs and the description) and cached as N-Quads under
benchmarks/results/. Each store runs in its own child process: load time, peak memory (the child's
ru_maxrss), and the latency of every named query through ``kg.query.run`` (one cold run, then the
median of the warm runs). A query still running after --cap seconds is stopped and reported as a
lower bound ("> 60 s").

    python benchmarks/bench_store.py                   # ~70k (rdflib and Oxigraph) and ~700k (Oxigraph)
    python benchmarks/bench_store.py --rdflib-up-to 700k --stores memory,oxigraph,oxigraph-dir
    python benchmarks/bench_store.py --sizes 3m --stores oxigraph,oxigraph-dir
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
#: the pmkg whose stores and queries a child measures: this checkout, or a previous revision (--previous)
CODE = Path(os.environ.get("BENCH_CODE", str(ROOT)))
sys.path.insert(0, str(CODE))

#: size label -> projects (about 140 quads per project with its share of organisations, grants and trials)
SIZES = {"70k": 500, "700k": 5_000, "750k": 4_800, "3m": 22_000, "3.5m": 22_400}
STORES = ("memory", "oxigraph", "oxigraph-dir")
DEFAULT_STORES = "memory,oxigraph"
COUNTRIES = ["DE", "FR", "IT", "ES", "NL", "BE", "SE", "GB", "CH", "AT", "DK", "NO", "FI", "PL", "PT",
             "IE", "GR", "CZ", "HU", "RO", "SI", "SK", "HR", "BG", "LT", "LV", "EE", "LU", "CY", "IS"]
WEIGHTS = [15, 12, 10, 9, 8, 6, 6, 6, 4, 3, 3, 3, 2, 2, 2, 2, 1.5, 1.5, 1, 1, 1, 1, 0.8, 0.8, 0.6, 0.5, 0.5, 0.4,
           0.3, 0.3]


# --- the synthetic graph ---------------------------------------------------------------------

def synthetic_data(n_projects: int, concepts: dict[str, set[str]], seed: int = 1):
    """A kg.load.Data with ``n_projects`` projects and proportional organisations, trials, grants."""
    from kg.records import Data, Participation, Record, Source, Value

    rnd = random.Random(seed)
    V = lambda x: [Value(x)]  # noqa: E731
    sources: dict[str, Source] = {}
    records: dict[str, Record] = {}

    def source(sid: str, title: str) -> str:
        sources[sid] = Source(sid, title, f"https://example.org/{sid}", "2026-11-25")
        return sid

    orgkinds = sorted(concepts["orgkind"] - {"funding-agency"})
    sectors = sorted(concepts["sector"])
    n_orgs, n_funders, n_programmes, n_trials = 3 * n_projects, 12, 40, max(10, n_projects // 5)
    for i in range(n_orgs):
        src = source(f"registry-{i // 200}", f"Organisation registry, page {i // 200}")
        records[f"org-{i}"] = Record("organisation", f"org-{i}", [src], {
            "name": V(f"Organisation {i}"), "acronym": V(f"ORG{i}"), "kind": V(rnd.choice(orgkinds)),
            "sectors": [Value(s) for s in rnd.sample(sectors, rnd.randint(1, 2))],
            "country": V(rnd.choices(COUNTRIES, WEIGHTS)[0])})
    for i in range(n_funders):
        src = source(f"funder-{i}", f"Funder {i}")
        records[f"funder-{i}"] = Record("organisation", f"funder-{i}", [src], {
            "name": V(f"Funder {i}"), "kind": V("funding-agency"), "country": V(rnd.choice(COUNTRIES[:8]))})
    for i in range(n_programmes):
        src = source(f"programme-{i}", f"Programme {i}")
        vals = {"name": V(f"Programme {i}"), "acronym": V(f"PROG{i}"), "managed_by": V(f"funder-{i % n_funders}")}
        if i >= 5:
            vals["part_of"] = V(f"programme-{i % 5}")
        records[f"programme-{i}"] = Record("programme", f"programme-{i}", [src], vals)
    # popularity: a few hubs take part in very many projects, many organisations in none (Zipf-like)
    popularity = [1 / (r + 1) ** 0.85 for r in range(n_orgs)]
    roles = ["partner"] * 85 + ["associated-partner"] * 10 + ["third-party"] * 5
    for i in range(n_projects):
        src = source(f"cordis-{i}", f"CORDIS project {i}")
        size = min(30, 5 + int(rnd.expovariate(1 / 3.5)))
        members: list[int] = []
        while len(members) < size:
            o = rnd.choices(range(n_orgs), popularity)[0]
            if o not in members:
                members.append(o)
        start = rnd.randint(2010, 2025)
        kind = "collaboration" if i % 20 == 0 else "project"
        vals = {"kind": V(kind), "title": V(f"Project {i}"), "acronym": V(f"P{i}"),
                "start": V(f"{start}-{rnd.randint(1, 12):02d}-01"), "end": V(f"{start + rnd.randint(3, 5)}-12-31"),
                "cordis": V(str(100000000 + i))}
        if kind == "collaboration":
            vals["sectors"] = [Value(s) for s in rnd.sample(sectors, 3)]
        parts = [Participation(f"org-{members[0]}", "coordinator")]
        parts += [Participation(f"org-{o}", rnd.choice(roles)) for o in members[1:]]
        records[f"project-{i}"] = Record("project", f"project-{i}", [src], vals, parts)
        records[f"grant-{i}"] = Record("grant", f"grant-{i}", [src], {
            "number": V(str(100000000 + i)), "funder": V(f"funder-{i % n_funders}"),
            "programme": V(f"programme-{rnd.randrange(n_programmes)}"), "funds": V(f"project-{i}"),
            "amount": V(Decimal(rnd.randint(500, 15000) * 1000)), "currency": V("EUR")})
    designs, phases, statuses = sorted(concepts["design"]), sorted(concepts["phase"]), sorted(concepts["status"])
    for i in range(n_trials):
        src = source(f"ctgov-{i}", f"ClinicalTrials.gov record {i}")
        start = rnd.randint(2012, 2025)
        vals = {"title": V(f"Trial {i}"), "acronym": V(f"T{i}"), "nct": V(f"NCT{10000000 + i:08d}"),
                "countries": [Value(c) for c in rnd.sample(COUNTRIES[:12], rnd.randint(1, 3))],
                "design": [Value(d) for d in rnd.sample(designs, 2)], "phase": V(rnd.choice(phases)),
                "status": V(rnd.choice(statuses)), "start": V(f"{start}-{rnd.randint(1, 12):02d}")}
        if i > 0 and rnd.random() < 0.3:  # DRUP-like families: trials modelled on an earlier one
            vals["inspired_by"] = V(f"trial-{rnd.randrange(min(i, 20))}")
        sites = rnd.sample(range(n_orgs), rnd.randint(3, 10))
        parts = [Participation(f"org-{rnd.choices(range(n_orgs), popularity)[0]}", "sponsor")]
        parts += [Participation(f"org-{o}", "site") for o in sites]
        records[f"trial-{i}"] = Record("trial", f"trial-{i}", [src], vals, parts)
    return Data(sources, records, Path("synthetic"))


def dataset_file(label: str) -> Path:
    """The cached N-Quads of size ``label`` (generated with pmkg's build on first use)."""
    out = RESULTS / f"synthetic-{label}.nq"
    if out.exists():
        return out
    from kg.assemble import write
    from kg.iris import Minter
    from kg.vocab import vocabulary

    t0 = time.perf_counter()
    vocab = vocabulary(ROOT / "ontology")
    quads = write(synthetic_data(SIZES[label], vocab.schemes()), vocab, Minter())   # the one writer
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:   # named graphs, and their union as default graph (kg.store)
        fh.writelines(quads.nquads(default=quads.union()))
    tmp.replace(out)
    print(f"  generated {out.name}: {len(quads):,} quads in {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def query_params(label: str) -> dict[str, dict]:
    """Parameters of each named query on the synthetic graph: well-connected entities, bound as IRIs."""
    from rdflib import Literal, URIRef

    pm = "https://w3id.org/pmkg/id/"
    n = SIZES[label]
    # a hub, and an organisation at about the 90th pct
    hub, typical = URIRef(pm + "org-3"), URIRef(pm + f"org-{n // 10}")
    project = URIRef(pm + f"project-{n // 2}")
    return {"connection": {"from": hub, "to": URIRef(pm + "org-0")}, "consortium": {"project": project},
            "drup-family": {"root": URIRef(pm + "trial-0")}, "neighbourhood": {"entity": project, "hops": Literal(1)},
            "organisation-portfolio": {"organisation": typical}, "provenance": {"entity": project},
            "active-in": {"year": Literal(2020)}}


# --- one store in a child process -------------------------------------------------------------

class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def child(store_kind: str, nq: str, label: str, cap: float, reps: int) -> None:
    """Load ``nq`` into ``store_kind``, run every named query, print one JSON line per measurement."""
    from kg import query as Q
    from kg.memstore import MemoryStore
    from kg.store import OxigraphStore

    def emit(**kw):
        print(json.dumps(kw), flush=True)
    t0 = time.perf_counter()
    if store_kind == "memory":
        store = MemoryStore.from_nquads(Path(nq).read_bytes())
        size = sum(1 for _ in store.ds.quads((None, None, None, None)))
    elif store_kind == "oxigraph":
        store = OxigraphStore.from_nquads(Path(nq))
        size = len(store)
    else:
        folder = Path(os.environ["BENCH_DIR"])
        store = OxigraphStore.persistent(folder, "bench:" + nq, lambda: Path(nq))
        size = len(store)
    emit(event="load", seconds=time.perf_counter() - t0, quads=size)
    if store_kind == "oxigraph-dir":  # what a later process pays: open the store again
        del store
        t0 = time.perf_counter()
        store = OxigraphStore.persistent(Path(os.environ["BENCH_DIR"]), "bench:" + nq, lambda: Path(nq))
        emit(event="reopen", seconds=time.perf_counter() - t0)
    params = query_params(label)
    signal.signal(signal.SIGALRM, _alarm)  # a soft cap for rdflib (pure Python); the parent enforces the hard one
    done = set(os.environ.get("BENCH_DONE", "").split(","))
    for q in Q.listing() + [Q.get(n) for n in sorted(Q.library()) if n.startswith("_network")]:
        if q.name in done:
            continue
        emit(event="start", name=q.name)
        times, rows = [], None
        for _rep in range(1 + reps):
            signal.setitimer(signal.ITIMER_REAL, cap)
            t0 = time.perf_counter()
            try:
                res = Q.run(q, params.get(q.name, {}), store=store)
            except _Timeout:
                emit(event="query", name=q.name, timeout=cap)
                break
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            times.append(time.perf_counter() - t0)
            rows = len(res.rows) if res.kind == "SELECT" else len(res.triples)
            if sum(times) > 3:  # slow: fewer samples keep the run short
                break
        if times:
            emit(event="query", name=q.name, cold=times[0], warm=statistics.median(times[1:] or times), rows=rows)


def run_store(store_kind: str, nq: Path, label: str, cap: float, reps: int, carried: set[str] = frozenset(),
              code: Path = ROOT) -> dict:
    """Run :func:`child` in fresh processes and collect its measurements.

    A query still running ``cap`` seconds after it started (plus a grace period) is stopped by killing
    the child: Oxigraph evaluates in native code, where no Python signal can interrupt it. The next
    child loads the store again and goes on with the remaining queries. Peak RSS is the largest
    ru_maxrss of the children. Queries in ``carried`` ran past the cap on a smaller graph: they are
    reported as lower bounds without running again.
    """
    import select

    out: dict = {"queries": {n: {"event": "query", "name": n, "timeout": cap, "carried": True} for n in carried}}
    done = set(carried)
    with tempfile.TemporaryDirectory(prefix="bench-ox-") as tmp:
        while True:
            env = {**os.environ, "BENCH_DIR": str(Path(tmp) / "store"), "BENCH_DONE": ",".join(sorted(done)),
                   "BENCH_CODE": str(code), "PMKG_ROOT": str(code)}
            proc = subprocess.Popen([sys.executable, __file__, "--child", store_kind, str(nq), label, str(cap),
                                     str(reps)], stdout=subprocess.PIPE, env=env, cwd=code, bufsize=0)
            fd = proc.stdout.fileno()
            pending, lines = b"", []  # read the pipe unbuffered: a buffered reader would hide lines from select
            current, started, killed = None, 0.0, False
            while True:
                if not lines:
                    wait = None if current is None else max(0.1, started + cap + 5 - time.monotonic())
                    ready, _, _ = select.select([fd], [], [], wait)
                    if not ready:
                        proc.kill()
                        out["queries"][current] = {"event": "query", "name": current, "timeout": cap}
                        done.add(current)
                        killed = True
                        break
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    pending += chunk
                    *complete, pending = pending.split(b"\n")
                    lines.extend(complete)
                    continue
                m = json.loads(lines.pop(0))
                if m["event"] == "start":
                    current, started = m["name"], time.monotonic()
                elif m["event"] == "query":
                    out["queries"][m["name"]] = m
                    done.add(m["name"])
                    current = None
                else:
                    out.setdefault(m["event"], m)  # the first child's load is the one that counts
            _, _, usage = os.wait4(proc.pid, 0)
            proc.returncode = 0
            proc.stdout.close()
            out["rss"] = {"mib": max(out.get("rss", {}).get("mib", 0), usage.ru_maxrss / 1024)}
            if not killed:
                return out


# --- the report ---------------------------------------------------------------------------------

def fmt_ms(q: dict | None) -> str:
    if q is None:
        return "-"
    if "timeout" in q:
        return f"> {q['timeout']:g} s" + ("¹" if q.get("carried") else "")
    return f"{q['warm'] * 1000:,.1f}"


def report(label: str, res: dict, previous: str | None = None) -> str:
    """The Markdown tables of one size: load and memory, then every query (the previous revision's
    figures, when measured, beside each store's)."""
    kinds = [k for k in STORES if k in res]
    cols = []
    for k in kinds:
        cols.append((k, k))
        if f"prev-{k}" in res:
            cols.append((f"prev-{k}", f"{k} ({previous}, before)"))
    names = {"memory": "rdflib memory", "oxigraph": "Oxigraph memory", "oxigraph-dir": "Oxigraph on disk"}
    title = lambda c: names.get(c[0], names.get(c[0][5:], c[0]) + " before")  # noqa: E731
    quads = next((res[k]["load"]["quads"] for k, _ in cols if "load" in res[k]), 0)
    lines = [f"\n### ~{label} triples ({quads:,} quads)\n",
             "| | " + " | ".join(title(c) for c in cols) + " |", "|---|" + "---:|" * len(cols)]
    load = lambda r: f"{r['load']['seconds']:.2f} s" if "load" in r else "-"  # noqa: E731
    reopen = lambda r: f" (reopen {r['reopen']['seconds']:.3f} s)" if "reopen" in r else ""  # noqa: E731
    lines.append("| load | " + " | ".join(load(res[k]) + reopen(res[k]) for k, _ in cols) + " |")
    rss = lambda r: f"{r['rss']['mib']:,.0f} MiB" if "rss" in r else "-"  # noqa: E731
    lines.append("| peak RSS | " + " | ".join(rss(res[k]) for k, _ in cols) + " |")
    lines += ["", "| query | rows | " + " | ".join(f"{title(c)} ms" for c in cols) + " |",
              "|---|---:|" + "---:|" * len(cols)]
    names_q = list(dict.fromkeys(n for k, _ in cols for n in res[k].get("queries", {})))
    for n in names_q:
        qs = [res[k].get("queries", {}).get(n) for k, _ in cols]
        rows = next((x["rows"] for x in qs if x and "rows" in x), "-")
        lines.append(f"| {n} | {rows} | " + " | ".join(fmt_ms(q) for q in qs) + " |")
    if any(q.get("carried") for k, _ in cols for q in res[k].get("queries", {}).values()):
        lines.append("\n¹ not run again: it ran past the cap on the smaller graph.")
    return "\n".join(lines)


def previous_tree(rev: str, folder: Path) -> Path:
    """Revision ``rev`` of pmkg (its kg/, queries/, ontology/ ...) extracted into ``folder`` (or ``rev``
    itself when it is a folder holding one)."""
    if Path(rev).is_dir():
        return Path(rev)
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="70k,700k", help="comma-separated: 70k, 700k, 3m (default 70k,700k)")
    ap.add_argument("--stores", default=DEFAULT_STORES,
                    help="memory, oxigraph, oxigraph-dir (default memory,oxigraph; the disk store is slower to run)")
    ap.add_argument("--cap", type=float, default=20.0,
                    help="seconds before a query is stopped and reported as a lower bound "
                         "(default 20; the figures in the README used 60)")
    ap.add_argument("--reps", type=int, default=3, help="warm runs per query (default 3)")
    ap.add_argument("--rdflib-up-to", default="70k", choices=list(SIZES),
                    help="largest size the rdflib memory store runs at (default 70k: at 700k it takes ~10 min)")
    ap.add_argument("--reuse", action="store_true", help="reuse the measurements cached in benchmarks/results/")
    ap.add_argument("--previous", metavar="REV",
                    help="also measure this revision of pmkg (its stores and named queries) on the same graphs")
    ap.add_argument("--previous-only", action="store_true", help="measure only the --previous revision")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, nq, label, cap, reps = args.child
        child(kind, nq, label, float(cap), int(reps))
        return
    import platform

    import pyoxigraph
    import rdflib

    print(f"# Store benchmark: Python {platform.python_version()}, rdflib {rdflib.__version__}, "
          f"pyoxigraph {pyoxigraph.__version__}, {os.cpu_count()} CPUs; query cap {args.cap:g} s", flush=True)
    all_results = {}
    timed_out: dict[str, set[str]] = {}
    codes: list[tuple[str, Path]] = [] if args.previous_only else [("", ROOT)]
    with tempfile.TemporaryDirectory(prefix="bench-prev-") as tmp:
        if args.previous:
            codes.append(("prev-", previous_tree(args.previous, Path(tmp) / "pmkg")))
        for label in args.sizes.split(","):
            nq = dataset_file(label)
            res = {}
            for tag, code in codes:
                for kind in args.stores.split(","):
                    if kind == "memory" and SIZES[label] > SIZES[args.rdflib_up_to]:
                        continue
                    key = tag + kind
                    t0 = time.perf_counter()
                    cached = RESULTS / f"bench_store-{label}-{key}.json"
                    if args.reuse and cached.exists():
                        res[key] = json.loads(cached.read_text())
                    else:
                        res[key] = run_store(kind, nq, label, args.cap, args.reps, timed_out.get(key, set()), code)
                        cached.write_text(json.dumps(res[key], indent=1))
                    timed_out[key] = {n for n, q in res[key]["queries"].items() if "timeout" in q}
                    print(f"  {label} {key}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
            all_results[label] = res
            print(report(label, res, args.previous), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_store.json").write_text(json.dumps(all_results, indent=1))


if __name__ == "__main__":
    main()
