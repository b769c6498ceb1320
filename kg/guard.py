"""Running a query on the command line safely: no outbound requests, deep queries answered, Ctrl-C obeyed.

``pmkg query`` (and every query :func:`kg.query.answer` runs) goes through :func:`run`:

* **No outbound requests.** ``SERVICE`` would make Oxigraph or rdflib call another host, and rdflib loads
  a ``FROM`` / ``FROM NAMED`` graph it does not hold from the web (or a ``file:`` IRI from the disk).
  Both are refused with one clear line unless the caller allows it (``pmkg query --allow-remote``):
  SERVICE with the same parse-tree check as ``pmkg serve`` (:func:`kg.serve_worker.check_service`),
  a dataset graph when the store does not hold it. An ``--endpoint`` store is left alone: the user
  asked for that host, and what it does is its own policy.
* **Deep queries.** rdflib's parser recurses once or more per nested construct (100 triple patterns or
  40 nested parentheses passed Python's default limit of 1,000 frames) and Oxigraph's parser overflows
  the main thread's 8 MB stack near 5,000 nested parentheses (a crash, not an error). The query runs
  in a thread with a :data:`STACK_BYTES` stack and a recursion limit of :data:`RECURSION_LIMIT`, and
  brackets nested deeper than :data:`MAX_NESTING` are refused before any parser sees them.
* **Ctrl-C.** Oxigraph evaluates in Rust without looking at Python's signals, so a long query ignored
  Ctrl-C. The calling thread waits for the query thread in short slices, so KeyboardInterrupt reaches
  it at once (the CLI then exits 130); the abandoned query thread is a daemon and ends with the process.

The module imports nothing heavy: rdflib is loaded only for a query that mentions SERVICE or FROM.
"""
from __future__ import annotations

import queue
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pyoxigraph as ox

from .serve_worker import RECURSION_LIMIT, STACK_BYTES, Problem, _blank, check_service, unescape

#: The deepest nesting of ( [ { accepted in a query (far beyond any real query; Oxigraph's parser
#: handles it within :data:`STACK_BYTES`).
MAX_NESTING = 1000

T = TypeVar("T")


class QueryRefused(ValueError):
    """A query pmkg will not run as asked (CLI exit code 2): a remote SERVICE or FROM, or too deep."""


class QueryFailed(ValueError):
    """The store could not evaluate the query (e.g. a SERVICE that answered nonsense): exit code 2."""


def _keyword(text: str, word: str) -> bool:
    """Whether ``word`` occurs as a keyword: outside strings, IRIs and comments, not part of a name,
    a variable or a prefixed name."""
    return re.search(rf"(?<![\w?$:\-]){word}(?![\w:\-])", _blank(unescape(text)), re.IGNORECASE) is not None


def nesting(text: str) -> int:
    """How deep ( [ { nest in ``text``, outside strings, IRIs and comments."""
    depth = deepest = 0
    for ch in _blank(unescape(text)):
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth = max(depth - 1, 0)
    return deepest


