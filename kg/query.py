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

Parameter types: ``entity`` (a name, an acronym, an id or an IRI, resolved against the graph),
``integer`` (with an optional range), ``string``, ``country`` (upper-cased) and ``boolean`` (true/false,
yes/no, 1/0; bound as xsd:boolean). A parameter without a
default is optional and stays unbound. Files whose name starts with ``_`` are helpers (``_entity-lookup``
resolves entity parameters; ``_network-*`` feed kg/network.py): they are not listed but can be run.

Parameters are *bound* by the store (rdflib ``initBindings``, Oxigraph ``substitutions``, a VALUES
block at the start of the WHERE group for an endpoint), never pasted into the text. So that every
store gives the same answer, a library query projects every parameter variable (Oxigraph only
substitutes projected variables), binds it by a triple pattern wherever a group uses it (Oxigraph
folds BIND and BOUND of a variable no pattern binds), and never lets a FILTER inside a subquery
decide on it (with a VALUES block it is unbound there; rdflib, given initBindings, sees it
everywhere). tests/test_queries_library.py checks each query in rdflib and Oxigraph.
"""
from __future__ import annotations

import difflib
import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from rdflib.term import Identifier

    from .store import Result, Store

PARAM_TYPES = ("entity", "integer", "string", "country", "boolean")
#: What a boolean parameter accepts (any case), and what each means.
BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
#: Header keys: ``param`` and ``example`` may repeat; ``description`` is another name for ``question``;
#: ``parameters``, ``note`` and ``hidden`` are free text.
HEADER_KEYS = ("title", "question", "description", "param", "parameters", "example", "note", "hidden")
#: Output formats; ``json`` is SPARQL JSON for SELECT/ASK and JSON-LD for graphs.
FORMATS = ("table", "csv", "tsv", "json", "sparql-json", "turtle")
ENTITY_LOOKUP = "_entity-lookup"
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
        if self.path:
            lines += ["", f"File: {self.path}"]
        return "\n".join(lines) + "\n"


# --- the library -------------------------------------------------------------------------------

def queries_dir() -> Path:
    """The folder of named queries (``queries/`` of the project)."""
    from . import paths

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

def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())


@dataclass
class Entity:
    iri: str
    type: str
    name: str | None
    labels: list[str]

    def show(self) -> str:
        return f"{self.name or self.iri} ({self.type}) <{self.iri}>"


class EntityIndex:
    """Every entity with the names it can be called by (labels, acronyms, registry ids, sameAs IRIs),
    read from a store with the helper query ``_entity-lookup``.

    A grant's title often repeats what it funds ("Genomic Medicine Sweden" is an organisation and the
    title of a Vinnova grant), so a grant's names count only when nothing else has that name; its id
    and IRI always count.
    """

    def __init__(self, rows: list[tuple[str, str | None, str, str | None]]) -> None:
        self.entities: dict[str, Entity] = {}
        self.keys: dict[str, set[str]] = {}
        self.weak: dict[str, set[str]] = {}
        for iri, label, typ, name in rows:
            e = self.entities.setdefault(iri, Entity(iri, typ, name, []))
            if label and label not in e.labels:
                e.labels.append(label)
        for iri, e in self.entities.items():
            local = re.split(r"[/#]", iri.rstrip("/#"))[-1]
            for key in (iri, local):
                self.keys.setdefault(_norm(key), set()).add(iri)
            for key in e.labels:
                (self.weak if e.type == "grant" else self.keys).setdefault(_norm(key), set()).add(iri)

    @classmethod
    def from_store(cls, store: "Store", directory: Path | str | None = None) -> "EntityIndex":
        res = store.query(get(ENTITY_LOOKUP, directory).text)
        col = {v: i for i, v in enumerate(res.vars)}

        def cell(row, v):
            t = row[col[v]]
            return None if t is None else str(t)
        return cls([(cell(r, "entity"), cell(r, "label"), cell(r, "type"), cell(r, "name")) for r in res.rows])

    def resolve(self, value: str, param: str = "entity") -> str:
        """The IRI of the one entity called ``value`` (a name, an acronym, an id or an IRI, any case)."""
        text = value.strip()
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        found = self.keys.get(_norm(text)) or self.weak.get(_norm(text), set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            listed = "\n".join("  " + self.entities[i].show() for i in sorted(found))
            raise ParameterError(f"--param {param}={value!r} is ambiguous: it names {len(found)} entities:\n"
                                 f"{listed}\nUse the IRI (or the id) of the one you mean.")
        raise ParameterError(f"--param {param}={value!r}: no entity has that name, acronym or IRI"
                             + self._suggest(text))

    def _suggest(self, text: str) -> str:
        n = _norm(text)
        names = {**self.weak, **self.keys}
        keys = [k for k in names if not k.startswith("http")]
        close = difflib.get_close_matches(n, keys, n=6, cutoff=0.6)
        if len(n) >= 3:
            close += [k for k in keys if n in k and k not in close]
        iris: list[str] = []
        for k in close:
            for i in sorted(names[k]):
                if i not in iris:
                    iris.append(i)
        if not iris:
            return ". (`pmkg query external-ids` or `pmkg stats` show what is there.)"
        return ". Close matches:\n" + "\n".join("  " + self.entities[i].show() for i in iris[:8])


def bind_params(q: NamedQuery, params: Mapping[str, Any] | None, store: "Store | None" = None,
                index: EntityIndex | None = None, directory: Path | str | None = None) -> dict[str, "Identifier"]:
    """Turn ``params`` (strings from the command line, or rdflib terms) into bound RDF terms.

    Declared parameters are checked by type and get their defaults; entity parameters are resolved
    against the store. A query without declared parameters binds ``<iri>`` values as IRIs and
    everything else as plain literals.
    """
    from rdflib import Literal, URIRef
    from rdflib.term import Identifier

    params = dict(params or {})
    out: dict[str, Identifier] = {}
    for key in params:
        if not _VAR.match(key):
            raise ParameterError(f"--param {key!r}: a parameter name is a SPARQL variable name (letters, digits, _)")
    if not q.params and not q.library:   # a user's query without a header: bind what is given
        for key, v in params.items():
            if isinstance(v, Identifier):
                out[key] = v
            else:
                s = str(v)
                out[key] = URIRef(s[1:-1]) if s.startswith("<") and s.endswith(">") else Literal(s)
        return out
    unknown = [k for k in params if q.param(k) is None]
    if unknown:
        have = ", ".join(p.describe() for p in q.params) or "none"
        raise ParameterError(f"query {q.name!r} has no parameter {', '.join(map(repr, unknown))}; its parameters: {have}")
    for p in q.params:
        v = params.get(p.name, p.default)
        if v is None or v == "":
            continue
        if isinstance(v, Identifier):
            out[p.name] = v
        elif p.type == "entity":
            if index is None:
                if store is None:
                    raise ParameterError("entity parameters need a store to be resolved against")
                index = EntityIndex.from_store(store, directory)
            out[p.name] = URIRef(index.resolve(str(v), p.name))
        elif p.type == "integer":
            try:
                n = int(str(v).strip())
            except ValueError:
                raise ParameterError(f"--param {p.name}={v!r}: not a whole number") from None
            if (p.min is not None and n < p.min) or (p.max is not None and n > p.max):
                raise ParameterError(f"--param {p.name}={n}: must be between {p.min} and {p.max}")
            out[p.name] = Literal(n)
        elif p.type == "country":
            out[p.name] = Literal(str(v).strip().upper())
        elif p.type == "boolean":
            word = str(v).strip().lower()
            if word not in BOOLEAN_WORDS:
                raise ParameterError(f"--param {p.name}={v!r}: not true or false")
            out[p.name] = Literal(BOOLEAN_WORDS[word])
        else:
            out[p.name] = Literal(str(v))
    return out


# --- running ----------------------------------------------------------------------------------

def default_store(data_dir: Path | str | None = None, ontology_dir: Path | str | None = None,
                  base: str | None = None) -> "Store":
    """A :class:`kg.store.MemoryStore` over the graph built from ``data_dir`` (default: data/)."""
    from .build import build
    from .store import MemoryStore

    return MemoryStore(build(data_dir, ontology_dir, base))


@dataclass
class Answer:
    """A query's result with what produced it: the query and the terms bound to its parameters."""

    query: NamedQuery
    bindings: dict
    result: "Result"

    @property
    def empty(self) -> bool:
        return is_empty(self.result)

    def text(self, fmt: str | None = None, base: str | None = None) -> str:
        """The result in ``fmt``; the table leaves out the columns of bound parameters."""
        return format_result(self.result, fmt, base, hide=set(self.bindings))


