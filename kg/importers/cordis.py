"""CORDIS open-data exports (Horizon 2020, Horizon Europe): ``project.csv`` and ``organization.csv``.

Both are semicolon-separated, every field double-quoted (quotes inside doubled),
with long multi-line fields (``objective``); Python's csv module reads them
row by row, so memory stays flat at any size. Columns are found by name.

What becomes what:

* a project row: a ``schema:ResearchProject`` keyed by its CORDIS id (title,
  acronym, objective as description, dates, ``pmkg:cordisId``), and its EU
  grant (``frapo:hasGrantNumber`` = the id, ``ecMaxContribution`` in EUR,
  funder the European Commission, programme the topic, which is part of the
  call, which is part of the framework programme);
* an organisation row: the organisation keyed by its CORDIS organisation id
  (the PIC, ``org:identifier "..."^^pmkg:PIC``; name, short name, country, city,
  website, kind and sector from the activity type) and its participation with
  its role: coordinator, participant -> partner, associatedPartner and
  partner/internationalPartner (H2020 partner organisations, no grant of their
  own) -> associated-partner, thirdParty -> third-party.

CORDIS writes Greece as EL and the United Kingdom as UK; they become GR and GB.
A natural person taking part (CORDIS lists them with their name in the
organisation columns, no VAT number, address or web site) is not an
organisation: the row is left out, and counted. A short name that is a phrase
(more than three words or 20 characters, often an English translation of the
name) is an alternative name, not an acronym. The project's ``totalCost`` and
``status`` have no field in the model and are not imported.

The exports ship as one zip: ``--projects cordis-HORIZONprojects-csv.zip``
alone reads ``project.csv`` and ``organization.csv`` from inside it (in any
folder); each file may also be gzipped (``.gz``). Lines are decoded one by one,
so a byte that is not UTF-8 is a bad record with its line and field.
"""
from __future__ import annotations

import codecs
import csv
import fnmatch
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator

from .. import countries
from ..load import check_date
from .archives import ArchiveError, Member, is_zip, members
from .runner import ImportContext, WrongFormat

KIND = "cordis"
TITLE = "CORDIS"
VERSION = "cordis-2"
MAIN_COUNT = "read projects"

PROJECT_COLUMNS = ("id", "title")
ORG_COLUMNS = ("projectID", "organisationID", "name", "role")

ROLES = {
    "coordinator": "coordinator",
    "participant": "partner",
    "beneficiary": "partner",
    "associatedpartner": "associated-partner",
    "partner": "associated-partner",
    "internationalpartner": "associated-partner",
    "thirdparty": "third-party",
}
#: CORDIS activity type -> (organisation kind, sector); PUB and OTH say too little for a kind
ACTIVITY = {
    "HES": ("university", "academia"),
    "REC": ("research-institute", "academia"),
    "PRC": ("company", "industry"),
    "PUB": (None, "public-sector"),
    "OTH": (None, None),
}
COUNTRY_FIX = countries.EU_CODES
#: framework programme code -> its name (the curated programmes are matched by name)
PROGRAMMES = {
    "HORIZON": "Horizon Europe",
    "H2020": "Horizon 2020",
    "FP7": "Seventh Framework Programme",
    "FP6": "Sixth Framework Programme",
}
EC = ("European Commission", "EC", "BE")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = re.compile(r"^\d+$")


_PROJECT_FILES = ("project.csv", "projects.csv")
_ORG_FILES = ("organization.csv", "organisation.csv", "organizations.csv", "organisations.csv")


def input_files(inputs: dict) -> list[Path]:
    """The files on disk: project.csv and organization.csv, or the one zip that holds both."""
    out = [Path(inputs["projects"])]
    if inputs.get("organizations") and Path(inputs["organizations"]) != out[0]:
        out.append(Path(inputs["organizations"]))
    return out


