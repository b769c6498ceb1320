"""Where imports are kept (``build/imports/``) and how they join the graph.

Each import is two files: ``<name>.nq`` (N-Quads, all in the import's named
graph ``graph/import-<name>``) and ``<name>.json`` (its manifest: what was
imported from which files, when, by which importer version, with which counts).
The manifest is written last, so an import without one was never completed and
is ignored. A ``<name>.report.txt`` lists skipped rows and conflicts.

:func:`load_imports` adds every kept import to a Dataset (or a pyoxigraph
Store), reconciled with the curated graph (:mod:`kg.importers.reconcile`). An
import file that cannot be read is an error naming the file, never skipped.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..iris import Minter
from ..namespaces import ORG
from .reconcile import Conflict, CuratedIndex, Reconciler

MANIFEST_SUFFIX, DATA_SUFFIX, REPORT_SUFFIX = ".json", ".nq", ".report.txt"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FORMAT = "pmkg-import/1"


class ImportFileError(ValueError):
    """A kept import cannot be read (missing, malformed, or not a pmkg import)."""


def imports_dir() -> Path:
    """The project's ``build/imports/``."""
    from .. import paths

    return paths.build_dir() / "imports"


def check_name(name: str) -> str:
    """Return ``name`` if it can name an import (a lower-case slug), else raise ValueError."""
    if not NAME.match(name or ""):
        raise ValueError(f"an import name is a lower-case slug (letters, digits, '-'): {name!r}")
    return name


@dataclass
class Manifest:
    """What one kept import is: read from and written to ``<name>.json``."""

    name: str
    kind: str
    title: str
    importer_version: str
    pmkg_version: str
    base: str
    graph: str
    source: str
    imported_at: str
    files: list[dict]
    options: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    skipped: int = 0
    format: str = FORMAT

    @property
    def data_file(self) -> str:
        return self.name + DATA_SUFFIX

    def to_json(self) -> str:
        d = dict(self.__dict__)
        return json.dumps(d, indent=2, ensure_ascii=False) + "\n"


