"""Atomic file output: a reader never sees a half-written file, and a failed run leaves the old one."""
from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import tempfile
import time
from pathlib import Path

from .errors import UsageError


def atomic_write(path: Path | str, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_many(files: dict[Path, bytes | str]) -> list[Path]:
    """Write several files, each atomically. Everything is rendered by the caller first, so a
    rendering error cannot leave some files new and others old."""
    return [atomic_write(p, d) for p, d in files.items()]


def output_file(value: str | os.PathLike, name: str | None = None, option: str = "-o") -> Path:
    """The file an ``-o VALUE`` option asks for, checked before anything is computed.

    ``VALUE`` naming a folder (an existing one, or any path ending in ``/``) means ``name`` inside it,
    as ``cp FILE DIR/`` does; a command with no file name of its own (``name`` None) says it needs a
    file. A missing parent folder is a usage error naming the folder, never created silently (a typo
    in a path must not grow a tree of folders): the user creates it, as for ``curl -o`` or ``wget -O``.
    """
    text = os.fspath(value)
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        if name is None:
            raise UsageError(f"{option} {text}: that is a folder; give a file name ({option} {path / 'FILE'})")
        path = path / name
    if not path.parent.is_dir():
        what = "is not a folder" if path.parent.exists() else "does not exist"
        raise UsageError(f"{option} {text}: the folder {path.parent} {what} (create it first, or write elsewhere)")
    return path


def fsync_path(path: Path | str) -> None:
    """Flush a file or a folder (its entries: a rename in it) to disk; best effort, since some file
    systems cannot flush a folder."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def hold_lock(fd: int, *, waiting: str, shared: bool = False, wait: float | None = None) -> None:
    """Take an ``flock`` on ``fd`` (shared or exclusive). When another process holds it, say ``waiting``
    once on stderr and wait for it: without end, or for at most ``wait`` seconds (then TimeoutError)."""
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        print(waiting, file=sys.stderr, flush=True)
    if wait is None:
        fcntl.flock(fd, mode)
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {wait:g} s for a lock") from None
            time.sleep(0.2)
