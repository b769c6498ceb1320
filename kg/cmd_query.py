"""The commands that read the graph with SPARQL alone: ``pmkg query``, ``pmkg queries``, ``pmkg stats``.

Kept apart from :mod:`kg.commands` so that a cold ``pmkg query`` loads only Oxigraph: the published
store, the named queries and the result formats.
"""
from __future__ import annotations

import json
import sys

from .errors import OK, UsageError
from .files import atomic_write, output_file
from .query import answer, from_text, get, listing, load
from .reader import open_reader
from .stats import format_stats
from .stats import stats as count


def queries(args) -> int:
    """``pmkg queries [NAME]``: the list of named queries, or one in full with its SPARQL."""
    if args.name:
        q = get(args.name)
        print(q.describe(), end="")
        print("\nSPARQL:\n" + q.text.rstrip() + "\n", end="")
    else:
        for q in listing():
            print(q.summary())
    return OK


def params_of(items: list[str] | None) -> dict[str, str]:
    """``NAME=VALUE`` items as a dict; raises UsageError for an item without '='."""
    params = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        params[key.strip()] = value
    return params


def query(args) -> int:
    """``pmkg query``: run a named query, a file or SPARQL text on the store the options name."""
    if (args.query is None) == (args.sparql is None):
        raise UsageError("give a query name or file, or --sparql TEXT (one of them)")
    params = params_of(args.param)
    if args.sparql is not None:   # text, even when it looks like a name or a path
        q = from_text(sys.stdin.read() if args.sparql == "-" else args.sparql, "<sparql>")
    else:   # an unknown name or a missing file is reported before the store is opened
        q = load(args.query)
    store = open_reader(args)   # it may build build/ first, where -o often points
    target = None if args.output in (None, "-") else output_file(args.output)   # checked before the query runs
    ans = answer(q, params, store, base=store.base, allow_remote=getattr(args, "allow_remote", False))
    out = ans.text(args.format, store.base)
    if ans.empty:
        if args.format in (None, "table") and args.output in (None, "-"):
            print("No results.")
            return OK
        if not args.quiet:
            print("pmkg: the query returned no results", file=sys.stderr)
    if target is None:
        sys.stdout.buffer.write(out.encode("utf-8"))
    else:
        atomic_write(target, out)
        if not args.quiet:
            print(f"pmkg: wrote {target}", file=sys.stderr)
    return OK


def stats(args) -> int:
    """``pmkg stats``: counts of what the graph holds."""
    st = count(open_reader(args), uncertain=args.uncertain)
    print(json.dumps(st.as_dict(), indent=2) if args.json else format_stats(st))
    return OK
