"""pmkg import ror: ROR schema v2 records enrich the curated organisations with the same ROR id."""
from __future__ import annotations

import json

import pytest
from conftest import DATA, ONTOLOGY, ROOT, kept_data, pm
from rdflib import Literal, URIRef

from kg import namespaces as ns
from kg.importers import BadRecords, NoMatch, WrongFormat, run_import
from kg.namespaces import CONCEPT, PMKG, SCHEMA

FIX = ROOT / "tests" / "fixtures" / "ror"
DUMP = {"dump": FIX / "ror-data.json"}


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
    with pytest.raises(NoMatch, match="--all"):
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


def test_no_ror_record_matches_is_not_exit_1(tmp_path, capsys):
    """'no ROR record matches' is not a data problem: exit 0 with a message, nothing written."""
    from kg.cli import main

    code = main(["import", "--imports", str(tmp_path), "ror", str(FIX / "one-record.json")])
    assert code == 0
    assert "nothing imported: no ROR record matches" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_ids_file_with_binary_content_is_a_clean_usage_error(tmp_path, capsys):
    """Issue 15 E7: --ids @FILE with bytes that are not UTF-8: exit 2, file and line, no traceback."""
    from kg.cli import main

    ids = tmp_path / "ids.txt"
    ids.write_bytes(b"00j9c2840\n\xff\xfe\x00binary\n")
    code = main(["import", "--imports", str(tmp_path / "imp"), "ror", str(FIX / "one-record.json"),
                 "--ids", f"@{ids}"])
    err = capsys.readouterr().err
    assert code == 2 and "ids.txt line 2: not UTF-8 text" in err and "Traceback" not in err


# --- real-shaped records (fixtures/ror/realshaped.json) --------------------------------------------

REAL = FIX / "realshaped.json"


@pytest.fixture(scope="module")
def real(tmp_path_factory, curated_index):
    folder = tmp_path_factory.mktemp("ror-real")
    s = run_import("ror", {"dump": REAL}, folder=folder, index=curated_index, options={"all": True})
    from kg.build import build

    return s, build(DATA, ONTOLOGY, imports=folder)


def kind(ds, rid):
    return str(ds.value(pm(rid), PMKG.organisationKind)).rsplit("/", 1)[-1]


def sectors(ds, rid):
    return {str(o).rsplit("/", 1)[-1] for o in ds.objects(pm(rid), PMKG.sector)}


def test_ror_university_is_not_a_funder(real):
    """ROR types most universities ["education", "funder"]: a university, funding as a sector only."""
    ds = real[1]
    assert kind(ds, "ror-0rsu00001") == "university"
    assert (pm("ror-0rsu00001"), ns.RDF.type, SCHEMA.FundingAgency) not in ds
    assert sectors(ds, "ror-0rsu00001") == {"academia", "research-funding"}
    assert kind(ds, "ror-0rsh00002") == "hospital"
    assert kind(ds, "ror-0rsg00007") == "government-agency"
    assert kind(ds, "ror-0rsa00004") == "archive"
    assert (pm("ror-0rsa00004"), ns.RDF.type, SCHEMA.ArchiveOrganization) in ds


def test_a_pure_funder_is_a_funding_agency(real):
    ds = real[1]
    assert kind(ds, "ror-0rsf00003") == "funding-agency"
    assert (pm("ror-0rsf00003"), ns.RDF.type, SCHEMA.FundingAgency) in ds


def test_ror_kind_precedence():
    from kg.importers.ror import kind_and_sectors

    assert kind_and_sectors(["funder", "education"])[0] == "university"
    assert kind_and_sectors(["funder", "healthcare"])[0] == "hospital"
    assert kind_and_sectors(["funder", "nonprofit"])[0] == "ngo"
    assert kind_and_sectors(["funder", "company"])[0] == "company"
    assert kind_and_sectors(["funder", "facility"])[0] == "research-infrastructure"
    assert kind_and_sectors(["healthcare", "education", "funder"])[0] == "university-hospital"
    assert kind_and_sectors([]) == (None, [])


def test_inactive_ror_record_keeps_its_status(real):
    s, ds = real
    assert str(ds.value(pm("ror-0rsi00005"), PMKG.rorStatus)) == "inactive"
    assert str(ds.value(pm("ror-0rsu00001"), PMKG.rorStatus)) == "active"
    assert s.counts["inactive records (kept with their status)"] == 1


def test_withdrawn_ror_record_left_out_unless_asked(real, tmp_path, curated_index):
    s, ds = real
    assert (pm("ror-0rsw00006"), None, None) not in ds
    assert s.counts["withdrawn records left out"] == 1
    s2 = run_import("ror", {"dump": REAL}, folder=tmp_path, index=curated_index, options={"ids": ["0rsw00006"]})
    assert s2.counts["read records"] == 1 and s2.counts["withdrawn records (kept with their status)"] == 1
    rows = [json.loads(x) for x in kept_data(tmp_path, "ror").read_text(encoding="utf-8").splitlines()]
    assert [r["values"]["ror_status"] for r in rows if r.get("kind") == "organisation"] == [["withdrawn"]]


