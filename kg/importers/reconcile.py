"""Reconciling imported records with the curated ones: same identifier, same node; curated facts win.

Works on records (:mod:`kg.records`), before anything is written. Every imported
record that shares an identifier with a curated one (ROR, Wikidata, CORDIS
project id, grant number, NCT or EudraCT/EU CT number, PIC) *is* that curated
record; an organisation or programme without a shared identifier is the curated
one whose name is the same by the rules of :mod:`kg.names` (spelling, leading
article, legal form, parenthesised part, dashed parts), or whose acronym or name
is its acronym in the same country, or (companies) whose name ends its name, where
the countries agree, when exactly one curated record fits at the strongest rule
that finds any (:class:`CuratedIndex`). Two or more: the name is ambiguous, the
record is kept apart and reported (:class:`NameMerge`), never guessed; every
merge by name is reported with its rule too. Imported records of two imports
with the same id (the same registry key) are one record too.

When a record is merged into another, the one already there wins: an incoming
value of a single-valued field (name, dates, country, kind, phase, status,
amount, coordinator ...) that differs is left out and reported as a
:class:`Conflict` (a differing name is kept as an alternative name instead; a
value that differs only in spelling (:func:`kg.names.spelling_key`) or date
precision, and the kind ``unclassified`` a registry gives no kind with, are
dropped without a word). Values the record does not have yet are added, each with the source it
came from, so the writer puts it in the import's named graph.

Reconciliation runs at every build, so a ROR id or an alternative name added
to data/ applies to the kept imports without importing again.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from .. import model
from ..iris import Minter
from ..names import (
    ARTICLE,
    LEGAL,
    PARENTHESIS,
    PART,
    SAME,
    SPELLING,
    name_forms,
    parenthesised_acronym,
    spelling_key,
    strip_article,
    strip_legal_form,
)
from ..records import Data, Participation, Record, Value
from .emit import UNCLASSIFIED

#: Identifier fields: field name -> key kind.
KEY_FIELDS: dict[str, str] = {
    "ror": "ror", "nct": "nct", "cordis": "cordis", "number": "grant", "pic": "pic",
    "eudract": "eudract", "ctis": "ctis", "wikidata": "wikidata",
}
#: When one imported record matches several curated ones by different identifiers, the first wins.
KEY_PRIORITY = ("ror", "nct", "cordis", "grant", "pic", "eudract", "ctis", "wikidata")
#: Kinds matched by name when no identifier is shared.
NAMED_KINDS = frozenset({"organisation", "programme"})
#: Single-valued fields whose differing incoming value is left out without a report: prose.
QUIET_FIELDS = frozenset({"description"})
WIKIDATA = "http://www.wikidata.org/entity/"


def norm_name(text: str) -> str:
    """A name for comparison: transliterated, accents dropped, case folded, punctuation to spaces
    (:func:`kg.names.spelling_key`)."""
    return spelling_key(text)


@dataclass
class Keys:
    """What identifies one entity: identifiers, names, acronyms, countries, kinds and its group.

    ``names`` and ``acronyms`` hold the names as given (or already normalised: every comparison
    normalises again)."""

    keys: set[tuple[str, str]] = field(default_factory=set)
    names: set[str] = field(default_factory=set)        # full names (name, alternative names), and acronyms
    acronyms: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    group: str | None = None
    kinds: set[str] = field(default_factory=set)        # organisation kinds (company ...)

    @property
    def full_names(self) -> set[str]:
        """Names that are not acronyms."""
        short = {spelling_key(a) for a in self.acronyms}
        return {n for n in self.names if spelling_key(n) not in short}

    def all_acronyms(self) -> dict[str, str]:
        """The acronyms, and those the full names give in parentheses ("... (NKI-AVL)"): spelling key -> acronym."""
        found = {spelling_key(a): a for n in sorted(self.full_names) if (a := parenthesised_acronym(n))}
        found.update((spelling_key(a), a) for a in sorted(self.acronyms))
        found.pop("", None)
        return found


def keys_of(r: Record) -> Keys:
    """The identifiers, names and countries of a record."""
    k = Keys(group=r.kind if r.kind in NAMED_KINDS else None)
    for fld, kind in KEY_FIELDS.items():
        for v in r.all(fld):
            k.keys.add((kind, WIKIDATA + v if kind == "wikidata" else str(v)))
    for fld in ("name", "title", "alt_names"):
        k.names.update(v for v in r.all(fld))
    k.acronyms.update(v for v in r.all("acronym"))
    k.countries.update(r.all("country") + r.all("countries"))
    if r.kind == "organisation":
        k.kinds.update(r.all("kind"))
    return k


@dataclass
class Conflict:
    """An incoming fact left out because the record it was merged into says otherwise."""

    record: str           # record id
    field: str
    kept: list[str]
    incoming: str
    source: str           # where the incoming fact came from
    curated: bool = True  # the kept value is curated (else it came from an earlier import)

    def text(self) -> str:
        kept = ", ".join(_show(v) for v in self.kept)
        whose = "curated " if self.curated else ""
        return f"pm:{self.record} {self.field}: {whose}{kept} kept, imported {_show(self.incoming)} left out"


def _show(v: str) -> str:
    text = v if len(v) <= 80 else v[:77] + "..."
    return repr(text)


#: Rules of a match by name that are not :mod:`kg.names` forms.
ACRONYM = "same acronym in the same country"
ACRONYM_NAME = "acronym of one = name of the other, in the same country"
COMPANY = "company name at the end of a longer company name"
#: How weak a rule is: the candidates found by the weakest rule of a match count at that rank; the
#: lowest rank with candidates decides (one candidate: a match; more: ambiguous, reported).
RANK = {SAME: 0, SPELLING: 0, ARTICLE: 1, LEGAL: 1, PARENTHESIS: 2, PART: 3, ACRONYM: 4, ACRONYM_NAME: 4,
        COMPANY: 5}
#: A name shorter than this (letters and digits) is never matched inside a longer company name.
COMPANY_MIN = 4


class Match(NamedTuple):
    """An imported entity is the curated entity ``iri``: by ``rule``; by name, ``incoming`` (its name)
    matched ``curated`` (the curated record's name)."""

    iri: str
    rule: str
    incoming: str | None = None
    curated: str | None = None


@dataclass
class Ambiguous:
    """An imported entity whose name fits several curated entities equally well: not merged."""

    name: str
    rule: str
    candidates: list[str]         # entity IRIs


class CuratedIndex:
    """The curated records' identifiers and names, to recognise imported records.

    Every look-up is a dictionary look-up per name form (:func:`kg.names.name_forms`), so matching
    an import costs the same whatever the number of curated records."""

    def __init__(self, mint: Minter) -> None:
        self.mint = mint
        self.records: dict[str, Record] = {}
        self.entities: dict[str, Keys] = {}               # entity IRI -> keys
        self.by_key: dict[tuple[str, str], str] = {}      # (kind, value) -> entity IRI
        self.by_form: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}   # form -> IRI -> (name, rules)
        self.by_acronym: dict[str, dict[str, str]] = {}   # acronym key -> IRI -> acronym
        self.by_company: dict[str, dict[str, str]] = {}   # a company's bare name key -> IRI -> name
        self.subjects: set[str] = set()                   # curated entity IRIs

    @classmethod
    def from_records(cls, data: Data, mint: Minter) -> "CuratedIndex":
        idx = cls(mint)
        for r in data.records.values():
            iri = mint.entity_iri(r.id)
            idx.records[r.id] = r
            idx.subjects.add(iri)
            k = idx.entities[iri] = keys_of(r)
            for key in k.keys:
                idx.by_key.setdefault(key, iri)
            if k.group:
                idx._add_names(iri, k)
        return idx

    def _add_names(self, iri: str, k: Keys) -> None:
        for n in k.full_names:
            for form, rules in name_forms(n).items():
                have = self.by_form.setdefault(form, {}).get(iri)
                if have is None or _rank(rules) < _rank(have[1]):
                    self.by_form[form][iri] = (n, rules)
            if "company" in k.kinds:
                bare = strip_legal_form(strip_article(spelling_key(n)))
                if len(bare.replace(" ", "")) >= COMPANY_MIN:
                    self.by_company.setdefault(bare, {})[iri] = n
        for a in k.acronyms:
            self.by_acronym.setdefault(spelling_key(a), {})[iri] = a
        for n in k.full_names:
            pa = parenthesised_acronym(n)
            if pa:
                self.by_acronym.setdefault(spelling_key(pa), {}).setdefault(iri, pa)

    def match(self, k: Keys) -> Match | None:
        """The curated entity an imported entity with keys ``k`` is, and by which rule; else None
        (also when its name is ambiguous: see :meth:`find`)."""
        m = self.find(k)
        return m if isinstance(m, Match) else None

    def find(self, k: Keys) -> Match | Ambiguous | None:
        """The curated entity an imported entity with keys ``k`` is (a :class:`Match`); an
        :class:`Ambiguous` when its name fits several equally well; else None."""
        hits = {kind: self.by_key[(kind, v)] for kind, v in k.keys if (kind, v) in self.by_key}
        for kind in KEY_PRIORITY:
            if kind in hits:
                return Match(hits[kind], kind)
        if k.group is None:
            return None
        # candidate IRI -> (rank, rule, incoming name, curated name); the best (lowest rank) per IRI
        found: dict[str, tuple[int, str, str, str]] = {}

        def offer(iri: str, rank: int, rule: str, incoming: str, curated: str, need_country: bool = False) -> None:
            if iri in found and found[iri][0] <= rank:
                return
            if self._compatible(k, self.entities[iri], need_country):
                found[iri] = (rank, rule, incoming, curated)

        for n in sorted(k.full_names):
            for form, rules in name_forms(n).items():
                for iri, (cur, cur_rules) in self.by_form.get(form, {}).items():
                    both = (*rules, *cur_rules)
                    rule = ", ".join(dict.fromkeys(both)) if both else (SAME if n == cur else SPELLING)
                    offer(iri, _rank(both), rule, n, cur)
        acronyms = k.all_acronyms()
        for a, raw in sorted(acronyms.items()):
            for iri, cur in self.by_acronym.get(a, {}).items():
                offer(iri, RANK[ACRONYM], ACRONYM, raw, cur, need_country=True)
            for iri, (cur, cur_rules) in self.by_form.get(a, {}).items():
                if not cur_rules:
                    offer(iri, RANK[ACRONYM_NAME], ACRONYM_NAME, raw, cur, need_country=True)
        for n in sorted(k.full_names):
            key = spelling_key(n)
            if key not in acronyms:
                for iri, cur in self.by_acronym.get(key, {}).items():
                    offer(iri, RANK[ACRONYM_NAME], ACRONYM_NAME, n, cur, need_country=True)
        if "company" in k.kinds and self.by_company:
            for n in sorted(k.full_names):
                words = strip_legal_form(strip_article(spelling_key(n))).split()
                for i in range(1, len(words)):   # the end only: "Roche Diagnostics" is another company
                    for iri, cur in self.by_company.get(" ".join(words[i:]), {}).items():
                        offer(iri, RANK[COMPANY], COMPANY, n, cur)
        if not found:
            return None
        best = min(r for r, *_ in found.values())
        top = sorted(iri for iri, f in found.items() if f[0] == best)
        if len(top) > 1:
            _, rule, incoming, _ = found[top[0]]
            return Ambiguous(incoming, rule, top)
        _, rule, incoming, cur = found[top[0]]
        return Match(top[0], rule, incoming, cur)

    def _compatible(self, k: Keys, cur: Keys, need_country: bool = False) -> bool:
        if cur.group != k.group:
            return False
        if need_country and not (k.countries and cur.countries):
            return False  # an acronym alone is too short a name: the country must agree too
        if k.countries and cur.countries and not (k.countries & cur.countries):
            return False
        # an identifier of the same kind that differs says these are two organisations
        cur_kinds: dict[str, set[str]] = {}
        for kind, v in cur.keys:
            cur_kinds.setdefault(kind, set()).add(v)
        return all(v in cur_kinds[kind] for kind, v in k.keys if kind in cur_kinds)


