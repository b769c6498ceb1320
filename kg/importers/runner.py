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
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__, model, paths
from ..files import atomic_write
from ..iris import Minter
from ..load import DataError, Problem, load
from ..records import Data
from ..vocab import vocabulary
from . import kept
from .emit import Emitter, RecordFile
from .progress import Progress
from .reconcile import CuratedIndex, Imported, Merger, Outcome


class WrongFormat(ValueError):
    """An input file is not in the format the importer reads (e.g. a ROR dump given to ctgov)."""


class BadRecords(DataError):
    """Records of the input are bad (each a :class:`kg.load.Problem` with file and line): nothing kept."""


class NothingToImport(ValueError):
    """No record was selected (filters matched nothing): nothing is written."""


class NoMatch(NothingToImport):
    """The input was read and is fine, but no record matched the selection (no ROR record is of an
    organisation in the graph, no CORDIS project passed the filters): nothing is written, and this is
    not a data problem (the CLI exits 0)."""


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
    skipped_records: dict[str, int] = field(default_factory=dict)   # what was skipped -> how many
    unlinked: dict[str, str] = field(default_factory=dict)          # left out: only skipped records had them
    merged_by_name: int = 0
    ambiguous: int = 0

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
        where = self.report or "the report, which could not be written"
        extra = [f"{n:,} {what}" for what, n in self.counts.items() if not what.startswith("read ")]
        if extra:
            lines.append("  " + "; ".join(extra))
        if self.merged_by_name:
            lines.append(f"  {self.merged_by_name:,} merge(s) by name, each with the rule that matched: listed in "
                         f"{where}")
        if self.ambiguous:
            lines.append(f"  {self.ambiguous:,} imported name(s) fit several curated records and were kept apart: "
                         f"listed in {where}")
        if self.skipped:
            lines.append(f"  skipped {_records(self.skipped_records)} (--skip-bad); {len(self.skipped):,} "
                         f"problem(s) listed in {where}")
        if self.unlinked:
            lines.append(f"  left out {len(self.unlinked):,} organisation(s) or programme(s) that only skipped "
                         f"records referred to")
        if self.conflicts:
            lines.append(f"  {len(self.conflicts):,} imported fact(s) conflict with curated data; curated kept:")
            lines += [f"    {c}" for c in self.conflicts[:10]]
            if len(self.conflicts) > 10:
                lines.append(f"    ... {len(self.conflicts) - 10} more in {where}")
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
    another format; :class:`NothingToImport` when no record was selected. Whatever goes wrong (an
    OSError of a full disk included), the import kept before under ``name`` stays whole.
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
    with kept.locked(folder):
        kept.clean_stale(folder)
        with RecordFile(folder / (name + kept.DATA_SUFFIX)) as out:
            emit = Emitter(out, concepts)
            ctx = ImportContext(name, mint, index, emit, skip_bad, progress)
            importer.read(ctx, inputs, options)
            if ctx.problems and not skip_bad:
                raise BadRecords(ctx.problems)
            if not ctx.counts.get(importer.MAIN_COUNT):
                matched_nothing = getattr(importer, "matched_nothing", None)
                if matched_nothing is not None and matched_nothing(options, ctx.counts):
                    raise NoMatch(importer.nothing_message(options))
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
            unlinked = unlinked_records(imported)
            if unlinked:
                _drop(folder, name, out.tmp, set(unlinked))
                imported.records = [r for r in imported.records if r.id not in unlinked]
            merger = Merger(curated, mint, index)
            outcome = merger.add(imported)
            others = [m for m in kept.manifests(folder) if m.name != name]
            in_imports = (_ids_in(folder, others) & outcome.entities) - set(outcome.aliases) if others else set()
            replaced = (folder / (name + kept.MANIFEST_SUFFIX)).exists()
            skipped = skipped_records(importer, inputs, ctx.problems)
            conflicts = [c.text() for c in outcome.conflicts]
            manifest.options = {k: v for k, v in options.items() if v not in (None, [], (), False)}
            manifest.counts = {**ctx.counts, "records": emit.records - len(unlinked), "entities": len(outcome.entities),
                               "merged": outcome.merged, "merged by name": len(outcome.by_name),
                               "ambiguous names": len(outcome.ambiguous), "merged_imports": len(in_imports),
                               "conflicts": len(conflicts), "problems": len(ctx.problems),
                               "left out unlinked": len(unlinked)}
            manifest.conflicts, manifest.skipped = conflicts[:50], sum(skipped.values())
            path = kept.commit(folder, manifest, out.tmp)
        try:
            report = _write_report(folder, name, ctx.problems, skipped, unlinked, outcome, conflicts)
        except OSError as e:   # the import is kept and whole; only its report is missing: say so
            (folder / (name + kept.REPORT_SUFFIX)).unlink(missing_ok=True)
            print(f"pmkg: warning: the import is kept, but its report could not be written: {e}", file=sys.stderr)
            report = None
    return ImportSummary(manifest, path, report, emit.records - len(unlinked), len(outcome.entities),
                         outcome.merged, len(in_imports), dict(outcome.rules), conflicts, list(ctx.problems),
                         dict(ctx.counts), replaced, skipped, unlinked, len(outcome.by_name), len(outcome.ambiguous))


