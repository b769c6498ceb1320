"""kg.walk: `connection` and `neighbourhood` answered by a bounded breadth-first search, and
`shared-projects` paired in Python, give the rows their SPARQL (queries/*.rq, run as text) gives, in the
same order, on rdflib and on Oxigraph."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import query as Q
from kg import walk

PM = "https://w3id.org/pmkg/id/"

CONNECTIONS = [{}, {"from": "GMS", "to": "Testbed"}, {"from": "European Commission", "to": "GMS"},
               {"from": "PRIME-ROSE", "to": "ECHoS"}, {"from": "GMS", "to": "GMS"}]
NEIGHBOURHOODS = [{}, {"entity": "PRIME-ROSE", "hops": "2"}, {"entity": "FOCU.SE", "hops": "2"},
                  {"entity": "GMS", "hops": "3"}, {"entity": "European Commission", "hops": "1"}]


def both(name, params, store):
    """(the algorithm's result, the SPARQL text's result) of a named query."""
    algo = Q.answer(name, params, store)
    text = Q.answer(name, params, store, algorithm=False)
    return algo.result, text.result


def test_connection_and_neighbourhood_name_their_algorithm():
    assert Q.get("connection").algorithm == "connection"
    assert Q.get("neighbourhood").algorithm == "neighbourhood"
    assert Q.get("shared-projects").algorithm == "shared-projects"
    assert not Q.get("consortium").algorithm


@pytest.mark.parametrize("params", CONNECTIONS, ids=str)
@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_connection_by_search_gives_the_rows_of_the_sparql(request, store, params):
    algo, text = both("connection", params, request.getfixturevalue(store))
    assert algo.vars == text.vars
    assert algo.rows, "a case without paths would prove nothing"
    # ORDER BY ?hops ?path: the same rows in the same order (ties broken by the vias)
    key = [(r[2].value, r[3].value) for r in text.rows]
    assert [(r[2].value, r[3].value) for r in algo.rows] == key
    assert sorted(map(str, algo.rows)) == sorted(map(str, text.rows))


def test_connection_finds_paths_of_each_length(oxigraph):
    rows = Q.run("connection", {"from": "GMS", "to": "Testbed"}, oxigraph).strings()
    assert {r["hops"] for r in rows} == {"1", "2", "3"}
    assert rows[0]["path"] == "GMS ←partner— Testbed Sweden Cancer Precision Health" and rows[0]["via1"] is None
    assert all(r["via1"] for r in rows if r["hops"] != "1") and all(r["via2"] for r in rows if r["hops"] == "3")
    assert [int(r["hops"]) for r in rows] == sorted(int(r["hops"]) for r in rows)


@pytest.mark.parametrize("params", NEIGHBOURHOODS, ids=str)
@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_neighbourhood_by_search_gives_the_triples_of_the_sparql(request, store, params):
    algo, text = both("neighbourhood", params, request.getfixturevalue(store))
    assert algo.kind == text.kind == "CONSTRUCT"
    assert len(algo.triples) > 50
    assert sorted(map(str, algo.triples)) == sorted(set(map(str, text.triples)))


def test_neighbourhood_grows_with_hops(oxigraph):
    one = walk.reach(oxigraph, ox.NamedNode(PM + "prime-rose"), 1)
    two = walk.reach(oxigraph, ox.NamedNode(PM + "prime-rose"), 2)
    assert ox.NamedNode(PM + "prime-rose") in one and ox.NamedNode(PM + "ous") in one
    assert one < two


def test_neighbourhood_of_something_not_an_entity_is_empty_as_in_sparql(oxigraph):
    # a membership node is no entity: the SPARQL's first pattern finds nothing, and so does the search
    member = oxigraph.query("SELECT ?m WHERE { ?m a <http://www.w3.org/ns/org#Membership> } LIMIT 1").rows[0][0]
    params = {"entity": member, "hops": ox.Literal("2", datatype=walk.XSD_INTEGER)}
    algo, text = both("neighbourhood", params, oxigraph)
    assert algo.triples == [] and text.triples == []


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_shared_projects_paired_here_gives_the_rows_of_the_sparql(request, store):
    algo, text = both("shared-projects", {}, request.getfixturevalue(store))

    def canon(rows):   # GROUP_CONCAT's order is the engine's: compare the names as a set
        return sorted(tuple(str(t) for t in r[:5]) + (tuple(sorted(r[5].value.split(", "))), str(r[5].datatype))
                      for r in rows)
    assert algo.vars == text.vars and len(algo.rows) > 300
    assert canon(algo.rows) == canon(text.rows)
    # ORDER BY DESC(?shared) ?aName ?bName
    order = [(r[4].value, r[1].value, r[3].value) for r in text.rows]
    assert [(r[4].value, r[1].value, r[3].value) for r in algo.rows] == order
