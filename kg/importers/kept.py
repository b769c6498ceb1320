"""Where imports are kept (``build/imports/`` unless told otherwise) and how they are read back.

Each import is two files: ``<name>.<hash>.jsonl`` (its records, one JSON object
a line: a record, a participation, or more values of a record; named after the
SHA-256 of its content) and ``<name>.json`` (its manifest: what was imported
from which files, when, by which importer version, with which counts, and
which data file, of which size and hash, is its data). A ``<name>.report.txt``
lists skipped records, merges by name, ambiguous names and conflicts.

Keeping is one atomic step (:func:`commit`): the data file is written under a
new name (the old import's data is not touched), then the manifest is replaced
in one rename, which is the switch, then the old data file is removed. A failure
at any point (a full disk, a crash, a kill) leaves the old manifest with its own
data, or the new manifest with the new data, never a mix; what a failed run
left (temporary files, a data file no manifest names) is removed by the next
import (:func:`clean_stale`). A lock on the folder (:func:`locked`) makes a
second import into it wait.

:func:`read_import` reads a kept import back as records, checked with the same
rules as the curated data; :mod:`kg.assemble` merges them into the curated
records at every build. A kept import that cannot be read, or whose data file
is not the one its manifest names, is an error naming the file and line, never
skipped.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import model
from ..config import imports_dir
from ..files import atomic_write, fsync_path, hold_lock
from ..load import check_value
from ..records import Participation, Record, Source, Value
from .reconcile import Imported

MANIFEST_SUFFIX, DATA_SUFFIX, REPORT_SUFFIX = ".json", ".jsonl", ".report.txt"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: A data file kept by :func:`commit`: ``<name>.<16 hex digits of its SHA-256>.jsonl``.
DATA_FILE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]*)\.[0-9a-f]{16}\.jsonl$")
FORMAT = "pmkg-import/2"
#: Kept by pmkg before imports were kept as records: the quads cannot be read back as records.
OLD_FORMATS = ("pmkg-import/1",)


class ImportFileError(ValueError):
    """A kept import cannot be read (missing, malformed, or not a pmkg import)."""


def check_name(name: str) -> str:
    """Return ``name`` if it can name an import (a lower-case slug), else raise ValueError."""
    if not NAME.fullmatch(name or ""):
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
    data: dict = field(default_factory=dict)     # the data file: file (its name), size, sha256

    @property
    def data_file(self) -> str:
        """The name of the import's data file (``<name>.jsonl`` for imports kept before it was named)."""
        name = self.data.get("file") if isinstance(self.data, dict) else None
        return name if isinstance(name, str) and DATA_FILE.fullmatch(name) else self.name + DATA_SUFFIX

    def to_json(self) -> str:
        d = dict(self.__dict__)
        return json.dumps(d, indent=2, ensure_ascii=False) + "\n"


def read_manifest(path: Path) -> Manifest:
    """Read one manifest; raise :class:`ImportFileError` naming the file when it is not one."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ImportFileError(f"{path}: not a readable import manifest ({e})") from None
    if isinstance(d, dict) and d.get("format") in OLD_FORMATS:
        name = path.name[: -len(MANIFEST_SUFFIX)]
        raise ImportFileError(f"{path}: kept by an earlier pmkg as N-Quads, which this version no longer reads: "
                              f"import it again (`pmkg import --remove {name}`, then `pmkg import ...`)")
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
    with locked(folder):
        try:
            data = read_manifest(man).data_file
        except ImportFileError:
            data = name + DATA_SUFFIX
        for p in [man, folder / data] + [folder / (name + suffix) for suffix in (DATA_SUFFIX, REPORT_SUFFIX, ".nq")]:
            if p.exists() and p not in removed:
                p.unlink()
                removed.append(p)
    return removed


@contextlib.contextmanager
def locked(folder: Path, shared: bool = False) -> Iterator[None]:
    """Hold the lock of the imports folder ``folder`` (a lock on the folder itself, so no file is
    left): a second import or removal waits for the first. ``shared``: for reading the kept imports
    (a build), which waits only while an import is being kept; a missing folder is not made then."""
    if shared and not folder.is_dir():
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        hold_lock(fd, shared=shared, waiting=f"pmkg: waiting for another pmkg import into {folder} to finish ...")
        yield
    finally:
        os.close(fd)    # closing releases the lock


def clean_stale(folder: Path) -> list[Path]:
    """Remove what failed imports left in ``folder`` (call under :func:`locked`): temporary files,
    and data files that no manifest names. Nothing is removed while a manifest cannot be read."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for p in folder.glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            removed.append(p)
    try:
        named = {m.data_file for m in manifests(folder)}
    except ImportFileError:
        return removed
    for p in folder.glob("*" + DATA_SUFFIX):
        if DATA_FILE.fullmatch(p.name) and p.name not in named:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                removed.append(p)
    return removed


