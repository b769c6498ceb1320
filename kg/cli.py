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
    p.add_argument("--no-imports", action="store_true",
                   help="leave out the imports kept in build/imports/ (pmkg import); they are included by default "
                        "when --data is not given")


def _dataset(args, shacl: bool = False):
    """Build the graph from the data, or raise DataError."""
    from .build import build

    imports = False if getattr(args, "no_imports", False) else None
    if not shacl:
        return build(args.data, args.ontology, args.base, imports=imports)
    from .load import DataError
    from .validate import validate

    report, ds = validate(args.data, args.ontology, args.base)
    if report.problems:
        raise DataError(report.problems)
    if not report.conforms:
        print(report.text(), file=sys.stderr)
        raise DataError([])
    if imports is None and args.data is None:
        from .importers import manifests

        if manifests():  # the curated graph passed SHACL: now the same build with the kept imports
            ds = build(args.data, args.ontology, args.base)
    return ds


def _store_options(p: argparse.ArgumentParser) -> None:
    """--store / --endpoint / --auth: where a command that reads the graph reads it from."""
    g = p.add_argument_group("where the graph is read from")
    g.add_argument("--store", metavar="KIND",
                   help="memory (default: rdflib, built from the data), oxigraph (Oxigraph in memory) or "
                        "oxigraph:DIR (Oxigraph on disk, loaded once and rebuilt only when the data change)")
    g.add_argument("--endpoint", metavar="URL",
                   help="query any SPARQL 1.1 endpoint instead (Oxigraph, Fuseki, GraphDB, Virtuoso, QLever ...)")
    g.add_argument("--auth", metavar="USER:PASSWORD",
                   help="HTTP Basic credentials for --endpoint (better: $PMKG_ENDPOINT_AUTH, or a bearer token in "
                        "$PMKG_ENDPOINT_TOKEN, which other users cannot see in the process list)")


def _store(args):
    """The kg.store.Store named by --store / --endpoint (default: rdflib memory store built from the data)."""
    from .store import open_store

    return open_store(getattr(args, "store", None), endpoint=getattr(args, "endpoint", None),
                      data_dir=args.data, ontology_dir=args.ontology, base=args.base, auth=getattr(args, "auth", None))


def _read_dataset(args):
    """All quads for commands that need the whole graph: built from the data, or read from --store/--endpoint."""
    if getattr(args, "endpoint", None) or getattr(args, "store", None) not in (None, "memory"):
        return _store(args).dataset()
    return _dataset(args)


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
    from .network import NETWORK_FORMATS, export_network

    if args.format in NETWORK_FORMATS:
        payload = export_network(_network_view(args), args.format)
    else:
        payload = serialize(_read_dataset(args), args.format)
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


def cmd_push(args) -> int:
    from .push import push

    report = push(_dataset(args), args.endpoint, graph=args.graph, auth=args.auth, timeout=args.timeout)
    print(report.text())
    return OK


def cmd_serve(args) -> int:
    from .serve import config_from_args, serve

    serve(args.store, host=args.host, port=args.port, data_dir=args.data, ontology_dir=args.ontology, base=args.base,
          config=config_from_args(args), quiet=args.quiet, allow_host=args.allow_host or ())
    return OK


def _network_options(p: argparse.ArgumentParser, default_view: str = "landscape", focus: bool = True) -> None:
    """--view and the filters of the network views (viz, analyze, path, export of network formats)."""
    from .network import VIEWS

    g = p.add_argument_group("network view")
    g.add_argument("--view", choices=VIEWS, default=default_view,
                   help=f"landscape (typed nodes and roles), organisations (co-participation), bipartite "
                        f"(organisations and what they take part in) or trials (default {default_view})")
    if focus:
        g.add_argument("--focus", metavar="ENTITY", help="only what is within --depth links of ENTITY (id, acronym, name or IRI)")
        g.add_argument("--depth", type=int, default=1, metavar="N", help="links from --focus (default 1)")
    g.add_argument("--kinds", metavar="K,K", action="append",
                   help="node kinds: organisation, funder, project, collaboration, initiative, trial, programme")
    g.add_argument("--country", metavar="SE,NO", action="append", help="only nodes in these countries (ISO codes)")
    g.add_argument("--roles", metavar="R,R", action="append",
                   help="only these roles and relations (coordinator, partner, funder, sponsor, part-of, inspired-by ...)")
    g.add_argument("--year", type=int, metavar="YYYY", help="only projects and trials active that year")
    g.add_argument("--programme", metavar="ID", help="only projects and trials under this programme")
    g.add_argument("--no-uncertain", action="store_true", help="leave out records and participations marked uncertain")


