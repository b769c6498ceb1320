"""ORDER BY sorted in Python for Oxigraph stores (kg.order): the order Oxigraph itself gives, or the store
sorts. Each comparison is with the raw pyoxigraph answer of the same query, ORDER BY included."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import order
from kg import query as Q
from kg.store import OxigraphStore

EX = "http://example.org/"
DATA = f"""
@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:name "beta9" ; ex:n 10 ; ex:d "2021-03-01"^^xsd:date ; ex:flag true .
ex:b ex:name "beta10" ; ex:n 9 ; ex:d "2020-12-31"^^xsd:date ; ex:flag false .
ex:c ex:name "Ärzte" ; ex:n "9.50"^^xsd:decimal ; ex:flag true .
ex:d ex:name "alpha" ; ex:n -1 ; ex:d "2021-01-15"^^xsd:date .
ex:e ex:name "Alpha" ; ex:n 100 ; ex:d "2021-01-15"^^xsd:date .
ex:f ex:name ex:an-iri ; ex:n 0 .
ex:g ex:n 2 .
ex:h ex:name "zeta" ; ex:n 10 ; ex:d "2019-06-30"^^xsd:date .
ex:i ex:name "émile" ; ex:n 3 .
"""
SELECT = f"""PREFIX ex: <{EX}>
SELECT ?s ?name ?n ?d ?flag WHERE {{
  ?s ex:n ?n .
  OPTIONAL {{ ?s ex:name ?name }} OPTIONAL {{ ?s ex:d ?d }} OPTIONAL {{ ?s ex:flag ?flag }}
}}
"""


@pytest.fixture(scope="module")
def store():
    st = ox.Store()
    st.load(DATA.encode(), ox.RdfFormat.TURTLE)
    return OxigraphStore(st)


def keys_of(rows, names, keys):
    return [tuple(None if row[names.index(v)] is None else str(row[names.index(v)]) for v, _ in keys) for row in rows]


def oxigraph_order(store, sparql, keys):
    res = store.store.query(sparql)
    names = [v.value for v in res.variables]
    return keys_of([tuple(sol[v] for v in names) for sol in res], names, keys)


@pytest.mark.parametrize("clause", ["?name", "DESC(?name)", "?n", "DESC(?n) ?name", "?d ?name", "DESC(?d) DESC(?n)",
                                    "?flag ?s", "ASC(?flag) DESC(?s)"])
def test_python_order_is_the_order_oxigraph_gives(store, clause):
    """Numbers by value (9 < 9.50 < 10, not as text), strings by code point (upper case, then lower,
    then accented), unbound first and IRIs before literals, DESC reversing all of it."""
    sparql = SELECT + f"ORDER BY {clause}\n"
    split = order.split_order(sparql)
    assert split is not None
    done = store._sorted(sparql, None)
    assert done is not None, "kg.order should sort this column itself"
    names, rows = done
    assert keys_of(rows, names, split[1]) == oxigraph_order(store, sparql, split[1])
    assert len(rows) == 9


def test_regression_numbers_sorted_as_text_would_put_10_before_9(store):
    """The data can show the difference: as text, "10" < "9"."""
    sparql = SELECT + "ORDER BY ?n\n"
    names, rows = store._sorted(sparql, None)
    ns = [row[names.index("n")].value for row in rows]
    assert ns == ["-1", "0", "2", "3", "9", "9.5", "10", "10", "100"]   # Oxigraph keeps 9.50 as 9.5


@pytest.mark.parametrize("value", ['"alpha"@en', "_:b1", '"1.5e0"^^<http://www.w3.org/2001/XMLSchema#double>'])
def test_a_column_kg_order_does_not_order_is_sorted_by_the_store(value):
    """Language-tagged strings, blank nodes, doubles: Oxigraph sorts them, and the rows are its rows."""
    st = ox.Store()
    st.load((DATA + f"\n<{EX}z> <{EX}name> {value} ; <{EX}n> 7 .\n").encode(), ox.RdfFormat.TURTLE)
    store = OxigraphStore(st)
    sparql = SELECT + "ORDER BY ?name ?n\n"
    assert store._sorted(sparql, None) is None
    res = store.query(sparql)
    assert keys_of(res.rows, res.vars, [("name", False), ("n", False)]) == \
        oxigraph_order(store, sparql, [("name", False), ("n", False)])


def test_dates_of_three_precisions_sort_chronologically_by_their_text():
    """Between a year, a year-month and a date SPARQL defines no order (Oxigraph takes them for equal, so
    its order there is arbitrary): a year comes before the dates within it, and every date in time order."""
    st = ox.Store()
    st.load(f"""@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{EX}a> <{EX}d> "2021"^^xsd:gYear . <{EX}b> <{EX}d> "2020-12-31"^^xsd:date .
        <{EX}c> <{EX}d> "2021-02"^^xsd:gYearMonth . <{EX}e> <{EX}d> "2021-01-15"^^xsd:date .""".encode(),
            ox.RdfFormat.TURTLE)
    res = OxigraphStore(st).query(f"SELECT ?s ?d WHERE {{ ?s <{EX}d> ?d }} ORDER BY ?d")
    assert [row[1].value for row in res.rows] == ["2020-12-31", "2021", "2021-01-15", "2021-02"]


@pytest.mark.parametrize("sparql", [
    "SELECT * WHERE { { SELECT ?a WHERE { ?a <p> ?b } ORDER BY ?b LIMIT 1 } }",    # a sub-query's
    "SELECT ?a WHERE { ?a <p> ?b } ORDER BY ?b",                                  # not a column
    "SELECT ?a ?b WHERE { ?a <p> ?b } ORDER BY ?b LIMIT 10",                      # LIMIT after
    "SELECT ?a ?b WHERE { ?a <p> ?b } ORDER BY STR(?b)",                          # an expression
])
def test_queries_the_store_must_sort_are_left_to_it(sparql):
    assert order.split_order(sparql) is None


def test_the_order_clause_may_be_followed_by_comments():
    text = "# a header\nSELECT ?a (COUNT(?b) AS ?n) WHERE { ?a <p#x> ?b } GROUP BY ?a\nORDER BY DESC(?n) ?a\n# done\n"
    assert order.split_order(text) == ("# a header\nSELECT ?a (COUNT(?b) AS ?n) WHERE { ?a <p#x> ?b } GROUP BY ?a\n",
                                       [("n", True), ("a", False)])


def sorted_here(name: str) -> bool:
    q = Q.get(name)
    return not q.algorithm and order.split_order(Q.full_text(q)) is not None


#: The named queries kg.order sorts (the others: Oxigraph sorts them, or kg.walk answers them).
SORTED_HERE = sorted(n for n in Q.library() if sorted_here(n))


def test_kg_order_sorts_the_whole_graph_answers():
    assert {"coordinators", "external-ids", "funding", "sectors", "country-participation"} <= set(SORTED_HERE)


@pytest.mark.parametrize("name", SORTED_HERE)
def test_every_named_query_comes_in_the_order_oxigraph_gives(oxigraph, name):
    """On the shipped data: the rows of each named query kg.order sorts, in the order of its keys, are
    those Oxigraph's own ORDER BY gives."""
    q = Q.get(name)
    text = Q.full_text(q)
    split = order.split_order(text)
    assert split is not None
    bindings = Q.bind_params(q, {}, oxigraph)
    res = oxigraph.query(text, bindings)
    raw = oxigraph.store.query(text, substitutions={ox.Variable(k): v for k, v in bindings.items()} or None)
    names = [v.value for v in raw.variables]
    expected = keys_of([tuple(sol[v] for v in names) for sol in raw], names, split[1])
    assert res.rows and keys_of(res.rows, res.vars, split[1]) == expected


def test_the_module_examples_run():
    import doctest

    assert doctest.testmod(order).failed == 0
