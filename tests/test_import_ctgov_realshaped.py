"""pmkg import ctgov on records in the real shape of ClinicalTrials.gov downloads (fixtures/ctgov/realshaped).

Each test is named after what broke on real records (issue 10 and issue 15 E1/E3/E8)."""
from __future__ import annotations

import gzip
import json
import zipfile

import pytest
from conftest import DATA, ONTOLOGY, ROOT, concept, kept_data, pm, roles_in
from rdflib import Literal

from kg import namespaces as ns
from kg.importers import BadRecords, run_import
from kg.namespaces import ORG, PMKG, ROLE, SCHEMA

FIX = ROOT / "tests" / "fixtures" / "ctgov" / "realshaped" / "studies.json"


@pytest.fixture(scope="module")
def imported(tmp_path_factory, curated_index):
    folder = tmp_path_factory.mktemp("imports")
    return folder, run_import("ctgov", {"path": FIX}, folder=folder, index=curated_index)


@pytest.fixture(scope="module")
def ds(imported):
    from kg.build import build

    return build(DATA, ONTOLOGY, imports=imported[0])


def test_todays_country_names_do_not_reject_the_study(imported):
    s = imported[1]
    assert s.counts["read studies"] == 3          # no --skip-bad needed
    assert not s.skipped
    # the one unknown name costs that location its country, with a count in the summary
    unknown = [k for k in s.counts if k.startswith("locations left without a country")]
    assert unknown == ["locations left without a country (unknown country name 'Atlantis')"]
    assert "unknown country name 'Atlantis'" in s.text()


def test_spot_check_a_real_shaped_study_lands_as_in_the_record(ds):
    """Name, dates, phase, status, countries, sponsor and identifiers exactly as the record gives them."""
    t = pm("ctgov-nct09990001")
    assert str(ds.value(t, SCHEMA.name)) == "A Study of Drug X in EGFR-mutated Lung Cancer"
    assert str(ds.value(t, PMKG.acronym)) == "INVENT-1"
    assert Literal("A Phase 3, Randomised, Open-label Study of Drug X Versus Standard of Care (INVENT-1)") \
        in set(ds.objects(t, SCHEMA.alternateName))
    assert ds.value(t, SCHEMA.startDate) == Literal("2023-07-26", datatype=ns.XSD.date)
    assert ds.value(t, SCHEMA.endDate) == Literal("2026-11", datatype=ns.XSD.gYearMonth)
    assert set(ds.objects(t, PMKG.phase)) == {concept("phase", "phase-3")}
    assert ds.value(t, PMKG.status) == concept("status", "recruiting")
    assert {str(c) for c in ds.objects(t, SCHEMA.addressCountry)} == {"SE", "TR", "RU", "KR"}
    assert str(ds.value(t, PMKG.nctId)) == "NCT09990001"
    assert str(ds.value(t, PMKG.ctisNumber)) == "2022-501884-41-00"
    assert ds.value(t, PMKG.eudractNumber) is None
    sponsors = set(ds.objects(t, SCHEMA.sponsor))
    assert len(sponsors) == 1 and str(ds.value(sponsors.pop(), SCHEMA.name)) == "AstraZeneca"
    t2 = pm("ctgov-nct09990002")
    assert set(ds.objects(t2, PMKG.phase)) == {concept("phase", "phase-1"), concept("phase", "phase-2")}
    assert ds.value(t2, PMKG.status) == concept("status", "active-not-recruiting")
    assert ds.value(t2, SCHEMA.startDate) == Literal("2023-02", datatype=ns.XSD.gYearMonth)
    assert {str(c) for c in ds.objects(t2, SCHEMA.addressCountry)} == {"TR", "KR", "NO"}


def test_eu_ct_numbers_are_read_whatever_type_and_domain(ds, imported):
    # REGISTRY 'CTIS (EU)', OTHER 'EU CT number', OTHER 'EU Trial Number'
    assert str(ds.value(pm("ctgov-nct09990001"), PMKG.ctisNumber)) == "2022-501884-41-00"
    assert str(ds.value(pm("ctgov-nct09990002"), PMKG.ctisNumber)) == "2023-503951-81-00"
    assert str(ds.value(pm("ctgov-nct09990003"), PMKG.ctisNumber)) == "2022-502888-38-00"
    assert imported[1].counts["EU CT numbers read"] == 3


def test_untyped_eudract_number_is_read(ds):
    assert str(ds.value(pm("ctgov-nct09990002"), PMKG.eudractNumber)) == "2012-003157-29"


