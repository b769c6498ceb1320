"""``pmkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the graph, with a query page.

Pieces, all maintained code: the HTTP server is the standard library's WSGI
server (threaded), queries are answered by Oxigraph (pyoxigraph) in a separate
worker process, and results are written by Oxigraph's own serialisers. What
this module adds is the policy a public-facing endpoint needs and the Oxigraph
server lacks:

* **read-only**: SPARQL Update (any form) is answered 403;
* **no federation**: a query using SERVICE is answered 403 before it runs
  (checked on rdflib's parse tree, not by a text search), so the endpoint can
  never be made to fetch other hosts;
* **timeouts**: the worker process is killed when a query runs past the
  timeout (503), which stops any query however it is evaluated, and a fresh
  worker takes its place;
* **result cap**: at most ``max_rows`` solutions or triples are returned; a cut
  answer says so in the ``X-PMKG-Truncated`` header. Oxigraph writes TSV / N-Triples
  (one solution / triple per line), so the rows are counted in the stream and the
  query stops as soon as the cap is reached; the kept lines are read back by Oxigraph
  and written in the negotiated format.

It binds 127.0.0.1 unless told otherwise.
"""
from __future__ import annotations

import gc
import io
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from .assemble import assemble
from .config import Config
from .options import DEFAULT_HOST, DEFAULT_MAX_ROWS, DEFAULT_PORT, DEFAULT_TIMEOUT
from .prefixes import prefixes
from .stores import open_store

MAX_BODY = 1 << 20  # a query is text: one MiB is plenty

#: result format key -> (media type, pyoxigraph QueryResultsFormat name)
RESULT_FORMATS = {
    "json": ("application/sparql-results+json", "JSON"),
    "xml": ("application/sparql-results+xml", "XML"),
    "csv": ("text/csv", "CSV"),
    "tsv": ("text/tab-separated-values", "TSV"),
}
#: graph format key -> (media type, pyoxigraph RdfFormat name)
GRAPH_FORMATS = {
    "turtle": ("text/turtle", "TURTLE"),
    "nt": ("application/n-triples", "N_TRIPLES"),
    "rdfxml": ("application/rdf+xml", "RDF_XML"),
    "jsonld": ("application/ld+json", "JSON_LD"),
}
_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml", "text/plain": "nt",
            "application/x-turtle": "turtle", "application/sparql-results+json": "json",
            "application/sparql-results+xml": "xml"}
_FORMAT_IRIS = {  # W3C format IRIs for the service description
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "turtle": "http://www.w3.org/ns/formats/Turtle",
    "nt": "http://www.w3.org/ns/formats/N-Triples",
    "rdfxml": "http://www.w3.org/ns/formats/RDF_XML",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
}


@dataclass
class ServeConfig:
    """How the endpoint behaves."""

    timeout: float = DEFAULT_TIMEOUT   # seconds a query may run (including writing its result)
    max_rows: int = DEFAULT_MAX_ROWS   # solutions (SELECT) or triples (CONSTRUCT/DESCRIBE) returned at most
    workers: int = 1                   # query worker processes (each holds the graph)


class HTTPProblem(Exception):
    """An answer other than 200: status code and a message for the client."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or []


# --- executing a query (in the worker process) ---------------------------------------------------

class _Full(Exception):
    pass


class _LineCappedWriter(io.RawIOBase):
    """A binary sink that keeps the first ``limit`` lines and stops the writer after that."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.buf, self.lines, self.full = limit, bytearray(), 0, False

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.buf += b
        self.lines += bytes(b).count(b"\n")
        if self.lines > self.limit:
            self.full = True
            raise _Full()
        return len(b)

    def kept(self) -> bytes:
        if not self.full:
            return bytes(self.buf)
        end = -1
        for _ in range(self.limit):
            end = self.buf.index(b"\n", end + 1)
        return bytes(self.buf[:end + 1])


