"""The query worker of ``pmkg serve``: a separate process that holds the graph in Oxigraph and answers
one request at a time.

Everything that costs time or memory on behalf of a client happens here, never in the HTTP server:
the policy checks that need a parser (SERVICE, SPARQL Update), the evaluation, the writing of the
answer and the location of a syntax error. So the server can bound all of it the same way: a worker
that runs past the timeout is killed, and its address space is capped (``RLIMIT_AS``) so a query that
grows without end makes the worker fail, not the machine.

The module imports nothing heavy at the top: the server process imports it too.
"""
from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from typing import IO, Any, cast

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
#: "table": SPARQL JSON for the query page, whatever the query form (a graph as subject/predicate/object rows)
TABLE = "table"

#: Format names and media types that clients send (a ``format=`` value or an Accept range), by result
#: kind. SPARQLWrapper sends ``format=xml`` by default, ``rdf+xml``, ``n3``, ``json-ld`` and ``turtle``
#: for graphs, and repeats the value as a media type; rdflib's SPARQLStore and browsers send media types.
_RESULT_NAMES = {
    "json": "json", "srj": "json", "application/sparql-results+json": "json", "application/json": "json",
    "text/javascript": "json", "application/javascript": "json",
    "xml": "xml", "srx": "xml", "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "csv": "csv", "text/csv": "csv",
    "tsv": "tsv", "text/tab-separated-values": "tsv",
}
_GRAPH_NAMES = {
    "turtle": "turtle", "ttl": "turtle", "text/turtle": "turtle", "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    # N3 is a superset of Turtle: a Turtle answer is a valid N3 answer
    "n3": "turtle", "text/n3": "turtle", "text/rdf+n3": "turtle", "application/n3": "turtle",
    "nt": "nt", "ntriples": "nt", "n-triples": "nt", "application/n-triples": "nt", "text/plain": "nt",
    "xml": "rdfxml", "rdf": "rdfxml", "rdf+xml": "rdfxml", "rdfxml": "rdfxml", "rdf/xml": "rdfxml",
    "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml",
    "json-ld": "jsonld", "jsonld": "jsonld", "application/ld+json": "jsonld", "application/x-json+ld": "jsonld",
    "json": "jsonld", "application/json": "jsonld",
}


class Problem(Exception):
    """An answer other than 200 decided in the worker: HTTP status, message, and (for a syntax
    error) where: ``line``, ``column`` (1-based) and the offending ``token``."""

    def __init__(self, status: int, message: str, **where: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.where = status, message, where


def negotiate(kind: str, accept: str | None = None, explicit: list[str] | None = None) -> str:
    """The format key to answer a ``kind`` query (SELECT, ASK, CONSTRUCT, DESCRIBE) with, from the
    ``format`` parameter's values (the first one offered wins) or else the Accept header.

    Raises Problem(406) when nothing asked for is offered."""
    graph = kind in ("CONSTRUCT", "DESCRIBE")
    names, offered = (_GRAPH_NAMES, GRAPH_FORMATS) if graph else (_RESULT_NAMES, RESULT_FORMATS)
    if explicit:
        for value in explicit:
            key = names.get(value.strip().lower())
            if key:
                return key
        raise Problem(406, f"format {', '.join(map(repr, explicit))} is not offered for {kind}: use one of "
                           f"{', '.join(sorted(set(names) - {k for k in names if '/' in k}))}")
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
        key = names.get(mr)
        if key:
            return key
        for k, (mt, _) in offered.items():
            if mr == "*/*" or (mr.endswith("/*") and mt.startswith(mr[:-1])):
                return k
    raise Problem(406, f"none of the accepted types ({accept}) is offered for {kind}: "
                       f"{', '.join(mt for mt, _ in offered.values())}")


# --- reading the query text (cheap scans; the parsers decide) --------------------------------------

#: strings, IRIs and comments, leftmost first, so that a '#' in a string or a quote in a comment is skipped
_OPAQUE = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*(?:\'\'\'|$)'
                     r'|"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?'
                     r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*', re.DOTALL)
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def _blank(text: str) -> str:
    """``text`` with every string, IRI and comment made opaque (``""``, ``<>``, a space)."""
    def repl(m: re.Match) -> str:
        s = m.group(0)
        return "<>" if s[0] == "<" else '""' if s[0] in "\"'" else " "
    return _OPAQUE.sub(repl, text)


def looks_like_update(text: str) -> bool:
    """True when the first keyword after the prologue starts a SPARQL Update operation (used for the
    message only: Store.query cannot run an update)."""
    rest = re.sub(r"^\s*(?:(?:PREFIX\s+(?:[^\W\d_][\w.\-]*)?:\s*<>|BASE\s+<>)\s*)*", "", _blank(text),
                  flags=re.IGNORECASE)
    m = re.match(r"([A-Za-z]+)", rest)
    return bool(m and m.group(1).upper() in _UPDATE_WORDS)


def unescape(text: str) -> str:
    """``text`` with SPARQL's \\u and \\U escapes undone (applied before parsing: ``\\u0053ERVICE`` is
    SERVICE); an escape beyond Unicode is dropped."""
    if "\\u" not in text and "\\U" not in text:
        return text
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)) if int(m.group(1) or m.group(2), 16)
                  < 0x110000 else "", text)


