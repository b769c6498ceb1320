"""Which graph a command works on, resolved once per run: the :class:`Config`.

Every command takes the same options (``--data``, ``--ontology``, ``--base``,
``--no-imports``, ``--imports``); :meth:`Config.resolve` turns them into one
value that says which graph, and :meth:`Config.key` hashes everything that
graph is made of, so anything built from it knows when it is stale. This module
loads no RDF library: a reading command checks its store with it before
anything heavy is imported.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import __version__, paths

DEFAULT_BASE = "https://w3id.org/pmkg/"
IMPORTS_FOLDER = "imports"
MANIFEST_SUFFIX = ".json"
_CODE = Path(__file__).resolve().parent


def default_base() -> str:
    """The base IRI from ``PMKG_BASE``, else :data:`DEFAULT_BASE`."""
    return os.environ.get("PMKG_BASE") or DEFAULT_BASE


def check_base(base: str) -> str:
    """Return ``base`` if it is an absolute http(s) IRI ending in '/' or '#', else raise ValueError."""
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+[/#]\Z", base):
        raise ValueError(f"base IRI must be an absolute http(s) IRI ending in '/' or '#': {base!r}")
    from .iri import check_iri  # Oxigraph's IRI rules (RFC 3987); loaded only when a base is checked

    try:
        check_iri(base)
    except ValueError as e:
        raise ValueError(f"base IRI: {e}") from None
    return base


def imports_dir() -> Path:
    """Where the project keeps its imports: ``build/imports/``."""
    return paths.build_dir() / IMPORTS_FOLDER


def fingerprint(folder: Path | str | None = None) -> str:
    """A short hash of the kept imports in ``folder`` (their manifests, and the size and time of their
    data files): changes whenever one is added, replaced or removed."""
    folder = Path(folder) if folder else imports_dir()
    h = hashlib.sha256()
    if folder.is_dir():
        for p in sorted(folder.glob("*" + MANIFEST_SUFFIX)):
            raw = p.read_bytes()
            h.update(p.name.encode() + b"\n" + raw)
            for data in (*_data_files(p, raw), p.with_suffix(".jsonl"), p.with_suffix(".nq")):
                if data.is_file():
                    st = data.stat()
                    h.update(f"{data.name} {st.st_size} {st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _data_files(manifest: Path, raw: bytes) -> list[Path]:
    """The data file a kept import's manifest names (:mod:`kg.importers.kept`), if it names one."""
    try:
        name = json.loads(raw).get("data", {}).get("file")
    except (ValueError, AttributeError):
        return []
    return [manifest.parent / name] if isinstance(name, str) and "/" not in name else []


@dataclass(frozen=True)
class Config:
    """Which graph: the data and ontology folders, the base IRI, and the folder of kept imports
    (None: no imports). Make one with :meth:`resolve`."""

    data_dir: Path
    ontology_dir: Path
    base: str
    imports_dir: Path | None
    project: bool = True     # the project's own data and ontology (its graph is published in build/)
    allow_empty: bool = False  # data without any record may build (an empty graph); refused otherwise

    @classmethod
    def resolve(cls, data: Path | str | None = None, ontology: Path | str | None = None,
                base: str | None = None, imports: bool | None = None,
                imports_folder: Path | str | None = None, allow_empty: bool = False) -> "Config":
        """The graph the options name. ``imports`` None means: the kept imports when the data is the
        project's own (no ``data``), none otherwise; True or False says so. Raises ValueError for a
        bad base IRI, FileNotFoundError for a data or ontology folder that does not exist."""
        data_dir = Path(data).expanduser() if data is not None else paths.data_dir()
        ontology_dir = Path(ontology).expanduser() if ontology is not None else paths.ontology_dir()
        for what, folder in (("data", data_dir), ("ontology", ontology_dir)):
            if not folder.is_dir():
                raise FileNotFoundError(f"{what} folder {folder} not found")
        want = (data is None) if imports is None else imports
        folder = Path(imports_folder).expanduser() if imports_folder else imports_dir()
        return cls(data_dir.resolve(), ontology_dir.resolve(), check_base(base or default_base()),
                   folder.resolve() if want else None, data is None and ontology is None, allow_empty)

    def identity(self) -> str:
        """Which graph this is (not its content): the same for the same options."""
        text = f"{self.data_dir}\n{self.ontology_dir}\n{self.base}\n{self.imports_dir}\n"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def parts(self) -> dict[str, str]:
        """A hash of each thing the graph is made of: the data, the ontology, the kept imports, the
        base IRI and pmkg itself (its version and code)."""
        out = {"base": self.base, "imports": "none" if self.imports_dir is None else fingerprint(self.imports_dir)}
        for label, folder, suffixes in (("data", self.data_dir, (".yaml", ".yml")),
                                        ("ontology", self.ontology_dir, (".ttl",)),
                                        ("pmkg", _CODE, (".py", ".html"))):
            h = hashlib.sha256(__version__.encode() if label == "pmkg" else b"")
            if folder.is_dir():
                for p in sorted(folder.rglob("*")):
                    if p.suffix in suffixes and p.is_file():
                        h.update(f"{p.relative_to(folder).as_posix()}\n".encode())
                        h.update(hashlib.sha256(p.read_bytes()).digest())
            out[label] = h.hexdigest()[:32]
        return out

    def key(self, parts: dict[str, str] | None = None) -> str:
        """One hash of :meth:`parts`: when it changes, what was built from this config is stale."""
        text = "\n".join(f"{k} {v}" for k, v in sorted((parts or self.parts()).items()))
        return hashlib.sha256(text.encode()).hexdigest()

    def as_dict(self) -> dict:
        return {"data": str(self.data_dir), "ontology": str(self.ontology_dir), "base": self.base,
                "imports": str(self.imports_dir) if self.imports_dir else None}

    def describe(self) -> str:
        """One line for messages."""
        imports = "no imports" if self.imports_dir is None else f"imports from {self.imports_dir}"
        return f"data {self.data_dir}, {imports}"
