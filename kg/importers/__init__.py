"""Importers that grow the graph from public registries: CORDIS, ClinicalTrials.gov and ROR.

``pmkg import cordis|ctgov|ror ...`` reads a registry's export, writes the
records in pmkg's own model (the same classes, properties and participation
nodes as curated records) into one named graph per import, and keeps it in
``build/imports/`` with a manifest (:mod:`.kept`). Every build, query, export
and network view then includes the kept imports, reconciled with the curated
records (:mod:`.reconcile`): the same ROR, Wikidata, CORDIS project or
organisation id, grant number, NCT or EudraCT number means the same node, and
curated facts win over imported ones.

Modules: :mod:`.cordis`, :mod:`.ctgov`, :mod:`.ror` read the formats;
:mod:`.runner` runs an import; :mod:`.emit` writes quads; :mod:`.kept` keeps,
lists, removes and loads imports; :mod:`.progress` draws the progress bar.
"""
from __future__ import annotations

from importlib import import_module

from .kept import ImportFileError, Manifest, fingerprint, imports_dir, load_imports, manifests, remove
from .runner import BadRecords, NothingToImport, WrongFormat

#: importer name -> module (``KIND``, ``TITLE``, ``VERSION``, ``input_files``, ``check_format``, ``read``)
IMPORTERS = ("cordis", "ctgov", "ror")


def importer(kind: str):
    """The importer module for ``kind`` (one of :data:`IMPORTERS`)."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown importer {kind!r}; expected one of {', '.join(IMPORTERS)}")
    return import_module(f"{__name__}.{kind}")


def run_import(kind: str, inputs: dict, **kwargs):
    """Run the importer ``kind`` on ``inputs`` and keep the result: see :func:`.runner.run_import`."""
    from .runner import run_import as _run

    return _run(importer(kind), inputs, **kwargs)


__all__ = ["IMPORTERS", "BadRecords", "ImportFileError", "Manifest", "NothingToImport", "WrongFormat",
           "fingerprint", "importer", "imports_dir", "load_imports", "manifests", "remove", "run_import"]
