"""pmkg import cordis: CORDIS project.csv + organization.csv into the graph, reconciled with data/."""
from __future__ import annotations

import json

import pytest
from conftest import DATA, ONTOLOGY, ROOT, cordis_orgs, kept_data, pm
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg import namespaces as ns
from kg.importers import BadRecords, NothingToImport, WrongFormat, run_import
from kg.namespaces import CONCEPT, ORG, PMKG, PROV, ROLE, SCHEMA

FIX = ROOT / "tests" / "fixtures" / "cordis"
INPUTS = {"projects": FIX / "project.csv", "organizations": FIX / "organization.csv"}


def kept_records(folder) -> dict:
    """The records of the CORDIS import kept in ``folder``, by id (as kept, before reconciliation)."""
    from kg.importers.kept import read_records
    from kg.vocab import vocabulary

    imp = read_records(kept_data(folder, "cordis"), "cordis", vocabulary(ONTOLOGY).schemes())
    out: dict = {}
    for r in imp.records:
        if r.id in out:
            for k, vs in r.values.items():
                out[r.id].values.setdefault(k, []).extend(vs)
        else:
            out[r.id] = r
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory, curated_index):
    folder = tmp_path_factory.mktemp("imports")
    summary = run_import("cordis", INPUTS, folder=folder, index=curated_index)
    return folder, summary


@pytest.fixture(scope="module")
def ds(imported):
    from kg.build import build

    return build(DATA, ONTOLOGY, imports=imported[0])


def members(ds, thing: URIRef) -> dict[URIRef, set[str]]:
    """organisation -> role ids of its participations in ``thing``."""
    out: dict[URIRef, set[str]] = {}
    for m in ds.subjects(ORG.organization, thing):
        for who in ds.objects(m, ORG.member):
            for role in ds.objects(m, ORG.role):
                out.setdefault(who, set()).add(str(role)[len(str(ROLE)):])
    return out


def country(ds, org: URIRef) -> set[str]:
    return {str(c) for c in ds.objects(org, SCHEMA.addressCountry)}


def test_summary_counts(imported):
    _, s = imported
    assert s.counts["read projects"] == 5
    assert s.counts["read participations"] == 15
    assert s.counts["read organisations"] == 12
    assert s.skipped == []
    assert s.merged_curated >= 8  # 2 projects, 2 grants, OUS, KI, NKI, AICIB, EC, Horizon Europe


def test_roles_and_countries_of_a_curated_project(ds):
    """PRIME-ROSE (CORDIS 101104269) keeps its curated node; the CORDIS consortium joins it with
    the curated organisations where they are the same (by name, or acronym and country)."""
    got = members(ds, pm("prime-rose"))
    assert got[pm("ous")] == {"coordinator"}          # 'OSLO UNIVERSITETSSYKEHUS HF' = a curated alternative name
    assert got[pm("ki")] == {"partner"}               # participant -> partner
    # by acronym NKI and country NL; the curated, unconfirmed 'participant' candidate stays beside it
    assert got[pm("nki")] == {"partner", "participant"}
    heidelberg = pm("cordis-org-999000004")
    assert got[heidelberg] == {"associated-partner"}
    assert country(ds, heidelberg) == {"DE"}
    assert str(ds.value(heidelberg, SCHEMA.name)) == "UNIVERSITÄTSKLINIKUM HEIDELBERG"
    assert got[pm("ec")] == {"funder"}
    # one coordinator, and the direct edge mirrors it
    assert set(ds.objects(pm("prime-rose"), PMKG.coordinator)) == {pm("ous")}


