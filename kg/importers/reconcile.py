"""Reconciling imported records with the curated graph: same identifier, same node; curated facts win.

An import is kept with its own deterministic IRIs (``pm:ror-00j9c2840``,
``pm:cordis-project-101104269`` ...). When it is loaded, every imported entity
that shares an identifier with a curated one (ROR, Wikidata, CORDIS project id,
grant number, NCT or EudraCT number, CORDIS organisation id) becomes that
curated node; an organisation or programme without a shared identifier becomes
the curated one with the same full name (and country, where both have one) or
the same acronym and country, when exactly one curated record has it.

On a curated node the curated facts win: an imported value of a single-valued
property (name, dates, country of an organisation, phase, status, amount,
coordinator ...) that differs from the curated one is left out and reported
as a :class:`Conflict`. Imported facts the curated data does not have are
added, in the import's own named graph.

Because reconciliation happens when the import is loaded (every build), a
curator who adds a ROR id or an alternative name to a record reconciles the
imports with it at the next build, without re-importing anything.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..iris import Minter
from ..namespaces import FRAPO, ORG, PMKG, RDF, RDFS, SCHEMA, XSD

XSD_STRING, XSD_DECIMAL = str(XSD.string), str(XSD.decimal)
DATE_TYPES = frozenset({str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)})

#: Identifier properties: (predicate IRI) -> key kind. org:identifier is keyed by its datatype.
KEY_PREDICATES: dict[str, str] = {
    str(PMKG.ror): "ror",
    str(PMKG.nctId): "nct",
    str(PMKG.cordisId): "cordis",
    str(FRAPO.hasGrantNumber): "grant",
    str(PMKG.eudractNumber): "eudract",
    str(PMKG.ctisNumber): "ctis",
    str(PMKG.wikidata): "wikidata",
    str(ORG.identifier): "id",
}
#: When one imported record matches several curated ones by different identifiers, the first wins.
KEY_PRIORITY = ("ror", "nct", "cordis", "grant", "id", "eudract", "ctis", "wikidata")

NAME, ALT, ACRONYM, COUNTRY = str(SCHEMA.name), str(SCHEMA.alternateName), str(PMKG.acronym), str(SCHEMA.addressCountry)
TYPE = str(RDF.type)
GROUPS = {str(SCHEMA.Organization): "organisation", str(SCHEMA.FundingScheme): "programme"}

#: On a curated node, an imported value of these that the curated data does not have is a conflict:
#: left out and reported (when the curated node has a value at all).
CURATED_WINS: frozenset[str] = frozenset(str(p) for p in (
    SCHEMA.name, PMKG.acronym, SCHEMA.startDate, SCHEMA.endDate, SCHEMA.foundingDate, SCHEMA.duration,
    SCHEMA.addressLocality, PMKG.status, PMKG.phase, PMKG.organisationKind, PMKG.projectKind,
    SCHEMA.url, PMKG.ror, PMKG.wikidata, PMKG.nctId, PMKG.cordisId, PMKG.eudractNumber, PMKG.ctisNumber,
    FRAPO.hasGrantNumber, PMKG.fundingReference, SCHEMA.value, SCHEMA.currency, SCHEMA.funder,
    SCHEMA.parentOrganization, PMKG.coordinator,
))
#: Left out without a report when the curated node has a value: they follow from reported ones
#: (the label from the name, the classes from the kind) or are prose that differs by nature.
CURATED_WINS_QUIETLY: frozenset[str] = frozenset(str(p) for p in (RDFS.label, RDF.type, SCHEMA.description))
#: The country of an organisation is single-valued; a trial's countries are a list an import may extend.
ORG_ONLY = frozenset({COUNTRY})
COORDINATOR = "coordinator"


def norm_name(text: str) -> str:
    """A name for comparison: accents dropped, case folded, punctuation to spaces."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


def _lit_key(value: str, dt: str, lang: str | None) -> tuple:
    if lang:
        return ("l", value, "", lang.lower())
    if dt == XSD_STRING:
        dt = ""
    elif dt == XSD_DECIMAL:
        try:
            value = format(Decimal(value).normalize(), "f")
        except InvalidOperation:
            pass
    return ("l", value, dt, "")


_UNESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(m: re.Match) -> str:
    e = m.group(1)
    return chr(int(e[1:], 16)) if e[0] in "uU" else _ECHAR.get(e, e)