def test_eu_ct_number_typed_eudract_is_not_a_eudract_number(ds, imported):
    """'2022-503007-22' typed EUDRACT_NUMBER is an EU CT number without its suffix; the French
    ID-RCB '2024-A00356-41' only looks like one: neither becomes a EudraCT number."""
    assert ds.value(pm("ctgov-nct09990003"), PMKG.eudractNumber) is None
    assert imported[1].counts["EU CT numbers without their -NN suffix left out (not a complete number)"] == 1


def test_trial_ids_by_pattern():
    from kg.importers.ctgov import trial_ids

    got = trial_ids(["2022-501884-41-00", "EudraCT 2012-003157-29", "EUCTR2015-001234-56-SE", "ISRCTN12345678",
                     "NCT01234567", "2022-503007-22", "U01AR045444"])
    assert got == {"ctis": ["2022-501884-41-00"], "eudract": ["2012-003157-29", "2015-001234-56"],
                   "eu-ct-short": ["2022-503007-22"], "nct": ["NCT01234567"], "ISRCTN": ["ISRCTN12345678"]}


def test_eu_number_typed_other_reconciles_a_curated_trial(tmp_path, curated_index):
    """A study whose only shared identifier is a EudraCT number typed OTHER with a free-text domain is
    the curated trial (DETERMINE, data/trials.yaml): reconciliation by EU number fires."""
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT09990009", "briefTitle": "Same trial, registry title",
                                 "secondaryIdInfos": [{"id": "2021-003391-14", "type": "OTHER",
                                                       "domain": "EU Trial Number"}]},
        "statusModule": {"overallStatus": "RECRUITING"}}}
    f = tmp_path / "one.json"
    f.write_text(json.dumps(study), encoding="utf-8")
    s = run_import("ctgov", {"path": f}, folder=tmp_path / "imports", index=curated_index)
    assert s.rules.get("eudract") == 1


def test_anonymous_sponsor_sites_fold_into_the_sponsor(ds, imported):
    assert not list(ds.subjects(SCHEMA.name, Literal("Research Site")))
    assert not list(ds.subjects(SCHEMA.name, Literal("GSK Investigational Site")))
    assert not list(ds.subjects(SCHEMA.name, Literal("Local Institution - 0058")))
    t = pm("ctgov-nct09990002")
    got = roles_in(ds, t)
    gsk = [o for o in got if str(ds.value(o, SCHEMA.name)) == "GlaxoSmithKline"]
    assert len(gsk) == 1 and got[gsk[0]] == {"sponsor", "site"}
    site = [m for m in ds.subjects(ORG.organization, t) if (m, ORG.member, gsk[0]) in ds
            and (m, ORG.role, ROLE.site) in ds]
    note = str(ds.value(site[0], ns.RDFS.comment))
    assert "GSK Investigational Site, Ankara, Turkey" in note and "Local Institution - 0058, Oslo, Norway" in note
    # a site with a place of its own stays an organisation
    assert [o for o in got if str(ds.value(o, SCHEMA.name)) == "Oslo University Hospital Research Site"]
    assert imported[1].counts["anonymous sites folded into their sponsor"] == 8


def test_zip_download_is_read_directly(tmp_path, curated_index):
    """The website's download: a zip of one JSON file per study."""
    studies = json.loads(FIX.read_text(encoding="utf-8"))["studies"]
    z = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for st in studies:
            zf.writestr(st["protocolSection"]["identificationModule"]["nctId"] + ".json", json.dumps(st))
    s = run_import("ctgov", {"path": z}, folder=tmp_path / "imports", index=curated_index)
    assert s.counts["read studies"] == 3


def test_gz_is_read_directly(tmp_path, curated_index):
    g = tmp_path / "studies.json.gz"
    g.write_bytes(gzip.compress(FIX.read_bytes()))
    s = run_import("ctgov", {"path": g}, folder=tmp_path / "imports", index=curated_index)
    assert s.counts["read studies"] == 3


def _one(**modules):
    ps = {"identificationModule": {"nctId": "NCT09990010", "briefTitle": "T"}, **modules}
    return {"protocolSection": ps}


