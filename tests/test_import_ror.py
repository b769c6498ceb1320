"""pmkg import ror: ROR schema v2 records enrich the curated organisations with the same ROR id."""
from __future__ import annotations

import json

import pytest
from conftest import DATA, ONTOLOGY, ROOT
from rdflib import Literal, URIRef

from kg import namespaces as ns
from kg.importers import BadRecords, NothingToImport, WrongFormat, run_import
from kg.namespaces import CONCEPT, PMKG, SCHEMA

FIX = ROOT / "tests" / "fixtures" / "ror"
PM = "https://w3id.org/pmkg/id/"
DUMP = {"dump": FIX / "ror-data.json"}


def pm(rid: str) -> URIRef:
    return URIRef(PM + rid)


@pytest.fixture(scope="module")
def imported(tmp_path_factory, curated_index):
    folder = tmp_path_factory.mktemp("imports")
    return folder, run_import("ror", DUMP, folder=folder, index=curated_index)


@pytest.fixture(scope="module")
def ds(imported):
    from kg.build import build

    return build(DATA, ONTOLOGY, imports=imported[0])


def test_a_ror_record_is_merged_into_the_curated_organisation_with_that_ror(ds):
    ous_ror = URIRef("https://ror.org/00j9c2840")   # on pm:ous in data/organisations.yaml
    assert set(ds.subjects(PMKG.ror, ous_ror)) == {pm("ous")}
    assert (pm("ror-00j9c2840"), None, None) not in ds and (None, None, pm("ror-00j9c2840")) not in ds
    # enriched: the Norwegian label, Wikidata, GRID and ISNI, the founding year
    assert Literal("Oslo universitetssykehus") in set(ds.objects(pm("ous"), SCHEMA.alternateName))
    assert ds.value(pm("ous"), PMKG.wikidata) == URIRef("http://www.wikidata.org/entity/Q4583270")
    same = set(ds.objects(pm("ous"), SCHEMA.sameAs))
    assert {URIRef("https://www.grid.ac/institutes/grid.55325.3"),
            URIRef("https://isni.org/isni/0000000403898485")} <= same
    # the curated name, kind and founding date stay
    assert set(ds.objects(pm("ous"), SCHEMA.name)) == {Literal("Oslo University Hospital")}
    assert set(ds.objects(pm("ous"), PMKG.organisationKind)) == {URIRef(CONCEPT + "orgkind/university-hospital")}
    assert len(set(ds.objects(pm("ous"), SCHEMA.foundingDate))) == 1


def test_conflicts_are_reported(imported):
    s = imported[1]
    assert "pm:ous kind: curated 'university-hospital' kept, imported 'hospital' left out" in s.conflicts


def test_matched_by_name_and_country(ds):
    """Oslo Cancer Cluster has no ROR id in data/: the record with its name in Norway enriches it."""
    assert ds.value(pm("occ"), PMKG.ror) == URIRef("https://ror.org/0fxocc001")
    assert ds.value(pm("occ"), SCHEMA.foundingDate) == Literal("2006", datatype=ns.XSD.gYear)
    assert ds.value(pm("ous-icr"), SCHEMA.parentOrganization) == pm("ous")


def test_only_records_in_the_graph_by_default(imported, ds):
    s = imported[1]
    assert s.counts["read records"] == 4
    assert s.counts["records not in the graph (use --all)"] == 1
    assert s.counts["withdrawn records left out"] == 1
    assert s.added == 0
    assert (pm("ror-0fxuge001"), None, None) not in ds


def test_all_records(tmp_path, curated_index):
    s = run_import("ror", DUMP, folder=tmp_path, index=curated_index, options={"all": True})
    assert s.counts["read records"] == 5 and s.added == 1
    from kg.build import build

    ds = build(DATA, ONTOLOGY, imports=tmp_path)
    u = pm("ror-0fxuge001")
    assert str(ds.value(u, SCHEMA.name)) == "Université de Genève"
    assert {str(x) for x in ds.objects(u, SCHEMA.alternateName)} == {"University of Geneva", "Universität Genf",
                                                                      "UNIGE"}
    assert str(ds.value(u, PMKG.acronym)) == "UNIGE"
    assert str(ds.value(u, SCHEMA.addressCountry)) == "CH"
    assert str(ds.value(u, SCHEMA.addressLocality)) == "Genève"
    assert ds.value(u, PMKG.organisationKind) == URIRef(CONCEPT + "orgkind/university")
    assert ds.value(u, SCHEMA.foundingDate) == Literal("1559", datatype=ns.XSD.gYear)
    assert (pm("ror-0fxwdn001"), None, None) not in ds


def test_one_record_file_and_ids(tmp_path, curated_index):
    s = run_import("ror", {"dump": FIX / "one-record.json"}, folder=tmp_path, index=curated_index,
                   options={"ids": ["0fxuge001"]})
    assert s.counts["read records"] == 1
    with pytest.raises(NothingToImport, match="--all"):
        run_import("ror", {"dump": FIX / "one-record.json"}, folder=tmp_path, index=curated_index, name="none")


def test_bad_records_are_located(tmp_path, curated_index):
    bad = {"dump": FIX / "bad" / "ror-data.json"}
    with pytest.raises(BadRecords) as e:
        run_import("ror", bad, folder=tmp_path, index=curated_index, options={"all": True})
    got = {(p.file, p.line, p.field) for p in e.value.problems}
    assert got == {("ror-data.json", 2, "id"), ("ror-data.json", 3, "id"), ("ror-data.json", 4, "names")}
    assert list(tmp_path.iterdir()) == []


def test_truncated_dump(tmp_path, curated_index):
    text = (FIX / "ror-data.json").read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    with pytest.raises(BadRecords) as e:
        run_import("ror", {"dump": cut}, folder=tmp_path / "out", index=curated_index, options={"all": True})
    (p,) = e.value.problems
    assert p.file == "cut.json" and p.line == 5 and "malformed JSON" in p.message


def test_wrong_formats_are_refused(tmp_path, curated_index):
    with pytest.raises(WrongFormat, match="ClinicalTrials.gov studies"):
        run_import("ror", {"dump": ROOT / "tests" / "fixtures" / "ctgov" / "studies.json"},
                   folder=tmp_path, index=curated_index)
    v1 = tmp_path / "v1.json"
    v1.write_text(json.dumps([{"id": "https://ror.org/00j9c2840", "name": "Oslo University Hospital",
                               "acronyms": ["OUS"], "labels": []}]), encoding="utf-8")
    with pytest.raises(WrongFormat, match="schema v1"):
        run_import("ror", {"dump": v1}, folder=tmp_path / "out", index=curated_index)
    with pytest.raises(WrongFormat, match="CSV"):
        run_import("ror", {"dump": ROOT / "tests" / "fixtures" / "cordis" / "project.csv"},
                   folder=tmp_path / "out", index=curated_index)
