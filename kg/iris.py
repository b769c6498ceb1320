"""Minting IRIs: the only place an instance IRI is made from a record id.

Every entity gets ``{base}id/{record id}``; nothing is a blank node. The base
is configurable (``--base`` or ``PMKG_BASE``) so a deployment can publish under
its own domain; vocabulary IRIs (``pmkg:``, concepts) never change with it.
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

from rdflib import URIRef

from .config import check_base, default_base
from .prefixes import instance_prefixes

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")  # \Z: "$" would accept a final newline


class Minter:
    """Mints the IRIs of entities, participations, sources and graphs under one base."""

    def __init__(self, base: str | None = None) -> None:
        self.base = check_base(base or default_base())

    def prefixes(self) -> dict[str, str]:
        """Instance namespaces (one per path, as '/' may not appear in a Turtle prefixed name)."""
        return instance_prefixes(self.base)

    def entity(self, record_id: str) -> URIRef:
        if not _ID.match(record_id):
            raise ValueError(f"not a valid record id: {record_id!r}")
        return URIRef(f"{self.base}id/{record_id}")

    def participation(self, in_id: str, role: str, who_id: str) -> URIRef:
        # '.' cannot occur in record ids, so the three parts never run together ambiguously
        return URIRef(f"{self.base}participation/{in_id}.{role}.{who_id}")

    def entity_iri(self, record_id: str) -> str:
        """:meth:`entity` as a plain string, unchecked: for writers of millions of quads whose ids
        come from :meth:`imported_id` or the curated data (already checked)."""
        return f"{self.base}id/{record_id}"

    def amount(self, grant_id: str) -> URIRef:
        return URIRef(f"{self.base}id/{grant_id}.amount")

    def observation(self, record_id: str, source_id: str, measure: str, date: str | None = None) -> URIRef:
        """A declared-size observation about ``record_id``: what ``source_id`` says it measures
        (``partners`` or ``countries``), on ``date`` when given. Built from the claim's source and date
        rather than its place in a list, so reordering the YAML does not rename it."""
        when = f".{date}" if date else ""
        return URIRef(f"{self.base}id/{record_id}.size.{source_id}{when}.{measure}")

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

    # --- imported records (kg.importers) -------------------------------------------------------

    def imported_id(self, scheme: str, key: str) -> str:
        """The record id of an entity imported from a public registry: ``<scheme>-<slug of key>``.

        ``scheme`` is one of :data:`IMPORT_SCHEMES`; the same key always gives the same id, so a
        second import of the same CORDIS organisation, ROR record or NCT study meets the first.
        """
        if scheme not in IMPORT_SCHEMES:
            raise ValueError(f"unknown import scheme {scheme!r}")
        if key.isdigit() and len(key) <= _MAX_SLUG:
            return f"{scheme}-{key}"  # most registry keys are numbers: nothing to slug
        return f"{scheme}-{slug(key)}"

    def imported(self, scheme: str, key: str) -> URIRef:
        """The entity IRI of :meth:`imported_id`."""
        return self.entity(self.imported_id(scheme, key))

    def import_source(self, name: str) -> URIRef:
        """The source (``pmkg:Source``, ``prov:Entity``) of the import called ``name``."""
        return self.source(f"import-{name}")

    def import_part(self, name: str, part: str) -> URIRef:
        """A provenance node of an import: its activity, its importer, one of its input files."""
        return URIRef(f"{self.base}source/import-{name}.{slug(part)}")

    def import_graph(self, name: str) -> URIRef:
        """The named graph holding the import called ``name``."""
        return self.graph(f"import-{name}")

    def split_participation(self, iri: str) -> tuple[str, str, str] | None:
        """(in id, role, who id) of a participation IRI minted here, else None."""
        part = f"{self.base}participation/"
        if iri.startswith(part):
            pieces = iri[len(part):].split(".")
            if len(pieces) == 3:
                return pieces[0], pieces[1], pieces[2]
        return None


#: Record-id prefixes of imported entities, by what the key identifies. Curated ids never use
#: them (a curated record is reconciled with its imported twin through its identifiers instead).
IMPORT_SCHEMES = frozenset({
    "cordis-project",     # CORDIS project id (= grant agreement number)
    "cordis-grant",       # the EU grant of a CORDIS project
    "cordis-org",         # CORDIS organisation id (the PIC)
    "cordis-programme",   # framework programme code (H2020, HORIZON ...)
    "cordis-call",        # call identifier
    "cordis-topic",       # topic identifier
    "ctgov",              # NCT number
    "ctgov-org",          # ClinicalTrials.gov sponsor, collaborator or site, by name (+ place when generic)
    "ror",                # ROR id (the 9 characters after https://ror.org/)
    "funder",             # a funder named by a registry without an identifier (the European Commission)
})

_MAX_SLUG = 80


@functools.lru_cache(maxsize=1 << 16)
def slug(text: str) -> str:
    """A record-id-safe form of ``text``: ASCII letters and digits, lower case, joined by '-'.

    Accents are dropped (é -> e); text with no Latin letters or digits, or too long, ends in a
    short hash so that different keys keep different ids.
    """
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    s = re.sub(r"[^a-z0-9]+", "-", bare.encode("ascii", "ignore").decode().lower()).strip("-")
    lost = any(c.isalnum() and not c.isascii() for c in bare)   # letters beyond Latin were dropped
    if not s or lost or len(s) > _MAX_SLUG:
        digest = hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:10]
        s = f"{s[:_MAX_SLUG - 11].rstrip('-')}-{digest}" if s else f"h{digest}"
    return s