def run(query: str | Path | NamedQuery, params: Mapping[str, Any] | None = None, store: "Store | None" = None,
        *, base: str | None = None, directory: Path | str | None = None) -> "Result":
    """Run a named query, a ``.rq`` file or SPARQL text through ``store`` and return its
    :class:`kg.store.Result` (``.records()`` gives dicts for ``pandas.DataFrame``)::

        from kg.query import run
        rows = run("consortium", {"project": "ECHoS"}).records()

    Without a store the graph is built from data/. Every query may use the pmkg prefixes without
    declaring them (library queries declare theirs, so they also run in other SPARQL tools).
    Raises :class:`QueryError` (and its subclasses) on bad input.
    """
    return answer(query, params, store, base=base, directory=directory).result


def answer(query: str | Path | NamedQuery, params: Mapping[str, Any] | None = None, store: "Store | None" = None,
           *, base: str | None = None, directory: Path | str | None = None) -> Answer:
    """Like :func:`run`, but keeps the query and the bound parameters with the result."""
    q = query if isinstance(query, NamedQuery) else load(query, directory)
    if store is None:
        store = default_store(base=base)
    bindings = bind_params(q, params, store, directory=directory)
    # Library queries declare their prefixes; the prolog lets a user's query (and a helper) use
    # every pmkg prefix without declaring it. A later PREFIX of the same name wins.
    from .iris import default_base
    from .namespaces import sparql_prolog

    prolog = sparql_prolog(base or default_base())
    text, offset = prolog + q.text, prolog.count("\n")
    try:
        result = store.query(text, bindings)
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
        return located(getattr(err, "msg", msg), err.lineno, err.col)
    m = re.match(r"error at (\d+):(\d+): (.*)", msg, re.S)           # Oxigraph
    if m:
        return located(" ".join(m.group(3).split())[:300], int(m.group(1)), int(m.group(2)))
    m = re.match(r"Unknown namespace prefix : (\S*)", msg)           # rdflib, after parsing
    if m:
        prefix = m.group(1)
        for i, line in enumerate(lines, 1):
            if i <= offset:
                continue
            hit = re.search(rf"(?<![\w:<\-]){re.escape(prefix)}:", line)
            if hit and not line.lstrip().upper().startswith("PREFIX"):
                return located(f"unknown prefix {prefix}: (declare it with PREFIX {prefix}: <...>)", i, hit.start() + 1)
        return located(f"unknown prefix {prefix}:", None, None)
    return None


