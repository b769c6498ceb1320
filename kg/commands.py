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
from .countries import UnknownCountry
from .errors import DATA_PROBLEM, OK, UsageError
from .export import serialize
from .files import atomic_write, output_file
from .network import Filters, export_network, format_paths, neighbourhood, node_key, parse_list, shortest_paths, view
from .options import NETWORK_FORMATS, RDF_FORMATS
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


def _write_stdout(data: str | bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data.encode("utf-8") if isinstance(data, str) else data)


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
    if args.format not in NETWORK_FORMATS:   # a filter the RDF formats cannot apply must not pass silently
        given = [f"--{o.replace('_', '-')}" for o in ("focus", "kinds", "country", "roles", "year", "programme",
                                                       "uncertain") if getattr(args, o) not in (None, False)]
        given += ["--view"] if args.view != "landscape" else []
        if given:
            raise UsageError(f"{', '.join(given)}: the network formats (-f graphml, gexf, node-link-json) take "
                             f"these; -f {args.format} writes the whole graph")
    suffix = NETWORK_FORMATS[args.format][0] if args.format in NETWORK_FORMATS else RDF_FORMATS[args.format][1]
    store = open_reader(args)   # first: it may build build/, where -o often points
    out = None if args.output in (None, "-") else output_file(args.output, "pmkg" + suffix)
    if args.format in NETWORK_FORMATS:
        payload = export_network(_network_view(args, store), args.format)
    else:
        payload = serialize(store.nquads(), args.format, store.base)
    if out is None:
        sys.stdout.buffer.write(payload)
    else:
        atomic_write(out, payload)
        _say(args, f"wrote {out} ({args.format}, {len(payload)} bytes)")
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
        # Ctrl-C (or SIGTERM) stops it: 130 (143), the shell's code for a command ended by that signal
        return serve_graph(source, base=config.base, host=args.host, port=args.port, quiet=args.quiet,
                           allow_host=[h for v in args.allow_host or [] for h in v.split(",") if h.strip()],
                           config=config_from_args(args))


def _filters(args, store: Store) -> Filters:
    """The filters the options ask for, every value checked: countries as ISO codes or English names
    (kg.countries), --programme through the one resolver (close matches when unknown)."""
    if getattr(args, "depth", None) is not None and getattr(args, "focus", None) is None:
        raise UsageError("--depth goes with --focus ENTITY (the links from it to keep)")
    for option in ("kinds", "country", "roles"):   # --country "" is a mistake, never "every country"
        given = getattr(args, option)
        if given is not None and parse_list(given) is None:
            raise UsageError(f"--{option}: the value is empty (leave the option out for no filter)")
    programme = _entity_key(store, args.programme, "--programme") if args.programme is not None else None
    try:
        return Filters(kinds=parse_list(args.kinds), countries=parse_list(args.country),
                       roles=parse_list(args.roles), year=args.year, programme=programme,
                       include_uncertain=args.uncertain)
    except UnknownCountry as e:
        raise UsageError(f"--country: {e}; give ISO 3166-1 codes (SE,NO) or English names (Sweden)") from None


def _depth(args) -> int:
    """--depth, 1 when not given (None, so that a --depth without --focus can be refused)."""
    return 1 if args.depth is None else args.depth


def _entity_key(store: Store, value: str, what: str) -> str:
    """The network node key of the entity ``value`` names (the one resolver: kg.resolve)."""
    return node_key(Resolver(store).resolve(value, what).iri, store.base or "")


def _network_view(args, store: Store):
    """The network view the options ask for."""
    focus = getattr(args, "focus", None)
    key = _entity_key(store, focus, "--focus") if focus is not None else None
    G = view(store, args.view, _filters(args, store), base=store.base)
    if key is None:
        return G
    if key not in G:   # a known entity that this view, or its filters, leave out
        raise UsageError(f"--focus {focus!r} ({key}) is not in the {args.view} view with these filters "
                         f"(try another --view, or fewer filters)")
    return neighbourhood(G, key, _depth(args))


def viz(args) -> int:
    """``pmkg viz``: the interactive network page (or, with --format svg|png, a picture of it)."""
    store = open_reader(args)   # first: it may build build/, where -o often points
    if args.output and args.output != "-":
        output_file(args.output, "network." + getattr(args, "format", "html"))   # a missing folder stops it first
    G = _network_view(args, store)
    if getattr(args, "format", "html") != "html":
        return _viz_picture(args, G)
    html = page(G, title=args.title, seed=args.seed)
    if args.output == "-":   # the page on stdout, as export, analyze and query take -o -
        _write_stdout(html)
        return OK
    name = view_file_name(args, G)
    out = output_file(args.output, name) if args.output else paths.build_dir() / "views" / name
    write_page(out, html)
    _say(args, f"wrote {out} ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges, {len(html)} bytes)")
    return OK


def _viz_picture(args, G) -> int:
    """``pmkg viz --format svg|png``: the view drawn as a picture for slides (kg.viz_image), rendered
    whole before anything is written."""
    from .viz_image import ImagesUnavailable, network_image

    if not args.scale > 0:
        raise UsageError("--scale must be positive")
    try:
        payload = network_image(G, args.format, title=args.title, seed=args.seed, scale=args.scale)
    except ImagesUnavailable as e:
        raise UsageError(str(e)) from None
    if args.output == "-":
        _write_stdout(payload)
        return OK
    name = Path(view_file_name(args, G)).with_suffix("." + args.format).name
    out = output_file(args.output, name) if args.output else paths.build_dir() / "views" / name
    atomic_write(out, payload)
    _say(args, f"wrote {out} ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges, {len(payload)} bytes)")
    return OK


