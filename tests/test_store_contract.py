"""The store contract (kg.store), checked on every store pmkg reads: the same query gives the same rows.

Stores: rdflib in memory, Oxigraph in memory, the persistent store `pmkg build` publishes, `pmkg serve`
(over the published store), and a remote Oxigraph server loaded by `pmkg push`. The data is a stress
fixture: the shipped data, kept imports of three registries reconciled with it, a triple stated by two
sources (two named graphs), and a decimal written in two lexical forms. Each semantic also has a case of
two quads of its own.
"""
from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest
from conftest import DATA, ONTOLOGY, ROOT, empty_server

from kg import query as Q
from kg.store import EndpointStore, OxigraphStore

FIX = ROOT / "tests" / "fixtures"
PM = "https://w3id.org/pmkg/id/"
G = "https://w3id.org/pmkg/graph/"
TWICE = ("<https://w3id.org/pmkg/id/ous>", "<https://schema.org/keywords>", '"stated twice"@en')
DECIMAL = "<https://w3id.org/pmkg/id/ous>", "<https://w3id.org/pmkg/def#budget>"


@pytest.fixture(scope="module")
def stress(tmp_path_factory, curated_index):
    """The shipped data with three kept imports, assembled once; plus a triple in two graphs and a decimal
    that arrives as 5968725.0 in one graph and 5968725 in another (the writer makes both canonical)."""
    from kg.assemble import assemble
    from kg.config import Config
    from kg.importers import run_import
    from kg.terms import decimal_lit

    folder = tmp_path_factory.mktemp("imports")
    run_import("cordis", {"projects": FIX / "cordis" / "project.csv",
                          "organizations": FIX / "cordis" / "organization.csv"}, folder=folder, index=curated_index)
    run_import("ctgov", {"path": FIX / "ctgov" / "studies.json"}, folder=folder, index=curated_index)
    run_import("ror", {"dump": FIX / "ror" / "ror-data.json"}, folder=folder, index=curated_index,
               options={"all": True})
    asm = assemble(Config.resolve(DATA, ONTOLOGY, imports=True, imports_folder=folder))
    assert len(asm.imports) == 3
    for graph in (G + "ous-about", G + "import-ror"):
        asm.quads.add(*TWICE, f"<{graph}>")
    asm.quads.add(*DECIMAL, decimal_lit("5968725.0"), f"<{G}ous-about>")
    asm.quads.add(*DECIMAL, decimal_lit("5968725"), f"<{G}import-cordis>")
    return asm


@pytest.fixture(scope="module")
def stores(stress, tmp_path_factory, oxigraph_server):
    """Every store, loaded from the same assembly."""
    from kg.memstore import MemoryStore
    from kg.push import push
    from kg.serve import Endpoint, ServeConfig, make_server

    folder = tmp_path_factory.mktemp("published") / "store"
    OxigraphStore.create(folder, stress.nquads(names=True, default=True), "stress")   # as kg.build.publish does
    published = OxigraphStore.open(folder)
    oxigraph = OxigraphStore.from_nquads(stress.nquads(names=True, default=True))
    push(oxigraph, oxigraph_server + "/store")
    app = Endpoint(("dir", str(folder)), ServeConfig(timeout=60, max_rows=1_000_000), {}, stress.config.base)
    httpd = make_server(app, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield {"rdflib": MemoryStore.from_assembly(stress), "oxigraph": oxigraph, "published": published,
               "serve": EndpointStore(f"http://127.0.0.1:{httpd.server_address[1]}/sparql"),
               "push": EndpointStore(oxigraph_server + "/query")}
    finally:
        httpd.shutdown()
        httpd.server_close()
        app.close()
        empty_server(oxigraph_server)   # the stress graph's imports must not be there for test_push


def canon(res):
    def term(t):
        if t is None:
            return ""
        if isinstance(t, ox.Literal) and ", " in t.value:   # GROUP_CONCAT's order is the engine's
            return ", ".join(sorted(t.value.split(", "))) + str(t.datatype)
        return str(t)
    if res.kind == "ASK":
        return res.boolean
    if res.kind == "SELECT":
        return res.vars, sorted(tuple(term(t) for t in row) for row in res.rows)
    return sorted(str(t) for t in res.triples)


NAMES = ["rdflib", "oxigraph", "published", "serve", "push"]


@pytest.mark.parametrize("name", sorted(Q.library()))
def test_every_query_gives_the_same_rows_in_every_store(stores, name):
    q = Q.get(name)
    expected = canon(Q.run(q, store=stores["rdflib"]))
    for store in NAMES[1:]:
        assert canon(Q.run(q, store=stores[store])) == expected, f"{name}: {store} differs from rdflib"


def test_regression_five_named_queries_gave_more_rows_in_oxigraph(stores):
    """Regression: with imports restating curated facts, `coordinators`, `funding` and three more gave
    more rows on Oxigraph (the union of graphs as a bag) than on rdflib. The stress fixture has such
    triples; these queries have rows, and the same ones everywhere."""
    for name in ("coordinators", "funding", "consortium", "country-participation", "external-ids"):
        rows = [len(Q.run(name, store=stores[s]).rows) for s in NAMES]
        assert rows[0] > 0 and len(set(rows)) == 1, (name, rows)


# --- each semantic on two quads --------------------------------------------------------------------

def count(store, sparql: str) -> int:
    return int(store.query(sparql).rows[0][0].value)


@pytest.mark.parametrize("name", NAMES)
def test_a_triple_in_two_graphs_is_one_triple_of_the_union(stores, name):
    s, p, o = TWICE
    assert count(stores[name], f"SELECT (COUNT(*) AS ?n) WHERE {{ {s} {p} {o} }}") == 1
    assert count(stores[name], f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {s} {p} {o} }} }}") == 2


