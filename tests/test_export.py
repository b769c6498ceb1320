"""Exports parse back to the same graph, Turtle is byte-stable, and the dataset describes itself."""
from __future__ import annotations

import json

import pytest
from conftest import DATA, ONTOLOGY
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.export import FORMATS, serialize, union
from kg.namespaces import DCTERMS, RDF, VOID

PARSE_AS = {"turtle": "turtle", "longturtle": "turtle", "jsonld": "json-ld", "nt": "nt"}


def canonical(g: Graph) -> set[str]:
    """The triples of ``g`` with every literal in its canonical form (as Oxigraph stores it)."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return {str(q.triple) for q in store}


@pytest.mark.parametrize("fmt", sorted(PARSE_AS))
def test_triple_formats_round_trip(dataset, union_graph, fmt):
    g = Graph().parse(data=serialize(dataset, fmt), format=PARSE_AS[fmt])
    assert len(g) == len(union_graph)
    if fmt == "longturtle":
        # rdflib's long Turtle writes the decimal 5968725 as 5968725.0: the same value, another lexical form
        assert canonical(g) == canonical(union_graph)
    else:
        assert isomorphic(g, union_graph)


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_quad_formats_keep_named_graphs(dataset, fmt):
    back = Dataset()
    back.parse(data=serialize(dataset, fmt), format=fmt)
    names = {g.identifier for g in dataset.graphs() if len(g)}
    back_names = {g.identifier for g in back.graphs() if len(g)}
    assert names == back_names
    assert "https://w3id.org/pmkg/graph/gms-clinical-studies" in {str(n) for n in names}
    for name in names:
        assert isomorphic(back.graph(name), dataset.graph(name)), name


def test_jsonld_has_a_context(dataset):
    doc = json.loads(serialize(dataset, "jsonld"))
    assert doc["@context"]["schema"] == "https://schema.org/"
    assert doc["@context"]["pm"] == "https://w3id.org/pmkg/id/"


def test_two_builds_give_byte_identical_turtle(dataset):
    from kg.build import build

    again = build(DATA, ONTOLOGY)
    assert serialize(dataset, "turtle") == serialize(again, "turtle")
    assert serialize(dataset, "nt") == serialize(again, "nt")


def test_release_date_comes_from_source_date_epoch(monkeypatch):
    from kg.build import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    g = union(build(DATA, ONTOLOGY))
    d = URIRef("https://w3id.org/pmkg/dataset")
    assert g.value(d, DCTERMS.modified) == Literal("2026-01-01", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))


def test_void_description_counts_the_graph(dataset, union_graph):
    d = URIRef("https://w3id.org/pmkg/dataset")
    g = union_graph
    assert (d, RDF.type, VOID.Dataset) in g
    assert g.value(d, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    described = dataset.graph(URIRef("https://w3id.org/pmkg/graph/description"))
    # void:triples counts everything but the description itself
    assert int(g.value(d, VOID.triples)) == len(g) - len(described)
    parts = {g.value(p, VOID["class"]): int(g.value(p, VOID.entities)) for p in g.objects(d, VOID.classPartition)}
    orgs = set(g.subjects(RDF.type, URIRef("https://schema.org/Organization")))
    assert parts[URIRef("https://schema.org/Organization")] == len(orgs)
    sources = set(g.objects(d, DCTERMS.source))
    assert URIRef("https://w3id.org/pmkg/source/gms-clinical-studies") in sources


def test_export_cli_writes_file_atomically(tmp_path, capsys):
    from kg.cli import main

    out = tmp_path / "x.nq"
    assert main(["export", "--data", str(DATA), "--ontology", str(ONTOLOGY), "-f", "nquads", "-o", str(out)]) == 0
    ds = Dataset()
    ds.parse(out, format="nquads")
    assert len(list(ds.quads((None, None, None, None)))) > 1000
    assert not list(tmp_path.glob(".*.tmp"))


def test_formats_table_is_complete():
    assert set(FORMATS) == {"turtle", "longturtle", "jsonld", "nt", "trig", "nquads"}


def test_whole_number_amount_keeps_decimal_datatype_after_export(tmp_path):
    """Regression: Turtle wrote a whole xsd:decimal as a bare integer, so exports changed its datatype."""
    import shutil

    from conftest import MINI

    from kg.build import build

    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    text = (data / "grants.yaml").read_text().replace("amount: 5968725.00", "amount: 20000000")
    (data / "grants.yaml").write_text(text)
    ds = build(data, ONTOLOGY)
    g = Graph().parse(data=serialize(ds, "turtle"), format="turtle")
    assert isomorphic(g, union(ds))
    value = g.value(URIRef("https://w3id.org/pmkg/id/grant-prime-rose.amount"), URIRef("https://schema.org/value"))
    assert value.datatype == URIRef("http://www.w3.org/2001/XMLSchema#decimal")


def test_void_triple_count_when_a_statement_has_two_sources(tmp_path):
    """Regression: a triple in two named graphs was counted twice in void:triples."""
    import shutil

    from conftest import MINI

    from kg.build import build

    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    text = (data / "organisations.yaml").read_text().replace(
        "  country: SE\n  sources: [seed]", "  country: SE\n  sources: [seed, other]")
    text = text.replace("  kind: national-initiative",
                        "  kind: national-initiative\n  description: {value: A national initiative, source: other}")
    (data / "organisations.yaml").write_text(text)
    ds = build(data, ONTOLOGY)
    g = union(ds)
    described = ds.graph(URIRef("https://w3id.org/pmkg/graph/description"))
    d = URIRef("https://w3id.org/pmkg/dataset")
    assert int(g.value(d, VOID.triples)) == len(g) - len(described)


@pytest.mark.parametrize("fmt,ox_format", [("turtle", "TURTLE"), ("longturtle", "TURTLE"), ("nt", "N_TRIPLES"),
                                           ("trig", "TRIG"), ("nquads", "N_QUADS")])
def test_exports_load_unchanged_in_oxigraph(dataset, union_graph, fmt, ox_format):
    """Another RDF toolkit (Oxigraph, a Rust parser) reads every export as it is."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(serialize(dataset, fmt), format=getattr(ox.RdfFormat, ox_format))
    triples = {(q.subject, q.predicate, q.object) for q in store}
    assert len(triples) == len(union_graph)