def _pick(path: Path, names: tuple[str, ...], what: str) -> Member:
    """The member of the CORDIS zip ``path`` called one of ``names`` (in any folder), or of a plain file."""
    try:
        if not is_zip(path):
            return members(path)[0]
        found = members(path, lambda n: n.lower() in names or n.lower() in {x + ".gz" for x in names})
    except ArchiveError as e:
        raise WrongFormat(str(e)) from None
    if len(found) != 1:
        from .archives import zip_names

        listed = ", ".join(zip_names(path)[:8])
        raise WrongFormat(f"{path}: {'no' if not found else 'more than one'} {what} in the zip archive "
                          f"(it holds: {listed or 'nothing'})")
    return found[0]


def _members(inputs: dict) -> tuple[Member, Member]:
    """(project.csv, organization.csv) to read, from plain or .gz files or from inside a zip."""
    projects = Path(inputs["projects"])
    orgs = Path(inputs["organizations"]) if inputs.get("organizations") else None
    if orgs is None:
        if not is_zip(projects):
            raise WrongFormat(f"{projects}: give --organizations organization.csv too (or the CORDIS zip, "
                              f"which holds both)")
        orgs = projects
    return _pick(projects, _PROJECT_FILES, "project.csv"), _pick(orgs, _ORG_FILES, "organization.csv")


def nothing_message(options: dict) -> str:
    if any(options.get(k) for k in ("programme", "topic", "call", "keyword", "ids")):
        return "no project matched the filters; nothing written"
    return "project.csv holds no project; nothing written"


# --- reading the CSV -----------------------------------------------------------------------------

def _header(member: Member) -> list[str]:
    try:
        raw = member.head(4096)
    except ArchiveError as e:
        raise WrongFormat(str(e)) from None
    path = member.name
    if raw[:2] in (b"PK", b"\x1f\x8b"):
        kind = "zip" if raw[:2] == b"PK" else "gz"
        raise WrongFormat(f"{path}: a {kind} archive without its suffix; rename it to .{kind}")
    try:
        head = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if e.start < len(raw) - 4 and b"\n" not in raw[:e.start]:
            raise WrongFormat(f"{path}: not UTF-8 text, so not a CORDIS CSV export") from None
        head = raw.decode("utf-8-sig", errors="replace")   # a stray byte in a row: rows() locates it
    stripped = head.lstrip()
    if stripped[:1] in ("{", "["):
        raise WrongFormat(f"{path}: this is JSON (a ROR dump or ClinicalTrials.gov studies?), "
                          f"not a CORDIS CSV export; use `pmkg import ror` or `pmkg import ctgov` for those")
    first = next(csv.reader([head.split("\n", 1)[0]], delimiter=";"), [])
    if len(first) == 1 and "," in first[0]:
        raise WrongFormat(f"{path}: comma-separated; CORDIS exports separate fields with ';'")
    return [c.strip() for c in first]


def check_format(inputs: dict) -> None:
    """Refuse files that are not CORDIS project.csv / organization.csv exports."""
    pm_, om = _members(inputs)
    p, o = pm_.name, om.name
    ph, oh = _header(pm_), _header(om)
    if set(ORG_COLUMNS) <= set(ph):
        raise WrongFormat(f"{p}: this is a CORDIS organization.csv; give it as --organizations "
                          f"and project.csv as --projects")
    missing = [c for c in PROJECT_COLUMNS if c not in ph]
    if missing:
        raise WrongFormat(f"{p}: not a CORDIS project.csv (no column {', '.join(missing)}; "
                          f"found: {', '.join(ph[:8])}{' ...' if len(ph) > 8 else ''})")
    if set(PROJECT_COLUMNS) <= set(oh) and "projectID" not in oh:
        raise WrongFormat(f"{o}: this is a CORDIS project.csv; give it as --projects "
                          f"and organization.csv as --organizations")
    missing = [c for c in ORG_COLUMNS if c not in oh]
    if missing:
        raise WrongFormat(f"{o}: not a CORDIS organization.csv (no column {', '.join(missing)}; "
                          f"found: {', '.join(oh[:8])}{' ...' if len(oh) > 8 else ''})")