def _rank(rules: tuple[str, ...]) -> int:
    return max((RANK[r] for r in rules), default=0)


@dataclass
class Imported:
    """The records of one kept import, as read back: records and participations, all from ``source``."""

    name: str
    source: str                               # source id (``import-<name>``)
    records: list[Record] = field(default_factory=list)
    participations: list[tuple[str, Participation]] = field(default_factory=list)   # (in id, participation)


@dataclass
class NameMerge:
    """An imported record merged into a curated one by name (or left alone: its name is ambiguous)."""

    record: str             # imported record id
    name: str               # the imported name that matched
    rule: str
    targets: list[tuple[str, str]]   # (curated record id, its name that matched); several when ambiguous

    def text(self) -> str:
        to = " or ".join(f"pm:{rid} {_show(n)}" for rid, n in self.targets)
        if len(self.targets) > 1:
            return f"{_show(self.name)} (imported {self.record}) fits {to} ({self.rule}): not merged, kept apart"
        return f"{_show(self.name)} (imported {self.record}) = {to} ({self.rule})"


@dataclass
class Outcome:
    """What reconciling one import did."""

    entities: set[str] = field(default_factory=set)      # imported record ids (before renaming)
    aliases: dict[str, str] = field(default_factory=dict)  # imported id -> curated id
    rules: Counter = field(default_factory=Counter)
    conflicts: list[Conflict] = field(default_factory=list)
    by_name: list[NameMerge] = field(default_factory=list)    # every merge by name, for the curator
    ambiguous: list[NameMerge] = field(default_factory=list)  # names that fit several curated records

    @property
    def merged(self) -> int:
        """How many imported entities became curated ones."""
        return len(self.aliases)