# --- output -----------------------------------------------------------------------------------

def default_format(result: "Result") -> str:
    """``table`` for SELECT and ASK, ``turtle`` for CONSTRUCT and DESCRIBE."""
    return "table" if result.kind in ("SELECT", "ASK") else "turtle"


def is_empty(result: "Result") -> bool:
    """True when a SELECT has no rows or a CONSTRUCT/DESCRIBE no triples (an ASK is never empty)."""
    if result.kind == "SELECT":
        return not result.rows
    if result.kind == "ASK":
        return False
    return result.graph is None or len(result.graph) == 0


def format_result(result: "Result", fmt: str | None = None, base: str | None = None,
                  hide: frozenset[str] | set[str] = frozenset()) -> str:
    """``result`` as text in ``fmt`` (a :data:`FORMATS` name; default by result kind).

    CSV, TSV and ``sparql-json`` follow the W3C SPARQL 1.1 result formats; ``json`` is the same for
    SELECT/ASK and JSON-LD for a graph. ``hide`` drops columns from the table only (the bound
    parameters, which repeat on every row).
    """
    fmt = fmt or default_format(result)
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    graph = result.kind in ("CONSTRUCT", "DESCRIBE")
    if graph:
        if fmt == "turtle":
            return _graph(result, base).serialize(format="turtle")
        if fmt == "json":
            from .iris import default_base
            from .namespaces import prefixes

            context = prefixes(base or default_base())
            return _graph(result, base).serialize(format="json-ld", context=context, auto_compact=True, indent=2)
        if fmt == "table":
            return _graph_table(result, base)
        raise QueryError(f"a {result.kind} result is a graph: use --format turtle, json (JSON-LD) or table, not {fmt}")
    if fmt == "turtle":
        raise QueryError(f"a {result.kind} result is not a graph: use --format table, csv, tsv or json, not turtle")
    if fmt == "table":
        return _table(result, base, hide)
    if fmt in ("json", "sparql-json"):
        return _rdflib_result(result).serialize(format="json").decode("utf-8")
    if fmt == "csv":
        if result.kind == "ASK":  # not defined by the W3C; this is what Jena and Fuseki write
            return f"_askResult\r\n{str(result.boolean).lower()}\r\n"
        return _rdflib_result(result).serialize(format="csv").decode("utf-8")
    return _tsv(result)


