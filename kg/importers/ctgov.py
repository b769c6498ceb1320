"""ClinicalTrials.gov API v2 study records (JSON).

A file may hold one study (``{"protocolSection": ...}``), a page of the
``/api/v2/studies`` endpoint (``{"studies": [...], "nextPageToken": ...}``) or a
list of studies; a folder is read file by file (``*.json``, sorted); a ``.zip``
(the website's download: one JSON file per study) and a ``.gz`` are read directly.

What becomes what (``protocolSection`` modules):

* identification: the trial (``schema:MedicalTrial``) keyed by its NCT number,
  brief title as name, official title as an alternative name, acronym; the
  secondary ids are recognised by their pattern whatever type and domain the
  record gives them (``OTHER`` "CTIS (EU)", ``REGISTRY`` "EU Trial Number",
  untyped ...): an EU CT number (``YYYY-5NNNNN-NN-NN``) -> ``pmkg:ctisNumber``, a
  EudraCT number (``YYYY-NNNNNN-NN``) -> ``pmkg:eudractNumber``;
* status: ``pmkg:status`` (overallStatus), start date, completion date;
* design: ``pmkg:phase`` (phases), ``pmkg:design`` (allocation, single-group
  model, no masking -> open-label);
* conditions: conditions and keywords as ``schema:keywords``;
* sponsor and collaborators: organisations with the roles sponsor and
  collaborator; contacts and locations: facilities with the role site, and the
  trial's countries (every name ClinicalTrials.gov uses, via :mod:`kg.countries`;
  an unknown one leaves that location without a country and is counted).

Organisations have no identifier on ClinicalTrials.gov: they are keyed by name,
and become a curated organisation with the same name at build time. An
anonymous site ("Research Site", "GSK Investigational Site", "Local Institution
- 0058": no identity beyond the sponsor's naming pattern) is not an
organisation: it becomes the lead sponsor's participation as a site, with the
sites' cities and countries in its note. A sponsor's site number appended to a
facility's name ("/ID# 254062", "( Site 2017)") is taken off, so the same
hospital in two studies is one organisation.

Every field is read through :mod:`.typed`: a value of the wrong JSON type is a
bad record naming its field, never a crash.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import countries
from ..load import check_date
from .archives import ArchiveError, Member, members, read_all
from .runner import ImportContext, WrongFormat
from .typed import Node, WrongType

KIND = "ctgov"
TITLE = "ClinicalTrials.gov"
VERSION = "ctgov-2"
MAIN_COUNT = "read studies"

STATUS = {
    "NOT_YET_RECRUITING": "not-yet-recruiting", "RECRUITING": "recruiting",
    "ENROLLING_BY_INVITATION": "enrolling-by-invitation", "ACTIVE_NOT_RECRUITING": "active-not-recruiting",
    "COMPLETED": "completed", "SUSPENDED": "suspended", "TERMINATED": "terminated", "WITHDRAWN": "withdrawn",
    "UNKNOWN": "unknown",
    # expanded-access statuses are not recruitment statuses: no pmkg:status
    "AVAILABLE": None, "NO_LONGER_AVAILABLE": None, "TEMPORARILY_NOT_AVAILABLE": None,
    "APPROVED_FOR_MARKETING": None, "WITHHELD": None,
}
PHASES = {"EARLY_PHASE1": "early-phase-1", "PHASE1": "phase-1", "PHASE2": "phase-2", "PHASE3": "phase-3",
          "PHASE4": "phase-4", "NA": "not-applicable"}
ALLOCATION = {"RANDOMIZED": "randomised", "NON_RANDOMIZED": "non-randomised"}
#: sponsor class -> (organisation kind, sector)
SPONSOR_CLASS = {
    "INDUSTRY": ("company", "industry"), "NIH": ("government-agency", "public-sector"),
    "FED": ("government-agency", "public-sector"), "OTHER_GOV": ("government-agency", "public-sector"),
}

# Trial registry numbers, recognised by their pattern wherever they stand in a secondary id.
#: EU CT number (CTIS, since 2023): year, a sequence from 500000, two check digits, a two-digit suffix
EU_CT = re.compile(r"(?<![\d-])(\d{4}-5\d{5}-\d{2}-\d{2})(?![\d])")
#: EudraCT number (2004-2023): year, a six-digit sequence below 500000, two check digits
#: (also inside EU CTR ids such as EUCTR2012-003157-29-GB)
EUDRACT = re.compile(r"(?<![\d-])(\d{4}-[0-4]\d{5}-\d{2})(?![\d])")
#: an EU CT number without its suffix (2022-503007-22): recognised, but not a number the model can hold
EU_CT_SHORT = re.compile(r"(?<![\d-])(\d{4}-5\d{5}-\d{2})(?![\d-])")
_NCT_ANY = re.compile(r"\bNCT\d{8}\b")
#: other registries' numbers: recognised and counted; the model has no field for them
OTHER_REGISTRIES = {
    "ISRCTN": re.compile(r"\bISRCTN\d{8}\b"), "WHO UTN": re.compile(r"\bU1111-\d{4}-\d{4}\b"),
    "jRCT": re.compile(r"\bjRCT\d{10}\b"), "ChiCTR": re.compile(r"\bChiCTR[-\w]*\d{4,}\b"),
    "ANZCTR": re.compile(r"\bACTRN\d{14}\b"), "DRKS": re.compile(r"\bDRKS\d{8}\b"),
    "SNCTP": re.compile(r"\bSNCTP\d{9}\b"), "CTRI": re.compile(r"\bCTRI/\d{4}/\d{2,3}/\d{6}\b"),
}

# Anonymous sites: the sponsor's naming pattern for a site and nothing else ("Research Site",
# "GSK Investigational Site", "Novartis Investigative Site", "Local Institution - 0058", "Site 0012").
_ANON_SITE = re.compile(
    r"^(?:(?P<prefix>[\w&.,'/-]+(?: [\w&.,'/-]+){0,3}) )?"
    r"(?:investigational|investigative|research|clinical research|clinical|study|trial|clinical trial|selected)"
    r" sites?(?:\s*(?:#|no\.?|number|nr\.?|id)?\s*[-:]?\s*[\w-]*\d[\w-]*)?$"
    r"|^local institution(?:\s*-?\s*\d+)?$"
    r"|^(?:study |investigational |research )?site\s*(?:#|no\.?|number|nr\.?|reference id)?\s*[-:]?\s*\d[\w-]*$",
    re.I)
#: words that give a site an identity of its own ("Oslo University Hospital Research Site" is a place)
_PLACE_WORDS = re.compile(
    r"\b(universit\w*|hospital\w*|clinic|klinik\w*|cent(?:er|re)|institut\w*|medical|health|college|"
    r"foundation|school|hôpital|sjukhus\w*|ziekenhuis|krankenhaus|ospedale|hospital)\b", re.I)
#: names that identify nothing on their own even when not a sponsor's pattern: kept apart per place
_GENERIC_SITE = re.compile(r"\b(site|sites|investigational|investigative|local institution|research facility)\b",
                           re.I)


def anonymous_site(name: str) -> bool:
    """Whether a facility name is only a sponsor's pattern for a site (no identity of its own).

    >>> [anonymous_site(n) for n in ("Research Site", "GSK Investigational Site", "Local Institution - 0058",
    ...                               "Oslo University Hospital Research Site", "Karolinska University Hospital")]
    [True, True, True, False, False]
    """
    m = _ANON_SITE.match(" ".join(name.split()))
    if m is None:
        return False
    prefix = m.group("prefix")
    return not (prefix and _PLACE_WORDS.search(prefix))


#: a sponsor's site number after a facility's name: "Irvine Clinical Research /ID# 254062" (AbbVie),
#: "Kure Kyosai Hospital ( Site 2017)"; the same site in another study has another number
_SITE_NUMBER = re.compile(r"\s*(?:/\s*ID#\s*\d+|\(\s*Site\s*#?\s*\d+\s*\))$", re.I)


def site_name(facility: str) -> str:
    """A facility's name without the sponsor's site number appended to it.

    >>> site_name("Irvine Clinical Research /ID# 254062"), site_name("Kure Kyosai Hospital ( Site 2017)")
    ('Irvine Clinical Research', 'Kure Kyosai Hospital')
    >>> site_name("Local Institution - 0058")   # the whole name is the pattern: anonymous_site() folds it
    'Local Institution - 0058'
    """
    plain = _SITE_NUMBER.sub("", facility)
    return plain if plain.strip() else facility


def _is_input(name: str) -> bool:
    low = name.lower()
    return low.endswith((".json", ".json.gz"))


def input_files(inputs: dict) -> list[Path]:
    p = Path(inputs["path"])
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and (_is_input(f.name) or f.suffix.lower() == ".zip"))
        if not files:
            raise FileNotFoundError(f"{p}: the folder holds no *.json study files (nor .json.gz, .zip)")
        return files
    return [p]


def _members(inputs: dict) -> list[Member]:
    out: list[Member] = []
    for path in input_files(inputs):
        if path.suffix.lower() == ".zip":
            found = members(path, _is_input)
            if not found:
                raise WrongFormat(f"{path}: the zip archive holds no *.json study file")
            out += found
        else:
            out += members(path)
    return out


def nothing_message(options: dict) -> str:
    return "no study found in the input; nothing written"


def _sniff(member: Member) -> str:
    try:
        head = member.head()
    except ArchiveError as e:
        raise WrongFormat(str(e)) from None
    if head[:2] == b"PK":
        raise WrongFormat(f"{member.name}: a zip archive without the .zip suffix; rename it to .zip")
    if head[:2] == b"\x1f\x8b":
        raise WrongFormat(f"{member.name}: gzip-compressed without the .gz suffix; rename it to .gz")
    # lenient here: a stray byte inside study JSON is reported by read() with its line
    return head.decode("utf-8-sig", errors="replace")


def check_format(inputs: dict) -> None:
    """Refuse files that are not ClinicalTrials.gov API v2 JSON (naming what they look like)."""
    try:
        found = _members(inputs)
    except ArchiveError as e:
        raise WrongFormat(str(e)) from None
    seen_zips: dict[Path, int] = {}
    for member in found:
        if member.inner is not None:   # a zip of thousands of studies: its first files show the format
            seen_zips[member.path] = seen_zips.get(member.path, 0) + 1
            if seen_zips[member.path] > 3:
                continue
        head = _sniff(member).lstrip()
        path = member.name
        if head[:1] not in ("{", "["):
            if ";" in head.split("\n", 1)[0]:
                raise WrongFormat(f"{path}: a semicolon-separated CSV (CORDIS?), not ClinicalTrials.gov JSON; "
                                  f"use `pmkg import cordis` for CORDIS exports")
            if "\ufffd" in head[:200]:
                raise WrongFormat(f"{path}: not UTF-8 text, so not ClinicalTrials.gov JSON")
            raise WrongFormat(f"{path}: not JSON, so not ClinicalTrials.gov API v2 study records")
        if '"protocolSection"' in head or '"studies"' in head:
            continue
        if "ror.org/" in head and ('"names"' in head or '"name"' in head):
            raise WrongFormat(f"{path}: a ROR record dump, not ClinicalTrials.gov studies; "
                              f"use `pmkg import ror` for it")
        if '"FullStudiesResponse"' in head or '"StudyFieldsResponse"' in head:
            raise WrongFormat(f"{path}: the retired ClinicalTrials.gov API v1 format; "
                              f"fetch the studies from the v2 API (/api/v2/studies)")
        if head.strip("[ \t\r\n") == "" or head.startswith("[["):
            continue  # an empty list, or deeply nested JSON: read() reports it with its line
        raise WrongFormat(f"{path}: no protocolSection or studies: not ClinicalTrials.gov API v2 study JSON")


def country_code(name: str) -> str:
    """ISO 3166-1 alpha-2 code of a ClinicalTrials.gov country name (:func:`kg.countries.code`);
    raise :class:`kg.countries.UnknownCountry` (a ValueError) if unknown."""
    return countries.code(name)


def trial_ids(texts: list[str]) -> dict[str, list[str]]:
    """The registry numbers found in secondary id texts, by kind: ``ctis`` (EU CT), ``eudract``,
    ``nct``, ``eu-ct-short`` (an EU CT number without its suffix) and the :data:`OTHER_REGISTRIES`.

    >>> trial_ids(["2022-501884-41-00", "EudraCT 2012-003157-29", "EUCTR2015-001234-56-SE", "2024-A00356-41"])
    {'ctis': ['2022-501884-41-00'], 'eudract': ['2012-003157-29', '2015-001234-56']}
    """
    out: dict[str, list[str]] = {}
    for t in texts:
        for kind, rx in (("ctis", EU_CT), ("eudract", EUDRACT), ("eu-ct-short", EU_CT_SHORT), ("nct", _NCT_ANY),
                         *OTHER_REGISTRIES.items()):
            for m in rx.finditer(t):
                value = m.group(m.lastindex or 0)
                if value not in out.get(kind, []):
                    out.setdefault(kind, []).append(value)
    return out


@dataclass
class _Study:
    """What one study record says, before it is kept."""

    values: dict[str, list]
    parts: list[tuple[str, str]]          # (organisation record id, role)
    sponsor: str | None                   # the lead sponsor's record id
    folded: list[str]                     # the anonymous sites folded into the sponsor: "name, city, country"
    counts: Counter = field(default_factory=Counter)


class _Org:
    """One organisation as seen across the studies (written at the end, once)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cities: set[str] = set()
        self.countries: set[str] = set()
        self.classes: set[str] = set()