def mentions_service(text: str) -> bool:
    """True when the word SERVICE could occur in the query in any spelling (case, \\u escapes): only
    such queries need the parse-tree check, the others cannot call another host."""
    return "service" in text.lower() or "service" in unescape(text).lower()


def _uses_service(node) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:  # iterative: a deep tree must not hit the recursion limit here
        n = stack.pop()
        if isinstance(n, CompValue):
            if n.name == "ServiceGraphPattern":
                return True
            stack.extend(n.values())
        elif isinstance(n, (list, tuple)) or type(n).__name__ == "ParseResults":
            stack.extend(n)
    return False


def check_service(text: str) -> None:
    """Refuse (403) a query that uses SERVICE, found on rdflib's parse tree, so the endpoint never
    fetches another host. A query that mentions the word but does not parse is refused as malformed."""
    if not mentions_service(text):
        return
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except (ParseException, RecursionError) as e:
        raise locate_syntax_error(text, None, e) from None
    if _uses_service(tree):
        raise Problem(403, "SERVICE (federated query) is disabled: this endpoint does not fetch other hosts")


# --- syntax errors: line, column and the offending token -------------------------------------------

_TOKEN = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>|"[^"\n]*"?|\'[^\'\n]*\'?|[?$][\w]+|[\w.\-]*:[\w.\-%]*|'
                    r'[\w\-]+|&&|\|\||!=|<=|>=|\^\^|\S')


def _token_at(line: str, col: int) -> str:
    """The token that starts at (or, in white space, comes next after) 1-based ``col`` of ``line``."""
    i = max(col - 1, 0)
    while i < len(line) and line[i].isspace():
        i += 1
    if i >= len(line):
        return ""
    m = _TOKEN.match(line, i)
    tok = m.group(0) if m else line[i]
    return tok if len(tok) <= 60 else tok[:57] + "..."


