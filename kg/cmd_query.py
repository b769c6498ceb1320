"""The commands that read the graph with SPARQL alone: ``pmkg query``, ``pmkg queries``, ``pmkg stats``.

Kept apart from :mod:`kg.commands` so that a cold ``pmkg query`` loads only Oxigraph: the published
store, the named queries and the result formats.
"""
from __future__ import annotations

import json
import sys

from .errors import OK, UsageError
from .files import atomic_write, output_file
from .query import TABLE_PAGE, answer, default_format, emit, from_text, get, listing, load
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
    ans = answer(q, params, store, base=store.base, lazy=True, allow_remote=getattr(args, "allow_remote", False))
    fmt = args.format or default_format(ans.result)
    limit = page_limit(q, fmt, getattr(args, "limit", None))
    offset = getattr(args, "offset", None) or 0
    quiet = getattr(args, "quiet", False)
    chunks: list[str] = []
    out = sys.stdout.buffer   # a reader that stops early (| head) is kg.cli's BrokenPipeError
    shown = emit(ans, (lambda text: out.write(text.encode("utf-8"))) if target is None else chunks.append,
                 fmt, store.base, limit=limit, offset=offset)
    if target is None:
        out.flush()
    if shown.total == 0 and ans.result.kind != "ASK":
        if fmt == "table" and target is None:
            print("No results.")
            return OK
        if not quiet:
            print("pmkg: the query returned no results", file=sys.stderr)
    elif shown.cut and (fmt != "table" or ans.result.kind != "SELECT"):
        why = " (the query's default limit)" if getattr(args, "limit", None) is None and q.limit else ""
        print(f"pmkg: wrote {shown.note()}{why}", file=sys.stderr)
    elif offset and shown.shown == 0:
        msg = f"nothing after --offset {offset}: the answer has {shown.total:,} rows"
        if fmt == "table" and target is None:
            print(msg[0].upper() + msg[1:] + ".")
        else:
            print(f"pmkg: {msg}", file=sys.stderr)
    if target is not None:
        atomic_write(target, "".join(chunks))
        if not quiet:
            print(f"pmkg: wrote {target}", file=sys.stderr)
    return OK


def page_limit(q, fmt: str, asked: int | None) -> int | None:
    """The rows ``pmkg query`` writes: ``--limit`` when given (0: all), else the query's own default
    (header ``limit:``), and at most a page (TABLE_PAGE rows) in the table format."""
    if asked is not None:
        return asked or None
    if fmt == "table":
        return min(q.limit or TABLE_PAGE, TABLE_PAGE)
    return q.limit


def stats(args) -> int:
    """``pmkg stats``: counts of what the graph holds."""
    st = count(open_reader(args), uncertain=args.uncertain)
    print(json.dumps(st.as_dict(), indent=2) if args.json else format_stats(st))
    return OK
