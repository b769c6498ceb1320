"""Named SPARQL queries: the library in ``queries/*.rq``, their parameters, running them, and output.

A named query is a file ``queries/<name>.rq`` that runs unchanged in any SPARQL 1.1 tool: it declares
its own PREFIXes and starts with a header comment of ``key: value`` lines (a line indented by two
more spaces continues the value above)::

    # title: Consortium of a project or collaboration
    # question: Who takes part in a project, in which role, and what kind of organisation
    #   from which country is each member?
    # param: project (entity, default PRIME-ROSE): the project, collaboration or trial
    # param: hops (integer 1-3, default 1): how many links away
    # param: country (country, optional): only this country
    # example: pmkg query consortium --param project=ECHoS

Parameter types: ``entity`` (a name, an acronym, an id or an IRI, resolved by :mod:`kg.resolve`),
``integer`` (with an optional range), ``string``, ``country`` (an ISO 3166-1 code or an English name,
bound as its code) and ``boolean`` (true/false, yes/no, 1/0; bound as xsd:boolean). A parameter
without a default is optional and stays unbound. Files whose name starts with ``_`` are helpers
(``_network-*`` feed kg/network.py, ``_stats-*`` kg/stats.py): they are not listed but can be run.

Parameters are *bound* by the store (rdflib ``initBindings``, Oxigraph ``substitutions``, a VALUES
block at the start of the WHERE group for an endpoint), never pasted into the text. So that every
store gives the same answer, a library query projects every parameter variable (Oxigraph only
substitutes projected variables), binds it by a triple pattern wherever a group uses it (Oxigraph
folds BIND and BOUND of a variable no pattern binds), and never lets a FILTER inside a subquery
decide on it (with a VALUES block it is unbound there; rdflib, given initBindings, sees it
everywhere). tests/test_queries_library.py checks each query in rdflib and Oxigraph.
"""
from __future__ import annotations

import csv
import difflib
import io
import json
import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import answers, guard, paths
from .config import default_base
from .neighbourhoods import Subgraph
from .options import QUERY_FORMATS
from .prefixes import prefixes, sparql_prolog
from .resolve import ResolveError, Resolver
from .store import OxigraphStore, Result, Store, Term, bulk, kind_of, tsv_term

PARAM_TYPES = ("entity", "integer", "string", "country", "boolean")
#: What a boolean parameter accepts (any case), and what each means.
BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
#: Header keys: ``param`` and ``example`` may repeat; ``description`` is another name for ``question``;
#: ``parameters``, ``note`` and ``hidden`` are free text; ``algorithm`` names the graph algorithm of
#: :mod:`kg.walk` that pmkg answers the query with (its first word), and ``limit`` the rows ``pmkg query``
#: prints unless told otherwise.
HEADER_KEYS = ("title", "question", "description", "param", "parameters", "example", "note", "hidden",
               "algorithm", "limit")
