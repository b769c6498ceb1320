"""Regressions of issue 15 against real `pmkg serve` / kg.serve servers on 127.0.0.1: each test is named
after the failure it reproduced (D1-D9 the endpoint, C4 FROM, C5 credentials on redirects).

Most start the endpoint in this process (kg.serve.Endpoint behind kg.serve.make_server, the same objects
`pmkg serve` runs) so that each can have its own limits; the option checks run the real command."""
from __future__ import annotations

import contextlib
import http.client as httpclient
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import ROOT

from kg.network import as_store as MemoryStore  # a store over an rdflib Dataset

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SE_ORGS = "SELECT ?org ?name WHERE { ?org a schema:Organization ; schema:name ?name ; schema:addressCountry \"SE\" }"
ONTOLOGY_GRAPH = "https://w3id.org/pmkg/graph/ontology"


@pytest.fixture(scope="module")
def nquads(assembly, tmp_path_factory):
    """The shipped graph as the N-Quads file `pmkg serve` hands its workers (the union as default graph)."""
    path = tmp_path_factory.mktemp("serve") / "pmkg.nq"
    path.write_bytes(assembly.nquads(names=True, default=True))
    return ("nquads", str(path))


def graph_of(result):
    """A CONSTRUCT result as an rdflib Graph."""
    from rdflib import Graph

    return Graph().parse(data="".join(f"{t} .\n" for t in result.triples), format="nt")


@contextlib.contextmanager
def endpoint(source, host="127.0.0.1", **limits):
    """A kg.serve endpoint with these ServeConfig limits, listening on a free port; yields its base URL."""
    from kg.iris import default_base
    from kg.namespaces import prefixes
    from kg.serve import Endpoint, ServeConfig, allowed_hosts, make_server

    limits.setdefault("allow_hosts", allowed_hosts(host, limits.pop("allow_host", ())))
    app = Endpoint(source, ServeConfig(**limits), prefixes(default_base()))
    httpd = make_server(app, host, 0, quiet=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    shown = f"[{host}]" if ":" in host else host
    try:
        yield f"http://{shown}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        app.close()


def http(url: str, *, method="GET", data: bytes | None = None, headers=None, timeout=60):
    """(status, headers, body) of one request, whatever the status."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def post(base, query, accept=None, timeout=60):
    return http(f"{base}/sparql", method="POST", data=urllib.parse.urlencode({"query": query}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", **({"Accept": accept} if accept else {})},
                timeout=timeout)


def get(base, query, accept=None, **params):
    qs = urllib.parse.urlencode({"query": query, **params}, doseq=True)
    return http(f"{base}/sparql?{qs}", headers={"Accept": accept} if accept else {})


def count(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def raw(base: str, payload: bytes, timeout: float = 15.0, then_read: bool = True) -> bytes:
    """Send ``payload`` on a fresh TCP connection and read until the server closes it (or ``timeout``)."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(payload)
        out = b""
        while then_read:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


@pytest.fixture(scope="module")
def server(nquads):
    """Default limits, two workers."""
    with endpoint(nquads, workers=2, timeout=20, max_rows=100) as base:
        yield base


# --- D1 --------------------------------------------------------------------------------------------

def test_D1_a_slow_parse_is_bounded_by_the_timeout_and_blocks_no_one(nquads):
    """A 39 KiB query that takes rdflib's parser many seconds (it names SERVICE, so it is parsed for the
    check) used to be parsed under one global lock outside the timeout and block every client."""
    terms = " + ".join(["1"] * 20_000)   # the 39 KiB took rdflib 15 s; this is twice as long
    slow_parse = f"# no SERVICE here\nASK {{ FILTER({terms} = 1) }}"
    assert len(slow_parse) > 39_000
    with endpoint(nquads, workers=2, timeout=4) as base:
        answers: dict = {}

        def slow():
            answers["slow"] = post(base, slow_parse)
            answers["slow_done"] = time.monotonic()
        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.5)
        status, _, body = post(base, "ASK { ?s ?p ?o }")
        quick_done = time.monotonic()
        t.join(60)
        assert status == 200 and json.loads(body)["boolean"] is True
        assert quick_done < answers["slow_done"], "the quick query waited for the slow parse"
        assert answers["slow"][0] == 503, answers["slow"]   # stopped by the timeout (or the memory cap)


# --- D2 --------------------------------------------------------------------------------------------

