"""The query page of `pmkg serve` (issue 13, item 2) in real headless Chromium against a real kg.serve server
on 127.0.0.1: the named-query catalogue with its parameter forms (bound server-side as `pmkg query` binds
them), the automatic prefixes, highlighting, errors reduced to line, column and token, results as linked
CURIEs, the /entity page, paging and downloads. Every request that leaves the server is blocked and
recorded, and every console error counted. Hostile strings from the data stay text.

Skips (naming the Debian package 'chromium') when Chromium is missing; under CI=true that is a failure.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import HOSTILE, BrowserVisit

from kg.network import as_store as MemoryStore  # a store over an rdflib Dataset

BASE = "https://w3id.org/pmkg/"


def graph_of(result):
    """A CONSTRUCT result as an rdflib Graph."""
    from rdflib import Graph

    return Graph().parse(data="".join(f"{t} .\n" for t in result.triples), format="nt")


@contextlib.contextmanager
def endpoint(dataset, tmp_path, **limits):
    """A kg.serve endpoint over ``dataset`` on a free 127.0.0.1 port; yields its base URL."""
    from kg.iris import default_base
    from kg.memstore import MemoryStore as Rdflib
    from kg.namespaces import prefixes
    from kg.serve import Endpoint, ServeConfig, make_server

    path = tmp_path / "pmkg.nq"   # the named graphs, and their union as default graph (kg.store)
    named = Rdflib(dataset).nquads(names=True)
    path.write_bytes(named + "".join(sorted({line.rsplit(" <", 1)[0] + " .\n" for line in
                                             named.decode("utf-8").splitlines()})).encode("utf-8"))
    app = Endpoint(("nquads", str(path)), ServeConfig(**limits), prefixes(default_base()))
    httpd = make_server(app, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        app.close()


@pytest.fixture(scope="module")
def server(dataset, tmp_path_factory):
    with endpoint(dataset, tmp_path_factory.mktemp("page"), timeout=30, max_rows=500) as base:
        yield base


class Visit(BrowserVisit):
    """The query page opened in Chromium: what left the server, what went wrong in the console."""

    def __init__(self, browser, base: str, path: str = "/") -> None:
        self.base = base
        super().__init__(browser, base + path, base + "/")
        if path == "/":
            self.page.wait_for_selector("#catalogue button", timeout=30_000)

    def choose(self, name: str) -> None:
        self.page.click(f"#catalogue button[data-name={name}]")

    def run(self) -> None:
        self.page.click("#run")
        self.page.wait_for_function("() => !document.getElementById('status').textContent.startsWith('running')"
                                    " && document.getElementById('status').textContent !== ''", timeout=30_000)

    def clean(self, answered_400: bool = False) -> None:
        """Nothing left the server, nothing failed; ``answered_400``: the test asked for 400 answers, which
        Chromium logs as failed loads (and only those may be in the console)."""
        assert self.outside == [], self.outside
        errors = [e for e in self.console_errors
                  if not (answered_400 and "the server responded with a status of 400" in e)]
        assert errors == [], errors
        assert self.dialogs == [], self.dialogs


def column(page, name: str) -> list:
    """The cells of a result column: (text, href) pairs."""
    heads = page.locator("#out table th").all_inner_texts()
    i = heads.index(name) + 1
    return page.eval_on_selector_all(f"#out table tbody tr td:nth-child({i})",
                                     "tds => tds.map(td => [td.textContent, td.querySelector('a') ? "
                                     "td.querySelector('a').getAttribute('href') : null])")


def test_runs_a_named_query_with_a_parameter_and_shows_linked_curies(browser, server, dataset):
    from kg.query import run

    expected = run("consortium", {"project": "ECHoS"}, MemoryStore(dataset))
    members = {r[expected.vars.index("member")].value for r in expected.rows}
    assert len(members) > 3
    v = Visit(browser, server)
    try:
        names = v.page.eval_on_selector_all("#catalogue button", "bs => bs.map(b => b.dataset.name)")
        assert "consortium" in names and not any(n.startswith("_") for n in names)
        v.choose("consortium")
        assert v.page.input_value("#query").startswith("# title: Consortium")
        assert v.page.input_value("#param-project") == "PRIME-ROSE"   # the default, from the header
        v.page.fill("#param-project", "echos")                          # any case, as on the command line
        v.run()
        heads = v.page.locator("#out table th").all_inner_texts()
        assert "member" in heads and "project" not in heads             # the bound parameter's column is left out
        cells = column(v.page, "member")
        assert {href for _, href in cells} == {"entity?iri=" + urllib.parse.quote(m, safe="") for m in members}
        assert all(text == "pm:" + href.rsplit("%2F", 1)[-1] for text, href in cells)
        assert f"{len(members)} rows" in v.page.inner_text("#status")
        # a CURIE opens the entity page: its statements with the source each was read from
        v.page.click("#out table tbody tr:first-child td:first-child a")
        v.page.wait_for_selector("#entity-title")
        iri = v.page.inner_text("#entity-iri")
        assert iri in members
        name = next(r[expected.vars.index("name")].value for r in expected.rows
                    if r[expected.vars.index("member")].value == iri)
        assert v.page.inner_text("#entity-title") == name
        sources = v.page.locator("table.out tbody tr td:nth-child(3)").all_inner_texts()
        assert sources and all(s.strip() for s in sources)
        v.clean()
    finally:
        v.close()


def test_parameters_are_bound_on_the_server_as_the_cli_binds_them(server, dataset):
    from kg.query import run

    def api(body):
        req = urllib.request.Request(server + "/api/run", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    from kg.query import get

    text = get("connection").text
    status, headers, body = api({"query": text, "params": {"from": "GMS", "to": "Oslo University Hospital"},
                                 "format": "csv"})
    assert status == 200 and headers["Content-Disposition"] == 'attachment; filename="query.csv"'
    expected = run("connection", {"from": "GMS", "to": "Oslo University Hospital"}, MemoryStore(dataset))
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert {r["path"] for r in rows} == {r[expected.vars.index("path")].value for r in expected.rows}
    # a value is a term, never query text: a quote and a brace stay inside one literal
    text = "# param: name (string): a name\nSELECT ?o WHERE { ?o schema:name ?name }"
    status, _, body = api({"query": text, "params": {"name": 'SE" } UNION { ?s ?p ?o'}})
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    # a country is a code or an English name, as on the command line; anything else is refused
    text = get("country-participation").text
    status, _, body = api({"query": text, "params": {"country": "Sweden"}})
    assert status == 200 and [b["country"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["SE"]
    status, _, body = api({"query": text, "params": {"country": 'SE" } UNION { ?s ?p ?o'}})
    assert status == 400 and "unknown country" in json.loads(body)["error"]
    # out of range and unknown entities are the CLI's errors
    status, _, body = api({"query": get("neighbourhood").text, "params": {"hops": "9"}})
    assert status == 400 and "between 1 and 3" in json.loads(body)["error"]
    status, _, body = api({"query": get("consortium").text, "params": {"project": "PRIME-ROZE"}})
    assert status == 400 and "PRIME-ROSE" in json.loads(body)["error"]


def test_errors_are_reduced_to_line_column_and_token(browser, server):
    v = Visit(browser, server)
    try:
        v.page.fill("#query", "SELECT ?s WHERE {\n  ?s schema:name ?n .\n  FOO ?s ?x\n}")
        v.run()
        assert "unexpected 'FOO'" in v.page.inner_text("#out .error")
        assert v.page.inner_text("#out .error-where") == "line 3, column 3: FOO"
        assert v.page.inner_text("#highlight .c-error") == "FOO"
        # a prefix nobody declared, neither the query nor pmkg
        v.page.fill("#query", "SELECT * WHERE { ?s nope:p ?o }")
        v.run()
        assert "unknown prefix nope:" in v.page.inner_text("#out .error")
        # a bad parameter value
        v.choose("consortium")
        v.page.fill("#param-project", "No Such Project")
        v.run()
        assert "no entity has that name" in v.page.inner_text("#out .error")
        v.clean(answered_400=True)
    finally:
        v.close()


def test_the_editor_highlights_sparql_and_uses_the_cli_prefixes(browser, server, dataset):
    v = Visit(browser, server)
    try:
        v.page.fill("#query", '# orgs\nSELECT ?org WHERE { ?org a schema:Organization ; schema:name "x"@en } LIMIT 3')
        assert v.page.locator("#highlight .c-kw").all_inner_texts()[:3] == ["SELECT", "WHERE", "a"]
        assert "?org" in v.page.locator("#highlight .c-var").all_inner_texts()
        assert "schema:Organization" in v.page.locator("#highlight .c-pname").all_inner_texts()
        assert v.page.inner_text("#highlight .c-comment") == "# orgs"
        assert v.page.inner_text("#highlight .c-string") == '"x"'
        v.page.fill("#query", "SELECT (COUNT(*) AS ?n) WHERE { ?org a schema:Organization }")  # no PREFIX declared
        v.run()
        n = MemoryStore(dataset).query("PREFIX schema: <https://schema.org/> "
                                       "SELECT (COUNT(*) AS ?n) WHERE { ?org a schema:Organization }").rows[0][0]
        assert v.page.inner_text("#out table tbody td") == n.value
        v.clean()
    finally:
        v.close()


ORGS = "SELECT ?org ?name WHERE { ?org a schema:Organization ; schema:name ?name } ORDER BY ?name ?org"


def test_pages_and_downloads(browser, server, dataset, tmp_path):
    expected = [(o.value, n.value) for o, n in
                MemoryStore(dataset).query("PREFIX schema: <https://schema.org/> " + ORGS).rows]
    assert len(expected) > 20
    v = Visit(browser, server)
    try:
        v.page.fill("#query", ORGS)
        v.page.fill("#limit", "7")
        v.run()
        first = [href for _, href in column(v.page, "org")]
        assert first == ["entity?iri=" + urllib.parse.quote(o, safe="") for o, _ in expected[:7]]
        assert v.page.is_enabled("#next") and not v.page.is_enabled("#prev")
        v.page.click("#next")
        v.page.wait_for_function("() => document.getElementById('status').textContent.includes('(8-14')")
        assert [t for t, _ in column(v.page, "name")] == [n for _, n in expected[7:14]]
        assert v.page.is_enabled("#prev")
        for fmt, parse in (("csv", lambda b: [tuple(r) for r in csv.reader(io.StringIO(b.decode()))][1:]),
                           ("tsv", lambda b: [tuple(c.strip('<>"') for c in line.split("\t"))
                                              for line in b.decode().splitlines()[1:]]),
                           ("json", lambda b: [(x["org"]["value"], x["name"]["value"])
                                               for x in json.loads(b)["results"]["bindings"]])):
            with v.page.expect_download() as dl:
                v.page.click(f"#downloads button[data-format={fmt}]")
            path = tmp_path / f"result.{fmt}"
            dl.value.save_as(path)
            assert dl.value.suggested_filename == f"query.{fmt}"
            assert parse(path.read_bytes()) == expected, fmt   # the whole answer, not the page
        v.clean()
    finally:
        v.close()


def test_hostile_strings_from_the_data_stay_text(browser, hostile_dataset, tmp_path):
    with endpoint(hostile_dataset, tmp_path) as base:
        v = Visit(browser, base)
        try:
            v.page.fill("#query", 'SELECT ?org ?name WHERE { ?org schema:name ?name FILTER(CONTAINS(?name, "<img")) }')
            v.run()
            assert column(v.page, "name") == [[f"{HOSTILE} Genomic Medicine Sweden", None]]
            # a parameter value is shown back as text too
            v.choose("organisation-portfolio")
            v.page.fill("#param-organisation", HOSTILE + "x")
            v.run()
            assert HOSTILE in v.page.inner_text("#out .error")
            v.choose("organisation-portfolio")
            v.page.fill("#param-organisation", f"{HOSTILE} Genomic Medicine Sweden")   # resolves to GMS
            v.run()
            assert v.page.locator("#out table tbody tr").count() > 0, v.page.inner_text("#out")
            assert v.page.evaluate("document.querySelectorAll('img').length") == 0
            # and on the entity page, written by the server
            v.page.goto(base + "/entity?iri=" + urllib.parse.quote(BASE + "id/gms", safe=""))
            assert v.page.inner_text("#entity-title") == f"{HOSTILE} Genomic Medicine Sweden"
            assert HOSTILE in v.page.inner_text("table.out")
            assert v.page.evaluate("document.querySelectorAll('img').length") == 0
            # an IRI that is not http(s) never becomes a link
            v.page.goto(base + "/entity?iri=" + urllib.parse.quote("javascript:alert(1)", safe=""))
            assert v.page.evaluate("[...document.querySelectorAll('a')].filter(a => a.href.startsWith('javascript'))"
                                   ".length") == 0
            v.clean(answered_400=True)
        finally:
            v.close()