def _network_view(args):
    """The network view the options ask for, read through --store/--endpoint (default: built from the data)."""
    from .network import Filters, parse_list, view

    filters = Filters(kinds=parse_list(args.kinds), countries=parse_list(args.country), roles=parse_list(args.roles),
                      year=args.year, programme=args.programme, include_uncertain=not args.no_uncertain)
    focus = getattr(args, "focus", None)
    return view(_store(args), args.view, filters, base=args.base, focus=focus, depth=getattr(args, "depth", 1))


def cmd_viz(args) -> int:
    import re

    from . import paths
    from .viz import page, write_page

    G = _network_view(args)
    html = page(G, title=args.title, seed=args.seed)
    if args.output:
        out = Path(args.output)
    else:
        name = "network" if args.view == "landscape" else f"network-{args.view}"
        focus = re.sub(r"[^A-Za-z0-9-]+", "-", str(G.graph.get("focus", ""))).strip("-")
        out = paths.build_dir() / (f"{name}-{focus}.html" if focus else f"{name}.html")
    write_page(out, html)
    print(f"Wrote {out} ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges, {len(html)} bytes)")
    return OK


def cmd_analyze(args) -> int:
    from .analyze import analyze, format_analysis
    from .files import atomic_write

    if args.top is not None and args.top < 1:
        raise UsageError("--top must be 1 or more")
    text = format_analysis(analyze(_network_view(args), seed=args.seed), args.format,
                           None if args.all else args.top, args.sort)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        atomic_write(args.output, text)
        print(f"Wrote {args.output} ({args.format})", file=sys.stderr)
    return OK


def cmd_path(args) -> int:
    from .network import format_paths, shortest_paths

    G = _network_view(args)
    res = shortest_paths(G, args.source, args.target, limit=args.max)
    print(format_paths(G, res))
    return OK if res.paths else DATA_PROBLEM


def cmd_queries(args) -> int:
    from .query import get, listing

    if args.name:
        print(get(args.name).describe(), end="")
    else:
        for q in listing():
            print(q.summary())
    return OK


def cmd_query(args) -> int:
    from .files import atomic_write
    from .query import answer, from_text, load

    if (args.query is None) == (args.sparql is None):
        raise UsageError("give a query name or file, or --sparql TEXT (one of them)")
    params = {}
    for item in args.param or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        params[key.strip()] = value
    if args.sparql is not None:   # text, even when it looks like a name or a path
        query = from_text(sys.stdin.read() if args.sparql == "-" else args.sparql, "<sparql>")
    else:   # an unknown name or a missing file is reported before the graph is built
        query = load(args.query)
    ans = answer(query, params, _store(args), base=args.base)
    out = ans.text(args.format, args.base)
    if ans.empty:
        if args.format in (None, "table") and args.output in (None, "-"):
            print("No results.")
            return OK
        print("pmkg: the query returned no results", file=sys.stderr)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(out.encode("utf-8"))
        sys.stdout.flush()
    else:
        atomic_write(args.output, out)
        print(f"Wrote {args.output}", file=sys.stderr)
    return OK