def test_roles_and_countries_of_an_h2020_project(ds):
    p = pm("cordis-project-945393")
    got = members(ds, p)
    roles = {str(ds.value(o, SCHEMA.name)): r for o, r in got.items()}
    # 'THE UNIVERSITY OF MANCHESTER' (UK) is the curated University of Manchester (GB): leading article
    assert roles["University of Manchester"] == {"coordinator"} and got[pm("uman")] == {"coordinator"}
    assert roles["ΕΘΝΙΚΟ ΚΑΙ ΚΑΠΟΔΙΣΤΡΙΑΚΟ ΠΑΝΕΠΙΣΤΗΜΙΟ ΑΘΗΝΩΝ"] == {"third-party"}
    assert roles["UNIVERSITAET ZUERICH"] == {"associated-partner"}    # H2020 'partner' organisation
    assert roles["UNIVERSITAT AUTONOMA DE BARCELONA"] == {"partner"}
    assert country(ds, pm("uman")) == {"GB"}                          # CORDIS 'UK'
    assert (pm("cordis-org-999000008"), None, None) not in ds
    assert country(ds, pm("cordis-org-999000009")) == {"GR"}          # CORDIS 'EL'
    assert country(ds, pm("cordis-org-999000010")) == {"ES"}          # CORDIS 'ES;ES'
    assert (p, PMKG.thirdParty, pm("cordis-org-999000009")) in ds
    assert set(ds.objects(pm("cordis-org-999000010"), SCHEMA.url)) == {URIRef("http://www.uab.cat")}
    # no end date in the export: none invented
    assert ds.value(p, SCHEMA.endDate) is None
    assert ds.value(p, SCHEMA.startDate) == Literal("2020-01-01", datatype=ns.XSD.date)


def test_an_organisation_in_several_projects_is_one_node(ds):
    ki = pm("ki")
    assert members(ds, pm("cordis-project-101999001"))[ki] == {"coordinator"}
    assert members(ds, pm("cordis-project-101999002"))[ki] == {"third-party"}
    assert (None, None, pm("cordis-org-999000002")) not in ds   # merged into the curated node, never a duplicate
    assert (pm("cordis-org-999000002"), None, None) not in ds
    pic = URIRef(str(PMKG) + "PIC")
    assert Literal("999000002", datatype=pic) in set(ds.objects(ki, ORG.identifier))


def test_same_cordis_id_and_grant_number_are_the_same_nodes(ds):
    assert set(ds.subjects(PMKG.cordisId, Literal("101104269"))) == {pm("prime-rose")}
    assert set(ds.subjects(URIRef("http://purl.org/cerif/frapo/hasGrantNumber"), Literal("101104269"))) == \
        {pm("grant-prime-rose")}
    assert (pm("cordis-project-101104269"), None, None) not in ds
    # the curated name stays the name; CORDIS's title becomes an alternative name, unless the
    # curated record has it already but for case (PRecisIon Cancer MEdicine RepurpOsing ...)
    title = "Precision Cancer Medicine Repurposing System Using Pragmatic Clinical Trials"
    for rid in ("prime-rose", "grant-prime-rose"):
        assert set(ds.objects(pm(rid), SCHEMA.name)) == {Literal("PRIME-ROSE: " + title)}
    assert Literal(title) not in set(ds.objects(pm("prime-rose"), SCHEMA.alternateName))
    assert Literal(title) in set(ds.objects(pm("grant-prime-rose"), SCHEMA.alternateName))


def test_curated_facts_win_and_the_conflict_is_reported(imported, ds):
    _, s = imported
    assert any(c.startswith("pm:echos start: curated '2023-04-01' kept, imported '2023-05-01'")
               for c in s.conflicts)
    assert set(ds.objects(pm("echos"), SCHEMA.startDate)) == {Literal("2023-04-01", datatype=ns.XSD.date)}
    report = s.report.read_text(encoding="utf-8")
    assert "pm:echos start" in report