def rows(path: Path | Member, on_bytes=None) -> Iterator[tuple[int, dict[str, str] | None, list[str], int]]:
    """(first line, row as a dict or None when the column count is wrong, the raw fields, header width)
    for every record of a CORDIS CSV file; ``on_bytes(n)`` is told how far the reading got.

    Lines are decoded one by one: a byte that is not UTF-8 becomes U+FFFD in its field and the row's
    fields get a :data:`NOT_UTF8` entry naming the line and byte (see :func:`undecodable`)."""
    csv.field_size_limit(1 << 24)
    member = path if isinstance(path, Member) else Member(Path(path))
    done = 0
    bad_lines: dict[int, str] = {}

    def lines(fh):
        nonlocal done
        for n, line in enumerate(fh, 1):
            done += len(line)
            if n == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8):]
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as e:
                bad_lines[n] = f"line {n}: byte 0x{line[e.start]:02x} is not UTF-8"
                yield line.decode("utf-8", errors="replace")

    with member.open() as fh:
        reader = csv.reader(lines(fh), delimiter=";", quotechar='"', doublequote=True, strict=True)
        header = [c.strip() for c in next(reader, [])]
        width = len(header)
        last = reader.line_num
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise _CsvBroken(last + 1, str(e)) from None
            except (OSError, EOFError) as e:   # a damaged .gz or zip member
                raise _CsvBroken(last + 1, f"cannot be read ({e})") from None
            start, last = last + 1, reader.line_num
            if on_bytes:
                on_bytes(done)
            if not raw or raw == [""]:
                continue  # a blank line
            row = dict(zip(header, raw)) if len(raw) == width else None
            if row is not None and bad_lines:
                where = [bad_lines.pop(n) for n in range(start, last + 1) if n in bad_lines]
                if where:
                    row[NOT_UTF8] = "; ".join(where)
            yield start, row, raw, width


#: the key rows() adds to a row that held bytes that are not UTF-8
NOT_UTF8 = "\x00not-utf8"


def undecodable(row: dict[str, str]) -> tuple[str, str] | None:
    """(column, message) when the row held a byte that is not UTF-8 (its field holds U+FFFD)."""
    if NOT_UTF8 not in row:
        return None
    col = next((k for k, v in row.items() if k != NOT_UTF8 and "\ufffd" in v), None)
    return col or "", f"not UTF-8 text ({row[NOT_UTF8]}); the file is probably Latin-1: save it as UTF-8"