def parser() -> argparse.ArgumentParser:
    from .export import FORMATS

    p = argparse.ArgumentParser(
        prog="pmkg", description="Build, validate, query and export the precision-medicine collaboration knowledge graph.",
        epilog="Exit codes: 0 success, 1 the data has problems (nothing written), 2 could not run.")
    p.add_argument("--version", action="version", version=f"pmkg {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    b = sub.add_parser("build", help="build the graph and write build/pmkg.ttl, build/pmkg.trig and build/network.html",
                       description="Load and check data/, build the graph, validate it with SHACL and write "
                                   "build/pmkg.ttl (everything, Turtle), build/pmkg.trig (one named graph per source) and "
                                   "build/network.html (the offline network page).")
    _common(b)
    b.add_argument("-o", "--out", metavar="DIR", help="output folder (default: build/)")
    b.add_argument("--no-shacl", action="store_true", help="skip the SHACL shapes (structural checks still run)")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="check the data: structure, references, identifiers, then SHACL",
                       description="Exit 0 when the data conforms, 1 on problems or violations, 2 when validation could not run.")
    _common(v)
    v.add_argument("--no-shacl", action="store_true", help="structural checks only")
    v.set_defaults(func=cmd_validate)

    from .network import NETWORK_FORMATS

    e = sub.add_parser("export", help="write the graph in an RDF format, or a network view for Gephi, Cytoscape, D3",
                       description="RDF formats write the whole graph; graphml, gexf and node-link-json write the "
                                   "network view chosen with --view and the filters (default: the landscape).")
    _common(e)
    e.add_argument("-f", "--format", choices=list(FORMATS) + list(NETWORK_FORMATS), default="turtle",
                   help="turtle (default), longturtle, jsonld, nt; trig and nquads keep the per-source named graphs; "
                        "graphml, gexf (Gephi, Cytoscape) and node-link-json (D3) write a network view")
    e.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    _store_options(e)
    _network_options(e, focus=True)
    e.set_defaults(func=cmd_export)

    s = sub.add_parser("stats", help="counts by class, by country and by role")
    _common(s)
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.set_defaults(func=cmd_stats)

    pu = sub.add_parser("push", help="load the graph into a triplestore (SPARQL 1.1 Graph Store HTTP Protocol)",
                        description="PUT each named graph (one per source, the ontology, the description) to a Graph "
                                    "Store endpoint, replacing it there: pushing twice duplicates nothing. Examples of "
                                    "URL: http://localhost:7878/store (Oxigraph), http://localhost:3030/ds/data (Fuseki).")
    _common(pu)
    pu.add_argument("--endpoint", metavar="URL", required=True, help="the Graph Store endpoint")
    pu.add_argument("--graph", metavar="IRI",
                    help="put everything into this one graph instead ('default' for the default graph)")
    pu.add_argument("--auth", metavar="USER:PASSWORD",
                    help="HTTP Basic credentials (better: $PMKG_ENDPOINT_AUTH, or a bearer token in $PMKG_ENDPOINT_TOKEN); "
                         "never printed")
    pu.add_argument("--timeout", type=float, default=300.0, metavar="S", help="seconds to wait for each graph (300)")
    pu.set_defaults(func=cmd_push)

    from .serve import add_arguments as serve_arguments

    sv = sub.add_parser("serve", help="serve the graph as a read-only SPARQL endpoint with a query page",
                        description="A SPARQL 1.1 Protocol endpoint at /sparql (GET and POST; JSON, XML, CSV, TSV, "
                                    "Turtle ...) with a service description and an offline query page at /. Read-only: "
                                    "updates and SERVICE are refused; time, memory, body size, connections and the "
                                    "queue are bounded; answers are capped.")
    _common(sv)
    serve_arguments(sv)
    sv.set_defaults(func=cmd_serve)

    vz = sub.add_parser("viz", help="write the interactive network page (one offline HTML file)",
                        description="Draw a network view as a self-contained HTML page that opens with a double click "
                                    "and no internet connection: legend, search, filters by kind, country and role, "
                                    "neighbourhood highlight, tooltips with identifiers and sources.")
    _common(vz)
    vz.add_argument("-o", "--output", metavar="FILE",
                    help="page to write (default: build/network.html, or build/network-VIEW[-FOCUS].html)")
    vz.add_argument("--title", help="heading of the page (default: from the view)")
    vz.add_argument("--seed", type=int, default=42, help="layout seed (default 42): the same seed gives the same picture")
    _network_options(vz)
    _store_options(vz)
    vz.set_defaults(func=cmd_viz)

    from .analyze import FORMATS as ANALYSIS_FORMATS, SORT_KEYS

    an = sub.add_parser("analyze", help="hubs and brokers: centralities, communities, articulation points",
                        description="Degree, weighted degree, betweenness (exact up to 3,000 nodes, sampled above and "
                                    "said so), PageRank, Louvain communities and articulation points of a network view "
                                    "(default: organisations linked by shared projects and trials).")
    _common(an)
    an.add_argument("--top", type=int, default=20, metavar="N", help="rows to show (default 20)")
    an.add_argument("--all", action="store_true", help="every node instead of the top N")
    an.add_argument("--sort", choices=SORT_KEYS, default="betweenness", help="order of the rows (default betweenness)")
    an.add_argument("--format", choices=ANALYSIS_FORMATS, default="table", help="table (default), csv or json")
    an.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    an.add_argument("--seed", type=int, default=0, help="seed of Louvain and of sampled betweenness (default 0)")
    _network_options(an, default_view="organisations")
    _store_options(an)
    an.set_defaults(func=cmd_analyze)

    pa = sub.add_parser("path", help="the shortest connections between two entities, with the relations",
                        description="Print every shortest path between two entities (ids, acronyms, names or IRIs) in "
                                    "a network view, each hop with its roles. Exit 1 when they are not connected.")
    _common(pa)
    pa.add_argument("source", metavar="A", help="first entity")
    pa.add_argument("target", metavar="B", help="second entity")
    pa.add_argument("--max", type=int, default=10, metavar="N", help="at most N paths (default 10)")
    _network_options(pa, focus=False)
    _store_options(pa)
    pa.set_defaults(func=cmd_path)

    qs = sub.add_parser("queries", help="list the named queries (name, question, parameters)",
                        description="List the named SPARQL queries of queries/, or show one in full.")
    qs.add_argument("name", nargs="?", help="show this query's question, parameters and example")
    qs.set_defaults(func=cmd_queries)

    from .query import FORMATS as QUERY_FORMATS

    qy = sub.add_parser("query", help="run a named query, a .rq file or --sparql TEXT",
                        description="Run a named query (see `pmkg queries`), a query file, or SPARQL text. "
                                    "SELECT and ASK print a table by default, CONSTRUCT and DESCRIBE Turtle; "
                                    "csv, tsv and sparql-json follow the W3C SPARQL 1.1 result formats "
                                    "(json is SPARQL JSON, or JSON-LD for a graph). Parameters are bound, "
                                    "never pasted into the query; every pmkg prefix may be used undeclared. "
                                    "Exit 2 on a syntax error, an unknown name or a bad parameter; "
                                    "no results is exit 0.")
    _common(qy)
    qy.add_argument("query", nargs="?", metavar="NAME|FILE", help="a named query or a .rq file")
    qy.add_argument("--sparql", metavar="TEXT", help="SPARQL text to run ('-' reads it from stdin)")
    qy.add_argument("-p", "--param", action="append", metavar="NAME=VALUE",
                    help="a parameter (repeatable); an entity may be given by name, acronym, id or IRI")
    qy.add_argument("-f", "--format", choices=QUERY_FORMATS,
                    help="table (default for SELECT/ASK), csv, tsv, json, sparql-json, turtle (default for graphs)")
    qy.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    _store_options(qy)
    qy.set_defaults(func=cmd_query)

    _import_parser(sub)
    return p