def _dump(tmp_path, **changes):
    recs = json.loads(REAL.read_text(encoding="utf-8"))
    recs[0].update(changes)
    f = tmp_path / "wrong.json"
    f.write_text("[\n" + ",\n".join(json.dumps(r) for r in recs) + "\n]\n", encoding="utf-8")
    return f


WRONG = [
    ("links_a_number", {"links": 5}, "links"),
    ("names_an_object", {"names": {"value": "X"}}, "names"),
    ("types_a_string", {"types": "education"}, "types"),
    ("locations_a_string", {"locations": "Oslo"}, "locations"),
    ("external_ids_item_a_string", {"external_ids": ["Q1"]}, "external_ids[0]"),
    ("status_a_number", {"status": 1}, "status"),
    ("id_a_number", {"id": 5}, "id"),
    ("established_text", {"established": "1968"}, "established"),
]


@pytest.mark.parametrize("case,change,field", WRONG, ids=[w[0] for w in WRONG])
def test_wrong_json_type_in_a_ror_record_is_a_located_bad_record(tmp_path, curated_index, case, change, field):
    """Issue 15 E2: a field of the wrong JSON type is a bad record naming file, line and field."""
    f = _dump(tmp_path, **change)
    with pytest.raises(BadRecords) as e:
        run_import("ror", {"dump": f}, folder=tmp_path / "imp", index=curated_index, options={"all": True})
    (p,) = e.value.problems
    assert (p.file, p.line, p.field) == ("wrong.json", 2, field)


def test_ror_country_code_zz_is_a_bad_record(tmp_path, curated_index):
    """Issue 15 E8: 'ZZ' is not an ISO 3166-1 code."""
    recs = json.loads(REAL.read_text(encoding="utf-8"))
    recs[1]["locations"][0]["geonames_details"]["country_code"] = "ZZ"
    f = tmp_path / "zz.json"
    f.write_text("[\n" + ",\n".join(json.dumps(r) for r in recs) + "\n]\n", encoding="utf-8")
    with pytest.raises(BadRecords) as e:
        run_import("ror", {"dump": f}, folder=tmp_path / "imp", index=curated_index, options={"all": True})
    (p,) = e.value.problems
    assert (p.line, p.record, p.field) == (3, "https://ror.org/0rsh00002", "locations[0].geonames_details.country_code")
    assert "'ZZ' is not an ISO 3166-1 country code" in p.message


def test_deeply_nested_ror_json_is_located(tmp_path, curated_index):
    """Issue 15 E3: no RecursionError traceback."""
    for text in ("[" + "[" * 100_000 + "]" * 100_000 + "]", "{\"items\": " + "[" * 100_000 + "]" * 100_000 + "}"):
        f = tmp_path / "deep.json"
        f.write_text(text, encoding="utf-8")
        with pytest.raises(BadRecords) as e:
            run_import("ror", {"dump": f}, folder=tmp_path / "imp", index=curated_index, options={"all": True})
        (p,) = e.value.problems
        assert p.file == "deep.json" and "nested too deeply" in p.message


def test_latin1_byte_deep_in_a_ror_dump_is_located(tmp_path, curated_index):
    text = REAL.read_text(encoding="utf-8") * 1
    data = text.encode("utf-8").replace(b"Nordfjord Archives", b"Nordfjord Arch\xefves")
    f = tmp_path / "latin1.json"
    f.write_bytes(data)
    with pytest.raises(BadRecords) as e:
        run_import("ror", {"dump": f}, folder=tmp_path / "imp", index=curated_index, options={"all": True})
    (p,) = e.value.problems
    assert p.line == 5 and "not UTF-8" in p.message


def test_ror_zip_dump_is_read_directly(tmp_path, curated_index):
    """The dump ships as a zip holding the v1 and v2 JSON and CSV: the *schema_v2.json is read."""
    import zipfile

    z = tmp_path / "v1.60-2025-01-01-ror-data.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("v1.60-2025-01-01-ror-data.json", "[]")
        zf.writestr("v1.60-2025-01-01-ror-data.csv", "id,name\n")
        zf.writestr("v1.60-2025-01-01-ror-data_schema_v2.json", REAL.read_text(encoding="utf-8"))
    s = run_import("ror", {"dump": z}, folder=tmp_path / "imp", index=curated_index, options={"all": True})
    assert s.counts["read records"] == 6


def test_ror_gz_dump_is_read_directly(tmp_path, curated_index):
    import gzip

    g = tmp_path / "ror-data.json.gz"
    g.write_bytes(gzip.compress(REAL.read_bytes()))
    s = run_import("ror", {"dump": g}, folder=tmp_path / "imp", index=curated_index, options={"all": True})
    assert s.counts["read records"] == 6
