"""Input files as the registries ship them: plain, gzip (``.gz``) or zip (``.zip``) archives.

CORDIS ships ``project.csv`` and ``organization.csv`` inside one zip (with other tables, possibly in a
folder), ROR its dump as a zip holding the JSON, ClinicalTrials.gov its downloads as a zip of one JSON
file per study; any of these may also be gzipped. An importer asks for the :class:`Member` files of an
input that it wants (by a name test) and opens each as bytes; nothing is unpacked to disk.
Standard library only (:mod:`zipfile`, :mod:`gzip`).
"""
from __future__ import annotations

import gzip
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterator, cast


class ArchiveError(ValueError):
    """An archive that cannot be read, or that does not hold what the importer needs."""


@dataclass(frozen=True)
class Member:
    """One file to read: the input itself, the content of a .gz, or a file inside a .zip."""

    path: Path                  # the input file on disk
    inner: str | None = None    # the file's name inside the zip
    gz: bool = False
    inner_size: int = 0         # for a zip member: its uncompressed size

    @property
    def name(self) -> str:
        """How problems name it: ``studies.json`` or ``ctg-studies.zip:NCT01234567.json``."""
        return f"{self.path.name}:{self.inner}" if self.inner else self.path.name

    @property
    def basename(self) -> str:
        if self.inner:
            return PurePosixPath(self.inner).name
        return self.path.name[:-3] if self.gz else self.path.name

    def open(self) -> IO[bytes]:
        """The file's bytes (uncompressed)."""
        if self.inner is not None:
            zf = zipfile.ZipFile(self.path)
            try:
                fh = zf.open(self.inner)
            except Exception:
                zf.close()
                raise
            return cast(IO[bytes], _Owned(fh, zf))
        if self.gz:
            return cast(IO[bytes], gzip.open(self.path, "rb"))
        return open(self.path, "rb")

    def size(self) -> int:
        """Its uncompressed size in bytes (for progress; a .gz says it modulo 4 GiB)."""
        if self.inner is not None:
            return self.inner_size
        if self.gz:
            with open(self.path, "rb") as fh:
                fh.seek(0, 2)
                if fh.tell() < 4:
                    return 0
                fh.seek(-4, 2)
                return int.from_bytes(fh.read(4), "little")
        return self.path.stat().st_size

    def head(self, n: int = 1 << 16) -> bytes:
        """The first ``n`` uncompressed bytes (to recognise the format)."""
        try:
            with self.open() as fh:
                return fh.read(n)
        except (OSError, EOFError, zipfile.BadZipFile) as e:   # gzip.BadGzipFile is an OSError
            raise ArchiveError(f"{self.name}: cannot be read as {self.kind()} ({e})") from None

    def kind(self) -> str:
        return "a zip archive member" if self.inner else "gzip" if self.gz else "a file"


class _Owned:
    """A zip member stream that closes its archive too."""

    def __init__(self, fh: IO[bytes], zf: zipfile.ZipFile) -> None:
        self._fh, self._zf = fh, zf

    def __getattr__(self, name: str):
        return getattr(self._fh, name)

    def __iter__(self):
        return iter(self._fh)

    def __enter__(self) -> "_Owned":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._fh.close()
        self._zf.close()


def is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


def is_gz(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def members(path: Path, wanted: Callable[[str], bool] | None = None) -> list[Member]:
    """The files of the input ``path`` to read: itself (or its .gz content), or the members of a zip
    whose base name passes ``wanted`` (sorted by name; folders and macOS resource forks left out)."""
    path = Path(path)
    if is_zip(path):
        try:
            with zipfile.ZipFile(path) as zf:
                infos = {i.filename: i.file_size for i in zf.infolist() if not i.is_dir()}
        except (zipfile.BadZipFile, OSError) as e:
            raise ArchiveError(f"{path}: not a readable zip archive ({e})") from None
        names = [n for n in infos if not n.startswith("__MACOSX/") and not PurePosixPath(n).name.startswith(".")]
        return [Member(path, n, inner_size=infos[n]) for n in sorted(names)
                if wanted is None or wanted(PurePosixPath(n).name)]
    return [Member(path, gz=is_gz(path))]


def read_all(found: list[Member]) -> Iterator[tuple[Member, bytes | Exception]]:
    """Each member's whole content (or the error reading it), opening each zip archive once
    (a download of thousands of studies is one zip of thousands of small files)."""
    zf: zipfile.ZipFile | None = None
    try:
        for m in found:
            try:
                if m.inner is None:
                    with m.open() as fh:
                        yield m, fh.read()
                    continue
                if zf is None or zf.filename != str(m.path):
                    if zf is not None:
                        zf.close()
                    zf = zipfile.ZipFile(m.path)
                yield m, zf.read(m.inner)
            except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as e:
                yield m, e
    finally:
        if zf is not None:
            zf.close()


def zip_names(path: Path) -> list[str]:
    """Every file name in a zip (for messages)."""
    with zipfile.ZipFile(path) as zf:
        return [i.filename for i in zf.infolist() if not i.is_dir()]
