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
from .reconcile import Conflict, CuratedIndex, Reconciler, ox_key

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


def _rebase(old: str, new: str):
    if old == new:
        return lambda iri: iri
    n = len(old)
    return lambda iri: new + iri[n:] if iri.startswith(old) else iri


def reconcile_file(path: Path, index: CuratedIndex, old_base: str, sink=None) -> tuple[Reconciler, int]:
    """Read the N-Quads file ``path`` twice: collect identifiers, then rename and filter each quad,
    handing ``(s, p, o_iri or None, original object term, graph, original quad)`` to ``sink``. Returns the
    reconciler (aliases, conflicts) and the number of quads kept."""
    import pyoxigraph as ox

    rec = Reconciler(index)
    rebase = _rebase(old_base, index.mint.base)
    feed = rec.feed
    try:
        for q in _parse(path):
            o = q.object
            feed(rebase(q.subject.value), q.predicate.value,
                 ("i", rebase(o.value)) if isinstance(o, ox.NamedNode) else ox_key(o))
        rec.finish()
        kept = 0
        apply = rec.apply
        for q in _parse(path):
            o = q.object
            p = q.predicate.value
            if isinstance(o, ox.NamedNode):
                out = apply(rebase(q.subject.value), p, rebase(o.value), None)
            elif isinstance(o, ox.Literal):
                out = apply(rebase(q.subject.value), p, None, ox_key(o))
            else:
                raise ImportFileError(f"{path}: blank nodes are not used in pmkg imports")
            if out is None:
                continue
            kept += 1
            if sink is not None:
                sink(out[0], out[1], out[2], o, rebase(q.graph_name.value), q)
        return rec, kept
    except SyntaxError as e:
        raise ImportFileError(f"{path}: not valid N-Quads ({' '.join(str(e).split())})") from None
    except OSError as e:
        raise ImportFileError(f"{path}: cannot be read ({e.strerror or e})") from None


def _parse(path: Path):
    import pyoxigraph as ox

    return ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)


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
    add, flush = _adder(target)
    out = []
    for m in found:
        path = folder / m.data_file
        if not path.is_file():
            raise ImportFileError(f"{folder / (m.name + MANIFEST_SUFFIX)}: its data file {path.name} is missing; "
                                  f"import again or run `pmkg import --remove {m.name}`")
        rec, kept = reconcile_file(path, index, m.base, add)
        flush()
        out.append(Loaded(m, kept, rec.merged, list(rec.conflicts.values()), dict(rec.rules)))
    return out


def _adder(target):
    """(add, flush) functions putting reconciled quads into an rdflib Dataset or a pyoxigraph Store."""
    import pyoxigraph as ox

    if isinstance(target, ox.Store):
        batch: list = []

        def add_ox(s, p, o_iri, o, g, q):
            if (s == q.subject.value and p == q.predicate.value and (o_iri is None or o_iri == q.object.value)
                    and g == q.graph_name.value):
                batch.append(q)
            else:
                obj = ox.NamedNode(o_iri) if o_iri is not None else o
                batch.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, ox.NamedNode(g)))
            if len(batch) >= 100_000:
                flush_ox()

        def flush_ox():
            if batch:
                target.bulk_extend(batch)
                batch.clear()

        return add_ox, flush_ox

    from rdflib import Literal, URIRef

    iris: dict[str, URIRef] = {}
    graphs: dict[str, object] = {}
    rows: list = []

    def uri(v: str) -> URIRef:
        u = iris.get(v)
        if u is None:
            u = URIRef(v)
            if len(iris) < 200_000:  # predicates, classes, concepts and hubs repeat: keep them
                iris[v] = u
        return u

    def add_rdflib(s, p, o_iri, o, g, q):
        if o_iri is not None:
            obj = uri(o_iri)
        elif o.language:
            obj = Literal(o.value, lang=o.language)
        else:
            dt = o.datatype.value
            obj = Literal(o.value) if dt == "http://www.w3.org/2001/XMLSchema#string" else Literal(o.value, datatype=uri(dt))
        ctx = graphs.get(g)
        if ctx is None:
            ctx = graphs[g] = target.graph(URIRef(g))
        rows.append((uri(s), uri(p), obj, ctx))
        if len(rows) >= 50_000:
            flush_rdflib()

    def flush_rdflib():
        if rows:
            target.addN(rows)
            rows.clear()

    return add_rdflib, flush_rdflib


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