def test_awkward_text_survives(imported, ds):
    """Quoted ';' and doubled quotes inside multi-line objectives, CR LF line ends, non-ASCII titles."""
    kept = kept_records(imported[0])  # the import as kept, before reconciliation
    prime = kept["cordis-project-101104269"].first("description")
    assert prime == ('PRIME-ROSE brings DRUP-like clinical trials (DLCTs) together; it will:\n'
                     '- share data across trials; "synthetic" control arms included;\n'
                     '- implement precision cancer medicine in routine care.')
    echos = kept["cordis-project-101104587"].first("description")
    assert echos == ('National Cancer Mission Hubs; a network of hubs.\n'
                     'Second paragraph: "hubs" engage citizens; patients; and researchers.')
    # on the curated node the curated description is kept, the imported one left out
    described = [str(x) for x in ds.objects(pm("prime-rose"), SCHEMA.description)]
    assert len(described) == 1 and described[0].startswith("Horizon Europe EU Cancer Mission project")
    g = pm("cordis-project-945393")
    assert str(ds.value(g, SCHEMA.description)) == "Rare cancers; genomic profiling.\n\nNo end date published yet."
    n = pm("cordis-project-101999001")
    assert str(ds.value(n, SCHEMA.name)) == "Präzisionsmedizin für alle – a Nordic ‘precision’ network"


def test_grant_amount_funder_and_programme_chain(ds):
    grant = pm("cordis-grant-101999001")
    amount = ds.value(grant, SCHEMA.amount)
    assert ds.value(amount, SCHEMA.value) == Literal("1500000", datatype=ns.XSD.decimal)
    assert str(ds.value(amount, SCHEMA.currency)) == "EUR"
    assert ds.value(grant, SCHEMA.funder) == pm("ec")                 # 'European Commission' = curated ec
    topic = ds.value(grant, PMKG.fundingProgramme)
    assert topic == pm("cordis-topic-horizon-hlth-2023-care-08-02")
    call = ds.value(topic, DCTERMS.isPartOf)
    assert call == pm("cordis-call-horizon-hlth-2023-care-08")
    assert ds.value(call, DCTERMS.isPartOf) == pm("horizon-europe")   # HORIZON = curated Horizon Europe
    assert (pm("cordis-project-101999001"), SCHEMA.funding, grant) in ds


def test_provenance_of_the_import_graph(imported, ds):
    graph = ds.graph(URIRef("https://w3id.org/pmkg/graph/import-cordis"))
    src = URIRef("https://w3id.org/pmkg/source/import-cordis")
    assert (src, RDF.type, PMKG.Source) in graph
    files = {str(graph.value(f, DCTERMS.title)) for f in graph.objects(src, PROV.wasDerivedFrom)}
    assert files == {"project.csv", "organization.csv"}
    for f in graph.objects(src, PROV.wasDerivedFrom):
        assert graph.value(f, DCTERMS.modified).datatype == ns.XSD.dateTime
    act = graph.value(src, PROV.wasGeneratedBy)
    agent = graph.value(act, PROV.wasAssociatedWith)
    assert str(graph.value(agent, SCHEMA.softwareVersion)) == "cordis-2"
    # every imported entity names the import as a source, in the import's own graph
    assert (pm("cordis-org-999000004"), DCTERMS.source, src) in graph
    assert (pm("ous"), DCTERMS.source, src) in graph
    assert imported[1].manifest.graph == "https://w3id.org/pmkg/graph/import-cordis"


def test_kind_and_sector_from_activity_type(ds):
    uab = pm("cordis-org-999000010")
    assert ds.value(uab, PMKG.organisationKind) == URIRef(CONCEPT + "orgkind/university")
    assert (uab, RDF.type, SCHEMA.CollegeOrUniversity) in ds
    company = pm("cordis-org-999000012")
    assert ds.value(company, PMKG.sector) == URIRef(CONCEPT + "sector/industry")


@pytest.mark.parametrize("options, expected", [
    ({"topic": ["HORIZON-MISS-*-CANCER"]}, {"101104269", "101104587", "101999002"}),
    ({"programme": ["h2020"]}, {"945393"}),
    ({"keyword": ["screening"]}, {"101999002"}),
    ({"ids": ["101999001", "945393"]}, {"101999001", "945393"}),
    ({"call": ["HORIZON-MISS-2022"], "keyword": ["hubs"]}, {"101104587"}),
])
def test_filters(tmp_path, curated_index, options, expected):
    s = run_import("cordis", INPUTS, folder=tmp_path, index=curated_index, options=options)
    assert s.counts["read projects"] == len(expected)
    assert s.counts["filtered out projects"] == 5 - len(expected)
    cordis_ids = {r.first("cordis") for r in kept_records(tmp_path).values() if r.kind == "project"}
    assert cordis_ids == expected


