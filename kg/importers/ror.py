"""ROR (Research Organization Registry) records, schema v2: the data dump, or API responses.

The dump is one JSON array of about a hundred thousand records; it is read
record by record (memory stays flat). A file may also hold one record or an
API search response (``{"items": [...]}``).

By default only the records of organisations already in the graph are
imported, to enrich them: the same ROR id or Wikidata id as a curated
organisation, or the same full name (and country) or acronym and country.
``--all`` imports every record as an organisation; ``--ids`` adds chosen ones.

What becomes what: the ``ror_display`` name -> ``schema:name``; other labels and
aliases -> ``schema:alternateName``; the first acronym -> ``pmkg:acronym``;
``types`` -> organisation kind by precedence (education, healthcare, government,
company, nonprofit, facility, archive, then funder; education + healthcare is a
university hospital) and sectors, ``funder`` only the kind when it is the only
type, otherwise the sector research funding; ``status`` -> ``pmkg:rorStatus``;
the first location -> country and
city; ``established`` -> ``schema:foundingDate``; the website link ->
``schema:url``; external ids -> ``pmkg:wikidata`` and ``schema:sameAs`` links
to ISNI, GRID and Crossref Funder IDs; a ``parent`` relationship ->
``schema:parentOrganization`` when the parent is in the graph too.
Withdrawn records are left out unless they are the record of a curated
organisation (same ROR id) or named with ``--ids``: then they come in with their
status, so a curator sees it. The file may be the dump's ``.zip`` (its schema v2
JSON is read from inside) or ``.gz``. Every field is read through :mod:`.typed`:
a value of the wrong JSON type is a bad record naming its field.
"""
from __future__ import annotations

import codecs
import json
import re
from pathlib import Path, PurePosixPath
from typing import IO, Any, Iterator

from .. import countries
from .archives import ArchiveError, Member, members
from .reconcile import Keys, norm_name
from .runner import ImportContext, WrongFormat
from .typed import Node, WrongType

KIND = "ror"
TITLE = "ROR"
VERSION = "ror-2 (schema v2)"
MAIN_COUNT = "read records"

_ROR = re.compile(r"^https://ror\.org/(0[a-z0-9]{8})$")
#: ROR type -> organisation kind, in order of precedence: what an organisation is comes before the
#: fact that it also funds research (most universities and many hospitals are ["education", "funder"]);
#: healthcare + education = university hospital. ``funder`` is the kind only when nothing else is given.
KINDS = (("education", "university"), ("healthcare", "hospital"), ("government", "government-agency"),
         ("company", "company"), ("nonprofit", "ngo"), ("facility", "research-infrastructure"),
         ("archive", "archive"), ("funder", "funding-agency"))
SECTORS = {"education": "academia", "healthcare": "healthcare", "company": "industry",
           "government": "public-sector", "nonprofit": "non-profit", "facility": "research-infrastructure",
           "funder": "research-funding", "archive": None, "other": None}
STATUSES = ("active", "inactive", "withdrawn")


def kind_and_sectors(types: list[str]) -> tuple[str | None, list[str]]:
    """The organisation kind and sectors of a record's ROR ``types``.

    >>> kind_and_sectors(["education", "funder"])
    ('university', ['academia', 'research-funding'])
    >>> kind_and_sectors(["funder"])
    ('funding-agency', ['research-funding'])
    >>> kind_and_sectors(["healthcare", "education"])
    ('university-hospital', ['healthcare', 'academia'])
    """
    if "healthcare" in types and "education" in types:
        kind: str | None = "university-hospital"
    else:
        kind = next((k for t, k in KINDS if t in types), None)
    sectors = list(dict.fromkeys(SECTORS[t] for t in types if SECTORS.get(t)))
    return kind, [s for s in sectors if s]


def _wanted_member(name: str) -> bool:
    return name.lower().endswith((".json", ".json.gz"))


def _member(inputs: dict) -> Member:
    """The one file to read: the input, the content of its .gz, or the schema v2 JSON in its .zip."""
    path = Path(inputs["dump"])
    try:
        found = members(path, _wanted_member)
    except ArchiveError as e:
        raise WrongFormat(str(e)) from None
    if len(found) > 1:
        v2 = [m for m in found if "schema_v2" in PurePosixPath(m.inner or "").name]
        if len(v2) != 1:
            raise WrongFormat(f"{path}: the zip archive holds several JSON files "
                              f"({', '.join(m.inner or '' for m in found[:4])}) and not one *schema_v2.json")
        found = v2
    if not found:
        raise WrongFormat(f"{path}: the zip archive holds no JSON file (the ROR dump's .json)")
    return found[0]


def input_files(inputs: dict) -> list[Path]:
    return [Path(inputs["dump"])]