#: Kinds of records an import brings in only for what refers to them (a study's sites, a grant's programme).
LINKED_KINDS = ("organisation", "programme")


def unlinked_records(imp: Imported) -> dict[str, str]:
    """Organisations and programmes of the import ``imp`` that none of its other records or
    participations refers to, by id (-> their name): what only skipped records brought in. None in
    an import of organisations alone (ROR), where each record stands for itself."""
    if all(r.kind == "organisation" for r in imp.records):
        return {}
    refs_of: dict[str, set[str]] = {}
    for r in imp.records:
        kind = model.KINDS[r.kind]
        for fname, vs in r.values.items():
            if kind.fields_by_name[fname].type == model.REF:
                refs_of.setdefault(r.id, set()).update(str(v.value) for v in vs)
    linked = {who for in_id, p in imp.participations for who in (in_id, p.who)}
    names = {r.id: r.label or r.id for r in imp.records}
    dropped: dict[str, str] = {}
    while True:   # a programme only a dropped programme is part of goes too
        refs = set(linked)
        for rid, rs in refs_of.items():
            if rid not in dropped:
                refs |= rs
        new = {r.id for r in imp.records if r.kind in LINKED_KINDS and r.id not in refs and r.id not in dropped}
        if not new:
            return dropped
        dropped.update((rid, names[rid]) for rid in sorted(new))


def _drop(folder: Path, name: str, tmp: Path, ids: set[str]) -> None:
    """Rewrite the temporary data file ``tmp`` without the records ``ids``."""
    new = kept.new_data_file(folder, name)
    try:
        with open(tmp, encoding="utf-8") as src, open(new, "w", encoding="utf-8", newline="\n") as dst:
            for line in src:
                if line.startswith('{"kind":') and json.loads(line).get("id") in ids:
                    continue
                dst.write(line)
        os.replace(new, tmp)
    except BaseException:
        new.unlink(missing_ok=True)
        raise


def skipped_records(importer, inputs: dict[str, Any], problems: list[Problem]) -> dict[str, int]:
    """How many records the problems made the import skip, by what they are ("studies", "rows of
    organization.csv", "files"): a record with several problems counts once."""
    noun = importer.MAIN_COUNT.removeprefix("read ")
    files = importer.input_files(inputs)    # the main input is the first (CORDIS: project.csv) or the only one
    main = {p.name for p in (files if len(inputs) == 1 else files[:1])}
    seen: dict[str, set] = {}
    for p in problems:
        key: object
        if p.record is None and p.line is None:
            what, key = "files", p.file
        else:
            what = noun if p.file in main else f"rows of {p.file}"
            key = (p.file, p.record if p.record is not None and p.file in main else p.line)
        seen.setdefault(what, set()).add(key)
    return {what: len(keys) for what, keys in seen.items()}


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


def _write_report(folder: Path, name: str, problems: list[Problem], skipped: dict[str, int],
                  unlinked: dict[str, str], outcome: Outcome, conflicts: list[str]) -> Path | None:
    """The import's report for a curator: what was skipped and why, what was merged by name (each
    with its rule, to check), which names were ambiguous, and which facts were left out."""
    path = folder / (name + kept.REPORT_SUFFIX)
    if not (problems or unlinked or outcome.by_name or outcome.ambiguous or conflicts):
        path.unlink(missing_ok=True)
        return None
    lines = [f"# Report of import '{name}'", ""]
    if problems:
        lines += [f"## Skipped (--skip-bad): {_records(skipped)}, with {len(problems)} problem(s)", ""]
        lines += [str(p) for p in problems] + [""]
    if unlinked:
        lines += [f"## {len(unlinked)} record(s) left out: only skipped records referred to them", ""]
        lines += [f"{rid} {_show(n)}" for rid, n in unlinked.items()] + [""]
    if outcome.by_name:
        lines += [f"## {len(outcome.by_name)} imported record(s) merged into curated ones by name: check each "
                  f"(add an identifier to data/ to make a merge certain, or a different name to undo it)", ""]
        lines += sorted(m.text() for m in outcome.by_name) + [""]
    if outcome.ambiguous:
        lines += [f"## {len(outcome.ambiguous)} imported name(s) fit several curated records: kept apart, not "
                  f"merged (an identifier or an alternative name in data/ decides)", ""]
        lines += sorted(m.text() for m in outcome.ambiguous) + [""]
    if conflicts:
        lines += [f"## {len(conflicts)} imported fact(s) left out: the curated data says otherwise", ""]
        lines += conflicts + [""]
    atomic_write(path, "\n".join(lines))
    return path


#: "1 studies" reads "1 study"
SINGULAR = {"studies": "study", "projects": "project", "records": "record", "files": "file"}


def _records(skipped: dict[str, int]) -> str:
    """What was skipped, in words: "2 studies", "1 project and 5 rows of organization.csv"."""
    parts = [f"{n:,} {SINGULAR.get(what, what.replace('rows of', 'row of', 1)) if n == 1 else what}"
             for what, n in skipped.items()]
    return " and ".join(parts) if len(parts) <= 2 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _show(v: str) -> str:
    return repr(v if len(v) <= 80 else v[:77] + "...")