def test_filters_matching_nothing_write_nothing(tmp_path, curated_index):
    with pytest.raises(NothingToImport, match="no project matched the filters"):
        run_import("cordis", INPUTS, folder=tmp_path, index=curated_index, options={"topic": ["NOPE-*"]})
    assert list(tmp_path.iterdir()) == []


def test_bad_rows_are_located_and_nothing_is_written(tmp_path, curated_index):
    bad = {"projects": FIX / "bad" / "project.csv", "organizations": FIX / "bad" / "organization.csv"}
    with pytest.raises(BadRecords) as e:
        run_import("cordis", bad, folder=tmp_path, index=curated_index)
    got = {(p.file, p.line, p.field) for p in e.value.problems}
    assert got == {
        ("project.csv", 5, "startDate"),        # 2024-02-30
        ("project.csv", 6, "id"),               # missing id
        ("project.csv", 7, None),               # 4 columns where the header has 20
        ("organization.csv", 3, "role"),        # 'observer'
        ("organization.csv", 4, "organisationID"),
        ("organization.csv", 5, "projectID"),   # no such project in project.csv
    }
    msgs = " | ".join(str(p) for p in e.value.problems)
    assert "unknown role 'observer'" in msgs and "4 columns where the header has 20" in msgs
    assert list(tmp_path.iterdir()) == []  # no data, no manifest, no temporary file


def test_skip_bad_keeps_the_good_rows_and_reports_the_others(tmp_path, curated_index):
    bad = {"projects": FIX / "bad" / "project.csv", "organizations": FIX / "bad" / "organization.csv"}
    s = run_import("cordis", bad, folder=tmp_path, index=curated_index, skip_bad=True)
    assert s.counts["read projects"] == 1 and s.counts["read participations"] == 1
    assert len(s.skipped) == 6
    report = s.report.read_text(encoding="utf-8")
    assert "organization.csv:3: record '101104269/999000002', field 'role': unknown role 'observer'" in report
    assert "project.csv:5: record '101999010', field 'startDate'" in report
    assert s.manifest.skipped == 6


def test_files_in_the_wrong_order_or_format_are_refused(tmp_path, curated_index):
    swapped = {"projects": FIX / "organization.csv", "organizations": FIX / "project.csv"}
    with pytest.raises(WrongFormat, match="organization.csv; give it as --organizations"):
        run_import("cordis", swapped, folder=tmp_path, index=curated_index)
    ror = ROOT / "tests" / "fixtures" / "ror" / "ror-data.json"
    with pytest.raises(WrongFormat, match="JSON"):
        run_import("cordis", {"projects": ror, "organizations": FIX / "organization.csv"},
                   folder=tmp_path, index=curated_index)
    comma = tmp_path / "comma.csv"
    comma.write_text("id,title\n1,x\n", encoding="utf-8")
    with pytest.raises(WrongFormat, match="comma-separated"):
        run_import("cordis", {"projects": comma, "organizations": FIX / "organization.csv"},
                   folder=tmp_path, index=curated_index)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comma.csv"]


def test_progress_bar_when_asked(tmp_path, curated_index, capsys):
    run_import("cordis", INPUTS, folder=tmp_path, index=curated_index, progress=True)
    err = capsys.readouterr().err
    assert "CORDIS [" in err and "100%" in err and "MiB" in err


def test_no_progress_bar_when_not_a_terminal(tmp_path, curated_index, capsys):
    run_import("cordis", INPUTS, folder=tmp_path, index=curated_index)
    assert capsys.readouterr().err == ""


