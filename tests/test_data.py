"""The shipped data: conforms to the shapes, every entity, participation and declared size has a source,
and the organisations and countries curated so far."""
from __future__ import annotations

from conftest import DATA, ONTOLOGY
from rdflib import URIRef

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
    sizes = set(g.subjects(RDF.type, SCHEMA.Observation))
    assert len(sizes) == 25 and [s for s in sizes if (s, DCTERMS.source, None) not in g] == []
    # and every source named is one of data/sources.yaml, with its page
    from kg.namespaces import PMKG

    for thing in typed | members | sizes:
        for src in g.objects(thing, DCTERMS.source):
            assert (src, RDF.type, PMKG.Source) in g and g.value(src, SCHEMA.url) is not None, (thing, src)


def test_organisations_each_with_a_country(union_graph):
    """102 organisations from 18 countries are curated (update when curating more)."""
    from collections import Counter

    g = union_graph
    orgs = {s for s in g.subjects(RDF.type, SCHEMA.Organization) if (s, RDF.type, SCHEMA.Project) not in g}
    assert len(orgs) == 102
    assert [o for o in orgs if (o, SCHEMA.addressCountry, None) not in g] == []
    by_country = Counter(str(c) for o in orgs for c in g.objects(o, SCHEMA.addressCountry))
    assert len(by_country) == 18
    assert [by_country[c] for c in ("SE", "NO", "IE", "LU", "SK")] == [50, 14, 2, 2, 2]


def test_no_blank_nodes(union_graph):
    from rdflib import BNode

    assert not any(isinstance(t, BNode) for triple in union_graph for t in triple)


def test_key_identifiers(union_graph):
    from kg.namespaces import PMKG

    pm = "https://w3id.org/pmkg/id/"
    assert str(union_graph.value(URIRef(pm + "impress-norway"), PMKG.nctId)) == "NCT04817956"
    assert union_graph.value(URIRef(pm + "prime-rose"), PMKG.coordinator) == URIRef(pm + "ous")