def nothing_message(options: dict) -> str:
    if options.get("all"):
        return "the file holds no ROR record; nothing written"
    return ("no ROR record matches an organisation in the graph (by ROR id, Wikidata id or name); "
            "nothing written. Use --all to import every record, or --ids to choose some")


def matched_nothing(options: dict, counts) -> bool:
    """Whether records were read but none was chosen (not a data problem: see runner.NoMatch)."""
    return not options.get("all") and bool(counts.get("records not in the graph (use --all)")
                                            or counts.get("withdrawn records left out"))


def check_format(inputs: dict) -> None:
    """Refuse files that are not ROR schema v2 JSON, naming what they look like."""
    member = _member(inputs)
    path = member.name
    try:
        raw = member.head()
    except ArchiveError as e:
        raise WrongFormat(str(e)) from None
    if raw[:2] in (b"PK", b"\x1f\x8b"):
        raise WrongFormat(f"{path}: a {'zip' if raw[:2] == b'PK' else 'gzip'} archive without its suffix; "
                          f"rename it to .{'zip' if raw[:2] == b'PK' else 'gz'}")
    head = raw.decode("utf-8-sig", errors="replace").lstrip()
    if head[:1] not in ("[", "{"):
        if ";" in head.split("\n", 1)[0]:
            raise WrongFormat(f"{path}: a semicolon-separated CSV (CORDIS?), not a ROR JSON dump; "
                              f"use `pmkg import cordis` for CORDIS exports")
        raise WrongFormat(f"{path}: not JSON, so not a ROR dump (the dump's .json file, not its .csv)")
    if '"protocolSection"' in head or '"studies"' in head:
        raise WrongFormat(f"{path}: ClinicalTrials.gov studies, not a ROR dump; use `pmkg import ctgov` for it")
    if "ror.org/" not in head and not head.startswith("[[") and not re.match(r'^\{\s*"items"\s*:\s*\[', head):
        raise WrongFormat(f"{path}: no ROR id (https://ror.org/...): not a ROR dump")
    if '"names"' not in head and ('"acronyms"' in head or '"labels"' in head or '"name"' in head):
        raise WrongFormat(f"{path}: ROR schema v1, which ROR has retired; use the dump's schema v2 file")


class _Broken(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


def records(path: Path | Member, on_bytes=None) -> Iterator[tuple[int, Any]]:
    """(line, record) for each record of the file: a streamed top-level array, or one object
    (a record, or an API response with ``items``). Raises _Broken(line, message) on bad JSON,
    bytes that are not UTF-8, or JSON nested too deeply."""
    member = path if isinstance(path, Member) else Member(Path(path))
    with member.open() as raw:
        yield from _records(raw, on_bytes)


def _records(raw: IO[bytes], on_bytes=None) -> Iterator[tuple[int, Any]]:
    dec = json.JSONDecoder()
    fh = _Text(raw, codecs.getincrementaldecoder("utf-8-sig")("strict"))
    buf, pos, line_base, eof = "", 0, 1, False

    def more() -> None:
        nonlocal buf, pos, line_base, eof
        chunk = fh.read(1 << 20, line_base + buf.count("\n"))
        if not chunk:
            eof = True
        line_base += buf.count("\n", 0, pos)
        buf, pos = buf[pos:] + chunk, 0
        if on_bytes:
            on_bytes(fh.bytes_read)

    def skip_ws() -> None:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf) or eof:
                return
            more()

    def line_at(p: int) -> int:
        return line_base + buf.count("\n", 0, p)

    more()
    skip_ws()
    if pos >= len(buf):
        return
    if buf[pos] == "{":
        while not eof:
            more()
        try:
            obj = json.loads(buf[pos:])
        except json.JSONDecodeError as e:
            raise _Broken(line_base + e.lineno - 1, e.msg) from None
        except RecursionError:
            raise _Broken(line_at(pos), "JSON nested too deeply to be a ROR record") from None
        items = obj["items"] if isinstance(obj, dict) and isinstance(obj.get("items"), list) else [obj]
        for item in items:
            yield line_at(pos), item
        return
    if buf[pos] != "[":
        raise _Broken(line_at(pos), "expected a JSON array of ROR records")
    pos += 1
    first = True
    while True:
        skip_ws()
        if pos >= len(buf):
            raise _Broken(line_at(pos), "the array is not closed (truncated file?)")
        if buf[pos] == "]":
            return
        if not first:
            if buf[pos] != ",":
                raise _Broken(line_at(pos), "expected ',' between records")
            pos += 1
            skip_ws()
        first = False
        while True:
            try:
                obj, end = dec.raw_decode(buf, pos)
                if end < len(buf) or eof:
                    break
            except json.JSONDecodeError as e:
                if eof:
                    raise _Broken(line_at(e.pos), e.msg) from None
            except RecursionError:
                raise _Broken(line_at(pos), "JSON nested too deeply to be a ROR record") from None
            more()
        start = line_at(pos)
        pos = end
        yield start, obj


