"""Kept imports: pmkg import --list/--remove, and build, export and stores including them."""
from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys

import pytest
from conftest import DATA, ONTOLOGY, ROOT, edit_kept, kept_data
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


# --- what an import brings in, skips and merges by name (issue 10) -----------------------------------------

def study(nct: str, sponsor: tuple[str, str], sites: list[tuple[str, str, str]], phase: str = "PHASE2",
          collaborators: list[tuple[str, str]] = ()) -> dict:
    """A ClinicalTrials.gov API v2 study record of our own: sponsor (name, class), sites (facility, city, country)."""
    return {"protocolSection": {
        "identificationModule": {"nctId": nct, "briefTitle": f"Study {nct}"},
        "statusModule": {"overallStatus": "RECRUITING", "startDateStruct": {"date": "2023-01"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": sponsor[0], "class": sponsor[1]},
                                       "collaborators": [{"name": n, "class": c} for n, c in collaborators]},
        "designModule": {"phases": [phase]},
        "contactsLocationsModule": {"locations": [{"facility": f, "city": c, "country": k} for f, c, k in sites]}}}


def write_studies(path, *studies) -> str:
    path.write_text(json.dumps({"studies": list(studies)}, indent=1), encoding="utf-8")
    return str(path)


def kept_ids(folder, name: str) -> set[str]:
    return {json.loads(line)["id"] for line in kept_data(folder, name).read_text(encoding="utf-8").splitlines()
            if line.startswith('{"kind":')}


def test_skip_bad_leaves_out_the_sites_and_sponsors_only_a_skipped_study_had(tmp_path, curated_index):
    """Regression: the sites and sponsor of a skipped study stayed in the graph linked to nothing, and the
    summary counted problems ("2 bad records") where one study was skipped."""
    good = study("NCT09000001", ("Acme Oncology Group", "OTHER"),
                 [("Shared Hospital Bergen", "Bergen", "Norway"), ("Good Hospital Tromso", "Tromsø", "Norway")])
    bad = study("NCT09000002", ("Lonely Sponsor Foundation", "OTHER"),
                [("Shared Hospital Bergen", "Bergen", "Norway"), ("Lonely Clinic Lyon", "Lyon", "France")],
                phase="PHASE9")
    bad["protocolSection"]["statusModule"]["startDateStruct"]["date"] = "2023-13"    # a second problem
    src = write_studies(tmp_path / "studies.json", good, bad)
    out = tmp_path / "imports"
    s = run_import("ctgov", {"path": src}, folder=out, index=curated_index, skip_bad=True)
    ids = kept_ids(out, "ctgov")
    assert "ctgov-nct09000001" in ids and "ctgov-nct09000002" not in ids
    assert {"ctgov-org-shared-hospital-bergen", "ctgov-org-good-hospital-tromso",
            "ctgov-org-acme-oncology-group"} <= ids
    assert not {"ctgov-org-lonely-sponsor-foundation", "ctgov-org-lonely-clinic-lyon"} & ids
    assert s.unlinked == {"ctgov-org-lonely-clinic-lyon": "Lonely Clinic Lyon",
                          "ctgov-org-lonely-sponsor-foundation": "Lonely Sponsor Foundation"}
    assert len(s.skipped) == 2 and s.skipped_records == {"studies": 1}
    text = s.text()
    assert "skipped 1 study (--skip-bad); 2 problem(s) listed in" in text
    assert "left out 2 organisation(s) or programme(s) that only skipped records referred to" in text
    report = s.report.read_text(encoding="utf-8")
    assert "## Skipped (--skip-bad): 1 study, with 2 problem(s)" in report
    assert "ctgov-org-lonely-clinic-lyon 'Lonely Clinic Lyon'" in report
    # and in the graph: every imported organisation takes part in something
    from kg.assemble import Config, assemble

    asm = assemble(Config.resolve(DATA, ONTOLOGY, imports=True, imports_folder=out))
    linked = {p.who for r in asm.data.records.values() for p in r.participants}
    orgs = {r.id for r in asm.data.records.values() if r.kind == "organisation" and "import-ctgov" in r.sources}
    assert orgs and orgs <= linked


def test_registry_names_of_curated_organisations_are_merged_and_listed_with_their_rule(tmp_path, curated_index):
    """Regression: "The Netherlands Cancer Institute", "Netherlands Cancer Institute - Antoni van Leeuwenhoek
    Ziekenhuis (NKI-AVL)" and "Hoffmann-La Roche" became duplicates of curated NKI and Roche."""
    src = write_studies(tmp_path / "drup.json", study(
        "NCT09000003", ("The Netherlands Cancer Institute", "OTHER"),
        [("Netherlands Cancer Institute - Antoni van Leeuwenhoek Ziekenhuis (NKI-AVL)", "Amsterdam", "Netherlands")],
        collaborators=[("Hoffmann-La Roche", "INDUSTRY")]))
    s = run_import("ctgov", {"path": src}, folder=tmp_path / "imports", index=curated_index)
    assert s.merged_by_name == 3 and s.rules == {"name": 3}
    report = s.report.read_text(encoding="utf-8")
    assert ("'The Netherlands Cancer Institute' (imported ctgov-org-the-netherlands-cancer-institute) = "
            "pm:nki 'Netherlands Cancer Institute' (leading article)") in report
    assert "'Hoffmann-La Roche' (imported ctgov-org-hoffmann-la-roche) = pm:roche 'Roche' (company name" in report
    assert "(NKI-AVL)' (imported ctgov-org-netherlands-cancer-institute-antoni-van-leeuwenhoek-ziekenhuis" in report
    assert "3 merge(s) by name, each with the rule that matched: listed in" in s.text()
    from kg.assemble import Config, assemble

    asm = assemble(Config.resolve(DATA, ONTOLOGY, imports=True, imports_folder=tmp_path / "imports"))
    trial = asm.data.records["ctgov-nct09000003"]
    assert {(p.who, p.role) for p in trial.participants} == {("nki", "sponsor"), ("nki", "site"),
                                                             ("roche", "collaborator")}


def test_pmkg_import_dir_is_gone_in_favour_of_imports(project, capsys, tmp_path):
    """Regression: `pmkg import --dir DIR` kept an import where no other command could see it."""
    where, nq = tmp_path / "elsewhere", tmp_path / "all.nq"
    for argv in (["import", "--dir", str(where), *CORDIS], ["import", *CORDIS, "--dir", str(where)]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        assert "--dir is gone: use --imports DIR, which every command takes" in capsys.readouterr().err
    assert not where.exists()
    assert main(["import", *CORDIS, "--imports", str(where)]) == 0
    assert main(["export", "-f", "nquads", "-o", str(nq), "--imports", str(where)]) == 0
    assert GRAPH in graphs_of(nq.read_bytes())


# --- one atomic unit (issue 15, E5 and E6) -------------------------------------------------------------------

CORDIS_INPUTS = {"projects": FIX / "cordis" / "project.csv", "organizations": FIX / "cordis" / "organization.csv"}


def snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_full_disk_during_an_import_leaves_no_temp_file_and_the_old_import_whole(tmp_path, curated_index,
                                                                               monkeypatch):
    """Regression (E5): a failed import on a full disk left its partial temp file."""
    from kg.importers import emit, kept

    run_import("cordis", CORDIS_INPUTS, folder=tmp_path, index=curated_index)
    before = snapshot(tmp_path)
    real_write = emit.RecordFile.write

    def write(self, obj):
        if self.count >= 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, obj)

    with monkeypatch.context() as m:
        m.setattr(emit.RecordFile, "write", write)
        with pytest.raises(OSError, match="No space left"):
            run_import("cordis", CORDIS_INPUTS, folder=tmp_path, index=curated_index, options={"ids": ["945393"]})
    assert snapshot(tmp_path) == before
    # the disk fills up as the manifest is written: the old manifest and its own data stay
    with monkeypatch.context() as m:
        m.setattr(kept, "atomic_write", _full_disk)
        with pytest.raises(OSError, match="No space left"):
            run_import("cordis", CORDIS_INPUTS, folder=tmp_path, index=curated_index, options={"ids": ["945393"]})
    assert snapshot(tmp_path) == before


def _full_disk(path, data):
    raise OSError(errno.ENOSPC, "No space left on device")


KILL = """
import os, signal, sys
from kg.importers import emit, kept, run_import
where = sys.argv[2]
if where == "data":        # killed while the data is written: a temp file is left
    real = emit.RecordFile.write
    def write(self, obj):
        if self.count >= 3:
            os.kill(os.getpid(), signal.SIGKILL)
        real(self, obj)
    emit.RecordFile.write = write
else:                      # killed after the new data file is in place, before the manifest
    kept.write_manifest = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
run_import("cordis", {"projects": sys.argv[3], "organizations": sys.argv[4]}, folder=sys.argv[1],
           data_dir=sys.argv[5], ontology_dir=sys.argv[6], options={"ids": ["945393"]})
"""


@pytest.mark.parametrize("where", ["data", "manifest"])
def test_killed_import_never_pairs_new_data_with_the_old_manifest(tmp_path, curated_index, where):
    """Regression (E6): a crash between writing the data file and its manifest paired a new data file with the
    old manifest; killed imports left temp files that were never cleaned."""
    from kg.importers import kept
    from kg.vocab import vocabulary

    folder = tmp_path / "imports"
    first = run_import("cordis", CORDIS_INPUTS, folder=folder, index=curated_index)
    before = snapshot(folder)
    proc = subprocess.run([sys.executable, "-c", KILL, str(folder), where, str(CORDIS_INPUTS["projects"]),
                           str(CORDIS_INPUTS["organizations"]), str(DATA), str(ONTOLOGY)],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    left = snapshot(folder)
    assert set(left) > set(before)                       # it died leaving something behind ...
    assert {k: v for k, v in left.items() if k in before} == before   # ... but the import kept is whole
    (m,) = manifests(folder)
    assert m.data_file == first.path.name
    records = kept.read_import(folder, m, vocabulary(ONTOLOGY).schemes()).records
    assert len(records) == first.records
    # the next import cleans what the killed one left
    again = run_import("cordis", CORDIS_INPUTS, folder=folder, index=curated_index, options={"ids": ["945393"]})
    assert sorted(p.name for p in folder.iterdir()) == sorted(["cordis.json", again.path.name, "cordis.report.txt"])


def test_two_imports_into_one_folder_take_turns(tmp_path, curated_index):
    """The lock of the imports folder: an import waits while another holds it."""
    import threading

    from kg.importers import kept

    done = threading.Event()

    def second():
        run_import("cordis", CORDIS_INPUTS, folder=tmp_path, index=curated_index, name="second")
        done.set()

    with kept.locked(tmp_path):
        t = threading.Thread(target=second)
        t.start()
        assert not done.wait(3.0)          # still waiting for the lock
        assert not list(tmp_path.glob("second*"))
    t.join(120)
    assert done.is_set() and [m.name for m in manifests(tmp_path)] == ["second"]


def test_a_report_that_cannot_be_written_leaves_the_import_kept_and_no_stale_report(tmp_path, curated_index,
                                                                                   monkeypatch, capsys):
    from kg.importers import runner

    run_import("cordis", CORDIS_INPUTS, folder=tmp_path, index=curated_index)
    assert (tmp_path / "cordis.report.txt").is_file()
    monkeypatch.setattr(runner, "atomic_write", _full_disk)
    s = run_import("cordis", CORDIS_INPUTS, folder=tmp_path, index=curated_index, options={"ids": ["945393"]})
    assert s.report is None and not (tmp_path / "cordis.report.txt").exists()
    assert "listed in the report, which could not be written" in s.text()
    assert "the import is kept, but its report could not be written" in capsys.readouterr().err
    assert [m.counts["read projects"] for m in manifests(tmp_path)] == [1]


def test_a_build_never_reads_an_import_while_it_is_being_kept(tmp_path, curated_index, capsys):
    """Regression: a build that read the manifest just before an import replaced it looked for the old data
    file, which the import had removed. Reading the kept imports waits while one is being kept."""
    import threading
    import time

    from kg.assemble import Config, assemble
    from kg.importers import kept

    run_import("cordis", CORDIS_INPUTS, folder=tmp_path, index=curated_index)
    got: list = []
    with kept.locked(tmp_path):
        t = threading.Thread(target=lambda: got.append(
            assemble(Config.resolve(DATA, ONTOLOGY, imports=True, imports_folder=tmp_path))))
        t.start()
        err = ""
        for _ in range(600):
            err += capsys.readouterr().err
            if "waiting for another pmkg import" in err:
                break
            time.sleep(0.1)
        assert "waiting for another pmkg import" in err and not got
    t.join(120)
    assert got and [m.name for m, _ in got[0].imports] == ["cordis"]


def test_kept_record_id_with_a_trailing_newline_is_refused(tmp_path, curated_index):
    """A kept record whose id ends in a newline ('ctgov-x\\n' matched '^...$') is not a record id: the build
    names the file and line instead of writing an IRI with a newline in it."""
    from kg.build import build

    run_import("ctgov", {"path": FIX / "ctgov" / "studies.json"}, folder=tmp_path, index=curated_index)
    edit_kept(tmp_path, "ctgov", '{"kind": "trial", "id": "ctgov-x\\n", "values": {}}\n', append=False)
    with pytest.raises(ImportFileError, match=r"ctgov\..*\.jsonl:1: .*'ctgov-x\\n' is not a record id"):
        build(DATA, ONTOLOGY, imports=tmp_path)
