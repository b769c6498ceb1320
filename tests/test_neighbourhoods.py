"""kg.neighbourhoods: the neighbourhood index a build publishes gives the triples kg.walk finds in the store,
as the very Turtle text Oxigraph's writer gives for them, and is read only for the store it was written
with, for kg.walk's definition of a link and for the prefixes of the answer."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pyoxigraph as ox
import pytest

from kg import neighbourhoods as N
from kg import query as Q
from kg import walk
from kg.prefixes import prefixes
from kg.store import MARKER, OxigraphStore

BASE = "https://w3id.org/pmkg/"
PM = BASE + "id/"
S = "https://schema.org/"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def hops(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=INTEGER)


@pytest.fixture(scope="module")
def store(published):
    from kg.build import published_store

    return published_store()


def walked(store: OxigraphStore, centre, n: int):
    return walk.neighbourhood(store.detached(), {"entity": centre, "hops": hops(n)})


def turtle(result) -> str:
    return Q.format_result(result, "turtle", BASE)


def test_the_build_publishes_an_index_of_every_triple_of_its_store(store):
    index = N.published(store, prefixes(BASE))
    assert index is not None
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value
    subjects = store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value
    assert index.entry["triples"] == int(count) and index.n == int(subjects) > 500
    assert index.subject(index.find(PM + "prime-rose")) == f"<{PM}prime-rose>".encode()
    assert index.find(PM + "prime-ros") is None and index.find(PM + "zzz") is None


def entities(store) -> list:
    q = ("SELECT DISTINCT ?e WHERE { ?e a ?c FILTER(?c IN (<%sOrganization>, <%sProject>, <%sMedicalTrial>, "
         "<%sFundingScheme>, <%sMonetaryGrant>)) } ORDER BY ?e") % ((S,) * 5)
    return [r[0] for r in store.query(q).rows]


def test_every_entity_s_neighbourhood_is_the_store_s_text_for_text(store):
    """One link from every entity of the shipped graph, two from every fifth and three from every
    twentieth: the index's Turtle is the text written for kg.walk's triples, and its triples are them."""
    index = N.published(store, prefixes(BASE))
    cases = [(e, 1) for e in entities(store)]
    cases += [(e, 2) for e, _ in cases[::5]] + [(e, 3) for e, _ in cases[::20]]
    assert len(cases) >= 200
    for centre, n in cases:
        mine = index.subgraph(centre.value, n)
        theirs = walked(store, centre, n)
        assert len(mine) == len(theirs.triples) > 0, (centre, n)
        assert turtle(walk.Result("CONSTRUCT", triples=mine)) == turtle(theirs), (centre, n)
        assert list(mine) == list(theirs.triples), (centre, n)


def test_the_named_query_reads_the_index_on_the_published_store(store):
    res = Q.answer("neighbourhood", {"entity": "PRIME-ROSE", "hops": "2"}, store).result
    assert isinstance(res.triples, N.Subgraph) and len(res.triples) > 500
    plain = Q.answer("neighbourhood", {"entity": "PRIME-ROSE", "hops": "2"}, store, published=False).result
    assert not isinstance(plain.triples, N.Subgraph)
    assert turtle(res) == turtle(plain) and list(res.triples) == plain.triples


# --- a graph made to break it ---------------------------------------------------------------------------

def iri(local: str) -> str:
    return f"<{PM}{local}>"


def typed(local: str, cls: str) -> str:
    return f"{iri(local)} {A} <{S}{cls}>"


PARTNER = "<https://w3id.org/pmkg/def#partner>"
TRICKY = [
    # a chain a - ab - c - d - e, with links written in both directions
    typed("a", "Organization"), typed("ab", "Project"), typed("c", "Organization"), typed("d", "Project"),
    typed("e", "MedicalTrial"), typed("g", "MonetaryGrant"), typed("h", "MonetaryGrant"),
    typed("f", "FundingScheme"), typed("i", "MonetaryGrant"),
    f"{iri('ab')} {PARTNER} {iri('a')}", f"{iri('c')} <{S}memberOf> {iri('ab')}",
    f"{iri('c')} {PARTNER} {iri('d')}", f"{iri('e')} <{S}isPartOf> {iri('d')}",
    # a's IRI is the start of ab's: the order of the answer is that of its N-Triples lines
    f'{iri("a")} {LABEL} "A"', f'{iri("a")} {LABEL} "A \\"quoted\\"\\nsecond line\\ttab \\u0001 Göteborg"@sv',
    f'{iri("ab")} {LABEL} "AB"', f'{iri("ab")} <{S}name> "AB name"',
    f"{iri('a')} <{S}knows> {iri('a')}",                               # a loop
    # grants: g funds ab (a link); h and i only through the mirrors, which are no links
    f"{iri('g')} <{S}fundedItem> {iri('ab')}", f"{iri('ab')} <{S}funding> {iri('g')}",
    f"{iri('d')} <{S}funding> {iri('h')}", f"{iri('i')} <http://purl.org/cerif/frapo/funds> {iri('d')}",
    f"{iri('g')} <{S}funder> {iri('f')}",
    # amounts: an IRI with statements of its own, and a literal
    f"{iri('g')} <{S}amount> {iri('g-amount')}", f'{iri("g-amount")} <{S}value> "5.0"^^<http://www.w3.org/2001/XMLSchema#decimal>',
    f'{iri("g-amount")} <{S}currency> "EUR"', f'{iri("h")} <{S}amount> "100"^^<http://www.w3.org/2001/XMLSchema#integer>',
    # what is no entity: a place with a label and a name (only its label comes with a), a person who is
    # a member of a (no link), an IRI that is the subject of nothing
    f"{iri('a')} <{S}location> {iri('place')}", f'{iri("place")} {LABEL} "Place"', f'{iri("place")} <{S}name> "P"',
    typed("p", "Person"), f"{iri('p')} <{S}memberOf> {iri('a')}", f'{iri("p")} {LABEL} "Person"',
    f"{iri('a')} <{S}url> <https://example.org/a>",
    f'{iri("e")} {LABEL} "E"', f'{iri("d")} {LABEL} "D"', f'{iri("c")} {LABEL} "C"',
]
LOCALS = ["a", "ab", "c", "d", "e", "f", "g", "h", "i", "g-amount", "place", "p", "nothing"]


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    """(a published store of TRICKY, its index) in a generation folder of their own."""
    gen = tmp_path_factory.mktemp("gen")
    nquads = "".join(f"{t} .\n" for t in TRICKY).encode()
    store = OxigraphStore.create(gen / "store", nquads, "key-1", BASE)
    N.write(gen / N.FOLDER, store, prefixes(BASE), "key-1")
    return store, gen


@pytest.mark.parametrize("n", [0, 1, 2, 3])
@pytest.mark.parametrize("local", LOCALS)
def test_a_graph_made_to_break_it_gives_the_store_s_answer(tricky, local, n):
    store, _ = tricky
    index = N.published(store, prefixes(BASE))
    assert index is not None
    mine = index.subgraph(PM + local, n)
    theirs = walked(store, ox.NamedNode(PM + local), n)
    assert turtle(walk.Result("CONSTRUCT", triples=mine)) == turtle(theirs)
    assert list(mine) == sorted(theirs.triples, key=str)


def test_what_the_graph_made_to_break_it_must_show(tricky):
    """The cases above would prove nothing if the answers were all empty, or all the same."""
    store, _ = tricky
    index = N.published(store, prefixes(BASE))
    text = {(local, n): turtle(walk.Result("CONSTRUCT", triples=index.subgraph(PM + local, n)))
            for local in LOCALS for n in range(4)}
    assert text[("a", 3)] != text[("a", 2)] != text[("a", 1)] != text[("a", 0)] != ""
    assert 'pm:place rdfs:label "Place"' in text[("a", 0)] and '"P"' not in text[("a", 0)]
    assert "pm:g-amount schema:currency" in text[("ab", 1)] and "\npm:h " not in text[("c", 3)]
    # d points to h by a mirror: h is named, but no link leads to it, nor to i, which funds d
    assert "schema:funding pm:h" in text[("e", 3)] and "\npm:h " not in text[("e", 3)] and "pm:i" not in text[("e", 3)]
    assert text[("p", 2)] == text[("place", 1)] == text[("nothing", 1)] == ""   # no entities
    # the decimal written 5.0 is in the store's form, as the store answers it (a decimal in two forms)
    assert 'schema:value "5"^^xsd:decimal' in text[("g", 0)] and "5.0" not in text[("g", 0)]
    assert "\\nsecond line" in text[("a", 0)] and "Göteborg" in text[("a", 0)]


def test_an_index_for_another_store_another_definition_or_other_prefixes_is_not_read(tricky, tmp_path):
    store, gen = tricky
    copy = tmp_path / "gen"
    shutil.copytree(gen, copy)
    other = OxigraphStore(store.store, copy / "store", BASE)
    assert N.published(other, prefixes(BASE)) is not None
    assert N.published(other, prefixes("https://example.org/kg/")) is None
    entry = json.loads((copy / N.FOLDER / N.INDEX).read_text())
    marker = json.loads((copy / "store" / MARKER).read_text())
    damages = [{"key": "key-2"}, {"definition": {**N.DEFINITION, "mirrors": []}}, {"format": "pmkg-neighbourhoods/0"}]
    for damage in damages:
        (copy / N.FOLDER / N.INDEX).write_text(json.dumps({**entry, **damage}))
        assert N.published(other, prefixes(BASE)) is None, damage
    (copy / N.FOLDER / N.INDEX).write_text(json.dumps(entry))
    (copy / "store" / MARKER).write_text(json.dumps({**marker, "key": "rebuilt"}))
    assert N.published(other, prefixes(BASE)) is None
    res = walk.neighbourhood(other, {"entity": ox.NamedNode(PM + "a"), "hops": hops(1)})
    assert not isinstance(res.triples, N.Subgraph) and len(res.triples) > 5


def test_the_command_writes_the_index_s_turtle_and_pages_it_as_triples(store):
    args = [sys.executable, "-m", "kg", "query", "neighbourhood", "-p", "entity=PRIME-ROSE", "-p", "hops=2"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    plain = Q.answer("neighbourhood", {"entity": "PRIME-ROSE", "hops": "2"}, store.detached())
    assert out.stdout == turtle(plain.result)
    page = subprocess.run(args + ["--limit", "7", "--offset", "3"], capture_output=True, text=True, timeout=120)
    assert page.returncode == 0, page.stderr
    assert [q.triple for q in ox.parse(page.stdout.encode(), format=ox.RdfFormat.TURTLE)] == plain.result.triples[3:10]
    js = subprocess.run(args + ["-f", "json"], capture_output=True, text=True, timeout=120)
    assert js.returncode == 0, js.stderr
    assert sorted(map(str, ox.parse(js.stdout.encode(), format=ox.RdfFormat.JSON_LD))) == \
        sorted(map(str, plain.result.triples))


def test_a_page_of_the_triples_is_the_page_of_the_whole(tricky):
    """A slice reads the text only as far as the page; it is the same page as the whole answer's."""
    store, _ = tricky
    index = N.published(store, prefixes(BASE))
    whole = list(index.subgraph(PM + "a", 3))
    assert len(whole) > 20
    for k in (slice(0, 5), slice(3, 10), slice(None, 4), slice(18, 1000), slice(40, 45), slice(-5, None),
              slice(0, 10, 2), slice(5, 2)):
        assert index.subgraph(PM + "a", 3)[k] == whole[k], k
    assert index.subgraph(PM + "a", 3)[-1] == whole[-1] and index.subgraph(PM + "nothing", 3)[0:5] == []


