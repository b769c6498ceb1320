"""The published build: where ``pmkg build`` puts its outputs and store, and how readers find them.

``pmkg build`` writes a whole *generation* (``pmkg.ttl``, ``pmkg.trig``, the
pages, the Oxigraph store ``store/``, the named queries' default answers
``answers/`` (:mod:`kg.answers`) and the manifest ``pmkg-build.json``) into
a new folder under ``build/generations/``, then switches the symbolic link
``build/current`` to it in one atomic rename. ``build/pmkg.ttl`` and the other
top-level files are fixed links into ``current/``. A reader therefore sees the
old generation or the new one, never a mix; a build that fails leaves the
current one as it was; a lock on the folder makes a second build wait.

Reading commands open the store of the current generation read-only
(:func:`open_published`). When the data, ontology, kept imports or pmkg itself
changed since that build (the manifest records a hash of each), the store is
stale: the caller's ``rebuild`` publishes a new generation first, and says so
in one line. A graph other than the project's default (``--data``,
``--no-imports`` ...) is published, store only, under ``build/configs/<id>/``.

This module loads no RDF library (the cold ``pmkg query`` path goes through it).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .config import Config
from .files import fsync_path, hold_lock
from .store import OxigraphStore, StoreError

MANIFEST = "pmkg-build.json"
FORMAT = "pmkg-build/1"
GENERATIONS = "generations"
CURRENT = "current"
CONFIGS = "configs"
STORE = "store"
LOCK = ".lock"
#: Generations kept besides the current one, for readers that opened them just before a switch.
KEEP = 1


@dataclass
class Generation:
    """One published build: its folder and its manifest."""

    folder: Path
    manifest: dict

    @property
    def store(self) -> Path:
        return self.folder / STORE

    @property
    def key(self) -> str | None:
        return self.manifest.get("key")

    @property
    def identity(self) -> str | None:
        return self.manifest.get("identity")

    def changed(self, parts: dict[str, str]) -> list[str]:
        """What differs from ``parts`` (:meth:`Config.parts`): data, ontology, imports, base, pmkg."""
        had = self.manifest.get("parts") or {}
        return [k for k in ("data", "ontology", "imports", "base", "pmkg") if had.get(k) != parts.get(k)]


def current(out: Path) -> Generation | None:
    """The current generation published in ``out``, or None when there is none (or it is unreadable)."""
    link = out / CURRENT
    try:
        folder = (out / os.readlink(link)) if link.is_symlink() else None
    except OSError:
        return None
    if folder is None or not (folder / MANIFEST).is_file():
        return None
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    return Generation(folder, manifest)


def location(config: Config, build_dir: Path | None = None) -> Path:
    """Where the graph of ``config`` is published: ``build/`` for the project's own graph (unless
    ``build/`` holds a build of another graph), else ``build/configs/<identity>/``."""
    root = Path(build_dir) if build_dir else paths.build_dir()
    ident = config.identity()
    gen = current(root)
    if gen is not None and gen.identity == ident:
        return root
    if gen is None and config.project and ident == Config.resolve().identity():
        return root
    return root / CONFIGS / ident


def open_published(config: Config, rebuild: Callable[[Config, Path], object] | None = None,
                   build_dir: Path | None = None, quiet: bool = False) -> OxigraphStore:
    """The published store of ``config``, read-only; rebuilt first with ``rebuild(config, folder)``
    when it is missing or stale (one line on stderr says why, unless ``quiet``).

    Raises :class:`StoreError` when it is stale and cannot be rebuilt here (no ``rebuild``), or
    cannot be opened.
    """
    out = location(config, build_dir)
    gen = current(out)
    parts = config.parts()
    key = config.key(parts)
    if gen is None or gen.key != key:
        if rebuild is None:
            raise StoreError(f"{out}: no current build of this graph; run `pmkg build`")
        if not quiet:
            if gen is None:
                why = "no build yet"
            else:
                why = " and ".join(gen.changed(parts) or ["pmkg"]) + " changed since the last build"
            print(f"pmkg: {why}; building {out} first ...", file=sys.stderr, flush=True)
        rebuild(config, out)
        gen = current(out)
        if gen is None or gen.key != key:
            raise StoreError(f"{out}: the build did not publish the graph it was asked for (did the data change "
                             f"while it ran?); run the command again")
    return OxigraphStore.open(gen.store, base=config.base)


# --- writing a generation (kg.build uses these) ------------------------------------------------------

@contextlib.contextmanager
def lock(out: Path, wait: float = 900.0) -> Iterator[None]:
    """Hold the build lock of ``out``: a second build waits (saying so once), for at most ``wait``
    seconds, then fails with a message naming the folder."""
    out.mkdir(parents=True, exist_ok=True)
    fh = open(out / LOCK, "a+")
    try:
        try:
            hold_lock(fh.fileno(), waiting=f"pmkg: waiting for another pmkg build of {out} to finish ...", wait=wait)
        except TimeoutError:
            raise StoreError(f"{out}: another pmkg build has held it for over {wait:g} s; "
                             f"stop it or build elsewhere (-o DIR)") from None
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def new_generation(out: Path) -> Path:
    """A new, empty folder for a generation being written (a name no reader follows yet). Call
    under :func:`lock`; stale folders of builds that died are removed first."""
    gens = out / GENERATIONS
    gens.mkdir(parents=True, exist_ok=True)
    for stale in gens.glob(".new-*"):
        shutil.rmtree(stale, ignore_errors=True)
    folder = gens / f".new-{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    return folder


def write_manifest(folder: Path, config: Config, parts: dict[str, str], extra: dict) -> None:
    """The generation's manifest: which graph (config and its identity), of what (the key and its
    parts), and what was written."""
    manifest = {"format": FORMAT, "identity": config.identity(), "key": config.key(parts), "parts": parts,
                "config": config.as_dict(), **extra}
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def commit(out: Path, folder: Path, links: list[str]) -> Path:
    """Make the generation in ``folder`` current: rename it to its final name, switch the link
    ``current`` to it atomically, make sure ``links`` (file names) in ``out`` point into
    ``current/``, and remove older generations. Returns the final folder."""
    # a sequence number first: generations sort in the order they were made, whatever the clock says
    seq = max((int(p.name.split("-", 1)[0]) for p in folder.parent.iterdir()
               if p.name.split("-", 1)[0].isdigit()), default=0) + 1
    final = folder.with_name(f"{seq:06d}-" + time.strftime("%Y%m%dT%H%M%S"))
    _fsync_tree(folder)
    folder.rename(final)
    tmp = out / f".{CURRENT}.{final.name}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(Path(GENERATIONS) / final.name)
    os.replace(tmp, out / CURRENT)
    for name in links:
        link = out / name
        target = Path(CURRENT) / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        t = out / f".{name}.link"
        with contextlib.suppress(FileNotFoundError):
            t.unlink()
        t.symlink_to(target)
        os.replace(t, link)       # an output of an older pmkg (a plain file) is replaced by the link
    fsync_path(out)
    older = sorted(p for p in (out / GENERATIONS).iterdir() if p.name.split("-", 1)[0].isdigit() and p != final)
    for old in older[:-KEEP] if KEEP else older:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _fsync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` to disk before it becomes current (a crash after the switch
    must not leave a current generation with empty files)."""
    for p in folder.rglob("*"):
        if p.is_file():
            fsync_path(p)
    fsync_path(folder)