#: Output formats; ``json`` is SPARQL JSON for SELECT/ASK and JSON-LD for graphs.
FORMATS = QUERY_FORMATS
_NAME = re.compile(r"^_?[a-z0-9][a-z0-9-]*$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class QueryError(ValueError):
    """A query could not be run as asked: unknown name, bad parameter, syntax error (CLI exit code 2)."""


class UnknownQuery(QueryError):
    """No named query of that name."""


class ParameterError(QueryError):
    """A parameter value that is missing, malformed, unknown or ambiguous."""


class HeaderError(QueryError):
    """A library query whose header comment is malformed."""


class QuerySyntaxError(QueryError):
    """The SPARQL text does not parse: carries the line, the column and the offending line."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 text: str | None = None, source: str | None = None) -> None:
        self.message, self.line, self.column, self.text, self.source = message, line, column, text, source
        where = f"{source}: " if source else ""
        if line is not None:
            where += f"line {line}" + (f", column {column}" if column is not None else "") + ": "
        detail = ""
        if text is not None:
            detail = f"\n    {text}"
            if column is not None:
                detail += "\n    " + " " * max(column - 1, 0) + "^"
        super().__init__(f"SPARQL syntax error: {where}{message}{detail}")


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str = "string"
    default: Any = None
    doc: str = ""
    min: int | None = None
    max: int | None = None

    def describe(self) -> str:
        dflt = "optional" if self.default is None else f"default {self.default}"
        rng = f" {self.min}-{self.max}" if self.min is not None else ""
        return f"{self.name} ({self.type}{rng}, {dflt})"


@dataclass
class NamedQuery:
    """A query with its header: from the library, from a user's file, or ad-hoc text."""

    name: str
    text: str
    title: str = ""
    question: str = ""
    params: list[Param] = field(default_factory=list)
    example: str = ""
    path: Path | None = None
    library: bool = False      # from queries/: its header is checked strictly, unknown parameters refused
    algorithm: str = ""        # a kg.walk algorithm that gives this query's rows (header ``algorithm:``)
    limit: int | None = None   # rows ``pmkg query`` prints by default (header ``limit:``)

    @property
    def hidden(self) -> bool:
        return self.name.startswith("_")

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def summary(self, width: int = 24) -> str:
        """One line: the name, the question (its first sentence) and the parameters."""
        m = re.match(r"(.+?[?.])(\s|$)", self.question)
        question = m.group(1) if m else (self.question or self.title)
        params = "; ".join(p.describe() for p in self.params)
        return f"{self.name.ljust(width)}  {question}" + (f"  [{params}]" if params else "")

    def describe(self) -> str:
        """Everything the header says, for ``pmkg queries NAME``."""
        lines = [f"{self.name}: {self.title}", "", textwrap.fill(self.question, 96), ""]
        if self.params:
            lines.append("Parameters (--param NAME=VALUE):")
            lines += [f"  {p.describe()}: {p.doc}" for p in self.params]
        else:
            lines.append("Parameters: none")
        if self.example:
            lines += ["", "Example:"] + [f"  {e}" for e in self.example.splitlines()]
        if self.limit:
            lines += ["", f"pmkg query writes its first {self.limit} rows unless --limit says otherwise "
                          f"(--limit 0: all); the total is reported."]
        if self.algorithm:
            lines += ["", "pmkg answers it by a bounded breadth-first search over the store (kg/walk.py), "
                          "with the rows of the SPARQL below."]
        if self.path:
            lines += ["", f"File: {self.path}"]
        return "\n".join(lines) + "\n"


# --- the library -------------------------------------------------------------------------------

def queries_dir() -> Path:
    """The folder of named queries (``queries/`` of the project)."""
    return paths.queries_dir()


def read_header(text: str) -> list[tuple[str, str, int]]:
    """The ``(key, value, line)`` entries of the header comment at the top of ``text``.

    The header is the run of comment lines the file starts with; an entry is ``# key: value`` and a
    line indented by two or more spaces continues the entry above. Other comment lines are prose.
    """
    entries: list[list] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        body = line[1:]
        m = re.match(r" ?([a-z][a-z-]*):(?:\s+(.*))?$", body)
        if m:
            entries.append([m.group(1), (m.group(2) or "").strip(), n])
        elif entries and re.match(r" {2,}\S", body):
            entries[-1][1] = (entries[-1][1] + " " + body.strip()).strip()
    return [(k, v, n) for k, v, n in entries]


_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s*:?\s*(.*)$", re.S)


def parse_param(spec: str, where: str) -> Param:
    """``name (type[ min-max][, default VALUE | , optional]): what it is`` as a :class:`Param`."""
    m = _PARAM.match(spec)
    if not m:
        raise HeaderError(f"{where}: 'param: {spec}' should read 'param: name (type, default value): what it is'")
    name, inside, doc = m.groups()
    parts = [p.strip() for p in inside.split(",")]
    typ, lo, hi = parts[0], None, None
    r = re.fullmatch(r"(\w+)\s+(-?\d+)\s*-\s*(-?\d+)", typ)
    if r:
        typ, lo, hi = r.group(1), int(r.group(2)), int(r.group(3))
    if typ not in PARAM_TYPES:
        raise HeaderError(f"{where}: parameter {name}: type {typ!r} is not one of {', '.join(PARAM_TYPES)}")
    default = None
    for extra in parts[1:]:
        if extra.startswith("default "):
            default = extra[len("default "):].strip()
        elif extra != "optional":
            raise HeaderError(f"{where}: parameter {name}: {extra!r} is neither 'default VALUE' nor 'optional'")
    return Param(name, typ, default, doc.strip(), lo, hi)


def from_text(text: str, name: str, path: Path | None = None, library: bool = False) -> NamedQuery:
    """A :class:`NamedQuery` from SPARQL text with an optional header comment.

    A library query's header is checked strictly (title, question, example; known keys only); a
    helper's (``_name``) or a user's is read as far as it goes.
    """
    source = str(path) if path else name
    strict = library and not name.startswith("_")
    q = NamedQuery(name=name, text=text, path=path, library=library)
    examples = []
    for key, value, line in read_header(text):
        where = f"{source}, line {line}"
        if key == "title":
            q.title = value
        elif key in ("question", "description"):
            q.question = value
        elif key == "param":
            q.params.append(parse_param(value, where))
        elif key == "example":
            examples.append(value)
        elif key == "algorithm":
            from .walk import ALGORITHMS

            q.algorithm = (value.split() or [""])[0]
            if q.algorithm not in ALGORITHMS:
                raise HeaderError(f"{where}: algorithm {q.algorithm!r} is not one of {', '.join(ALGORITHMS)}")
        elif key == "limit":
            if not value.split() or not value.split()[0].isdigit():
                raise HeaderError(f"{where}: 'limit: {value}' should start with a number of rows")
            q.limit = int(value.split()[0])
        elif strict and key not in HEADER_KEYS:
            raise HeaderError(f"{where}: unknown header key {key!r}; expected one of {', '.join(HEADER_KEYS)}")
    q.example = "\n".join(examples)
    if strict:
        missing = [k for k, v in (("title", q.title), ("question", q.question), ("example", q.example)) if not v]
        if missing:
            raise HeaderError(f"{source}: the header comment lacks {', '.join(missing)}")
    seen = [p.name for p in q.params]
    dup = {n for n in seen if seen.count(n) > 1}
    if dup:
        raise HeaderError(f"{source}: parameter(s) declared twice: {', '.join(sorted(dup))}")
    return q


def library(directory: Path | str | None = None) -> dict[str, NamedQuery]:
    """Every named query in ``directory`` (default ``queries/``), by name, helpers included."""
    d = Path(directory) if directory else queries_dir()
    out = {}
    for path in sorted(d.glob("*.rq")):
        out[path.stem] = from_text(path.read_text(encoding="utf-8"), path.stem, path, library=True)
    return out


def listing(directory: Path | str | None = None) -> list[NamedQuery]:
    """The named queries a user sees (helpers left out), sorted by name."""
    return [q for q in library(directory).values() if not q.hidden]


def get(name: str, directory: Path | str | None = None) -> NamedQuery:
    """The named query ``name``; :class:`UnknownQuery` lists close matches when there is none."""
    lib = library(directory)
    if name in lib:
        return lib[name]
    visible = [n for n in lib if not n.startswith("_")]
    close = difflib.get_close_matches(name, visible, n=3, cutoff=0.5)
    close += [n for n in visible if (name in n or n in name) and n not in close]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownQuery(f"no named query {name!r}{hint} (`pmkg queries` lists them all)")


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):   # a name too long, a NUL byte: not a file anyway
        return False