def test_hostile_strings_stay_literals(tmp_path, curated_index):
    """Quotes, angle brackets, backslashes, control characters and N-Quads syntax in a name cannot
    add quads: the kept file parses, and the name comes back exactly."""
    hostile = 'EVIL "ORG" > <http://evil.example/x> <http://evil.example/p> "pwned" .\n\\u0041\t\x0b<script>'
    orgs = cordis_orgs(tmp_path, name=hostile, organizationURL='http://x" onclick="y')
    run_import("cordis", {"projects": FIX / "project.csv", "organizations": orgs},
               folder=tmp_path / "imports", index=curated_index, options={"ids": ["101104269"]})
    text = kept_data(tmp_path / "imports", "cordis").read_text(encoding="utf-8")
    assert all(json.loads(line) for line in text.splitlines())   # one record a line: the name added none
    org = kept_records(tmp_path / "imports")["cordis-org-999000001"]
    assert org.first("name") == hostile.replace("\x0b", " ")   # control characters become spaces
    assert org.first("website") is None                          # not a usable web address: left out
    from kg.build import build

    ds = build(DATA, ONTOLOGY, imports=tmp_path / "imports")
    # the organisation is the curated OUS (its short name and country): the name becomes an alternative name
    assert Literal(hostile.replace("\x0b", " ")) in set(ds.objects(pm("ous"), SCHEMA.alternateName))
    assert not any("evil.example" in str(t) for q in ds.quads((None, None, None, None)) for t in q[:3]
                   if isinstance(t, URIRef))


# --- real-shaped exports (fixtures/cordis/realshaped) ----------------------------------------------

REAL = FIX / "realshaped"
REAL_INPUTS = {"projects": REAL / "project.csv", "organizations": REAL / "organization.csv"}


@pytest.fixture(scope="module")
def real(tmp_path_factory, curated_index):
    folder = tmp_path_factory.mktemp("cordis-real")
    s = run_import("cordis", REAL_INPUTS, folder=folder, index=curated_index)
    return s, kept_records(folder)


def test_cordis_natural_person_is_not_a_company(real):
    s, recs = real
    names = {r.values["name"][0].value for r in recs.values() if r.kind == "organisation"}
    assert "HANSEN Kari Elisabeth" not in names and "NORDQVIST Anna" not in names
    assert s.counts["participations of natural persons left out"] == 2
    assert s.counts["read organisations"] == 4
    # a company with an SME flag and an address stays a company
    fjord = recs["cordis-org-990100005"]
    assert fjord.values["kind"][0].value == "company"


def test_long_english_short_name_is_not_an_acronym(real):
    _, recs = real
    nhf = recs["cordis-org-990100002"]
    assert "acronym" not in nhf.values
    assert [v.value for v in nhf.values["alt_names"]] == ["NATIONAL HELLENIC FOUNDATION FOR RESEARCH AND DEVELOPMENT"]
    assert "acronym" not in recs["cordis-org-990100003"].values
    assert [v.value for v in recs["cordis-org-990100001"].values["acronym"]] == ["NFUS"]


def test_cordis_zip_is_read_directly(tmp_path, curated_index):
    """The export ships as one zip with project.csv, organization.csv and other tables (here in a folder)."""
    import zipfile

    z = tmp_path / "cordis-HORIZONprojects-csv.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(REAL / "project.csv", "csv/project.csv")
        zf.write(REAL / "organization.csv", "csv/organization.csv")
        zf.writestr("csv/topics.csv", '"projectID";"topic"\n')
        zf.writestr("csv/euroSciVoc.csv", '"projectID";"euroSciVocCode"\n')
    s = run_import("cordis", {"projects": z, "organizations": None}, folder=tmp_path / "imp", index=curated_index)
    assert s.counts["read projects"] == 2 and s.counts["read participations"] == 4
    assert [f["name"] for f in s.manifest.files] == ["cordis-HORIZONprojects-csv.zip"]


def test_cordis_zip_without_organization_csv_is_refused(tmp_path, curated_index):
    import zipfile

    z = tmp_path / "only-projects.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(REAL / "project.csv", "project.csv")
    with pytest.raises(WrongFormat, match="no organization.csv in the zip archive.*project.csv"):
        run_import("cordis", {"projects": z, "organizations": None}, folder=tmp_path / "imp", index=curated_index)