def _dataset_graphs(text: str) -> list[tuple[str, str]] | None:
    """The (FROM or FROM NAMED, IRI) of the query's dataset clause, or None when rdflib cannot parse it."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(text).algebra
    except Exception:   # noqa: BLE001 (rdflib's parse and translation errors have no common type)
        return None
    out = []
    for d in algebra.get("datasetClause") or []:
        if "default" in d:
            out.append(("FROM", str(d["default"])))
        elif "named" in d:
            out.append(("FROM NAMED", str(d["named"])))
    return out


def check(text: str, store: Any, allow_remote: bool = False) -> None:
    """Refuse (:class:`QueryRefused`) a query that nests too deeply, or that would make ``store`` fetch
    from another host (SERVICE; FROM of a graph the store lacks) unless ``allow_remote``."""
    depth = nesting(text)
    if depth > MAX_NESTING:
        raise QueryRefused(f"the query nests brackets {depth} deep; pmkg runs queries nested at most "
                           f"{MAX_NESTING} deep")
    if allow_remote or type(store).__name__ == "EndpointStore":
        return
    try:
        check_service(text)
    except Problem as e:
        if e.status == 403 or _keyword(text, "SERVICE"):
            raise QueryRefused("SERVICE (federated query) is refused: pmkg query does not fetch from other "
                               "hosts (--allow-remote allows it)") from None
        # rdflib could not parse a query that mentions the word: the store reports the syntax error
    if not _keyword(text, "FROM"):
        return
    graphs = _dataset_graphs(text)
    if graphs is None:
        if type(store).__name__ == "MemoryStore":   # rdflib would fetch what it cannot find: do not guess
            raise QueryRefused("the query has a FROM clause pmkg could not check; pmkg query does not fetch "
                               "graphs from other hosts (--allow-remote allows it)")
        return   # Oxigraph reads FROM from the store alone: it never fetches
    for clause, iri in graphs:
        try:
            graph = ox.NamedNode(iri)
        except ValueError:
            raise QueryRefused(f"{clause} <{iri}>: not an IRI") from None
        if not store.query("ASK { GRAPH ?g { ?s ?p ?o } }", {"g": graph}).boolean:
            raise QueryRefused(f"{clause} <{iri}>: the store has no such graph, and pmkg query does not fetch "
                               f"graphs from other hosts (--allow-remote lets rdflib, --store memory, fetch it)")


def query(store: Any, text: str, bindings: dict | None = None, *, allow_remote: bool = False) -> Any:
    """``store.query(text, bindings)`` after :func:`check`, both inside :func:`run`."""
    def checked() -> Any:
        check(text, store, allow_remote)
        return store.query(text, bindings)
    return run(checked)


def _start(target: Callable[[], None]) -> threading.Thread | None:
    """``target`` started in a daemon thread with a :data:`STACK_BYTES` stack; None when there is no room
    for such a stack (a low ``ulimit -v``): the caller then runs it in its own thread."""
    old_stack = threading.stack_size()
    try:
        threading.stack_size(STACK_BYTES)
        t = threading.Thread(target=target, name="pmkg-query", daemon=True)
        t.start()
        return t
    except (RuntimeError, ValueError, MemoryError):
        return None
    finally:
        threading.stack_size(old_stack)


def _raise(err: BaseException | None) -> None:
    """Raise the query thread's exception as the CLI reports it."""
    if isinstance(err, RecursionError):
        raise QueryRefused("the query is nested too deeply for pmkg to parse") from None
    if isinstance(err, RuntimeError):
        raise QueryFailed(f"the query failed: {' '.join(str(err).split())[:300]}") from None
    if err is not None:
        raise err


def run(fn: Callable[[], T]) -> T:
    """``fn()`` in a thread with a large stack and a raised recursion limit, waited for in slices so that
    Ctrl-C (KeyboardInterrupt) stops the wait at once; its exception is raised here. A RecursionError
    becomes :class:`QueryRefused`, a RuntimeError (Oxigraph's evaluation errors) :class:`QueryFailed`."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 (handed to the waiting thread)
            box["error"] = e

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))   # for the query thread: this one only waits
    t = _start(target)
    if t is None:
        sys.setrecursionlimit(old_limit)
        target()
    else:
        try:
            while t.is_alive():
                t.join(0.1)
        finally:
            if not t.is_alive():
                sys.setrecursionlimit(old_limit)
    _raise(box.get("error"))
    return box["value"]


def stream(start: Callable[[], tuple[list[str], Iterator[T]] | None]) -> tuple[list[str], Iterator[T]] | None:
    """A streamed SELECT run as :func:`run` runs a query: ``start()`` (which returns the variables and an
    iterator of rows, or None) and the iteration of the rows both happen in the query thread, and the rows
    reach the caller through a bounded queue waited on in slices, so Ctrl-C is obeyed while the store
    looks for the next row too (Oxigraph may take long between rows: an ORDER BY finds them all first).
    A caller that stops reading early (``| head``) stops the query thread at its next row."""
    rows: queue.Queue = queue.Queue(maxsize=256)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                rows.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            first = start()
            if first is None:
                put(("none", None))
                return
            names, it = first
            if not put(("names", names)):
                return
            for row in it:
                if not put(("row", row)):
                    return
            put(("end", None))
        except BaseException as e:  # noqa: BLE001 (handed to the reading thread)
            put(("error", e))

    def take() -> tuple[str, Any]:
        while True:
            try:
                return rows.get(timeout=0.1)
            except queue.Empty:
                if t is not None and not t.is_alive() and rows.empty():
                    return ("error", RuntimeError("the query thread ended without an answer"))

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    t = _start(produce)
    if t is None:   # no room for the query thread: stream here (Ctrl-C then waits for the next row)
        sys.setrecursionlimit(old_limit)
        return start()
    try:
        kind, value = take()
    except BaseException:
        stop.set()
        raise
    if kind == "error":
        stop.set()
        _raise(value)
    if kind == "none":
        return None

    def read() -> Iterator[T]:
        try:
            while True:
                what, item = take()
                if what == "row":
                    yield item
                elif what == "end":
                    return
                else:
                    _raise(item)
        finally:   # finished, failed, interrupted or abandoned: the query thread stops at its next row
            stop.set()
            if not t.is_alive():
                sys.setrecursionlimit(old_limit)

    return value, read()