def read_manifest(path: Path) -> Manifest:
    """Read one manifest; raise :class:`ImportFileError` naming the file when it is not one."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ImportFileError(f"{path}: not a readable import manifest ({e})") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise ImportFileError(f"{path}: not a pmkg import manifest (format {FORMAT} expected)")
    try:
        m = Manifest(**{k: d[k] for k in Manifest.__dataclass_fields__ if k in d})
    except TypeError as e:
        raise ImportFileError(f"{path}: incomplete import manifest ({e})") from None
    if m.name != path.name[: -len(MANIFEST_SUFFIX)]:
        raise ImportFileError(f"{path}: the manifest names import {m.name!r}, not {path.stem!r}")
    return m


def manifests(folder: Path | str | None = None) -> list[Manifest]:
    """Every kept import in ``folder`` (default: the project's build/imports/), by name."""
    folder = Path(folder) if folder else imports_dir()
    if not folder.is_dir():
        return []
    return [read_manifest(p) for p in sorted(folder.glob("*" + MANIFEST_SUFFIX))]


def remove(name: str, folder: Path | str | None = None) -> list[Path]:
    """Drop the kept import ``name`` (manifest first, so a half-removed import is never loaded).
    Returns the files removed; raises ValueError when there is no such import."""
    folder = Path(folder) if folder else imports_dir()
    check_name(name)
    man = folder / (name + MANIFEST_SUFFIX)
    if not man.exists():
        known = ", ".join(m.name for m in manifests(folder)) or "none"
        raise ValueError(f"no import named {name!r} in {folder} (kept imports: {known})")
    removed = []
    for suffix in (MANIFEST_SUFFIX, DATA_SUFFIX, REPORT_SUFFIX):
        p = folder / (name + suffix)
        if p.exists():
            p.unlink()
            removed.append(p)
    return removed


def fingerprint(folder: Path | str | None = None) -> str:
    """A short hash of the kept imports (names, sizes, times): changes whenever one is added,
    replaced or removed. For caches of the built graph (e.g. a persistent store)."""
    import hashlib

    folder = Path(folder) if folder else imports_dir()
    h = hashlib.sha256()
    if folder.is_dir():
        for p in sorted(folder.glob("*" + MANIFEST_SUFFIX)):
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Loaded:
    """One import as it was loaded: its quads, its entities merged into curated ones, its conflicts."""

    manifest: Manifest
    quads: int
    merged: int
    conflicts: list[Conflict]
    rules: dict[str, int]


class _Lines:
    """The quads of a kept import, line by line, without building terms (pmkg writes one quad a line,
    all in the import's graph); a line that is not such a quad is an error naming file and line."""

    def __init__(self, path: Path, graph: str) -> None:
        self.path, self.tail = path, f" <{graph}> ."

    def __iter__(self):
        tail, n = self.tail, len(self.tail)
        try:
            with open(self.path, encoding="utf-8") as fh:
                for no, line in enumerate(fh, 1):
                    r = line.rstrip()
                    i = r.find("> <")
                    if not r.startswith("<") or i < 0 or not r.endswith(tail):
                        if not r or r.startswith("#"):
                            continue
                        raise ImportFileError(f"{self.path}: not valid N-Quads of this import at line {no} "
                                              f"(expected '<subject> <predicate> object{tail}'): {r[:80]!r}")
                    j = r.find(">", i + 3)
                    yield no, r[1:i], r[i + 3:j], r[j + 2:-n]
        except UnicodeDecodeError as e:
            raise ImportFileError(f"{self.path}: not valid N-Quads (not UTF-8: {e.reason})") from None
        except OSError as e:
            raise ImportFileError(f"{self.path}: cannot be read ({e.strerror or e})") from None


def _matches(path: Path, pattern: re.Pattern):
    """Every match of ``pattern`` (anchored to lines) in the file, read in chunks of whole lines."""
    rest = ""
    try:
        with open(path, encoding="utf-8") as fh:
            while True:
                block = fh.read(1 << 23)
                text = rest + block
                if not block:
                    yield from (m.groups() for m in pattern.finditer(text))
                    return
                cut = text.rfind("\n") + 1
                rest = text[cut:]
                yield from (m.groups() for m in pattern.finditer(text, 0, cut))
    except UnicodeDecodeError as e:
        raise ImportFileError(f"{path}: not valid N-Quads (not UTF-8: {e.reason})") from None
    except OSError as e:
        raise ImportFileError(f"{path}: cannot be read ({e.strerror or e})") from None


def identify(path: Path, index: CuratedIndex, manifest: "Manifest") -> Reconciler:
    """Pass 1 over a kept import: read the quads that identify or name things and decide which
    imported entities are curated ones (:meth:`Reconciler.finish`)."""
    from .reconcile import FEED_PREDICATES, literal_key

    rec = Reconciler(index)
    base, old = index.mint.base, manifest.base

    def rb(iri: str) -> str:
        return base + iri[len(old):] if iri.startswith(old) else iri

    rebase = old != base
    feed, ent = rec.feed, index.mint.prefixes()["pm"]
    # a regular expression finds these quads in big chunks of text: most lines are not such quads,
    # and a Python loop over every line is slow
    wanted = re.compile("^<([^>]*)> <(" + "|".join(re.escape(x) for x in sorted(FEED_PREDICATES)) + ")> (.*) <"
                        + re.escape(manifest.graph) + "> \\.$", re.M)
    for s, p, o in _matches(path, wanted):
        if rebase:
            s = rb(s)
        if s.startswith(ent):
            feed(s, p, ("i", rb(o[1:-1])) if o[0] == "<" else literal_key(o))
    rec.finish()
    return rec


def reconcile_file(path: Path, index: CuratedIndex, manifest: "Manifest", sink=None) -> tuple[Reconciler, int]:
    """Read a kept import twice: collect identifiers and names, then rename each quad to the curated
    nodes and leave out what the curated data contradicts, handing each kept quad to ``sink`` as an
    N-Quads line (in the graph of ``index.mint``'s base). Returns the reconciler and the quads kept."""
    from .reconcile import literal_key

    rec = identify(path, index, manifest)
    base, old = index.mint.base, manifest.base
    graph = base + manifest.graph[len(old):] if manifest.graph.startswith(old) else manifest.graph

    def rb(iri: str) -> str:
        return base + iri[len(old):] if iri.startswith(old) else iri

    rebase = old != base
    lines = _Lines(path, manifest.graph)
    kept = 0
    rename, attention, judge = rec.rename, rec.attention, rec.judge
    renaming = bool(rec.aliases)
    tail = f" <{graph}> .\n"
    for _no, s, p, o in lines:
        if rebase:
            s = rb(s)
            if o[0] == "<":
                o = "<" + rb(o[1:-1]) + ">"
        s2 = rename(s) if renaming else s
        need = attention(s2)
        if renaming and o[0] == "<" and (need or sink is not None):
            o = "<" + rename(o[1:-1]) + ">"
        if need:
            out = judge(s2, p, o[1:-1] if o[0] == "<" else None,
                        ("i", o[1:-1]) if o[0] == "<" else literal_key(o))
            if out is None:
                continue
            s2, p = out[0], out[1]
        kept += 1
        if sink is not None:
            sink(f"<{s2}> <{p}> {o}{tail}")
    return rec, kept


def load_imports(ds, folder: Path | str | None = None, mint: Minter | None = None,
                 target=None) -> list[Loaded]:
    """Add every kept import in ``folder`` to ``target`` (default: ``ds``), each in its own named
    graph, reconciled with the curated graph ``ds`` (an rdflib Dataset holding no imports yet).

    ``target`` may be an rdflib Dataset or a pyoxigraph Store. Raises :class:`ImportFileError`
    naming the file when a kept import cannot be read.
    """
    folder = Path(folder) if folder else imports_dir()
    found = manifests(folder)
    if not found:
        return []
    if mint is None:
        from ..export import base_of

        mint = Minter(base_of(ds))
    index = CuratedIndex.from_dataset(ds, mint)
    target = ds if target is None else target
    out = []
    for m in found:
        path = folder / m.data_file
        if not path.is_file():
            raise ImportFileError(f"{folder / (m.name + MANIFEST_SUFFIX)}: its data file {path.name} is missing; "
                                  f"import again or run `pmkg import --remove {m.name}`")
        if _is_ox(target) and m.base == mint.base:
            rec, kept = _load_ox(path, index, m, target)
        else:
            add, flush = _adder(target, path)
            rec, kept = reconcile_file(path, index, m, add)
            flush()
        out.append(Loaded(m, kept, rec.merged, list(rec.conflicts.values()), dict(rec.rules)))
    return out


_CHUNK = 1 << 22  # characters of N-Quads handed to a store at once


def _is_ox(target) -> bool:
    import pyoxigraph as ox

    return isinstance(target, ox.Store)


def _load_ox(path: Path, index: CuratedIndex, manifest: "Manifest", store) -> tuple[Reconciler, int]:
    """Into a pyoxigraph Store: bulk-load the file as it is (in Rust), then redo only the quads that
    reconciliation changes (those of aliased entities, their participations and sub-nodes, of curated
    nodes, and those pointing at aliased entities). Gives the quads :func:`reconcile_file` gives."""
    import pyoxigraph as ox

    from .reconcile import ox_key

    rec = identify(path, index, manifest)
    g = ox.NamedNode(manifest.graph)
    try:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    except SyntaxError as e:
        raise ImportFileError(f"{path}: not valid N-Quads ({' '.join(str(e).split())})") from None
    ent = index.mint.prefixes()["pm"]
    organization, member = ox.NamedNode(str(ORG.organization)), ox.NamedNode(str(ORG.member))
    renamed = {ent + a for a in rec.aliases}
    subjects: set[str] = set(renamed)
    for x in renamed:   # sub-nodes (x.amount) and participations of the aliased entities
        node = ox.NamedNode(x)
        for q in store.quads_for_pattern(node, None, None, g):
            if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(x + "."):
                subjects.add(q.object.value)
        for p in (organization, member):
            subjects.update(q.subject.value for q in store.quads_for_pattern(None, p, node, g))
    for c in index.subjects:   # curated nodes the import describes directly
        node = ox.NamedNode(c)
        if next(iter(store.quads_for_pattern(node, None, None, g)), None) is not None:
            subjects.add(c)
        if c in index.coordinators:
            subjects.update(q.subject.value for q in store.quads_for_pattern(None, organization, node, g))
    todo: dict = {}
    for x in subjects:
        for q in store.quads_for_pattern(ox.NamedNode(x), None, None, g):
            todo[q] = None
    for x in renamed | {s for s in subjects if "." in s[len(ent):] and s.startswith(ent)}:
        for q in store.quads_for_pattern(None, None, ox.NamedNode(x), g):
            todo[q] = None
    dropped = 0
    redo = []
    for q in todo:
        store.remove(q)
        o = q.object
        out = rec.apply(q.subject.value, q.predicate.value, o.value if isinstance(o, ox.NamedNode) else None,
                        ("i", o.value) if isinstance(o, ox.NamedNode) else ox_key(o))
        if out is None:
            dropped += 1
            continue
        obj = ox.NamedNode(out[2]) if out[2] is not None else o
        redo.append(ox.Quad(ox.NamedNode(out[0]), ox.NamedNode(out[1]), obj, g))
    store.extend(redo)
    kept = int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{manifest.graph}> {{ ?s ?p ?o }} }}")))[0].value)
    return rec, kept


