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
``types`` -> organisation kind and sectors; the first location -> country and
city; ``established`` -> ``schema:foundingDate``; the website link ->
``schema:url``; external ids -> ``pmkg:wikidata`` and ``schema:sameAs`` links
to ISNI, GRID and Crossref Funder IDs; a ``parent`` relationship ->
``schema:parentOrganization`` when the parent is in the graph too.
Withdrawn records are left out.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from .reconcile import Keys, norm_name
from .runner import ImportContext, WrongFormat

KIND = "ror"
TITLE = "ROR"
VERSION = "ror-1 (schema v2)"
MAIN_COUNT = "read records"

_ROR = re.compile(r"^https://ror\.org/(0[a-z0-9]{8})$")
#: ROR type -> organisation kind, in order of preference; healthcare + education = university hospital
KINDS = (("funder", "funding-agency"), ("healthcare", "hospital"), ("education", "university"),
         ("facility", "research-infrastructure"), ("government", "government-agency"),
         ("company", "company"), ("nonprofit", "ngo"))
SECTORS = {"education": "academia", "healthcare": "healthcare", "company": "industry",
           "government": "public-sector", "nonprofit": "non-profit", "facility": "research-infrastructure",
           "funder": None, "archive": None, "other": None}


def input_files(inputs: dict) -> list[Path]:
    return [Path(inputs["dump"])]


def nothing_message(options: dict) -> str:
    if options.get("all"):
        return "the file holds no ROR record; nothing written"
    return ("no ROR record matches an organisation in the graph (by ROR id, Wikidata id or name); "
            "nothing written. Use --all to import every record, or --ids to choose some")


def check_format(inputs: dict) -> None:
    """Refuse files that are not ROR schema v2 JSON, naming what they look like."""
    path = input_files(inputs)[0]
    with open(path, "rb") as fh:
        head = fh.read(1 << 16).decode("utf-8-sig", errors="replace").lstrip()
    if head[:1] not in ("[", "{"):
        if ";" in head.split("\n", 1)[0]:
            raise WrongFormat(f"{path}: a semicolon-separated CSV (CORDIS?), not a ROR JSON dump; "
                              f"use `pmkg import cordis` for CORDIS exports")
        raise WrongFormat(f"{path}: not JSON, so not a ROR dump (the dump's .json file, not its .csv)")
    if '"protocolSection"' in head or '"studies"' in head:
        raise WrongFormat(f"{path}: ClinicalTrials.gov studies, not a ROR dump; use `pmkg import ctgov` for it")
    if "ror.org/" not in head:
        raise WrongFormat(f"{path}: no ROR id (https://ror.org/...): not a ROR dump")
    if '"names"' not in head and ('"acronyms"' in head or '"labels"' in head or '"name"' in head):
        raise WrongFormat(f"{path}: ROR schema v1, which ROR has retired; use the dump's schema v2 file")