def test_D2_a_query_past_the_memory_cap_is_answered_503_and_the_worker_replaced(nquads, assembly):
    with endpoint(nquads, timeout=120, memory_mb=200) as base:
        status, _, body = post(base, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f")
        assert status == 503 and b"memory" in body and b"200 MiB" in body, body
        status, _, body = post(base, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert status == 200 and count(body) == len(assembly.quads)


# --- D3 --------------------------------------------------------------------------------------------

def test_D3_negative_content_length_is_refused(server):
    q = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    host = urllib.parse.urlsplit(server).netloc
    answer = raw(server, b"POST /sparql HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: -1\r\n\r\n" + q)
    assert answer.startswith(b"HTTP/1.0 400") and b"Content-Length" in answer


def test_D3_chunked_bodies_are_counted_against_the_body_cap(server):
    host = urllib.parse.urlsplit(server).netloc.encode()
    head = (b"POST /sparql HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    # a small chunked query is read and answered
    q = b"ASK { ?s ?p ?o }"
    answer = raw(server, head + b"%x\r\n" % len(q) + q + b"\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 200") and b'"boolean":true' in answer
    # one chunk announced larger than the cap: refused before its data is read
    assert raw(server, head + b"200000\r\n").startswith(b"HTTP/1.0 413")
    # many small chunks adding up past the cap: refused when the count would pass it (1 MiB read, then
    # the size of one chunk more)
    piece = b"#" * 1024
    body = b"".join(b"400\r\n" + piece + b"\r\n" for _ in range(1024)) + b"400\r\n"
    assert raw(server, head + body).startswith(b"HTTP/1.0 413")


# --- D4 --------------------------------------------------------------------------------------------

def test_D4_time_queued_for_a_worker_counts_against_the_timeout(nquads):
    """`ASK {}` used to wait behind every slow query before it (19.9 s behind 4), past its own timeout."""
    timeout = 2.0
    with endpoint(nquads, workers=1, timeout=timeout, queue=8) as base:
        slow = [threading.Thread(target=post, args=(base, SLOW)) for _ in range(4)]
        for t in slow:
            t.start()
            time.sleep(0.05)
        t0 = time.monotonic()
        status, headers, body = post(base, "ASK {}")
        took = time.monotonic() - t0
        for t in slow:
            t.join(60)
        assert took < timeout + 3, f"answered after {took:.1f} s, past the {timeout:g} s timeout"
        assert status == 503 and headers["Retry-After"] and b"busy" in body


def test_D4_the_queue_is_bounded_and_answers_503_with_retry_after(nquads):
    with endpoint(nquads, workers=1, timeout=4, queue=1) as base:
        running = threading.Thread(target=post, args=(base, SLOW))
        waiting = threading.Thread(target=post, args=(base, SLOW))
        running.start()
        time.sleep(0.4)
        waiting.start()
        time.sleep(0.4)
        status, headers, body = post(base, "ASK {}")
        assert status == 503 and int(headers["Retry-After"]) >= 1 and b"already waiting" in body
        running.join(60)
        waiting.join(60)
        deadline = time.monotonic() + 60   # the killed worker is replaced: the endpoint answers again
        while time.monotonic() < deadline:
            status, _, body = post(base, "ASK {}")
            if status == 200:
                break
            time.sleep(0.3)
        assert status == 200 and json.loads(body)["boolean"] is True


# --- D5 --------------------------------------------------------------------------------------------

def test_D5_idle_connections_are_capped_and_closed(nquads):
    with endpoint(nquads, max_connections=4, idle_timeout=1.0) as base:
        u = urllib.parse.urlsplit(base)
        idle = [socket.create_connection((u.hostname, u.port), timeout=15) for _ in range(4)]
        try:
            time.sleep(0.3)
            threads_with_idle = threading.active_count()
            extra = raw(base, b"", timeout=15)   # a fifth connection, over the cap
            assert extra.startswith(b"HTTP/1.1 503") and b"Retry-After" in extra
            more = [socket.create_connection((u.hostname, u.port), timeout=15) for _ in range(20)]
            time.sleep(0.3)
            assert threading.active_count() <= threads_with_idle, "connections over the cap got threads"
            for s in more:
                s.close()
            for s in idle:   # the server closes a connection that stays silent past the idle timeout
                assert s.recv(100) == b""
        finally:
            for s in idle:
                s.close()
        assert get(base, "ASK {}")[0] == 200


def test_D5_an_HTTP_0_9_request_is_answered_and_closed(server):
    answer = raw(server, b"GET /\r\n", timeout=10)
    assert b"400" in answer.split(b"\r\n")[0] and b"HTTP/0.9" in answer


# --- D6 --------------------------------------------------------------------------------------------

def _with_host(base: str, host: str) -> tuple[int, bytes]:
    u = urllib.parse.urlsplit(base)
    conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.putrequest("GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}), skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_D6_only_the_bound_host_names_are_answered(nquads):
    with endpoint(nquads, allow_host=["pmkg.example.org"]) as base:
        port = urllib.parse.urlsplit(base).port
        for ok in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", "pmkg.example.org", f"[::1]:{port}"):
            assert _with_host(base, ok)[0] == 200, ok
        status, body = _with_host(base, f"rebind.attacker.example:{port}")   # DNS rebinding
        assert status == 403 and b"--allow-host" in body
        for bad in ('evil"example', "a b", "x:y:z", "<script>"):
            assert _with_host(base, bad)[0] == 400, bad
    with endpoint(nquads, allow_host=["*"]) as base:
        assert _with_host(base, "anything.example")[0] == 200


def test_D6_a_host_with_a_quote_is_400_not_500(server):
    status, body = _with_host(server, 'localhost"><script>')
    assert status == 400 and b"Host" in body


# --- D7 --------------------------------------------------------------------------------------------

HOSPITALS = "CONSTRUCT { ?o schema:name ?n } WHERE { ?o a schema:Hospital ; schema:name ?n }"


def test_D7_the_format_names_clients_send_for_graphs_are_accepted(server, dataset):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from kg.namespaces import sparql_prolog

    expected = graph_of(MemoryStore(dataset).query(sparql_prolog("https://w3id.org/pmkg/") + HOSPITALS))
    assert len(expected) > 0
    for fmt, media, parse_as in (("xml", "application/rdf+xml", "xml"), ("rdf+xml", "application/rdf+xml", "xml"),
                                 ("n3", "text/turtle", "turtle"), ("turtle", "text/turtle", "turtle"),
                                 ("json-ld", "application/ld+json", "json-ld"), ("nt", "application/n-triples", "nt")):
        status, headers, body = get(server, HOSPITALS, format=fmt)
        assert status == 200 and headers.get_content_type() == media, (fmt, body[:200])
        assert isomorphic(Graph().parse(data=body, format=parse_as), expected), fmt
    # SPARQLWrapper repeats the value as a media type: format=json-ld&format=application/ld+json
    status, headers, _ = get(server, HOSPITALS, format=["json-ld", "application/ld+json"])
    assert status == 200 and headers.get_content_type() == "application/ld+json"
    assert get(server, HOSPITALS, format="csv")[0] == 406


def test_D7_SPARQLWrapper_defaults_work_for_every_query_form(server, dataset):
    SPARQLWrapper = pytest.importorskip("SPARQLWrapper")
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from kg.namespaces import sparql_prolog

    prolog = sparql_prolog("https://w3id.org/pmkg/")
    expected = graph_of(MemoryStore(dataset).query(prolog + HOSPITALS))
    for query_type in ("CONSTRUCT", "DESCRIBE"):
        text = prolog + (HOSPITALS if query_type == "CONSTRUCT" else "DESCRIBE pm:gms")
        for fmt in (None, SPARQLWrapper.XML, SPARQLWrapper.RDFXML, SPARQLWrapper.TURTLE, SPARQLWrapper.N3,
                    SPARQLWrapper.JSONLD):
            sw = SPARQLWrapper.SPARQLWrapper(server + "/sparql")
            sw.setQuery(text)
            if fmt:
                sw.setReturnFormat(fmt)
            res = sw.queryAndConvert()
            g = res if isinstance(res, Graph) else Graph().parse(data=res, format="turtle")
            assert len(g) > 0, (query_type, fmt)
            if query_type == "CONSTRUCT":
                assert isomorphic(g, expected), fmt
    sw = SPARQLWrapper.SPARQLWrapper(server + "/sparql")   # and the default SELECT (XML) still works
    sw.setQuery(prolog + SE_ORGS)
    rows = sw.queryAndConvert().getElementsByTagName("result")
    assert len(rows) == len(MemoryStore(dataset).query(prolog + SE_ORGS).rows) > 5


# --- D8 --------------------------------------------------------------------------------------------

def test_D8_a_query_of_100_triple_patterns_and_40_nested_parentheses_is_answered(server):
    patterns = " . ".join(f"pm:gms schema:name ?n{i}" for i in range(100))
    nested = "(" * 40 + "?n0 = ?n99" + ")" * 40
    for q in (f"SELECT ?n0 WHERE {{ {patterns} FILTER({nested}) }}",
              # the same with the word SERVICE in it: it goes through the parse-tree check too
              f"SELECT ?n0 WHERE {{ {patterns} FILTER({nested} && ?n0 != \"SERVICE\") }}"):
        status, _, body = post(server, q)
        assert status == 200, body[:300]
        assert [b["n0"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["Genomic Medicine Sweden"]


# --- D9 --------------------------------------------------------------------------------------------

def run_cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=timeout)


@pytest.mark.parametrize("args", [("--port", "99999"), ("--port", "-1"), ("--timeout", "nan"), ("--timeout", "inf"),
                                  ("--timeout", "-5"), ("--timeout", "0"), ("--max-rows", "0"), ("--memory", "x"),
                                  ("--allow-host", 'a"b')])
def test_D9_bad_serve_options_are_clean_usage_errors(args):
    out = run_cli("serve", *args)
    assert out.returncode == 2, (args, out.stderr)
    assert "Traceback" not in out.stderr and out.stderr.strip(), args
    assert args[0] in out.stderr


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_D9_serve_listens_on_the_IPv6_loopback():
    if not _ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback (::1) to listen on")
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--host", "::1", "--port", str(port), "--quiet"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline().decode()
        assert f"http://[::1]:{port}/sparql" in line, (line, proc.stderr.read().decode() if proc.poll() else "")
        status, _, body = get(f"http://[::1]:{port}", "ASK { ?s ?p ?o }")
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        from conftest import stop_process

        stop_process(proc)


# --- C4 --------------------------------------------------------------------------------------------

def test_C4_FROM_and_the_protocol_dataset_are_honoured(server, dataset):
    from rdflib import URIRef

    ontology = len(dataset.graph(URIRef(ONTOLOGY_GRAPH)))
    everything = len({(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))})
    assert 0 < ontology < everything
    n = "SELECT (COUNT(*) AS ?n) "
    assert count(post(server, n + f"FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}")[2]) == ontology
    assert count(get(server, n + "WHERE { ?s ?p ?o }", **{"default-graph-uri": ONTOLOGY_GRAPH})[2]) == ontology
    # the protocol's dataset replaces the query's own
    assert count(get(server, n + "FROM <https://w3id.org/pmkg/graph/nothing> WHERE { ?s ?p ?o }",
                     **{"default-graph-uri": ONTOLOGY_GRAPH})[2]) == ontology
    # FROM NAMED: only that graph is visible to GRAPH, and the default graph is empty
    assert count(post(server, n + f"FROM NAMED <{ONTOLOGY_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")[2]) == ontology
    assert count(post(server, n + f"FROM NAMED <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}")[2]) == 0
    assert count(get(server, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                     **{"named-graph-uri": ONTOLOGY_GRAPH})[2]) == 1
    # without a dataset the default graph stays the union, whatever words the query holds
    assert count(post(server, n + "WHERE { ?s ?p ?o }")[2]) == everything
    assert count(post(server, n + "WHERE { ?s ?p ?from FILTER(?from != \"FROM <x>\") } # FROM <y>")[2]) == everything


# --- C5 --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _http_server(handler_factory):
    from http.server import ThreadingHTTPServer

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_factory)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_C5_credentials_are_never_forwarded_to_another_origin_on_a_redirect():
    from http.server import BaseHTTPRequestHandler

    from kg.store import EndpointStore

    seen: list[tuple[int, str, str | None]] = []
    empty = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": []}}).encode()

    def handler(redirect_to):
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                seen.append((self.server.server_address[1], self.path, self.headers.get("Authorization")))
                target = redirect_to(self.path)
                if target:
                    self.send_response(int(self.path.rsplit("/", 1)[-1]) if self.path[-3:].isdigit() else 302)
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(empty)))
                self.end_headers()
                self.wfile.write(empty)
            do_GET = do_POST = answer
        return H

    with _http_server(handler(lambda path: None)) as other:
        other_url = f"http://127.0.0.1:{other.server_address[1]}"

        def redirect(path):
            if path.startswith("/cross/"):
                return other_url + "/sparql"
            if path.startswith("/same/"):
                return "/sparql"
            return None
        with _http_server(handler(redirect)) as first:
            port = first.server_address[1]
            for kind in ("cross", "same"):
                for code in ("301", "302", "303"):
                    seen.clear()
                    EndpointStore(f"http://127.0.0.1:{port}/{kind}/{code}", auth="alice:secret").query("ASK {}")
                    assert seen[0][0] == port and seen[0][2] and seen[0][2].startswith("Basic "), seen
                    target = seen[-1]
                    if kind == "cross":
                        assert target[0] == other.server_address[1] and target[2] is None, (code, seen)
                    else:
                        assert target[0] == port and target[2] == seen[0][2], (code, seen)
