"""Benchmark: the importers on real registry records (../shared/realdata), the "Numbers" of issue 10.

    python benchmarks/bench_realdata.py [--realdata DIR] [--json FILE]

Imports every file of the real-data folder (see its SOURCES.md files) into a temporary imports
folder against the project's curated data/, each file on its own and WITHOUT --skip-bad, then
builds the graph with all of them and prints:

* ClinicalTrials.gov: per file, the studies imported / studies in the file (or the error);
  the EU CT and EudraCT numbers read; locations left without a country; anonymous sites folded
* ROR: the default import (records of curated organisations) and --all on the Nordic/NL dump:
  universities and hospitals (ROR types education / healthcare) typed as funding agency, and
  the kind conflicts reported on curated organisations
* CORDIS: what the real fragments give (the FP7 export with the header-only organization file,
  the verbatim organisation rows with their scaffold projects, the pandas re-export)
* the merged graph: duplicates of curated organisations among the names issue 10 lists (an
  entity other than the curated one carrying that name), and imported organisations linked to
  nothing (no participation, not merged into a curated record, not a ROR enrichment of one)

Nothing is copied into the repository; the figures go to benchmarks/README.md by hand.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg import paths  # noqa: E402
from kg.importers import BadRecords, NothingToImport, WrongFormat, run_import  # noqa: E402
from kg.importers.reconcile import norm_name  # noqa: E402
from kg.importers.runner import curated_data, curated_index  # noqa: E402

#: the names issue 10 lists as creating duplicates of curated organisations
ISSUE_NAMES = ["The Netherlands Cancer Institute",
               "Netherlands Cancer Institute - Antoni van Leeuwenhoek Ziekenhuis (NKI-AVL)",
               "Hoffmann-La Roche", "Swedish Research Council for Environment, Agricultural Sciences and "
               "Spatial Planning", "Formas"]


def _import(kind: str, inputs: dict, folder: Path, name: str, index, options=None) -> dict:
    t = time.perf_counter()
    try:
        s = run_import(kind, inputs, folder=folder, name=name, index=index, options=options or {})
    except BadRecords as e:
        return {"name": name, "error": f"{len(e.problems)} bad record(s), nothing imported (exit 1)",
                "first": str(e.problems[0])}
    except (NothingToImport, WrongFormat) as e:
        return {"name": name, "error": f"{type(e).__name__}: {e}"}
    return {"name": name, "counts": dict(s.counts), "conflicts": s.conflicts, "rules": s.rules,
            "seconds": round(time.perf_counter() - t, 2), "entities": s.entities, "merged": s.merged_curated}


def _studies_in(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(data, dict):
        return len(data["studies"]) if isinstance(data.get("studies"), list) else 1
    return len(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--realdata", type=Path, default=ROOT.parent / "shared" / "realdata")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    real: Path = args.realdata
    if not real.is_dir():
        print(f"no real data at {real}", file=sys.stderr)
        return 2
    data, _ = curated_data()
    curated_ids = set(data.records)
    index = curated_index()
    out: dict = {"ctgov": [], "ror": [], "cordis": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "imports"
        # ClinicalTrials.gov: every file on its own, no --skip-bad
        ct_files = sorted((real / "ctgov").glob("*.json")) \
            + sorted((real / "ctgov" / "biomcp-api-captures").glob("*.json"))
        for i, f in enumerate(ct_files):
            r = _import("ctgov", {"path": f}, folder, f"ct{i:02d}", index)
            r["file"] = str(f.relative_to(real))
            r["studies_in_file"] = _studies_in(f)
            out["ctgov"].append(r)
        out["eu_numbers"] = _eu_numbers(folder)
        # ROR: default (curated organisations only) into the graph, --all on its own for the kinds
        ror = real / "ror" / "ror-v2-nordic-nl-dump.json"
        out["ror"].append(_import("ror", {"dump": ror}, folder, "ror", index))
        with tempfile.TemporaryDirectory() as tmp2:
            r_all = _import("ror", {"dump": ror}, Path(tmp2), "rorall", index, {"all": True})
            out["ror"].append(r_all)
            out["ror_funders"] = _ror_funders(ror, Path(tmp2) / "rorall.jsonl")
        # CORDIS fragments
        cd = real / "cordis"
        out["cordis"].append(_import("cordis", {"projects": cd / "fp7-cordis_search" / "fp7_test_projects.csv",
                                                "organizations": cd / "constructed" / "organization_header_only.csv"},
                                     folder, "cordisfp7", index))
        out["cordis"].append(_import("cordis", {"projects": cd / "constructed" / "scaffold_project_ids_only.csv",
                                                "organizations": cd / "org-rows-verbatim" /
                                                "organization_rows_verbatim.csv"}, folder, "cordisorgs", index))
        with tempfile.TemporaryDirectory() as tmp3:
            out["cordis"].append(_import("cordis", {"projects": cd / "he-pandas-reexport" / "project_df_100.csv",
                                                    "organizations": cd / "he-pandas-reexport" /
                                                    "organization_df_100.csv"}, Path(tmp3), "cordishe", index))
        out["graph"] = _graph(folder, curated_ids)
    _print(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


def _eu_numbers(folder: Path) -> dict:
    """Distinct EU CT and EudraCT numbers, and studies carrying one, in the kept ClinicalTrials.gov imports."""
    found: dict[str, set[str]] = {"ctis": set(), "eudract": set()}
    studies: set[str] = set()
    for f in sorted(folder.glob("ct*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if d.get("kind") == "trial":
                for fld in found:
                    for v in d["values"].get(fld, []):
                        found[fld].add(v)
                        if fld == "ctis":
                            studies.add(d["id"])
    return {"ctis": len(found["ctis"]), "eudract": len(found["eudract"]), "studies_with_ctis": len(studies)}


def _ror_funders(dump: Path, kept: Path) -> dict:
    """Imported ROR organisations typed funding agency although ROR says education or healthcare."""
    types = {}
    for rec in json.loads(dump.read_text(encoding="utf-8")):
        types[rec["id"].rsplit("/", 1)[-1]] = rec.get("types") or []
    kinds: Counter = Counter()
    wrong = []
    if kept.is_file():
        for line in kept.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if d.get("kind") != "organisation" or "kind" not in d.get("values", {}):
                continue
            short = d["id"].removeprefix("ror-")
            kind = d["values"]["kind"][0]
            kinds[kind] += 1
            if kind == "funding-agency" and {"education", "healthcare"} & set(types.get(short, [])):
                wrong.append(d["values"]["name"][0])
    return {"kinds": dict(kinds), "universities_or_hospitals_as_funding_agency": len(wrong), "examples": wrong[:5]}


def _graph(folder: Path, curated_ids: set[str]) -> dict:
    """Duplicates of curated organisations among ISSUE_NAMES, and imported organisations linked to nothing."""
    from rdflib import URIRef

    from kg.build import build
    from kg.namespaces import ORG, PMKG, SCHEMA

    t = time.perf_counter()
    ds = build(paths.data_dir(), paths.ontology_dir(), imports=folder)
    seconds = round(time.perf_counter() - t, 1)
    base = "https://w3id.org/pmkg/id/"
    orgs = set(ds.subjects(PMKG.organisationKind, None))
    names: dict[str, set[URIRef]] = {}
    for o in orgs:
        for p in (SCHEMA.name, SCHEMA.alternateName, PMKG.acronym):
            for n in ds.objects(o, p):
                names.setdefault(norm_name(str(n)), set()).add(o)
    dups = {}
    for n in ISSUE_NAMES:
        found = names.get(norm_name(n), set())
        dups[n] = sorted(str(o)[len(base):] for o in found if str(o)[len(base):] not in curated_ids)
    linked = set(ds.objects(None, ORG.member)) | set(ds.objects(None, SCHEMA.funder)) \
        | set(ds.objects(None, SCHEMA.parentOrganization)) | set(ds.subjects(SCHEMA.parentOrganization, None)) \
        | set(ds.objects(None, PMKG.managedBy))
    imported = [o for o in orgs if str(o)[len(base):] not in curated_ids]
    orphans = sorted(str(o)[len(base):] for o in imported if o not in linked)
    by_prefix = Counter(o.split("-", 1)[0] for o in orphans)
    return {"build_seconds": seconds, "organisations": len(orgs), "imported_organisations": len(imported),
            "duplicates_of_curated": dups, "orphans": len(orphans), "orphans_by_importer": dict(by_prefix),
            "orphan_examples": orphans[:8]}


def _print(out: dict) -> None:
    print("ClinicalTrials.gov, each file without --skip-bad:")
    eu = eudract = unknown = folded = 0
    for r in out["ctgov"]:
        c = r.get("counts", {})
        got = c.get("read studies", 0)
        total = r["studies_in_file"]
        status = f"{got}/{total} studies" if "error" not in r else f"0/{total}: {r['error']}"
        print(f"  {r['file']:<70} {status}")
        eu += c.get("EU CT numbers read", 0)
        eudract += c.get("EudraCT numbers read", 0)
        unknown += sum(v for k, v in c.items() if k.startswith("locations left without a country"))
        folded += c.get("anonymous sites folded into their sponsor", 0)
    n = out["eu_numbers"]
    print(f"  EU CT numbers read: {eu} in study records ({n['ctis']} distinct, {n['studies_with_ctis']} distinct "
          f"studies); EudraCT numbers: {eudract} ({n['eudract']} distinct)")
    print(f"  locations left without a country: {unknown}; anonymous sites folded into the sponsor: {folded}")
    print("ROR (ror-v2-nordic-nl-dump.json):")
    for r in out["ror"]:
        if "error" in r:
            print(f"  {r['name']}: {r['error']}")
            continue
        kind_conflicts = [c for c in r["conflicts"] if " kind: " in c]
        print(f"  {r['name']}: {r['counts'].get('read records', 0)} records imported, {r['merged']} merged into "
              f"curated, {len(r['conflicts'])} conflicts ({len(kind_conflicts)} on kind)")
        for c in kind_conflicts[:6]:
            print(f"      {c}")
    f = out["ror_funders"]
    print(f"  --all: universities/hospitals typed as funding agency: {f['universities_or_hospitals_as_funding_agency']}"
          f"; kinds: {f['kinds']}")
    print("CORDIS fragments:")
    for r in out["cordis"]:
        print(f"  {r['name']}: {r.get('error') or {k: v for k, v in r['counts'].items()}}")
    g = out["graph"]
    print(f"Graph with the imports (built in {g['build_seconds']} s): {g['organisations']} organisations, "
          f"{g['imported_organisations']} imported")
    for n, d in g["duplicates_of_curated"].items():
        print(f"  duplicate of a curated organisation named {n!r}: {d or 'none'}")
    print(f"  imported organisations linked to nothing: {g['orphans']} {g['orphans_by_importer']} "
          f"{g['orphan_examples'][:4]}")


if __name__ == "__main__":
    sys.exit(main())
