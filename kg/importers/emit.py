"""What an importer hands over: records, kept as JSON lines, never RDF.

Importers describe what they read with the field names of :mod:`kg.model` (the
YAML fields), checked with the same rules as the curated data
(:func:`kg.load.check_value`). The :class:`Emitter` writes each record, each
participation and each later addition to a record as one JSON line of the
import's kept file (``build/imports/<name>.jsonl``). At every build,
:mod:`kg.assemble` reads these records back, reconciles them with the curated
records (:mod:`kg.importers.reconcile`) and hands everything to the one writer
(:mod:`kg.writer`), so an imported organisation, project, trial or grant gets
exactly the RDF a curated one gets.

The file is written to a temporary name next to its final place:
:meth:`RecordFile.commit` renames it into place atomically, :meth:`RecordFile.abort`
(or an exception inside a ``with`` block) removes it.
"""
from __future__ import annotations

import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import model
from ..load import check_value

#: The organisation kind of an imported organisation whose registry does not give one.
UNCLASSIFIED = "unclassified"


class RecordFile:
    """JSON lines written to a temporary file next to ``path`` (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self.tmp = Path(tmp)
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
        self.count = 0

    def write(self, obj: dict) -> None:
        self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_plain) + "\n")
        self.count += 1

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    def commit(self) -> Path:
        self.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> "RecordFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    raise TypeError(f"cannot keep {type(v).__name__} {v!r} in an import")


class Emitter:
    """Hands an importer's records to the kept file (see the module docstring).

    ``concepts`` are the concept ids per scheme (:meth:`kg.vocab.Vocabulary.schemes`), for checks.
    """

    def __init__(self, out: RecordFile, concepts: dict[str, set[str]]) -> None:
        self.out, self.concepts = out, concepts
        self.records = 0

    def check(self, kind: str, name: str, raw: Any) -> Any:
        """Check one raw value of ``kind``'s field ``name`` like the curated data; raise ValueError."""
        return check_value(model.KINDS[kind].fields_by_name[name], raw, self.concepts)

    def record(self, kind: str, rid: str, values: dict[str, list]) -> None:
        """The entity ``rid`` of ``kind`` with field ``values`` (lists per field name). The same id
        written again (here or by another import) is the same entity: its values add up."""
        if kind not in model.KINDS:
            raise ValueError(f"unknown record kind {kind!r}")
        if kind == "organisation" and not values.get("kind") and "name" in values:
            values = {**values, "kind": [UNCLASSIFIED]}   # the registry does not say: the graph says so
        self.out.write({"kind": kind, "id": rid, "values": {k: list(v) for k, v in values.items() if v}})
        self.records += 1

    def participation(self, in_id: str, who_id: str, role: str,
                      start: str | None = None, end: str | None = None, note: str | None = None) -> None:
        """``who_id`` takes part in ``in_id`` as ``role`` (a role concept id); ``note`` says more (English)."""
        line: dict[str, Any] = {"in": in_id, "org": who_id, "role": role}
        if start:
            line["start"] = start
        if end:
            line["end"] = end
        if note:
            line["note"] = note
        self.out.write(line)

    def grant(self, rid: str, values: dict[str, list], amount: Any = None, currency: str = "EUR") -> None:
        """A grant record (fields of the ``grant`` kind, ``funder`` and ``funds`` included), with its
        amount when known; the writer adds the funder's participation in what it funds."""
        vals = dict(values)
        if amount is not None:
            vals["amount"] = [amount]
            vals["currency"] = [currency]
        self.record("grant", rid, vals)