def new_data_file(folder: Path, name: str) -> Path:
    """A temporary file for the data of the import ``name`` (removed by :func:`clean_stale` if left)."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}{DATA_SUFFIX}.", suffix=".tmp")
    os.close(fd)
    return Path(tmp)


def commit(folder: Path, manifest: Manifest, tmp: Path) -> Path:
    """Keep the data in the temporary file ``tmp`` with ``manifest`` as one atomic step (see the
    module docstring); return the data file's path. On any error the previous import stays whole."""
    h = hashlib.sha256()
    with open(tmp, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    data = folder / f"{manifest.name}.{digest[:16]}{DATA_SUFFIX}"
    manifest.data = {"file": data.name, "size": tmp.stat().st_size, "sha256": digest}
    man = folder / (manifest.name + MANIFEST_SUFFIX)
    try:
        old = read_manifest(man).data_file if man.exists() else None
    except ImportFileError:
        old = None
    os.chmod(tmp, 0o644)
    os.replace(tmp, data)            # a new name: the old manifest still names its own data
    fsync_path(folder)
    try:
        write_manifest(man, manifest)    # the switch
    except BaseException:
        if data.name != old:
            data.unlink(missing_ok=True)
        raise
    for stale in {old, manifest.name + DATA_SUFFIX, manifest.name + ".nq"} - {None, data.name}:
        with contextlib.suppress(FileNotFoundError):
            (folder / str(stale)).unlink()
    return data


def write_manifest(path: Path, manifest: Manifest) -> None:
    """Replace the manifest at ``path`` atomically."""
    atomic_write(path, manifest.to_json())


def source_of(m: Manifest) -> Source:
    """The source of a kept import: its title, when it was made, by which importer, from which files."""
    return Source(id=f"import-{m.name}", title=m.title if m.title.endswith(f"'{m.name}'") else
                  f"{m.title} import '{m.name}'", generated=m.imported_at,
                  importer=(m.kind, m.importer_version),
                  files=[{k: f.get(k) for k in ("name", "modified", "size")} for f in m.files])


def read_import(folder: Path | str, m: Manifest, concepts: dict[str, set[str]]) -> Imported:
    """The records of the kept import ``m``, every value checked with the curated data's rules.

    Raises :class:`ImportFileError` naming the file and line of anything that is not a record of
    pmkg's model.
    """
    path = Path(folder) / m.data_file
    man = Path(folder) / (m.name + MANIFEST_SUFFIX)
    if not path.is_file():
        raise ImportFileError(f"{man}: its data file {path.name} is missing; "
                              f"import again or run `pmkg import --remove {m.name}`")
    size = m.data.get("size") if isinstance(m.data, dict) else None
    if isinstance(size, int) and path.stat().st_size != size:
        raise ImportFileError(f"{path}: not the data file its manifest {man.name} names ({path.stat().st_size:,} "
                              f"bytes, {size:,} expected: changed since it was imported); import again or run "
                              f"`pmkg import --remove {m.name}`")
    return read_records(path, m.name, concepts)


def read_records(path: Path, name: str, concepts: dict[str, set[str]]) -> Imported:
    """The records in the file ``path`` of the import called ``name`` (see :func:`read_import`)."""
    src = f"import-{name}"
    out = Imported(name, src)
    try:
        with open(path, encoding="utf-8") as fh:
            for no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    _read_line(json.loads(line), src, concepts, out)
                except (ValueError, KeyError, TypeError, AttributeError) as e:
                    what = e.args[0] if isinstance(e, KeyError) and e.args else e
                    raise ImportFileError(f"{path}:{no}: not a record of this import ({what})") from None
    except UnicodeDecodeError as e:
        raise ImportFileError(f"{path}: not UTF-8 text ({e.reason})") from None
    except OSError as e:
        raise ImportFileError(f"{path}: cannot be read ({e.strerror or e})") from None
    return out


def _read_line(d: dict, src: str, concepts: dict[str, set[str]], out: Imported) -> None:
    if not isinstance(d, dict):
        raise TypeError("a line is a JSON object")
    if "in" in d:
        role = check_value(model.PARTICIPATION_FIELDS["role"], d["role"], concepts)
        start = d.get("start")
        end = d.get("end")
        out.participations.append((_id(d["in"]), Participation(
            _id(d["org"]), role,
            Value(check_value(model.PARTICIPATION_FIELDS["start"], start, concepts)) if start else None,
            Value(check_value(model.PARTICIPATION_FIELDS["end"], end, concepts)) if end else None,
            note=check_value(model.PARTICIPATION_FIELDS["note"], d["note"], concepts) if d.get("note") else None)))
        return
    kind = model.KINDS.get(d["kind"])
    if kind is None:
        raise ValueError(f"unknown record kind {d['kind']!r}")
    values: dict[str, list[Value]] = {}
    for name, raw in (d.get("values") or {}).items():
        f = kind.fields_by_name.get(name)
        if f is None:
            raise ValueError(f"a {kind.name} has no field {name!r}")
        if not isinstance(raw, list):
            raise TypeError(f"field {name!r}: a list of values expected")
        try:
            values[name] = [Value(check_value(f, v, concepts)) for v in raw]
        except ValueError as e:
            raise ValueError(f"record {d['id']!r}, field {name!r}: {e}") from None
    out.records.append(Record(kind.name, _id(d["id"]), [src], values))


_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _id(v: object) -> str:
    if not isinstance(v, str) or not _ID.fullmatch(v):
        raise ValueError(f"{v!r} is not a record id")
    return v