def load(query: str | Path, directory: Path | str | None = None) -> NamedQuery:
    """A named query (a bare name), a query file (a path), or SPARQL text, whichever ``query`` is."""
    if isinstance(query, Path) or (not _NAME.match(query) and "\n" not in query and "{" not in query
                                   and (query.endswith((".rq", ".sparql")) or _is_file(query))):
        path = Path(query)
        if not path.is_file():
            raise QueryError(f"no query file {path}")
        return from_text(path.read_text(encoding="utf-8"), path.stem, path)
    if _NAME.match(query):
        return get(query, directory)
    return from_text(query, "<sparql>")


# --- parameters -------------------------------------------------------------------------------

XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


def bind_params(q: NamedQuery, params: Mapping[str, Any] | None, store: Store | None = None,
                resolver: Resolver | None = None) -> dict[str, Term]:
    """Turn ``params`` (strings from the command line, or pyoxigraph terms) into bound RDF terms.

    Declared parameters are checked by type and get their defaults; entity parameters are resolved
    against the store (:mod:`kg.resolve`). A query without declared parameters binds ``<iri>``
    values as IRIs and everything else as plain literals. An empty value is an error, never "all".
    """
    params = dict(params or {})
    out: dict[str, Term] = {}
    for key, v in params.items():
        if not _VAR.match(key):
            raise ParameterError(f"--param {key!r}: a parameter name is a SPARQL variable name (letters, digits, _)")
        if isinstance(v, str) and not v.strip():
            raise ParameterError(f"--param {key}=: the value is empty (leave the parameter out for its default)")
    if not q.params and not q.library:   # a user's query without a header: bind what is given
        for key, v in params.items():
            if isinstance(v, (ox.NamedNode, ox.Literal)):
                out[key] = v
            else:
                text = str(v)
                out[key] = ox.NamedNode(text[1:-1]) if text.startswith("<") and text.endswith(">") else ox.Literal(text)
        return out
    unknown = [k for k in params if q.param(k) is None]
    if unknown:
        have = ", ".join(p.describe() for p in q.params) or "none"
        raise ParameterError(f"query {q.name!r} has no parameter {', '.join(map(repr, unknown))}; "
                             f"its parameters: {have}")
    for p in q.params:
        v = params.get(p.name, p.default)
        if v is None:
            continue
        if isinstance(v, (ox.NamedNode, ox.Literal)):
            out[p.name] = v
        elif p.type == "entity":
            if resolver is None:
                if store is None:
                    raise ParameterError("entity parameters need a store to be resolved against")
                resolver = Resolver(store)
            try:
                out[p.name] = ox.NamedNode(resolver.resolve(str(v), f"--param {p.name}").iri)
            except ResolveError as e:
                raise ParameterError(str(e)) from None
        elif p.type == "integer":
            try:
                n = int(str(v).strip())
            except ValueError:
                raise ParameterError(f"--param {p.name}={v!r}: not a whole number") from None
            if (p.min is not None and n < p.min) or (p.max is not None and n > p.max):
                raise ParameterError(f"--param {p.name}={n}: must be between {p.min} and {p.max}")
            out[p.name] = ox.Literal(str(n), datatype=XSD_INTEGER)
        elif p.type == "country":   # an ISO code or an English name (Sweden is SE); unknown: close matches
            from .countries import UnknownCountry, code  # pycountry loads only when a query needs it

            try:
                out[p.name] = ox.Literal(code(str(v).strip()))
            except UnknownCountry as e:
                raise ParameterError(f"--param {p.name}={v!r}: {e}; give an ISO 3166-1 code (SE) or an "
                                     f"English name (Sweden)") from None
        elif p.type == "boolean":
            word = str(v).strip().lower()
            if word not in BOOLEAN_WORDS:
                raise ParameterError(f"--param {p.name}={v!r}: not true or false")
            out[p.name] = ox.Literal("true" if BOOLEAN_WORDS[word] else "false", datatype=XSD_BOOLEAN)
        else:
            out[p.name] = ox.Literal(str(v))
    return out