def literal_key(text: str) -> tuple:
    """:func:`term_key` of a literal written in N-Triples syntax (``"..."``, ``"..."@en``, ``"..."^^<dt>``)."""
    lang, dt = None, XSD_STRING
    if text.endswith(">"):
        i = text.rfind('"^^<')
        body, dt = text[1:i], text[i + 4:-1]
    elif text.endswith('"'):
        body = text[1:-1]
    else:
        i = text.rfind('"@')
        body, lang = text[1:i], text[i + 2:]
    if "\\" in body:
        body = _UNESCAPE.sub(_unescape, body)
    return _lit_key(body, dt, lang)


def term_key(t) -> tuple:
    """A comparable key for an rdflib term: equal values give equal keys (5968725 and 5968725.00
    as xsd:decimal are the same amount), and the same key as :func:`ox_key` gives its twin."""
    from rdflib import Literal

    if isinstance(t, Literal):
        return _lit_key(str(t), str(t.datatype) if t.datatype else "", t.language)
    return ("i", str(t))


def ox_key(t) -> tuple:
    """:func:`term_key` for a pyoxigraph term."""
    dt = getattr(t, "datatype", None)
    if dt is None:
        return ("i", t.value)
    return _lit_key(t.value, dt.value, t.language)


def show(key: tuple, mint: Minter | None = None) -> str:
    """A short human-readable form of a term key."""
    if key[0] == "i":
        from ..stats import curie

        v = key[1]
        if mint is not None and v.startswith(mint.prefixes()["pm"]):
            return "pm:" + v[len(mint.prefixes()["pm"]):]
        if mint is not None and v.startswith(mint.prefixes()["part"]):
            return "part:" + v[len(mint.prefixes()["part"]):]
        return curie(v) if curie(v) != v else f"<{v}>"
    text = key[1] if len(key[1]) <= 80 else key[1][:77] + "..."
    return repr(text)


@dataclass
class Keys:
    """What identifies one entity: identifiers, names, acronyms, countries and its group."""

    keys: set[tuple[str, str]] = field(default_factory=set)
    names: set[str] = field(default_factory=set)        # normalised full names (name, alternateName)
    acronyms: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    group: str | None = None

    def feed(self, p: str, o_key: tuple) -> None:
        """Take one (predicate, object key) of the entity into account."""
        kind = KEY_PREDICATES.get(p)
        if kind is not None:
            if kind == "id":
                kind = "id:" + o_key[2]  # org:identifier "999654356"^^pmkg:PIC -> ("id:<datatype>", value)
            self.keys.add((kind, o_key[1]))
        elif p in (NAME, ALT):
            self.names.add(norm_name(o_key[1]))
        elif p == ACRONYM:
            self.acronyms.add(norm_name(o_key[1]))
        elif p == COUNTRY:
            self.countries.add(o_key[1])
        elif p == TYPE and o_key[1] in GROUPS and self.group is None:
            self.group = GROUPS[o_key[1]]

    @property
    def full_names(self) -> set[str]:
        """Names that are not acronyms (an acronym is also a schema:alternateName)."""
        return self.names - self.acronyms


FEED_PREDICATES = frozenset(KEY_PREDICATES) | {NAME, ALT, ACRONYM, COUNTRY, TYPE}


@dataclass
class Conflict:
    """An imported fact left out because the curated node says otherwise."""

    subject: str
    predicate: str
    curated: list[tuple]
    imported: tuple

    def text(self, mint: Minter | None = None) -> str:
        from ..stats import curie

        cur = ", ".join(show(k, mint) for k in self.curated)
        subj = show(("i", self.subject), mint)
        return f"{subj} {curie(self.predicate)}: curated {cur} kept, imported {show(self.imported, mint)} left out"


