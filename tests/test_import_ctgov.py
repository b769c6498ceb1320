"""pmkg import ctgov: ClinicalTrials.gov API v2 studies into the graph, reconciled with data/."""
from __future__ import annotations

import pytest
from conftest import DATA, ONTOLOGY, ROOT, concept, pm, roles_in
from rdflib import Literal

from kg import namespaces as ns
from kg.importers import BadRecords, WrongFormat, run_import
from kg.namespaces import ORG, PMKG, ROLE, SCHEMA

FIX = ROOT / "tests" / "fixtures" / "ctgov"


@pytest.fixture(scope="module")
def imported(tmp_path_factory, curated_index):
    folder = tmp_path_factory.mktemp("imports")
    return folder, run_import("ctgov", {"path": FIX / "studies.json"}, folder=folder, index=curated_index)


@pytest.fixture(scope="module")
def ds(imported):
    from kg.build import build

    return build(DATA, ONTOLOGY, imports=imported[0])


def test_summary(imported):
    s = imported[1]
    assert s.counts["read studies"] == 3
    assert s.rules.get("nct") == 1         # IMPRESS-Norway
    assert s.merged_curated >= 3           # the trial, Oslo University Hospital, Genomic Medicine Sweden


def test_sponsor_and_phase_of_a_new_trial(ds):
    t = pm("ctgov-nct09999991")
    # 'Helsinki University Central Hospital' is an alternative name of the curated HUS
    assert set(ds.objects(t, SCHEMA.sponsor)) == {pm("hus")}
    assert set(ds.objects(t, PMKG.phase)) == {concept("phase", "phase-1"), concept("phase", "phase-2")}
    assert ds.value(t, PMKG.status) == concept("status", "not-yet-recruiting")
    assert set(ds.objects(t, PMKG.design)) == {concept("design", d)
                                               for d in ("non-randomised", "single-arm", "open-label")}
    assert {str(c) for c in ds.objects(t, SCHEMA.addressCountry)} == {"FR", "NO", "TR", "FI", "SE"}  # 'Turkey' -> TR
    assert str(ds.value(t, PMKG.ctisNumber)) == "2024-512345-12-00"
    assert ds.value(t, SCHEMA.endDate) == Literal("2029-12-31", datatype=ns.XSD.date)
    got = roles_in(ds, t)
    # the sponsor is also a site: one organisation with two roles
    assert got[pm("hus")] == {"sponsor", "site"}
    assert got[pm("ctgov-org-novartis-pharmaceuticals")] == {"collaborator"}
    assert ds.value(pm("ctgov-org-novartis-pharmaceuticals"), PMKG.organisationKind) == concept("orgkind", "company")
    hegp = [o for o in got if str(ds.value(o, SCHEMA.name)) == "Hôpital Européen Georges-Pompidou"]
    assert len(hegp) == 1 and str(ds.value(hegp[0], SCHEMA.addressCountry)) == "FR"


def test_anonymous_research_sites_fold_into_the_sponsor(ds):
    """'Research Site' in Lyon and in Oslo is the sponsor's naming pattern, not two organisations."""
    t = pm("ctgov-nct09999991")
    assert not [o for o in roles_in(ds, t) if str(ds.value(o, SCHEMA.name)) == "Research Site"]
    assert not list(ds.subjects(SCHEMA.name, Literal("Research Site")))
    sites = [m for m in ds.subjects(ORG.organization, t)
             if (m, ORG.member, pm("hus")) in ds and (m, ORG.role, ROLE.site) in ds]
    assert len(sites) == 1
    note = str(ds.value(sites[0], ns.RDFS.comment))
    assert "Research Site, Lyon, France" in note and "Research Site, Oslo, Norway" in note


def test_curated_trial_is_enriched_not_duplicated(ds):
    t = pm("impress-norway")
    assert set(ds.subjects(PMKG.nctId, Literal("NCT04817956"))) == {t}
    assert (pm("ctgov-nct04817956"), None, None) not in ds
    # the curated sponsor is the same node, and its participation the same membership
    assert set(ds.objects(t, SCHEMA.sponsor)) == {pm("ous")}
    memberships = [m for m in ds.subjects(ORG.organization, t)
                   if (m, ORG.member, pm("ous")) in ds and (m, ORG.role, ROLE.sponsor) in ds]
    assert len(memberships) == 1
    # phase and status were not curated: the registry adds them
    assert set(ds.objects(t, PMKG.phase)) == {concept("phase", "phase-2")}
    assert ds.value(t, PMKG.status) == concept("status", "recruiting")
    # the curated start (2021-04) stays; the registry's day precision is the same date, not a conflict
    assert set(ds.objects(t, SCHEMA.startDate)) == {Literal("2021-04", datatype=ns.XSD.gYearMonth)}
    got = roles_in(ds, t)
    assert got[pm("ctgov-org-roche-norge-as")] == {"collaborator"}
    assert got[pm("ous")] >= {"sponsor", "site"}


