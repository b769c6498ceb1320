"""Minting IRIs: the only place an instance IRI is made from a record id.

Every entity gets ``{base}id/{record id}``; nothing is a blank node. The base
is configurable (``--base`` or ``PMKG_BASE``) so a deployment can publish under
its own domain; vocabulary IRIs (``pmkg:``, concepts) never change with it.
"""
from __future__ import annotations

import os
import re

from rdflib import URIRef

DEFAULT_BASE = "https://w3id.org/pmkg/"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def default_base() -> str:
    """The base IRI from ``PMKG_BASE``, else :data:`DEFAULT_BASE`."""
    return os.environ.get("PMKG_BASE") or DEFAULT_BASE


def check_base(base: str) -> str:
    """Return ``base`` if it is an absolute http(s) IRI ending in '/' or '#', else raise ValueError."""
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+[/#]$", base):
        raise ValueError(f"base IRI must be an absolute http(s) IRI ending in '/' or '#': {base!r}")
    return base


class Minter:
    """Mints the IRIs of entities, participations, sources and graphs under one base."""

    def __init__(self, base: str | None = None) -> None:
        self.base = check_base(base or default_base())

    def prefixes(self) -> dict[str, str]:
        """Instance namespaces (one per path, as '/' may not appear in a Turtle prefixed name)."""
        b = self.base
        return {
            "pm": b + "id/",
            "part": b + "participation/",
            "src": b + "source/",
            "graph": b + "graph/",
            "pmds": b + "dataset/",
        }

    def entity(self, record_id: str) -> URIRef:
        if not _ID.match(record_id):
            raise ValueError(f"not a valid record id: {record_id!r}")
        return URIRef(f"{self.base}id/{record_id}")

    def participation(self, in_id: str, role: str, who_id: str) -> URIRef:
        # '.' cannot occur in record ids, so the three parts never run together ambiguously
        return URIRef(f"{self.base}participation/{in_id}.{role}.{who_id}")

    def amount(self, grant_id: str) -> URIRef:
        return URIRef(f"{self.base}id/{grant_id}.amount")

    def source(self, source_id: str) -> URIRef:
        return URIRef(f"{self.base}source/{source_id}")

    def graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/{name}")

    def dataset(self, part: str = "") -> URIRef:
        return URIRef(f"{self.base}dataset/{part}" if part else f"{self.base}dataset")

    def record_id(self, iri: str) -> str | None:
        """The record id of an entity IRI minted here, else None."""
        prefix = f"{self.base}id/"
        if iri.startswith(prefix) and _ID.match(iri[len(prefix):]):
            return iri[len(prefix):]
        return None