def test_cordis_gz_files_are_read_directly(tmp_path, curated_index):
    import gzip

    p, o = tmp_path / "project.csv.gz", tmp_path / "organization.csv.gz"
    p.write_bytes(gzip.compress((REAL / "project.csv").read_bytes()))
    o.write_bytes(gzip.compress((REAL / "organization.csv").read_bytes()))
    s = run_import("cordis", {"projects": p, "organizations": o}, folder=tmp_path / "imp", index=curated_index)
    assert s.counts["read projects"] == 2


def test_latin1_byte_deep_in_a_cordis_csv_is_located(tmp_path, curated_index):
    """Issue 15 E7: a Latin-1 byte past the first 8 KB: a bad record with file, line, record and field."""
    text = (REAL / "organization.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines(keepends=True)
    filler = [r.replace('"101990002";"FJORDLAB";"990100005"', f'"101990002";"FJORDLAB";"99020{i:04d}"')
              for i in range(60) for r in rows[4:5]]
    assert sum(map(len, filler)) > 8192
    data = (header + "".join(filler) + "".join(rows)).encode("utf-8")
    data = data.replace(b"GOTEBORG", b"G\xd6TEBORG")   # Latin-1 Ö, in every FJORDLAB AB row
    org = tmp_path / "organization.csv"
    org.write_bytes(data)
    with pytest.raises(BadRecords) as e:
        run_import("cordis", {"projects": REAL / "project.csv", "organizations": org}, folder=tmp_path / "imp",
                   index=curated_index)
    first = e.value.problems[0]
    assert (first.file, first.line, first.record, first.field) == ("organization.csv", 2, "101990002/990200000",
                                                                   "city")
    assert "byte 0xd6 is not UTF-8" in first.message
    s = run_import("cordis", {"projects": REAL / "project.csv", "organizations": org}, folder=tmp_path / "imp",
                   index=curated_index, skip_bad=True)
    assert s.counts["read projects"] == 2 and len(s.skipped) == 61


def test_filters_matching_nothing_is_not_a_data_problem(tmp_path, curated_index):
    from kg.importers import NoMatch

    with pytest.raises(NoMatch):
        run_import("cordis", REAL_INPUTS, folder=tmp_path, index=curated_index, options={"ids": ["1"]})


def test_cli_reads_the_cordis_zip_without_organizations(tmp_path, capsys):
    import zipfile

    from kg.cli import main

    z = tmp_path / "cordis-HORIZONprojects-csv.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(REAL / "project.csv", "project.csv")
        zf.write(REAL / "organization.csv", "organization.csv")
    code = main(["import", "--imports", str(tmp_path / "imp"), "cordis", "--projects", str(z)])
    assert code == 0, capsys.readouterr().err
    assert "2 projects" in capsys.readouterr().out
    code = main(["import", "--imports", str(tmp_path / "imp2"), "cordis", "--projects", str(REAL / "project.csv")])
    assert code == 2 and "give --organizations" in capsys.readouterr().err


def test_importer_doctests():
    import doctest

    import kg.importers.cordis as cordis
    import kg.importers.ctgov as ctgov
    import kg.importers.ror as ror
    import kg.importers.typed as typed

    for m in (cordis, ctgov, ror, typed):
        assert doctest.testmod(m).failed == 0, m.__name__


def test_cordis_country_zz_is_a_located_bad_record(tmp_path, curated_index):
    """A CORDIS country is checked against ISO 3166 (kg.countries), not only as two letters: 'ZZ' is a bad
    record naming the file, line and field, with no file kept."""
    orgs = cordis_orgs(tmp_path, country="ZZ")
    with pytest.raises(BadRecords) as e:
        run_import("cordis", {"projects": FIX / "project.csv", "organizations": orgs},
                   folder=tmp_path / "imports", index=curated_index, options={"ids": ["101104269"]})
    [p] = e.value.problems
    assert (p.file, p.line, p.field) == ("organization.csv", 2, "country")
    assert "'ZZ' is not an ISO 3166 country code" in str(p)
    assert not (tmp_path / "imports").exists() or list((tmp_path / "imports").iterdir()) == []
