"""The records every part of pmkg speaks: what the curated YAML and every importer produce.

A :class:`Record` is one entity (organisation, project, trial, programme, grant)
with its field values named as in :mod:`kg.model`, the sources it was read from,
and its participants. :mod:`kg.load` makes them from YAML, the importers from
registry files; :mod:`kg.reconcile` merges imported records into curated ones;
:mod:`kg.writer` is the one place records become RDF. Nothing here knows RDF.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator


@dataclass
class Value:
    """A checked field value, with the source it came from when that differs from its record's."""

    value: Any
    source: str | None = None


@dataclass
class Participation:
    """``who`` (a record id) takes part in the record that lists it, in ``role`` (a role concept id)."""

    who: str
    role: str
    start: Value | None = None
    end: Value | None = None
    source: str | None = None
    uncertain: bool = False
    note: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class SizeClaim:
    """A consortium size one source declares (``declared_size``): partners, countries, date, note."""

    partners: int
    source: str
    countries: int | None = None
    date: str | None = None
    note: str | None = None
    line: int | None = field(default=None, compare=False)


@dataclass
class Record:
    """A checked entity record: its kind, id, sources and field values (lists of :class:`Value`)."""

    kind: str
    id: str
    sources: list[str]
    values: dict[str, list[Value]]
    participants: list[Participation] = field(default_factory=list)
    uncertain: bool = False
    note: str | None = None
    file: str = ""
    line: int = 0

    def first(self, name: str) -> Any:
        """The first value of field ``name``, or None."""
        vals = self.values.get(name)
        return vals[0].value if vals else None

    def all(self, name: str) -> list[Any]:
        """Every value of field ``name``."""
        return [v.value for v in self.values.get(name, ())]

    @property
    def label(self) -> str | None:
        """The name (or title) a person reads."""
        return self.first("name") or self.first("title")


@dataclass
class Source:
    """Where statements were read: a web page of the curated data, or an import of registry files.

    An import's source carries its provenance (the files read, when, by which importer) in
    ``files``, ``importer`` and ``generated``; a curated source has a URL and the date it was read.
    """

    id: str
    title: str
    url: str | None = None
    accessed: str | None = None
    publisher: str | None = None
    generated: str | None = None                       # xsd:dateTime of an import
    importer: tuple[str, str] | None = None            # (kind, version) of the importer
    files: list[dict] = field(default_factory=list)    # name, modified, size (and sha256) of each input

    @property
    def imported(self) -> bool:
        return self.importer is not None


@dataclass
class Data:
    """Records and their sources: everything the writer turns into a graph."""

    sources: dict[str, Source]
    records: dict[str, Record]           # by id, all kinds
    folder: Any = None

    def of_kind(self, kind: str) -> list[Record]:
        return [r for r in self.records.values() if r.kind == kind]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records.values())


def to_json(r: Record) -> dict:
    """A record as plain JSON data (how kept imports store their records)."""
    out: dict[str, Any] = {"kind": r.kind, "id": r.id}
    vals = {}
    for name, vs in r.values.items():
        vals[name] = [str(v.value) if isinstance(v.value, Decimal) else v.value for v in vs]
    if vals:
        out["values"] = vals
    if r.participants:
        out["participants"] = [
            {k: v for k, v in (("org", p.who), ("role", p.role),
                               ("start", p.start.value if p.start else None),
                               ("end", p.end.value if p.end else None)) if v is not None}
            for p in r.participants]
    return out


def from_json(d: dict, source: str) -> Record:
    """The inverse of :func:`to_json`; every value and participation comes from ``source``.

    Raises KeyError or TypeError on data of another shape (the caller names the file and line).
    """
    values = {name: [Value(v) for v in vs] for name, vs in (d.get("values") or {}).items()}
    if "amount" in values:
        values["amount"] = [Value(Decimal(v.value)) for v in values["amount"]]
    parts = [Participation(p["org"], p["role"], Value(p["start"]) if p.get("start") else None,
                           Value(p["end"]) if p.get("end") else None)
             for p in d.get("participants") or []]
    return Record(d["kind"], d["id"], [source], values, parts)