def view_file_name(args, G) -> str:
    """The page a `pmkg viz` without -o writes, named after its view and filters, so that it never
    replaces the published build/network.html (the whole landscape): ``network-organisations-
    country-NO-SE-year-2024.html``."""
    focus, g = G.graph.get("focus"), G.graph   # the values as checked: Sweden is SE, a programme its id
    return _file_name(f"network-{args.view}", [
        ("focus", focus), ("depth", _depth(args) if focus else None), ("kinds", g.get("filter_kinds")),
        ("country", g.get("filter_countries")), ("roles", g.get("filter_roles")), ("year", g.get("filter_year")),
        ("programme", g.get("filter_programme")), ("uncertain", "included" if args.uncertain else None)]) + ".html"


def report_file_name(args, filters: Filters, focus: str | None) -> str:
    """The page (or chart) a `pmkg report` without -o writes, named after its filters as a `pmkg viz`
    page is, so that it never replaces the published build/report.html: ``report-country-NO.html``,
    ``report-map-year-2024.svg``."""
    stem = "report" if args.format == "html" else f"report-{args.chart}"
    return _file_name(stem, [
        ("focus", focus), ("depth", _depth(args) if focus else None), ("kinds", filters.kinds),
        ("country", filters.countries), ("roles", filters.roles), ("year", filters.year),
        ("programme", filters.programme), ("uncertain", "included" if filters.include_uncertain else None),
    ]) + "." + args.format


def _file_name(stem: str, filters: list[tuple[str, object]]) -> str:
    """``stem-flag-value-value-flag-value``: the filters that are set, their values sorted, as a file name."""
    parts = [stem]
    for flag, value in filters:
        if value:
            items = sorted(map(str, value)) if isinstance(value, (list, set, frozenset)) else [str(value)]
            parts.append(flag + "-" + "-".join(items))
    return re.sub(r"[^A-Za-z0-9.-]+", "-", "-".join(parts)).strip("-")[:180]


def analyze(args) -> int:
    """``pmkg analyze``: hubs and brokers of a network view."""
    if args.top is not None and args.top < 1:
        raise UsageError("--top must be 1 or more")
    store = open_reader(args)   # first: it may build build/, where -o often points
    out = None if args.output in (None, "-") else output_file(args.output)
    text = format_analysis(analyse(_network_view(args, store), seed=args.seed), args.format,
                           None if args.all else args.top, args.sort)
    if out is None:
        sys.stdout.write(text)
    else:
        atomic_write(out, text)
        _say(args, f"wrote {out} ({args.format})")
    return OK


def path(args) -> int:
    """``pmkg path A B``: the shortest connections between two entities."""
    store = open_reader(args)
    a, b = _entity_key(store, args.source, "A"), _entity_key(store, args.target, "B")
    G = view(store, args.view, _filters(args, store), base=store.base)
    missing = [f"{value} ({key})" for value, key in ((args.source, a), (args.target, b)) if key not in G]
    if missing:   # known entities, but this view or its filters leave them out: no connection here
        print(f"{' and '.join(dict.fromkeys(missing))}: not in the {args.view} view with these filters, "
              f"so no connection in it (try another --view, or fewer filters).")
        return DATA_PROBLEM
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
    store = open_reader(args)   # first: it may build build/, where -o often points
    filters = _filters(args, store)
    focus = _entity_key(store, args.focus, "--focus") if args.focus is not None else None
    name = report_file_name(args, filters, focus)   # never build/report.html, the published page
    out: Path | None = paths.build_dir() / "views" / name
    if args.output:
        out = None if args.output == "-" else output_file(args.output, name)
    rep = build_report(read_report(store, store.base), filters, args.title, focus, _depth(args))
    if args.format == "html":
        payload: bytes | str = render_report(rep)
    else:
        specs = chart_specs(rep)
        if args.chart not in specs:
            raise UsageError(f"the {args.chart} chart has nothing to draw with these filters "
                             f"(charts drawn: {', '.join(specs) or 'none'})")
        try:
            payload = chart_image(specs[args.chart], args.format, scale=args.scale)
        except RuntimeError as e:
            raise UsageError(str(e)) from None
    if out is None:
        _write_stdout(payload)
        return OK
    atomic_write(out, payload)
    f = rep.figures
    _say(args, f"wrote {out} ({f['organisations']} organisations, "
               f"{f['projects'] + f['collaborations'] + f['initiatives']} projects and collaborations, "
               f"{f['trials']} trials, {f['countries']} countries; {len(payload)} bytes)")
    return OK


def _id_list(text: str) -> list[str]:
    """``a,b,c`` or ``@FILE`` (one id a line, # comments) -> ids."""
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            data = path.read_bytes()
        except OSError as e:
            raise UsageError(f"--ids {text}: cannot read {path} ({e.strerror or e})") from None
        try:
            lines = data.decode("utf-8-sig").splitlines()
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise UsageError(f"--ids {text}: {path} line {line}: not UTF-8 text (byte 0x{data[e.start]:02x}); "
                             f"give one id a line") from None
        ids = [x.split("#", 1)[0].strip() for x in lines if x.split("#", 1)[0].strip()]
        bad = next((i for i in ids if not i.isprintable()), None)
        if bad is not None:
            raise UsageError(f"--ids {text}: {path}: {bad[:40]!r} is not an id (control characters)")
        return ids
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
                _say(args, f"removed {p}")
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
            source, inputs, name=args.name, skip_bad=args.skip_bad,
            progress=False if args.quiet else True if args.progress else None,
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
    except importers.NoMatch as e:
        # the input is fine; the selection matched nothing: not a data problem (exit 0)
        print(f"pmkg: nothing imported: {e}", file=sys.stderr)
        return OK
    except importers.NothingToImport as e:
        print(f"pmkg: error: {e}", file=sys.stderr)
        return DATA_PROBLEM
    if not args.quiet:
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
