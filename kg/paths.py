"""Where pmkg finds its source of truth (data/, ontology/, queries/) and writes build/.

Inside a clone (the current folder or one above it has ``ontology/pmkg.ttl``)
that clone's folders are used; ``PMKG_ROOT`` names one explicitly. An
installed wheel also carries a copy of ontology/, queries/ and data/, used
when pmkg runs anywhere else; output then goes to ``./build``.
"""
from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_RESOURCES = _PACKAGE / "_resources"


def _is_root(p: Path) -> bool:
    return (p / "ontology" / "pmkg.ttl").is_file()


def project_root() -> Path | None:
    """The project folder pmkg runs in: ``PMKG_ROOT``, the current folder or a parent, or the
    checkout of an editable install; None when there is none."""
    env = os.environ.get("PMKG_ROOT")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd().resolve()
    for p in (cwd, *cwd.parents):
        if _is_root(p):
            return p
    if _is_root(_PACKAGE.parent):
        return _PACKAGE.parent
    return None


def _folder(name: str) -> Path:
    root = project_root()
    if root is not None:
        return root / name
    if (_RESOURCES / name).is_dir():
        return _RESOURCES / name
    raise FileNotFoundError(
        f"cannot find pmkg's {name}/ folder: run pmkg inside a clone of the repository, "
        f"or set PMKG_ROOT to one")


def data_dir() -> Path:
    return _folder("data")


def ontology_dir() -> Path:
    return _folder("ontology")


def queries_dir() -> Path:
    return _folder("queries")


def build_dir() -> Path:
    """``build/`` of the project, or of the current folder outside a project."""
    return (project_root() or Path.cwd()) / "build"
