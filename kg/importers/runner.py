"""Running one import: read the files, keep the records, reconcile, write the manifest.

Every importer (``cordis``, ``ctgov``, ``ror``) only reads its format and
describes records through an :class:`ImportContext`; this module does what is
common: checks the curated data first, streams the records to a temporary file,
refuses to keep anything when a row is bad (unless ``skip_bad``), reconciles
them with the curated records the way every build will (to count what is added,
merged and left out), and writes the manifest and the report.
"""
from __future__ import annotations

import hashlib
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__, paths
from ..files import atomic_write
from ..iris import Minter
from ..load import DataError, Problem, load
from ..records import Data
from ..vocab import vocabulary
from . import kept
from .emit import Emitter, RecordFile
from .progress import Progress
from .reconcile import CuratedIndex, Merger


class WrongFormat(ValueError):
    """An input file is not in the format the importer reads (e.g. a ROR dump given to ctgov)."""


class BadRecords(DataError):
    """Records of the input are bad (each a :class:`kg.load.Problem` with file and line): nothing kept."""


class NothingToImport(ValueError):
    """No record was selected (filters matched nothing): nothing is written."""


@dataclass
class ImportContext:
    """What an importer works with: the emitter, the curated index, and where to report problems."""

    name: str
    mint: Minter
    index: CuratedIndex
    emit: Emitter
    skip_bad: bool = False
    progress: bool | None = None
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)   # records read / imported / filtered, by importer-chosen labels

    def problem(self, file: str, line: int | None, record: str | None, fld: str | None, message: str) -> None:
        """Record a bad row or record (the importer then leaves it out)."""
        self.problems.append(Problem(file, line, record, fld, message))

    def bar(self, total: int, unit: str, label: str = "") -> Progress:
        return Progress(total, unit, enabled=self.progress, label=label)


@dataclass
class ImportSummary:
    """The outcome of one import, for the CLI and the tests."""

    manifest: kept.Manifest
    path: Path
    report: Path | None
    records: int
    entities: int
    merged_curated: int
    merged_imports: int
    rules: dict[str, int]
    conflicts: list[str]
    skipped: list[Problem]
    counts: dict[str, int]
    replaced: bool = False

    @property
    def added(self) -> int:
        return self.entities - self.merged_curated - self.merged_imports

    def text(self) -> str:
        m = self.manifest
        read = ", ".join(f"{n:,} {what}" for what, n in self.counts.items() if what.startswith("read "))
        read = read.replace("read ", "")
        replacing = " (replacing the earlier import of that name)" if self.replaced else ""
        lines = [f"Imported {m.title} as '{m.name}'{replacing}: "
                 f"{read or 'nothing'} read from {', '.join(f['name'] for f in m.files[:5])}"
                 f"{' ...' if len(m.files) > 5 else ''}"]
        rules = ", ".join(f"{n} by {r}" for r, n in sorted(self.rules.items()))
        lines.append(f"  added {self.added:,} new entities; merged {self.merged_curated:,} into curated records"
                     f"{f' ({rules})' if rules else ''} and {self.merged_imports:,} into earlier imports")
        extra = [f"{n:,} {what}" for what, n in self.counts.items() if not what.startswith("read ")]
        if extra:
            lines.append("  " + "; ".join(extra))
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped):,} bad record(s) (--skip-bad): listed in {self.report}")
        if self.conflicts:
            lines.append(f"  {len(self.conflicts):,} imported fact(s) conflict with curated data; curated kept:")
            lines += [f"    {c}" for c in self.conflicts[:10]]
            if len(self.conflicts) > 10:
                lines.append(f"    ... {len(self.conflicts) - 10} more in {self.report}")
        lines.append(f"  wrote {self.path} ({self.records:,} records, for the graph <{m.graph}>)")
        return "\n".join(lines)


def _when() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch else datetime.now(timezone.utc)
    return t.replace(microsecond=0).isoformat()