class _Text:
    """UTF-8 text read from bytes in chunks; a byte that is not UTF-8 is a _Broken naming its line."""

    def __init__(self, raw: IO[bytes], decoder: codecs.IncrementalDecoder) -> None:
        self.raw, self.decoder = raw, decoder
        self.bytes_read = 0

    def read(self, n: int, line: int) -> str:
        """Up to ``n`` bytes more as text; ``line`` is the line the text read so far ends on."""
        try:
            chunk = self.raw.read(n)
        except (OSError, EOFError) as e:   # a damaged .gz or zip member
            raise _Broken(line, f"cannot be read ({e})") from None
        self.bytes_read += len(chunk)
        try:
            return self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as e:
            at = line + chunk.count(b"\n", 0, max(e.start, 0))
            bad = chunk[e.start:e.start + 1].hex() if 0 <= e.start < len(chunk) else "?"
            raise _Broken(at, f"not UTF-8 text (byte 0x{bad}); the rest of the file is unreadable") from None


def _names(rec: Node) -> tuple[str | None, list[str], list[str]]:
    """(display name, other names, acronyms) of a v2 record."""
    display, others, acronyms = None, [], []
    for n in rec.items("names"):
        value, types = n.text("value"), n.texts("types")
        if not value:
            continue
        if "ror_display" in types and display is None:
            display = value
        elif "acronym" in types:
            acronyms.append(value)
        else:
            others.append(value)
    others = [o for o in dict.fromkeys(others) if o != display]
    return display, others, list(dict.fromkeys(acronyms))


def _location(rec: Node) -> tuple[str | None, str | None]:
    """(country code, city) of the first location; a country code that is not ISO 3166-1 is a WrongType."""
    for loc in rec.items("locations"):
        g = loc.get("geonames_details")
        if g.present():
            cc = g.text("country_code").upper() or None
            if cc and not countries.is_code(cc):
                raise WrongType(f"{g.path}.country_code", f"{cc!r} is not an ISO 3166-1 country code")
            return cc, g.text("name") or None
    return None, None


def _external(rec: Node) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in rec.items("external_ids"):
        value = e.text("preferred") or next(iter(e.texts("all")), "")
        if e.text("type") and value:
            out[e.text("type")] = value
    return out


def keys_of(rec: dict | Node) -> Keys:
    """The identifiers and names of a record, to match it against the curated organisations
    (raises WrongType for a field of the wrong JSON type)."""
    node = rec if isinstance(rec, Node) else Node(rec)
    k = Keys(group="organisation")
    rid = node.text("id")
    if rid:
        k.keys.add(("ror", rid))
    wd = _external(node).get("wikidata")
    if wd:
        k.keys.add(("wikidata", f"http://www.wikidata.org/entity/{wd}"))
    display, others, acronyms = _names(node)
    k.names = {norm_name(n) for n in ([display] if display else []) + others}
    k.acronyms = {norm_name(a) for a in acronyms}
    cc, _ = _location(node)
    if cc:
        k.countries.add(cc)
    return k


