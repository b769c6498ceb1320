"""Bad data gives a located error, a non-zero exit code, and writes nothing."""
from __future__ import annotations

import pytest
from conftest import ONTOLOGY, edit

from kg.cli import main


def run_build(data, out, capsys) -> tuple[int, str]:
    code = main(["build", "--data", str(data), "--ontology", str(ONTOLOGY), "-o", str(out)])
    return code, capsys.readouterr().err


def assert_nothing_written(out) -> None:
    assert (out / "pmkg.ttl").read_text() == "previous build\n"
    assert sorted(p.name for p in out.iterdir()) == ["pmkg.ttl"]


def test_mini_fixture_builds(mini, out, capsys):
    code, err = run_build(mini, out, capsys)
    assert code == 0, err
    assert (out / "pmkg.ttl").read_text() != "previous build\n"


def test_malformed_yaml(mini, out, capsys):
    edit(mini / "organisations.yaml", "  name: Oslo University Hospital", "  name: [Oslo University Hospital")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "organisations.yaml:" in err and "malformed YAML" in err
    assert_nothing_written(out)


def test_duplicate_id(mini, out, capsys):
    edit(mini / "trials.yaml", "- id: drup", "- id: ous")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "trials.yaml:1: record 'ous', field 'id': duplicate id (first defined in organisations.yaml:" in err
    assert_nothing_written(out)


def test_dangling_reference(mini, out, capsys):
    edit(mini / "projects.yaml", "{org: ous, role: coordinator}", "{org: oslo-uh, role: coordinator}")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "projects.yaml:" in err
    assert "record 'prime-rose', field 'participants.org': dangling reference 'oslo-uh'" in err
    assert_nothing_written(out)


def test_invalid_date(mini, out, capsys):
    edit(mini / "projects.yaml", "start: 2023-07-01", "start: 2023-02-30")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "projects.yaml:12: record 'prime-rose', field 'start': '2023-02-30' is not a calendar date" in err
    assert_nothing_written(out)


def test_malformed_nct(mini, out, capsys):
    edit(mini / "trials.yaml", "  acronym: DRUP", "  acronym: DRUP\n  nct: NCT123")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "record 'drup', field 'nct': 'NCT123' does not match ^NCT\\d{8}$" in err
    assert_nothing_written(out)


def test_malformed_ror(mini, out, capsys):
    edit(mini / "organisations.yaml", "  kind: hospital", "  kind: hospital\n  ror: https://ror.org/12345")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "record 'ous', field 'ror': 'https://ror.org/12345' is not a ROR IRI" in err
    assert_nothing_written(out)


def test_unknown_role(mini, out, capsys):
    edit(mini / "projects.yaml", "{org: ous, role: coordinator}", "{org: ous, role: boss}")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "record 'prime-rose', field 'participants.role': unknown role 'boss'" in err
    assert "coordinator" in err  # the message lists the valid roles
    assert_nothing_written(out)


def test_missing_source(mini, out, capsys):
    edit(mini / "organisations.yaml", "  country: SE\n  sources: [seed]", "  country: SE")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "record 'gms', field 'sources': required: every record names at least one source" in err
    assert_nothing_written(out)


def test_unknown_source(mini, out, capsys):
    edit(mini / "organisations.yaml", "  country: SE\n  sources: [seed]", "  country: SE\n  sources: [nowhere]")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "unknown source 'nowhere'" in err
    assert_nothing_written(out)


def test_unknown_participant_source_names_close_matches(mini, out, capsys):
    """A participant's source is checked like a declared size's: located, with the close matches."""
    edit(mini / "projects.yaml", "{org: ous, role: coordinator}", "{org: ous, role: coordinator, source: sede}")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "record 'prime-rose', field 'participants.source': unknown source 'sede' (did you mean seed?)" in err
    assert_nothing_written(out)


def test_all_errors_reported_at_once(mini, out, capsys):
    edit(mini / "projects.yaml", "start: 2023-07-01", "start: 2023-13-01")
    edit(mini / "trials.yaml", "inspired_by: [drup]", "inspired_by: [drupp]")
    edit(mini / "organisations.yaml", "  country: \"NO\"", "  country: Norway")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "3 problem(s)" in err
    assert "has no month 13" in err
    assert "dangling reference 'drupp': no such record (did you mean drup?)" in err
    assert "'Norway' is not an ISO 3166-1 alpha-2 country code" in err


def test_norway_is_not_false(mini, dataset_of=None):
    """Regression: YAML 1.1 reads an unquoted NO as false; our loader keeps it a country code."""
    from kg.load import load
    from kg.vocab import vocabulary

    edit(mini / "organisations.yaml", 'country: "NO"', "country: NO")
    data = load(mini, vocabulary(ONTOLOGY).schemes())
    assert data.records["ous"].values["country"][0].value == "NO"