# --- running ----------------------------------------------------------------------------------

@dataclass
class Answer:
    """A query's result with what produced it: the query and the terms bound to its parameters.

    A streamed SELECT (``answer(..., lazy=True)`` on a store that streams) has its rows in ``stream``,
    to be read once, and none in ``result.rows``.
    """

    query: NamedQuery
    bindings: dict
    result: Result
    stream: Iterator[tuple] | None = None
    total: int | None = None     # the number of rows in ``stream``, where known before it is read

    @property
    def empty(self) -> bool:
        return is_empty(self.result)

    def text(self, fmt: str | None = None, base: str | None = None) -> str:
        """The result in ``fmt``; the table leaves out the columns of bound parameters."""
        return format_result(self.result, fmt, base, hide=set(self.bindings))


def run(query: str | Path | NamedQuery, params: Mapping[str, Any] | None = None, store: Store | None = None,
        *, base: str | None = None, directory: Path | str | None = None) -> Result:
    """Run a named query, a ``.rq`` file or SPARQL text through ``store`` and return its
    :class:`kg.store.Result` (``.records()`` gives dicts for ``pandas.DataFrame``)::

        from kg.query import run
        rows = run("consortium", {"project": "ECHoS"}).records()

    ``store`` is any :class:`kg.store.Store`; ``kg.build.published_store()`` opens the project's
    (building it first when the data changed). Every query may use the pmkg prefixes without declaring
    them (library queries declare theirs, so they also run in other SPARQL tools). Raises
    :class:`QueryError` (and its subclasses) on bad input.
    """
    return answer(query, params, store, base=base, directory=directory).result


