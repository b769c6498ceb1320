"""Reading the curated YAML and checking it structurally.

Every problem is collected (not just the first) as a :class:`Problem` naming
file, line, record and field; :func:`load` raises :class:`DataError` holding
all of them. Nothing here knows about RDF: :mod:`kg.writer` turns the checked
records (:mod:`kg.records`) into quads.
"""
from __future__ import annotations

import re
import reprlib
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from . import countries, model
from .errors import DataError, Problem
from .iri import check_url
from .model import Field
from .records import Data, Participation, Record, SizeClaim, Source, Value

SOURCES_FILE = "sources.yaml"


class LineDict(dict):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: int = 0
    lines: dict


#: How deep YAML collections may nest in a data file (a record is a mapping of lists of mappings:
#: four levels; the bound keeps PyYAML's recursive composer far from Python's recursion limit).
MAX_DEPTH = 32
#: The longest whole number read as a YAML int: longer digit strings stay text (and fail the field's
#: check with a located error), so no value reaches Python's int-from-text limit of 4,300 digits.
MAX_INT_DIGITS = 18


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like scalars: no yes/no/on/off booleans (the 'Norway problem'),
    no octal or sexagesimal ints, and no implicit timestamps (dates stay text we check ourselves).

    Data files are plain trees: anchors and aliases (``&a``, ``*a``, ``<<: *a``) are refused, so a
    few bytes cannot expand into gigabytes (the "billion laughs"), and collections nest at most
    :data:`MAX_DEPTH` levels; both are reported with their line."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            what = "aliases (*name)" if isinstance(event, yaml.AliasEvent) else "anchors (&name)"
            raise yaml.composer.ComposerError(
                None, None, f"{what} are not allowed in pmkg data files: write each value out", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def records(self) -> Any:
        """The file's one document, like ``get_single_data`` but a top-level list is composed and
        constructed one item at a time: only one record's node tree (a few KB of nodes and marks per
        record) is held at once, never the whole file's."""
        self.get_event()   # stream start
        if self.check_event(yaml.StreamEndEvent):
            return None
        start = self.get_event()   # document start
        event = self.peek_event()
        if isinstance(event, yaml.SequenceStartEvent) and event.anchor is None:
            self.get_event()
            doc: Any = []
            self._depth += 1
            while not self.check_event(yaml.SequenceEndEvent):
                doc.append(self.construct_document(self.compose_node(None, None)))
            self._depth -= 1
            self.get_event()
        else:
            doc = self.construct_document(self.compose_node(None, None))
        self.get_event()   # document end
        if not self.check_event(yaml.StreamEndEvent):
            raise yaml.composer.ComposerError("expected a single document in the stream", start.start_mark,
                                              "but found another document", self.peek_event().start_mark)
        return doc


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers
         if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int",
                              re.compile(rf"^[-+]?(?:0|[1-9][0-9]{{0,{MAX_INT_DIGITS - 1}}})$"),
                              list("-+0123456789"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a plain value, not {type(key).__name__} {short(key)}", key_node.start_mark)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {short(key)}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --- value checks -----------------------------------------------------------

# Patterns are matched whole (fullmatch: a '$' would also accept a final newline) and in ASCII
# (re.ASCII: '\d' would also accept Arabic-Indic or other Unicode digits).
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)
_DURATION = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", re.ASCII)
_ROR = re.compile(r"https://ror\.org/0[a-z0-9]{8}")
_QID = re.compile(r"Q[1-9]\d*", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}")
#: A record or source id: a lower-case ASCII slug (the documented pattern ^[a-z0-9][a-z0-9-]*$).
ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_AMOUNT = re.compile(r"[0-9][0-9_]*(?:\.[0-9]+)?")
#: The largest amount accepted (exclusive; 10 trillion, above any research budget) and its most
#: significant digits (15: what a double and every RDF tool keep exactly). Larger values are typos
#: or attacks ("1e100000000" would write a 100 MB literal).
MAX_AMOUNT = Decimal(10) ** 13
MAX_AMOUNT_DIGITS = 15
#: At most this many decimals (a float such as 1e-300 would otherwise be written in exponent form,
#: which xsd:decimal does not allow).
MAX_AMOUNT_DECIMALS = 4
#: How much of a value an error message shows.
SHOW = 80


def short(value: Any) -> str:
    """``repr(value)`` cut to about :data:`SHOW` characters, for messages (a value may be megabytes)."""
    if isinstance(value, str):
        text = repr(value[:SHOW + 1])
    else:
        text = _REPR.repr(value)
    return text if len(text) <= SHOW else text[:SHOW - 3] + "..."


class _Repr(reprlib.Repr):
    def repr_LineDict(self, x: dict, level: int) -> str:  # noqa: N802 (reprlib's naming)
        return self.repr_dict(x, level)


_REPR = _Repr()
_REPR.maxstring = _REPR.maxother = SHOW
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = 4
_REPR.maxlevel = 2


def is_id(text: Any) -> TypeGuard[str]:
    """Whether ``text`` is a record or source id: the whole text a slug, nothing around it."""
    return isinstance(text, str) and _ID.fullmatch(text) is not None


def check_date(text: str) -> str:
    """Return ``text`` if it is YYYY, YYYY-MM or a real YYYY-MM-DD date, else raise ValueError."""
    m = _DATE.fullmatch(text)
    if not m:
        raise ValueError(f"{short(text)} is not a date (YYYY-MM-DD, YYYY-MM or YYYY, ASCII digits)")
    year, month, day = m.groups()
    if month and not 1 <= int(month) <= 12:
        raise ValueError(f"{text!r} has no month {month}")
    if day:
        try:
            date(int(year), int(month), int(day))
        except ValueError as e:
            raise ValueError(f"{text!r} is not a calendar date ({e})") from None
    return text


def check_amount(raw: Any) -> Decimal:
    """A non-negative amount: a YAML number, or text of ASCII digits with an optional decimal part
    (``_`` may group digits), below :data:`MAX_AMOUNT` with at most :data:`MAX_AMOUNT_DIGITS`
    significant digits; else raise ValueError."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValueError(f"expected a number, got {short(raw)}")
    text = str(raw).strip() if not isinstance(raw, float) else repr(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")) or raw < 0:
            raise ValueError(f"{short(raw)} is not a non-negative amount")
        d = Decimal(text)
    elif not _AMOUNT.fullmatch(text) or len(text) > 4 * MAX_AMOUNT_DIGITS:
        raise ValueError(f"{short(raw)} is not an amount: ASCII digits with an optional decimal part, "
                         f"such as 4999987.50")
    else:
        try:
            d = Decimal(text.replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"{short(raw)} is not a number") from None
    if d < 0:
        raise ValueError(f"{short(raw)} is not a non-negative amount")
    digits = d.normalize().as_tuple()
    if (d >= MAX_AMOUNT or len(digits.digits) > MAX_AMOUNT_DIGITS
            or (isinstance(digits.exponent, int) and digits.exponent < -MAX_AMOUNT_DECIMALS)):
        raise ValueError(f"{short(raw)} is out of range: amounts are below {MAX_AMOUNT:,.0f} with at most "
                         f"{MAX_AMOUNT_DIGITS} significant digits and {MAX_AMOUNT_DECIMALS} decimals")
    return d


def check_value(f: Field, raw: Any, concepts: dict[str, set[str]]) -> Any:
    """Check one scalar of field ``f``; return its normalised value or raise ValueError."""
    t = f.type
    if t == model.BOOL:
        if not isinstance(raw, bool):
            raise ValueError(f"expected true or false, got {short(raw)}")
        return raw
    if t == model.DECIMAL:
        return check_amount(raw)
    if t == model.INTEGER:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"expected a whole number, got {short(raw)}")
        if raw <= 0:
            raise ValueError(f"{raw} is not a positive whole number")
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool) and t in (model.IDENT, model.DATE):
        raw = str(raw)  # unquoted grant numbers and years are fine: our YAML ints have no leading zeros
    if not isinstance(raw, str):
        raise ValueError(f"expected text, got {type(raw).__name__} {short(raw)}")
    text = raw.strip()
    if not text:
        raise ValueError("is empty")
    if t in (model.TEXT, model.TEXT_EN):
        if any(ord(c) < 32 and c not in "\n\t" for c in text):
            raise ValueError("contains control characters")
        return text
    if t == model.DATE:
        return check_date(text)
    if t == model.DURATION:
        if not _DURATION.fullmatch(text):
            raise ValueError(f"{short(text)} is not an ISO 8601 duration such as P5Y")
        return text
    if t == model.COUNTRY:
        if not countries.is_code(text):
            near = countries.suggestions(text) if len(text) <= SHOW else []
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise ValueError(f"{short(text)} is not an ISO 3166-1 alpha-2 country code such as SE{hint}")
        return text
    if t == model.URL:
        return check_url(text)
    if t == model.ROR:
        if not _ROR.fullmatch(text):
            raise ValueError(f"{short(text)} is not a ROR IRI (https://ror.org/0 followed by 8 characters)")
        return text
    if t == model.WIKIDATA:
        if not _QID.fullmatch(text):
            raise ValueError(f"{short(text)} is not a Wikidata QID such as Q1161535")
        return text
    if t == model.CURRENCY:
        if not _CURRENCY.fullmatch(text):
            raise ValueError(f"{short(text)} is not an ISO 4217 currency code such as EUR")
        return text
    if t == model.IDENT:
        if f.pattern and not re.fullmatch(f.pattern, text, re.ASCII):
            raise ValueError(f"{short(text)} does not match {f.pattern}")
        return text
    if t == model.CONCEPT:
        known = concepts.get(f.scheme or "", set())
        if text not in known:
            raise ValueError(f"unknown {f.scheme} {short(text)}; expected one of: {', '.join(sorted(known))}")
        return text
    if t == model.REF:
        if not _ID.fullmatch(text):
            raise ValueError(f"{short(text)} is not a record id")
        return text  # resolved once every file is read
    raise AssertionError(f"unhandled field type {t}")


# --- the loader ---------------------------------------------------------------

class _Checker:
    def __init__(self, folder: Path, concepts: dict[str, set[str]]) -> None:
        self.folder = folder
        self.concepts = concepts
        self.problems: list[Problem] = []
        self.refs: list[tuple[str, int, str, str, str, tuple[str, ...]]] = []  # file, line, rec, field, target, kinds

    def problem(self, file: str, line: int | None, record: str | None, fld: str | None, msg: str) -> None:
        self.problems.append(Problem(file, line, record, fld, msg))

    def read(self, name: str, required: bool = True) -> list[LineDict]:
        path = self.folder / name
        if not path.exists():
            if required:
                self.problem(name, None, None, None, f"file not found in {self.folder}")
            return []
        loader = None
        try:
            loader = _Loader(path.read_text(encoding="utf-8"))
            doc = loader.records()
        except UnicodeDecodeError as e:
            self.problem(name, None, None, None, f"not UTF-8 text ({e.reason})")
            return []
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = mark.line + 1 if mark else None
            msg = " ".join(str(x) for x in (getattr(e, "context", None), getattr(e, "problem", None)) if x) or str(e)
            self.problem(name, line, None, None, f"malformed YAML: {msg}")
            return []
        except (RecursionError, ValueError, OverflowError) as e:   # a scalar PyYAML could not construct
            mark = loader.get_mark() if loader is not None else None
            self.problem(name, mark.line + 1 if mark else None, None, None,
                         f"malformed YAML: {' '.join(str(e).split())[:200]}")
            return []
        finally:
            if loader is not None:
                loader.dispose()
        if doc is None:
            # an empty file (a truncated write, a bad merge) must not silently drop a file's records
            self.problem(name, None, None, None, "the file is empty: write [] if it is meant to hold no records")
            return []
        if not isinstance(doc, list) or not all(isinstance(x, LineDict) for x in doc):
            self.problem(name, None, None, None, "expected a list of records (mappings)")
            return []
        return doc

    def value(self, file: str, rec: LineDict, rid: str, f: Field, raw: Any, sources: set[str]) -> Value | None:
        line = rec.lines.get(f.name, rec.line)
        src = None
        if isinstance(raw, LineDict):
            extra = set(raw) - {"value", "source"}
            if extra or "value" not in raw:
                self.problem(file, raw.line, rid, f.name,
                             "a per-value mapping needs exactly 'value' and optional 'source'")
                return None
            src = raw.get("source")
            if src is not None:
                if not isinstance(src, str) or src not in sources:
                    self.problem(file, raw.line, rid, f.name, f"unknown source {short(src)}")
                    return None
            raw = raw["value"]
        try:
            v = check_value(f, raw, self.concepts)
        except ValueError as e:
            self.problem(file, line, rid, f.name, str(e))
            return None
        if f.type == model.REF:
            self.refs.append((file, line, rid, f.name, v, f.refs))
        return Value(v, src)

    def fields(self, file: str, rid: str, item: LineDict, table: dict[str, Field], where: str,
               sources: set[str]) -> tuple[dict[str, Any], bool]:
        """The checked values of a nested mapping (a participant, a declared size) and whether all were
        right: every unknown field, missing required field, bad value and unknown source is reported
        under ``<where>.<field>``."""
        ok = True
        for key in item:
            if key not in table:
                self.problem(file, item.lines[key], rid, f"{where}.{key}",
                             f"unknown field; expected one of {', '.join(table)}")
                ok = False
        vals: dict[str, Any] = {}
        for name, f in table.items():
            if name not in item:
                if f.required:
                    self.problem(file, item.line, rid, f"{where}.{name}", "required field missing")
                    ok = False
                continue
            try:
                vals[name] = check_value(f, item[name], self.concepts)
            except ValueError as e:
                self.problem(file, item.lines[name], rid, f"{where}.{name}", str(e))
                ok = False
                continue
            if name == "source" and vals[name] not in sources:
                self.problem(file, item.lines[name], rid, f"{where}.source",
                             f"unknown source {vals[name]!r}" + _close(vals[name], sources))
                ok = False
        return vals, ok

    def size(self, file: str, rec: LineDict, rid: str, item: Any, sources: set[str]) -> Value | None:
        """One ``declared_size`` item, checked field by field; its source becomes the value's source."""
        where = "declared_size"
        if not isinstance(item, LineDict):
            self.problem(file, rec.lines.get(where, rec.line), rid, where,
                         f"each declared size is a mapping such as {{partners: 24, countries: 18, source: ...}}, "
                         f"got {short(item)}")
            return None
        vals, ok = self.fields(file, rid, item, model.SIZE_FIELDS, where, sources)
        if not ok:
            return None
        claim = SizeClaim(vals["partners"], vals["source"], vals.get("countries"), vals.get("date"), vals.get("note"),
                          item.line)
        return Value(claim, claim.source)

    def participation(self, file: str, rid: str, item: Any, sources: set[str]) -> Participation | None:
        if not isinstance(item, LineDict):
            self.problem(file, None, rid, "participants", f"each participant is a mapping, got {short(item)}")
            return None
        vals, ok = self.fields(file, rid, item, model.PARTICIPATION_FIELDS, "participants", sources)
        if "org" in vals:  # checked against the records once all are read, even when another field was wrong
            f = model.PARTICIPATION_FIELDS["org"]
            self.refs.append((file, item.lines["org"], rid, "participants.org", vals["org"], f.refs))
        if not ok:
            return None
        return Participation(
            who=vals["org"], role=vals["role"],
            start=Value(vals["start"]) if "start" in vals else None,
            end=Value(vals["end"]) if "end" in vals else None,
            source=vals.get("source"), uncertain=vals.get("uncertain", False),
            note=vals.get("note"), line=item.line,
        )


def load(folder: Path | str, concepts: dict[str, set[str]], *, allow_empty: bool = False) -> Data:
    """Read and check every data file in ``folder``; raise :class:`DataError` listing all problems.

    Data without a single record is a problem too (a missing or emptied folder would otherwise build,
    and publish, an empty graph over the last good one) unless ``allow_empty``."""
    folder = Path(folder)
    c = _Checker(folder, concepts)
    if not folder.is_dir():
        raise DataError([Problem(str(folder), None, None, None, "data folder not found")])

    # sources first: every record refers to them
    sources: dict[str, Source] = {}
    for rec in c.read(SOURCES_FILE):
        rid = rec.get("id") if isinstance(rec.get("id"), str) else None
        bad = False
        for key in rec:
            if key not in model.SOURCE_FIELDS:
                c.problem(SOURCES_FILE, rec.lines[key], rid, key, "unknown field")
                bad = True
        vals = {}
        for name, f in model.SOURCE_FIELDS.items():
            if name not in rec:
                if f.required:
                    c.problem(SOURCES_FILE, rec.line, rid, name, "required field missing")
                    bad = True
                continue
            try:
                vals[name] = check_value(f, rec[name], concepts)
            except ValueError as e:
                c.problem(SOURCES_FILE, rec.lines[name], rid, name, str(e))
                bad = True
        if rid is not None and not is_id(rid):
            c.problem(SOURCES_FILE, rec.lines.get("id"), rid, "id", f"ids are lower-case slugs: {ID_PATTERN}")
            bad = True
        if rid in sources:
            c.problem(SOURCES_FILE, rec.line, rid, "id", "duplicate source id")
            bad = True
        if not bad and rid is not None:
            sources[rid] = Source(**vals)
    source_ids = set(sources)

    records: dict[str, Record] = {}
    first_seen: dict[str, str] = {}
    for kind in model.KINDS.values():
        for rec in c.read(kind.file, required=False):
            file = kind.file
            rid = rec.get("id")
            if not is_id(rid):
                c.problem(file, rec.lines.get("id", rec.line), str(rid) if rid is not None else None, "id",
                          f"required: a lower-case slug matching {ID_PATTERN}")
                continue
            if rid in first_seen:
                c.problem(file, rec.lines["id"], rid, "id", f"duplicate id (first defined in {first_seen[rid]})")
                continue
            first_seen[rid] = f"{file}:{rec.lines['id']}"
            bad = False
            for key in rec:
                if key not in kind.fields_by_name and key not in model.COMMON_FIELDS:
                    c.problem(file, rec.lines[key], rid, key,
                              f"unknown field for a {kind.name}; expected one of "
                              f"{', '.join(list(kind.fields_by_name) + list(model.COMMON_FIELDS[1:]))}")
                    bad = True
            srcs = rec.get("sources")
            if not srcs:
                c.problem(file, rec.line, rid, "sources", "required: every record names at least one source")
                bad = True
                srcs = []
            elif not isinstance(srcs, list) or not all(isinstance(s, str) for s in srcs):
                c.problem(file, rec.lines["sources"], rid, "sources", "expected a list of source ids")
                bad = True
                srcs = []
            for s in srcs:
                if s not in source_ids:
                    c.problem(file, rec.lines["sources"], rid, "sources",
                              f"unknown source {short(s)} (not in {SOURCES_FILE})")
                    bad = True
            values: dict[str, list[Value]] = {}
            for f in kind.fields:
                if f.name not in rec:
                    if f.required:
                        c.problem(file, rec.line, rid, f.name, "required field missing")
                        bad = True
                    continue
                raw = rec[f.name]
                items = raw if f.many and isinstance(raw, list) else [raw]
                if not f.many and isinstance(raw, list):
                    c.problem(file, rec.lines[f.name], rid, f.name, "expected a single value, got a list")
                    bad = True
                    continue
                if f.type == model.SIZE and not isinstance(raw, list):
                    c.problem(file, rec.lines[f.name], rid, f.name, "expected a list of declared sizes")
                    bad = True
                    continue
                checked = [c.size(file, rec, rid, item, source_ids) if f.type == model.SIZE
                           else c.value(file, rec, rid, f, item, source_ids) for item in items]
                if any(v is None for v in checked):
                    bad = True
                    continue
                values[f.name] = [v for v in checked if v is not None]
            parts: list[Participation] = []
            raw_parts = rec.get("participants") or []
            if not isinstance(raw_parts, list):
                c.problem(file, rec.lines["participants"], rid, "participants", "expected a list")
                bad = True
            elif raw_parts and not kind.participants:
                c.problem(file, rec.lines["participants"], rid, "participants", f"a {kind.name} has no participants")
                bad = True
            else:
                for item in raw_parts:
                    p = c.participation(file, rid, item, source_ids)
                    if p is None:
                        bad = True
                    else:
                        parts.append(p)
            uncertain = rec.get("uncertain", False)
            if not isinstance(uncertain, bool):
                c.problem(file, rec.lines["uncertain"], rid, "uncertain", "expected true or false")
                bad = True
            note = rec.get("note")
            if note is not None and not isinstance(note, str):
                c.problem(file, rec.lines["note"], rid, "note", "expected text")
                bad = True
            if kind.name == "grant" and ("amount" in values) != ("currency" in values):
                c.problem(file, rec.line, rid, "currency" if "amount" in values else "amount",
                          "amount and currency go together")
                bad = True
            records[rid] = (_Broken(kind.name, rid) if bad else
                            Record(kind.name, rid, list(srcs), values, parts, uncertain, note, file, rec.line))

    if not records and not c.problems and not allow_empty:
        files = ", ".join(k.file for k in model.KINDS.values())
        c.problem(str(folder), None, None, None,
                  f"no records: {files} are all missing or empty (pmkg build --allow-empty builds an empty graph)")
    # references, now that every id is known
    kinds = {rid: r.kind for rid, r in records.items()}
    for file, line, rid, fld, target, allowed in c.refs:
        if target not in kinds:
            hint = _close(target, kinds)
            c.problem(file, line, rid, fld, f"dangling reference {target!r}: no such record" + hint)
        elif kinds[target] not in allowed:
            c.problem(file, line, rid, fld, f"{target!r} is a {kinds[target]}, expected a {' or '.join(allowed)}")
    # semantic checks that need the whole record
    for r in records.values():
        if isinstance(r, _Broken):
            continue
        coords = [p for p in r.participants if p.role == "coordinator"]
        if len(coords) > 1:
            c.problem(r.file, coords[1].line, r.id, "participants.role",
                      f"more than one coordinator: {', '.join(p.who for p in coords)}")
        seen: set[tuple[str, str]] = set()
        for p in r.participants:
            if (p.who, p.role) in seen:
                c.problem(r.file, p.line, r.id, "participants", f"{p.who} is listed twice as {p.role}")
            seen.add((p.who, p.role))
            if p.who == r.id:
                c.problem(r.file, p.line, r.id, "participants.org", "a record cannot take part in itself")
        claims: set[tuple[str, str | None]] = set()
        for v in r.values.get("declared_size", []):
            key = (v.value.source, v.value.date)
            if key in claims:
                c.problem(r.file, v.value.line or r.line, r.id, "declared_size",
                          f"two declared sizes from source {key[0]!r}" + (f" dated {key[1]}" if key[1] else "")
                          + ": give each its own date, or keep one")
            claims.add(key)
        for a, b in (("start", "end"),):
            if a in r.values and b in r.values:
                sa, sb = r.values[a][0].value, r.values[b][0].value
                if sb[:len(sa)] < sa[:len(sb)]:
                    c.problem(r.file, r.line, r.id, b, f"end {sb} is before start {sa}")
    if c.problems:
        c.problems.sort(key=lambda p: (p.file, p.line or 0))
        raise DataError(c.problems)
    return Data(sources, records, folder)


class _Broken(Record):
    """Placeholder for a record with problems, so references to it do not also count as dangling."""

    def __init__(self, kind: str, rid: str) -> None:
        super().__init__(kind, rid, [], {})


def _close(word: str, candidates) -> str:
    import difflib

    near = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(near)}?)" if near else ""
