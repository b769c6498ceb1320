"""Kept imports: pmkg import --list/--remove, and build, export and stores including them."""
from __future__ import annotations

import re

import pytest
from conftest import DATA, ONTOLOGY, ROOT, edit_kept
from rdflib import Dataset, URIRef

from kg.cli import main
from kg.importers import ImportFileError, manifests, run_import
from kg.namespaces import SCHEMA, VOID

FIX = ROOT / "tests" / "fixtures"
CORDIS = ["cordis", "--projects", str(FIX / "cordis" / "project.csv"),
          "--organizations", str(FIX / "cordis" / "organization.csv")]
GRAPH = "https://w3id.org/pmkg/graph/import-cordis"


def graphs_of(nquads: bytes) -> set[str]:
    ds = Dataset()
    ds.parse(data=nquads, format="nquads")
    return {str(g.identifier) for g in ds.graphs()}


def test_import_list_export_remove(project, capsys, tmp_path):
    assert main(["import", *CORDIS]) == 0
    out = capsys.readouterr().out
    assert "Imported CORDIS as 'cordis'" in out and "merged" in out
    kept = project / "build" / "imports"
    files = sorted(p.name for p in kept.iterdir() if not p.name.startswith("."))
    assert files[1:] == ["cordis.json", "cordis.report.txt"]
    assert re.fullmatch(r"cordis\.[0-9a-f]{16}\.jsonl", files[0])     # named after its content

    assert main(["import", "--list"]) == 0
    listing = capsys.readouterr().out
    assert listing.splitlines()[0].split()[:3] == ["NAME", "SOURCE", "IMPORTED"]
    assert listing.splitlines()[1].startswith("cordis ") and "project.csv, organization.csv" in listing

    nq = tmp_path / "all.nq"
    assert main(["export", "-f", "nquads", "-o", str(nq)]) == 0
    assert GRAPH in graphs_of(nq.read_bytes())
    assert main(["export", "-f", "nquads", "-o", str(nq), "--no-imports"]) == 0
    assert GRAPH not in graphs_of(nq.read_bytes())

    assert main(["import", "--remove", "cordis"]) == 0
    assert list(kept.iterdir()) == []
    assert main(["export", "-f", "nquads", "-o", str(nq)]) == 0
    assert GRAPH not in graphs_of(nq.read_bytes())
    capsys.readouterr()
    assert main(["import", "--remove", "cordis"]) == 2
    assert "no import named 'cordis'" in capsys.readouterr().err


def test_build_command_includes_the_imports(project, capsys):
    assert main(["import", *CORDIS]) == 0
    assert main(["build"]) == 0
    trig = Dataset(default_union=True)
    trig.parse(project / "build" / "pmkg.trig", format="trig")
    assert GRAPH in {str(g.identifier) for g in trig.graphs()}
    assert (URIRef("https://w3id.org/pmkg/id/cordis-org-999000004"), SCHEMA.name, None) in trig


def test_cli_exit_codes(project, capsys):
    bad = ["cordis", "--projects", str(FIX / "cordis" / "bad" / "project.csv"),
           "--organizations", str(FIX / "cordis" / "bad" / "organization.csv")]
    assert main(["import", *bad]) == 1
    err = capsys.readouterr().err
    assert "6 bad record(s) in the input, nothing written" in err
    assert "organization.csv:3: record '101104269/999000002', field 'role'" in err and "--skip-bad" in err
    assert main(["import", *bad, "--skip-bad"]) == 0
    out = capsys.readouterr().out   # records skipped, and the problems counted apart
    assert "skipped 3 projects and 3 rows of organization.csv (--skip-bad); 6 problem(s) listed in" in out
    assert main(["import", "ctgov", str(FIX / "ror" / "ror-data.json")]) == 2
    assert "a ROR record dump, not ClinicalTrials.gov studies" in capsys.readouterr().err
    assert main(["import", "ror", str(FIX / "ror" / "missing.json")]) == 2
    assert main(["import"]) == 2
    assert main(["import", *CORDIS, "--name", "Bad Name"]) == 2
    assert "lower-case slug" in capsys.readouterr().err


def test_importing_again_under_the_same_name_replaces(tmp_path, curated_index):
    first = run_import("cordis", {"projects": FIX / "cordis" / "project.csv",
                                  "organizations": FIX / "cordis" / "organization.csv"},
                       folder=tmp_path, index=curated_index)
    assert not first.replaced
    second = run_import("cordis", {"projects": FIX / "cordis" / "project.csv",
                                   "organizations": FIX / "cordis" / "organization.csv"},
                        folder=tmp_path, index=curated_index, options={"ids": ["945393"]})
    assert second.replaced and "replacing" in second.text()
    assert [m.counts["read projects"] for m in manifests(tmp_path)] == [1]


