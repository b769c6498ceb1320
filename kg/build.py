"""``pmkg build``: assemble the graph once, check it, and publish everything readers use.

:func:`publish` assembles the graph of a :class:`~kg.config.Config`
(:mod:`kg.assemble`), runs the structural checks and the SHACL shapes on the
merged graph that will be published (imports included), then writes a new
generation (:mod:`kg.published`): the Oxigraph store every reading command
queries, ``pmkg.ttl`` (the union, byte-stable), ``pmkg.trig`` (one named graph
per source), the network page and the report page, and switches to it in one step. A build that
fails publishes nothing and leaves the previous one as it was.

:func:`build` is the Python API's way to get the graph as an rdflib Dataset.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset

from . import __version__, answers, neighbourhoods, paths, published
from . import query as Q
from .assemble import Assembly, Config, assemble
from .export import serialize
from .files import atomic_write
from .memstore import dataset_of
from .prefixes import prefixes
from .report import report_page
from .store import OxigraphStore
from .validate import Report, ShapesError, check
from .viz import network_page

#: The files a build publishes besides the store, each a link in the build folder into current/.
OUTPUTS = ("pmkg.ttl", "pmkg.trig", "network.html", "report.html")


@dataclass
class Published:
    """What a build published: where, how big, how long each step took."""

    folder: Path                 # the build folder (build/ or -o DIR)
    generation: Path             # the generation folder now current
    files: list[Path]
    assembly: Assembly
    report: Report | None
    seconds: dict[str, float] = field(default_factory=dict)


def build(data_dir: Path | str | None = None, ontology_dir: Path | str | None = None,
          base: str | None = None, imports: bool | Path | str | None = None) -> Dataset:
    """The graph as an rdflib Dataset (one named graph per source, their union as default graph).

    ``imports``: include the kept imports (default: when ``data_dir`` is the project's own), or
    the folder of kept imports to include. Raises :class:`kg.load.DataError` listing every problem
    in the data.
    """
    if isinstance(imports, (str, Path)):
        config = Config.resolve(data_dir, ontology_dir, base, True, imports)
    else:
        config = Config.resolve(data_dir, ontology_dir, base, imports)
    asm = assemble(config)
    return dataset_of(asm.nquads(names=False), config.base)


def publish(config: Config, out: Path | str | None = None, *, shacl: bool = True,
            pages: bool = True) -> Published:
    """Assemble, check and publish the graph of ``config`` into ``out`` (default: build/).

    Raises :class:`kg.load.DataError` (structural problems) or :class:`kg.validate.ShapesError` (SHACL
    violations) and publishes nothing; :class:`kg.store.StoreError` when the folder cannot be
    written or is locked by another build for too long.
    """
    folder = Path(out) if out else paths.build_dir()
    t: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        t[name] = round(now - clock, 3)
        clock = now

    parts = config.parts()          # hashed before reading, so a change while building makes it stale
    asm = assemble(config)
    lap("assemble")
    # The shapes are checked in a second process while this one writes the store and the pages
    # (two cores, about half the time); nothing is published unless the graph conforms.
    shapes = Shapes(asm) if shacl else None
    report = None
    with published.lock(folder):
        gen = published.new_generation(folder)
        try:
            loaded = asm.write_nquads(gen / "load.nq", names=True, default=True)
            key = config.key(parts)
            store = OxigraphStore.create(gen / published.STORE, loaded, key, config.base)
            loaded.unlink()
            lap("store")
            answers.write(gen / answers.FOLDER, default_answers(store))
            lap("answers")
            files = []
            if pages:
                nquads = asm.nquads(names=False)
                rendered = {"pmkg.ttl": serialize(nquads, "turtle", config.base),
                            "pmkg.trig": serialize(nquads, "trig", config.base)}
                del nquads   # before the pages: a large graph's text is hundreds of MiB
                lap("rdf")
                rendered["network.html"] = network_page(store).encode("utf-8")
                rendered["report.html"] = report_page(store).encode("utf-8")
                lap("pages")
                for name, data in rendered.items():
                    atomic_write(gen / name, data)
                    files.append(folder / name)
                del rendered
            neighbourhoods.write(gen / neighbourhoods.FOLDER, store, prefixes(config.base), key)
            lap("neighbourhoods")
            store.store.flush()
            del store
            if shapes is not None:
                report = shapes.result()
                lap("shacl (waited)")
                if not report.conforms:
                    raise ShapesError(report)
            published.write_manifest(gen, config, parts, {
                "pmkg": __version__, "built": _now(), "shacl": shacl,
                "counts": {"quads": len(asm.quads), "triples": asm.counts.triples, "entities": asm.counts.entities},
                "outputs": [f.name for f in files]})
            final = published.commit(folder, gen, [f.name for f in files])
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            if shapes is not None:
                shapes.cancel()
            raise
    lap("publish")
    return Published(folder, final, files, asm, report, t)


class Shapes:
    """The SHACL check of an assembly, run in a forked process (or here, where fork is not available)."""

    def __init__(self, asm: Assembly) -> None:
        self._report: Report | None = None
        self._proc = None
        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:
            self._report = check(asm)
            return
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_check_and_send, args=(asm, child), daemon=True)
        try:
            self._proc.start()
        except BaseException:   # Ctrl-C while starting it: a check left running would hold the terminal
            self.cancel()
            raise
        finally:
            child.close()

    def result(self) -> Report:
        """The report (waits for the check to finish)."""
        if self._report is None and self._proc is not None:
            try:
                ok, payload = self._conn.recv()
            except EOFError:
                self._proc.join()
                raise RuntimeError(f"the SHACL check stopped (exit code {self._proc.exitcode})") from None
            except BaseException:   # Ctrl-C: stop the check now rather than wait for it to finish
                self.cancel()
                raise
            self._proc.join()
            if not ok:
                raise RuntimeError(f"the SHACL check failed: {payload}")
            self._report = payload
        assert self._report is not None
        return self._report

    def cancel(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.kill()
            self._proc.join()


def _check_and_send(asm: Assembly, conn) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent stops the build (and kills this
    # process, Shapes.cancel); here it would only print a traceback from inside pySHACL
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send((True, check(asm)))
    except Exception as e:  # sent to the parent, which raises it with the build's other errors
        conn.send((False, f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def default_answers(store: OxigraphStore) -> list[tuple[str, str, dict, list[str], Sequence[tuple]]]:
    """Every named query (the helpers left out) answered by ``store`` with its defaults, as
    :func:`kg.answers.write` publishes them with the build: most ask about the whole graph, and a
    generation never changes, so each is answered once here rather than by every ``pmkg query``."""
    out: list[tuple[str, str, dict, list[str], Sequence[tuple]]] = []
    for q in Q.listing():
        if q.hidden:
            continue
        try:
            ans = Q.answer(q, {}, store, published=False)
        except Q.QueryError:   # a parameter without a default: nothing to answer in advance
            continue
        if ans.result.kind == "SELECT":
            out.append((q.name, Q.full_text(q, store), ans.bindings, ans.result.vars, ans.result.rows))
    return out


def rebuild(config: Config, folder: Path) -> Published:
    """What a reading command does when its store is stale: publish again into ``folder`` (the pages
    only where ``pmkg build`` puts them, build/ of the project)."""
    return publish(config, folder, pages=folder == paths.build_dir())


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = time.gmtime(int(epoch)) if epoch else time.gmtime()
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", when)


__all__ = ["OUTPUTS", "Published", "build", "publish", "published_store", "rebuild"]


def published_store(config: Config | None = None, *, quiet: bool = False):
    """The published store of ``config`` (default: the project's graph), read-only; published first
    when it is missing or stale (one line on stderr says why, unless ``quiet``)."""
    return published.open_published(config or Config.resolve(), rebuild, quiet=quiet)
