"""pmkg serve over real HTTP: the SPARQL 1.1 Protocol (GET and POST), every result format parsed back,
read-only, no SERVICE, timeouts, a result cap, a service description, and the offline query page in
headless Chromium."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import ROOT, free_port, need_chromium, stop_process, wait_for_port

TIMEOUT_S, MAX_ROWS = 2, 50
SE_ORGS = """PREFIX schema: <https://schema.org/>
SELECT ?org ?name WHERE { ?org a schema:Organization ; schema:name ?name ; schema:addressCountry "SE" }"""
HOSPITALS = """PREFIX schema: <https://schema.org/>
CONSTRUCT { ?o schema:name ?n } WHERE { ?o a schema:Hospital ; schema:name ?n }"""


@pytest.fixture(scope="module")
def server(published):
    """`pmkg serve` on a free port with the shipped data; stopped after the module."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port), "--timeout", str(TIMEOUT_S),
                             "--max-rows", str(MAX_ROWS), "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, timeout=120)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop_process(proc)


def http(url: str, *, method="GET", data: bytes | None = None, headers=None):
    """(status, headers, body) of one request, whatever the status."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get(base, query, accept=None, **params):
    qs = urllib.parse.urlencode({"query": query, **params})
    return http(f"{base}/sparql?{qs}", headers={"Accept": accept} if accept else {})


def post_form(base, query, accept=None):
    return http(f"{base}/sparql", method="POST", data=urllib.parse.urlencode({"query": query}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", **({"Accept": accept} if accept else {})})


def post_query(base, query, accept=None):
    return http(f"{base}/sparql", method="POST", data=query.encode(),
                headers={"Content-Type": "application/sparql-query", **({"Accept": accept} if accept else {})})


@pytest.fixture(scope="module")
def expected(memory):
    rows = memory.query(SE_ORGS).rows
    assert len(rows) > 5, "the shipped data has Swedish organisations"
    return {(o.value, n.value) for o, n in rows}


def test_binds_this_machine_only_by_default(server):
    from kg.cli import parser

    assert parser().parse_args(["serve"]).host == "127.0.0.1"
    line = server[1].stdout.readline().decode()
    assert f"{server[0]}/sparql" in line and "read-only" in line


def test_get_and_post_give_the_same_json(server, expected):
    base = server[0]
    for status, headers, body in (get(base, SE_ORGS), post_form(base, SE_ORGS), post_query(base, SE_ORGS)):
        assert status == 200 and headers.get_content_type() == "application/sparql-results+json"
        data = json.loads(body)
        assert data["head"]["vars"] == ["org", "name"]
        assert {(b["org"]["value"], b["name"]["value"]) for b in data["results"]["bindings"]} == expected


def test_every_result_format_parses_back(server, expected):
    import pyoxigraph as ox

    base = server[0]
    for accept, fmt in (("application/sparql-results+xml", ox.QueryResultsFormat.XML),
                        ("text/tab-separated-values", ox.QueryResultsFormat.TSV)):
        status, headers, body = get(base, SE_ORGS, accept)
        assert status == 200 and headers.get_content_type() == accept
        assert {(s["org"].value, s["name"].value) for s in ox.parse_query_results(body, fmt)} == expected
    status, headers, body = post_form(base, SE_ORGS, "text/csv")
    assert status == 200 and headers.get_content_type() == "text/csv"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["org", "name"] and {tuple(r) for r in rows[1:]} == expected
    # the format parameter wins over Accept (handy in a browser)
    status, headers, _ = get(base, SE_ORGS, "text/csv", format="tsv")
    assert headers.get_content_type() == "text/tab-separated-values"
    status, headers, body = get(base, "ASK { ?s ?p ?o }", "application/sparql-results+json")
    assert json.loads(body)["boolean"] is True


def test_graph_results_in_turtle_and_ntriples(server, memory):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    expected = Graph().parse(data="".join(f"{t} .\n" for t in memory.query(HOSPITALS).triples), format="nt")
    assert len(expected) > 0
    for accept, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt"),
                        ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")):
        status, headers, body = post_query(server[0], HOSPITALS, accept)
        assert status == 200 and headers.get_content_type() == accept
        assert isomorphic(Graph().parse(data=body, format=fmt), expected), accept
    status, _, body = post_query(server[0], HOSPITALS, "text/csv")
    assert status == 406 and b"text/turtle" in body


def test_updates_are_rejected(server):
    base = server[0]
    update = "INSERT DATA { <https://example.org/a> <https://example.org/b> <https://example.org/c> }"
    answers = [
        http(f"{base}/sparql", method="POST", data=update.encode(),
             headers={"Content-Type": "application/sparql-update"}),
        http(f"{base}/sparql", method="POST", data=urllib.parse.urlencode({"update": update}).encode(),
             headers={"Content-Type": "application/x-www-form-urlencoded"}),
        post_form(base, update),
        http(f"{base}/update", method="POST", data=update.encode(),
             headers={"Content-Type": "application/sparql-update"}),
        http(f"{base}/sparql", method="PUT", data=b"", headers={"Content-Type": "text/turtle"}),
    ]
    for status, _, body in answers:
        assert 400 <= status < 500, (status, body)
    assert answers[0][0] == 403 and b"read-only" in answers[0][2]
    status, _, body = get(base, "ASK { <https://example.org/a> ?p ?o }", "application/sparql-results+json")
    assert json.loads(body)["boolean"] is False


def test_service_is_refused_and_nothing_is_fetched(server):
    import socket

    with socket.socket() as listener:  # a host the query tries to make the endpoint call
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(1)
        target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        for q in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                  f"SELECT * WHERE {{ ?x ?y ?z . OPTIONAL {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }} }}"):
            status, _, body = post_form(server[0], q)
            assert status == 403 and b"SERVICE" in body
        with pytest.raises(socket.timeout):
            listener.accept()


def test_a_slow_query_is_stopped_by_the_timeout(server, expected):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    t0 = time.monotonic()
    status, _, body = post_form(server[0], slow)
    took = time.monotonic() - t0
    assert status == 503 and b"timeout" in body
    assert TIMEOUT_S <= took < TIMEOUT_S + 30
    status, _, body = get(server[0], SE_ORGS)  # a fresh worker answers the next query
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == len(expected)


def test_a_malformed_query_is_answered_400_with_a_message(server):
    status, headers, body = post_form(server[0], "SELECT ?x\nWHERE { ?x ?y }")
    assert status == 400 and headers.get_content_type() == "text/plain"
    assert b"malformed SPARQL query" in body and b"line:2" in body
    assert get(server[0], "   ")[0] == 400


def test_a_large_result_is_capped(server, assembly):
    total = len(assembly.union())
    assert total > MAX_ROWS
    status, headers, body = get(server[0], "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200 and headers["X-PMKG-Truncated"] == "true" and headers["X-PMKG-Max-Rows"] == str(MAX_ROWS)
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS
    status, headers, body = get(server[0], "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert headers["X-PMKG-Truncated"] == "true" and len(body.splitlines()) == MAX_ROWS
    status, headers, body = get(server[0], f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}")
    assert "X-PMKG-Truncated" not in headers and len(json.loads(body)["results"]["bindings"]) == MAX_ROWS


def test_service_description(server):
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from kg.namespaces import SD

    status, headers, body = http(f"{server[0]}/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and headers.get_content_type() == "text/turtle"
    g = Graph().parse(data=body, format="turtle")
    svc = g.value(predicate=RDF.type, object=SD.Service)
    assert g.value(svc, SD.endpoint) == URIRef(f"{server[0]}/sparql")
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (svc, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON")) in g


def test_query_page_works_offline_in_chromium(server):
    chromium = need_chromium()
    from playwright.sync_api import sync_playwright

    base = server[0]
    status, headers, html = http(base + "/")
    assert status == 200 and "default-src 'none'" in headers["Content-Security-Policy"]
    assert not re.search(rb'(src|href)="(https?:)?//', html), "the page loads nothing from other hosts"
    outside = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()

            def gate(route):
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()
            page.route("**/*", gate)
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/")
            page.fill("#query", SE_ORGS)
            page.click("#run")
            page.wait_for_selector("#out table tbody tr", timeout=20_000)
            assert page.locator("#out table th").all_inner_texts() == ["org", "name"]
            assert page.locator("#out table tbody tr").count() > 5
            assert "rows" in page.inner_text("#status")
            page.fill("#query", "SELECT ?x WHERE { ?x }")
            page.click("#run")
            page.wait_for_selector("#out .error", timeout=20_000)
            assert "malformed" in page.inner_text("#out .error")
            assert errors == [] and outside == []
        finally:
            browser.close()


def test_serve_a_persistent_store(tmp_path, mini_assembly):
    """`pmkg serve --store oxigraph:DIR` loads the folder once and its workers read it."""
    from conftest import MINI, ONTOLOGY

    from kg.store import MARKER

    port, folder = free_port(), tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--data", str(MINI), "--ontology", str(ONTOLOGY),
                             "--store", f"oxigraph:{folder}", "--port", str(port), "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, timeout=120)
        status, _, body = get(f"http://127.0.0.1:{port}", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert status == 200
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == len(mini_assembly.quads)
        assert (folder / MARKER).is_file()
    finally:
        stop_process(proc)


# --- named queries by name: /named, and the page's /api/run with the name of an unedited query ---------

def named(base, name, *params, accept=None, **extra):
    qs = urllib.parse.urlencode([("name", name), *[("param", p) for p in params], *extra.items()])
    return http(f"{base}/named?{qs}", headers={"Accept": accept} if accept else {})


def _rows(body: bytes) -> list[tuple]:
    data = json.loads(body)
    names = data["head"]["vars"]
    return [tuple(b.get(v, {}).get("value") for v in names) for b in data["results"]["bindings"]]


@pytest.fixture(scope="module")
def published_store(published):
    from kg.build import published_store

    return published_store(quiet=True)


def test_named_route_gives_the_rows_of_query_answer(server, published_store):
    """connection (answered by the search of kg.walk) and a SPARQL named query: the rows, in their order,
    that kg.query.answer gives on the published store; the params resolved as `pmkg query` resolves them."""
    from kg.query import answer

    base, _ = server
    for name, params in (("connection", {"from": "GMS", "to": "ECHoS"}), ("connection", {}),
                         ("organisation-portfolio", {"organisation": "KI"})):
        want = answer(name, params, published_store).result
        assert want.rows, f"{name} {params} has rows on the shipped data"
        got = []
        for offset in range(0, len(want.rows), MAX_ROWS):   # paged past the row cap
            status, headers, body = named(base, name, *(f"{k}={v}" for k, v in params.items()),
                                          offset=str(offset), accept="application/sparql-results+json")
            assert status == 200, body
            assert (headers["X-PMKG-Algorithm"] == "connection") == (name == "connection")
            got += _rows(body)
        assert got == [tuple(None if t is None else t.value for t in row) for row in want.rows]
    # the other result formats of /sparql, here CSV
    status, headers, body = named(base, "connection", "to=ECHoS", format="csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    want = answer("connection", {"to": "ECHoS"}, published_store).result
    assert [r["path"] for r in csv.DictReader(io.StringIO(body.decode("utf-8")))] == \
        [row[want.vars.index("path")].value for row in want.rows]


def test_named_route_neighbourhood_is_the_graph_of_query_answer_and_capped(server, published_store):
    from kg.query import answer

    base, _ = server
    want = answer("neighbourhood", {"entity": "ECHoS", "hops": "1"}, published_store).result
    assert len(want.triples) > MAX_ROWS, "enough triples to meet the row cap"
    status, headers, body = named(base, "neighbourhood", "entity=ECHoS", "hops=1", format="nt")
    assert status == 200 and headers["X-PMKG-Algorithm"] == "neighbourhood"
    assert headers["X-PMKG-Truncated"] == "true"
    lines = body.decode("utf-8").splitlines()
    assert lines == [f"{t} ." for t in want.triples[:MAX_ROWS]]
    status, headers, body = named(base, "neighbourhood", "entity=ECHoS", "hops=1", format="nt",
                                  offset=str(len(want.triples) - 3))
    assert status == 200 and "X-PMKG-Truncated" not in headers
    assert body.decode("utf-8").splitlines() == [f"{t} ." for t in want.triples[-3:]]


def test_named_route_rejects_unknown_names_and_parameters(server):
    base, _ = server
    for args, message in ((("conection",), "did you mean connection"),
                          (("connection", "via=KI"), "has no parameter 'via'"),
                          (("connection", "to=No such organisation at all"), "no entity has that name"),
                          (("neighbourhood", "hops=9"), "between 1 and 3"),
                          (("connection", "to"), "param=KEY=VALUE"),
                          (("connection", "to=KI", "to=GMS"), "each key once")):
        status, _, body = named(base, *args)
        assert status == 400 and message in body.decode("utf-8"), (args, body)
    status, _, body = http(f"{base}/named?name=connection&query=ASK%7B%7D")
    assert status == 400 and b"unknown request parameter 'query'" in body
    status, _, body = named(base, "connection", limit="0")
    assert status == 400 and b"limit at least 1" in body


def test_named_route_is_read_only(server):
    base, _ = server
    status, headers, _ = http(f"{base}/named?name=connection", method="POST", data=b"name=connection",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 405 and headers["Allow"] == "GET"
    # an entity parameter is a name to resolve, never text pasted into the query
    status, _, body = named(base, "connection", 'to=x" } DELETE WHERE { ?s ?p ?o } #')
    assert status == 400 and b"no entity has that name" in body
    assert get(base, "ASK { ?s ?p ?o }", accept="application/sparql-results+json")[2].count(b"true") == 1


def test_page_runs_an_unedited_named_query_with_its_algorithm(server, published_store):
    """The page sends the query's text and its name: the unedited text of connection is answered by the
    search (X-PMKG-Algorithm), an edited text by its own SPARQL, with the same rows here."""
    from kg.query import answer
    from kg.query import get as named_query

    base, _ = server
    text = named_query("connection").text

    def run(body):
        return http(f"{base}/api/run", method="POST", data=json.dumps(body).encode(),
                    headers={"Content-Type": "application/json"})

    want = answer("connection", {"to": "ECHoS"}, published_store).result
    expected = [tuple(None if t is None else t.value for t in row) for row in want.rows]
    status, headers, body = run({"query": text.replace("\n", "\r\n"), "name": "connection",
                                 "params": {"to": "ECHoS"}, "format": "json"})
    assert status == 200 and headers["X-PMKG-Algorithm"] == "connection"
    assert headers["X-PMKG-Bound"] == "from,to" and _rows(body) == expected
    status, headers, body = run({"query": text + "\n# edited", "name": "connection", "params": {"to": "ECHoS"},
                                 "format": "json"})
    assert status == 200 and "X-PMKG-Algorithm" not in headers
    assert sorted(_rows(body), key=str) == sorted(expected, key=str)
    status, _, body = run({"query": text, "name": "connection", "params": {"to": "ECHoS", "via": "KI"}})
    assert status == 400 and "has no parameter 'via'" in json.loads(body)["error"]