class _CtGov:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.text = ""
        self.emit, self.mint = ctx.emit, ctx.mint
        self.orgs: dict[str, _Org] = {}
        self.seen: set[str] = set()

    def org(self, name: str, city: str = "", country: str | None = None, cls: str = "",
            site: bool = False) -> str:
        key = name
        if site and _GENERIC_SITE.search(name):
            key = f"{name} | {city} | {country or ''}"  # a generic name in Oslo is not the one in Lyon
        rid = self.mint.imported_id("ctgov-org", key)
        o = self.orgs.get(rid)
        if o is None:
            o = self.orgs[rid] = _Org(name)
        if city:
            o.cities.add(city)
        if country:
            o.countries.add(country)
        if cls:
            o.classes.add(cls)
        return rid

    def line_of(self, nct: str, index: int) -> int | None:
        """The line a study starts on in the current file: where its NCT number is, else its
        ``index``-th protocolSection (JSON parsers give no positions for values)."""
        text = self.text
        m = re.search(r'"nctId"\s*:\s*"' + re.escape(nct) + '"', text) if nct else None
        if m is None:
            found = list(re.finditer(r'"protocolSection"\s*:', text))
            m = found[index] if index < len(found) else None
        return text.count("\n", 0, m.start()) + 1 if m else None

    def study(self, file: str, index: int, raw: Any) -> None:
        where = f"studies[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("protocolSection"), dict):
            self.ctx.problem(file, self.line_of("", index), where, "protocolSection",
                             "missing or not an object: not a ClinicalTrials.gov v2 study record")
            return
        errors = len(self.ctx.problems)
        ps = Node(raw["protocolSection"], "protocolSection")
        nct = ""
        try:
            nct = ps.get("identificationModule").text("nctId")
        except WrongType:
            pass
        rec = nct or where

        def bad(fld: str, msg: str) -> None:
            fld = fld.removeprefix("protocolSection.")
            self.ctx.problem(file, self.line_of(nct, index), rec, fld, msg)

        try:
            found = self._read(ps, nct, bad)
        except WrongType as e:
            bad(e.path, e.message)
            return
        if len(self.ctx.problems) > errors:
            return
        vals, parts = found.values, found.parts
        if nct in self.seen:
            return  # the same study twice (overlapping pages): one node
        self.seen.add(nct)
        checked = {}
        for fld, vs in vals.items():
            try:
                checked[fld] = [self.emit.check("trial", fld, v) for v in vs]
            except ValueError as e:
                bad(fld, str(e))
        if len(self.ctx.problems) > errors:
            return
        rid = self.mint.imported_id("ctgov", nct)
        self.emit.record("trial", rid, checked)
        done = set()
        for who, role in parts:
            if (who, role) not in done:
                done.add((who, role))
                note = None
                if (who, role) == (found.sponsor, "site") and found.folded:
                    note = "Anonymous sites of the sponsor (name, city, country as the registry gives them): " \
                           + "; ".join(found.folded)
                self.emit.participation(rid, who, role, note=note)
        self.ctx.counts.update(found.counts)   # counted for the studies imported only
        self.ctx.counts["read studies"] += 1
        self.ctx.counts["read participations"] += len(done)

    def _read(self, ps: Node, nct: str, bad) -> _Study:
        """What one study says: the trial's field values, its participations, its folded anonymous sites."""
        ident = ps.get("identificationModule")
        if not nct:
            bad("identificationModule.nctId", "missing NCT number")
        elif not re.match(r"^NCT\d{8}$", nct):
            bad("identificationModule.nctId", f"{nct!r} is not an NCT number (NCT + 8 digits)")
        brief, official = ident.text("briefTitle"), ident.text("officialTitle")
        if not brief and not official:
            bad("identificationModule.briefTitle", "missing title")
        vals: dict[str, list] = {"title": [brief or official]}
        if official and brief and official != brief:
            vals["alt_names"] = [official]
        acronym = ident.text("acronym")
        if acronym:
            vals["acronym"] = [acronym]
        if nct:
            vals["nct"] = [nct]
        ids = trial_ids([sec.text("id") for sec in ident.items("secondaryIdInfos")]
                        + [ident.get("orgStudyIdInfo").text("id")])
        counts: Counter = Counter()
        for fld in ("ctis", "eudract"):
            if ids.get(fld):
                vals[fld] = ids[fld][:1]   # one number per trial in the model; the first one given
                counts[f"{'EU CT' if fld == 'ctis' else 'EudraCT'} numbers read"] += 1
                if len(ids[fld]) > 1:
                    counts[f"further {'EU CT' if fld == 'ctis' else 'EudraCT'} numbers of a study left out "
                           f"(the model holds one)"] += len(ids[fld]) - 1
        if ids.get("eu-ct-short"):
            counts["EU CT numbers without their -NN suffix left out (not a complete number)"] += 1
        for reg in OTHER_REGISTRIES:
            if ids.get(reg):
                counts[f"{reg} numbers recognised (no field in the model)"] += len(ids[reg])

        status = ps.get("statusModule")
        overall = status.text("overallStatus")
        if overall:
            if overall not in STATUS:
                bad("statusModule.overallStatus", f"unknown status {overall!r}")
            elif STATUS[overall]:
                vals["status"] = [STATUS[overall]]
        for struct, fld in (("startDateStruct", "start"), ("completionDateStruct", "end")):
            d = status.get(struct).text("date")
            if d:
                try:
                    vals[fld] = [check_date(d)]
                except ValueError as e:
                    bad(f"statusModule.{struct}.date", str(e))

        design = ps.get("designModule")
        for ph in design.texts("phases"):
            if ph not in PHASES:
                bad("designModule.phases", f"unknown phase {ph!r}; expected one of {', '.join(PHASES)}")
            else:
                vals.setdefault("phase", []).append(PHASES[ph])
        info = design.get("designInfo")
        features = []
        if info.text("allocation") in ALLOCATION:
            features.append(ALLOCATION[info.text("allocation")])
        if info.text("interventionModel") == "SINGLE_GROUP":
            features.append("single-arm")
        if info.get("maskingInfo").text("masking") == "NONE":
            features.append("open-label")
        if features:
            vals["design"] = features

        cond = ps.get("conditionsModule")
        keywords = cond.texts("conditions") + cond.texts("keywords")
        if keywords:
            vals["keywords"] = list(dict.fromkeys(keywords))
        summary = ps.get("descriptionModule").raw("briefSummary")
        if summary.text().strip():
            vals["description"] = [summary.value.strip()]

        parts: list[tuple[str, str]] = []
        sponsors = ps.get("sponsorCollaboratorsModule")
        lead = sponsors.get("leadSponsor")
        sponsor = None
        if lead.text("name"):
            sponsor = self.org(lead.text("name"), cls=lead.text("class"))
            parts.append((sponsor, "sponsor"))
        for c in sponsors.items("collaborators"):
            if c.text("name"):
                parts.append((self.org(c.text("name"), cls=c.text("class")), "collaborator"))
        found_countries: list[str] = []
        folded: list[str] = []
        for loc in ps.get("contactsLocationsModule").items("locations"):
            cname, city, facility = loc.text("country"), loc.text("city"), loc.text("facility")
            plain = site_name(facility)
            if plain != facility:
                counts["sponsor site numbers taken off facility names"] += 1
                facility = plain
            code = None
            if cname:
                code = countries.lookup(cname)
                if code is None:
                    # never the study: this location stays without a country, and the summary says so
                    counts[f"locations left without a country (unknown country name {cname!r})"] += 1
                if code:
                    found_countries.append(code)
            if facility and sponsor and anonymous_site(facility):
                counts["anonymous sites folded into their sponsor"] += 1
                folded.append(", ".join(x for x in (facility, city, cname) if x))
                parts.append((sponsor, "site"))
            elif facility:
                parts.append((self.org(facility, city, code, site=True), "site"))
        if found_countries:
            vals["countries"] = list(dict.fromkeys(found_countries))
        return _Study(vals, parts, sponsor, list(dict.fromkeys(folded)), counts)

    def finish(self) -> None:
        for rid, o in self.orgs.items():
            vals: dict[str, list] = {"name": [o.name]}
            for cls in sorted(o.classes):
                kind, sector = SPONSOR_CLASS.get(cls, (None, None))
                if kind and "kind" not in vals:
                    vals["kind"] = [kind]
                if sector:
                    vals.setdefault("sectors", []).append(sector)
            if len(o.countries) == 1:
                vals["country"] = sorted(o.countries)
            if len(o.cities) == 1:
                vals["city"] = sorted(o.cities)
            self.emit.record("organisation", rid, vals)
        self.ctx.counts["read organisations"] = len(self.orgs)


