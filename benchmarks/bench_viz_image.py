"""Benchmark of `pmkg viz --format svg|png`: time and size of a network picture (kg.viz_image).

On the synthetic landscapes of bench_viz.py (shaped like pmkg's), for each size: the time to build the
Vega specification (pmkg's seeded igraph layout and the label placement), then to render it as SVG and
as PNG (scale 2, 3200x1800) through vl-convert, the size of each file and how many labels found room.
The baseline, measured in the same run, is the cost of the layout alone (kg.viz.layout), which the
page pays too above 300 nodes.

    python benchmarks/bench_viz_image.py                 # 300, 2,000, 10,000 nodes
    python benchmarks/bench_viz_image.py --sizes 2000

Needs vl-convert-python (pip install 'pmkg[images]'). Prints a table.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main(argv=None) -> int:
    from bench_viz import synthetic_landscape

    from kg import viz_image
    from kg.viz import layout

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="300,2000,10000", help="node counts, comma-separated")
    args = ap.parse_args(argv)
    print(f"{'nodes':>6} {'edges':>6} {'layout':>7} {'spec':>6} {'svg':>6} {'MB':>5} {'png':>6} {'MB':>5} labels")
    for n in (int(x) for x in args.sizes.split(",")):
        G = synthetic_landscape(n)
        t = time.perf_counter()
        layout(G)
        t_layout = time.perf_counter() - t
        t = time.perf_counter()
        spec = viz_image.network_spec(G)
        t_spec = time.perf_counter() - t
        t = time.perf_counter()
        svg = viz_image.network_image(G, "svg")
        t_svg = time.perf_counter() - t
        t = time.perf_counter()
        png = viz_image.network_image(G, "png", scale=2)
        t_png = time.perf_counter() - t
        labels = len(next(d["values"] for d in spec["data"] if d["name"] == "labelItems"))
        print(f"{n:>6} {G.number_of_edges():>6} {t_layout:>6.2f}s {t_spec:>5.2f}s {t_svg:>5.2f}s "
              f"{len(svg) / 1e6:>5.1f} {t_png:>5.2f}s {len(png) / 1e6:>5.1f} {labels}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
