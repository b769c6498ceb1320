"""Answers published with a build: every named query's answer with its defaults, kept in the generation.

A named query with its defaults asks about the whole graph (``coverage``, ``coordinators``,
``shared-projects`` ...): its answer grows with the graph, and its first page costs the whole ordered
answer (0.5-1.3 s at 750,000 quads, 1.5-7 s at 3.5 million). A generation never changes once published,
so ``pmkg build`` answers each named query once with its defaults and keeps the rows in the generation
(``answers/NAME.tsv``, the W3C SPARQL 1.1 TSV results format, which other tools read too), indexed by
``answers/index.json``: the hash of the query text, the terms bound to its parameters and the number of
rows. :func:`published` gives those rows back, as they come off the file, when the same text is asked
with the same terms of the same generation, and None otherwise (another parameter, an edited query, a
query file of one's own, another store), when the store answers it. The rows are the store's rows in the
store's order (tests/test_answers.py compares every named query).

This module loads no RDF library beyond pyoxigraph.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from .files import atomic_write
from .store import Term, beside, tsv_term  # the TSV writer of `pmkg query -f tsv`

FOLDER = "answers"
INDEX = "index.json"
FORMAT = "pmkg-answers/1"


def text_key(sparql: str) -> str:
    """The hash that names the text a query was answered for (its prolog included)."""
    return hashlib.sha256(sparql.encode("utf-8")).hexdigest()


def terms_key(bindings: dict[str, Term]) -> dict[str, str]:
    """The bound terms, in N-Triples syntax (how the index records them)."""
    return {k: str(v) for k, v in sorted(bindings.items())}


def folder_of(store) -> Path | None:
    """The answers folder of a published store (``<generation>/answers``); None for another store."""
    return beside(store, FOLDER)


def write(folder: Path, entries: list[tuple[str, str, dict[str, Term], list[str], Sequence[tuple]]]) -> dict:
    """Write ``(name, text, bindings, vars, rows)`` answers into ``folder`` and its index; returns the index."""
    folder.mkdir(parents=True, exist_ok=True)
    index: dict = {"format": FORMAT, "answers": {}}
    for name, text, bindings, names, rows in entries:
        lines = ["\t".join(f"?{v}" for v in names)] + ["\t".join(tsv_term(t) for t in row) for row in rows]
        atomic_write(folder / f"{name}.tsv", "\n".join(lines) + "\n")
        index["answers"][name] = {"text": text_key(text), "bindings": terms_key(bindings), "vars": names,
                                  "rows": len(rows)}
    atomic_write(folder / INDEX, json.dumps(index, indent=1, sort_keys=True) + "\n")
    return index


def published(store, name: str, text: str, bindings: dict[str, Term]) -> tuple[list[str], Iterator[tuple], int] | None:
    """The published answer of query ``name`` (its full ``text``) with ``bindings`` on ``store``: its
    variables, its rows as they are read from the file, and their number; None when none was published
    for exactly that text and those terms in that store's generation."""
    folder = folder_of(store)
    if folder is None:
        return None
    try:
        index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        entry = index["answers"][name] if index.get("format") == FORMAT else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not entry or entry.get("text") != text_key(text) or entry.get("bindings") != terms_key(bindings):
        return None
    try:
        solutions = ox.parse_query_results(path=folder / f"{name}.tsv", format=ox.QueryResultsFormat.TSV)
    except (OSError, SyntaxError, ValueError):
        return None
    if not isinstance(solutions, ox.QuerySolutions):
        return None
    names = [v.value for v in solutions.variables]
    if names != entry["vars"]:
        return None
    return names, (tuple(sol) for sol in solutions), int(entry["rows"])   # a solution's terms, in order