class _Broken(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


def records(path: Path, on_bytes=None) -> Iterator[tuple[int, Any]]:
    """(line, record) for each record of the file: a streamed top-level array, or one object
    (a record, or an API response with ``items``). Raises _Broken(line, message) on bad JSON."""
    dec = json.JSONDecoder()
    with open(path, encoding="utf-8-sig") as fh:
        buf, pos, line_base, eof, read = "", 0, 1, False, 0

        def more() -> None:
            nonlocal buf, pos, line_base, eof, read
            chunk = fh.read(1 << 20)
            read += len(chunk)
            if not chunk:
                eof = True
            line_base += buf.count("\n", 0, pos)
            buf, pos = buf[pos:] + chunk, 0
            if on_bytes:
                on_bytes(read)

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
                more()
            start = line_at(pos)
            pos = end
            yield start, obj


def _names(rec: dict) -> tuple[str | None, list[str], list[str]]:
    """(display name, other names, acronyms) of a v2 record."""
    display, others, acronyms = None, [], []
    for n in rec.get("names") or []:
        if not isinstance(n, dict) or not isinstance(n.get("value"), str) or not n["value"].strip():
            continue
        value, types = " ".join(n["value"].split()), n.get("types") or []
        if "ror_display" in types and display is None:
            display = value
        elif "acronym" in types:
            acronyms.append(value)
        else:
            others.append(value)
    others = [o for o in dict.fromkeys(others) if o != display]
    return display, others, list(dict.fromkeys(acronyms))


def _location(rec: dict) -> tuple[str | None, str | None]:
    for loc in rec.get("locations") or []:
        g = loc.get("geonames_details") if isinstance(loc, dict) else None
        if isinstance(g, dict):
            cc = g.get("country_code")
            return (cc.upper() if isinstance(cc, str) and cc else None,
                    " ".join(g["name"].split()) if isinstance(g.get("name"), str) and g["name"].strip() else None)
    return None, None


def _external(rec: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in rec.get("external_ids") or []:
        if not isinstance(e, dict):
            continue
        value = e.get("preferred") or next(iter(e.get("all") or []), None)
        if isinstance(e.get("type"), str) and isinstance(value, str) and value.strip():
            out[e["type"]] = value.strip()
    return out


def keys_of(rec: dict) -> Keys:
    """The identifiers and names of a record, to match it against the curated organisations."""
    k = Keys(group="organisation")
    rid = rec.get("id")
    if isinstance(rid, str):
        k.keys.add(("ror", rid))
    wd = _external(rec).get("wikidata")
    if wd:
        k.keys.add(("wikidata", f"http://www.wikidata.org/entity/{wd}"))
    display, others, acronyms = _names(rec)
    k.names = {norm_name(n) for n in ([display] if display else []) + others}
    k.acronyms = {norm_name(a) for a in acronyms}
    cc, _ = _location(rec)
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

    def wanted(self, rec: dict) -> bool:
        if self.options.get("all") or rec.get("id") in self.ids:
            return True
        return self.ctx.index.match(keys_of(rec)) is not None

    def record(self, file: str, line: int, rec: Any) -> None:
        ctx = self.ctx
        if not isinstance(rec, dict):
            ctx.problem(file, line, None, None, "a ROR record is a JSON object")
            return
        rid_iri = rec.get("id")
        if not rid_iri:
            ctx.problem(file, line, None, "id", "missing ROR id")
            return
        m = _ROR.match(rid_iri) if isinstance(rid_iri, str) else None
        if not m:
            ctx.problem(file, line, str(rid_iri), "id",
                        f"{rid_iri!r} is not a ROR id (https://ror.org/0 + 8 characters)")
            return
        if rec.get("status") == "withdrawn":
            ctx.counts["withdrawn records left out"] += 1
            return
        if not self.wanted(rec):
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
        types = [t for t in rec.get("types") or [] if isinstance(t, str)]
        unknown = [t for t in types if t not in SECTORS]
        if unknown:
            ctx.problem(file, line, rid_iri, "types", f"unknown ROR type {unknown[0]!r}")
            return
        if "healthcare" in types and "education" in types:
            vals["kind"] = ["university-hospital"]
        else:
            kind = next((k for t, k in KINDS if t in types), None)
            if kind:
                vals["kind"] = [kind]
        sectors = [SECTORS[t] for t in types if SECTORS[t]]
        if sectors:
            vals["sectors"] = list(dict.fromkeys(sectors))
        cc, city = _location(rec)
        if cc:
            vals["country"] = [cc]
        if city:
            vals["city"] = [city]
        vals["ror"] = [rid_iri]
        est = rec.get("established")
        if est is not None:
            if isinstance(est, int) and 1000 <= est <= 9999:
                vals["founded"] = [str(est)]
            else:
                ctx.problem(file, line, rid_iri, "established", f"{est!r} is not a year")
                return
        ext = _external(rec)
        if ext.get("wikidata"):
            vals["wikidata"] = [ext["wikidata"]]
        for link in rec.get("links") or []:
            if isinstance(link, dict) and link.get("type") == "website" and isinstance(link.get("value"), str):
                vals["website"] = [link["value"].strip()]
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
        rid = self.mint.imported_id("ror", m.group(1))
        self.emit.record("organisation", rid, checked)
        self.imported.add(rid_iri)
        for rel in rec.get("relationships") or []:
            if isinstance(rel, dict) and rel.get("type") == "parent" and isinstance(rel.get("id"), str):
                if _ROR.match(rel["id"]):
                    self.parents.append((rid, rel["id"]))
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
    path = input_files(inputs)[0]
    bar = ctx.bar(path.stat().st_size, "bytes", "ROR")
    imp = _Ror(ctx, options)
    try:
        for line, rec in records(path, bar.update):
            imp.record(path.name, line, rec)
    except _Broken as e:
        ctx.problem(path.name, e.line, None, None, f"malformed JSON ({e.message}); the rest of the file is unreadable")
    except UnicodeDecodeError as e:
        ctx.problem(path.name, None, None, None, f"not UTF-8 text ({e.reason})")
    imp.finish()
    bar.close()