def _adder(target, path: Path):
    """(add, flush): N-Quads lines into a pyoxigraph Store (parsed in Rust, in chunks) or an rdflib
    Dataset (parsed by pyoxigraph, converted to rdflib terms: faster than rdflib's own parser)."""
    import pyoxigraph as ox

    buf: list[str] = []
    size = 0

    def add(line: str) -> None:
        nonlocal size
        buf.append(line)
        size += len(line)
        if size >= _CHUNK:
            flush()

    def chunk() -> bytes:
        nonlocal size
        data = "".join(buf).encode("utf-8")
        buf.clear()
        size = 0
        return data

    if isinstance(target, ox.Store):
        def flush() -> None:  # noqa: F811 (the one add() calls)
            if buf:
                try:
                    target.bulk_load(chunk(), format=ox.RdfFormat.N_QUADS)
                except SyntaxError as e:
                    raise ImportFileError(f"{path}: not valid N-Quads ({' '.join(str(e).split())})") from None

        return add, flush

    from rdflib import Literal, URIRef

    iris: dict[str, URIRef] = {}
    graphs: dict[str, object] = {}

    def uri(v: str) -> URIRef:
        u = iris.get(v)
        if u is None:
            u = URIRef(v)
            if len(iris) < 200_000:  # predicates, classes, concepts and hubs repeat: keep them
                iris[v] = u
        return u

    def flush() -> None:  # noqa: F811 (the one add() calls)
        if not buf:
            return
        rows = []
        try:
            for q in ox.parse(chunk(), format=ox.RdfFormat.N_QUADS):
                o = q.object
                if isinstance(o, ox.NamedNode):
                    obj = uri(o.value)
                elif o.language:
                    obj = Literal(o.value, lang=o.language)
                else:
                    dt = o.datatype.value
                    obj = Literal(o.value) if dt == "http://www.w3.org/2001/XMLSchema#string" else \
                        Literal(o.value, datatype=uri(dt))
                g = q.graph_name.value
                ctx = graphs.get(g)
                if ctx is None:
                    ctx = graphs[g] = target.graph(URIRef(g))
                rows.append((uri(q.subject.value), uri(q.predicate.value), obj, ctx))
        except SyntaxError as e:
            raise ImportFileError(f"{path}: not valid N-Quads ({' '.join(str(e).split())})") from None
        target.addN(rows)

    return add, flush


def describe_imports(ds, loaded: list[Loaded], mint: Minter) -> None:
    """List the loaded imports in the dataset's description graph (VoID subsets with provenance)."""
    from rdflib import Literal

    from ..describe import DESCRIPTION_GRAPH
    from ..namespaces import DCTERMS, PROV, RDF, VOID

    g = ds.graph(mint.graph(DESCRIPTION_GRAPH))
    d = mint.dataset()
    for item in loaded:
        graph, src = mint.import_graph(item.manifest.name), mint.import_source(item.manifest.name)
        g.add((d, VOID.subset, graph))
        g.add((d, DCTERMS.source, src))
        g.add((d, PROV.wasDerivedFrom, src))
        g.add((graph, RDF.type, VOID.Dataset))
        g.add((graph, PROV.wasDerivedFrom, src))
        g.add((graph, VOID.triples, Literal(item.quads)))