def locate_syntax_error(text: str, engine_error: Exception | None, parser_error: Exception | None = None) -> Problem:
    """A 400 Problem for a query that does not parse, reduced to line, column and offending token.

    Oxigraph reports the furthest position its parser reached with a list of expected characters
    (Unicode ranges included), which rarely points at the mistake; rdflib's parser (pyparsing)
    reports the start of the construct it could not match, which does. So rdflib locates the error
    and Oxigraph's message is used only where rdflib accepts the text (an unknown prefix, say).
    """
    lines = text.splitlines() or [""]
    if parser_error is None:
        from pyparsing import ParseException
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            parseQuery(text)
        except (ParseException, RecursionError) as e:
            parser_error = e
    if parser_error is not None and hasattr(parser_error, "lineno"):
        line, col = int(parser_error.lineno), int(getattr(parser_error, "col", 1))
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        token = _token_at(src, col)
        if not token:   # the construct ran to the end of the text
            return Problem(400, f"malformed SPARQL query: the query ends too early (line:{line}, col:{col})",
                           line=line, column=col, token="")
        return Problem(400, f"malformed SPARQL query: unexpected {token!r} (line:{line}, col:{col})",
                       line=line, column=col, token=token)
    msg = str(engine_error or parser_error or "")
    m = re.match(r"error at (\d+):(\d+): (.*)", msg, re.DOTALL)
    if not m:
        return Problem(400, f"malformed SPARQL query: {' '.join(msg.split())[:300]}")
    line, byte_col, detail = int(m.group(1)), int(m.group(2)), m.group(3)
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    col = len(src.encode("utf-8")[:max(byte_col - 1, 0)].decode("utf-8", "ignore")) + 1  # Oxigraph counts bytes
    if "Prefix not found" in detail:
        names = [mm for mm in re.finditer(r"(?<![\w?$:<\-])([^\W\d_][\w.\-]*)?:", src[:col])]
        if names:
            p = names[-1]
            prefix = p.group(1) or ""
            return Problem(400, f"malformed SPARQL query: unknown prefix {prefix}: (declare it with PREFIX {prefix}: "
                                f"<...>) (line:{line}, col:{p.start() + 1})",
                           line=line, column=p.start() + 1, token=prefix + ":")
    # keep the expected keywords, drop character classes (lists of Unicode ranges help nobody)
    words = [w for w in re.findall(r"\b[A-Z][A-Z_]+\b", detail.split("[")[0])]
    hint = f"; expected {', '.join(words[:8])}" if words else ""
    token = _token_at(src, col)
    return Problem(400, f"malformed SPARQL query: unexpected {token!r} (line:{line}, col:{col}){hint}",
                   line=line, column=col, token=token)


# --- executing a query ------------------------------------------------------------------------------

class _Full(Exception):
    pass


class _LineWindow(io.RawIOBase):
    """A binary sink for a line-per-row serialisation: keeps ``head`` lines (a header), skips the next
    ``skip`` lines, keeps ``limit`` lines, and stops the writer (``full``) on the first line past them."""

    def __init__(self, limit: int, skip: int = 0, head: int = 0) -> None:
        super().__init__()
        self.head, self.skip, self.limit = head, skip, limit
        self.buf = bytearray()
        self.pending = bytearray()
        self.n = 0          # complete lines seen
        self.full = False

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        data = bytes(b)
        self.pending += data
        while True:
            i = self.pending.find(b"\n")
            if i < 0:
                break
            line = bytes(self.pending[:i + 1])
            del self.pending[:i + 1]
            n, self.n = self.n, self.n + 1
            if n < self.head or self.head + self.skip <= n < self.head + self.skip + self.limit:
                self.buf += line
            elif n >= self.head + self.skip + self.limit:
                self.full = True
                raise _Full()
        return len(data)

    def kept(self) -> bytes:
        return bytes(self.buf) + (bytes(self.pending) if not self.full else b"")


def _term_json(t) -> dict:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            d["datatype"] = t.datatype.value
        return d
    return {"type": "literal", "value": str(t)}  # an RDF 1.2 triple term: shown as text


def _graph_table(nt: bytes) -> bytes:
    """N-Triples as SPARQL JSON rows of subject, predicate, object (the query page shows graphs so)."""
    import json

    import pyoxigraph as ox

    rows = [{"subject": _term_json(t.subject), "predicate": _term_json(t.predicate), "object": _term_json(t.object)}
            for t in ox.parse(nt, ox.RdfFormat.N_TRIPLES)]
    return json.dumps({"head": {"vars": ["subject", "predicate", "object"]}, "results": {"bindings": rows}},
                      ensure_ascii=False).encode("utf-8")


def _to_ox(t: str):
    """A bound term sent as N-Triples text (kg.serve.terms) as a pyoxigraph term."""
    import pyoxigraph as ox

    return next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {t} .".encode(), format=ox.RdfFormat.N_TRIPLES))).object


