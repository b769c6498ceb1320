"""Benchmark: the report page (kg/report.py): how big it is and how fast it is made and drawn.

    python benchmarks/bench_report.py [--orgs 5000] [--runs 3] [--no-baseline]

Two data sets:

* curated  -- the shipped data/ in rdflib's memory store (what `pmkg build` writes);
* synthetic -- the shipped data plus a synthetic CORDIS import (benchmarks/bench_import.py's generator:
  the real export's columns, Zipf-like popularity, about five participations a project) grown until
  about ``--orgs`` organisations take part, imported with `pmkg import cordis` and read from Oxigraph.

For each: the seconds to read the graph through the report's SPARQL helpers, to compute the sections and
to render the HTML; the page's size; and, in headless Chromium at 1366x768 with every request leaving
the file blocked, the milliseconds from navigation start until every chart is drawn and every table
filled (``pmkgReport.state.readyAt``; median of ``--runs``). Also measured in the page: how long
Vega-Lite takes to compile the charts' specs (what compiling them in Python instead would save), and the
same page drawn with Vega's canvas renderer instead of SVG.

Baseline, same run: the network page (`pmkg viz`, kg/viz.py) of the same store: its size and first draw.

Targets (issue 13): curated under 2 MB and drawn under 1 s; 5,000 organisations under 8 MB and under 3 s.
Figures are printed and kept in benchmarks/results/report.json.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def curated_store():
    from kg.assemble import Config, assemble
    from kg.memstore import MemoryStore

    return MemoryStore.from_assembly(assemble(Config.resolve(ROOT / "data", ROOT / "ontology", imports=False)))


def synthetic_store(orgs: int, folder: Path):
    """The curated graph plus a synthetic CORDIS import with about ``orgs`` participating organisations, in Oxigraph."""
    from bench_import import generate

    from kg.assemble import Config, assemble
    from kg.importers import run_import
    from kg.store import OxigraphStore

    n = int(orgs * 1.22)   # with the Zipf-like popularity about 4 in 5 of the generated organisations take part
    csvs = folder / "csv"
    pp, op, parts = generate(n, csvs)
    with open(op, encoding="utf-8", newline="") as fh:
        ids = {row["organisationID"] for row in csv.DictReader(fh, delimiter=";")}
    imports = folder / "imports"
    run_import("cordis", {"projects": pp, "organizations": op}, folder=imports,
               data_dir=ROOT / "data", ontology_dir=ROOT / "ontology")
    asm = assemble(Config.resolve(ROOT / "data", ROOT / "ontology", imports=True, imports_folder=imports))
    store = OxigraphStore.from_nquads(asm.nquads(names=True, default=True))
    return store, {"projects": n, "organisations_generated": len(ids), "participations": parts,
                   "quads": len(store)}


def make_report(store, renderer: str = "svg") -> tuple[str, dict]:
    from kg import report as R

    t0 = time.perf_counter()
    src = R.read(store)
    t1 = time.perf_counter()
    rep = R.build_report(src)
    t2 = time.perf_counter()
    html = R.render(rep, renderer=renderer)
    t3 = time.perf_counter()
    return html, {"read_s": round(t1 - t0, 2), "compute_s": round(t2 - t1, 2), "render_s": round(t3 - t2, 2),
                  "organisations": rep.figures["organisations"], "countries": rep.figures["countries"],
                  "participations": rep.figures["participations"],
                  "items": rep.figures["projects"] + rep.figures["collaborations"] + rep.figures["initiatives"]
                  + rep.figures["trials"]}


def network_page(store) -> tuple[str, float]:
    from kg.network import landscape
    from kg.viz import page

    t = time.perf_counter()
    html = page(landscape(store))
    return html, round(time.perf_counter() - t, 2)


def draw(browser, path: Path, kind: str, runs: int, cap: float = 120.0) -> dict:
    """Milliseconds from navigation start until the page is drawn (median of ``runs``)."""
    times, compile_ms, blocked, errors = [], [], 0, []
    for _ in range(runs):
        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
        page = ctx.new_page()
        outside: list[str] = []

        def gate(route, outside=outside):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()
        page.route("**/*", gate)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri(), timeout=cap * 1000)
        page.wait_for_selector("body[data-state=ready], body[data-state=error]", timeout=cap * 1000)
        if kind == "report":
            times.append(page.evaluate("pmkgReport.state.readyAt"))
            compile_ms.append(page.evaluate("""() => {
                const t = performance.now();
                for (const s of Object.values(pmkgReport.specs)) { vegaLite.compile(s); }
                return performance.now() - t; }"""))
        else:
            times.append(page.evaluate("pmkg.state.drawnAt"))
        blocked += len(outside)
        ctx.close()
    out = {"drawn_ms": round(statistics.median(times)), "runs_ms": [round(t) for t in times],
           "blocked_requests": blocked, "page_errors": errors[:3]}
    if compile_ms:
        out["vega_lite_compile_ms"] = round(statistics.median(compile_ms))
    return out


def measure(name: str, store, browser, folder: Path, runs: int, baseline: bool) -> dict:
    res: dict = {"data": name}
    html, res["report"] = make_report(store)
    path = folder / f"report-{name}.html"
    path.write_text(html, encoding="utf-8")
    res["report"]["bytes"] = len(html.encode("utf-8"))
    res["report"].update(draw(browser, path, "report", runs))
    canvas, _ = make_report(store, renderer="canvas")
    cpath = folder / f"report-{name}-canvas.html"
    cpath.write_text(canvas, encoding="utf-8")
    res["report_canvas"] = draw(browser, cpath, "report", runs)
    if baseline:
        net, took = network_page(store)
        npath = folder / f"network-{name}.html"
        npath.write_text(net, encoding="utf-8")
        res["network_page"] = {"generate_s": took, "bytes": len(net.encode("utf-8")),
                               **draw(browser, npath, "network", runs)}
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orgs", type=int, default=5000, help="organisations of the synthetic import (default 5000)")
    ap.add_argument("--runs", type=int, default=3, help="page loads per figure (median; default 3)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the network page baseline")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    results = {"machine": {"cpus": os.cpu_count(), "load_before": round(os.getloadavg()[0], 1)}, "runs": []}
    with tempfile.TemporaryDirectory(prefix="pmkg-bench-report-") as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            results["runs"].append(measure("curated", curated_store(), browser, folder, args.runs,
                                           not args.no_baseline))
            t = time.perf_counter()
            store, info = synthetic_store(args.orgs, folder / "synthetic")
            info["import_and_load_s"] = round(time.perf_counter() - t, 1)
            res = measure(f"synthetic-{args.orgs}", store, browser, folder, args.runs, not args.no_baseline)
            res["synthetic"] = info
            results["runs"].append(res)
        finally:
            browser.close()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print(f"{'data':<18} {'orgs':>6} {'read s':>7} {'comp s':>7} {'html s':>7} {'MB':>6} {'drawn ms':>9} "
          f"{'canvas ms':>9} {'VL compile ms':>13} {'network MB':>10} {'network ms':>10}")
    for r in results["runs"]:
        rep, net = r["report"], r.get("network_page", {})
        print(f"{r['data']:<18} {rep['organisations']:>6} {rep['read_s']:>7} {rep['compute_s']:>7} "
              f"{rep['render_s']:>7} {rep['bytes'] / 1e6:>6.2f} {rep['drawn_ms']:>9} "
              f"{r['report_canvas']['drawn_ms']:>9} "
              f"{rep['vega_lite_compile_ms']:>13} {net.get('bytes', 0) / 1e6:>10.2f} {net.get('drawn_ms', '-'):>10}")
        if rep["blocked_requests"] or rep["page_errors"]:
            print(f"  !! {r['data']}: {rep['blocked_requests']} blocked requests, errors {rep['page_errors']}")
    print(f"(2 cores; load average before: {results['machine']['load_before']}; "
          "details in benchmarks/results/report.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
