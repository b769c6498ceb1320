"""Named queries with a graph algorithm in the worker of ``pmkg serve``: ``connection`` and
``neighbourhood`` answered by :func:`kg.query.answer` (the bounded search of :mod:`kg.walk`) in the
worker process, under the same timeout, memory cap, row cap and result formats as any query.

The worker process starts here (``worker_process``) so that kg.serve_worker, which kg.guard imports,
needs nothing of kg.query; and kg.query and kg.walk are loaded before the worker caps its memory.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from . import walk as _walk  # noqa: F401  (loaded before the worker's memory cap)
from .query import QueryError, answer, from_text
from .serve_worker import RESULT_FORMATS, TABLE, Problem, _graph_answer, _term_json, execute, negotiate
from .serve_worker import worker_process as _worker_process
from .store import OxigraphStore


def execute_named(store, req: dict, prefixes: dict[str, str] | None = None) -> tuple[str, str, bytes, bool]:
    """Answer one request of the endpoint: a named query with an algorithm (``req["algorithm"]``) by
    :func:`execute_algorithm`, anything else by :func:`kg.serve_worker.execute`."""
    if req.get("algorithm"):
        return execute_algorithm(store, req, prefixes)
    return execute(store, req, prefixes)


def execute_algorithm(store, req: dict, prefixes: dict[str, str] | None = None) -> tuple[str, str, bytes, bool]:
    """Answer a named query whose header names a graph algorithm (``connection``, ``neighbourhood``)
    through :func:`kg.query.answer`, as ``pmkg query`` does: its parameters bound (entities resolved
    on this store) and its rows found by the bounded search of :mod:`kg.walk`, not by its SPARQL.

    ``req`` holds ``algorithm`` (the query's ``name`` and ``text``), ``params`` (strings, as from
    ``--param``), ``base``, ``store`` (the folder of the published store the worker opened, whose
    neighbourhood index answers ``neighbourhood``; None for another store), and the format and paging
    keys of :func:`execute`."""
    named = req["algorithm"]
    try:
        q = from_text(named["text"], named["name"], library=True)
        folder = Path(req["store"]) if req.get("store") else None   # the folder the worker opened, if any
        result = answer(q, req.get("params") or {}, OxigraphStore(store, folder, base=req.get("base"))).result
    except QueryError as e:
        raise Problem(400, str(e).replace("--param ", "")) from None
    max_rows = int(req.get("max_rows") or 10_000)
    limit = min(int(req.get("limit") or max_rows), max_rows)
    offset = max(int(req.get("offset") or 0), 0)
    if result.kind in ("CONSTRUCT", "DESCRIBE"):   # neighbourhood: a graph, paged by triple as /sparql pages it
        fmt = TABLE if req.get("format") == [TABLE] else negotiate(result.kind, req.get("accept"), req.get("format"))
        nt = ox.serialize(result.triples[offset:offset + limit], format=ox.RdfFormat.N_TRIPLES) or b""
        return _graph_answer(result.kind, fmt, nt, len(result.triples) > offset + limit, prefixes)
    rows = result.rows[offset:offset + limit]
    bindings = [{v: _term_json(t) for v, t in zip(result.vars, row) if t is not None} for row in rows]
    body = json.dumps({"head": {"vars": result.vars}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8")
    fmt = TABLE if req.get("format") == [TABLE] else negotiate("SELECT", req.get("accept"), req.get("format"))
    if fmt not in (TABLE, "json"):
        rf = getattr(ox.QueryResultsFormat, RESULT_FORMATS[fmt][1])
        body = ox.parse_query_results(body, ox.QueryResultsFormat.JSON).serialize(format=rf) or b""
    return "SELECT", fmt, body, len(result.rows) > offset + limit


def worker_process() -> None:
    """Entry point of a ``pmkg serve`` worker process (kg.serve starts it)."""
    _worker_process(execute_named)
