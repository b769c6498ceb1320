"""Benchmark of the network page: generation time and size, and time to first draw in headless Chromium.

Synthetic landscapes shaped like pmkg's (organisations, funders, projects, collaborations, trials
and programmes; participation edges with roles chosen by a Zipf-like popularity, trials inspired
by a few reference trials, projects part of programmes; about 1.5 edges per node, as in data/)
are built directly as NetworkX graphs. For each size the page is generated with kg.viz.page and
opened in headless Chromium with every non-file request blocked; the time is measured from
navigation start to the first drawn frame. Two baselines are measured in the same run:

* the previous page (--previous REV, default the page before issue 14): kg/ of that git revision is
  extracted to a temporary folder and renders the same graph, with the same positions, in a child
  process; it is opened and timed exactly like the current one (--previous-sizes, default 2k, 10k);
* pyvis 0.3.2 with its defaults (Network.from_nx, physics on; cdn_resources="in_line", its only mode
  that works offline), capped at --cap seconds and then reported as a lower bound (--baseline).

    python benchmarks/bench_viz.py   # 1k, 2k, 5k, 10k, 20k nodes; previous page at 2k, 10k; pyvis at 300, 2k
    python benchmarks/bench_viz.py --sizes 2000,10000 --baseline "" # current and previous page only

Needs Chromium (Debian package 'chromium'). Prints a table and writes benchmarks/results/viz.json.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("PMKG_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
COUNTRIES = ["SE", "NO", "DK", "FI", "NL", "DE", "FR", "BE", "ES", "IT", "PT", "PL", "LT", "GB", "US"]
ROLES = ["partner"] * 6 + ["associated-partner", "third-party", "member", "collaborator", "site"]
#: The last commit whose network page is the one before issue 14 (labels by vis-network, no Fit/Re-layout).
PREVIOUS = "7c953ee"


def synthetic_landscape(n: int, seed: int = 1):
    """A landscape-like MultiDiGraph of about ``n`` nodes, with the attributes kg.network gives."""
    import networkx as nx

    from kg.network import ROLES as LABELS

    rng = random.Random(seed)
    counts = {"organisation": 0.58, "funder": 0.06, "project": 0.16, "collaboration": 0.04,
              "initiative": 0.02, "trial": 0.12, "programme": 0.02}
    G = nx.MultiDiGraph(view="landscape", date="2026-11-25", name=f"synthetic {n}")
    G.graph["source_info"] = {"https://example.org/source/s": {"title": "Synthetic source", "url": "https://example.org/s"}}
    by_kind: dict[str, list[str]] = {}
    for kind, share in counts.items():
        for i in range(max(1, round(n * share))):
            k = f"{kind}-{i}"
            by_kind.setdefault(kind, []).append(k)
            countries = [rng.choice(COUNTRIES)] if kind in ("organisation", "funder") else (
                rng.sample(COUNTRIES, rng.randint(1, 3)) if kind == "trial" else [])
            G.add_node(k, kind=kind, label=f"{kind.upper()[:3]} {i}", name=f"Synthetic {kind} number {i}",
                       countries=countries, iri=f"https://example.org/id/{k}", sources=["https://example.org/source/s"],
                       uncertain=False)
    orgs, funders = by_kind["organisation"], by_kind["funder"]
    weights = [1 / (i + 1) ** 0.85 for i in range(len(orgs))]   # a few hubs, a long tail
    items = by_kind["project"] + by_kind["collaboration"] + by_kind["initiative"] + by_kind["trial"]

    def add(u, v, role):
        G.add_edge(u, v, key=role, role=role, label=LABELS[role], sources=["https://example.org/source/s"],
                   uncertain=False)

    for item in items:
        members = set(rng.choices(orgs, weights, k=1 + min(12, int(rng.expovariate(1 / 2.2)))))
        lead, *rest = sorted(members)
        add(lead, item, "sponsor" if item.startswith("tri") else "coordinator")
        for o in rest:
            add(o, item, rng.choice(ROLES))
        if rng.random() < 0.5:
            add(rng.choice(funders), item, "funder")
    trials = by_kind["trial"]
    for t in trials[5:]:
        if rng.random() < 0.3:
            add(t, rng.choice(trials[:5]), "inspired-by")
    for p in by_kind["project"] + by_kind["collaboration"]:
        if rng.random() < 0.4:
            add(p, rng.choice(by_kind["programme"]), "part-of")
    return G


def pyvis_default_html(G) -> tuple[str, float]:
    """pyvis 0.3.2 as its documentation shows it (from_nx, default physics), in its offline-capable mode."""
    import networkx as nx
    from pyvis.network import Network

    simple = nx.DiGraph()
    simple.add_nodes_from((v, {"label": d["label"], "title": d["name"]}) for v, d in G.nodes(data=True))
    simple.add_edges_from((u, v, {"title": d["label"]}) for u, v, d in G.edges(data=True))
    t = time.perf_counter()
    net = Network(height="900px", width="100%", directed=True, cdn_resources="in_line")
    net.from_nx(simple)
    html = net.generate_html()
    took = time.perf_counter() - t
    hook = ('network = new vis.Network(container, data, options);\n'
            'network.once("afterDrawing", function () { console.log("first-draw " + performance.now()); });')
    assert "network = new vis.Network(container, data, options);" in html
    return html.replace("network = new vis.Network(container, data, options);", hook, 1), took


def previous_tree(rev: str, folder: Path) -> Path:
    """kg/ as it was at git revision ``rev``, extracted under ``folder`` (an importable root)."""
    root = folder / f"kg-{rev}"
    root.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "kg"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return root


def previous_page(tree: Path, G, positions, out: Path) -> float:
    """Render ``G`` with the previous page's kg.viz (a child process importing ``tree``); seconds taken."""
    graph = out.with_suffix(".pickle")
    graph.write_bytes(pickle.dumps((G, positions)))
    code = ("import pickle, sys, time; sys.path.insert(0, sys.argv[1]); from kg.viz import page\n"
            "G, pos = pickle.loads(open(sys.argv[2], 'rb').read()); t = time.perf_counter()\n"
            "html = page(G, positions=pos) if pos is not None else page(G)\n"
            "took = time.perf_counter() - t; open(sys.argv[3], 'w', encoding='utf-8').write(html); print(took)")
    done = subprocess.run([sys.executable, "-c", code, str(tree), str(graph), str(out)], capture_output=True,
                          text=True, check=True, cwd=tree)
    return float(done.stdout.strip())


