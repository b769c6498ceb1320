"""The SHACL shapes catch what they promise, on a graph from anywhere (not only our YAML)."""
from __future__ import annotations

import pytest
from conftest import ONTOLOGY
from rdflib import Graph, Literal, URIRef

from kg import namespaces as ns
from kg.namespaces import DCTERMS, PMKG, SCHEMA
from kg.validate import shacl

PM = "https://w3id.org/pmkg/id/"
SHAPES = ONTOLOGY / "shapes.ttl"


@pytest.fixture
def graph(mini_dataset):
    from kg.export import union

    g = Graph()
    for t in union(mini_dataset):
        g.add(t)
    return g


def violations(g) -> list[str]:
    ok, results, _ = shacl(g, SHAPES)
    assert ok == (not results)
    return [f"{focus} {path}: {msg}" for focus, path, msg in results]


def test_mini_graph_conforms(graph):
    assert violations(graph) == []


def test_organisation_without_source(graph):
    graph.remove((URIRef(PM + "ous"), DCTERMS.source, None))
    res = violations(graph)
    assert any(r.startswith(PM + "ous dcterms:source") for r in res), res


def test_organisation_without_country(graph):
    graph.remove((URIRef(PM + "ous"), SCHEMA.addressCountry, None))
    res = violations(graph)
    assert any(r.startswith(PM + "ous -: Every organisation has a country") for r in res), res


def test_an_imported_organisation_may_have_no_country(graph):
    """A registry may give no country (ClinicalTrials.gov says nothing of a sponsor's): an organisation
    whose source is an import (prov:wasGeneratedBy) conforms without one; a curated one does not."""
    from rdflib.namespace import PROV

    imp = URIRef("https://w3id.org/pmkg/source/import-ctgov")
    graph.remove((URIRef(PM + "ous"), SCHEMA.addressCountry, None))
    graph.add((URIRef(PM + "ous"), DCTERMS.source, imp))
    assert any("Every organisation has a country" in r for r in violations(graph))
    graph.add((imp, PROV.wasGeneratedBy, URIRef("https://w3id.org/pmkg/source/import-ctgov.activity")))
    assert not any("Every organisation has a country" in r for r in violations(graph))


def test_second_coordinator(graph):
    graph.add((URIRef(PM + "prime-rose"), PMKG.coordinator, URIRef(PM + "gms")))
    res = violations(graph)
    assert any("prime-rose pmkg:coordinator: A project has at most one coordinator" in r for r in res), res


def test_bad_nct(graph):
    graph.add((URIRef(PM + "drup"), PMKG.nctId, Literal("NCT0123")))
    assert any("drup pmkg:nctId" in r for r in violations(graph))


def test_bad_ror(graph):
    graph.add((URIRef(PM + "ous"), PMKG.ror, URIRef("https://ror.org/1abc")))
    assert any("ous pmkg:ror" in r for r in violations(graph))


def test_grant_number_digits_only(graph):
    grant = URIRef(PM + "grant-prime-rose")
    graph.set((grant, URIRef("http://purl.org/cerif/frapo/hasGrantNumber"), Literal("HE-101104269")))
    assert any("grant-prime-rose frapo:hasGrantNumber: A grant number is digits only" in r for r in violations(graph))


def test_untyped_date(graph):
    graph.set((URIRef(PM + "prime-rose"), SCHEMA.startDate, Literal("1 July 2023")))
    assert any("prime-rose schema:startDate" in r for r in violations(graph))


def test_project_without_participant(graph):
    from kg.namespaces import ORG

    for m in list(graph.subjects(ORG.organization, URIRef(PM + "testbed"))):
        graph.remove((m, None, None))
    assert any(r.startswith(PM + "testbed") and "at least one participant" in r for r in violations(graph))


def test_date_typed_literal_is_fine(graph):
    graph.set((URIRef(PM + "prime-rose"), SCHEMA.startDate, Literal("2023-07", datatype=ns.XSD.gYearMonth)))
    assert violations(graph) == []


# --- declared sizes (schema:Observation) -------------------------------------------------------------

SIZE = URIRef(PM + "prime-rose.size.seed.partners")


def test_mini_graph_has_declared_size_observations(graph):
    from kg.namespaces import RDF, XSD

    assert (SIZE, RDF.type, SCHEMA.Observation) in graph
    assert graph.value(SIZE, SCHEMA.value) == Literal(24, datatype=XSD.integer)
    assert graph.value(SIZE, SCHEMA.measuredProperty) == PMKG.partnerCount
    later = URIRef(PM + "prime-rose.size.other.2024-12-31.partners")
    assert str(graph.value(later, SCHEMA.observationDate)) == "2024-12-31"


@pytest.mark.parametrize("value", [Literal(0), Literal(-2), Literal("24"), Literal(24.0)])
def test_declared_size_value_is_a_positive_integer(graph, value):
    graph.set((SIZE, SCHEMA.value, value))
    assert any(r.startswith(f"{SIZE} schema:value: A declared size has one value, a positive xsd:integer")
               for r in violations(graph)), value


def test_declared_size_needs_a_source_and_a_project(graph):
    graph.remove((SIZE, DCTERMS.source, None))
    graph.set((SIZE, SCHEMA.observationAbout, URIRef(PM + "ous")))   # an organisation, not a project
    res = violations(graph)
    assert any(r.startswith(f"{SIZE} dcterms:source") for r in res), res
    assert any(r.startswith(f"{SIZE} schema:observationAbout: A declared size is about exactly one project")
               for r in res), res


def test_declared_size_measures_partners_or_countries(graph):
    graph.set((SIZE, SCHEMA.measuredProperty, SCHEMA.numberOfEmployees))
    assert any(r.startswith(f"{SIZE} schema:measuredProperty") for r in violations(graph))


def test_declared_size_date_is_typed(graph):
    graph.set((SIZE, SCHEMA.observationDate, Literal("June 2023")))
    assert any(r.startswith(f"{SIZE} schema:observationDate") for r in violations(graph))