def execute(store, query: str, fmt: str, max_rows: int, *, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None, prefixes: dict[str, str] | None = None) -> tuple[bytes, bool]:
    """Run ``query`` on a pyoxigraph Store and write the answer in ``fmt`` (a key of RESULT_FORMATS
    or GRAPH_FORMATS); returns (bytes, truncated). Raises SyntaxError for a malformed query and
    HTTPProblem(406) when the answer cannot be written in ``fmt``."""
    import pyoxigraph as ox

    kw: dict = {}
    if default_graphs:   # otherwise the store's default graph: the union of its named graphs (kg.store)
        kw["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    if named_graphs:
        kw["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    res = store.query(query, **kw)
    if isinstance(res, (ox.QueryBoolean, ox.QuerySolutions)):
        if fmt not in RESULT_FORMATS:
            raise HTTPProblem(406, f"a {'ASK' if isinstance(res, ox.QueryBoolean) else 'SELECT'} result cannot "
                                   f"be written as {fmt}: ask for JSON, XML, CSV or TSV")
        rf = getattr(ox.QueryResultsFormat, RESULT_FORMATS[fmt][1])
        if isinstance(res, ox.QueryBoolean):
            return res.serialize(format=rf), False
        sink = _LineCappedWriter(max_rows + 1)  # the TSV header line, then one line per solution
        try:
            res.serialize(sink, ox.QueryResultsFormat.TSV)
        except _Full:
            pass
        tsv = sink.kept()
        if fmt == "tsv":
            return tsv, sink.full
        return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=rf), sink.full
    if fmt not in GRAPH_FORMATS:
        raise HTTPProblem(406, f"a graph result cannot be written as {fmt}: ask for Turtle, N-Triples, "
                               f"RDF/XML or JSON-LD")
    sink = _LineCappedWriter(max_rows)
    try:
        res.serialize(sink, ox.RdfFormat.N_TRIPLES)
    except _Full:
        pass
    nt = sink.kept()
    rf = getattr(ox.RdfFormat, GRAPH_FORMATS[fmt][1])
    if fmt == "nt":
        return nt, sink.full
    triples = ox.parse(nt, ox.RdfFormat.N_TRIPLES)
    if rf in (ox.RdfFormat.TURTLE,):
        return ox.serialize(triples, format=rf, prefixes=prefixes or {}), sink.full
    return ox.serialize(triples, format=rf), sink.full


def _open(source: tuple[str, str]):
    import pyoxigraph as ox

    kind, path = source
    if kind == "dir":
        return ox.Store.read_only(path)
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    return store


def _worker_main(inbox, outbox, source: tuple[str, str], prefixes: dict[str, str]) -> None:
    """Worker loop: hold the store, answer requests from ``inbox`` on ``outbox`` until the pipe closes."""
    try:
        store = _open(source)
    except Exception as e:  # reported to the parent, which raises it
        outbox.send(("dead", f"cannot open the store: {e}"))
        return
    outbox.send(("ready", len(store)))
    while True:
        try:
            req = inbox.recv()
        except (EOFError, OSError):
            return
        try:
            body, truncated = execute(store, req["query"], req["format"], req["max_rows"],
                                      default_graphs=req.get("default_graphs"),
                                      named_graphs=req.get("named_graphs"), prefixes=prefixes)
            outbox.send(("ok", body, truncated))
        except HTTPProblem as e:
            outbox.send(("problem", e.status, e.message))
        except SyntaxError as e:
            outbox.send(("problem", 400, f"SPARQL syntax error: {e}"))
        except Exception as e:  # an evaluation error belongs to this query, not to the worker
            outbox.send(("problem", 400, f"query failed: {' '.join(str(e).split())}"))


def worker_process() -> None:
    """Entry point of a worker process: requests on stdin, answers on stdout (pickled, by
    multiprocessing.connection), the source to load as the first message."""
    import os
    from multiprocessing.connection import Connection

    inbox, outbox = Connection(os.dup(0), writable=False), Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # nothing else may write into the answer pipe
    sys.stdout = sys.stderr
    source, prefixes = inbox.recv()
    _worker_main(inbox, outbox, source, prefixes)


class QueryWorker:
    """One worker process holding the graph; killed and replaced when a query overruns.

    A plain subprocess (not multiprocessing's spawn, which re-runs the caller's main script)."""

    def __init__(self, source: tuple[str, str], prefixes: dict[str, str]) -> None:
        self.source, self.prefixes = source, prefixes
        self.proc = self.inbox = self.outbox = None
        self.size = 0

    def start(self) -> None:
        import os
        import subprocess
        from multiprocessing.connection import Connection

        self.proc = subprocess.Popen([sys.executable, "-c", "from kg.serve import worker_process; worker_process()"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.outbox = Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.inbox = Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.outbox.send((self.source, self.prefixes))
        try:
            msg = self.inbox.recv()
        except EOFError:
            msg = ("dead", "the query worker exited while loading the graph")
        if msg[0] != "ready":
            self.stop()
            raise RuntimeError(msg[1])
        self.size = msg[1]

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.inbox.close()
            self.outbox.close()
        self.proc = self.inbox = self.outbox = None

    def run(self, req: dict, timeout: float):
        """Send one request; return the worker's reply, or raise HTTPProblem(503) after ``timeout``."""
        if self.proc is None or self.proc.poll() is not None:
            self.stop()
            self.start()
        self.outbox.send(req)
        if self.inbox.poll(timeout):
            try:
                return self.inbox.recv()
            except EOFError:  # the worker died (e.g. out of memory)
                self.stop()
                raise HTTPProblem(500, "the query worker stopped while answering; try a smaller query") from None
        self.stop()  # the only reliable way to stop a running evaluation
        raise HTTPProblem(503, f"query stopped: it ran longer than the {timeout:g} s timeout of this endpoint")


# --- the HTTP side -------------------------------------------------------------------------------

_parse_lock = threading.Lock()  # pyparsing's packrat cache is not thread-safe


def check_query(text: str) -> str:
    """Parse ``text`` with rdflib; return its form (SELECT, CONSTRUCT, DESCRIBE, ASK).

    Raises HTTPProblem: 403 for SPARQL Update or SERVICE, 400 (with the parser's position) when malformed.
    """
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    with _parse_lock:
        try:
            tree = parseQuery(text)
        except Exception as e:
            try:
                parseUpdate(text)
            except Exception:
                raise HTTPProblem(400, f"malformed SPARQL query: {' '.join(str(e).split())}") from None
            raise HTTPProblem(403, "this endpoint is read-only: SPARQL Update is not accepted") from None
    if _uses_service(tree):
        raise HTTPProblem(403, "SERVICE (federated query) is disabled: this endpoint does not fetch other hosts")
    return tree[1].name.replace("Query", "").upper()


def _uses_service(node) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_uses_service(v) for v in node.values())
    if isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        return any(_uses_service(v) for v in node)
    return False


def negotiate(accept: str | None, kind: str, explicit: str | None = None) -> str:
    """The format key to answer a ``kind`` query with, from a ``format`` parameter or the Accept header."""
    offered = RESULT_FORMATS if kind in ("SELECT", "ASK") else GRAPH_FORMATS
    if explicit:
        key = _ALIASES.get(explicit, explicit)
        for k, (mt, _) in offered.items():
            if key in (k, mt):
                return k
        raise HTTPProblem(406, f"format {explicit!r} is not offered for {kind}: use one of {', '.join(offered)}")
    if not accept:
        return next(iter(offered))
    ranges = []
    for i, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if bits[0] and q > 0:
            ranges.append((-q, i, bits[0].lower()))
    for _, _, mr in sorted(ranges):
        key = _ALIASES.get(mr)
        if key in offered:
            return key
        for k, (mt, _) in offered.items():
            if mr == mt or mr == "*/*" or (mr.endswith("/*") and mt.startswith(mr[:-1])):
                return k
    raise HTTPProblem(406, f"none of the accepted types ({accept}) is offered for {kind}: "
                           f"{', '.join(mt for mt, _ in offered.values())}")


class Endpoint:
    """The WSGI application: the query page, the SPARQL endpoint and its service description."""

    def __init__(self, source: tuple[str, str], config: ServeConfig | None = None,
                 prefixes: dict[str, str] | None = None) -> None:
        import queue

        self.config = config or ServeConfig()
        self.prefixes = prefixes or {}
        self.pool: queue.Queue = queue.Queue()
        self.workers = [QueryWorker(source, self.prefixes) for _ in range(max(1, self.config.workers))]
        for w in self.workers:
            w.start()
            self.pool.put(w)
        self.size = self.workers[0].size
        with _parse_lock:
            from rdflib.plugins.sparql.parser import parseQuery
            parseQuery("ASK {}")  # build rdflib's grammar now, not on the first request

    def close(self) -> None:
        for w in self.workers:
            w.stop()

    # WSGI entry point
    def __call__(self, environ, start_response):
        try:
            status, headers, body = self.handle(environ)
        except HTTPProblem as e:
            status, headers, body = e.status, [("Content-Type", "text/plain; charset=utf-8"), *e.headers], \
                (e.message + "\n").encode("utf-8")
        from http import HTTPStatus

        headers = [*headers, ("Content-Length", str(len(body))), ("X-Content-Type-Options", "nosniff"),
                   ("Cache-Control", "no-store")]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def handle(self, environ) -> tuple[int, list[tuple[str, str]], bytes]:
        path = environ.get("PATH_INFO", "/") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path in ("/", "/index.html"):
            self._only(method, "GET")
            return 200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", _CSP)], \
                _page(self.prefixes).encode("utf-8")
        if path == "/pmkg-query.js":
            self._only(method, "GET")
            return 200, [("Content-Type", "text/javascript; charset=utf-8")], _SCRIPT.encode("utf-8")
        if path == "/pmkg-query.css":
            self._only(method, "GET")
            return 200, [("Content-Type", "text/css; charset=utf-8")], _STYLE.encode("utf-8")
        if path in ("/update", "/store", "/data"):
            raise HTTPProblem(403, "this endpoint is read-only: updates and Graph Store writes are not accepted")
        if path not in ("/sparql", "/query"):
            raise HTTPProblem(404, f"no such resource: {path} (the SPARQL endpoint is /sparql)")
        self._only(method, "GET", "POST")
        params, query = self._request(environ, method)
        if query is None:
            return self._service_description(environ)
        kind = check_query(query)
        fmt = negotiate(environ.get("HTTP_ACCEPT"), kind, (params.get("format") or [None])[0])
        req = {"query": query, "format": fmt, "max_rows": self.config.max_rows,
               "default_graphs": params.get("default-graph-uri"), "named_graphs": params.get("named-graph-uri")}
        worker = self.pool.get()
        try:
            reply = worker.run(req, self.config.timeout)
        finally:
            self.pool.put(worker)
        if reply[0] == "problem":
            raise HTTPProblem(reply[1], reply[2])
        _, body, truncated = reply
        mt = (RESULT_FORMATS if fmt in RESULT_FORMATS else GRAPH_FORMATS)[fmt][0]
        headers = [("Content-Type", mt + ("; charset=utf-8" if mt.startswith("text/") else "")), ("Vary", "Accept"),
                   ("X-PMKG-Max-Rows", str(self.config.max_rows))]
        if truncated:
            headers.append(("X-PMKG-Truncated", "true"))
        return 200, headers, body

    @staticmethod
    def _only(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise HTTPProblem(405, f"method {method} is not allowed here", [("Allow", ", ".join(allowed))])

    @staticmethod
    def _request(environ, method: str) -> tuple[dict, str | None]:
        """The protocol parameters and the query text, from the URL, a form, or a sparql-query body."""
        params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if method == "POST":
            ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                raise HTTPProblem(400, "bad Content-Length") from None
            if length > MAX_BODY:
                raise HTTPProblem(413, f"request body over {MAX_BODY} bytes")
            raw = environ["wsgi.input"].read(length) if length else b""
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise HTTPProblem(400, "the request body is not UTF-8") from None
            if ctype == "application/sparql-update":
                raise HTTPProblem(403, "this endpoint is read-only: SPARQL Update is not accepted")
            if ctype == "application/sparql-query":
                if "query" in params:
                    raise HTTPProblem(400, "give the query either in the body or as a parameter, not both")
                params["query"] = [text]
            elif ctype == "application/x-www-form-urlencoded":
                for k, v in parse_qs(text, keep_blank_values=True).items():
                    params.setdefault(k, []).extend(v)
            else:
                raise HTTPProblem(415, "POST a query as application/sparql-query or "
                                       "application/x-www-form-urlencoded")
        if "update" in params or "using-graph-uri" in params:
            raise HTTPProblem(403, "this endpoint is read-only: SPARQL Update is not accepted")
        queries = params.get("query", [])
        if len(queries) > 1:
            raise HTTPProblem(400, "more than one query parameter")
        if queries and not queries[0].strip():
            raise HTTPProblem(400, "empty query")
        return params, (queries[0] if queries else None)

    def _service_description(self, environ) -> tuple[int, list[tuple[str, str]], bytes]:
        """SPARQL 1.1 Service Description of this endpoint, as Turtle (or another RDF format by Accept)."""
        from wsgiref.util import application_uri

        from rdflib import BNode, Graph, Literal, URIRef
        from rdflib.namespace import DCTERMS, RDF, VOID, XSD

        from .namespaces import SD

        fmt = negotiate(environ.get("HTTP_ACCEPT"), "CONSTRUCT")
        g = Graph()
        g.bind("sd", SD)
        g.bind("void", VOID)
        g.bind("dcterms", DCTERMS)
        svc, dataset, graph = BNode("service"), BNode("dataset"), BNode("defaultGraph")
        g.add((svc, RDF.type, SD.Service))
        g.add((svc, SD.endpoint, URIRef(application_uri(environ).rstrip("/") + "/sparql")))
        g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
        g.add((svc, SD.feature, SD.UnionDefaultGraph))
        for key in (*RESULT_FORMATS, *GRAPH_FORMATS):
            g.add((svc, SD.resultFormat, URIRef(_FORMAT_IRIS[key])))
        g.add((svc, DCTERMS.description, Literal(
            f"Read-only pmkg endpoint: SPARQL Update and SERVICE are refused; queries stop after "
            f"{self.config.timeout:g} s; answers hold at most {self.config.max_rows} rows or triples "
            f"(a cut answer has the header X-PMKG-Truncated: true).", lang="en")))
        g.add((svc, SD.defaultDataset, dataset))
        g.add((dataset, RDF.type, SD.Dataset))
        g.add((dataset, SD.defaultGraph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(self.size, datatype=XSD.integer)))
        rdflib_fmt = {"turtle": "turtle", "nt": "nt", "rdfxml": "xml", "jsonld": "json-ld"}[fmt]
        return 200, [("Content-Type", GRAPH_FORMATS[fmt][0]), ("Vary", "Accept")], \
            g.serialize(format=rdflib_fmt, encoding="utf-8")


def make_server(app: Endpoint, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, quiet: bool = False):
    """A threaded WSGI server (standard library) for ``app`` on host:port."""
    import socketserver
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
    from wsgiref.simple_server import make_server as wsgi_server

    class Server(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True

    class Handler(WSGIRequestHandler):
        def log_message(self, fmt, *args):
            if not quiet:
                sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    return wsgi_server(host, port, app, server_class=Server, handler_class=Handler)


def prepare_source(store_spec: str | None, config: Config, workdir: Path,
                   published: Path | None = None) -> tuple[str, str]:
    """What the workers load: ``("dir", DIR)`` for a persistent Oxigraph store (the published one,
    ``published``, by default), else ``("nquads", FILE)``: the assembled graph, with its union as
    default graph, written to ``workdir``."""
    spec = store_spec or "published"
    if spec == "published":
        if published is None:
            raise ValueError("the published store's folder is needed to serve it")
        return ("dir", str(published))
    if spec.startswith("oxigraph:"):
        st = open_store(spec, config)
        path = str(st.path)
        del st  # release the folder: the workers open it read-only
        gc.collect()
        return ("dir", path)
    if spec not in ("memory", "oxigraph"):
        raise ValueError(f"unknown store {spec!r}: expected published, memory, oxigraph or oxigraph:DIR")
    out = Path(workdir) / "pmkg.nq"
    out.write_bytes(assemble(config).nquads(names=True, default=True))
    return ("nquads", str(out))


def serve(graph: Config, store_spec: str | None = None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          config: ServeConfig | None = None, published: Path | None = None, quiet: bool = False) -> None:
    """Serve the graph of ``graph`` (from the published store ``published`` by default, or the store
    ``store_spec`` names) until interrupted."""
    config = config or ServeConfig()
    with tempfile.TemporaryDirectory(prefix="pmkg-serve-") as tmp:
        source = prepare_source(store_spec, graph, Path(tmp), published)
        app = Endpoint(source, config, prefixes(graph.base))
        try:
            httpd = make_server(app, host, port, quiet)
        except OSError as e:
            app.close()
            raise OSError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{httpd.server_address[1]}"
        print(f"pmkg: serving {app.size} quads read-only at {url}/sparql (query page: {url}/); "
              f"timeout {config.timeout:g} s, at most {config.max_rows} rows. Ctrl-C stops.", flush=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(f"pmkg: warning: listening on {host}, not only on this machine", file=sys.stderr, flush=True)

        def stop(signum, frame):  # SIGTERM ends the server like Ctrl-C: workers stopped, temp files removed
            raise KeyboardInterrupt
        signal.signal(signal.SIGTERM, stop)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            httpd.server_close()
            app.close()


# --- the query page (offline: no external resources) ---------------------------------------------

_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

_EXAMPLE = """SELECT ?org ?name ?country WHERE {
  ?org a schema:Organization ;
       schema:name ?name .
  OPTIONAL { ?org schema:addressCountry ?country }
}
ORDER BY ?name
LIMIT 100"""


def _page(prefixes: dict[str, str]) -> str:
    from html import escape

    prolog = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pmkg SPARQL endpoint</title>
<link rel="stylesheet" href="pmkg-query.css">
<script src="pmkg-query.js" defer></script>
</head>
<body>
<h1>pmkg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 over the precision-medicine collaboration graph. The default graph is the union of every
source's named graph. Endpoint: <code>/sparql</code> (GET or POST) &middot;
<a href="sparql">service description</a></p>
<form id="form">
<label for="query">Query</label>
<textarea id="query" name="query" rows="18" spellcheck="false">{escape(prolog + _EXAMPLE)}</textarea>
<div class="bar">
<label for="format">Answer as</label>
<select id="format" name="format">
<option value="table">table (JSON)</option><option value="json">JSON</option><option value="xml">XML</option>
<option value="csv">CSV</option><option value="tsv">TSV</option><option value="turtle">Turtle (CONSTRUCT/DESCRIBE)</option>
</select>
<button type="submit" id="run">Run</button>
<span id="status" role="status"></span>
</div>
</form>
<div id="out"></div>
</body>
</html>
"""


_STYLE = """body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 75em; padding: 0 1em; }
textarea { width: 100%; font: 13px/1.35 ui-monospace, monospace; box-sizing: border-box; }
.bar { margin: .5em 0; display: flex; gap: .6em; align-items: center; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre { background: #f7f7f7; padding: .6em; overflow: auto; }
.error { color: #a00; white-space: pre-wrap; }
"""

# Results are put on the page with textContent only, so nothing from the data is ever read as HTML.
_SCRIPT = """'use strict';
const TYPES = {table: 'application/sparql-results+json, text/turtle;q=0.9', json: 'application/sparql-results+json',
  xml: 'application/sparql-results+xml', csv: 'text/csv', tsv: 'text/tab-separated-values', turtle: 'text/turtle'};
function show(term) {
  if (!term) return '';
  if (term.type === 'literal' && term['xml:lang']) return term.value + ' @' + term['xml:lang'];
  return term.value;
}
function table(data) {
  const t = document.createElement('table');
  if (data.boolean !== undefined) { t.textContent = 'ASK: ' + data.boolean; return t; }
  const head = t.createTHead().insertRow();
  for (const v of data.head.vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
  const body = t.createTBody();
  for (const b of data.results.bindings) {
    const tr = body.insertRow();
    for (const v of data.head.vars) { tr.insertCell().textContent = show(b[v]); }
  }
  return t;
}
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('form'), out = document.getElementById('out');
  const status = document.getElementById('status');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fmt = document.getElementById('format').value;
    out.textContent = ''; status.textContent = 'running...';
    const t0 = performance.now();
    try {
      const resp = await fetch('sparql', {method: 'POST', body: document.getElementById('query').value,
        headers: {'Content-Type': 'application/sparql-query', 'Accept': TYPES[fmt]}});
      const text = await resp.text();
      const ms = Math.round(performance.now() - t0);
      if (!resp.ok) {
        status.textContent = 'HTTP ' + resp.status + ' (' + ms + ' ms)';
        const p = document.createElement('p'); p.className = 'error'; p.textContent = text; out.appendChild(p);
        return;
      }
      const cut = resp.headers.get('X-PMKG-Truncated') === 'true';
      status.textContent = ms + ' ms' + (cut ? ', cut at ' + resp.headers.get('X-PMKG-Max-Rows') + ' rows' : '');
      const ctype = resp.headers.get('Content-Type') || '';
      if (fmt === 'table' && ctype.startsWith('application/sparql-results+json')) {
        const data = JSON.parse(text);
        if (data.results) status.textContent += ', ' + data.results.bindings.length + ' rows';
        out.appendChild(table(data));
      } else {
        const pre = document.createElement('pre'); pre.textContent = text; out.appendChild(pre);
      }
    } catch (e) {
      status.textContent = 'failed';
      const p = document.createElement('p'); p.className = 'error'; p.textContent = String(e); out.appendChild(p);
    }
  });
});
"""