class CuratedIndex:
    """The curated graph's identifiers, names and single-valued facts, read once before any import."""

    def __init__(self, mint: Minter) -> None:
        self.mint = mint
        self.entities: dict[str, Keys] = {}
        self.by_key: dict[tuple[str, str], str] = {}
        self.by_name: dict[str, set[str]] = {}
        self.by_acronym: dict[str, set[str]] = {}
        self.subjects: set[str] = set()
        self.values: dict[tuple[str, str], set[tuple]] = {}
        self.types: dict[str, set[str]] = {}
        self.coordinators: dict[str, set[str]] = {}

    @classmethod
    def from_dataset(cls, ds, mint: Minter) -> "CuratedIndex":
        """Index the curated quads of an rdflib Dataset (call it before loading any import)."""
        idx = cls(mint)
        ent = mint.prefixes()["pm"]
        for s, p, o, _g in ds.quads((None, None, None, None)):
            ss, ps = str(s), str(p)
            idx.subjects.add(ss)
            ok = term_key(o)
            if ps in CURATED_WINS or ps in CURATED_WINS_QUIETLY or ps in ORG_ONLY or ps == ALT:
                idx.values.setdefault((ss, ps), set()).add(ok)
            if ps == TYPE:
                idx.types.setdefault(ss, set()).add(ok[1])
            if ps in FEED_PREDICATES and ss.startswith(ent) and "." not in ss[len(ent):]:
                idx.entities.setdefault(ss, Keys()).feed(ps, ok)
            if ps == str(PMKG.coordinator):
                idx.coordinators.setdefault(ss, set()).add(str(o))
        for iri, k in idx.entities.items():
            for key in k.keys:
                idx.by_key.setdefault(key, iri)
            if k.group:
                for n in k.full_names:
                    idx.by_name.setdefault(n, set()).add(iri)
                for a in k.acronyms:
                    idx.by_acronym.setdefault(a, set()).add(iri)
        return idx

    def match(self, k: Keys) -> tuple[str, str] | None:
        """The curated entity IRI an imported entity with keys ``k`` is, and by which rule; else None."""
        hits = {kind: self.by_key[(kind, v)] for kind, v in k.keys if (kind, v) in self.by_key}
        for kind in KEY_PRIORITY:
            for hk, iri in hits.items():
                if hk == kind or hk.startswith(kind + ":"):
                    return iri, kind
        if k.group is None:
            return None
        for names, table, rule in ((k.full_names, self.by_name, "name"), (k.acronyms, self.by_acronym, "acronym")):
            cands = set()
            for n in names:
                cands |= table.get(n, set())
            cands = {c for c in cands if self._compatible(k, self.entities[c], rule)}
            if len(cands) == 1:
                return cands.pop(), rule
        return None

    def _compatible(self, k: Keys, cur: Keys, rule: str) -> bool:
        if cur.group != k.group:
            return False
        if rule == "acronym" and not (k.countries and cur.countries):
            return False  # an acronym alone is too short a name: the country must agree too
        if k.countries and cur.countries and not (k.countries & cur.countries):
            return False
        # an identifier of the same kind that differs says these are two organisations
        cur_kinds = {kind: set() for kind, _ in cur.keys}
        for kind, v in cur.keys:
            cur_kinds[kind].add(v)
        return all(v in cur_kinds[kind] for kind, v in k.keys if kind in cur_kinds)


