"""Importers that grow the graph from public registries: CORDIS, ClinicalTrials.gov and ROR.

``pmkg import cordis|ctgov|ror ...`` reads a registry's export into records of
pmkg's own model (:mod:`kg.records`, the fields of :mod:`kg.model`) and keeps
them in ``build/imports/`` with a manifest (:mod:`.kept`). Every build then
merges the kept records into the curated ones (:mod:`.reconcile`: the same ROR,
Wikidata, CORDIS project or organisation id, grant number, NCT or EudraCT
number means the same node, and curated facts win) before the one writer
(:mod:`kg.writer`) turns everything into RDF, each import in its own named graph.

Modules: :mod:`.cordis`, :mod:`.ctgov`, :mod:`.ror` read the formats;
:mod:`.runner` runs an import; :mod:`.emit` keeps its records; :mod:`.kept`
keeps, lists, removes and reads imports back; :mod:`.progress` draws the
progress bar; :mod:`.archives` reads inputs inside .zip and .gz files;
:mod:`.typed` reads registry JSON field by field with the type each must have.
"""
from __future__ import annotations

from importlib import import_module

from ..config import fingerprint, imports_dir
from .kept import ImportFileError, Manifest, manifests, read_import, remove
from .runner import BadRecords, NoMatch, NothingToImport, WrongFormat
from .runner import run_import as _run

#: importer name -> module (``KIND``, ``TITLE``, ``VERSION``, ``input_files``, ``check_format``, ``read``)
IMPORTERS = ("cordis", "ctgov", "ror")


def importer(kind: str):
    """The importer module for ``kind`` (one of :data:`IMPORTERS`)."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown importer {kind!r}; expected one of {', '.join(IMPORTERS)}")
    return import_module(f"{__name__}.{kind}")


def run_import(kind: str, inputs: dict, **kwargs):
    """Run the importer ``kind`` on ``inputs`` and keep the result: see :func:`.runner.run_import`."""
    return _run(importer(kind), inputs, **kwargs)


__all__ = ["IMPORTERS", "BadRecords", "ImportFileError", "Manifest", "NoMatch", "NothingToImport", "WrongFormat",
           "fingerprint", "importer", "imports_dir", "manifests", "read_import", "remove", "run_import"]