def execute(store, req: dict, prefixes: dict[str, str] | None = None) -> tuple[str, str, bytes, bool]:
    """Answer one request on a pyoxigraph Store; returns (kind, format key, body, more).

    ``req`` holds ``query``; optionally ``accept`` and ``format`` (a list: the protocol's format
    parameter), ``default_graphs`` / ``named_graphs`` (the protocol's dataset), ``bindings``
    (terms in N-Triples text bound to variables: Oxigraph substitutions, as ``pmkg query``),
    ``max_rows``, ``offset`` and ``limit`` (paging; at most ``max_rows``). ``more`` is True when rows
    were left out after the kept ones. Raises Problem for every answer other than 200."""
    import pyoxigraph as ox

    text = req["query"]
    check_service(text)
    kw: dict = {"prefixes": prefixes or None}
    if req.get("default_graphs") or req.get("named_graphs"):
        # the protocol's dataset replaces the query's own (SPARQL 1.1 Protocol 2.1.4)
        kw["default_graph"] = [ox.NamedNode(g) for g in req.get("default_graphs") or []] or None
        if req.get("named_graphs"):
            kw["named_graphs"] = [ox.NamedNode(g) for g in req["named_graphs"]]
    # otherwise the store's default graph, which pmkg fills with the union of the named graphs (each
    # distinct triple once: kg.store), and FROM / FROM NAMED in the query mean what they say
    bindings = {k: _to_ox(v) for k, v in (req.get("bindings") or {}).items()}
    try:
        try:
            subs = {ox.Variable(k): v for k, v in bindings.items()}
            res = store.query(text, substitutions=subs or None, **kw)
        except RuntimeError as e:
            if not bindings or "projection" not in str(e):
                raise
            # Oxigraph substitutes projected variables only: join the others as a VALUES block instead
            from .store import bind_values

            res = store.query(bind_values(text, bindings), **kw)
    except SyntaxError as e:
        if looks_like_update(text):
            raise Problem(403, "this endpoint is read-only: SPARQL Update is not accepted") from None
        raise locate_syntax_error(text, e) from None
    except ValueError as e:  # e.g. a protocol graph name that is not an IRI
        raise Problem(400, f"bad request: {' '.join(str(e).split())[:300]}") from None
    max_rows = int(req.get("max_rows") or 10_000)
    limit = min(int(req.get("limit") or max_rows), max_rows)
    offset = max(int(req.get("offset") or 0), 0)
    if isinstance(res, ox.QueryBoolean):
        fmt = TABLE if req.get("format") == [TABLE] else negotiate("ASK", req.get("accept"), req.get("format"))
        rf = ox.QueryResultsFormat.JSON if fmt == TABLE else getattr(ox.QueryResultsFormat, RESULT_FORMATS[fmt][1])
        return "ASK", fmt, res.serialize(format=rf) or b"", False
    if isinstance(res, ox.QuerySolutions):
        fmt = TABLE if req.get("format") == [TABLE] else negotiate("SELECT", req.get("accept"), req.get("format"))
        sink = _LineWindow(limit, offset, head=1)  # TSV: a header line, then one line per solution
        try:
            res.serialize(cast(IO[bytes], sink), ox.QueryResultsFormat.TSV)
        except _Full:
            pass
        tsv = sink.kept()
        if fmt == "tsv":
            return "SELECT", fmt, tsv, sink.full
        rf = ox.QueryResultsFormat.JSON if fmt == TABLE else getattr(ox.QueryResultsFormat, RESULT_FORMATS[fmt][1])
        body = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=rf) or b""
        return "SELECT", fmt, body, sink.full
    kind = "DESCRIBE" if re.search(r"(?<![\w?$:.\-])DESCRIBE\b", _blank(text), re.IGNORECASE) else "CONSTRUCT"
    fmt = TABLE if req.get("format") == [TABLE] else negotiate(kind, req.get("accept"), req.get("format"))
    sink = _LineWindow(limit, offset)
    try:
        res.serialize(cast(IO[bytes], sink), ox.RdfFormat.N_TRIPLES)
    except _Full:
        pass
    return _graph_answer(kind, fmt, sink.kept(), sink.full, prefixes)


