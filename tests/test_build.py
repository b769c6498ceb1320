"""Building: minted IRIs under a configurable base, named graphs per source, qualified roles + shortcuts."""
from __future__ import annotations

from conftest import MINI, ONTOLOGY
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

from kg import namespaces as ns
from kg.build import build
from kg.export import union
from kg.namespaces import DCTERMS, ORG, PMKG, RDF, ROLE, SCHEMA

PM = "https://w3id.org/pmkg/id/"
G = "https://w3id.org/pmkg/graph/"


def test_configurable_base_mints_every_entity_under_it():
    ds = build(MINI, ONTOLOGY, base="https://example.org/kg/")
    g = union(ds)
    assert (URIRef("https://example.org/kg/id/prime-rose"), PMKG.coordinator,
            URIRef("https://example.org/kg/id/ous")) in g
    assert not any(str(s).startswith(PM) for s in g.subjects())
    assert dict(g.namespaces())["pm"] == URIRef("https://example.org/kg/id/")


def test_same_data_same_graph_whatever_the_order_of_building(mini_dataset):
    assert isomorphic(union(build(MINI, ONTOLOGY)), union(mini_dataset))


def test_participation_is_qualified_and_has_a_shortcut(mini_dataset):
    g = union(mini_dataset)
    node = URIRef("https://w3id.org/pmkg/participation/prime-rose.coordinator.ous")
    assert (node, RDF.type, ORG.Membership) in g
    assert g.value(node, ORG.organization) == URIRef(PM + "prime-rose")
    assert g.value(node, ORG.member) == URIRef(PM + "ous")
    assert g.value(node, ORG.role) == ROLE.coordinator
    assert (URIRef(PM + "prime-rose"), PMKG.coordinator, URIRef(PM + "ous")) in g


def test_a_field_from_another_source_lands_in_that_sources_graph(mini_dataset):
    seed, other = mini_dataset.graph(URIRef(G + "seed")), mini_dataset.graph(URIRef(G + "other"))
    pr = URIRef(PM + "prime-rose")
    end = Literal("2028-06-30", datatype=ns.XSD.date)
    assert (pr, SCHEMA.endDate, end) in other and (pr, SCHEMA.endDate, end) not in seed
    assert (pr, SCHEMA.startDate, Literal("2023-07-01", datatype=ns.XSD.date)) in seed
    assert (pr, DCTERMS.source, URIRef("https://w3id.org/pmkg/source/other")) in other


def test_grants_make_funder_participations(mini_dataset):
    g = union(mini_dataset)
    node = URIRef("https://w3id.org/pmkg/participation/prime-rose.funder.ec")
    assert g.value(node, ORG.role) == ROLE.funder
    assert (URIRef(PM + "prime-rose"), SCHEMA.funder, URIRef(PM + "ec")) in g
    assert (URIRef(PM + "prime-rose"), SCHEMA.funding, URIRef(PM + "grant-prime-rose")) in g


def test_kind_concept_implies_schema_class(mini_dataset):
    g = union(mini_dataset)
    assert (URIRef(PM + "ous"), RDF.type, SCHEMA.Hospital) in g
    assert (URIRef(PM + "testbed"), RDF.type, ORG.OrganizationalCollaboration) in g


def test_year_only_date_written_unquoted_is_a_gyear(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    p = data / "projects.yaml"
    p.write_text(p.read_text().replace("start: 2023-07-01", "start: 2023-07")
                 .replace("duration: P5Y", "duration: P5Y\n  start: 2021"))
    g = union(build(data, ONTOLOGY))
    assert g.value(URIRef(PM + "prime-rose"), SCHEMA.startDate) == Literal("2023-07", datatype=ns.XSD.gYearMonth)
    assert g.value(URIRef(PM + "testbed"), SCHEMA.startDate) == Literal("2021", datatype=ns.XSD.gYear)


def test_uncertain_participation_has_no_shortcut(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    p = data / "projects.yaml"
    p.write_text(p.read_text().replace("{org: testbed, role: partner}",
                                       "{org: testbed, role: partner, uncertain: true}"))
    g = union(build(data, ONTOLOGY))
    node = URIRef("https://w3id.org/pmkg/participation/prime-rose.partner.testbed")
    assert g.value(node, PMKG.uncertain) == Literal(True)
    assert (URIRef(PM + "prime-rose"), PMKG.partner, URIRef(PM + "testbed")) not in g