def full_text(q: NamedQuery, store: Store | None = None, base: str | None = None) -> str:
    """The text ``answer`` runs for ``q``: the pmkg prefixes, then the query."""
    return sparql_prolog(base or getattr(store, "base", None) or default_base()) + q.text


def answer(query: str | Path | NamedQuery, params: Mapping[str, Any] | None = None, store: Store | None = None,
           *, base: str | None = None, directory: Path | str | None = None, algorithm: bool = True,
           lazy: bool = False, allow_remote: bool = False, published: bool = True) -> Answer:
    """Like :func:`run`, but keeps the query and the bound parameters with the result.

    A query whose header names an ``algorithm`` (``connection``, ``neighbourhood``) is answered by that
    graph algorithm of :mod:`kg.walk`, which gives the rows its SPARQL gives without making the store
    expand every entity; ``algorithm=False`` runs the SPARQL text instead. ``lazy``: a SELECT's rows
    come in ``Answer.stream`` as the store finds them, where the store can stream (Oxigraph).

    SPARQL runs through :mod:`kg.guard`: no SERVICE or remote FROM unless ``allow_remote``, deep queries
    answered, Ctrl-C obeyed (while a streamed answer's rows are found too).

    On a published store, a named query asked with the terms ``pmkg build`` answered it with (its
    defaults) is read from the answers published with the build (:mod:`kg.answers`: the same rows, in
    the same order), and ``neighbourhood`` from the index the build wrote (:mod:`kg.neighbourhoods`);
    ``published=False`` asks the store itself.
    """
    q = query if isinstance(query, NamedQuery) else load(query, directory)
    if store is None:
        raise TypeError("give a store: kg.build.published_store() opens the project's")
    bindings = bind_params(q, params, store)
    if not published and isinstance(store, OxigraphStore) and store.path is not None:
        store = store.detached()
    found = answers.published(store, q.name, full_text(q, store, base), bindings) if published else None
    if found is not None:
        names, rows, total = found
        if lazy:
            return Answer(q, bindings, Result("SELECT", names), rows, total)
        with bulk():
            return Answer(q, bindings, Result("SELECT", names, list(rows)))
    if algorithm and q.algorithm:
        from .walk import ALGORITHMS

        return Answer(q, bindings, ALGORITHMS[q.algorithm](store, bindings))
    # Library queries declare their prefixes; the prolog lets a user's query (and a helper) use
    # every pmkg prefix without declaring it. A later PREFIX of the same name wins.
    text = full_text(q, store, base)
    offset = text.count("\n") - q.text.count("\n")
    try:
        streamed = None
        if lazy and hasattr(store, "stream") and kind_of(text) == "SELECT":
            def start():
                guard.check(text, store, allow_remote)
                return store.stream(text, bindings)
            streamed = guard.stream(start)
        if streamed is not None:
            return Answer(q, bindings, Result("SELECT", streamed[0]), streamed[1])
        result = guard.query(store, text, bindings, allow_remote=allow_remote)
    except Exception as e:  # the store's own error type: rdflib, Oxigraph and HTTP stores differ
        syntax = syntax_error(e, text, offset, str(q.path) if q.path else q.name)
        if syntax is not None:
            raise syntax from None
        raise
    return Answer(q, bindings, result)