def _graph_answer(kind: str, fmt: str, nt: bytes, more: bool, prefixes: dict[str, str] | None):
    """A graph (N-Triples) in format key ``fmt``: (kind, fmt, body, more)."""
    import pyoxigraph as ox

    if fmt == TABLE:
        return kind, fmt, _graph_table(nt), more
    if fmt == "nt":
        return kind, fmt, nt, more
    rf = getattr(ox.RdfFormat, GRAPH_FORMATS[fmt][1])
    triples = ox.parse(nt, ox.RdfFormat.N_TRIPLES)
    if rf == ox.RdfFormat.TURTLE:
        return kind, fmt, ox.serialize(triples, format=rf, prefixes=prefixes or {}) or b"", more
    return kind, fmt, ox.serialize(triples, format=rf) or b"", more


# --- the worker process -----------------------------------------------------------------------------

#: the worker's thread stack: rdflib's parser recurses once per nested construct of the query
STACK_BYTES = 256 << 20
RECURSION_LIMIT = 50_000


def _open(source: tuple[str, str]):
    import pyoxigraph as ox

    kind, path = source
    if kind == "dir":
        return ox.Store.read_only(path)
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    return store


def address_space() -> int:
    """This process's virtual memory size in bytes (Linux), or 0 when it cannot be read."""
    import resource

    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def limit_memory(extra_bytes: int) -> int:
    """Cap this process's address space at its present size plus ``extra_bytes`` (RLIMIT_AS); returns
    the cap, or 0 where it cannot be set. Past the cap an allocation fails: Oxigraph (Rust) aborts the
    process and Python raises MemoryError; either way only this worker stops."""
    import resource

    base = address_space()
    if not base or extra_bytes <= 0:
        return 0
    cap = base + extra_bytes
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        return 0
    return cap


def _worker_main(inbox, outbox, setup: dict, answer: Callable = execute) -> None:
    """Worker loop: hold the store, answer requests from ``inbox`` on ``outbox`` until the pipe closes."""
    sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        store = _open(tuple(setup["source"]))
        from rdflib.plugins.sparql.parser import parseQuery

        from . import store as _  # noqa: F401  (loaded before the cap: binding terms needs it)
        parseQuery("ASK {}")   # build rdflib's grammar now, before the memory cap
    except Exception as e:  # noqa: BLE001 (whatever it is, the parent reports it and stops)
        outbox.send(("dead", f"cannot open the store: {e}"))
        return
    cap = limit_memory(int(setup.get("memory_bytes") or 0))
    outbox.send(("ready", len(store), cap))
    prefixes = setup.get("prefixes") or {}
    while True:
        try:
            req = inbox.recv()
        except (EOFError, OSError):
            return
        try:
            outbox.send(("ok", *answer(store, req, prefixes)))
        except Problem as e:
            outbox.send(("problem", e.status, e.message, e.where))
        except MemoryError:
            outbox.send(("problem", 503, "query stopped: it needed more memory than this endpoint allows a query", {}))
            return  # the parent starts a fresh worker
        except RecursionError:
            outbox.send(("problem", 400, "query too deeply nested for this endpoint", {}))
        except Exception as e:  # noqa: BLE001 (an evaluation error belongs to this query, not to the worker)
            outbox.send(("problem", 400, f"query failed: {' '.join(str(e).split())[:500]}", {}))


def worker_process(answer: Callable = execute) -> None:
    """Entry point of a worker process: requests on stdin, answers on stdout (pickled, by
    multiprocessing.connection), the setup (source, prefixes, memory) as the first message; each
    request answered by ``answer`` (:func:`execute`, or kg.serve_named's, which adds named queries)."""
    import os
    import threading
    from multiprocessing.connection import Connection

    inbox, outbox = Connection(os.dup(0), writable=False), Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # nothing else may write into the answer pipe
    sys.stdout = sys.stderr
    setup = inbox.recv()
    threading.stack_size(STACK_BYTES)
    t = threading.Thread(target=_worker_main, args=(inbox, outbox, setup, answer), name="pmkg-worker")
    t.start()
    t.join()