def first_draw(browser, path: Path, kind: str, cap: float, runs: int = 1) -> dict:
    """ms from navigation start to the first drawn frame (median of ``runs``); None when not within ``cap`` s."""
    if runs > 1:
        results = [first_draw(browser, path, kind, cap) for _ in range(runs)]
        times = [r["first_draw_ms"] for r in results]
        out = dict(results[-1])
        out["first_draw_ms"] = None if None in times else statistics.median(times)
        out["first_draw_runs_ms"] = times
        return out
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    outside: list[str] = []

    def gate(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()
    page.route("**/*", gate)
    out: dict = {"blocked_requests": 0}
    try:
        if kind == "pmkg":
            page.goto(path.as_uri(), timeout=cap * 1000)
            page.wait_for_selector("body[data-state=ready]", timeout=cap * 1000)
            out["first_draw_ms"] = page.evaluate("pmkg.state.drawnAt")
            frames, labels = [], []
            for _ in range(3):
                took, placing = page.evaluate("(() => { const t = performance.now(); pmkg.network.redraw(); "
                                              "return [performance.now() - t, pmkg.state.labelMs]; })()")
                frames.append(took)
                labels.append(placing)
            out["redraw_ms"] = statistics.median(frames)
            # of which placing and drawing the labels (the page before issue 14 left that to vis-network)
            out["labels_ms"] = None if None in labels else statistics.median(labels)
        else:
            with page.expect_event("console", predicate=lambda m: m.text.startswith("first-draw"),
                                   timeout=cap * 1000) as ev:
                page.goto(path.as_uri(), wait_until="commit")
            out["first_draw_ms"] = float(ev.value.text.split()[1])
    except Exception as e:  # playwright's TimeoutError: report the cap as a lower bound
        if "Timeout" not in type(e).__name__:
            raise
        out["first_draw_ms"] = None
    out["blocked_requests"] = len(outside)
    ctx.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,2000,5000,10000,20000", help="node counts of our pages")
    ap.add_argument("--baseline", default="300,2000", help="node counts for pyvis defaults (slow: keep few)")
    ap.add_argument("--previous", default=PREVIOUS, help=f"git revision of the previous page (default {PREVIOUS})")
    ap.add_argument("--previous-sizes", default="2000,10000", help="node counts for the previous page")
    ap.add_argument("--cap", type=float, default=100.0, help="seconds to wait for pyvis defaults to draw")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "viz.json"))
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    baseline = [int(x) for x in args.baseline.split(",") if x]
    previous = [int(x) for x in args.previous_sizes.split(",") if x]

    from playwright.sync_api import sync_playwright

    from kg.viz import layout, page

    rows, tmp = [], Path(tempfile.mkdtemp(prefix="pmkg-bench-viz-"))
    tree = previous_tree(args.previous, tmp) if previous else None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for n in sorted(set(sizes) | set(baseline) | set(previous)):
            G = synthetic_landscape(n)
            row = {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "load_before": os.getloadavg()[0]}
            pos = None
            if n in sizes or n in previous:
                t = time.perf_counter()
                pos = layout(G) if n > 300 else None
                row["layout_s"] = time.perf_counter() - t
            if n in sizes:
                t = time.perf_counter()
                html = page(G, positions=pos) if pos is not None else page(G)
                row["render_s"] = time.perf_counter() - t
                row["generate_s"] = row["layout_s"] + row["render_s"]
                row["html_kb"] = len(html.encode()) / 1024
                path = tmp / f"pmkg-{n}.html"
                path.write_text(html, encoding="utf-8")
                row.update({f"pmkg_{k}": v for k, v in first_draw(browser, path, "pmkg", 60, runs=3).items()})
                print(f"{n:>6} nodes: generated in {row['generate_s']:.2f} s (layout {row['layout_s']:.2f} s), "
                      f"{row['html_kb']:.0f} KB, first draw {row['pmkg_first_draw_ms'] / 1000:.2f} s, "
                      f"redraw {row['pmkg_redraw_ms']:.0f} ms (labels {row['pmkg_labels_ms']:.0f} ms)", flush=True)
            if n in previous and tree is not None:
                path = tmp / f"previous-{n}.html"
                row["previous_render_s"] = previous_page(tree, G, pos, path)
                row["previous_html_kb"] = path.stat().st_size / 1024
                row.update({f"previous_{k}": v for k, v in first_draw(browser, path, "pmkg", 60, runs=3).items()})
                print(f"{n:>6} nodes, previous page ({args.previous}): rendered in {row['previous_render_s']:.2f} s, "
                      f"first draw {row['previous_first_draw_ms'] / 1000:.2f} s, "
                      f"redraw {row['previous_redraw_ms']:.0f} ms", flush=True)
            row["load_after"] = os.getloadavg()[0]
            if n in baseline:
                html, took = pyvis_default_html(G)
                row["pyvis_generate_s"] = took
                row["pyvis_html_kb"] = len(html.encode()) / 1024
                path = tmp / f"pyvis-{n}.html"
                path.write_text(html, encoding="utf-8")
                res = first_draw(browser, path, "pyvis", args.cap)
                row.update({f"pyvis_{k}": v for k, v in res.items()})
                drawn = res["first_draw_ms"]
                shown = f">{args.cap:.0f} s (cap)" if drawn is None else f"{drawn / 1000:.1f} s"
                print(f"{n:>6} nodes, pyvis defaults: generated in {took:.2f} s, first draw {shown}, "
                      f"{res['blocked_requests']} CDN requests blocked", flush=True)
                if "pmkg_first_draw_ms" in row:
                    ours = row["pmkg_first_draw_ms"]
                    ratio = (args.cap * 1000 if drawn is None else drawn) / ours
                    row["speedup"] = ratio
                    row["speedup_is_lower_bound"] = drawn is None
                    print(f"        first draw {'at least ' if drawn is None else ''}{ratio:.0f}x "
                          "faster than pyvis defaults", flush=True)
            rows.append(row)
        browser.close()
    print()
    print("| nodes | edges | generate s (layout s) | HTML KB | first draw s | redraw ms (labels ms) "
          "| previous page: first draw s | redraw ms | pyvis defaults: first draw s | speed-up |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        pf = f"{r['previous_first_draw_ms'] / 1000:.2f}" if r.get("previous_first_draw_ms") else "-"
        pr = f"{r['previous_redraw_ms']:.0f}" if r.get("previous_redraw_ms") is not None else "-"
        pv = r.get("pyvis_first_draw_ms", "n/a")
        pv = "n/a" if "pyvis_first_draw_ms" not in r else (f"> {args.cap:.0f}" if pv is None else f"{pv / 1000:.1f}")
        sp = r.get("speedup")
        sp = "" if sp is None else (("≥ " if r.get("speedup_is_lower_bound") else "") + f"{sp:.0f}×")
        gen = f"{r['generate_s']:.2f} ({r['layout_s']:.2f})" if "generate_s" in r else "-"
        fd = f"{r['pmkg_first_draw_ms'] / 1000:.2f}" if r.get("pmkg_first_draw_ms") else "-"
        rd = f"{r['pmkg_redraw_ms']:.0f} ({r['pmkg_labels_ms']:.0f})" if r.get("pmkg_redraw_ms") is not None else "-"
        kb = f"{r['html_kb']:.0f}" if "html_kb" in r else "-"
        print(f"| {r['nodes']:,} | {r['edges']:,} | {gen} | {kb} | {fd} | {rd} | {pf} | {pr} | {pv} | {sp} |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"cap_s": args.cap, "previous": args.previous, "rows": rows}, indent=2) + "\n",
                              encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
