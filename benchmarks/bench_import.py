"""Benchmark: importing CORDIS exports at scale, and loading the kept import into the stores.

    python benchmarks/bench_import.py [--sizes 10000 50000] [--skip-rdflib-above N]

For each size it writes a synthetic CORDIS pair (project.csv + organization.csv in the
real export's format: 20 + 25 quoted columns, multi-line objectives with ';' and quotes,
about five participations per project, organisations chosen with a Zipf-like popularity)
and measures, each in a fresh process (time, and peak RSS from ru_maxrss):

* import     -- `pmkg import cordis` (read, keep the records as JSON lines, reconcile with data/, manifest)
* default    -- kg.build.build() with the import: the one assembly, then an rdflib Dataset
* oxigraph   -- the one assembly, then a pyoxigraph Store bulk-loaded with its quads and union
* baselines, same run: the curated build alone; pyoxigraph bulk-loading the assembled N-Quads (the
  floor: what reading, reconciling and writing the records costs on top)

Figures are printed as a table and kept in benchmarks/results/imports.json.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

P_COLS = ["id", "acronym", "status", "title", "startDate", "endDate", "totalCost", "ecMaxContribution", "legalBasis",
          "topics", "ecSignatureDate", "frameworkProgramme", "masterCall", "subCall", "fundingScheme", "nature",
          "objective", "contentUpdateDate", "rcn", "grantDoi"]
O_COLS = ["projectID", "projectAcronym", "organisationID", "vatNumber", "name", "shortName", "SME", "activityType",
          "street", "postCode", "city", "country", "nutsCode", "geolocation", "organizationURL", "contactForm",
          "contentUpdateDate", "rcn", "order", "role", "ecContribution", "netEcContribution", "totalCost",
          "endOfParticipation", "active"]
COUNTRIES = ["DE", "FR", "ES", "IT", "NL", "BE", "UK", "SE", "EL", "AT", "DK", "FI", "NO", "PT", "PL", "IE", "CH",
             "CZ", "HU", "SI", "EE", "LV", "LT", "RO", "BG", "HR", "CY", "LU", "IS", "IL"]
WORDS = ("precision oncology genomic cohort biomarker screening imaging trial registry health data federated "
         "learning rare disease immunotherapy liquid biopsy sequencing repurposing network citizen").split()


def generate(n: int, folder: Path, seed: int = 1) -> tuple[Path, Path, int]:
    """Write project.csv and organization.csv with ``n`` projects; return the paths and participations."""
    rnd = random.Random(seed)
    n_orgs = n
    weights = [1 / (i + 1) ** 0.85 for i in range(n_orgs)]
    orgs = [(str(900_000_000 + i), f"ORGANISATION {i} {rnd.choice(WORDS).upper()}", f"ORG{i}",
             rnd.choice(["HES", "REC", "PRC", "PUB", "OTH"]), rnd.choice(COUNTRIES)) for i in range(n_orgs)]
    folder.mkdir(parents=True, exist_ok=True)
    pp, op = folder / "project.csv", folder / "organization.csv"
    parts = 0
    with open(pp, "w", encoding="utf-8", newline="") as pf, open(op, "w", encoding="utf-8", newline="") as of:
        pw = csv.writer(pf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        ow = csv.writer(of, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        pw.writerow(P_COLS)
        ow.writerow(O_COLS)
        for i in range(n):
            pid = str(101_000_000 + i)
            fp = "HORIZON" if i % 3 else "H2020"
            area = rnd.choice(["CANCER", "HLTH", "CARE", "DIGITAL"])
            topic = f"{fp}-MISS-202{i % 4}-{area}-0{i % 5 + 1}-0{i % 7 + 1}"
            call = topic.rsplit("-", 1)[0]
            objective = "\n".join(" ".join(rnd.choices(WORDS, k=25)) + "; \"quoted\" part." for _ in range(8))
            start = f"202{i % 4}-{i % 12 + 1:02d}-01"
            end = f"202{i % 4 + 4}-{i % 12 + 1:02d}-28"
            amount = f"{rnd.randint(500_000, 9_000_000)},{rnd.randint(0, 99):02d}"
            pw.writerow([pid, f"P{i}", "SIGNED", f"Project {i}: {' '.join(rnd.choices(WORDS, k=6))}", start, end,
                         amount, amount, "HORIZON.2.1", topic, start, fp, call, call, "HORIZON-RIA", "", objective,
                         "2024-01-01 10:00:00", str(i), f"10.3030/{pid}"])
            k = 1 + min(int(rnd.expovariate(1 / 4)), 40)
            members = set(rnd.choices(range(n_orgs), weights=weights, k=k))
            for j, o in enumerate(sorted(members)):
                oid, name, short, act, cc = orgs[o]
                role = "coordinator" if j == 0 else \
                    rnd.choice(["participant"] * 6 + ["associatedPartner", "thirdParty"])
                ow.writerow([pid, f"P{i}", oid, "", name, short, "false", act, "STREET 1", "1000", "CITY", cc, "",
                             "", f"www.org{o}.eu", "", "2024-01-01 10:00:00", str(o), str(j + 1), role,
                             "100000", "100000", "100000", "false", ""])
                parts += 1
    return pp, op, parts


# --- measured steps, each run in a fresh process ------------------------------------------------

def step_import(folder: str, imports: str) -> dict:
    from kg.importers import run_import

    s = run_import("cordis", {"projects": Path(folder) / "project.csv",
                              "organizations": Path(folder) / "organization.csv"},
                   folder=Path(imports), data_dir=ROOT / "data", ontology_dir=ROOT / "ontology")
    return {"records": s.records, "entities": s.entities, "merged": s.merged_curated, "conflicts": len(s.conflicts),
            "participations": s.counts.get("read participations", 0),
            "kept_mib": round(s.path.stat().st_size / 2**20, 1)}


def step_default(folder: str, imports: str) -> dict:
    from kg.build import build

    ds = build(ROOT / "data", ROOT / "ontology", imports=Path(imports))
    return {"quads": len(ds)}


def step_oxigraph(folder: str, imports: str) -> dict:
    from kg.assemble import Config, assemble
    from kg.store import OxigraphStore

    asm = assemble(Config.resolve(ROOT / "data", ROOT / "ontology", imports=True, imports_folder=imports))
    return {"quads": len(OxigraphStore.from_nquads(asm.nquads(names=True, default=True)))}


def step_curated(folder: str, imports: str) -> dict:
    from kg.build import build

    return {"quads": len(build(ROOT / "data", ROOT / "ontology"))}


def step_ox_bulk(folder: str, imports: str) -> dict:
    import pyoxigraph as ox

    from kg.assemble import Config, assemble

    asm = assemble(Config.resolve(ROOT / "data", ROOT / "ontology", imports=True, imports_folder=imports))
    path = asm.write_nquads(Path(imports) / "assembled.nq", names=True, default=True)
    del asm
    t = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return {"quads": len(store), "load_only_seconds": round(time.perf_counter() - t, 2)}


STEPS = {"import": step_import, "default": step_default, "oxigraph": step_oxigraph, "curated": step_curated,
         "oxigraph-bulk-load": step_ox_bulk}


def child(step: str, folder: str, imports: str) -> None:
    t = time.perf_counter()
    out = STEPS[step](folder, imports)
    out["seconds"] = round(time.perf_counter() - t, 2)
    out["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # skip freeing millions of Python objects: not part of the measured work


def run(step: str, folder: Path, imports: Path) -> dict:
    load = os.getloadavg()[0]  # other work on the machine slows every figure: keep it with them
    proc = subprocess.run([sys.executable, __file__, "--child", step, str(folder), str(imports)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode != 0:
        raise SystemExit(f"{step} failed:\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load_before"] = round(load, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    ap.add_argument("--skip-rdflib-above", type=int, default=10**9, metavar="N",
                    help="skip the rdflib steps above N projects")
    ap.add_argument("--steps", nargs="+", choices=list(STEPS), metavar="STEP",
                    help=f"measure only these ({', '.join(STEPS)}); import runs first when needed")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="pmkg-bench-import-") as tmp:
        for n in args.sizes:
            folder, imports = Path(tmp) / f"cordis-{n}", Path(tmp) / f"imports-{n}"
            t = time.perf_counter()
            pp, op, parts = generate(n, folder)
            row = {"projects": n, "participations": parts, "gen_seconds": round(time.perf_counter() - t, 1),
                   "csv_mib": round((pp.stat().st_size + op.stat().st_size) / 2**20, 1)}
            for step in ("curated", "import", "oxigraph-bulk-load", "oxigraph", "default"):
                if step == "default" and n > args.skip_rdflib_above:
                    continue
                if args.steps and step not in args.steps and step != "import":
                    continue
                row[step] = run(step, folder, imports)
                print(f"{n:>7,} projects  {step:<19} {row[step]['seconds']:8.1f} s  {row[step]['peak_mib']:6,} MiB"
                      f"  {row[step].get('quads', ''):>10} quads  (load average {row[step]['load_before']})",
                      flush=True)
            results.append(row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "imports.json").write_text(json.dumps(results, indent=2) + "\n")
    print()
    print("| projects | participations | CSV MiB | records | import s / peak MiB | default store (rdflib) s / MiB "
          "| Oxigraph store s / MiB | Oxigraph bulk_load of the assembled quads (baseline) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    def cell(r, k):
        return f"{r[k]['seconds']:.1f} s / {r[k]['peak_mib']:,}" if k in r else "not run"

    for r in results:
        print(f"| {r['projects']:,} | {r['participations']:,} | {r['csv_mib']} | {r['import']['records']:,} | "
              f"{cell(r, 'import')} | {cell(r, 'default')} | {cell(r, 'oxigraph')} | {cell(r, 'oxigraph-bulk-load')} |")
    for r in results:
        if "oxigraph" not in r or "oxigraph-bulk-load" not in r or "curated" not in r:
            print()
            continue
        print(f"Oxigraph store = {r['oxigraph']['seconds'] / r['oxigraph-bulk-load']['seconds']:.1f}x a plain "
              f"bulk_load; curated build alone {r['curated']['seconds']:.1f} s")


if __name__ == "__main__":
    main()
