"""The ``pmkg`` command line: a thin layer, each command calls a plain function of the package.

Exit codes (as pySHACL's): 0 success / the data conforms; 1 the data has problems
(nothing is written); 2 the command could not run (bad option, missing file,
unreachable endpoint).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__

OK, DATA_PROBLEM, ERROR = 0, 1, 2


class UsageError(Exception):
    """A problem with how the command was called or its environment (exit code 2)."""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="curated data folder (default: data/ of the project)")
    p.add_argument("--ontology", metavar="DIR", help="ontology folder (default: ontology/ of the project)")
    p.add_argument("--base", metavar="IRI", help="base IRI for minted entities (default: $PMKG_BASE or https://w3id.org/pmkg/)")


def _dataset(args, shacl: bool = False):
    """Build the graph from the data, or raise DataError."""
    from .build import build

    if not shacl:
        return build(args.data, args.ontology, args.base)
    from .load import DataError
    from .validate import validate

    report, ds = validate(args.data, args.ontology, args.base)
    if report.problems:
        raise DataError(report.problems)
    if not report.conforms:
        print(report.text(), file=sys.stderr)
        raise DataError([])
    return ds


def cmd_build(args) -> int:
    from . import paths
    from .build import write_outputs
    from .stats import stats

    ds = _dataset(args, shacl=not args.no_shacl)
    out = Path(args.out) if args.out else paths.build_dir()
    written = write_outputs(ds, out)
    st = stats(ds)
    print(f"Built the pmkg graph: {st.triples} triples, {st.entities} entities, {st.named_graphs} named graphs.")
    for cls, n in sorted(st.by_class.items(), key=lambda x: (-x[1], x[0])):
        print(f"  {n:5d}  {cls}")
    for p in written:
        print(f"Wrote {p}")
    return OK


def cmd_validate(args) -> int:
    from .validate import validate

    report, _ = validate(args.data, args.ontology, args.base, run_shacl=not args.no_shacl)
    print(report.text(), file=sys.stdout if report.conforms else sys.stderr)
    return report.exit_code


def cmd_export(args) -> int:
    from .export import serialize
    from .files import atomic_write

    payload = serialize(_dataset(args), args.format)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        atomic_write(args.output, payload)
        print(f"Wrote {args.output} ({args.format}, {len(payload)} bytes)", file=sys.stderr)
    return OK


def cmd_stats(args) -> int:
    import json

    from .stats import format_stats, stats

    st = stats(_dataset(args))
    print(json.dumps(st.as_dict(), indent=2) if args.json else format_stats(st))
    return OK


def parser() -> argparse.ArgumentParser:
    from .export import FORMATS

    p = argparse.ArgumentParser(
        prog="pmkg", description="Build, validate, query and export the precision-medicine collaboration knowledge graph.",
        epilog="Exit codes: 0 success, 1 the data has problems (nothing written), 2 could not run.")
    p.add_argument("--version", action="version", version=f"pmkg {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    b = sub.add_parser("build", help="build the graph and write build/pmkg.ttl and build/pmkg.trig",
                       description="Load and check data/, build the graph, validate it with SHACL and write "
                                   "build/pmkg.ttl (everything, Turtle) and build/pmkg.trig (one named graph per source).")
    _common(b)
    b.add_argument("-o", "--out", metavar="DIR", help="output folder (default: build/)")
    b.add_argument("--no-shacl", action="store_true", help="skip the SHACL shapes (structural checks still run)")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="check the data: structure, references, identifiers, then SHACL",
                       description="Exit 0 when the data conforms, 1 on problems or violations, 2 when validation could not run.")
    _common(v)
    v.add_argument("--no-shacl", action="store_true", help="structural checks only")
    v.set_defaults(func=cmd_validate)

    e = sub.add_parser("export", help="write the graph in an RDF format (stdout by default)")
    _common(e)
    e.add_argument("-f", "--format", choices=list(FORMATS), default="turtle",
                   help="turtle (default), longturtle, jsonld, nt; trig and nquads keep the per-source named graphs")
    e.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    e.set_defaults(func=cmd_export)

    s = sub.add_parser("stats", help="counts by class, by country and by role")
    _common(s)
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.set_defaults(func=cmd_stats)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    from .load import DataError

    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as e:
        if e.problems:
            print(f"pmkg: {len(e.problems)} problem(s) in the data, nothing written:", file=sys.stderr)
            for p in e.problems:
                print(f"  {p}", file=sys.stderr)
        else:
            print("pmkg: the data does not conform to the shapes, nothing written.", file=sys.stderr)
        return DATA_PROBLEM
    except UsageError as e:
        print(f"pmkg: {e}", file=sys.stderr)
        return ERROR
    except (OSError, ValueError) as e:
        print(f"pmkg: error: {e}", file=sys.stderr)
        return ERROR
    except KeyboardInterrupt:
        return 130