WRONG_TYPES = [
    ("lead_sponsor_a_string", {"sponsorCollaboratorsModule": {"leadSponsor": "Acme"}},
     "sponsorCollaboratorsModule.leadSponsor"),
    ("collaborators_an_object", {"sponsorCollaboratorsModule": {"collaborators": {"name": "Acme"}}},
     "sponsorCollaboratorsModule.collaborators"),
    ("phases_a_string", {"designModule": {"phases": "PHASE2"}}, "designModule.phases"),
    ("phase_a_number", {"designModule": {"phases": [2]}}, "designModule.phases[0]"),
    ("locations_a_number", {"contactsLocationsModule": {"locations": 5}}, "contactsLocationsModule.locations"),
    ("country_a_list", {"contactsLocationsModule": {"locations": [{"facility": "X", "country": ["SE"]}]}},
     "contactsLocationsModule.locations[0].country"),
    ("start_date_a_number", {"statusModule": {"startDateStruct": {"date": 2023}}},
     "statusModule.startDateStruct.date"),
    ("status_module_a_list", {"statusModule": []}, "statusModule"),
    ("secondary_ids_a_string", {"secondaryIdInfos": None, "identificationModule": {
        "nctId": "NCT09990010", "briefTitle": "T", "secondaryIdInfos": "2022-501884-41-00"}},
     "identificationModule.secondaryIdInfos"),
]


@pytest.mark.parametrize("case,modules,field", WRONG_TYPES, ids=[c[0] for c in WRONG_TYPES])
def test_wrong_json_type_is_a_located_bad_record(tmp_path, curated_index, case, modules, field):
    """Issue 15 E1/E8: a field of the wrong JSON type is a bad record naming the field, never a crash,
    and 'PHASE2' as a string is not read one character at a time."""
    modules = {k: v for k, v in modules.items() if v is not None}
    f = tmp_path / "wrong.json"
    f.write_text(json.dumps({"studies": [_one(**modules)]}, indent=1), encoding="utf-8")
    with pytest.raises(BadRecords) as e:
        run_import("ctgov", {"path": f}, folder=tmp_path / "imports", index=curated_index)
    (p,) = e.value.problems
    assert (p.file, p.record, p.field) == ("wrong.json", "NCT09990010", field)
    assert p.line == 6   # the line of its NCT number
    # with --skip-bad the rest imports and the bad study is listed
    good = _one()
    good["protocolSection"]["identificationModule"]["nctId"] = "NCT09990011"
    f.write_text(json.dumps({"studies": [_one(**modules), good]}, indent=1), encoding="utf-8")
    s = run_import("ctgov", {"path": f}, folder=tmp_path / "imports", index=curated_index, skip_bad=True)
    assert s.counts["read studies"] == 1 and len(s.skipped) == 1


def test_deeply_nested_json_is_a_located_error_not_a_recursion_error(tmp_path, curated_index):
    """Issue 15 E3."""
    f = tmp_path / "deep.json"
    f.write_text('{"studies": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(BadRecords) as e:
        run_import("ctgov", {"path": f}, folder=tmp_path / "imports", index=curated_index)
    (p,) = e.value.problems
    assert p.file == "deep.json" and "nested too deeply" in p.message


def test_latin1_byte_in_a_study_file_is_located(tmp_path, curated_index):
    text = FIX.read_text(encoding="utf-8")
    f = tmp_path / "latin1.json"
    f.write_bytes(text.replace("Göteborg", "G\udcf6teborg").encode("utf-8", errors="surrogateescape"))
    with pytest.raises(BadRecords) as e:
        run_import("ctgov", {"path": f}, folder=tmp_path / "imports", index=curated_index)
    (p,) = e.value.problems
    line = text[: text.index("Göteborg")].count("\n") + 1
    assert (p.file, p.line) == ("latin1.json", line) and "not UTF-8" in p.message


def test_sponsor_site_numbers_do_not_split_a_site(tmp_path, curated_index):
    """AbbVie numbers its sites in the facility name ('... /ID# 254062'): the same hospital in two
    studies, with two numbers, is one organisation."""
    studies = []
    for i, suffix in enumerate(("/ID# 254062", "/ID# 255134")):
        studies.append({"protocolSection": {
            "identificationModule": {"nctId": f"NCT0999002{i}", "briefTitle": f"Study {i}"},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "AbbVie", "class": "INDUSTRY"}},
            "contactsLocationsModule": {"locations": [
                {"facility": f"Clinical Center University of Sarajevo {suffix}", "city": "Sarajevo",
                 "country": "Bosnia and Herzegovina"}]}}})
    f = tmp_path / "abbvie.json"
    f.write_text(json.dumps({"studies": studies}), encoding="utf-8")
    s = run_import("ctgov", {"path": f}, folder=tmp_path / "imp", index=curated_index)
    rows = [json.loads(x) for x in kept_data(tmp_path / "imp", "ctgov").read_text(encoding="utf-8").splitlines()]
    names = sorted(r["values"]["name"][0] for r in rows if r.get("kind") == "organisation")
    assert names == ["AbbVie", "Clinical Center University of Sarajevo"]
    assert s.counts["sponsor site numbers taken off facility names"] == 2
