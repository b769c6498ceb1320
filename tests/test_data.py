"""The shipped data: conforms to the shapes, every entity has a source, enough organisations."""
from __future__ import annotations

from rdflib import URIRef

from conftest import DATA, ONTOLOGY
from kg.cli import main
from kg.namespaces import DCTERMS, ORG, RDF, SCHEMA


def test_shipped_data_conforms(capsys):
    assert main(["validate", "--data", str(DATA), "--ontology", str(ONTOLOGY)]) == 0
    assert "Conforms" in capsys.readouterr().out


def test_broken_copy_does_not_validate(data_copy, capsys):
    text = (data_copy / "trials.yaml").read_text()
    assert "NCT04817956" in text
    (data_copy / "trials.yaml").write_text(text.replace("NCT04817956", "NCT0481795"))
    assert main(["validate", "--data", str(data_copy), "--ontology", str(ONTOLOGY)]) == 1
    assert "'NCT0481795' does not match" in capsys.readouterr().err


def test_every_entity_and_participation_has_a_source(union_graph):
    g = union_graph
    entity_ns = "https://w3id.org/pmkg/id/"
    typed = {s for s in g.subjects(RDF.type, None) if str(s).startswith(entity_ns) and not str(s).endswith(".amount")}
    assert typed
    assert [s for s in typed if (s, DCTERMS.source, None) not in g] == []
    members = set(g.subjects(RDF.type, ORG.Membership))
    assert [m for m in members if (m, DCTERMS.source, None) not in g] == []


def test_at_least_80_organisations_each_with_a_country(union_graph):
    g = union_graph
    orgs = {s for s in g.subjects(RDF.type, SCHEMA.Organization) if (s, RDF.type, SCHEMA.Project) not in g}
    assert len(orgs) >= 80
    assert [o for o in orgs if (o, SCHEMA.addressCountry, None) not in g] == []


def test_no_blank_nodes(union_graph):
    from rdflib import BNode

    assert not any(isinstance(t, BNode) for triple in union_graph for t in triple)


def test_key_identifiers(union_graph):
    from kg.namespaces import PMKG

    pm = "https://w3id.org/pmkg/id/"
    assert str(union_graph.value(URIRef(pm + "impress-norway"), PMKG.nctId)) == "NCT04817956"
    assert union_graph.value(URIRef(pm + "prime-rose"), PMKG.coordinator) == URIRef(pm + "ous")