def _graph(result: "Result", base: str | None):
    from rdflib import Graph

    from .iris import default_base
    from .namespaces import bind

    g = Graph()
    bind(g, base or default_base())
    for t in result.graph or ():
        g.add(t)
    return g


def _rdflib_result(result: "Result"):
    from rdflib import Variable
    from rdflib.query import Result as RdflibResult

    r = RdflibResult(result.kind)
    if result.kind == "ASK":
        r.askAnswer = bool(result.boolean)
        return r
    r.vars = [Variable(v) for v in result.vars]
    r.bindings = [{Variable(v): t for v, t in zip(result.vars, row) if t is not None} for row in result.rows]
    return r


def tsv_term(t) -> str:
    """A term in the SPARQL 1.1 TSV (Turtle) syntax, one line whatever the literal holds."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import XSD

    if t is None:
        return ""
    if isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, BNode):
        return f"_:{t}"
    if isinstance(t, Literal):
        lex = str(t)
        if t.datatype in (XSD.integer,) and re.fullmatch(r"[+-]?\d+", lex):
            return lex
        esc = (lex.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
        if t.language:
            return f'"{esc}"@{t.language}'
        if t.datatype and t.datatype != XSD.string:
            return f'"{esc}"^^<{t.datatype}>'
        return f'"{esc}"'
    return str(t)


def _tsv(result: "Result") -> str:
    if result.kind == "ASK":
        return f"?_askResult\n{str(result.boolean).lower()}\n"
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    lines += ["\t".join(tsv_term(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _shortener(base: str | None):
    from .iris import default_base
    from .namespaces import prefixes

    pairs = sorted(prefixes(base or default_base()).items(), key=lambda kv: -len(kv[1]))

    def short(t) -> str:
        from rdflib import BNode, URIRef

        if t is None:
            return ""
        if isinstance(t, URIRef):
            s = str(t)
            for p, ns in pairs:
                if s.startswith(ns) and re.fullmatch(r"[\w.\-]*", s[len(ns):]) and not s.endswith("."):
                    return f"{p}:{s[len(ns):]}"
            return s
        if isinstance(t, BNode):
            return f"_:{t}"
        return " ".join(str(t).split())   # a table row stays on one line
    return short


def _align(header: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
    return "\n".join(out) + "\n"


def _table(result: "Result", base: str | None, hide) -> str:
    if result.kind == "ASK":
        return ("yes" if result.boolean else "no") + "\n"
    short = _shortener(base)
    keep = [i for i, v in enumerate(result.vars) if v not in hide] or list(range(len(result.vars)))
    header = [result.vars[i] for i in keep]
    rows = [[short(row[i]) for i in keep] for row in result.rows]
    n = len(rows)
    return _align(header, rows) + f"({n} row{'s' if n != 1 else ''})\n"


def _graph_table(result: "Result", base: str | None) -> str:
    short = _shortener(base)
    rows = sorted([short(s), short(p), short(o)] for s, p, o in result.graph or ())
    n = len(rows)
    return _align(["subject", "predicate", "object"], rows) + f"({n} triple{'s' if n != 1 else ''})\n"
