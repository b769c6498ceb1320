"""The ``pmkg`` command line: the parser, the exit codes, and a table of which function runs each command.

The parser is built from the light option tables of :mod:`kg.options`, so
``pmkg --help`` loads no RDF, network or page library. The command functions
live in :mod:`kg.cmd_query` (query, queries, stats: kept light so a cold query
is fast) and :mod:`kg.commands` (everything else); :func:`main` imports the one
module the command needs, then maps the errors a user can cause to exit codes:
0 success, 1 the data has problems (nothing written), 2 the command could not
run, 130 interrupted.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import math
import os
import re
import sys

from . import __version__
from .errors import DATA_PROBLEM, ERROR, INTERRUPTED, DataError, UsageError
from .options import (
    ANALYSIS_FORMATS,
    DEFAULT_CONNECTIONS,
    DEFAULT_HOST,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_ROWS,
    DEFAULT_MEMORY_MB,
    DEFAULT_PORT,
    DEFAULT_QUEUE,
    DEFAULT_TIMEOUT,
    NETWORK_FORMATS,
    QUERY_FORMATS,
    RDF_FORMATS,
    SORT_KEYS,
    VIEWS,
)

TYPE_CHECKING = False   # typing.TYPE_CHECKING without importing typing (pmkg --help stays fast)
if TYPE_CHECKING:
    from typing import NoReturn

#: command -> "module:function" (imported when the command runs)
COMMANDS = {
    "build": "kg.commands:build", "validate": "kg.commands:validate", "export": "kg.commands:export",
    "stats": "kg.cmd_query:stats", "push": "kg.commands:push", "serve": "kg.commands:serve",
    "viz": "kg.commands:viz", "analyze": "kg.commands:analyze", "path": "kg.commands:path",
    "queries": "kg.cmd_query:queries", "query": "kg.cmd_query:query", "import": "kg.commands:import_",
    "report": "kg.commands:report",
}


#: argparse's message for a value outside ``choices`` (Python 3.10-3.13 quote the choices or not)
_INVALID_CHOICE = re.compile(r"invalid choice: '?(?P<word>.*?)'? \(choose from (?P<choices>.*)\)$")


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = [c for c in choices if word and c.startswith(word)][:3]   # 'org' -> organisations
    close += [c for c in difflib.get_close_matches(word, choices, n=3, cutoff=0.45) if c not in close]
    return f" (did you mean {' or '.join(close[:3])}?)" if close else ""


class _Parser(argparse.ArgumentParser):
    """argparse, with "did you mean" for a mistyped command, choice or option, and one error prefix
    (``pmkg: error:``) for the commands and their subcommands alike."""

    def error(self, message: str) -> NoReturn:
        m = _INVALID_CHOICE.search(message)
        if m:
            choices = [c.strip().strip("'") for c in m.group("choices").split(",")]
            message += _did_you_mean(m.group("word"), choices)
        self.print_usage(sys.stderr)
        self.exit(ERROR, f"pmkg: error: {message}\n")

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an unknown option is reported by the command it was given to, with the
        close option names (``--contry`` -> ``--country``)."""
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = self._command_parser(ns)
            options = [o for a in parser._actions for o in a.option_strings]
            hints = [c[0] for x in extras if x.startswith("-")
                     for c in [difflib.get_close_matches(x.split("=", 1)[0], options, n=1, cutoff=0.7)] if c]
            parser.error(f"unrecognized arguments: {' '.join(extras)}"
                         + (f" (did you mean {', '.join(hints)}?)" if hints else ""))
        return ns

    def _command_parser(self, ns: argparse.Namespace) -> argparse.ArgumentParser:
        """The (sub)parser of the command ``ns`` holds: ``pmkg import cordis`` -> its own parser."""
        parser: argparse.ArgumentParser = self
        for dest in ("command", "source"):
            sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
            name = getattr(ns, dest, None)
            if sub is None or name not in sub.choices:
                break
            parser = sub.choices[name]
        return parser


