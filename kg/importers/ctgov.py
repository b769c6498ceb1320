"""ClinicalTrials.gov API v2 study records (JSON).

A file may hold one study (``{"protocolSection": ...}``), a page of the
``/api/v2/studies`` endpoint (``{"studies": [...], "nextPageToken": ...}``) or a
list of studies; a folder is read file by file (``*.json``, sorted).

What becomes what (``protocolSection`` modules):

* identification: the trial (``schema:MedicalTrial``) keyed by its NCT number,
  brief title as name, official title as an alternative name, acronym, EudraCT
  and EU CT numbers from the secondary ids;
* status: ``pmkg:status`` (overallStatus), start date, completion date;
* design: ``pmkg:phase`` (phases), ``pmkg:design`` (allocation, single-group
  model, no masking -> open-label);
* conditions: conditions and keywords as ``schema:keywords``;
* sponsor and collaborators: organisations with the roles sponsor and
  collaborator; contacts and locations: facilities with the role site, and the
  trial's countries.

Organisations have no identifier on ClinicalTrials.gov: they are keyed by name
(plus city and country for generic site names such as "Research Site"), and
become a curated organisation with the same full name at build time.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..load import check_date
from .runner import ImportContext, WrongFormat

KIND = "ctgov"
TITLE = "ClinicalTrials.gov"
VERSION = "ctgov-1"
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
#: country names ClinicalTrials.gov uses that ISO 3166 (pycountry) knows by another name
COUNTRY_ALIASES = {
    "turkey": "TR", "kosovo": "XK", "macedonia, the former yugoslav republic of": "MK",
    "palestinian territory, occupied": "PS", "palestinian territories, occupied": "PS",
    "virgin islands (u.s.)": "VI", "libyan arab jamahiriya": "LY", "reunion": "RE",
    "korea, republic of": "KR", "iran, islamic republic of": "IR", "the netherlands": "NL",
}
_GENERIC_SITE = re.compile(r"\b(site|sites|investigational|investigative|local institution|research facility)\b", re.I)
_NCT = re.compile(r"^NCT\d{8}$")


def input_files(inputs: dict) -> list[Path]:
    p = Path(inputs["path"])
    if p.is_dir():
        files = sorted(f for f in p.glob("*.json") if f.is_file())
        if not files:
            raise FileNotFoundError(f"{p}: the folder holds no *.json study files")
        return files
    return [p]


def nothing_message(options: dict) -> str:
    return "no study found in the input; nothing written"


def _sniff(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    try:
        text = head.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # a cut multi-byte character at the end is fine
            raise WrongFormat(f"{path}: not UTF-8 text, so not ClinicalTrials.gov JSON") from None
        text = head[: e.start].decode("utf-8-sig")
    return text


def check_format(inputs: dict) -> None:
    """Refuse files that are not ClinicalTrials.gov API v2 JSON (naming what they look like)."""
    for path in input_files(inputs):
        head = _sniff(path).lstrip()
        if head[:1] not in ("{", "["):
            if ";" in head.split("\n", 1)[0]:
                raise WrongFormat(f"{path}: a semicolon-separated CSV (CORDIS?), not ClinicalTrials.gov JSON; "
                                  f"use `pmkg import cordis` for CORDIS exports")
            raise WrongFormat(f"{path}: not JSON, so not ClinicalTrials.gov API v2 study records")
        if '"protocolSection"' in head or '"studies"' in head:
            continue
        if "ror.org/" in head and ('"names"' in head or '"name"' in head):
            raise WrongFormat(f"{path}: a ROR record dump, not ClinicalTrials.gov studies; "
                              f"use `pmkg import ror` for it")
        if '"FullStudiesResponse"' in head or '"StudyFieldsResponse"' in head:
            raise WrongFormat(f"{path}: the retired ClinicalTrials.gov API v1 format; "
                              f"fetch the studies from the v2 API (/api/v2/studies)")
        raise WrongFormat(f"{path}: no protocolSection or studies: not ClinicalTrials.gov API v2 study JSON")


def country_code(name: str) -> str:
    """ISO 3166-1 alpha-2 code of a ClinicalTrials.gov country name; raise ValueError if unknown."""
    import pycountry

    key = " ".join(name.split()).casefold()
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        raise ValueError(f"unknown country {name!r}") from None


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def _text(v: Any) -> str:
    return " ".join(v.split()) if isinstance(v, str) else ""


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
            key = f"{name} | {city} | {country or ''}"  # "Research Site" in Oslo is not the one in Lyon
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

    def study(self, file: str, index: int, study: Any) -> None:
        where = f"studies[{index}]"
        nct = ""
        ps = study.get("protocolSection") if isinstance(study, dict) else None
        if not isinstance(ps, dict):
            self.ctx.problem(file, None, where, "protocolSection", "missing: not a ClinicalTrials.gov v2 study record")
            return
        errors = len(self.ctx.problems)

        def bad(fld: str, msg: str) -> None:
            self.ctx.problem(file, self.line_of(nct, index), rec, fld, msg)

        ident = _get(ps, "identificationModule") or {}
        nct = _text(ident.get("nctId"))
        rec = nct or where
        if not nct:
            bad("identificationModule.nctId", "missing NCT number")
        elif not _NCT.match(nct):
            bad("identificationModule.nctId", f"{nct!r} is not an NCT number (NCT + 8 digits)")
        brief, official = _text(ident.get("briefTitle")), _text(ident.get("officialTitle"))
        if not brief and not official:
            bad("identificationModule.briefTitle", "missing title")
        vals: dict[str, list] = {"title": [brief or official]}
        if official and brief and official != brief:
            vals["alt_names"] = [official]
        acronym = _text(ident.get("acronym"))
        if acronym:
            vals["acronym"] = [acronym]
        if nct:
            vals["nct"] = [nct]
        for sec in ident.get("secondaryIdInfos") or []:
            sid, typ = _text(_get(sec, "id")), _get(sec, "type")
            fld = {"EUDRACT_NUMBER": "eudract", "CTIS": "ctis"}.get(typ)
            if fld and sid:
                try:  # secondary ids are free text on ClinicalTrials.gov: a malformed one is left out
                    vals.setdefault(fld, []).append(self.emit.check("trial", fld, sid))
                except ValueError:
                    pass
        for fld in ("eudract", "ctis"):
            if fld in vals:
                vals[fld] = vals[fld][:1]

        status = _get(ps, "statusModule") or {}
        overall = status.get("overallStatus")
        if overall is not None:
            if overall not in STATUS:
                bad("statusModule.overallStatus", f"unknown status {overall!r}")
            elif STATUS[overall]:
                vals["status"] = [STATUS[overall]]
        for struct, fld in (("startDateStruct", "start"), ("completionDateStruct", "end")):
            d = _text(_get(status, struct, "date"))
            if d:
                try:
                    vals[fld] = [check_date(d)]
                except ValueError as e:
                    bad(f"statusModule.{struct}.date", str(e))

        design = _get(ps, "designModule") or {}
        for ph in design.get("phases") or []:
            if ph not in PHASES:
                bad("designModule.phases", f"unknown phase {ph!r}; expected one of {', '.join(PHASES)}")
            else:
                vals.setdefault("phase", []).append(PHASES[ph])
        info = design.get("designInfo") or {}
        features = []
        if info.get("allocation") in ALLOCATION:
            features.append(ALLOCATION[info["allocation"]])
        if info.get("interventionModel") == "SINGLE_GROUP":
            features.append("single-arm")
        if _get(info, "maskingInfo", "masking") == "NONE":
            features.append("open-label")
        if features:
            vals["design"] = features

        cond = _get(ps, "conditionsModule") or {}
        keywords = [_text(k) for k in (cond.get("conditions") or []) + (cond.get("keywords") or []) if _text(k)]
        if keywords:
            vals["keywords"] = list(dict.fromkeys(keywords))
        summary = _get(ps, "descriptionModule", "briefSummary")
        if isinstance(summary, str) and summary.strip():
            vals["description"] = [summary.strip()]

        parts: list[tuple[str, str]] = []
        sponsors = _get(ps, "sponsorCollaboratorsModule") or {}
        lead = sponsors.get("leadSponsor") or {}
        if _text(lead.get("name")):
            parts.append((self.org(_text(lead["name"]), cls=lead.get("class") or ""), "sponsor"))
        for c in sponsors.get("collaborators") or []:
            if _text(_get(c, "name")):
                parts.append((self.org(_text(c["name"]), cls=c.get("class") or ""), "collaborator"))
        countries: list[str] = []
        for i, loc in enumerate(_get(ps, "contactsLocationsModule", "locations") or []):
            cname = _text(_get(loc, "country"))
            code = None
            if cname:
                try:
                    code = country_code(cname)
                except ValueError as e:
                    bad(f"contactsLocationsModule.locations[{i}].country", str(e))
                    continue
                countries.append(code)
            facility = _text(_get(loc, "facility"))
            if facility:
                parts.append((self.org(facility, _text(_get(loc, "city")), code, site=True), "site"))
        if countries:
            vals["countries"] = list(dict.fromkeys(countries))

        if len(self.ctx.problems) > errors:
            return
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
                self.emit.participation(rid, who, role)
        self.ctx.counts["read studies"] += 1
        self.ctx.counts["read participations"] += len(done)

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


def _studies(path: Path, data: Any) -> list:
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        return data["studies"]
    if isinstance(data, dict) and "protocolSection" in data:
        return [data]
    if isinstance(data, list):
        return data
    raise WrongFormat(f"{path}: neither a study, a list of studies nor a /studies page")


def read(ctx: ImportContext, inputs: dict, options: dict) -> None:
    """Import every study of the file or folder ``inputs['path']``."""
    files = input_files(inputs)
    bar = ctx.bar(sum(f.stat().st_size for f in files), "bytes", "ClinicalTrials.gov")
    imp = _CtGov(ctx)
    done = 0
    for path in files:
        try:
            with open(path, encoding="utf-8-sig") as fh:
                imp.text = fh.read()
            data = json.loads(imp.text)
        except json.JSONDecodeError as e:
            ctx.problem(path.name, e.lineno, None, None, f"malformed JSON: {e.msg} (column {e.colno})")
            continue
        except UnicodeDecodeError as e:
            ctx.problem(path.name, None, None, None, f"not UTF-8 text ({e.reason})")
            continue
        for i, study in enumerate(_studies(path, data)):
            imp.study(path.name, i, study)
        done += path.stat().st_size
        bar.update(done)
    imp.finish()
    bar.close()