class _CsvBroken(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


def _text(value: str | None) -> str:
    return _CONTROL.sub(" ", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def _amount(value: str) -> str | None:
    """'960619,95' or '528340.97' -> '960619.95'; '' -> None; raise ValueError otherwise."""
    v = (value or "").strip()
    if not v:
        return None
    if "," in v and "." not in v:
        v = v.replace(",", ".")
    try:
        d = Decimal(v)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"{value!r} is not an amount")
    return v


def _date(value: str) -> str | None:
    v = (value or "").strip()
    if not v:
        return None
    if " " in v:  # '2023-07-01 00:00:00' in some exports
        v = v.split(" ", 1)[0]
    if len(v) != 10:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    return check_date(v)


def _country(value: str) -> str | None:
    v = (value or "").strip().upper()
    if not v:
        return None
    parts = {p.strip() for p in v.split(";") if p.strip()}  # 'ES;ES' occurs
    if len(parts) != 1:
        raise ValueError(f"{value!r} is not one country code")
    code = parts.pop()
    v = COUNTRY_FIX.get(code, code)
    if not countries.is_code(v):
        near = countries.suggestions(v)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise ValueError(f"{value!r} is not an ISO 3166 country code{hint}")
    return v


#: a CORDIS legal-entity name as it is written for a natural person: SURNAME Given Names
_PERSON_NAME = re.compile(r"^(?:[A-ZÀ-Þ][A-ZÀ-Þ'’-]+ )+(?:[A-ZÀ-Þ][a-zß-ÿ'’-]+)(?: [A-ZÀ-Þ][a-zß-ÿ'’-]+)*$")


def natural_person(row: dict[str, str]) -> bool:
    """Whether an organization.csv row is a natural person taking part: CORDIS gives them no VAT
    number, address, web site or SME flag, and writes the name SURNAME Given Names.

    >>> natural_person({"name": "CORDOVA Trey Christian", "vatNumber": "", "street": "", "city": "",
    ...                 "organizationURL": "", "SME": "", "activityType": "PRC"})
    True
    >>> natural_person({"name": "COMET GLOBAL INNOVATION, SL", "vatNumber": "ESB66340514", "street": "C GRAN",
    ...                 "city": "Barcelona", "organizationURL": "", "SME": "true", "activityType": "PRC"})
    False
    """
    if any((row.get(c) or "").strip() for c in ("vatNumber", "street", "city", "organizationURL", "SME")):
        return False
    return bool(_PERSON_NAME.match(" ".join((row.get("name") or "").split())))


def is_acronym(short: str) -> bool:
    """Whether a CORDIS shortName is an acronym or short name rather than a phrase.

    >>> [is_acronym(s) for s in ("LICR", "WH Gelsenkirchen", "Motor Neurone Disease Association",
    ...                          "RESEARCH UNIVERSITY INSTITUTE OF COMMUNICATION AND COMPUTER SYSTEMS")]
    [True, True, False, False]
    """
    return len(short) <= 20 and len(short.split()) <= 3


def _split(value: str) -> list[str]:
    return [t.strip() for t in re.split(r"[;,]", value or "") if t.strip()]


def _prefix_match(values: list[str], patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(v.upper(), p.upper().rstrip("*") + "*") for v in values for p in patterns)


def selected(row: dict[str, str], options: dict) -> bool:
    """Whether a project row passes the filters (each given filter must match; values of one filter: any)."""
    if options.get("ids") and row.get("id", "").strip() not in set(options["ids"]):
        return False
    if options.get("programme"):
        fp = row.get("frameworkProgramme", "").strip().upper()
        if fp not in {p.upper() for p in options["programme"]}:
            return False
    if options.get("topic") and not _prefix_match(_split(row.get("topics", "")), options["topic"]):
        return False
    if options.get("call"):
        calls = [c for c in (row.get("masterCall", "").strip(), row.get("subCall", "").strip(),
                             row.get("call", "").strip()) if c]
        if not _prefix_match(calls, options["call"]):
            return False
    if options.get("keyword"):
        text = " ".join(row.get(c, "") for c in ("title", "acronym", "objective")).casefold()
        if not any(k.casefold() in text for k in options["keyword"]):
            return False
    return True


# --- the import ----------------------------------------------------------------------------------

class _Cordis:
    def __init__(self, ctx: ImportContext, options: dict) -> None:
        self.ctx, self.options = ctx, options
        self.emit = ctx.emit
        self.mint = ctx.mint
        self.programmes: set[str] = set()
        self.orgs: set[str] = set()
        self.funder: str | None = None
        self.kept: dict[str, str] = {}        # CORDIS project id -> record id, for imported projects
        self.all_ids: set[str] = set()        # every project id in project.csv
        self.seen_parts: set[tuple[str, str, str]] = set()

    def problem(self, file: str, line: int, record: str | None, fld: str | None, msg: str) -> None:
        self.ctx.problem(file, line, record, fld, msg)

    # project.csv
    def projects(self, path: Member, bar) -> None:
        file = path.name
        try:
            for line, row, raw, width in rows(path, bar.update):
                if row is None:
                    self.problem(file, line, raw[0] if raw and _DIGITS.match(raw[0].strip()) else None, None,
                                 f"{len(raw)} columns where the header has {width} (a stray quote or ';'?)")
                    continue
                pid = row.get("id", "").strip()
                broken = undecodable(row)
                if broken:
                    self.problem(file, line, pid or None, *broken)
                    continue
                if not pid:
                    self.problem(file, line, None, "id", "missing project id")
                    continue
                if not _DIGITS.match(pid):
                    self.problem(file, line, pid, "id", f"{pid!r} is not a CORDIS project id (digits)")
                    continue
                if pid in self.all_ids:
                    self.problem(file, line, pid, "id", "duplicate project id")
                    continue
                self.all_ids.add(pid)
                if not selected(row, self.options):
                    self.ctx.counts["filtered out projects"] += 1
                    continue
                self.project(file, line, pid, row)
        except _CsvBroken as e:
            self.problem(file, e.line, None, None, f"malformed CSV ({e.message}); the rest of the file is unreadable")

    def project(self, file: str, line: int, pid: str, row: dict[str, str]) -> None:
        errors = len(self.ctx.problems)
        vals: dict[str, list] = {}
        title = _text(row.get("title"))
        acronym = _text(row.get("acronym"))
        if not title and not acronym:
            self.problem(file, line, pid, "title", "missing title")
        dates = {}
        for col, fld in (("startDate", "start"), ("endDate", "end")):
            try:
                d = _date(row.get(col, ""))
            except ValueError as e:
                self.problem(file, line, pid, col, str(e))
                continue
            if d:
                dates[fld] = d
        money = {}
        for col in ("ecMaxContribution", "totalCost"):
            try:
                money[col] = _amount(row.get(col, ""))
            except ValueError as e:
                self.problem(file, line, pid, col, str(e))
        if len(self.ctx.problems) > errors:
            return
        vals["kind"] = ["project"]
        vals["title"] = [title or acronym]
        if acronym and acronym != title:
            vals["acronym"] = [acronym]
        objective = _text(row.get("objective"))
        if objective:
            vals["description"] = [objective]
        for fld, d in dates.items():
            vals[fld] = [d]
        vals["cordis"] = [pid]
        keywords = _split(row.get("keywords", "")) if "keywords" in row else []
        if keywords:
            vals["keywords"] = keywords
        rid = self.mint.imported_id("cordis-project", pid)
        self.emit.record("project", rid, vals)
        self.kept[pid] = rid
        self.ctx.counts["read projects"] += 1

        gvals: dict[str, list] = {"number": [pid], "title": vals["title"], "funder": [self.ec()],
                                  "funds": [rid]}
        programme = self.programme_of(row)
        if programme:
            gvals["programme"] = [programme]
        for fld, d in dates.items():
            gvals[fld] = [d]
        doi = (row.get("grantDoi") or "").strip()
        if doi.startswith("10.") and not re.search(r'[\s<>"{}|^`\\]', doi):
            gvals["same_as"] = [f"https://doi.org/{doi}"]
        gid = self.mint.imported_id("cordis-grant", pid)
        self.emit.grant(gid, gvals, amount=money.get("ecMaxContribution"))

    def ec(self) -> str:
        """The European Commission, the funder of every CORDIS grant (written once)."""
        if self.funder is None:
            self.funder = self.mint.imported_id("funder", "european-commission")
            name, acronym, country = EC
            self.emit.record("organisation", self.funder, {"name": [name], "acronym": [acronym],
                                                           "kind": ["eu-body"], "country": [country]})
        return self.funder

    def programme_of(self, row: dict[str, str]) -> str | None:
        """The most specific programme of a project (topic, else call, else framework programme),
        writing the chain topic -> call -> master call -> framework programme once each."""
        chain: list[tuple[str, str, str, str | None]] = []   # (scheme, key, name, acronym)
        fp = row.get("frameworkProgramme", "").strip()
        if fp:
            chain.append(("cordis-programme", fp, PROGRAMMES.get(fp.upper(), fp), fp))
        master, sub = row.get("masterCall", "").strip(), row.get("subCall", "").strip()
        for call in dict.fromkeys(c for c in (master, sub) if c):
            chain.append(("cordis-call", call, call, None))
        topics = _split(row.get("topics", ""))
        if topics:
            chain.append(("cordis-topic", topics[0], topics[0], None))
        parent = None
        for scheme, key, name, acronym in chain:
            rid = self.mint.imported_id(scheme, key)
            if rid not in self.programmes:
                self.programmes.add(rid)
                vals: dict[str, list] = {"name": [name]}
                if acronym and acronym != name:
                    vals["acronym"] = [acronym]
                if parent:
                    vals["part_of"] = [parent]
                self.emit.record("programme", rid, vals)
            parent = rid
        return parent

    # organization.csv
    def organisations(self, path: Member, bar, offset: int) -> None:
        file = path.name
        try:
            for line, row, raw, width in rows(path, lambda n: bar.update(offset + n)):
                if row is None:
                    self.problem(file, line, None, None,
                                 f"{len(raw)} columns where the header has {width} (a stray quote or ';'?)")
                    continue
                pid = row.get("projectID", "").strip()
                broken = undecodable(row)
                if broken:
                    oid = row.get("organisationID", "").strip()
                    self.problem(file, line, f"{pid}/{oid}" if oid else pid or None, *broken)
                    continue
                if not _DIGITS.match(pid):
                    self.problem(file, line, None, "projectID",
                                 "missing project id" if not pid else f"{pid!r} is not a CORDIS project id")
                    continue
                if pid not in self.kept:
                    if pid not in self.all_ids:
                        self.problem(file, line, pid, "projectID", "no such project in project.csv")
                    continue  # a project the filters left out
                self.participation(file, line, pid, row)
        except _CsvBroken as e:
            self.problem(file, e.line, None, None, f"malformed CSV ({e.message}); the rest of the file is unreadable")

    def participation(self, file: str, line: int, pid: str, row: dict[str, str]) -> None:
        oid = row.get("organisationID", "").strip()
        rec = f"{pid}/{oid}" if oid else pid
        errors = len(self.ctx.problems)
        if not oid:
            self.problem(file, line, rec, "organisationID", "missing organisation id")
        elif not _DIGITS.match(oid):
            self.problem(file, line, rec, "organisationID", f"{oid!r} is not a CORDIS organisation id (digits)")
        raw_role = row.get("role", "").strip()
        role = ROLES.get(raw_role.replace("_", "").replace(" ", "").lower())
        if role is None:
            self.problem(file, line, rec, "role", f"unknown role {raw_role!r}; expected one of coordinator, "
                                                  f"participant, associatedPartner, partner, thirdParty")
        name = _text(row.get("name"))
        if not name:
            self.problem(file, line, rec, "name", "missing organisation name")
        try:
            country = _country(row.get("country", ""))
        except ValueError as e:
            self.problem(file, line, rec, "country", str(e))
        if role is None or len(self.ctx.problems) > errors:   # (an unknown role is a problem too)
            return
        if natural_person(row):
            # a person, not an organisation (and personal data): left out, and counted
            self.ctx.counts["participations of natural persons left out"] += 1
            return
        org = self.mint.imported_id("cordis-org", oid)
        if oid not in self.orgs:
            self.orgs.add(oid)
            self.organisation(org, oid, name, row, country)
        key = (pid, role, oid)
        if key in self.seen_parts:
            return
        self.seen_parts.add(key)
        self.emit.participation(self.kept[pid], org, role)
        self.ctx.counts["read participations"] += 1

    def organisation(self, rid: str, oid: str, name: str, row: dict[str, str], country: str | None) -> None:
        vals: dict[str, list] = {"name": [name]}
        short = _text(row.get("shortName"))
        if short and short.casefold() != name.casefold():
            if is_acronym(short):
                vals["acronym"] = [short]
            else:   # a phrase: often an English translation of the name, never an acronym
                vals["alt_names"] = [short]
        kind, sector = ACTIVITY.get(row.get("activityType", "").strip().upper(), (None, None))
        if kind:
            vals["kind"] = [kind]
        if sector:
            vals["sectors"] = [sector]
        if country:
            vals["country"] = [country]
        city = _text(row.get("city"))
        if city:
            vals["city"] = [city]
        url = (row.get("organizationURL") or "").strip()
        if url:
            if not re.match(r"^https?://", url, re.I):
                url = "http://" + url
            try:
                vals["website"] = [self.emit.check("organisation", "website", url)]
            except ValueError:
                pass  # an unusable web address is left out, not worth refusing the row
        vals["pic"] = [oid]
        self.emit.record("organisation", rid, vals)
        self.ctx.counts["read organisations"] += 1


def read(ctx: ImportContext, inputs: dict, options: dict) -> None:
    """Import project.csv and organization.csv of ``inputs`` (filtered by ``options``)."""
    projects, organisations = _members(inputs)
    first = projects.size()
    bar = ctx.bar(first + organisations.size(), "bytes", "CORDIS")
    imp = _Cordis(ctx, options)
    imp.projects(projects, bar)
    imp.organisations(organisations, bar, first)
    bar.close()


def matched_nothing(options: dict, counts) -> bool:
    """Whether projects were read but the filters let none through (not a data problem: runner.NoMatch)."""
    return bool(counts.get("filtered out projects"))
