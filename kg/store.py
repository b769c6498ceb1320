"""Where the graph lives when it is queried: one small interface, several back ends.

Every command that reads the graph goes through a :class:`Store`, so the same
named query gives the same answer in memory (rdflib, the default), in
Oxigraph (in memory or persistent on disk), or on any SPARQL 1.1 endpoint.
Parameters are always *bound* (rdflib initBindings in memory, Oxigraph
substitutions, or a VALUES block of terms serialised by rdflib's ``n3()``
joined at the start of the WHERE group for endpoints), never pasted into
query text.

``open_store(spec)`` turns the CLI's ``--store memory|oxigraph[:DIR]`` and
``--endpoint URL`` into a store.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from rdflib import Dataset, Graph
from rdflib.term import Identifier

#: File written into a persistent Oxigraph folder: what was loaded, so a stale store is rebuilt.
MARKER = "pmkg-store.json"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class StoreError(OSError):
    """A store could not be opened, loaded or reached (the CLI exits 2 with this message)."""


class SparqlSyntaxError(ValueError):
    """The SPARQL text is malformed: the engine's own message, which starts "error at LINE:COLUMN"."""


@dataclass
class Result:
    """A query result in one shape for every store.

    ``kind`` is SELECT, ASK, CONSTRUCT or DESCRIBE. SELECT fills ``vars`` and
    ``rows`` (tuples of rdflib terms, None where unbound); ASK fills ``boolean``;
    CONSTRUCT and DESCRIBE fill ``graph``.
    """

    kind: str
    vars: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def records(self) -> list[dict]:
        """SELECT rows as dicts of Python values (str for IRIs), ready for ``pandas.DataFrame``."""
        out = []
        for row in self.rows:
            out.append({v: (None if t is None else t.toPython() if hasattr(t, "toPython") else str(t))
                        for v, t in zip(self.vars, row)})
        return out


class Store(Protocol):
    """What a back end offers: a SPARQL query with bound parameters over the union of all graphs.

    Every store here also offers ``dataset()`` (all quads as an rdflib Dataset, for export)
    and ``describe()`` (a one-line description for messages).
    """

    def query(self, sparql: str, bindings: dict[str, Identifier] | None = None) -> Result: ...


class MemoryStore:
    """rdflib's in-memory Dataset (the default): queries see the union of all named graphs as the
    default graph, and each source's graph through GRAPH."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds

    def query(self, sparql: str, bindings: dict[str, Identifier] | None = None) -> Result:
        from rdflib import Variable

        res = self.ds.query(sparql, initBindings={Variable(k): v for k, v in (bindings or {}).items()})
        kind = res.type
        if kind == "SELECT":
            names = [str(v) for v in res.vars]
            return Result(kind, names, [tuple(row) for row in res])
        if kind == "ASK":
            return Result(kind, boolean=bool(res.askAnswer))
        g = Graph()
        for t in res:
            g.add(t)
        return Result(kind, graph=g)

    def dataset(self) -> Dataset:
        return self.ds

    def describe(self) -> str:
        return "rdflib memory store"


# --- terms between rdflib and pyoxigraph -------------------------------------------------------

def from_ox(t):
    """A pyoxigraph term as the equal rdflib term (plain literals stay plain, as rdflib builds them)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return Literal(t.value, datatype=None if dt == XSD_STRING else URIRef(dt))
    raise TypeError(f"unsupported RDF term from Oxigraph: {t!r}")