def syntax_error(err: Exception, text: str, offset: int = 0, source: str | None = None) -> QuerySyntaxError | None:
    """A located :class:`QuerySyntaxError` for a store's parse error, else None.

    ``offset`` lines (a prepended prolog) are taken off the reported line number.
    """
    lines = text.splitlines()

    def located(msg: str, line: int | None, col: int | None) -> QuerySyntaxError:
        line_text = lines[line - 1] if line is not None and 0 < line <= len(lines) else None
        if line is not None:
            line -= offset
        return QuerySyntaxError(msg, line, col, line_text, source)

    name = type(err).__name__
    msg = str(err)
    if name == "ParseException" and hasattr(err, "lineno"):        # rdflib (pyparsing)
        # pyparsing points at the start of the construct it gave up on (Oxigraph often at the end
        # of the input, so asking it would not be better)
        return located(getattr(err, "msg", msg), err.lineno, getattr(err, "col", None))
    m = re.match(r"error at (\d+):(\d+): (.*)", msg, re.S)           # Oxigraph
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        while line > offset + 1 and (line > len(lines) or not lines[line - 1].strip()):
            # Oxigraph points past the end when the text ends too early: show the last line it read
            line -= 1
            col = len(lines[line - 1]) + 1 if line <= len(lines) else col
        return located(" ".join(m.group(3).split())[:300], line, col)
    m = re.match(r"Unknown namespace prefix : (\S*)", msg)           # rdflib, after parsing
    if m:
        prefix = m.group(1)
        for i, line_text in enumerate(lines, 1):
            if i <= offset:
                continue
            hit = re.search(rf"(?<![\w:<\-]){re.escape(prefix)}:", line_text)
            if hit and not line_text.lstrip().upper().startswith("PREFIX"):
                return located(f"unknown prefix {prefix}: (declare it with PREFIX {prefix}: <...>)", i, hit.start() + 1)
        return located(f"unknown prefix {prefix}:", None, None)
    return None


# --- output -----------------------------------------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"


def default_format(result: Result) -> str:
    """``table`` for SELECT and ASK, ``turtle`` for CONSTRUCT and DESCRIBE."""
    return "table" if result.kind in ("SELECT", "ASK") else "turtle"


def is_empty(result: Result) -> bool:
    """True when a SELECT has no rows or a CONSTRUCT/DESCRIBE no triples (an ASK is never empty)."""
    if result.kind == "SELECT":
        return not result.rows
    if result.kind == "ASK":
        return False
    return not result.triples


def format_result(result: Result, fmt: str | None = None, base: str | None = None,
                  hide: frozenset[str] | set[str] = frozenset()) -> str:
    """``result`` as text in ``fmt`` (a :data:`FORMATS` name; default by result kind).

    CSV, TSV and ``sparql-json`` follow the W3C SPARQL 1.1 result formats; ``json`` is the same for
    SELECT/ASK and JSON-LD for a graph (both written by Oxigraph's serialisers for graphs). ``hide``
    drops columns from the table only (the bound parameters, which repeat on every row).
    """
    fmt = fmt or default_format(result)
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    base = base or default_base()
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        if fmt == "turtle" and isinstance(result.triples, Subgraph) and result.triples.prefixes == prefixes(base):
            return result.triples.turtle().decode("utf-8")   # the same text, written by the build
        triples = sorted(result.triples, key=str)
        if fmt == "turtle":
            data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes(base)) or b""
            return data.decode("utf-8")
        if fmt == "json":
            data = ox.serialize(triples, format=ox.RdfFormat.JSON_LD, prefixes=prefixes(base)) or b""
            return data.decode("utf-8")
        if fmt == "table":
            return _graph_table(result, base)
        raise QueryError(f"a {result.kind} result is a graph: use --format turtle, json (JSON-LD) or table, not {fmt}")
    if fmt == "turtle":
        raise QueryError(f"a {result.kind} result is not a graph: use --format table, csv, tsv or json, not turtle")
    if fmt == "table":
        return _table(result, base, hide)
    if fmt in ("json", "sparql-json"):
        return sparql_json(result)
    if fmt == "csv":
        return _csv(result)
    return _tsv(result)