def _graph_options(p: argparse.ArgumentParser) -> None:
    """Which graph: the options every command shares (resolved once, see kg.config.Config)."""
    g = p.add_argument_group("which graph")
    g.add_argument("--data", metavar="DIR", help="curated data folder (default: data/ of the project)")
    g.add_argument("--ontology", metavar="DIR", help="ontology folder (default: ontology/ of the project)")
    g.add_argument("--base", metavar="IRI",
                   help="base IRI for minted entities (default: $PMKG_BASE or https://w3id.org/pmkg/)")
    g.add_argument("--no-imports", action="store_true",
                   help="leave out the kept imports (pmkg import); they are included by default when --data "
                        "is not given")
    g.add_argument("--imports", metavar="DIR", help="folder of kept imports (default: build/imports/)")


def _store_options(p: argparse.ArgumentParser, endpoint: bool = True) -> None:
    """--store / --endpoint / --auth: where a command that reads the graph reads it from."""
    g = p.add_argument_group("where the graph is read from")
    g.add_argument("--store", metavar="KIND",
                   help="published (default: the Oxigraph store pmkg build publishes in build/, rebuilt first "
                        "when the data changed), memory (rdflib), oxigraph (Oxigraph in memory) or oxigraph:DIR "
                        "(Oxigraph on disk in a folder of yours)")
    if endpoint:
        g.add_argument("--endpoint", metavar="URL",
                       help="query any SPARQL 1.1 endpoint instead (Oxigraph, Fuseki, GraphDB, Virtuoso, QLever ...)")
        g.add_argument("--auth", metavar="USER:PASSWORD",
                       help="credentials for --endpoint, answering its HTTP Digest or Basic challenge (better: "
                            "$PMKG_ENDPOINT_AUTH, or a bearer token in $PMKG_ENDPOINT_TOKEN, which other users "
                            "cannot see in the process list)")


def _network_options(p: argparse.ArgumentParser, default_view: str | None = "landscape", focus: bool = True) -> None:
    """--view and the filters of the network views (viz, analyze, path, export of network formats);
    no --view when ``default_view`` is None (the report covers the landscape: a --view it would
    ignore must not be offered)."""
    g = p.add_argument_group("network view")
    if default_view is not None:
        g.add_argument("--view", choices=VIEWS, default=default_view,
                       help=f"landscape (typed nodes and roles), organisations (co-participation), bipartite "
                            f"(organisations and what they take part in) or trials (default {default_view})")
    if focus:
        g.add_argument("--focus", metavar="ENTITY",
                       help="only what is within --depth links of ENTITY (id, acronym, name, IRI or registry number)")
        g.add_argument("--depth", type=int, metavar="N", help="links from --focus (default 1)")
    g.add_argument("--kinds", metavar="K,K", action="append",
                   help="node kinds: organisation, funder, project, collaboration, initiative, trial, programme")
    g.add_argument("--country", metavar="SE,NO", action="append",
                   help="only nodes in these countries: ISO 3166-1 codes or English names (SE,NO or Sweden,Norway)")
    g.add_argument("--roles", metavar="R,R", action="append",
                   help="only these roles and relations (coordinator, partner, funder, sponsor, part-of, "
                        "inspired-by ...)")
    g.add_argument("--year", type=int, metavar="YYYY", help="only projects and trials active that year")
    g.add_argument("--programme", metavar="ID", help="only projects and trials under this programme")
    g.add_argument("--uncertain", action="store_true",
                   help="also draw and count the records and participations marked uncertain (no source confirms "
                        "them; left out by default)")
    # the default since uncertain records stay out unless asked for; still accepted from older scripts
    g.add_argument("--no-uncertain", dest="uncertain", action="store_false", help=argparse.SUPPRESS)


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"{n} is not a port: use 0 to 65535 (0 picks a free one)")
    return n


def _seconds(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive, finite number of seconds")
    return x


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"{n}: give a positive whole number")
    return n


