"""pmkg push: the graph goes into a real triplestore (an Oxigraph server) through the SPARQL 1.1 Graph
Store HTTP Protocol, one named graph per source; pushing again duplicates nothing; credentials are
never shown."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest
from conftest import ROOT, free_port

from kg.store import EndpointStore, StoreError


def count(url: str, graph: str | None = None) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {'<' + graph + '>' if graph else '?g'} {{ ?s ?p ?o }} }}"
    return int(EndpointStore(url + "/query").query(q).rows[0][0].value)


def graphs(url: str) -> dict[str, int]:
    res = EndpointStore(url + "/query").query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {g.value: int(n.value) for g, n in res.rows}


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=300)


def default_count(url: str) -> int:
    return int(EndpointStore(url + "/query").query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value)


def test_push_twice_keeps_every_source_graph_and_duplicates_nothing(oxigraph_server, assembly):
    first = run_cli("push", "--endpoint", oxigraph_server + "/store")
    assert first.returncode == 0, first.stderr
    expected = {g[1:-1]: len(t) for g, t in assembly.quads.graphs.items()}
    assert graphs(oxigraph_server) == expected
    assert any("/graph/" in g and not g.endswith(("/ontology", "/description", "/names")) for g in expected)
    assert count(oxigraph_server) == sum(expected.values())
    # the default graph holds the union, each triple once (the names index left out)
    union = len(assembly.union())
    assert default_count(oxigraph_server) == union
    assert f"Pushed {sum(expected.values()) + union} triples in {len(expected) + 1} graph(s)" in first.stdout
    second = run_cli("push", "--endpoint", oxigraph_server + "/store")
    assert second.returncode == 0, second.stderr
    assert count(oxigraph_server) == sum(expected.values()) and default_count(oxigraph_server) == union
    assert graphs(oxigraph_server) == expected


def test_push_into_one_graph(oxigraph_server, oxigraph, assembly):
    from kg.push import push

    target = "https://example.org/pmkg-all"
    union = len(assembly.union())
    try:
        report = push(oxigraph, oxigraph_server + "/store", graph=target)
        assert report.graphs == [(target, union)]
        assert count(oxigraph_server, target) == union
        push(oxigraph, oxigraph_server + "/store", graph=target)
        assert count(oxigraph_server, target) == union
    finally:  # leave the session's server as the other tests expect it
        req = urllib.request.Request(f"{oxigraph_server}/store?graph={target}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()
    with pytest.raises(ValueError, match="absolute IRI"):
        push(oxigraph, oxigraph_server + "/store", graph="not an iri")


def test_credentials_are_never_printed(oxigraph_server):
    port = oxigraph_server.rsplit(":", 1)[1]
    ok = run_cli("push", "--endpoint", f"http://alice:s3cret@127.0.0.1:{port}/store",
                 env={"PMKG_ENDPOINT_AUTH": "bob:hunter2"})
    assert ok.returncode == 0, ok.stderr
    dead = run_cli("push", "--endpoint", f"http://127.0.0.1:{free_port()}/store", "--auth", "carol:pa55word")
    assert dead.returncode == 2 and "cannot reach the Graph Store endpoint" in dead.stderr
    for out in (ok, dead):
        text = out.stdout + out.stderr
        assert not any(secret in text for secret in ("s3cret", "hunter2", "pa55word", "alice"))
        assert "Traceback" not in text


def test_a_failing_graph_store_stops_the_push_with_a_clear_error(oxigraph_server, oxigraph):
    from kg.push import push

    # the query endpoint is not a Graph Store: a PUT there is refused
    with pytest.raises(StoreError, match=r"Graph Store endpoint .* answered HTTP 4\d\d"):
        push(oxigraph, oxigraph_server + "/query")


def test_prune_removes_the_graphs_of_sources_that_no_longer_exist(oxigraph_server, oxigraph, published):
    """A graph under the project's graph/ namespace that this push does not send (a source or an import
    since removed) is deleted and named; a graph outside that namespace is someone else's and stays."""
    from kg.push import push

    g = "https://w3id.org/pmkg/graph/"
    stale, other = g + "import-since-removed", "https://example.org/someone-elses"
    for target in (stale, other):
        push(oxigraph, oxigraph_server + "/store", graph=target)
    try:
        out = run_cli("push", "--endpoint", oxigraph_server + "/store", "--prune",
                      "--query-endpoint", oxigraph_server + "/query")
        assert out.returncode == 0, out.stderr
        assert f"Pruned 1 graph(s) of sources or imports that no longer exist:\n  {stale}" in out.stdout
        left = graphs(oxigraph_server)
        assert stale not in left and other in left and g + "names" in left
        again = run_cli("push", "--endpoint", oxigraph_server + "/store", "--prune",
                        "--query-endpoint", oxigraph_server + "/query")
        assert again.returncode == 0 and "Pruned" not in again.stdout
    finally:
        req = urllib.request.Request(f"{oxigraph_server}/store?graph={other}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()


def test_prune_needs_the_query_endpoint(oxigraph_server):
    out = run_cli("push", "--endpoint", oxigraph_server + "/store", "--prune")
    assert out.returncode == 2 and "--prune needs --query-endpoint" in out.stderr and "Traceback" not in out.stderr


class _Recorder:
    """A tiny Graph Store on 127.0.0.1 that records the Authorization header of each request and, when
    ``password`` is set, asks for HTTP Basic (401 with a challenge) until it gets it."""

    def __init__(self, password: str | None) -> None:
        import base64
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        seen = self.seen = []
        good = "Basic " + base64.b64encode(f"alice:{password}".encode()).decode() if password else None

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                auth = self.headers.get("Authorization")
                seen.append((self.command, auth))
                if good and auth != good:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                else:
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_HEAD = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/store"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_basic_is_answered_when_asked_and_a_password_is_never_sent_unasked(oxigraph):
    from kg.push import push

    asks = _Recorder("s3cret")
    free = _Recorder(None)
    try:
        report = push(oxigraph, asks.url, auth="alice:s3cret")
        assert len(report.graphs) > 10
        puts = [auth for method, auth in asks.seen if method == "PUT"]
        assert len(puts) == len(report.graphs) and all(a and a.startswith("Basic ") for a in puts)
        assert [m for m, a in asks.seen if a is None] == ["HEAD"]   # one probe, then every PUT answered up front
        push(oxigraph, free.url, auth="alice:s3cret")
        assert free.seen and all(a is None for _, a in free.seen)
        with pytest.raises(StoreError, match="answered HTTP 401"):
            push(oxigraph, asks.url, auth="alice:wrong")
    finally:
        asks.close()
        free.close()