class Reconciler:
    """Renames imported entities to their curated twins and leaves out facts the curated data contradicts.

    Use in two passes over an import's quads: :meth:`feed` every quad (pass 1), then
    :meth:`finish`, then :meth:`apply` to every quad (pass 2), which returns the quad to keep
    (renamed) or None.
    """

    def __init__(self, index: CuratedIndex) -> None:
        self.index, self.mint = index, index.mint
        self._ent = self.mint.prefixes()["pm"]
        self._part = self.mint.prefixes()["part"]
        self._keys: dict[str, Keys] = {}
        self.aliases: dict[str, str] = {}      # imported record id -> curated record id
        self.rules: dict[str, int] = {}        # how many entities matched by each rule
        self.conflicts: dict[tuple, Conflict] = {}
        self.entities: set[str] = set()        # every imported entity IRI (before renaming)
        self._dropped_parts: set[str] = set()
        self._renamed: dict[str, str] = {}

    # pass 1 ------------------------------------------------------------------------------------
    def feed(self, s: str, p: str, o_key: tuple) -> None:
        if not s.startswith(self._ent) or "." in s[len(self._ent):]:
            return
        if p == TYPE:
            self.entities.add(s)
            if o_key[1] not in GROUPS:
                return
        k = self._keys.get(s)
        if p in (NAME, ALT):
            n = norm_name(o_key[1])
            if n in self.index.by_name:  # only names a curated record has can match: keep memory small
                if k is None:
                    k = self._keys[s] = Keys()
                k.names.add(n)
            return
        if k is None:
            k = self._keys[s] = Keys()
        k.feed(p, o_key)

    def finish(self) -> None:
        """Decide the aliases once every quad has been fed."""
        rid = self.mint.record_id
        for s, k in self._keys.items():
            if s in self.index.subjects:
                continue  # already a curated node (same IRI)
            m = self.index.match(k)
            if m is not None:
                a, b = rid(s), rid(m[0])
                if a and b:
                    self.aliases[a] = b
                    self.rules[m[1]] = self.rules.get(m[1], 0) + 1
        self._keys.clear()

    # pass 2 ------------------------------------------------------------------------------------
    def rename(self, iri: str) -> str:
        """``iri`` with aliased record ids replaced (remembered: an import repeats its IRIs a lot)."""
        if not self.aliases:
            return iri
        got = self._renamed.get(iri)
        if got is None:
            if len(self._renamed) > 200_000:
                self._renamed.clear()
            got = self._renamed[iri] = self.mint.rename(iri, self.aliases)
        return got

    def attention(self, s: str) -> bool:
        """Whether a quad whose (renamed) subject is ``s`` must go through :meth:`judge`: a curated
        node, or a coordinator participation that may clash with a curated coordinator. Every other
        quad is kept as it is (renamed)."""
        if s in self.index.subjects or s in self._dropped_parts:
            return True
        return bool(self.index.coordinators) and ".coordinator." in s and s.startswith(self._part)

    def apply(self, s: str, p: str, o: str | None, o_key: tuple) -> tuple[str, str, str | None] | None:
        """The (subject, predicate, object IRI or None) to keep for an imported quad, renamed; None
        to leave it out. ``o`` is the object IRI (None for a literal), ``o_key`` its :func:`term_key`."""
        s = self.rename(s)
        if o is not None:
            o = self.rename(o)
            o_key = ("i", o)
        return self.judge(s, p, o, o_key) if self.attention(s) else (s, p, o)

    def judge(self, s: str, p: str, o: str | None, o_key: tuple) -> tuple[str, str, str | None] | None:
        """:meth:`apply` for an already renamed quad.

        On a curated node a differing name is kept as an alternative name (an organisation has
        many names; the curated one stays the name), and a value that differs only in case or
        accents ('OSLO', 'Oslo') or in date precision is dropped without a report.
        """
        idx = self.index
        if s not in idx.subjects:
            if s in self._dropped_parts:
                return None
            if idx.coordinators:
                part = self.mint.split_participation(s)
                if part is not None and part[1] == COORDINATOR and self._coordinator_conflict(part, o_key):
                    return None
            return s, p, o
        if p in CURATED_WINS or p in CURATED_WINS_QUIETLY or (p in ORG_ONLY and self._is_org(s)):
            if p == TYPE:
                return (s, p, o) if o_key[1] in idx.types.get(s, ()) else None
            have = idx.values.get((s, p))
            if have and o_key not in have:
                if o_key[0] == "l" and self._same_text(o_key, have):
                    return None
                if p == NAME:
                    names = idx.values.get((s, ALT), set()) | have
                    return None if self._same_text(o_key, names) else (s, ALT, o)
                if p in CURATED_WINS or p in ORG_ONLY:
                    self.conflicts.setdefault((s, p, o_key), Conflict(s, p, sorted(have), o_key))
                return None
        return s, p, o

    @staticmethod
    def _same_text(o_key: tuple, have: set[tuple]) -> bool:
        """The same text but for case and accents, or the same date at another precision (2009, 2009-01-01)."""
        n = norm_name(o_key[1])
        if o_key[2] in DATE_TYPES:
            return any(k[2] in DATE_TYPES and (k[1].startswith(o_key[1]) or o_key[1].startswith(k[1])) for k in have)
        return any(k[0] == "l" and norm_name(k[1]) == n for k in have)

    def _is_org(self, s: str) -> bool:
        return str(SCHEMA.Organization) in self.index.types.get(s, ())

    def _coordinator_conflict(self, part: tuple[str, str, str], o_key: tuple) -> bool:
        """A new coordinator for a curated project that has another: leave the participation out."""
        thing = self._ent + part[0]
        have = self.index.coordinators.get(thing)
        who = self._ent + part[2]
        if not have or who in have:
            return False
        node = str(self.mint.participation(*part))
        self._dropped_parts.add(node)
        key = (thing, str(PMKG.coordinator), ("i", who))
        self.conflicts.setdefault(key, Conflict(thing, str(PMKG.coordinator),
                                                sorted(("i", c) for c in have), ("i", who)))
        return True

    @property
    def merged(self) -> int:
        """How many imported entities became curated ones."""
        return len(self.aliases) + sum(1 for e in self.entities if e in self.index.subjects)


def source_of(mint: Minter, name: str) -> str:
    """The source IRI of an import, as a string."""
    return str(mint.import_source(name))


__all__ = ["CuratedIndex", "Reconciler", "Conflict", "Keys", "norm_name", "term_key", "ox_key"]