class _Ror:
    def __init__(self, ctx: ImportContext, options: dict) -> None:
        self.ctx, self.options = ctx, options
        self.emit, self.mint = ctx.emit, ctx.mint
        self.ids = {i if i.startswith("https://") else f"https://ror.org/{i}" for i in options.get("ids") or []}
        self.imported: set[str] = set()
        self.parents: list[tuple[str, str]] = []   # (child record id, parent ROR IRI)

    def wanted(self, rec: Node, withdrawn: bool) -> bool:
        """--all, --ids, or a curated organisation's record; a withdrawn record only by ROR id or --ids."""
        rid = rec.text("id")
        if rid in self.ids:
            return True
        if withdrawn:
            return ("ror", rid) in self.ctx.index.by_key
        return bool(self.options.get("all")) or self.ctx.index.match(keys_of(rec)) is not None

    def record(self, file: str, line: int, raw: Any) -> None:
        ctx = self.ctx
        if not isinstance(raw, dict):
            ctx.problem(file, line, None, None, "a ROR record is a JSON object")
            return
        rec = Node(raw)
        try:
            rid_iri = rec.text("id")
        except WrongType as e:
            ctx.problem(file, line, None, e.path, e.message)
            return
        if not rid_iri:
            ctx.problem(file, line, None, "id", "missing ROR id")
            return
        m = _ROR.match(rid_iri)
        if not m:
            ctx.problem(file, line, rid_iri, "id",
                        f"{rid_iri!r} is not a ROR id (https://ror.org/0 + 8 characters)")
            return
        try:
            self._record(file, line, rec, rid_iri, m.group(1))
        except WrongType as e:
            ctx.problem(file, line, rid_iri, e.path, e.message)

    def _record(self, file: str, line: int, rec: Node, rid_iri: str, short: str) -> None:
        ctx = self.ctx
        status = rec.text("status") or "active"
        if status not in STATUSES:
            ctx.problem(file, line, rid_iri, "status", f"unknown status {status!r}; expected one of "
                                                       f"{', '.join(STATUSES)}")
            return
        if not self.wanted(rec, status == "withdrawn"):
            if status == "withdrawn":
                ctx.counts["withdrawn records left out"] += 1
            else:
                ctx.counts["records not in the graph (use --all)"] += 1
            return
        display, others, acronyms = _names(rec)
        if not display:
            ctx.problem(file, line, rid_iri, "names", "no name of type ror_display")
            return
        vals: dict[str, list] = {"name": [display]}
        if others:
            vals["alt_names"] = others
        if acronyms:
            vals["acronym"] = acronyms[:1]
            if len(acronyms) > 1:
                vals.setdefault("alt_names", []).extend(acronyms[1:])
        types = rec.texts("types")
        unknown = [t for t in types if t not in SECTORS]
        if unknown:
            ctx.problem(file, line, rid_iri, "types", f"unknown ROR type {unknown[0]!r}")
            return
        kind, sectors = kind_and_sectors(types)
        if kind:
            vals["kind"] = [kind]
        if sectors:
            vals["sectors"] = sectors
        cc, city = _location(rec)
        if cc:
            vals["country"] = [cc]
        if city:
            vals["city"] = [city]
        vals["ror"] = [rid_iri]
        vals["ror_status"] = [status]
        if status != "active":
            ctx.counts[f"{status} records (kept with their status)"] += 1
        est = rec.raw("established").value
        if est is not None:
            if isinstance(est, int) and not isinstance(est, bool) and 1000 <= est <= 9999:
                vals["founded"] = [str(est)]
            else:
                ctx.problem(file, line, rid_iri, "established", f"{est!r} is not a year")
                return
        ext = _external(rec)
        if ext.get("wikidata"):
            vals["wikidata"] = [ext["wikidata"]]
        for link in rec.items("links"):
            if link.text("type") == "website" and link.text("value"):
                vals["website"] = [link.text("value")]
                break
        checked: dict[str, list] = {}
        for fld, vs in vals.items():
            try:
                checked[fld] = [self.emit.check("organisation", fld, v) for v in vs]
            except ValueError as e:
                if fld == "website":
                    continue  # an unusable web address is left out, not worth refusing the record
                ctx.problem(file, line, rid_iri, fld, str(e))
                return
        same: list[str] = []
        isni = re.sub(r"\s+", "", ext.get("isni", ""))
        if re.match(r"^\d{15}[\dX]$", isni):
            same.append("https://isni.org/isni/" + isni)
        if ext.get("grid") and re.match(r"^grid\.[0-9]+\.[0-9a-f]+$", ext["grid"]):
            same.append("https://www.grid.ac/institutes/" + ext["grid"])
        if ext.get("fundref") and ext["fundref"].isdigit():
            same.append("https://doi.org/10.13039/" + ext["fundref"])
        if same:
            checked["same_as"] = same
        parents = [rel.text("id") for rel in rec.items("relationships")
                   if rel.text("type") == "parent" and _ROR.match(rel.text("id"))]
        rid = self.mint.imported_id("ror", short)
        self.emit.record("organisation", rid, checked)
        self.imported.add(rid_iri)
        self.parents += [(rid, p) for p in parents]
        ctx.counts["read records"] += 1

    def finish(self) -> None:
        """Parent links, for parents imported here or curated (otherwise they would point nowhere)."""
        by_key = self.ctx.index.by_key
        for child, parent in self.parents:
            m = _ROR.match(parent)   # always: only ROR ids were kept (record)
            if m and parent in self.imported:
                target: str | None = self.mint.imported_id("ror", m.group(1))
            elif ("ror", parent) in by_key:
                target = self.mint.record_id(by_key[("ror", parent)])
            else:
                continue
            if target:
                self.emit.record("organisation", child, {"parent": [target]})


def read(ctx: ImportContext, inputs: dict, options: dict) -> None:
    """Import the ROR records of ``inputs['dump']`` chosen by ``options`` (all / ids / in the graph)."""
    member = _member(inputs)
    bar = ctx.bar(member.size(), "bytes", "ROR")
    imp = _Ror(ctx, options)
    try:
        for line, rec in records(member, bar.update):
            imp.record(member.name, line, rec)
    except _Broken as e:
        msg = e.message if "UTF-8" in e.message or "cannot be read" in e.message else \
            f"malformed JSON ({e.message}); the rest of the file is unreadable"
        ctx.problem(member.name, e.line, None, None, msg)
    imp.finish()
    bar.close()