def _rows(text: str) -> int:
    """A number of rows for --limit / --offset: a whole number, 0 or more."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{n}: give a whole number, 0 or more")
    return n


def _serve_arguments(p) -> None:
    """The options of ``pmkg serve`` (an argparse parser), each checked when it is read: a port out of
    range, or a timeout that is not a positive finite number, is a usage error (exit 2)."""
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only; ::1 for IPv6)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--store", metavar="KIND",
                   help="published (default: the store pmkg build publishes, rebuilt first when the data changed), "
                        "memory or oxigraph (the graph assembled here, held by Oxigraph in memory) or oxigraph:DIR "
                        "(a persistent store in a folder of yours)")
    p.add_argument("--allow-host", action="append", metavar="NAME",
                   help="also answer requests whose Host header is NAME (a name the server is reached by, e.g. behind "
                        "a reverse proxy; repeat or separate with commas; '*' for any). By default only localhost, "
                        "127.0.0.1, [::1] and the --host address are answered (DNS rebinding protection)")
    g = p.add_argument_group("limits")
    g.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"seconds from a request's arrival to its answer, waiting for a worker included; a query "
                        f"still running then is stopped (default {DEFAULT_TIMEOUT:g})")
    g.add_argument("--max-rows", type=_count, default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"most solutions or triples in one answer (default {DEFAULT_MAX_ROWS})")
    g.add_argument("--workers", type=_count, default=1, metavar="N", help="query worker processes (default 1)")
    g.add_argument("--memory", type=_count, default=DEFAULT_MEMORY_MB, metavar="MIB",
                   help=f"memory (address space, MiB) a worker may use beyond the loaded graph; a query that needs "
                        f"more is stopped (default {DEFAULT_MEMORY_MB})")
    g.add_argument("--queue", type=_count, default=DEFAULT_QUEUE, metavar="N",
                   help=f"requests that may wait for a busy worker; more are answered 503 (default {DEFAULT_QUEUE})")
    g.add_argument("--max-connections", type=_count, default=DEFAULT_CONNECTIONS, metavar="N",
                   help=f"connections served at once; more are answered 503 (default {DEFAULT_CONNECTIONS})")
    g.add_argument("--idle-timeout", type=_seconds, default=DEFAULT_IDLE_TIMEOUT, metavar="S",
                   help=f"seconds a connection may stay silent before it is closed (default {DEFAULT_IDLE_TIMEOUT:g})")
    p.add_argument("--quiet", action="store_true", help="do not log requests")



def parser() -> argparse.ArgumentParser:
    """The whole command line."""
    p = _Parser(prog="pmkg",
                description="Build, validate, query and export the precision-medicine collaboration knowledge graph.",
                epilog="Exit codes: 0 success, 1 the data has problems (nothing written), 2 could not run, "
                       "130 interrupted (Ctrl-C).")
    p.add_argument("--version", action="version", version=f"pmkg {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    b = sub.add_parser("build", help="build the graph and publish build/ (store, pmkg.ttl, pmkg.trig, network page)",
                       description="Load and check data/ and the kept imports, assemble the graph once, validate the "
                                   "merged graph with SHACL, and publish in build/: the Oxigraph store every reading "
                                   "command uses, pmkg.ttl (the union, Turtle), pmkg.trig (one named graph per "
                                   "source) and network.html (the offline network page). Nothing is published when "
                                   "a check fails; a second build waits for the first.")
    _graph_options(b)
    b.add_argument("-o", "--out", metavar="DIR", help="output folder (default: build/)")
    b.add_argument("--no-shacl", action="store_true", help="skip the SHACL shapes (structural checks still run)")
    b.add_argument("--allow-empty", action="store_true", help="build even when the data holds no records")
    b.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    v = sub.add_parser("validate", help="check the graph: records, references, identifiers, then SHACL",
                       description="Checks the graph pmkg build would publish (kept imports included unless "
                                   "--no-imports). Exit 0 when it conforms, 1 on problems or violations, 2 when "
                                   "validation could not run.")
    _graph_options(v)
    v.add_argument("--no-shacl", action="store_true", help="structural checks only")
    v.add_argument("--allow-empty", action="store_true", help="accept data that holds no records")

    e = sub.add_parser("export", help="write the graph in an RDF format, or a network view for Gephi, Cytoscape, D3",
                       description="RDF formats write the whole graph; graphml, gexf and node-link-json write the "
                                   "network view chosen with --view and the filters (default: the landscape); "
                                   "the filters with an RDF format are an error, not ignored.")
    _graph_options(e)
    e.add_argument("-f", "--format", choices=list(RDF_FORMATS) + list(NETWORK_FORMATS), default="turtle",
                   help="turtle (default), longturtle, jsonld, nt; trig and nquads keep the per-source named graphs; "
                        "graphml, gexf (Gephi, Cytoscape) and node-link-json (D3) write a network view")
    e.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    e.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    _store_options(e)
    _network_options(e, focus=True)

    s = sub.add_parser("stats", help="counts by class, by country and by role")
    _graph_options(s)
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.add_argument("--uncertain", action="store_true",
                   help="count the participations no source confirms too (left out of the role counts and the "
                        "coverage by default)")
    _store_options(s)

    pu = sub.add_parser("push", help="load the graph into a triplestore (SPARQL 1.1 Graph Store HTTP Protocol)",
                        description="PUT each named graph (one per source, the ontology, the description, the names "
                                    "index) to a Graph Store endpoint, replacing it there, and the union of them to "
                                    "the default graph: pushing twice duplicates nothing, and the endpoint's default "
                                    "graph holds each triple once. Examples of URL: http://localhost:7878/store "
                                    "(Oxigraph), http://localhost:3030/ds/data (Fuseki), "
                                    "http://localhost:8890/sparql-graph-crud-auth (Virtuoso, with --union-graph).")
    _graph_options(pu)
    pu.add_argument("--endpoint", metavar="URL", required=True, help="the Graph Store endpoint")
    pu.add_argument("--graph", metavar="IRI",
                    help="put everything into this one graph instead ('default' for the default graph)")
    pu.add_argument("--union-graph", metavar="IRI",
                    help="send the union (each triple once) to this named graph instead of the default graph, for "
                         "stores whose default graph is the bag-union of all graphs (Virtuoso); query it with "
                         "?default-graph-uri=IRI")
    pu.add_argument("--prune", action="store_true",
                    help="delete from the store the graphs of sources and imports that no longer exist (the "
                         "project's graph/ IRIs this push did not send), naming each")
    pu.add_argument("--query-endpoint", metavar="URL",
                    help="the store's SPARQL query endpoint, which --prune asks for the graphs it holds "
                         "(http://localhost:7878/query, http://localhost:8890/sparql ...)")
    pu.add_argument("--auth", metavar="USER:PASSWORD",
                    help="credentials, sent only when the server asks, with HTTP Digest or Basic as it asks "
                         "(better: $PMKG_ENDPOINT_AUTH, or a bearer token in $PMKG_ENDPOINT_TOKEN); never printed")
    pu.add_argument("--timeout", type=float, default=300.0, metavar="S", help="seconds to wait for each graph (300)")
    pu.add_argument("--parallel", type=int, default=1, metavar="N",
                    help="send N graphs at a time (default 1; more helps Oxigraph and Fuseki with many small "
                         "graphs; Virtuoso 7 holds locks on parallel loads)")
    _store_options(pu, endpoint=False)

    sv = sub.add_parser("serve", help="serve the graph as a read-only SPARQL endpoint with a query page",
                        description="A SPARQL 1.1 Protocol endpoint at /sparql (GET and POST; JSON, XML, CSV, TSV, "
                                    "Turtle ...) with a service description and an offline query page at /. "
                                    "Read-only: updates and SERVICE are refused; time, memory, body size, "
                                    "connections and the queue are bounded (see README, Reliability).")
    _graph_options(sv)
    _serve_arguments(sv)

    vz = sub.add_parser("viz", help="write the interactive network page (one offline HTML file)",
                        description="Draw a network view as a self-contained HTML page that opens with a double click "
                                    "and no internet connection: legend, search, filters by kind, country and role, "
                                    "neighbourhood highlight, tooltips with identifiers and sources.")
    _graph_options(vz)
    vz.add_argument("-o", "--output", metavar="FILE",
                    help="page (or folder) to write, - for stdout (default: build/views/network-VIEW[-FILTERS].html, "
                         "named after the view and its filters; build/network.html, the whole landscape, is written "
                         "by pmkg build)")
    vz.add_argument("--title", help="heading of the page (default: from the view)")
    vz.add_argument("--seed", type=int, default=42,
                    help="layout seed (default 42): the same seed gives the same picture")
    vz.add_argument("--format", choices=("html", "svg", "png"), default="html",
                    help="html (default: the interactive page), or svg / png: a picture of the view for slides "
                         "(needs vl-convert-python: pip install 'pmkg[images]')")
    vz.add_argument("--scale", type=float, default=2.0, metavar="X",
                    help="PNG pixels per picture pixel (default 2: 3200x1800)")
    vz.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    _network_options(vz)
    _store_options(vz)

    an = sub.add_parser("analyze", help="hubs and brokers: centralities, communities, articulation points",
                        description="Degree, weighted degree, betweenness (exact up to 3,000 nodes, sampled above and "
                                    "said so), PageRank, Louvain communities and articulation points of a network view "
                                    "(default: organisations linked by shared projects and trials).")
    _graph_options(an)
    an.add_argument("--top", type=int, default=20, metavar="N", help="rows to show (default 20)")
    an.add_argument("--all", action="store_true", help="every node instead of the top N")
    an.add_argument("--sort", choices=SORT_KEYS, default="betweenness", help="order of the rows (default betweenness)")
    an.add_argument("--format", choices=ANALYSIS_FORMATS, default="table", help="table (default), csv or json")
    an.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    an.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    an.add_argument("--seed", type=int, default=0, help="seed of Louvain and of sampled betweenness (default 0)")
    _network_options(an, default_view="organisations")
    _store_options(an)

    pa = sub.add_parser("path", help="the shortest connections between two entities, with the relations",
                        description="Print every shortest path between two entities (ids, acronyms, names, IRIs or "
                                    "registry numbers) in a network view, each hop with its roles. Exit 1 when they "
                                    "are not connected.")
    _graph_options(pa)
    pa.add_argument("source", metavar="A", help="first entity")
    pa.add_argument("target", metavar="B", help="second entity")
    pa.add_argument("--max", type=_count, default=10, metavar="N", help="at most N paths (default 10)")
    _network_options(pa, focus=False)
    _store_options(pa)

    qs = sub.add_parser("queries", help="list the named queries (name, question, parameters)",
                        description="List the named SPARQL queries of queries/, or show one in full with its SPARQL.")
    qs.add_argument("name", nargs="?", help="show this query's question, parameters, example and SPARQL")

    qy = sub.add_parser("query", help="run a named query, a .rq file or --sparql TEXT",
                        description="Run a named query (see `pmkg queries`), a query file, or SPARQL text. "
                                    "SELECT and ASK print a table by default, CONSTRUCT and DESCRIBE Turtle; "
                                    "csv, tsv and sparql-json follow the W3C SPARQL 1.1 result formats "
                                    "(json is SPARQL JSON, or JSON-LD for a graph). Parameters are bound, "
                                    "never pasted into the query; every pmkg prefix may be used undeclared. "
                                    "Exit 2 on a syntax error, an unknown name or a bad parameter; "
                                    "no results is exit 0.")
    _graph_options(qy)
    qy.add_argument("query", nargs="?", metavar="NAME|FILE", help="a named query or a .rq file")
    qy.add_argument("--sparql", metavar="TEXT", help="SPARQL text to run ('-' reads it from stdin)")
    qy.add_argument("-p", "--param", action="append", metavar="NAME=VALUE",
                    help="a parameter (repeatable); an entity may be given by name, acronym, id, IRI or "
                         "registry number")
    qy.add_argument("-f", "--format", choices=QUERY_FORMATS,
                    help="table (default for SELECT/ASK), csv, tsv, json, sparql-json, turtle (default for graphs)")
    qy.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    qy.add_argument("--allow-remote", action="store_true",
                    help="let SERVICE call other hosts, and rdflib (--store memory) fetch a FROM graph it lacks "
                         "(refused by default: a query makes no outbound request)")
    qy.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    qy.add_argument("--limit", type=_rows, metavar="N",
                    help="write at most N rows (0: all). Default: all, but a page of 100 in the table format and "
                         "the query's own limit for shared-projects and sectors (1000); what was left out is said, "
                         "with the total")
    qy.add_argument("--offset", type=_rows, default=0, metavar="N", help="skip the first N rows (default 0)")
    _store_options(qy)

    rp = sub.add_parser("report", help="write the offline report page: map, timeline, funding, consortia, registries",
                        description="Write one self-contained HTML page (no request leaves it) with the headline "
                                    "figures, a map of the countries and their cross-border collaborations, a "
                                    "timeline, funding by funder, programme and project, consortium completeness and "
                                    "matrix, and tables linking every entity to its registry pages and sources. "
                                    "Records and participations marked uncertain are left out unless "
                                    "--uncertain. --format svg|png writes one chart as a picture instead "
                                    "(needs vl-convert-python: pip install 'pmkg[images]').")
    _graph_options(rp)
    rp.add_argument("-o", "--output", metavar="FILE",
                    help="file (or folder) to write, - for stdout (default: build/views/report[-FILTERS].html, or "
                         "report-CHART[-FILTERS].svg|png, named after the filters; build/report.html, the "
                         "published page, is written by pmkg build)")
    rp.add_argument("--title", help="heading of the page")
    rp.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    rp.add_argument("--format", choices=("html", "svg", "png"), default="html",
                    help="html (default: the whole page), or svg / png for the chart named by --chart")
    rp.add_argument("--chart", choices=("map", "world", "countries", "timeline", "funding"),
                    help="the chart --format svg|png draws")
    rp.add_argument("--scale", type=float, default=2.0, metavar="X", help="PNG pixels per chart pixel (default 2)")
    _network_options(rp, default_view=None)
    rp.add_argument("--include-uncertain", dest="uncertain", action="store_true", help=argparse.SUPPRESS)
    _store_options(rp)

    _import_parser(sub)
    return p


class _DirIsGone(argparse.Action):
    """``pmkg import --dir DIR`` kept an import where no other command looked: refused, naming --imports."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        parser.error(f"{option_string} is gone: use --imports DIR, which every command takes (build, query, serve "
                     f"... then see the same imports)")