def test_an_unreadable_import_is_a_clear_error(tmp_path, curated_index):
    from kg.build import build

    summary = run_import("ctgov", {"path": FIX / "ctgov" / "studies.json"}, folder=tmp_path, index=curated_index)
    kept = summary.path
    text = kept.read_text(encoding="utf-8")
    kept.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"ctgov\..*\.jsonl: not the data file its manifest ctgov\.json names"):
        build(DATA, ONTOLOGY, imports=tmp_path)
    edit_kept(tmp_path, "ctgov", text + "<broken> this is not a record\n", append=False)
    lines = text.count("\n")
    with pytest.raises(ImportFileError, match=rf"ctgov\..*\.jsonl:{lines + 1}: not a record of this import"):
        build(DATA, ONTOLOGY, imports=tmp_path)
    edit_kept(tmp_path, "ctgov", '{"kind": "trial", "id": "ctgov-x", "values": {"phase": ["phase-9"]}}\n', append=False)
    with pytest.raises(ImportFileError, match=r"ctgov\..*\.jsonl:1: .*field 'phase': unknown phase 'phase-9'"):
        build(DATA, ONTOLOGY, imports=tmp_path)
    kept.unlink()
    with pytest.raises(ImportFileError, match=r"data file ctgov\..*\.jsonl is missing.*pmkg import --remove ctgov"):
        build(DATA, ONTOLOGY, imports=tmp_path)
    (tmp_path / "ctgov.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"ctgov\.json: not a readable import manifest"):
        build(DATA, ONTOLOGY, imports=tmp_path)


def test_cli_reports_an_unreadable_import(project, capsys):
    assert main(["import", *CORDIS]) == 0
    edit_kept(project / "build" / "imports", "cordis", "garbage\n", append=False)
    capsys.readouterr()
    assert main(["stats"]) == 2
    assert re.search(r"cordis\.[0-9a-f]{16}\.jsonl:1: not a record of this import", capsys.readouterr().err)


def test_an_import_kept_by_an_earlier_pmkg_is_named_with_what_to_do(tmp_path):
    """Regression: imports kept as N-Quads (manifest format 1) cannot be read as records."""
    from kg.build import build

    (tmp_path / "old.json").write_text('{"format": "pmkg-import/1", "name": "old"}', encoding="utf-8")
    (tmp_path / "old.nq").write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"old\.json: kept by an earlier pmkg.*pmkg import --remove old"):
        build(DATA, ONTOLOGY, imports=tmp_path)
    from kg.importers import remove

    assert sorted(p.name for p in remove("old", tmp_path)) == ["old.json", "old.nq"]


def test_another_base_iri(tmp_path, curated_index):
    from kg.build import build

    run_import("cordis", {"projects": FIX / "cordis" / "project.csv",
                          "organizations": FIX / "cordis" / "organization.csv"},
               folder=tmp_path, index=curated_index)
    base = "https://example.org/kg/"
    ds = build(DATA, ONTOLOGY, base=base, imports=tmp_path)
    g = ds.graph(URIRef(base + "graph/import-cordis"))
    assert len(g) > 300
    terms = {str(t) for triple in g for t in triple if isinstance(t, URIRef)}
    old = [f"https://w3id.org/pmkg/{part}/" for part in ("id", "participation", "source", "graph")]
    assert not any(t.startswith(o) for t in terms for o in old)   # vocabulary IRIs never change
    assert URIRef(base + "id/cordis-org-999000004") in {s for s in g.subjects()}
    assert (URIRef(base + "id/prime-rose"), URIRef("https://w3id.org/pmkg/def#coordinator"),
            URIRef(base + "id/ous")) in ds


def test_every_store_gets_the_same_import_graph(tmp_path, curated_index):
    """The one assembly feeds rdflib and Oxigraph alike: the import's graph is the same in both."""
    from kg.assemble import Config, assemble
    from kg.memstore import MemoryStore
    from kg.store import OxigraphStore

    run_import("ror", {"dump": FIX / "ror" / "ror-data.json"}, folder=tmp_path, index=curated_index,
               options={"all": True})
    asm = assemble(Config.resolve(DATA, ONTOLOGY, imports=True, imports_folder=tmp_path))
    name = "https://w3id.org/pmkg/graph/import-ror"
    memory = MemoryStore.from_assembly(asm).nquads()
    oxigraph = OxigraphStore.from_nquads(asm.nquads(names=True, default=True)).nquads()
    assert memory == oxigraph
    assert sum(1 for line in oxigraph.splitlines() if line.endswith(f"<{name}> .".encode())) > 50


def test_description_lists_the_imports(tmp_path, curated_index):
    from kg.build import build

    run_import("ctgov", {"path": FIX / "ctgov" / "studies.json"}, folder=tmp_path, index=curated_index)
    ds = build(DATA, ONTOLOGY, imports=tmp_path)
    desc = ds.graph(URIRef("https://w3id.org/pmkg/graph/description"))
    graph = URIRef("https://w3id.org/pmkg/graph/import-ctgov")
    assert (URIRef("https://w3id.org/pmkg/dataset"), VOID.subset, graph) in desc
    assert int(desc.value(graph, VOID.triples)) == len(ds.graph(graph))


def test_fingerprint_changes_with_the_imports(tmp_path, curated_index):
    from kg.importers import fingerprint, remove

    empty = fingerprint(tmp_path)
    run_import("ctgov", {"path": FIX / "ctgov" / "studies.json"}, folder=tmp_path, index=curated_index)
    one = fingerprint(tmp_path)
    assert one != empty
    remove("ctgov", tmp_path)
    assert fingerprint(tmp_path) == empty
