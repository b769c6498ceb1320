"""Seed coverage: every statement of the page pmkg started from, asked of the built graph in SPARQL.

The page is ../shared/seed/gms-collaborating-in-clinical-trials.txt (source id
``gms-clinical-studies``). One test per statement.
"""
from __future__ import annotations

import pytest

PREFIXES = """
PREFIX pm: <https://w3id.org/pmkg/id/>
PREFIX pmkg: <https://w3id.org/pmkg/def#>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX role: <https://w3id.org/pmkg/concept/role/>
PREFIX sector: <https://w3id.org/pmkg/concept/sector/>
PREFIX orgkind: <https://w3id.org/pmkg/concept/orgkind/>
PREFIX design: <https://w3id.org/pmkg/concept/design/>
PREFIX status: <https://w3id.org/pmkg/concept/status/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX src: <https://w3id.org/pmkg/source/>
PREFIX graph: <https://w3id.org/pmkg/graph/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@pytest.fixture(scope="module")
def ask(dataset):
    def _ask(q: str) -> bool:
        return bool(dataset.query(PREFIXES + "ASK {" + q + "}").askAnswer)
    return _ask


@pytest.fixture(scope="module")
def select(dataset):
    def _select(q: str) -> set:
        return {tuple(str(x) for x in row) for row in dataset.query(PREFIXES + q)}
    return _select


def local(iris) -> set[str]:
    return {str(i).rsplit("/", 1)[-1] for i in iris}


def test_gms_is_a_national_initiative_in_genomic_and_precision_medicine(ask):
    assert ask("""pm:gms a schema:Organization ; pmkg:organisationKind orgkind:national-initiative ;
                  schema:addressCountry "SE" ; schema:description ?d .
                  FILTER(CONTAINS(LCASE(STR(?d)), "genomic") && CONTAINS(LCASE(STR(?d)), "precision medicine"))""")


def test_gms_objective_is_to_increase_participation_in_clinical_trials(ask):
    assert ask("""pm:gms pmkg:objective ?o .
                  FILTER(CONTAINS(LCASE(STR(?o)), "increase participation in clinical trials"))""")


def test_gms_collaborates_with_healthcare_academia_private_sector_and_patient_organisations(select):
    rows = select("SELECT ?s WHERE { pm:gms pmkg:involvesSector ?s }")
    assert local(r[0] for r in rows) >= {"healthcare", "academia", "industry", "patient-organisations"}
    # the private sector is the industry concept, found by its label
    assert select("""SELECT ?s WHERE { pm:gms pmkg:involvesSector ?s . ?s skos:altLabel "private sector"@en }""")


def test_gms_is_partner_in_the_testbed(ask):
    assert ask("""pm:testbed pmkg:partner pm:gms ; a org:OrganizationalCollaboration ;
                  schema:name "Testbed Sweden Cancer Precision Health" .
                  ?m org:organization pm:testbed ; org:member pm:gms ; org:role role:partner ;
                     dcterms:source src:gms-clinical-studies .""")


def test_testbed_brings_together_vision_zero_cancer_and_scilifelab(select):
    rows = select("""SELECT ?who WHERE { ?m org:organization pm:testbed ; org:member ?who }""")
    assert local(r[0] for r in rows) >= {"gms", "vision-zero-cancer", "scilifelab"}


def test_testbed_brings_together_the_sectors_as_concepts_not_organisations(select, ask):
    rows = select("SELECT ?s WHERE { pm:testbed pmkg:involvesSector ?s . ?s a skos:Concept }")
    assert local(r[0] for r in rows) == {"public-sector", "regions", "healthcare", "academia", "industry",
                                         "patient-organisations"}
    # no made-up organisations called "industry", "regions" ...
    assert not ask("""?o a schema:Organization ; schema:name ?n .
                      FILTER(LCASE(STR(?n)) IN ("industry", "regions", "academia", "healthcare"))""")


def test_testbed_is_a_five_year_project_funded_by_swelife(ask):
    assert ask("""pm:testbed a schema:Project ; schema:duration "P5Y"^^<http://www.w3.org/2001/XMLSchema#duration> ;
                  schema:funder pm:swelife ; schema:funding ?grant .
                  ?grant schema:funder pm:swelife ; schema:fundedItem pm:testbed .""")


def test_testbed_eu_projects_are_exactly_pcm4eu_prime_rose_and_echos(select):
    rows = select("""SELECT DISTINCT ?p WHERE {
        ?m org:member pm:testbed ; org:organization ?p .
        ?p a schema:ResearchProject ; schema:funding/schema:funder pm:ec . }""")
    assert local(r[0] for r in rows) == {"pcm4eu", "prime-rose", "echos"}


def test_eu_project_titles(select):
    rows = select("""SELECT ?p ?name WHERE { VALUES ?p { pm:pcm4eu pm:echos } ?p schema:name ?name }""")
    names = {local([p]).pop(): n for p, n in rows}
    assert "Personalised Cancer Medicine for Europe" in names["pcm4eu"]
    assert "Establishing Cancer Mission Hubs" in names["echos"]


def test_prime_rose_is_funded_by_the_eu_cancer_mission(ask):
    assert ask("""pm:prime-rose schema:funding ?g . ?g pmkg:fundingProgramme pm:mission-cancer .
                  pm:mission-cancer dcterms:isPartOf pm:horizon-europe .""")


def test_focuse_is_an_upcoming_swedish_precision_cancer_trial(ask):
    assert ask("""pm:focuse a schema:MedicalTrial ; schema:addressCountry "SE" ; pmkg:status status:planned ;
                  pmkg:acronym "FOCU.SE" .""")


def test_focuse_is_inspired_by_drup(ask):
    assert ask("pm:focuse pmkg:inspiredBy pm:drup . pm:drup a schema:MedicalTrial .")


def test_focuse_design_is_prospective_non_randomised_simon_two_stage(select):
    rows = select("SELECT ?d WHERE { pm:focuse pmkg:design ?d }")
    assert local(r[0] for r in rows) >= {"prospective", "non-randomised", "simon-two-stage"}


def test_focuse_selects_by_molecular_profiling_and_monitors_residual_disease(select):
    rows = select("SELECT ?d WHERE { pm:focuse pmkg:design ?d }")
    assert local(r[0] for r in rows) >= {"biomarker-selected", "residual-disease-monitoring"}


def test_focuse_builds_on_multi_omics_and_drug_sensitivity_screening(select):
    rows = select("SELECT ?k WHERE { pm:focuse schema:keywords ?k }")
    words = " ".join(r[0].lower() for r in rows)
    assert "multi-omics" in words and "drug sensitivity screening" in words


def test_gms_is_involved_in_focuse(ask):
    assert ask("?m org:organization pm:focuse ; org:member pm:gms ; dcterms:source src:gms-clinical-studies .")


def test_seed_statements_are_in_the_seed_source_graph(ask):
    assert ask("GRAPH graph:gms-clinical-studies { "
               "pm:testbed pmkg:partner pm:gms . pm:focuse pmkg:inspiredBy pm:drup }")
