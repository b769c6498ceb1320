"""Benchmark: memory per record of `pmkg validate`, the figure README's reliability section quotes.

    python benchmarks/bench_memory.py [--records 2000 8000] [--previous 64e55fd~1]

Writes data folders of N small organisation records (five fields each, about 90 bytes of YAML) and runs
`pmkg validate --data DIR` and `pmkg validate --no-shacl --data DIR` on each in a fresh process,
measuring the peak resident memory (ru_maxrss) and wall time of that process. The figure per record
is the slope between the smallest and the largest N, so the interpreter and the libraries (the same
in every run) cancel out. With --previous, the same runs of that revision of pmkg (extracted with git
archive) are measured beside them: the baseline. Results are printed and kept in
benchmarks/results/memory.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# A child that runs a command and reports its exit code, wall time and the peak memory of what it ran.
TIMED = ("import resource, subprocess, sys, time\n"
         "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
         "print(p.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
         "sys.stderr.write(p.stderr[-2000:])\n")


def write_data(folder: Path, n: int) -> Path:
    """A data folder of ``n`` small organisation records and their one source."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text(
        "- id: seed\n  url: https://example.org/seed\n  title: Seed\n  accessed: 2026-01-01\n", encoding="utf-8")
    with open(folder / "organisations.yaml", "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f"- id: org-{i}\n  name: Organisation number {i}\n  kind: hospital\n  country: SE\n"
                     f"  sources: [seed]\n")
    return folder


def measure(code: Path, project: Path, data: Path, shacl: bool) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one `pmkg validate` of ``data`` with the pmkg in ``code``."""
    cmd = [sys.executable, "-c", TIMED, sys.executable, "-m", "kg", "validate", "--data", str(data),
           "--ontology", str(code / "ontology")] + ([] if shacl else ["--no-shacl"])
    env = {**os.environ, "PYTHONPATH": str(code), "PMKG_ROOT": str(project)}
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=code)
    rc, secs, kb = p.stdout.split()
    if rc != "0":
        raise SystemExit(f"pmkg validate failed ({rc}): {p.stderr}")
    return int(kb) / 1024, float(secs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, nargs="+", default=[2000, 8000])
    ap.add_argument("--previous", help="a git revision to measure beside this one (the baseline)")
    args = ap.parse_args()
    sizes = sorted(args.records)
    with tempfile.TemporaryDirectory(prefix="pmkg-bench-memory-") as tmp:
        tmpdir = Path(tmp)
        project = tmpdir / "project"
        project.mkdir()
        codes = {"this": ROOT}
        if args.previous:
            prev = tmpdir / "previous"
            prev.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.previous], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(prev)], input=archive, check=True)
            codes["previous"] = prev
        folders = {n: write_data(tmpdir / f"data-{n}", n) for n in sizes}
        results: dict = {}
        for label, code in codes.items():
            for shacl in (True, False):
                key = f"{label} validate" + ("" if shacl else " --no-shacl")
                runs = {n: measure(code, project, folders[n], shacl) for n in sizes}
                lo, hi = sizes[0], sizes[-1]
                per = (runs[hi][0] - runs[lo][0]) * 1024 * 1024 / (hi - lo) / 1000 if hi > lo else float("nan")
                results[key] = {"runs": {str(n): {"rss_mb": round(r[0], 1), "seconds": round(r[1], 1)}
                                         for n, r in runs.items()},
                                "kb_per_record": round(per, 1)}
                cells = ", ".join(f"{n}: {r[0]:.0f} MB {r[1]:.1f} s" for n, r in runs.items())
                print(f"{key:32s} {cells}; {per:.1f} KB per record")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "memory.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