def test_sponsor_matched_by_name_to_a_curated_organisation(ds):
    assert set(ds.objects(pm("ctgov-nct09999992"), SCHEMA.sponsor)) == {pm("gms")}
    assert ds.value(pm("ctgov-nct09999992"), PMKG.phase) is None  # observational: no phase given, none invented


def test_a_folder_of_files_and_a_single_study(tmp_path, curated_index, imported):
    s = run_import("ctgov", {"path": FIX / "more"}, folder=tmp_path, index=curated_index, name="more")
    assert s.counts["read studies"] == 4
    assert [f["name"] for f in s.manifest.files] == ["NCT09999993.json", "studies.json"]
    from kg.build import build

    ds = build(DATA, ONTOLOGY, imports=tmp_path)
    t = pm("ctgov-nct09999993")
    assert ds.value(t, PMKG.phase) == concept("phase", "not-applicable")
    assert ds.value(t, PMKG.status) == concept("status", "completed")
    assert set(ds.objects(t, PMKG.collaborator)) == {pm("ki")}   # 'Karolinska Institutet' = curated ki


def test_a_second_import_meets_the_first(tmp_path, curated_index):
    run_import("ctgov", {"path": FIX / "studies.json"}, folder=tmp_path, index=curated_index)
    s = run_import("ctgov", {"path": FIX / "more"}, folder=tmp_path, index=curated_index, name="more")
    assert s.merged_imports >= 3  # the studies and organisations of the first import: same ids, same nodes
    assert s.added == 1           # NCT09999993 (Uppsala University and Akademiska sjukhuset are curated)


def test_bad_studies_are_located_and_nothing_is_written(tmp_path, curated_index):
    with pytest.raises(BadRecords) as e:
        run_import("ctgov", {"path": FIX / "bad"}, folder=tmp_path, index=curated_index)
    got = {(p.file, p.line, p.record, p.field) for p in e.value.problems}
    assert got == {
        ("studies.json", 6, "NCT09999994", "statusModule.startDateStruct.date"),
        ("studies.json", 47, "NCT09999995", "designModule.phases"),
        ("studies.json", 85, "studies[2]", "identificationModule.nctId"),
    }
    assert list(tmp_path.iterdir()) == []


def test_skip_bad_keeps_the_good_study(tmp_path, curated_index):
    s = run_import("ctgov", {"path": FIX / "bad"}, folder=tmp_path, index=curated_index, skip_bad=True)
    assert s.counts["read studies"] == 1 and len(s.skipped) == 3
    assert "unknown phase 'PHASE5'" in s.report.read_text(encoding="utf-8")


def test_malformed_json_names_file_and_line(tmp_path, curated_index):
    with pytest.raises(BadRecords) as e:
        run_import("ctgov", {"path": FIX / "broken.json"}, folder=tmp_path, index=curated_index)
    (p,) = e.value.problems
    assert p.file == "broken.json" and p.line and "malformed JSON" in p.message


def test_a_ror_dump_given_to_ctgov_is_refused(tmp_path, curated_index):
    with pytest.raises(WrongFormat, match="ROR record dump.*pmkg import ror"):
        run_import("ctgov", {"path": ROOT / "tests" / "fixtures" / "ror" / "ror-data.json"},
                   folder=tmp_path, index=curated_index)
    with pytest.raises(WrongFormat, match="CSV"):
        run_import("ctgov", {"path": ROOT / "tests" / "fixtures" / "cordis" / "project.csv"},
                   folder=tmp_path, index=curated_index)
    assert list(tmp_path.iterdir()) == []


def test_country_names():
    from kg.importers.ctgov import country_code

    assert country_code("Korea, Republic of") == "KR"
    assert country_code("Turkey") == "TR"
    assert country_code("Turkey (Türkiye)") == "TR"
    assert country_code("Russia") == "RU"
    assert country_code("South Korea") == "KR"
    assert country_code("Norway") == "NO"
    with pytest.raises(ValueError, match="unknown country 'Atlantis'"):
        country_code("Atlantis")


def test_ctgov_has_no_country_table_of_its_own():
    """One country module: kg.countries (names as data in kg/country-names.tsv)."""
    import kg.importers.ctgov as ctgov

    assert not hasattr(ctgov, "COUNTRY_ALIASES")


def test_every_realdata_country_name_is_known():
    """Every LocationCountry name seen in real downloads (old and current naming) resolves."""
    from kg import countries

    seen = ["United States", "Japan", "China", "France", "Korea, Republic of", "Turkey", "Turkey (Türkiye)",
            "South Korea", "Russia", "Czechia", "Taiwan", "Hong Kong", "Puerto Rico", "Vietnam",
            "Bosnia and Herzegovina", "United Arab Emirates", "Iran, Islamic Republic of",
            "Macedonia, The Former Yugoslav Republic of", "North Macedonia", "Russian Federation",
            "Côte D'Ivoire", "Congo, The Democratic Republic of the", "Virgin Islands (U.S.)", "Swaziland",
            "Lao People's Democratic Republic", "Syrian Arab Republic", "Moldova, Republic of", "Reunion"]
    assert {n: countries.lookup(n) is not None for n in seen} == {n: True for n in seen}
