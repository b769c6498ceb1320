"""Where pmkg finds its source of truth (data/, ontology/, queries/) and writes build/."""
from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def _is_root(p: Path) -> bool:
    return (p / "ontology" / "pmkg.ttl").is_file()


def root() -> Path:
    """The project folder: ``PMKG_ROOT``, else the current folder or one above it, else the checkout
    this package was installed from (editable installs)."""
    env = os.environ.get("PMKG_ROOT")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd().resolve()
    for p in (cwd, *cwd.parents):
        if _is_root(p):
            return p
    if _is_root(_PACKAGE_PARENT):
        return _PACKAGE_PARENT
    return cwd


def data_dir() -> Path:
    return root() / "data"


def ontology_dir() -> Path:
    return root() / "ontology"


def queries_dir() -> Path:
    return root() / "queries"


def build_dir() -> Path:
    return root() / "build"
