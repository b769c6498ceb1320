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


def test_shared_projects_with_two_labels_and_two_acronyms_gives_the_rows_of_the_sparql():
    """The pairing keeps the .rq file's rows where a member has two labels (two members of one IRI, never
    paired with each other) and a project two acronyms (two names, one project counted once), and leaves
    out funders, uncertain participations and things that are not projects or trials."""
    from kg.store import OxigraphStore

    st = ox.Store()
    st.load(b"""
        @prefix schema: <https://schema.org/> . @prefix org: <http://www.w3.org/ns/org#> .
        @prefix pmkg: <https://w3id.org/pmkg/def#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix role: <https://w3id.org/pmkg/concept/role/> . @prefix ex: <http://example.org/> .
        ex:p1 a schema:Project ; rdfs:label "Project one" ; pmkg:acronym "P1", "PONE" .
        ex:p2 a schema:MedicalTrial ; rdfs:label "Trial two" .
        ex:p3 a schema:Organization ; rdfs:label "Not a project" .
        ex:a rdfs:label "Alpha", "Alfa" . ex:b rdfs:label "Beta" . ex:c rdfs:label "Gamma" . ex:f rdfs:label "Fund" .
        ex:m1 org:organization ex:p1 ; org:member ex:a ; org:role role:partner .
        ex:m2 org:organization ex:p1 ; org:member ex:b ; org:role role:coordinator .
        ex:m3 org:organization ex:p2 ; org:member ex:a ; org:role role:partner .
        ex:m4 org:organization ex:p2 ; org:member ex:b ; org:role role:partner .
        ex:m5 org:organization ex:p2 ; org:member ex:c ; org:role role:partner ; pmkg:uncertain true .
        ex:m6 org:organization ex:p1 ; org:member ex:f ; org:role role:funder .
        ex:m7 org:organization ex:p3 ; org:member ex:a ; org:role role:partner .
        ex:m8 org:organization ex:p3 ; org:member ex:c ; org:role role:partner .
    """, ox.RdfFormat.TURTLE)
    store = OxigraphStore(st)
    algo, text = both("shared-projects", {}, store)
    rows = sorted((r[1].value, r[3].value, r[4].value, ", ".join(sorted(r[5].value.split(", ")))) for r in algo.rows)
    assert rows == [("Alfa", "Beta", "2", "P1, PONE, Trial two"), ("Alpha", "Beta", "2", "P1, PONE, Trial two")]
    assert rows == sorted((r[1].value, r[3].value, r[4].value, ", ".join(sorted(r[5].value.split(", "))))
                          for r in text.rows)