def _json_term(t: Term) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD + "string":
        out["datatype"] = t.datatype.value
    return out


def sparql_json(result: Result) -> str:
    """The W3C SPARQL 1.1 Query Results JSON Format."""
    if result.kind == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    bindings = [{v: _json_term(t) for v, t in zip(result.vars, row) if t is not None} for row in result.rows]
    return json.dumps({"head": {"vars": result.vars}, "results": {"bindings": bindings}}, ensure_ascii=False)


def csv_cell(t: Term) -> str:
    """A term in the W3C CSV results format: IRIs bare, literals as their text, blank nodes as _:id."""
    return "" if t is None else ("_:" + t.value if isinstance(t, ox.BlankNode) else t.value)


def _csv(result: Result) -> str:
    """The W3C SPARQL 1.1 CSV results format: values only (IRIs bare, literals as their text)."""
    if result.kind == "ASK":  # not defined by the W3C; this is what Jena and Fuseki write
        return f"_askResult\r\n{str(result.boolean).lower()}\r\n"
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(result.vars)
    for row in result.rows:
        w.writerow([csv_cell(t) for t in row])
    return out.getvalue()


def _tsv(result: Result) -> str:
    if result.kind == "ASK":
        return f"?_askResult\n{str(result.boolean).lower()}\n"
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    lines += ["\t".join(tsv_term(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _shortener(base: str):
    pairs = sorted(prefixes(base).items(), key=lambda kv: -len(kv[1]))

    def short(t: Term) -> str:
        if t is None:
            return ""
        if isinstance(t, ox.NamedNode):
            s = t.value
            for p, ns in pairs:
                if s.startswith(ns) and re.fullmatch(r"[\w.\-]*", s[len(ns):]) and not s.endswith("."):
                    return f"{p}:{s[len(ns):]}"
            return s
        if isinstance(t, ox.BlankNode):
            return f"_:{t.value}"
        return " ".join(t.value.split())   # a table row stays on one line
    return short


def _align(header: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
    return "\n".join(out) + "\n"


def _table(result: Result, base: str, hide, shown: "Shown | None" = None) -> str:
    if result.kind == "ASK":
        return ("yes" if result.boolean else "no") + "\n"
    short = _shortener(base)
    keep = [i for i, v in enumerate(result.vars) if v not in hide] or list(range(len(result.vars)))
    header = [result.vars[i] for i in keep]
    rows = [[short(row[i]) for i in keep] for row in result.rows]
    n = len(rows)
    if shown is not None and shown.cut:
        return _align(header, rows) + f"({shown.note()})\n"
    if shown is not None and shown.offset:
        return _align(header, rows) + f"(rows {shown.offset + 1:,}-{shown.total:,} of {shown.total:,})\n"
    return _align(header, rows) + f"({n} row{'s' if n != 1 else ''})\n"


def _graph_table(result: Result, base: str) -> str:
    short = _shortener(base)
    rows = sorted([short(t.subject), short(t.predicate), short(t.object)] for t in result.triples)
    n = len(rows)
    return _align(["subject", "predicate", "object"], rows) + f"({n} triple{'s' if n != 1 else ''})\n"


# --- pages of a large answer, written as they come ---------------------------------------------------

#: Rows the table format shows when no --limit is given: a page, with a note on how to get the rest.
TABLE_PAGE = 100


@dataclass
class Shown:
    """What :func:`emit` wrote: ``shown`` rows (or triples) from ``offset`` of ``total``, and the limit
    that stopped it (None: everything from ``offset`` on was written)."""

    shown: int
    total: int
    offset: int = 0
    limit: int | None = None

    @property
    def cut(self) -> bool:
        """True when rows after the ones shown were left out."""
        return self.offset + self.shown < self.total

    def note(self) -> str:
        """How to get the rest, for a table's last line or stderr: empty when nothing was left out."""
        if not self.cut:
            return ""
        first, last = self.offset + 1, self.offset + self.shown
        return f"rows {first:,}-{last:,} of {self.total:,}; the next page: --offset {last}; all of them: --limit 0"


def emit(ans: Answer, write, fmt: str | None = None, base: str | None = None, *, limit: int | None = None,
         offset: int = 0) -> Shown:
    """Write ``ans`` in ``fmt`` through ``write`` (a function taking text), from row ``offset`` and at
    most ``limit`` rows (None: all): CSV, TSV and SPARQL JSON row by row as the store yields them, a
    table once its page is complete (with a last line saying which rows of how many it shows). The rows
    after the page are counted, not held, so the total is known. Graph results (sorted triples) and
    ASK are written whole, ``limit`` and ``offset`` applying to the triples.
    """
    result = ans.result
    fmt = fmt or default_format(result)
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    base = base or default_base()
    if result.kind != "SELECT":
        if result.kind in ("CONSTRUCT", "DESCRIBE"):
            # format_result sorts what it writes; a page is cut from the sorted triples (kg.walk's are
            # sorted already: a neighbourhood may be most of the graph)
            triples = result.triples
            n = len(triples)
            if offset or (limit is not None and limit < n):
                ordered = triples if ans.query.algorithm else sorted(triples, key=str)
                triples = ordered[offset:None if limit is None else offset + limit]
            result = Result(result.kind, triples=triples)
            shown = Shown(len(triples), n, offset, limit)
        else:
            shown = Shown(1, 1)
        write(format_result(result, fmt, base, hide=set(ans.bindings)))
        return shown
    if fmt == "turtle":
        raise QueryError("a SELECT result is not a graph: use --format table, csv, tsv or json, not turtle")
    held: int | None = None
    if ans.stream is not None:
        rows = ans.stream
    else:   # rows held (or made when read, kg.walk.PairRows): only the page is read; the total is their number
        held = len(result.rows)
        rows = iter(result.rows[min(offset, held):held if limit is None else min(offset + limit, held)])
    skipped = shown_n = 0
    page: list[tuple] = []
    head = _row_writer(result.vars, fmt, write, base, set(ans.bindings))
    for row in rows:
        if held is None and skipped < offset:
            skipped += 1
            continue
        if limit is not None and shown_n >= limit:
            # counted, never held (or known: a published answer says how many rows it has)
            rest = ans.total - skipped - shown_n if ans.total is not None else 1 + sum(1 for _ in rows)
            break
        shown_n += 1
        if fmt == "table":
            page.append(row)
        else:
            head(row)
    else:
        rest = 0
    total = held if held is not None else skipped + shown_n + rest
    shown = Shown(shown_n, total, offset, limit)
    if fmt == "table":
        if page:   # no table at all for no rows: the caller says why (none, or none after the offset)
            write(_table(Result("SELECT", result.vars, page), base, set(ans.bindings), shown))
    else:
        head(None)
    return shown


def _row_writer(names: list[str], fmt: str, write, base: str, hide):
    """A function that writes one row (the header before the first; ``None`` ends the output)."""
    state = {"rows": 0}
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")

        def line(cells: list[str]) -> None:
            w.writerow(cells)
            write(buf.getvalue())
            buf.seek(0)
            buf.truncate()
        line(names)

        def csv_row(row: tuple | None) -> None:
            if row is not None:
                line([csv_cell(t) for t in row])
        return csv_row
    if fmt == "tsv":
        write("\t".join(f"?{v}" for v in names) + "\n")

        def tsv_row(row: tuple | None) -> None:
            if row is not None:
                write("\t".join(tsv_term(t) for t in row) + "\n")
        return tsv_row
    if fmt in ("json", "sparql-json"):
        # the bytes json.dumps writes for the whole answer (sparql_json), one binding at a time
        write('{"head": {"vars": ' + json.dumps(names, ensure_ascii=False) + '}, "results": {"bindings": [')

        def json_row(row: tuple | None) -> None:
            if row is None:
                write("]}}")
                return
            binding = {v: _json_term(t) for v, t in zip(names, row) if t is not None}
            write((", " if state["rows"] else "") + json.dumps(binding, ensure_ascii=False))
            state["rows"] += 1
        return json_row
    return lambda row: None   # the table is written whole, once its page is complete