def to_ox(t):
    """An rdflib term as the equal pyoxigraph term."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise TypeError(f"cannot bind a {type(t).__name__} ({t!r}): give an rdflib URIRef, Literal or BNode")


def _result_from_ox(res, kind_hint: str | None = None) -> Result:
    """Turn a pyoxigraph query result (solutions, boolean or triples) into a :class:`Result`."""
    import pyoxigraph as ox

    if isinstance(res, ox.QuerySolutions):
        names = [v.value for v in res.variables]
        rows = [tuple(from_ox(sol[i]) for i in range(len(names))) for sol in res]
        return Result("SELECT", names, rows)
    if isinstance(res, ox.QueryBoolean) or isinstance(res, bool):
        return Result("ASK", boolean=bool(res))
    g = Graph()
    for t in res:
        g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
    return Result(kind_hint or "CONSTRUCT", graph=g)


def _kind_of(sparql: str) -> str:
    """CONSTRUCT or DESCRIBE for a graph result (Oxigraph does not say which)."""
    import re

    body = re.sub(r'<[^>\s]*>|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|#[^\n]*', " ", sparql)
    m = re.search(r"\b(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", body, re.I)
    return m.group(1).upper() if m else "CONSTRUCT"


def _bind_prefixes(ds: Dataset, base: str | None) -> Dataset:
    from .iris import default_base
    from .namespaces import bind

    bind(ds, base or default_base())
    return ds


# --- Oxigraph ------------------------------------------------------------------------------------

class OxigraphStore:
    """Oxigraph through pyoxigraph: in memory, or persistent (RocksDB) in a folder.

    Queries run with the union of the named graphs as default graph, like :class:`MemoryStore`.
    Build one with :meth:`from_nquads` (in memory) or :meth:`persistent` (on disk, loaded once).
    """

    def __init__(self, store, path: Path | None = None, base: str | None = None) -> None:
        self.store = store
        self.path = path
        self.base = base

    @classmethod
    def from_nquads(cls, nquads: bytes | str | Path, base: str | None = None) -> "OxigraphStore":
        """An in-memory store bulk-loaded from N-Quads (bytes, or a file path)."""
        import pyoxigraph as ox

        store = ox.Store()
        _bulk_load(store, nquads)
        return cls(store, None, base)

    @classmethod
    def from_dataset(cls, ds: Dataset, base: str | None = None) -> "OxigraphStore":
        """An in-memory store holding every quad of an rdflib Dataset."""
        return cls.from_nquads(ds.serialize(format="nquads", encoding="utf-8"), base)

    @classmethod
    def persistent(cls, path: Path | str, key: str, nquads: Callable[[], bytes | Path],
                   base: str | None = None) -> "OxigraphStore":
        """The store in folder ``path``, (re)loaded from ``nquads()`` only when ``key`` differs from
        the key recorded in the folder (so later processes reuse it without building anything).

        A fresh store is opened read-only, so several processes can read it at once. Raises
        :class:`StoreError` naming the folder when it is not a folder, not a pmkg store, corrupt, or
        in use by another process.
        """
        import pyoxigraph as ox

        path = Path(path)
        if path.exists() and not path.is_dir():
            raise StoreError(f"Oxigraph store {path}: not a folder")
        marker = _read_marker(path)
        if marker is None and path.is_dir() and any(path.iterdir()):
            raise StoreError(f"Oxigraph store {path}: the folder is not empty and holds no pmkg store "
                             f"(no {MARKER}); give a new or empty folder")
        if marker is not None and marker.get("key") == key:
            try:
                return cls(ox.Store.read_only(str(path)), path, base)
            except (OSError, RuntimeError) as e:  # RocksDB reports corruption as RuntimeError
                raise StoreError(f"Oxigraph store {path}: cannot be opened ({_oneline(e)}); it looks corrupt: "
                                 f"delete the folder and it will be rebuilt") from None
        path.mkdir(parents=True, exist_ok=True)
        try:
            store = ox.Store(str(path))
        except (OSError, RuntimeError) as e:
            msg = _oneline(e)
            if "lock" in msg.lower():
                raise StoreError(f"Oxigraph store {path}: in use by another process (it holds the lock), "
                                 f"so it cannot be rebuilt now; stop that process or use another folder") from None
            raise StoreError(f"Oxigraph store {path}: cannot be opened ({msg}); it looks corrupt: "
                             f"delete the folder and it will be rebuilt") from None
        # the marker says "loading" until the load is complete: a crash leaves a store that is rebuilt
        _write_marker(path, {"key": None, "state": "loading"})
        store.clear()
        _bulk_load(store, nquads())
        store.flush()
        from . import __version__
        _write_marker(path, {"key": key, "state": "ready", "quads": len(store), "pmkg": __version__})
        return cls(store, path, base)

    def query(self, sparql: str, bindings: dict[str, Identifier] | None = None) -> Result:
        import pyoxigraph as ox

        try:
            try:
                subs = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
                res = self.store.query(sparql, use_default_graph_as_union=True, substitutions=subs or None)
            except RuntimeError as e:
                if "projection" not in str(e):
                    raise
                # Oxigraph substitutes projected variables only: join the others as a VALUES block instead
                res = self.store.query(bind_values(sparql, bindings), use_default_graph_as_union=True)
            return _result_from_ox(res, _kind_of(sparql))
        except SyntaxError as e:
            raise SparqlSyntaxError(str(e)) from None

    def dataset(self) -> Dataset:
        import pyoxigraph as ox

        ds = Dataset(default_union=True)
        ds.parse(data=self.store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
        return _bind_prefixes(ds, self.base)

    def __len__(self) -> int:
        return len(self.store)

    def describe(self) -> str:
        return f"Oxigraph store in {self.path}" if self.path else "Oxigraph in-memory store"


def _bulk_load(store, nquads: bytes | str | Path) -> None:
    import pyoxigraph as ox

    if isinstance(nquads, Path):
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    else:
        store.bulk_load(nquads.encode("utf-8") if isinstance(nquads, str) else nquads, format=ox.RdfFormat.N_QUADS)


def _read_marker(path: Path) -> dict | None:
    f = path / MARKER
    if not f.is_file():
        return None
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # unreadable marker: the store is stale, rebuild it


def _write_marker(path: Path, data: dict) -> None:
    from .files import atomic_write

    atomic_write(path / MARKER, json.dumps(data, indent=2) + "\n")


def _oneline(e: BaseException) -> str:
    return " ".join(str(e).split())


def source_key(data_dir: Path | str, ontology_dir: Path | str, base: str) -> str:
    """A content hash of everything the built graph depends on: the data and ontology files, the base
    IRI and the pmkg code (so a persistent store is rebuilt when any of them changes)."""
    from . import __version__

    h = hashlib.sha256(f"pmkg {__version__}\nbase {base}\n".encode())
    for label, folder, suffixes in (("data", Path(data_dir), (".yaml", ".yml")),
                                    ("ontology", Path(ontology_dir), (".ttl",)),
                                    ("code", Path(__file__).resolve().parent, (".py",))):
        for p in sorted(folder.rglob("*")):
            if p.is_file() and p.suffix in suffixes:
                h.update(f"{label}/{p.relative_to(folder).as_posix()}\n".encode())
                h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


# --- any SPARQL 1.1 endpoint ---------------------------------------------------------------------

#: Environment variables read for endpoint authentication (values never printed).
AUTH_ENV = "PMKG_ENDPOINT_AUTH"     # USER:PASSWORD for HTTP Basic
TOKEN_ENV = "PMKG_ENDPOINT_TOKEN"   # a bearer token

_RESULT_TYPES = {
    "application/sparql-results+json": "JSON", "application/json": "JSON",
    "application/sparql-results+xml": "XML", "application/xml": "XML",
    "text/tab-separated-values": "TSV",
}
_RDF_TYPES = {
    "application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES", "text/turtle": "TURTLE",
    "application/x-turtle": "TURTLE", "application/rdf+xml": "RDF_XML", "application/ld+json": "JSON_LD",
    "application/n-quads": "N_QUADS", "application/trig": "TRIG",
}
_ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
           "application/n-triples;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.5")


def auth_header(auth: str | None = None, token: str | None = None) -> dict[str, str]:
    """The Authorization header from ``auth`` (USER:PASSWORD, Basic) or ``token`` (Bearer), falling back
    to $PMKG_ENDPOINT_AUTH / $PMKG_ENDPOINT_TOKEN; empty when none is set."""
    auth = auth or os.environ.get(AUTH_ENV)
    token = token or os.environ.get(TOKEN_ENV)
    if token:
        return {"Authorization": f"Bearer {token}"}
    if auth:
        if ":" not in auth:
            raise StoreError(f"endpoint credentials must be USER:PASSWORD (from --auth or ${AUTH_ENV})")
        return {"Authorization": "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")}
    return {}


def split_userinfo(url: str) -> tuple[str, str | None]:
    """``url`` without any ``user:password@`` part, and that part (so it is sent as a header, never shown)."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"not an http(s) endpoint URL: {public_url(url)!r}")
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=host)), unquote(userinfo)