def _studies(name: str, data: Any) -> list:
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        return data["studies"]
    if isinstance(data, dict) and "protocolSection" in data:
        return [data]
    if isinstance(data, list):
        return data
    raise WrongFormat(f"{name}: neither a study, a list of studies nor a /studies page")


def read(ctx: ImportContext, inputs: dict, options: dict) -> None:
    """Import every study of the file, folder or archive ``inputs['path']``."""
    found = _members(inputs)
    sizes = [m.size() for m in found]
    bar = ctx.bar(sum(sizes), "bytes", "ClinicalTrials.gov")
    imp = _CtGov(ctx)
    done = 0
    for (member, content), size in zip(read_all(found), sizes):
        name = member.name
        if isinstance(content, Exception):
            ctx.problem(name, None, None, None, f"cannot be read ({content})")
            continue
        data_bytes = content
        try:
            imp.text = data_bytes.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = data_bytes.count(b"\n", 0, e.start) + 1
            ctx.problem(name, line, None, None,
                        f"not UTF-8 text (byte 0x{data_bytes[e.start]:02x}); the file is unreadable")
            continue
        try:
            data = json.loads(imp.text)
        except json.JSONDecodeError as e:
            ctx.problem(name, e.lineno, None, None, f"malformed JSON: {e.msg} (column {e.colno})")
            continue
        except RecursionError:
            ctx.problem(name, None, None, None, "JSON nested too deeply to be a study record; the file is unreadable")
            continue
        for i, study in enumerate(_studies(name, data)):
            imp.study(name, i, study)
        done += size
        bar.update(done)
    imp.finish()
    bar.close()