def file_info(path: Path) -> dict[str, Any]:
    """Name, size, modification time (UTC) and SHA-256 of an input file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    st = path.stat()
    modified = datetime.fromtimestamp(int(st.st_mtime), tz=timezone.utc).isoformat()
    return {"name": path.name, "path": str(path.resolve()), "size": st.st_size, "modified": modified,
            "sha256": h.hexdigest()}


def curated_data(data_dir=None, ontology_dir=None) -> tuple[Data, dict[str, set[str]]]:
    """The curated records and the concept ids per scheme. Raises DataError when the data has problems."""
    vocab = vocabulary(Path(ontology_dir or paths.ontology_dir()))
    return load(Path(data_dir or paths.data_dir()), vocab.schemes()), vocab.schemes()


def curated_index(data_dir=None, ontology_dir=None, base: str | None = None) -> CuratedIndex:
    """The index of the curated records (imports excluded). Raises DataError when the data has problems."""
    data, _ = curated_data(data_dir, ontology_dir)
    return CuratedIndex.from_records(data, Minter(base))


def run_import(importer, inputs: dict[str, Any], *, name: str | None = None, skip_bad: bool = False,
               progress: bool | None = None, options: dict[str, Any] | None = None,
               data_dir=None, ontology_dir=None, base: str | None = None,
               folder: Path | str | None = None, index: CuratedIndex | None = None) -> ImportSummary:
    """Run ``importer`` (a module: ``cordis``, ``ctgov`` or ``ror``) on ``inputs`` and keep the result.

    Raises :class:`BadRecords` listing every bad record (nothing written) unless ``skip_bad``,
    :class:`kg.load.DataError` when the curated data has problems; :class:`WrongFormat` for a file of
    another format; :class:`NothingToImport` when no record was selected.
    """
    options = dict(options or {})
    name = kept.check_name(name or importer.KIND)
    folder = Path(folder) if folder else kept.imports_dir()
    mint = Minter(base)
    input_paths = importer.input_files(inputs)
    for p in input_paths:
        if not p.is_file():
            raise FileNotFoundError(f"{p}: no such file")
    importer.check_format(inputs)            # refuse a file of another format before any work
    curated, concepts = curated_data(data_dir, ontology_dir)
    if index is None:
        index = CuratedIndex.from_records(curated, mint)
    files = [file_info(p) for p in input_paths]
    when = _when()
    with RecordFile(folder / (name + kept.DATA_SUFFIX)) as out:
        emit = Emitter(out, concepts)
        ctx = ImportContext(name, mint, index, emit, skip_bad, progress)
        importer.read(ctx, inputs, options)
        if ctx.problems and not skip_bad:
            raise BadRecords(ctx.problems)
        if not ctx.counts.get(importer.MAIN_COUNT):
            raise NothingToImport(importer.nothing_message(options))
        out.close()
        if progress or (progress is None and sys.stderr.isatty()):
            print(f"pmkg: {importer.TITLE}: reconciling {emit.records:,} records with the curated data ...",
                  file=sys.stderr, flush=True)
        manifest = kept.Manifest(name=name, kind=importer.KIND, title=importer.TITLE,
                                 importer_version=importer.VERSION, pmkg_version=__version__, base=mint.base,
                                 graph=str(mint.import_graph(name)), source=str(mint.import_source(name)),
                                 imported_at=when, files=files)
        imported = kept.read_records(out.tmp, name, concepts)
        merger = Merger(curated, mint, index)
        outcome = merger.add(imported)
        others = [m for m in kept.manifests(folder) if m.name != name]
        in_imports = (_ids_in(folder, others) & outcome.entities) - set(outcome.aliases) if others else set()
        replaced = (folder / (name + kept.MANIFEST_SUFFIX)).exists()
        path = out.commit()
    conflicts = [c.text() for c in outcome.conflicts]
    report = _write_report(folder, name, ctx.problems, conflicts)
    manifest.options = {k: v for k, v in options.items() if v not in (None, [], (), False)}
    manifest.counts = {**ctx.counts, "records": emit.records, "entities": len(outcome.entities),
                       "merged": outcome.merged, "merged_imports": len(in_imports), "conflicts": len(conflicts)}
    manifest.conflicts, manifest.skipped = conflicts[:50], len(ctx.problems)
    atomic_write(folder / (name + kept.MANIFEST_SUFFIX), manifest.to_json())
    return ImportSummary(manifest, path, report, emit.records, len(outcome.entities), outcome.merged,
                         len(in_imports), dict(outcome.rules), conflicts, list(ctx.problems), dict(ctx.counts),
                         replaced)


def _ids_in(folder: Path, others: list[kept.Manifest]) -> set[str]:
    """Record ids of the entities in the other kept imports."""
    found: set[str] = set()
    for m in others:
        p = folder / m.data_file
        if not p.is_file():
            continue
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith('{"kind":'):
                    i = line.find('"id":"')
                    if i > 0:
                        found.add(line[i + 6: line.index('"', i + 6)])
    return found


def _write_report(folder: Path, name: str, skipped: list[Problem], conflicts: list[str]) -> Path | None:
    path = folder / (name + kept.REPORT_SUFFIX)
    if not skipped and not conflicts:
        path.unlink(missing_ok=True)
        return None
    lines = [f"# Report of import '{name}'", ""]
    if skipped:
        lines += [f"## {len(skipped)} bad record(s) skipped (--skip-bad)", ""] + [str(p) for p in skipped] + [""]
    if conflicts:
        lines += [f"## {len(conflicts)} imported fact(s) left out: the curated data says otherwise", ""]
        lines += conflicts + [""]
    atomic_write(path, "\n".join(lines))
    return path