def public_url(url: str) -> str:
    """``url`` safe to print: any credentials removed."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if "@" in parts.netloc:
        parts = parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1])
    return urlunsplit(parts)


#: request headers that carry credentials: never sent to an origin other than the one they were meant for
CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")


def _origin(url: str) -> tuple[str, str, int | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


def _opener():
    """A urllib opener whose redirects drop the credential headers when they lead to another origin
    (scheme, host, port): urllib's own handler copies every header to wherever a 30x points."""
    import urllib.request

    class SameOriginCredentials(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
            if new is not None and _origin(newurl) != _origin(req.full_url):
                for name in CREDENTIAL_HEADERS:
                    for store in (new.headers, new.unredirected_hdrs):
                        for key in [k for k in store if k.lower() == name.lower()]:
                            del store[key]
            return new

    return urllib.request.build_opener(SameOriginCredentials)


def http_request(method: str, url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
                 timeout: float = 60.0, what: str = "SPARQL endpoint") -> tuple[int, str, bytes]:
    """One HTTP request with urllib; returns (status, content type, body) for 2xx answers.

    Any failure (unreachable host, timeout, non-2xx answer) raises :class:`StoreError` with a one-line
    reason and the URL without credentials; request headers (which may hold credentials) are never shown.
    """
    import http.client
    import socket
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    shown = public_url(url)
    try:
        with _opener().open(req, timeout=timeout) as resp:
            ctype = resp.headers.get_content_type()
            return resp.status, ctype, resp.read()
    except urllib.error.HTTPError as e:
        try:
            body = e.read().decode("utf-8", "replace")
        except Exception:  # the body is only a hint for the message
            body = ""
        hint = f": {_oneline(body)[:400]}" if body.strip() else ""
        raise StoreError(f"{what} {shown} answered HTTP {e.code} {e.reason}{hint}") from None
    except urllib.error.URLError as e:
        raise StoreError(f"cannot reach the {what} {shown}: {_oneline(e.reason)}") from None
    except http.client.HTTPException as e:  # e.g. the connection dropped halfway through the answer
        raise StoreError(f"the {what} {shown} sent a broken answer: {type(e).__name__} {_oneline(e)}") from None
    except (socket.timeout, TimeoutError):
        raise StoreError(f"the {what} {shown} did not answer within {timeout:g} s") from None
    except (ConnectionError, OSError) as e:
        raise StoreError(f"cannot talk to the {what} {shown}: {_oneline(e)}") from None


def values_clause(bindings: dict[str, Identifier] | None) -> str:
    """A SPARQL VALUES block binding each variable to its term, written by rdflib's ``n3()`` (which
    escapes quotes and brackets, so a hostile value stays one term and cannot change the query)."""
    from rdflib import BNode, Literal, URIRef

    if not bindings:
        return ""
    names, terms = [], []
    for k, v in bindings.items():
        if not k.isidentifier():
            raise ValueError(f"not a SPARQL variable name: {k!r}")
        if not isinstance(v, (URIRef, Literal)) or isinstance(v, BNode):
            raise ValueError(f"parameter {k!r}: only IRIs and literals can be bound, not {v!r}")
        if isinstance(v, URIRef) and any(c in str(v) for c in '<>"{}|^`\\ \n\t'):
            raise ValueError(f"parameter {k!r}: not a valid IRI: {str(v)!r}")
        names.append(f"?{k}")
        terms.append(v.n3())
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def _where_brace(sparql: str) -> int | None:
    """The index just after the '{' that opens the query's WHERE group, or None when it cannot be told
    (the group is a sub-SELECT, or the text is too unusual). Skips comments, strings and IRIs."""
    import re

    i, n = 0, len(sparql)
    braces = parens = 0
    form = None
    groups_seen = 0
    after_where = False
    while i < n:
        c = sparql[i]
        if c == "#":
            j = sparql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c in "\"'":
            q3 = sparql[i:i + 3]
            if q3 in ('"""', "'''"):
                j = sparql.find(q3, i + 3)
                while j > 0 and sparql[j - 1] == "\\" and sparql[j - 2] != "\\":
                    j = sparql.find(q3, j + 1)
                if j < 0:
                    return None
                i = j + 3
                continue
            j = i + 1
            while j < n and sparql[j] != c:
                j += 2 if sparql[j] == "\\" else 1
            i = j + 1
            continue
        if c == "<":
            m = re.match(r'<[^<>"{}|^`\\\s]*>', sparql[i:])
            if m:
                i += m.end()
                continue
        if c.isalpha() and (i == 0 or not (sparql[i - 1].isalnum() or sparql[i - 1] in "_?$:")):
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", sparql[i:])
            word = m.group(0).upper()
            if braces == 0 and parens == 0:
                if form is None and word in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"):
                    form = word
                elif word == "WHERE" and form is not None:
                    after_where = True
            i += m.end()
            continue
        if c == "(":
            parens += 1
        elif c == ")":
            parens -= 1
        elif c == "{":
            if braces == 0 and parens == 0 and form is not None:
                groups_seen += 1
                is_where = after_where or form != "CONSTRUCT" or groups_seen == 2
                if is_where:
                    rest = sparql[i + 1:]
                    if re.match(r"\s*(#[^\n]*\n\s*)*SELECT\b", rest, re.I):
                        return None  # a sub-SELECT cannot be preceded by VALUES inside its group
                    if form == "CONSTRUCT" and groups_seen == 1 and after_where and \
                            re.search(r"CONSTRUCT\s*WHERE\s*$", sparql[:i], re.I):
                        return None  # CONSTRUCT WHERE { template } allows triples only
                    return i + 1
            braces += 1
        elif c == "}":
            braces -= 1
        i += 1
    return None


def bind_values(sparql: str, bindings: dict[str, Identifier] | None) -> str:
    """``sparql`` with ``bindings`` as a VALUES block at the start of its WHERE group.

    Joining the values first is what pre-binding means (rdflib's initBindings): a trailing VALUES
    clause would be joined only after GROUP BY, so a parameter used to filter before counting would
    multiply the groups instead. Where the WHERE group cannot be located (a sub-SELECT body) the block
    goes at the end, which is the same thing for queries without aggregation.
    """
    block = values_clause(bindings)
    if not block:
        return sparql
    at = _where_brace(sparql)
    if at is None:
        return sparql.rstrip() + "\n" + block + "\n"
    return sparql[:at] + " " + block + "\n" + sparql[at:]


class EndpointStore:
    """Any SPARQL 1.1 endpoint over HTTP (Oxigraph server, Fuseki, GraphDB, Virtuoso, QLever ...).

    Queries are sent with POST (form-encoded ``query=``, SPARQL 1.1 Protocol); parameters travel as a
    VALUES block (:func:`bind_values`). Results are read as SPARQL JSON/XML/TSV or as an RDF graph.
    """

    def __init__(self, url: str, *, auth: str | None = None, token: str | None = None,
                 timeout: float = 60.0, base: str | None = None) -> None:
        self.url, userinfo = split_userinfo(url)
        self.headers = auth_header(auth or userinfo, token)
        self.timeout = timeout
        self.base = base

    def query(self, sparql: str, bindings: dict[str, Identifier] | None = None) -> Result:
        from urllib.parse import urlencode

        text = bind_values(sparql, bindings)
        headers = {**self.headers, "Accept": _ACCEPT,
                   "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        _, ctype, body = http_request("POST", self.url, data=urlencode({"query": text}).encode("utf-8"),
                                      headers=headers, timeout=self.timeout)
        return self._parse(ctype, body, _kind_of(sparql))

    def _parse(self, ctype: str, body: bytes, kind: str) -> Result:
        import pyoxigraph as ox

        try:
            if ctype in _RESULT_TYPES:
                return _result_from_ox(ox.parse_query_results(body, getattr(ox.QueryResultsFormat, _RESULT_TYPES[ctype])))
            if ctype in _RDF_TYPES:
                return _result_from_ox(ox.parse(body, getattr(ox.RdfFormat, _RDF_TYPES[ctype])), kind)
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"SPARQL endpoint {public_url(self.url)} sent a malformed {ctype} answer: "
                             f"{_oneline(e)[:300]}") from None
        raise StoreError(f"SPARQL endpoint {public_url(self.url)} answered with {ctype or 'no content type'}, "
                         f"which is not a SPARQL result format (is the URL the query endpoint?)")

    def dataset(self) -> Dataset:
        """Every quad of the endpoint's named graphs (or its default graph when it has none)."""
        from rdflib import URIRef

        ds = Dataset(default_union=True)
        res = self.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
        for g, s, p, o in res.rows:
            ds.graph(URIRef(str(g))).add((s, p, o))
        if not res.rows:
            for t in self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").graph:
                ds.add(t)
        return _bind_prefixes(ds, self.base)

    def describe(self) -> str:
        return f"SPARQL endpoint {public_url(self.url)}"


