"""How a command finds its graph: the :class:`~kg.config.Config` of its options, and the store to read.

Every reading command (query, stats, viz, analyze, path, export, push, serve)
goes through :func:`open_reader`: the published store by default (built first
when the data, ontology, kept imports or pmkg changed), or the store that
``--store`` / ``--endpoint`` names. This module is light: the heavy machinery
that builds a store is loaded only when one has to be built.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from .config import Config
from .published import location, open_published
from .store import Store


def config_of(args) -> Config:
    """The graph the shared options name (``--data``, ``--ontology``, ``--base``, ``--no-imports``,
    ``--imports``): resolved once per run."""
    return Config.resolve(getattr(args, "data", None), getattr(args, "ontology", None), getattr(args, "base", None),
                          False if getattr(args, "no_imports", False) else None, getattr(args, "imports", None),
                          allow_empty=getattr(args, "allow_empty", False))


def rebuild(config: Config, folder: Path) -> object:
    """Publish the graph of ``config`` again (``pmkg build``'s machinery, loaded here only because a
    reader found its store stale)."""
    return importlib.import_module("kg.build").rebuild(config, folder)


def open_reader(args, config: Config | None = None, *, quiet: bool = False, endpoint_option: bool = True) -> Store:
    """The store the options name: ``--endpoint``, ``--store memory|oxigraph|oxigraph:DIR``, or by
    default the published store (rebuilt first when stale, saying so in one line on stderr).
    ``endpoint_option`` False: ``--endpoint`` names something else (``pmkg push``'s target)."""
    config = config or config_of(args)
    spec = getattr(args, "store", None)
    endpoint = getattr(args, "endpoint", None) if endpoint_option else None
    if endpoint or spec not in (None, "published"):
        stores = importlib.import_module("kg.stores")   # assembling in this process: rdflib and all
        return stores.open_store(spec, config, endpoint=endpoint, auth=getattr(args, "auth", None))
    return open_published(config, rebuild, quiet=quiet or getattr(args, "quiet", False))


def published_folder(config: Config) -> Path:
    """Where the graph of ``config`` is published."""
    return location(config)