def _same_text(a: object, b: object, f: model.Field) -> bool:
    """Equal, or the same text but for case and accents, or the same date at another precision."""
    if a == b:
        return True
    if f.type == model.DECIMAL:
        return Decimal(str(a)) == Decimal(str(b))
    if f.type == model.DATE:
        sa, sb = str(a), str(b)
        return sa.startswith(sb) or sb.startswith(sa)
    if isinstance(a, str) and isinstance(b, str):
        return norm_name(a) == norm_name(b)
    return False


class Merger:
    """Merges the records of every import into the curated ones (see the module docstring)."""

    def __init__(self, curated: Data, mint: Minter, index: CuratedIndex | None = None) -> None:
        self.mint = mint
        self.index = index or CuratedIndex.from_records(curated, mint)
        self.curated = set(curated.records)
        self.records: dict[str, Record] = dict(curated.records)   # the merged set, by id
        self._copied: set[str] = set()    # curated records already copied before a change

    def _own(self, rid: str) -> Record:
        """The merged record ``rid``, copied first when it is a curated one (the loaded data stays as read)."""
        r = self.records[rid]
        if rid in self.curated and rid not in self._copied:
            r = Record(r.kind, r.id, list(r.sources), {k: list(v) for k, v in r.values.items()},
                       list(r.participants), r.uncertain, r.note, r.file, r.line)
            self.records[rid] = r
            self._copied.add(rid)
        return r

    def add(self, imp: Imported) -> Outcome:
        """Merge one import's records and participations; return what happened."""
        out = Outcome()
        aliases = out.aliases
        for r in imp.records:
            out.entities.add(r.id)
            if r.id in self.records or r.id in aliases:
                continue
            m = self.index.find(keys_of(r))
            if isinstance(m, Ambiguous):
                ids = [self.mint.record_id(i) or i for i in m.candidates]
                names = [self.index.records[i].label or i if i in self.index.records else i for i in ids]
                out.ambiguous.append(NameMerge(r.id, m.name, m.rule, list(zip(ids, names))))
            elif m is not None:
                target = self.mint.record_id(m.iri)
                if target:
                    aliases[r.id] = target
                    out.rules["name" if m.incoming is not None else m.rule] += 1
                    if m.incoming is not None:
                        out.by_name.append(NameMerge(r.id, m.incoming, m.rule, [(target, m.curated or "")]))
        def rename(x: str) -> str:
            return aliases.get(x, x)

        for r in imp.records:
            rid = rename(r.id)
            values = {name: [Value(rename(v.value) if model.KINDS[r.kind].fields_by_name[name].type == model.REF
                                   else v.value, imp.source) for v in vs]
                      for name, vs in r.values.items()}
            if rid not in self.records:
                self.records[rid] = Record(r.kind, rid, [imp.source], values)
                continue
            self._merge(self._own(rid), values, imp.source, out)
        for in_id, p in imp.participations:
            thing, who = rename(in_id), rename(p.who)
            if thing not in self.records or who not in self.records:
                continue   # one end was not imported (a skipped record): nothing to link
            self._participate(thing, Participation(who, p.role, p.start, p.end, source=imp.source,
                                                          note=p.note), out)
        return out

    def _merge(self, r: Record, values: dict[str, list[Value]], source: str, out: Outcome) -> None:
        kind = model.KINDS[r.kind]
        if source not in r.sources:
            r.sources.append(source)
        label_field = "name" if "name" in kind.fields_by_name else "title"
        for name, vs in values.items():
            f = kind.fields_by_name[name]
            have = r.values.setdefault(name, [])
            for v in vs:
                if any(_same_text(h.value, v.value, f) for h in have):
                    continue
                if name == "kind" and v.value == UNCLASSIFIED:
                    continue   # the registry did not say: nothing to add, nothing that differs
                if name == "kind" and all(h.value == UNCLASSIFIED for h in have):
                    have[:] = [v]   # an earlier import did not know the kind: this one does
                    continue
                if f.many or not have:
                    have.append(v)
                    continue
                if name == label_field and "alt_names" in kind.fields_by_name:
                    alts = r.values.setdefault("alt_names", [])
                    if not any(_same_text(a.value, v.value, f) for a in alts):
                        alts.append(v)
                    continue
                if name not in QUIET_FIELDS:
                    out.conflicts.append(Conflict(r.id, name, [str(h.value) for h in have], str(v.value), source,
                                                  r.id in self.curated))
            if not have:
                del r.values[name]

    def _participate(self, thing: str, p: Participation, out: Outcome) -> None:
        r = self.records[thing]
        if any(q.who == p.who and q.role == p.role for q in r.participants):
            return   # the same participation, already known
        if p.role == "coordinator":
            coords = [q.who for q in r.participants if q.role == "coordinator" and not q.uncertain]
            if coords:
                out.conflicts.append(Conflict(thing, "coordinator", coords, p.who, p.source or "",
                                              thing in self.curated))
                return
        self._own(thing).participants.append(p)


def reconcile(curated: Data, imports: list[Imported], mint: Minter) -> tuple[Data, list[Outcome]]:
    """The curated records with every import merged in (see the module docstring), and what each
    import's merge did. ``curated`` is not changed."""
    merger = Merger(curated, mint)
    outcomes = [merger.add(imp) for imp in imports]
    return Data(dict(curated.sources), merger.records, curated.folder), outcomes


__all__ = ["Ambiguous", "CuratedIndex", "Conflict", "Imported", "Keys", "Match", "Merger", "NameMerge", "Outcome",
           "keys_of", "norm_name", "reconcile"]