def test_the_endpoint_s_worker_reads_the_index_of_the_store_it_serves(store, monkeypatch):
    """`pmkg serve` answers neighbourhood in a worker that holds the store's folder: the same page of
    triples from the index as from the search over the store, which it falls back to without one."""
    from kg import serve_named

    calls: list = []
    real = N.Index.subgraph
    monkeypatch.setattr(N.Index, "subgraph", lambda self, *a: calls.append(a) or real(self, *a))
    q = Q.get("neighbourhood")
    params = {"entity": "PRIME-ROSE", "hops": "2"}
    req = {"algorithm": {"name": q.name, "text": q.text}, "params": params, "base": BASE, "format": ["nt"],
           "limit": 50, "offset": 10, "store": str(store.path)}
    plain = Q.answer("neighbourhood", params, store, published=False).result
    want = [f"{t} ." for t in plain.triples[10:60]]
    kind, _, body, more = serve_named.execute_algorithm(store.store, req, prefixes(BASE))
    assert kind == "CONSTRUCT" and more and len(calls) == 1
    assert body.decode("utf-8").splitlines() == want
    del req["store"]
    kind, _, body, more = serve_named.execute_algorithm(store.store, req, prefixes(BASE))
    assert body.decode("utf-8").splitlines() == want and len(calls) == 1


def test_a_blank_node_is_written_as_the_store_writes_it(tmp_path):
    """pmkg writes no blank node, but a store may hold one: its label is the store's in both answers,
    and its statements are no entity's (kg.walk looks up IRIs only)."""
    nquads = (f"{typed('a', 'Organization')} .\n{iri('a')} <{S}address> _:x .\n"
              f'_:x <{S}streetAddress> "Main street 1" .\n{typed("b", "Project")} .\n'
              f"{iri('b')} {PARTNER} {iri('a')} .\n").encode()
    store = OxigraphStore.create(tmp_path / "store", nquads, "key-b", BASE)
    assert N.write(tmp_path / N.FOLDER, store, prefixes(BASE), "key-b") is not None
    index = N.published(store, prefixes(BASE))
    for local, n in (("a", 0), ("a", 1), ("b", 2)):
        mine = index.subgraph(PM + local, n)
        theirs = walked(store, ox.NamedNode(PM + local), n)
        assert turtle(walk.Result("CONSTRUCT", triples=mine)) == turtle(theirs)
        assert "schema:address _:" in turtle(theirs) and "Main street" not in turtle(theirs)