# --- choosing a store ----------------------------------------------------------------------------

STORE_KINDS = ("memory", "oxigraph", "oxigraph:DIR")


def open_store(spec: str | None = None, *, endpoint: str | None = None,
               data_dir: Path | str | None = None, ontology_dir: Path | str | None = None,
               base: str | None = None, dataset: Dataset | None = None,
               auth: str | None = None, token: str | None = None, timeout: float = 60.0):
    """The store named by the CLI options: ``--endpoint URL`` wins; else ``spec`` is ``memory``
    (default: rdflib, built from ``data_dir``), ``oxigraph`` (in memory) or ``oxigraph:DIR``
    (persistent, rebuilt only when the data, ontology, base or code changed).

    ``dataset`` skips building when the caller already has the graph. Raises :class:`StoreError`
    (or :class:`ValueError` for an unknown spec).
    """
    from . import paths
    from .iris import check_base, default_base

    if endpoint:
        if spec not in (None, "memory"):
            raise ValueError("give either --store or --endpoint, not both")
        return EndpointStore(endpoint, auth=auth, token=token, timeout=timeout, base=base)
    spec = spec or "memory"
    base = check_base(base or default_base())

    def built() -> Dataset:
        if dataset is not None:
            return dataset
        from .build import build

        return build(data_dir, ontology_dir, base)

    if spec == "memory":
        return MemoryStore(built())
    if spec == "oxigraph":
        return OxigraphStore.from_dataset(built(), base)
    if spec.startswith("oxigraph:") and spec[len("oxigraph:"):]:
        folder = Path(spec[len("oxigraph:"):]).expanduser()
        if dataset is not None:
            nq = dataset.serialize(format="nquads", encoding="utf-8")
            key = "dataset:" + hashlib.sha256(nq).hexdigest()
            return OxigraphStore.persistent(folder, key, lambda: nq, base)
        key = source_key(Path(data_dir or paths.data_dir()), Path(ontology_dir or paths.ontology_dir()), base)
        if data_dir is None:  # the project's graph includes the kept imports: a new import makes the store stale
            from .importers import fingerprint

            key += ":imports:" + fingerprint()
        return OxigraphStore.persistent(folder, key, lambda: built().serialize(format="nquads", encoding="utf-8"),
                                        base)
    raise ValueError(f"unknown store {spec!r}: expected memory, oxigraph or oxigraph:DIR")