def _import_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", action=_DirIsGone, help=argparse.SUPPRESS)
    p.add_argument("--data", metavar="DIR", help="curated data to reconcile with (default: data/ of the project)")
    p.add_argument("--ontology", metavar="DIR", help="ontology folder (default: ontology/ of the project)")
    p.add_argument("--base", metavar="IRI",
                   help="base IRI for minted entities (default: $PMKG_BASE or https://w3id.org/pmkg/)")
    p.add_argument("--name", metavar="NAME", help="name of the import (default: the source); importing again "
                                                  "under the same name replaces it")
    p.add_argument("--skip-bad", action="store_true",
                   help="keep the good records when some are bad, and write a report of the skipped ones "
                        "(default: nothing is written when any record is bad)")
    p.add_argument("--progress", action="store_true", help="show the progress bar even when stderr is not a terminal")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="print nothing but errors (no summary, no progress)")
    p.add_argument("--imports", metavar="DIR", default=argparse.SUPPRESS,
                   help="where imports are kept (default: build/imports/ of the project; give the same --imports "
                        "to the other commands)")


def _import_parser(sub) -> None:
    im = sub.add_parser(
        "import", help="import public data (CORDIS, ClinicalTrials.gov, ROR) into its own named graph",
        description="Read a registry's export into records of the pmkg model, reconciled with the curated data (the "
                    "same ROR, Wikidata, CORDIS id, grant number or NCT number is the same node; curated facts win "
                    "and conflicts are reported), and keep them in build/imports/ so that every build includes them. "
                    "Exit 1 when records are bad (nothing written unless --skip-bad).")
    im.add_argument("--list", action="store_true", help="list the kept imports")
    im.add_argument("--remove", metavar="NAME", help="drop a kept import")
    im.add_argument("--imports", metavar="DIR", default=argparse.SUPPRESS,
                    help="where imports are kept (default: build/imports/ of the project)")
    im.add_argument("--dir", action=_DirIsGone, help=argparse.SUPPRESS)
    im.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                    help="print nothing but errors")
    isub = im.add_subparsers(dest="source", metavar="SOURCE")
    c = isub.add_parser("cordis", help="CORDIS project.csv + organization.csv (Horizon 2020, Horizon Europe)",
                        description="Import CORDIS open-data exports. Filters combine (all must match); a filter "
                                    "given several times matches any of its values.")
    c.add_argument("--projects", required=True, metavar="CSV|ZIP",
                   help="project.csv (or .csv.gz), or the CORDIS zip holding project.csv and organization.csv")
    c.add_argument("--organizations", "--organisations", metavar="CSV",
                   help="organization.csv (or .csv.gz); not needed when --projects is the CORDIS zip")
    f = c.add_argument_group("filters")
    f.add_argument("--programme", action="append", metavar="CODE", help="framework programme: HORIZON, H2020 ...")
    f.add_argument("--topic", action="append", metavar="PATTERN",
                   help="topic prefix, * as wildcard: HORIZON-MISS-*-CANCER")
    f.add_argument("--call", action="append", metavar="PATTERN", help="call prefix, * as wildcard")
    f.add_argument("--keyword", action="append", metavar="WORD", help="word in the title, acronym or objective")
    f.add_argument("--ids", action="append", metavar="IDS", help="project ids: 101104269,101079984 or @FILE")
    _import_options(c)
    t = isub.add_parser("ctgov", help="ClinicalTrials.gov API v2 studies (a JSON file or a folder of them)")
    t.add_argument("path", metavar="FILE|DIR",
                   help="a study, a /studies page or a list of studies (.json, .json.gz), the download's .zip, "
                        "or a folder of them")
    _import_options(t)
    r = isub.add_parser("ror", help="ROR schema v2 records (the data dump's .json file)",
                        description="By default only records of organisations already in the graph (same ROR id, "
                                    "Wikidata id, or name and country) are imported, to enrich them.")
    r.add_argument("dump", metavar="DUMP.json",
                   help="the ROR dump (schema v2 JSON, or the dump's .zip, or .json.gz), or an API response")
    r.add_argument("--all", action="store_true", help="import every record")
    r.add_argument("--ids", action="append", metavar="IDS", help="also these ROR ids: 00j9c2840,... or @FILE")
    _import_options(r)
    im.set_defaults(source=None, name=None, skip_bad=False, progress=False, data=None, ontology=None, base=None,
                    quiet=False)


