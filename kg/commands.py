"""The commands of ``pmkg`` other than query, queries and stats: each a few lines over a plain function.

build, validate, export, push, serve, viz, analyze, path and import. Every one
that reads the graph gets it from :func:`kg.reader.open_reader` (the published
store, or what ``--store`` / ``--endpoint`` name), every one that builds it goes
through :func:`kg.assemble.assemble` once.
"""
from __future__ import annotations

import gc
import re
import sys
import tempfile
from pathlib import Path

from . import importers, paths
from .analyze import analyze as analyse
from .analyze import format_analysis
from .assemble import assemble
from .build import publish
from .errors import DATA_PROBLEM, OK, UsageError
from .export import serialize
from .files import atomic_write
from .network import Filters, export_network, format_paths, node_key, parse_list, shortest_paths, view
from .options import NETWORK_FORMATS
from .prefixes import curie
from .push import push as push_graph
from .reader import config_of, open_reader
from .report import build_report, chart_image, chart_specs
from .report import read as read_report
from .report import render as render_report
from .resolve import Resolver
from .serve import config_from_args
from .serve import serve as serve_graph
from .store import OxigraphStore, Store
from .validate import validate as check
from .viz import page, write_page


def _say(args, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(f"pmkg: {msg}", file=sys.stderr)


def build(args) -> int:
    """``pmkg build``: assemble, check and publish."""
    out = Path(args.out) if args.out else None
    pub = publish(config_of(args), out, shacl=not args.no_shacl)
    if not args.quiet:
        c = pub.assembly.counts
        print(f"Built the pmkg graph: {c.triples} triples, {c.entities} entities, "
              f"{len(pub.assembly.graphs())} named graphs.")
        for cls, n in sorted(c.classes.items(), key=lambda x: (-x[1], x[0])):
            print(f"  {n:5d}  {curie(cls)}")
        sys.stdout.flush()
    for f in pub.files + [pub.folder / "current" / "store"]:
        _say(args, f"wrote {f}")
    return OK


def validate(args) -> int:
    """``pmkg validate``: the structural checks, then the SHACL shapes, on the graph build would publish."""
    report = check(config_of(args), run_shacl=not args.no_shacl)
    print(report.text(), file=sys.stdout if report.conforms else sys.stderr)
    return report.exit_code


def export(args) -> int:
    """``pmkg export``: the graph in an RDF format, or a network view."""
    store = open_reader(args)
    if args.format in NETWORK_FORMATS:
        payload = export_network(_network_view(args, store), args.format)
    else:
        payload = serialize(store.nquads(), args.format, store.base)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(payload)
    else:
        atomic_write(args.output, payload)
        _say(args, f"wrote {args.output} ({args.format}, {len(payload)} bytes)")
    return OK


def push(args) -> int:
    """``pmkg push``: the named graphs and their union into a Graph Store endpoint."""
    report = push_graph(open_reader(args, endpoint_option=False), args.endpoint, graph=args.graph,
                        union_graph=args.union_graph, prune=args.prune, query_endpoint=args.query_endpoint,
                        auth=args.auth, timeout=args.timeout, workers=args.parallel)
    print(report.text())
    return OK


def serve(args) -> int:
    """``pmkg serve``: a read-only SPARQL endpoint over the published store (or --store)."""
    config = config_of(args)
    spec = args.store or "published"
    with tempfile.TemporaryDirectory(prefix="pmkg-serve-") as tmp:
        if spec == "published" or spec.startswith("oxigraph:"):
            store = open_reader(args, config, endpoint_option=False)
            assert isinstance(store, OxigraphStore) and store.path is not None
            source = ("dir", str(store.path))
            del store   # release the folder: the workers open it read-only
            gc.collect()
        elif spec in ("memory", "oxigraph"):
            nq = Path(tmp) / "pmkg.nq"
            nq.write_bytes(assemble(config).nquads(names=True, default=True))
            source = ("nquads", str(nq))
        else:
            raise UsageError(f"unknown store {spec!r}: expected published, memory, oxigraph or oxigraph:DIR")
        serve_graph(source, base=config.base, host=args.host, port=args.port, quiet=args.quiet,
                    allow_host=[h for v in args.allow_host or [] for h in v.split(",") if h.strip()],
                    config=config_from_args(args))
    return OK


def _filters(args) -> Filters:
    return Filters(kinds=parse_list(args.kinds), countries=parse_list(args.country), roles=parse_list(args.roles),
                   year=args.year, programme=args.programme, include_uncertain=not args.no_uncertain)


def _entity_key(store: Store, value: str, what: str) -> str:
    """The network node key of the entity ``value`` names (the one resolver: kg.resolve)."""
    return node_key(Resolver(store).resolve(value, what).iri, store.base or "")


def _network_view(args, store: Store):
    """The network view the options ask for."""
    focus = getattr(args, "focus", None)
    key = _entity_key(store, focus, "--focus") if focus is not None else None
    return view(store, args.view, _filters(args), base=store.base, focus=key, depth=getattr(args, "depth", 1))


def viz(args) -> int:
    """``pmkg viz``: the interactive network page."""
    G = _network_view(args, open_reader(args))
    html = page(G, title=args.title, seed=args.seed)
    out = Path(args.output) if args.output else paths.build_dir() / "views" / view_file_name(args, G)
    write_page(out, html)
    _say(args, f"wrote {out} ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges, {len(html)} bytes)")
    return OK


def view_file_name(args, G) -> str:
    """The page a `pmkg viz` without -o writes, named after its view and filters, so that it never
    replaces the published build/network.html (the whole landscape): ``network-organisations-
    country-NO-SE-year-2024.html``."""
    parts = [args.view]
    for flag, value in (("focus", G.graph.get("focus")), ("depth", args.depth if G.graph.get("focus") else None),
                        ("kinds", args.kinds), ("country", args.country), ("roles", args.roles),
                        ("year", args.year), ("programme", args.programme),
                        ("confirmed", "only" if args.no_uncertain else None)):
        if value:
            items = sorted(parse_list(value) or ()) if isinstance(value, list) else [str(value)]
            parts.append(flag + "-" + "-".join(items))
    return re.sub(r"[^A-Za-z0-9.-]+", "-", "network-" + "-".join(parts)).strip("-")[:180] + ".html"


def analyze(args) -> int:
    """``pmkg analyze``: hubs and brokers of a network view."""
    if args.top is not None and args.top < 1:
        raise UsageError("--top must be 1 or more")
    text = format_analysis(analyse(_network_view(args, open_reader(args)), seed=args.seed), args.format,
                           None if args.all else args.top, args.sort)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        atomic_write(args.output, text)
        _say(args, f"wrote {args.output} ({args.format})")
    return OK


def path(args) -> int:
    """``pmkg path A B``: the shortest connections between two entities."""
    store = open_reader(args)
    a, b = _entity_key(store, args.source, "A"), _entity_key(store, args.target, "B")
    G = view(store, args.view, _filters(args), base=store.base)
    res = shortest_paths(G, a, b, limit=args.max)
    print(format_paths(G, res))
    return OK if res.paths else DATA_PROBLEM


def report(args) -> int:
    """``pmkg report``: the report page, or one of its charts as SVG/PNG."""
    if args.format != "html" and not args.chart:
        raise UsageError("--format svg|png draws one chart: add --chart map|world|countries|timeline|funding")
    if args.format == "html" and args.chart:
        raise UsageError("--chart goes with --format svg or png (the page holds every chart)")
    if not args.scale > 0:
        raise UsageError("--scale must be positive")
    filters = _filters(args)
    filters.include_uncertain = args.include_uncertain and not args.no_uncertain
    store = open_reader(args)
    focus = _entity_key(store, args.focus, "--focus") if args.focus is not None else None
    rep = build_report(read_report(store, store.base), filters, args.title, focus, args.depth)
    if args.format == "html":
        payload: bytes | str = render_report(rep)
        out = Path(args.output) if args.output else paths.build_dir() / "report.html"
    else:
        specs = chart_specs(rep)
        if args.chart not in specs:
            raise UsageError(f"the {args.chart} chart has nothing to draw with these filters "
                             f"(charts drawn: {', '.join(specs) or 'none'})")
        try:
            payload = chart_image(specs[args.chart], args.format, scale=args.scale)
        except RuntimeError as e:
            raise UsageError(str(e)) from None
        out = Path(args.output) if args.output else paths.build_dir() / f"report-{args.chart}.{args.format}"
    atomic_write(out, payload)
    f = rep.figures
    _say(args, f"wrote {out} ({f['organisations']} organisations, "
               f"{f['projects'] + f['collaborations'] + f['initiatives']} projects and collaborations, "
               f"{f['trials']} trials, {f['countries']} countries; {len(payload)} bytes)")
    return OK


def _id_list(text: str) -> list[str]:
    """``a,b,c`` or ``@FILE`` (one id a line, # comments) -> ids."""
    if text.startswith("@"):
        lines = Path(text[1:]).read_text(encoding="utf-8").splitlines()
        return [x.split("#", 1)[0].strip() for x in lines if x.split("#", 1)[0].strip()]
    return [x.strip() for x in text.split(",") if x.strip()]


def import_(args) -> int:
    """``pmkg import``: read a registry's export into kept records; list or remove kept imports."""
    folder = getattr(args, "imports", None)
    source = getattr(args, "source", None)
    if args.list or args.remove:
        if source:
            raise UsageError("--list and --remove take no source")
        if args.remove:
            for p in importers.remove(args.remove, folder):
                print(f"Removed {p}")
            return OK
        return _list_imports(folder)
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
        print(f"pmkg: error: {len(e.problems)} bad record(s) in the input, nothing written:", file=sys.stderr)
        for problem in shown:
            print(f"  {problem}", file=sys.stderr)
        if len(e.problems) > len(shown):
            print(f"  ... and {len(e.problems) - len(shown)} more", file=sys.stderr)
        print("Fix them, or run again with --skip-bad to import the good records and write a report of the "
              "bad ones.", file=sys.stderr)
        return DATA_PROBLEM
    except importers.NothingToImport as e:
        print(f"pmkg: error: {e}", file=sys.stderr)
        return DATA_PROBLEM
    print(summary.text())
    return OK


def _list_imports(folder) -> int:
    found = importers.manifests(folder)
    where = folder or importers.imports_dir()
    if not found:
        print(f"No kept imports in {where}.")
        return OK
    rows = [("NAME", "SOURCE", "IMPORTED", "FILES", "RECORDS", "ENTITIES", "MERGED", "CONFLICTS", "SKIPPED")]
    for m in found:
        c = m.counts
        files = ", ".join(f["name"] for f in m.files[:3]) + (" ..." if len(m.files) > 3 else "")
        rows.append((m.name, f"{m.title} ({m.importer_version})", m.imported_at, files, f"{c.get('records', 0):,}",
                     f"{c.get('entities', 0):,}", f"{c.get('merged', 0):,}", f"{c.get('conflicts', 0):,}",
                     f"{m.skipped:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    print(f"({len(found)} import(s) kept in {where}; each is its own named graph, included by every command "
          f"unless --no-imports)")
    return OK


__all__ = ["analyze", "build", "export", "import_", "path", "push", "serve", "validate", "viz"]