def _id_list(text: str) -> list[str]:
    """``a,b,c`` or ``@FILE`` (one id a line, # comments) -> ids."""
    if text.startswith("@"):
        lines = Path(text[1:]).read_text(encoding="utf-8").splitlines()
        return [x.split("#", 1)[0].strip() for x in lines if x.split("#", 1)[0].strip()]
    return [x.strip() for x in text.split(",") if x.strip()]


def cmd_import(args) -> int:
    from . import importers

    folder = getattr(args, "dir", None)
    source = getattr(args, "source", None)
    if args.list or args.remove:
        if source:
            raise UsageError("--list and --remove take no source")
        if args.remove:
            for path in importers.remove(args.remove, folder):
                print(f"Removed {path}")
            return OK
        found = importers.manifests(folder)
        where = folder or importers.imports_dir()
        if not found:
            print(f"No kept imports in {where}.")
            return OK
        rows = [("NAME", "SOURCE", "IMPORTED", "FILES", "QUADS", "ENTITIES", "MERGED", "CONFLICTS", "SKIPPED")]
        for m in found:
            c = m.counts
            files = ", ".join(f["name"] for f in m.files[:3]) + (" ..." if len(m.files) > 3 else "")
            rows.append((m.name, f"{m.title} ({m.importer_version})", m.imported_at, files, f"{c.get('quads', 0):,}",
                         f"{c.get('entities', 0):,}", f"{c.get('merged', 0):,}", f"{c.get('conflicts', 0):,}",
                         f"{m.skipped:,}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        print(f"({len(found)} import(s) kept in {where}; each is its own named graph, included by build, query, "
              f"viz and export)")
        return OK
    if not source:
        raise UsageError("give a source (cordis, ctgov or ror), --list, or --remove NAME; see pmkg import --help")
    if source == "cordis":
        inputs = {"projects": args.projects, "organizations": args.organizations}
        options = {"programme": [x for v in args.programme or [] for x in _id_list(v)],
                   "topic": args.topic or [], "call": args.call or [], "keyword": args.keyword or [],
                   "ids": [x for v in args.ids or [] for x in _id_list(v)]}
    elif source == "ctgov":
        inputs, options = {"path": args.path}, {}
    else:
        inputs = {"dump": args.dump}
        options = {"all": args.all, "ids": [x for v in args.ids or [] for x in _id_list(v)]}
    try:
        summary = importers.run_import(
            source, inputs, name=args.name, skip_bad=args.skip_bad, progress=True if args.progress else None,
            options=options, data_dir=args.data, ontology_dir=args.ontology, base=args.base, folder=folder)
    except importers.BadRecords as e:
        shown = e.problems[:50]
        print(f"pmkg: {len(e.problems)} bad record(s) in the input, nothing written:", file=sys.stderr)
        for p in shown:
            print(f"  {p}", file=sys.stderr)
        if len(e.problems) > len(shown):
            print(f"  ... and {len(e.problems) - len(shown)} more", file=sys.stderr)
        print("Fix them, or run again with --skip-bad to import the good records and write a report of the "
              "bad ones.", file=sys.stderr)
        return DATA_PROBLEM
    except importers.NothingToImport as e:
        print(f"pmkg: {e}", file=sys.stderr)
        return DATA_PROBLEM
    print(summary.text())
    return OK


def _import_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="curated data to reconcile with (default: data/ of the project)")
    p.add_argument("--ontology", metavar="DIR", help="ontology folder (default: ontology/ of the project)")
    p.add_argument("--base", metavar="IRI", help="base IRI for minted entities (default: $PMKG_BASE or https://w3id.org/pmkg/)")
    p.add_argument("--name", metavar="NAME", help="name of the import (default: the source); importing again "
                                                  "under the same name replaces it")
    p.add_argument("--skip-bad", action="store_true",
                   help="keep the good records when some are bad, and write a report of the skipped ones "
                        "(default: nothing is written when any record is bad)")
    p.add_argument("--progress", action="store_true", help="show the progress bar even when stderr is not a terminal")
    p.add_argument("--dir", metavar="DIR", default=argparse.SUPPRESS,
                   help="where imports are kept (default: build/imports/ of the project)")


def _import_parser(sub) -> None:
    im = sub.add_parser(
        "import", help="import public data (CORDIS, ClinicalTrials.gov, ROR) into its own named graph",
        description="Read a registry's export into the pmkg model, reconciled with the curated data (the same "
                    "ROR, Wikidata, CORDIS id, grant number or NCT number is the same node; curated facts win and "
                    "conflicts are reported), and keep it in build/imports/ so that build, query, viz and export "
                    "include it. Exit 1 when records are bad (nothing written unless --skip-bad).")
    im.add_argument("--list", action="store_true", help="list the kept imports")
    im.add_argument("--remove", metavar="NAME", help="drop a kept import")
    im.add_argument("--dir", metavar="DIR", default=argparse.SUPPRESS,
                    help="where imports are kept (default: build/imports/ of the project)")
    isub = im.add_subparsers(dest="source", metavar="SOURCE")
    c = isub.add_parser("cordis", help="CORDIS project.csv + organization.csv (Horizon 2020, Horizon Europe)",
                        description="Import CORDIS open-data exports. Filters combine (all must match); a filter "
                                    "given several times matches any of its values.")
    c.add_argument("--projects", required=True, metavar="CSV", help="project.csv")
    c.add_argument("--organizations", "--organisations", required=True, metavar="CSV", help="organization.csv")
    f = c.add_argument_group("filters")
    f.add_argument("--programme", action="append", metavar="CODE", help="framework programme: HORIZON, H2020 ...")
    f.add_argument("--topic", action="append", metavar="PATTERN",
                   help="topic prefix, * as wildcard: HORIZON-MISS-*-CANCER")
    f.add_argument("--call", action="append", metavar="PATTERN", help="call prefix, * as wildcard")
    f.add_argument("--keyword", action="append", metavar="WORD", help="word in the title, acronym or objective")
    f.add_argument("--ids", action="append", metavar="IDS", help="project ids: 101104269,101079984 or @FILE")
    _import_options(c)
    c.set_defaults(func=cmd_import)
    t = isub.add_parser("ctgov", help="ClinicalTrials.gov API v2 studies (a JSON file or a folder of them)")
    t.add_argument("path", metavar="FILE|DIR", help="a study, a /studies page or a list of studies; or a folder of *.json")
    _import_options(t)
    t.set_defaults(func=cmd_import)
    r = isub.add_parser("ror", help="ROR schema v2 records (the data dump's .json file)",
                        description="By default only records of organisations already in the graph (same ROR id, "
                                    "Wikidata id, or name and country) are imported, to enrich them.")
    r.add_argument("dump", metavar="DUMP.json", help="the ROR dump (schema v2 JSON), or an API response")
    r.add_argument("--all", action="store_true", help="import every record")
    r.add_argument("--ids", action="append", metavar="IDS", help="also these ROR ids: 00j9c2840,... or @FILE")
    _import_options(r)
    r.set_defaults(func=cmd_import)
    im.set_defaults(func=cmd_import, source=None, name=None, skip_bad=False, progress=False,
                    data=None, ontology=None, base=None)


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