@pytest.mark.parametrize("name", NAMES)
def test_a_decimal_in_two_lexical_forms_is_one_value(stores, name):
    s, p = DECIMAL
    res = stores[name].query(f"SELECT ?v WHERE {{ {s} {p} ?v }}")
    assert [r[0].value for r in res.rows] == ["5968725"]
    assert count(stores[name], f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {s} {p} ?v }} }}") == 2


@pytest.mark.parametrize("name", NAMES)
def test_the_default_graph_is_a_set_and_the_names_index_stays_out_of_it(stores, name):
    res = Q.run("_check-set-semantics", store=stores[name])
    (row,) = res.rows
    assert row[2].value == "true" and int(row[0].value) == int(row[1].value) > 1000
    assert not stores[name].query("ASK { ?s <https://w3id.org/pmkg/def#lookupKey> ?k }").boolean
    assert stores[name].query(f"ASK {{ GRAPH <{G}names> {{ ?s <https://w3id.org/pmkg/def#lookupKey> ?k }} }}").boolean


@pytest.mark.parametrize("name", NAMES)
def test_from_names_the_graphs_a_query_reads(stores, name, stress):
    """Regression: FROM <graph> was ignored by the Oxigraph stores (a count over the ontology graph gave
    the whole graph's)."""
    n = count(stores[name], f"SELECT (COUNT(*) AS ?n) FROM <{G}ontology> WHERE {{ ?s ?p ?o }}")
    assert n == len(stress.quads.graphs[f"<{G}ontology>"]) > 500


def test_the_check_catches_a_bag(oxigraph_server, tmp_path):
    """The one-query check can fail: an Oxigraph store whose queries treat the union of the named graphs
    as a bag answers ?set false when a triple sits in two graphs."""
    store = ox.Store()
    s, p, o = TWICE
    store.bulk_load(f"{s} {p} {o} <{G}a> .\n{s} {p} {o} <{G}b> .\n".encode(), format=ox.RdfFormat.N_QUADS)
    text = Q.get("_check-set-semantics").text
    (row,) = list(store.query(text, use_default_graph_as_union=True))
    assert row["set"].value == "false" and row["all"].value == "2"


def test_raw_lexical_forms_would_break_the_contract():
    """Why the writer writes canonical literals: two lexical forms of one decimal are one term in Oxigraph
    and two in rdflib, so a union loaded as it comes would count differently."""
    from kg.memstore import MemoryStore

    s, p = DECIMAL
    raw = (f'{s} {p} "5968725.0"^^<http://www.w3.org/2001/XMLSchema#decimal> <{G}a> .\n'
           f'{s} {p} "5968725"^^<http://www.w3.org/2001/XMLSchema#decimal> <{G}b> .\n').encode()
    sparql = f"SELECT (COUNT(DISTINCT ?v) AS ?n) WHERE {{ GRAPH ?g {{ {s} {p} ?v }} }}"
    assert count(MemoryStore.from_nquads(raw), sparql) == 2
    assert count(OxigraphStore.from_nquads(raw), sparql) == 1


def test_the_writer_writes_what_oxigraph_stores(stress):
    """Every literal the writer writes is in the form Oxigraph keeps: the published store gives back the
    assembly's N-Quads byte for byte."""
    written = stress.nquads(names=True)
    assert OxigraphStore.from_nquads(stress.nquads(names=True, default=True)).nquads(names=True) == written