def _os_message(e: Exception) -> str:
    """An error's message; an operating-system error as ``FILE: what`` (not ``[Errno 2] ...: 'FILE'``),
    naming the file the user gave rather than a temporary one (``.page.html.x1y2.tmp``)."""
    if isinstance(e, OSError) and e.strerror and e.filename is not None and str(e).startswith("[Errno"):
        name = os.fspath(e.filename)
        base = os.path.basename(name)
        if base.startswith(".") and base.endswith(".tmp"):   # kg.files.atomic_write's temporary file
            name = os.path.join(os.path.dirname(name), base[1:].rsplit(".", 2)[0])
        return f"{name}: {e.strerror}"
    return str(e)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["help"]:   # `pmkg help [COMMAND]`, as git and gh have it: the --help of the command
        argv = argv[1:2] + ["--help"]
    args = parser().parse_args(argv)
    module, _, name = COMMANDS[args.command].partition(":")
    try:
        try:
            return importlib.import_module(module).__dict__[name](args)
        finally:
            sys.stdout.flush()
    except DataError as e:
        if e.problems:
            print(f"pmkg: error: {len(e.problems)} problem(s) in the data, nothing written:", file=sys.stderr)
            for p in e.problems:
                print(f"  {p}", file=sys.stderr)
        else:
            print(f"pmkg: error: the graph does not conform to the shapes, nothing written:\n{e}", file=sys.stderr)
        return DATA_PROBLEM
    except UsageError as e:
        print(f"pmkg: error: {e}", file=sys.stderr)
        return ERROR
    except BrokenPipeError:
        # the reader went away (pmkg ... | head): stop quietly, and keep Python from complaining at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, ValueError) as e:   # StoreError, QueryError, ResolveError, ImportFileError ...
        print(f"pmkg: error: {_os_message(e)}", file=sys.stderr)
        return ERROR
    except KeyboardInterrupt:
        print("pmkg: interrupted", file=sys.stderr)
        return INTERRUPTED
