"""``pmkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the graph, with a query page.

Pieces, all maintained code: the HTTP server is the standard library's WSGI server (threaded),
queries are answered by Oxigraph (pyoxigraph) in separate worker processes (kg/serve_worker.py), and
results are written by Oxigraph's own serialisers. What this module adds is the policy a
public-facing endpoint needs and the Oxigraph server lacks:

* **read-only**: SPARQL Update (any form) is answered 403;
* **no federation**: a query using SERVICE is answered 403 before it runs (checked on rdflib's parse
  tree in the worker), so the endpoint can never be made to fetch other hosts;
* **every cost bounded**: each query has a deadline from the moment it arrives (time waiting for a
  worker counts); parsing, evaluating and writing happen in a worker process that is killed at the
  deadline (503) and whose address space is capped (503 when a query needs more); requests wait
  for a worker in a bounded queue (503 with Retry-After when it is full); bodies are capped at
  1 MiB however they are sent; connections are capped and idle ones closed;
* **result cap**: at most ``max_rows`` solutions or triples are returned; a cut answer says so in the
  ``X-PMKG-Truncated`` header;
* **DNS rebinding**: only requests whose Host header names this server are answered.

It binds 127.0.0.1 unless told otherwise.
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox

from .options import (
    DEFAULT_CONNECTIONS,
    DEFAULT_HOST,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_ROWS,
    DEFAULT_MEMORY_MB,
    DEFAULT_PORT,
    DEFAULT_QUEUE,
    DEFAULT_TIMEOUT,
)
from .prefixes import prefixes
from .resolve import Resolver
from .serve_worker import GRAPH_FORMATS, RESULT_FORMATS
from .store import Result, result_from_ox

MAX_BODY = 1 << 20                # a query is text: one MiB is plenty
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")

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
    """How the endpoint behaves; every bound has a default (see the README's *Reliability*)."""

    timeout: float = DEFAULT_TIMEOUT          # seconds from a request's arrival to its answer (queue included)
    max_rows: int = DEFAULT_MAX_ROWS          # solutions (SELECT) or triples (CONSTRUCT/DESCRIBE) returned at most
    workers: int = 1                          # query worker processes (each holds the graph)
    memory_mb: int = DEFAULT_MEMORY_MB        # MiB of address space a worker may use beyond the loaded graph
    queue: int = DEFAULT_QUEUE                # requests waiting for a worker at most (more: 503 + Retry-After)
    max_connections: int = DEFAULT_CONNECTIONS  # connections served at once (more: 503 and closed)
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT  # seconds a connection may stay silent
    allow_hosts: tuple[str, ...] = LOOPBACK_NAMES  # Host header names answered ("*": any)

    def check(self) -> None:
        """Raise ValueError naming the first setting that is not a finite positive number."""
        for name, value in (("timeout", self.timeout), ("idle-timeout", self.idle_timeout)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"--{name} must be a positive number of seconds, not {value!r}")
        for name, value in (("max-rows", self.max_rows), ("workers", self.workers), ("memory", self.memory_mb),
                            ("queue", self.queue), ("max-connections", self.max_connections)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"--{name} must be a positive whole number, not {value!r}")


class HTTPProblem(Exception):
    """An answer other than 200: status code, a message for the client, extra headers, and for a
    syntax error where it is (line, column, token)."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None,
                 where: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers, self.where = status, message, headers or [], where or {}


# --- the query workers -----------------------------------------------------------------------------

class QueryWorker:
    """One worker process holding the graph (kg.serve_worker); killed and replaced when a query overruns
    its deadline or its memory. A plain subprocess (not multiprocessing's spawn, which re-runs the
    caller's main script)."""

    def __init__(self, setup: dict) -> None:
        self.setup = setup
        self.proc: Any = None
        self.inbox: Any = None
        self.outbox: Any = None
        self.size = 0
        self.memory_cap = 0
        self._lock = threading.Lock()   # start, stop and close may come from different threads

    def start(self) -> None:
        import os
        import subprocess
        from multiprocessing.connection import Connection

        proc = subprocess.Popen([sys.executable, "-c", "from kg.serve_named import worker_process; worker_process()"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
                                # its own session: Ctrl-C in the terminal reaches the server, which
                                # stops the workers, and no worker prints a KeyboardInterrupt traceback
                                start_new_session=True,
                                env={**os.environ, "RUST_BACKTRACE": "0"})
        assert proc.stdin is not None and proc.stdout is not None
        outbox = Connection(os.dup(proc.stdin.fileno()), readable=False)
        inbox = Connection(os.dup(proc.stdout.fileno()), writable=False)
        proc.stdin.close()
        proc.stdout.close()
        with self._lock:   # from here on stop() can kill it, even while it loads
            self.proc, self.inbox, self.outbox = proc, inbox, outbox
        try:
            outbox.send(self.setup)
            msg = inbox.recv()
        except (EOFError, OSError):
            msg = ("dead", "the query worker exited while loading the graph")
        if msg[0] != "ready":
            self.stop()
            raise RuntimeError(msg[1])
        self.size, self.memory_cap = msg[1], msg[2]

    def alive(self) -> bool:
        proc = self.proc
        return proc is not None and proc.poll() is None

    def stop(self) -> None:
        with self._lock:
            proc, inbox, outbox = self.proc, self.inbox, self.outbox
            self.proc = self.inbox = self.outbox = None
        if proc is not None:
            proc.kill()
            proc.wait(10)
        for conn in (inbox, outbox):
            if conn is not None:
                conn.close()

    def run(self, req: dict, timeout: float) -> tuple:
        """Send one request; return the worker's reply. Raises HTTPProblem(503) when the worker is still
        busy after ``timeout`` seconds or stops while answering; the worker is then stopped."""
        try:
            self.outbox.send(req)
            ready = self.inbox.poll(max(timeout, 0.0))
            if ready:
                reply = self.inbox.recv()
                if reply[0] == "problem" and reply[1] == 503:   # out of memory: the worker exits by itself
                    self.stop()
                return reply
        except (EOFError, OSError):   # the worker died: past its memory cap, Oxigraph aborts the process
            self.stop()
            raise HTTPProblem(503, f"query stopped: it needed more memory than the "
                                   f"{self.setup['memory_bytes'] >> 20} MiB this endpoint allows a query") from None
        self.stop()  # the only reliable way to stop a running evaluation
        raise HTTPProblem(503, "query stopped: it ran past the timeout of this endpoint")


class WorkerPool:
    """The workers and the bounded queue of requests waiting for one.

    A request waits at most until its deadline (set when it arrived); when ``max_queue`` requests are
    already waiting it is answered 503 at once. A worker that was stopped (timeout, memory) is started
    again in the background and only then takes requests again.
    """

    def __init__(self, setup: dict, workers: int, max_queue: int, retry_after: int) -> None:
        self.workers = [QueryWorker(setup) for _ in range(max(1, workers))]
        self.idle: list[QueryWorker] = []
        self.cond = threading.Condition()
        self.waiting = 0
        self.max_queue = max_queue
        self.retry_after = str(max(1, retry_after))
        self.closed = False
        for w in self.workers:
            w.start()
            self.idle.append(w)

    def _busy(self, why: str) -> HTTPProblem:
        return HTTPProblem(503, f"the endpoint is busy: {why}; try again shortly",
                           [("Retry-After", self.retry_after)])

    def run(self, req: dict, deadline: float) -> tuple:
        """Run ``req`` on a free worker before ``deadline`` (time.monotonic()); the worker's reply."""
        with self.cond:
            if not self.idle and self.waiting >= self.max_queue:
                raise self._busy(f"{self.waiting} requests are already waiting")
            self.waiting += 1
            try:
                while not self.idle:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self.closed:
                        raise self._busy("no query worker became free before the timeout")
                    self.cond.wait(remaining)
                worker = self.idle.pop()
            finally:
                self.waiting -= 1
        if not worker.alive():
            self._restart(worker)
            return self.run(req, deadline)
        if deadline - time.monotonic() <= 0.01:   # no time left to run it: keep the worker, not a kill
            self._release(worker)
            raise self._busy("no query worker became free before the timeout")
        try:
            reply = worker.run(req, deadline - time.monotonic())
        except BaseException:
            self._restart(worker)
            raise
        if worker.alive():
            self._release(worker)
        else:
            self._restart(worker)
        return reply

    def _release(self, worker: QueryWorker) -> None:
        with self.cond:
            self.idle.append(worker)
            self.cond.notify()

    def _restart(self, worker: QueryWorker) -> None:
        def again() -> None:
            worker.stop()
            delay = 0.5
            while True:
                with self.cond:
                    if self.closed:
                        return
                try:
                    worker.start()
                except (RuntimeError, OSError) as e:  # e.g. the machine is short of memory now: try again
                    print(f"pmkg: query worker could not start: {e}; retrying in {delay:g} s", file=sys.stderr)
                    time.sleep(delay)
                    delay = min(delay * 2, 30)
                    continue
                with self.cond:
                    if not self.closed:
                        self.idle.append(worker)
                        self.cond.notify()
                        return
                worker.stop()   # closed while it started
                return
        threading.Thread(target=again, name="pmkg-worker-restart", daemon=True).start()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        for w in self.workers:
            w.stop()


# --- the HTTP side ---------------------------------------------------------------------------------

_HOST = re.compile(r"^(?:(\[[0-9A-Fa-f:.]+\])|([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_.])?))(?::(\d{1,5}))?$")


def host_name(value: str) -> str | None:
    """The host name of a Host header value (lower case, IPv6 in brackets, no port), or None when the
    value is not a host[:port] at all."""
    m = _HOST.match(value.strip())
    if not m:
        return None
    return (m.group(1) or m.group(2)).lower().rstrip(".") or None


def allowed_hosts(host: str, extra: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """The Host header names to answer when listening on ``host``: the loopback names, ``host`` itself
    (unless it is a wildcard address), and ``extra`` (``--allow-host``; ``*`` allows any)."""
    names = list(LOOPBACK_NAMES)
    h = host.strip().strip("[]").lower()
    if h and h not in ("0.0.0.0", "::"):
        names.append(f"[{h}]" if ":" in h else h)
    for e in extra:
        for part in e.split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part != "*":
                name = host_name(part if not (":" in part and not part.startswith("[")) else f"[{part}]")
                if name is None:
                    raise ValueError(f"--allow-host {part!r} is not a host name")
                part = name
            names.append(part)
    return tuple(dict.fromkeys(names))


def read_body(environ, limit: int = MAX_BODY) -> bytes:
    """The request body, read with Content-Length or chunked transfer coding, never more than ``limit``
    bytes (413 past it; 400 for a malformed length or chunk)."""
    stream = environ["wsgi.input"]
    te = (environ.get("HTTP_TRANSFER_ENCODING") or "").strip().lower()
    cl = environ.get("CONTENT_LENGTH")
    if te:
        if cl:   # both: a request-smuggling shape (RFC 9112 6.1)
            raise HTTPProblem(400, "give either Content-Length or Transfer-Encoding, not both")
        if te != "chunked":
            raise HTTPProblem(501, f"transfer coding {te!r} is not supported (use chunked or Content-Length)")
        return _read_chunked(stream, limit)
    if not cl:
        return b""
    if not cl.strip().isdigit():
        raise HTTPProblem(400, f"bad Content-Length {cl[:40]!r}")
    length = int(cl)
    if length > limit:
        raise HTTPProblem(413, f"request body over {limit} bytes")
    data = bytearray()
    while len(data) < length:
        chunk = stream.read(length - len(data))
        if not chunk:
            raise HTTPProblem(400, "the request body is shorter than its Content-Length")
        data += chunk
    return bytes(data)


def _read_chunked(stream, limit: int) -> bytes:
    data = bytearray()
    while True:
        line = stream.readline(1026)
        if not line.endswith(b"\n"):
            raise HTTPProblem(400, "malformed chunked body")
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 8 or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
            raise HTTPProblem(400, "malformed chunk size in a chunked body")
        size = int(size_text, 16)
        if size == 0:
            for _ in range(64):   # trailer fields, up to the empty line
                t = stream.readline(8192)
                if t in (b"\r\n", b"\n", b""):
                    return bytes(data)
            raise HTTPProblem(400, "too many trailer fields in a chunked body")
        if len(data) + size > limit:
            raise HTTPProblem(413, f"request body over {limit} bytes")
        chunk = stream.read(size)
        if len(chunk) != size or stream.readline(3) not in (b"\r\n", b"\n"):
            raise HTTPProblem(400, "malformed chunked body")
        data += chunk


def _media_type(fmt: str) -> str:
    mt = (RESULT_FORMATS if fmt in RESULT_FORMATS else GRAPH_FORMATS)[fmt][0]
    return mt + ("; charset=utf-8" if mt.startswith("text/") else "")


def _catalogue() -> list:
    """The named queries the page offers (queries/*.rq, helpers left out); none when they cannot be read."""
    from .query import QueryError, listing

    try:
        return listing()
    except (QueryError, OSError) as e:
        print(f"pmkg: the query page offers no named queries: {e}", file=sys.stderr)
        return []


def _same_text(a: str, b: str) -> bool:
    """The same query text, whatever the line ends (a browser's form sends CRLF) and outer space."""
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def terms(bindings: dict) -> dict[str, str]:
    """Bound terms as N-Triples text, which crosses to a worker process (kg.serve_worker parses it)."""
    return {k: str(v) for k, v in bindings.items()}


class PoolStore:
    """The endpoint's workers as a :class:`kg.store.Store`, for the entity resolver: each query runs on
    a worker within the request's deadline, like any other."""

    def __init__(self, endpoint: "Endpoint", deadline: float) -> None:
        self.endpoint, self.deadline = endpoint, deadline
        self.base = endpoint.base

    def query(self, sparql: str, bindings: dict | None = None) -> Result:
        req = {"query": sparql, "format": ["json"], "bindings": terms(bindings or {}), "max_rows": 1 << 20}
        kind, _, body, _ = self.endpoint.run(req, self.deadline)
        return result_from_ox(ox.parse_query_results(body, ox.QueryResultsFormat.JSON), kind)

    def nquads(self, names: bool = False) -> bytes:
        raise NotImplementedError("the endpoint's workers answer queries only")

    def describe(self) -> str:
        return "pmkg serve workers"


class Endpoint:
    """The WSGI application: the query page, the SPARQL endpoint and its service description."""

    def __init__(self, source: tuple[str, str], config: ServeConfig | None = None,
                 prefixes: dict[str, str] | None = None, base: str | None = None) -> None:
        self.config = config or ServeConfig()
        self.config.check()
        self.prefixes = prefixes or {}
        self.any_host = "*" in self.config.allow_hosts
        self.hosts = frozenset(self.config.allow_hosts)
        setup = {"source": list(source), "prefixes": self.prefixes, "memory_bytes": self.config.memory_mb << 20}
        # the folder of a published store: beside it, the neighbourhood index the workers read (kg.neighbourhoods)
        self.store_dir = source[1] if source[0] == "dir" else None
        self.pool = WorkerPool(setup, self.config.workers, self.config.queue,
                               retry_after=math.ceil(min(self.config.timeout, 60)))
        self.size = self.pool.workers[0].size
        self.catalogue = _catalogue()
        self.named = {q.name: q for q in self.catalogue}
        self.base = base

    def close(self) -> None:
        self.pool.close()

    # WSGI entry point
    def __call__(self, environ, start_response):
        deadline = time.monotonic() + self.config.timeout   # the clock starts when the request is in
        try:
            self._check_host(environ)
            status, headers, body = self.handle(environ, deadline)
        except HTTPProblem as e:
            status, headers, body = e.status, [("Content-Type", "text/plain; charset=utf-8"), *e.headers], \
                (e.message + "\n").encode("utf-8")
        except Exception as e:  # noqa: BLE001 (a bug of ours: one line in the log, no traceback to the client)
            print(f"pmkg: internal error answering {environ.get('PATH_INFO')!r}: {type(e).__name__}: {e}",
                  file=sys.stderr)
            status, headers, body = 500, [("Content-Type", "text/plain; charset=utf-8")], b"internal error\n"
        from http import HTTPStatus

        headers = [*headers, ("Content-Length", str(len(body))), ("X-Content-Type-Options", "nosniff"),
                   ("Cache-Control", "no-store")]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def _check_host(self, environ) -> None:
        """DNS rebinding: a page on another site, whose name resolves to this machine, must not reach us."""
        raw = environ.get("HTTP_HOST")
        if raw is None:
            return  # HTTP/1.0 without Host: not a browser
        name = host_name(raw)
        if name is None:
            raise HTTPProblem(400, "bad Host header")
        if not self.any_host and name not in self.hosts:
            raise HTTPProblem(403, f"this endpoint does not answer for host {name[:100]!r} "
                                   f"(start it with --allow-host {name[:100]} to allow it)")

    def handle(self, environ, deadline: float | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
        from . import serve_page

        if deadline is None:
            deadline = time.monotonic() + self.config.timeout
        path = environ.get("PATH_INFO", "/") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path in ("/", "/index.html"):
            self._only(method, "GET")
            return 200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", serve_page.CSP)], \
                serve_page.page().encode("utf-8")
        if path == "/pmkg-query.js":
            self._only(method, "GET")
            return 200, [("Content-Type", "text/javascript; charset=utf-8")], serve_page.SCRIPT.encode("utf-8")
        if path == "/pmkg-query.css":
            self._only(method, "GET")
            return 200, [("Content-Type", "text/css; charset=utf-8")], serve_page.STYLE.encode("utf-8")
        if path in ("/favicon.svg", "/favicon.ico"):
            self._only(method, "GET")
            return 200, [("Content-Type", "image/svg+xml")], serve_page.ICON.encode("utf-8")
        if path == "/entity":
            self._only(method, "GET")
            return self._entity(environ, deadline)
        if path.startswith("/api/"):
            try:
                return self._api(path, method, environ, deadline)
            except HTTPProblem as e:   # the page reads errors as JSON: message, and line, column, token
                body = json.dumps({"error": e.message, **e.where}, ensure_ascii=False).encode("utf-8")
                return e.status, [("Content-Type", "application/json"), *e.headers], body
        if path == "/named":
            self._only(method, "GET")
            return self._named_route(environ, deadline)
        if path in ("/update", "/store", "/data"):
            raise HTTPProblem(403, "this endpoint is read-only: updates and Graph Store writes are not accepted")
        if path not in ("/sparql", "/query"):
            raise HTTPProblem(404, f"no such resource: {path[:200]} (the SPARQL endpoint is /sparql)")
        self._only(method, "GET", "POST")
        params, query = self._request(environ, method)
        if query is None:
            return self._service_description(environ)
        fmt_param = params.get("format") or params.get("output") or params.get("results")
        req = {"query": query, "accept": environ.get("HTTP_ACCEPT"), "format": fmt_param,
               "max_rows": self.config.max_rows,
               "default_graphs": params.get("default-graph-uri"), "named_graphs": params.get("named-graph-uri")}
        _, fmt, body, truncated = self.run(req, deadline)
        headers = [("Content-Type", _media_type(fmt)), ("Vary", "Accept"),
                   ("X-PMKG-Max-Rows", str(self.config.max_rows))]
        if truncated:
            headers.append(("X-PMKG-Truncated", "true"))
        return 200, headers, body

    # --- the query page's API ---------------------------------------------------------------------

    def _api(self, path: str, method: str, environ, deadline: float) -> tuple[int, list[tuple[str, str]], bytes]:
        from . import serve_page

        if path == "/api/queries":
            self._only(method, "GET")
            return 200, [("Content-Type", "application/json")], \
                serve_page.catalogue(self.catalogue, self.prefixes, self.config.max_rows)
        if path == "/api/params":
            self._only(method, "POST")
            q = self._page_query(self._json_body(environ))
            return 200, [("Content-Type", "application/json")], \
                json.dumps({"params": serve_page.params_json(q.params)}).encode("utf-8")
        if path == "/api/run":
            self._only(method, "POST")
            return self._api_run(self._json_body(environ), deadline)
        raise HTTPProblem(404, f"no such resource: {path[:200]}")

    @staticmethod
    def _json_body(environ) -> dict:
        ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise HTTPProblem(415, "send the request as application/json")
        try:
            data = json.loads(read_body(environ).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise HTTPProblem(400, "the request body is not a JSON object") from None
        if not isinstance(data, dict):
            raise HTTPProblem(400, "the request body is not a JSON object")
        return data

    @staticmethod
    def _page_query(data: dict):
        """The page's query text as a kg.query.NamedQuery: its header comment declares its parameters."""
        from .query import QueryError, from_text

        text = data.get("query")
        if not isinstance(text, str) or not text.strip():
            raise HTTPProblem(400, "empty query")
        try:
            return from_text(text, "query")
        except QueryError as e:
            raise HTTPProblem(400, str(e)) from None

    def _api_run(self, data: dict, deadline: float) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run the page's query with its parameters bound as `pmkg query` binds them (kg.query.bind_params:
        entities resolved by name, acronym, id or IRI; integers checked against their range)."""
        q = self._page_query(data)

        raw = data.get("params") or {}
        if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, (str, int))
                                                for k, v in raw.items()):
            raise HTTPProblem(400, "params must be an object of names and values")
        params = {k: str(v) for k, v in raw.items() if str(v).strip()} if q.params else {}
        if any(len(v) > 1000 for v in params.values()):   # a name, not a text: bounds the close-match search
            raise HTTPProblem(400, "a parameter value is at most 1000 characters")
        fmt = data.get("format") or "table"
        if fmt not in ("table", "csv", "tsv", "json", "xml", "turtle", "nt", "jsonld"):
            raise HTTPProblem(400, f"unknown format {str(fmt)[:40]!r}")
        limit, offset = data.get("limit"), data.get("offset") or 0
        if (not isinstance(offset, int) or offset < 0
                or (limit is not None and (not isinstance(limit, int) or limit < 1))):
            raise HTTPProblem(400, "limit and offset must be whole numbers (limit at least 1)")
        named = self.named.get(data["name"]) if isinstance(data.get("name"), str) else None
        if not (named and named.algorithm and _same_text(named.text, q.text)):
            # the user's own text (or an edited named query): its SPARQL runs as written, whatever its header says
            named = dataclasses.replace(q, algorithm="")
        kind, key, body, more, bound = self._run_named(named, params, [fmt], None, limit, offset, deadline)
        headers = [("Content-Type", "application/json" if key == "table" else _media_type(key)),
                   ("X-PMKG-Kind", kind), ("X-PMKG-More", "true" if more else "false"),
                   ("X-PMKG-Bound", ",".join(bound)), ("X-PMKG-Max-Rows", str(self.config.max_rows))]
        if named.algorithm:   # says that the rows come from the search of kg.walk, not the text's SPARQL
            headers.append(("X-PMKG-Algorithm", named.algorithm))
        if key != "table":
            name = data.get("name") if isinstance(data.get("name"), str) else ""
            stem = re.sub(r"[^a-z0-9-]+", "-", (name or "").lower()).strip("-") or "query"
            ext = {"json": "json", "jsonld": "jsonld", "xml": "xml", "rdfxml": "rdf", "turtle": "ttl", "nt": "nt",
                   "csv": "csv", "tsv": "tsv"}[key]
            headers.append(("Content-Disposition", f'attachment; filename="{stem}.{ext}"'))
        return 200, headers, body

    def _run_named(self, q, params: dict[str, str], fmt: list[str] | None, accept: str | None,
                   limit: int | None, offset: int, deadline: float) -> tuple[str, str, bytes, bool, list[str]]:
        """Run query ``q`` (a kg.query.NamedQuery) with ``params`` on a worker: (kind, format key, body,
        more, bound parameter names). A query whose header names an algorithm (``connection``,
        ``neighbourhood``) is answered in the worker by kg.query.answer, with the bounded search of
        kg.walk, as `pmkg query` answers it; any other has its parameters bound here (kg.query.bind_params)
        and its SPARQL run."""
        from .query import ParameterError, bind_params

        if q.algorithm:
            req = {"algorithm": {"name": q.name, "text": q.text}, "params": params, "base": self.base,
                   "format": fmt, "accept": accept, "max_rows": self.config.max_rows, "limit": limit,
                   "offset": offset, "store": self.store_dir}
            kind, key, body, more = self.run(req, deadline)
            bound = [p.name for p in q.params if params.get(p.name) or p.default is not None]
            return kind, key, body, more, bound
        try:
            bindings = bind_params(q, params, resolver=Resolver(PoolStore(self, deadline), self.base))
        except ParameterError as e:
            raise HTTPProblem(400, str(e).replace("--param ", "")) from None
        req = {"query": q.text, "format": fmt, "accept": accept, "bindings": terms(bindings),
               "max_rows": self.config.max_rows, "limit": limit, "offset": offset}
        kind, key, body, more = self.run(req, deadline)
        return kind, key, body, more, list(bindings)

    def _named_route(self, environ, deadline: float) -> tuple[int, list[tuple[str, str]], bytes]:
        """/named?name=NAME&param=KEY=VALUE...: a named query of the catalogue with its parameters (as
        `pmkg query NAME --param KEY=VALUE`), in the formats, paging and row cap of /sparql."""
        qs = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        unknown = sorted(set(qs) - {"name", "param", "format", "limit", "offset"})
        if unknown:
            raise HTTPProblem(400, f"unknown request parameter {unknown[0][:40]!r}: give name, param=KEY=VALUE, "
                                   f"format, limit, offset")
        names = qs.get("name", [])
        if len(names) != 1 or names[0] not in self.named:
            close = difflib.get_close_matches(names[0], list(self.named), 3) if len(names) == 1 else []
            raise HTTPProblem(400, f"no named query {(names or [''])[0][:60]!r}"
                                   + (f" (did you mean {', '.join(close)}?)" if close else "")
                                   + "; see /api/queries")
        params: dict[str, str] = {}
        for item in qs.get("param", []):
            key, eq, value = item.partition("=")
            if not eq or not key or key in params or len(value) > 1000:
                raise HTTPProblem(400, f"param {item[:60]!r}: give param=KEY=VALUE, each key once, a value of "
                                       f"at most 1000 characters")
            params[key] = value
        try:
            limit = int(qs["limit"][0]) if "limit" in qs else None
            offset = int(qs["offset"][0]) if "offset" in qs else 0
        except ValueError:
            raise HTTPProblem(400, "limit and offset must be whole numbers") from None
        if offset < 0 or (limit is not None and limit < 1):
            raise HTTPProblem(400, "limit and offset must be whole numbers (limit at least 1)")
        if any(f.strip().lower() == "table" for f in qs.get("format", [])):
            raise HTTPProblem(406, "format 'table' is the query page's own: use json, xml, csv or tsv")
        _, key, body, more, _ = self._run_named(self.named[names[0]], params, qs.get("format"),
                                                environ.get("HTTP_ACCEPT"), limit, offset, deadline)
        headers = [("Content-Type", _media_type(key)), ("Vary", "Accept"),
                   ("X-PMKG-Max-Rows", str(self.config.max_rows))]
        if more:
            headers.append(("X-PMKG-Truncated", "true"))
        if self.named[names[0]].algorithm:
            headers.append(("X-PMKG-Algorithm", self.named[names[0]].algorithm))
        return 200, headers, body

    def _entity(self, environ, deadline: float) -> tuple[int, list[tuple[str, str]], bytes]:
        """/entity?iri=IRI: the statements about an entity, with the source of each."""
        from . import serve_page

        iris = parse_qs(environ.get("QUERY_STRING", "")).get("iri", [])
        iri = iris[0].strip() if len(iris) == 1 else ""
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]+", iri):
            raise HTTPProblem(400, "give one absolute IRI: /entity?iri=https://...")
        req = {"query": serve_page.ENTITY_QUERY, "format": ["json"], "bindings": {"e": f"<{iri}>"},
               "max_rows": self.config.max_rows}
        _, _, body, truncated = self.run(req, deadline)
        html = serve_page.entity_page(iri, json.loads(body)["results"]["bindings"], self.prefixes, truncated,
                                      self.config.max_rows)
        return 200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", serve_page.CSP)], \
            html.encode("utf-8")

    def run(self, req: dict, deadline: float) -> tuple[str, str, bytes, bool]:
        """Answer ``req`` on a worker: (kind, format key, body, truncated); HTTPProblem otherwise."""
        reply = self.pool.run(req, deadline)
        if reply[0] == "problem":
            raise HTTPProblem(reply[1], reply[2], where=reply[3] if len(reply) > 3 else None)
        _, kind, fmt, body, truncated = reply
        return kind, fmt, body, truncated

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
            raw = read_body(environ)
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
        if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
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
        from .serve_worker import Problem, negotiate

        try:
            fmt = negotiate("CONSTRUCT", environ.get("HTTP_ACCEPT"))
        except Problem as e:
            raise HTTPProblem(e.status, e.message) from None
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
    """A threaded WSGI server (standard library) for ``app`` on host:port (IPv4 or IPv6), with the
    endpoint's connection cap and idle timeout; HTTP/0.9 requests are answered 400 and closed."""
    import socket
    import socketserver
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
    from wsgiref.simple_server import make_server as wsgi_server

    if not 0 <= port <= 65535:
        raise OSError(f"cannot listen on port {port}: a port is a number from 0 to 65535")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError) as e:
        raise OSError(f"cannot listen on {host}: {e}") from None
    config = app.config
    slots = threading.BoundedSemaphore(config.max_connections)
    quiet_errors = (TimeoutError, ConnectionError, BrokenPipeError)

    class Server(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True
        address_family = family
        request_queue_size = 64

        def process_request(self, request, client_address):
            # over the cap: a short 503 and close, without a thread for it
            if not slots.acquire(blocking=False):
                try:
                    request.settimeout(1)
                    body = b"too many connections; try again shortly\n"
                    request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
                                    b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: "
                                    + str(len(body)).encode() + b"\r\n\r\n" + body)
                except OSError:
                    pass
                self.shutdown_request(request)
                return
            try:
                super().process_request(request, client_address)
            except BaseException:
                slots.release()
                raise

        def process_request_thread(self, request, client_address):
            try:
                super().process_request_thread(request, client_address)
            finally:
                slots.release()

        def handle_error(self, request, client_address):
            if not isinstance(sys.exc_info()[1], quiet_errors):   # a silent or vanished client is no error
                print(f"pmkg: error serving {client_address[0]}: {sys.exc_info()[1]!r}", file=sys.stderr)

    class Handler(WSGIRequestHandler):
        timeout = config.idle_timeout   # socketserver sets it on the connection: every read and write

        def parse_request(self):
            words = self.raw_requestline.split()
            if len(words) == 2:   # "GET /": HTTP/0.9, which would wait for headers that never come
                self.command, self.request_version, self.close_connection = None, "HTTP/1.0", True
                self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
                self.send_error(400, "HTTP/0.9 is not supported: send an HTTP/1.0 or HTTP/1.1 request")
                return False
            return super().parse_request()

        def log_message(self, fmt, *args):
            if not quiet:
                sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    return wsgi_server(host, port, app, server_class=Server, handler_class=Handler)


def config_from_args(args) -> ServeConfig:
    """The ServeConfig of parsed ``pmkg serve`` options."""
    return ServeConfig(timeout=args.timeout, max_rows=args.max_rows, workers=args.workers, memory_mb=args.memory,
                       queue=args.queue, max_connections=args.max_connections, idle_timeout=args.idle_timeout)


def serve(source: tuple[str, str], *, base: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          config: ServeConfig | None = None, quiet: bool = False,
          allow_host: list[str] | tuple[str, ...] = ()) -> int:
    """Serve the graph in ``source`` until interrupted: ``("dir", FOLDER)``, a persistent Oxigraph
    store the workers open read-only (the published store, or --store oxigraph:DIR), or
    ``("nquads", FILE)``, N-Quads they load (the union of the named graphs as default graph).
    Returns the exit code of a command ended by the signal that stopped it: 130 for Ctrl-C (SIGINT),
    143 for SIGTERM."""
    config = dataclasses.replace(config or ServeConfig(), allow_hosts=allowed_hosts(host, allow_host))
    config.check()
    if not 0 <= port <= 65535:
        raise ValueError(f"--port {port}: a port is a number from 0 to 65535")
    app = Endpoint(source, config, prefixes(base), base)
    try:
        httpd = make_server(app, host, port, quiet)
    except OSError as e:
        app.close()
        raise OSError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    stopped_by: list[int] = [int(signal.SIGINT)]

    def stop(signum, frame):  # SIGTERM ends the server like Ctrl-C: workers stopped, temp files removed
        stopped_by[0] = signum
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)   # before the line that says it serves
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{httpd.server_address[1]}"
    try:
        print(f"pmkg: serving {app.size} quads read-only at {url}/sparql (query page: {url}/); "
              f"timeout {config.timeout:g} s, at most {config.max_rows} rows. Ctrl-C stops.", flush=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(f"pmkg: warning: listening on {host}, not only on this machine; answering Host names "
                  f"{', '.join(config.allow_hosts)} (add others with --allow-host)", file=sys.stderr, flush=True)
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        app.close()
    return 128 + stopped_by[0]