def test_hostile_strings_stay_literals(mini, out, capsys):
    hostile = '"> <script>alert(1)</script> } UNION { ?s ?p ?o'
    edit(mini / "organisations.yaml", "name: Oslo University Hospital", f"name: '{hostile}'")
    code, err = run_build(mini, out, capsys)
    assert code == 0, err
    from rdflib import Graph, Literal, URIRef

    from kg.namespaces import SCHEMA

    g = Graph().parse(out / "pmkg.ttl", format="turtle")
    assert g.value(URIRef("https://w3id.org/pmkg/id/ous"), SCHEMA.name) == Literal(hostile)


def test_two_coordinators(mini, out, capsys):
    edit(mini / "projects.yaml", "{org: testbed, role: partner}", "{org: testbed, role: coordinator}")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "record 'prime-rose', field 'participants.role': more than one coordinator: ous, testbed" in err
    assert_nothing_written(out)


def test_unknown_field_is_an_error(mini, out, capsys):
    edit(mini / "organisations.yaml", "  kind: hospital", "  kind: hospital\n  contry: NO")
    code, err = run_build(mini, out, capsys)
    assert code == 1
    assert "record 'ous', field 'contry': unknown field for a organisation" in err


def test_validate_exit_codes(mini, capsys):
    assert main(["validate", "--data", str(mini), "--ontology", str(ONTOLOGY)]) == 0
    edit(mini / "trials.yaml", "  acronym: DRUP", "  acronym: DRUP\n  nct: NCT1")
    assert main(["validate", "--data", str(mini), "--ontology", str(ONTOLOGY)]) == 1
    assert main(["validate", "--data", str(mini), "--ontology", str(mini / "no-such-dir")]) == 2
    err = capsys.readouterr().err
    assert "pmkg: error:" in err


def test_bad_base_iri(mini, out, capsys):
    code = main(["build", "--data", str(mini), "--ontology", str(ONTOLOGY), "-o", str(out),
                 "--base", "not an iri"])
    assert code == 2
    assert "base IRI must be an absolute http(s) IRI" in capsys.readouterr().err
    assert_nothing_written(out)


# --- declared_size ---------------------------------------------------------------------------------

SIZE = "    - {partners: 24, countries: 18, source: seed}"


@pytest.mark.parametrize("bad,field,message", [
    ("    - {partners: 0, countries: 18, source: seed}", "declared_size.partners", "0 is not a positive whole number"),
    ("    - {partners: -3, source: seed}", "declared_size.partners", "-3 is not a positive whole number"),
    ("    - {partners: '24', source: seed}", "declared_size.partners", "expected a whole number, got '24'"),
    ("    - {partners: 24.5, source: seed}", "declared_size.partners", "expected a whole number, got 24.5"),
    ("    - {partners: true, source: seed}", "declared_size.partners", "expected a whole number, got True"),
    ("    - {partners: 24, countries: 0, source: seed}", "declared_size.countries", "0 is not a positive whole number"),
    ("    - {countries: 18, source: seed}", "declared_size.partners", "required field missing"),
    ("    - {partners: 24, countries: 18}", "declared_size.source", "required field missing"),
    ("    - {partners: 24, source: sead}", "declared_size.source", "unknown source 'sead' (did you mean seed?)"),
    ("    - {partners: 24, source: seed, date: 2024-13}", "declared_size.date", "has no month 13"),
    ("    - {partners: 24, source: seed, members: 3}", "declared_size.members", "unknown field; expected one of"),
    ("    - 24", "declared_size", "each declared size is a mapping"),
])
def test_bad_declared_size_is_located(mini, out, capsys, bad, field, message):
    edit(mini / "projects.yaml", SIZE, bad)
    code, err = run_build(mini, out, capsys)
    assert code == 1
    line = next(x for x in err.splitlines() if f"field {field!r}" in x)
    assert line.strip().startswith("projects.yaml:") and "record 'prime-rose'" in line and message in line, err
    assert_nothing_written(out)


def test_declared_size_must_be_a_list(mini, out, capsys):
    edit(mini / "projects.yaml",
         "  declared_size:\n" + SIZE + "\n    - {partners: 28, source: other, date: 2024-12-31}\n",
         "  declared_size: 24\n")
    code, err = run_build(mini, out, capsys)
    assert code == 1 and "field 'declared_size': expected a list of declared sizes" in err


def test_two_claims_of_one_source_and_date(mini, out, capsys):
    edit(mini / "projects.yaml", SIZE, SIZE + "\n    - {partners: 25, source: seed}")
    code, err = run_build(mini, out, capsys)
    assert code == 1 and "two declared sizes from source 'seed'" in err
    assert_nothing_written(out)


def test_declared_size_only_on_projects(mini, out, capsys):
    edit(mini / "trials.yaml", "- id: drup\n", "- id: drup\n  declared_size: [{partners: 3, source: seed}]\n")
    code, err = run_build(mini, out, capsys)
    assert code == 1 and "record 'drup', field 'declared_size': unknown field for a trial" in err
