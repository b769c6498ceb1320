"""The one entity resolver: a name, an acronym, an id, a CURIE, an IRI or a registry number -> an entity.

Query parameters, ``pmkg path``, ``viz --focus`` and the pages all resolve what
a user typed here. The writer keeps a names index (``graph/names``: every key an
entity can be called by, normalised by :func:`kg.names.lookup_key`), so
resolving one value is one index look-up: it costs the same at 5,000 and at
5,000,000 triples. A store without the index (an endpoint loaded by other
means) is searched by its labels instead, more slowly.

A grant's title often repeats what it funds ("Genomic Medicine Sweden" is an
organisation and the title of a Vinnova grant), so a grant's names count only
when nothing else has that name; its id and IRI always count.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import pyoxigraph as ox

from .names import NAMES_GRAPH, lookup_key, lookup_variants
from .prefixes import VOCAB_PREFIXES, instance_prefixes
from .store import Store

PMKG = VOCAB_PREFIXES["pmkg"]
SCHEMA = VOCAB_PREFIXES["schema"]
RDFS = VOCAB_PREFIXES["rdfs"]
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
#: class -> the kind of entity a message calls it, in order of precedence
TYPES = ((SCHEMA + "MedicalTrial", "trial"), (SCHEMA + "Project", "project"), (SCHEMA + "MonetaryGrant", "grant"),
         (SCHEMA + "FundingScheme", "programme"), (SCHEMA + "Organization", "organisation"))


class ResolveError(ValueError):
    """A value names no entity, or several: the message lists the candidates or close matches."""


@dataclass(frozen=True)
class Entity:
    """An entity as a message shows it."""

    iri: str
    type: str
    name: str | None

    def show(self) -> str:
        return f"{self.name or self.iri} ({self.type}) <{self.iri}>"


class Resolver:
    """Resolves values against one store (see the module docstring)."""

    def __init__(self, store: Store, base: str | None = None) -> None:
        self.store = store
        self.base = base or getattr(store, "base", None) or "https://w3id.org/pmkg/"
        self.graph = instance_prefixes(self.base)["graph"] + NAMES_GRAPH
        self._indexed: bool | None = None

    def indexed(self) -> bool:
        """Whether the store has the names index."""
        if self._indexed is None:
            self._indexed = bool(self.store.query(f"ASK {{ GRAPH <{self.graph}> {{ ?s ?p ?o }} }}").boolean)
        return self._indexed

    def candidates(self, value: str) -> list[str]:
        """The IRIs of every entity ``value`` names (the weak names only when no other name fits)."""
        text = value.strip()
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        if text.startswith("pm:"):
            text = instance_prefixes(self.base)["pm"] + text[3:]
        for i, variant in enumerate([text, *lookup_variants(text)]):   # then without "The", "AB" ... (kg.names)
            found = self._lookup(variant) if self.indexed() else self._scan(variant, iris=i == 0)
            if found:
                return found
        return []

    def _lookup(self, text: str) -> list[str]:
        key = ox.Literal(lookup_key(text))
        for pred in ("lookupKey", "weakLookupKey"):
            res = self.store.query(f"SELECT DISTINCT ?e ?k WHERE {{ GRAPH <{self.graph}> {{ ?e <{PMKG}{pred}> ?k }} }}",
                                   {"k": key})
            found = sorted({row[0].value for row in res.rows})
            if found:
                return found
        return []

    def _scan(self, text: str, iris: bool = True) -> list[str]:
        """Look-up by labels, acronyms and registry numbers when the store has no names index."""
        res = self.store.query(
            f"SELECT DISTINCT ?e WHERE {{ {{ ?e <{RDFS}label> ?l }} UNION {{ ?e <{PMKG}acronym> ?l }} "
            f"UNION {{ ?e <{SCHEMA}alternateName> ?l }} UNION {{ ?e <{PMKG}nctId> ?l }} "
            f"FILTER(LCASE(STR(?l)) = LCASE(?t)) }}", {"t": ox.Literal(text)})
        found = {row[0].value for row in res.rows}
        ent = instance_prefixes(self.base)["pm"]
        for iri in (text, ent + text) if iris else ():
            if _iri_ok(iri) and self.store.query("ASK { ?e a ?c }", {"e": ox.NamedNode(iri)}).boolean:
                found.add(iri)
        return sorted(found)

    def entities(self, iris: list[str]) -> list[Entity]:
        """Type and name of each IRI, for messages."""
        if not iris:
            return []
        values = " ".join(f"<{i}>" for i in iris if _iri_ok(i))
        res = self.store.query(f"SELECT ?e ?c ?l WHERE {{ VALUES ?e {{ {values} }} OPTIONAL {{ ?e a ?c }} "
                               f"OPTIONAL {{ ?e <{RDFS}label> ?l }} }}")
        info: dict[str, tuple[set[str], set[str]]] = {i: (set(), set()) for i in iris}
        for e, c, label in res.rows:
            if c is not None:
                info[e.value][0].add(c.value)
            if label is not None:
                info[e.value][1].add(label.value)
        out = []
        for i in iris:
            classes, labels = info[i]
            kind = next((k for cls, k in TYPES if cls in classes), "entity")
            out.append(Entity(i, kind, min(labels) if labels else None))
        return out

    def resolve(self, value: str, what: str = "entity") -> Entity:
        """The one entity ``value`` names; :class:`ResolveError` lists the candidates or close matches.
        ``what`` names the value in messages (``--param project``, ``A`` ...)."""
        if not value.strip():
            raise ResolveError(f"{what}: an empty value names no entity")
        found = self.candidates(value)
        if len(found) == 1:
            return self.entities(found)[0]
        if found:
            listed = "\n".join("  " + e.show() for e in self.entities(found))
            raise ResolveError(f"{what}={value!r} is ambiguous: it names {len(found)} entities:\n{listed}\n"
                               f"Use the IRI (or the id) of the one you mean.")
        raise ResolveError(f"{what}={value!r}: no entity has that name, acronym, id or registry number"
                           + self._suggest(value))

    def _suggest(self, value: str) -> str:
        """Close matches, found by scanning the keys that share a word with ``value`` (the slow path of
        an error message only)."""
        key = lookup_key(value)
        if not key:
            return "."
        # the first four letters of each word, so that a typo later in a word still finds it
        words = [w[:4] for w in key.replace("-", " ").split() if len(w) >= 3] or [key[:3]]
        bound = {f"w{i}": ox.Literal(w) for i, w in enumerate(words[:4])}   # bound, never pasted
        filt = " || ".join(f"CONTAINS(LCASE(STR(?k)), ?{v})" for v in bound)
        if self.indexed():
            res = self.store.query(f"SELECT ?e ?k WHERE {{ GRAPH <{self.graph}> {{ ?e <{PMKG}lookupKey> ?k }} "
                                   f"FILTER({filt}) }} LIMIT 5000", bound)
        else:   # no index: the labels and acronyms themselves
            res = self.store.query(f"SELECT ?e ?k WHERE {{ {{ ?e <{RDFS}label> ?k }} UNION "
                                   f"{{ ?e <{PMKG}acronym> ?k }} FILTER({filt}) }} LIMIT 5000", bound)
        by_key: dict[str, set[str]] = {}
        for e, k in res.rows:
            if not k.value.startswith("http"):
                by_key.setdefault(lookup_key(k.value), set()).add(e.value)
        close = difflib.get_close_matches(key, list(by_key), n=6, cutoff=0.5)
        close += [k for k in sorted(by_key, key=len) if key in k and k not in close][:6]
        if not close:   # a typo in a short name shares no word with it ("GSM" for GMS): keys of about its length
            for e, k in self._keys_near_length(len(key)):
                if not k.value.startswith("http"):
                    by_key.setdefault(lookup_key(k.value), set()).add(e.value)
            close = difflib.get_close_matches(key, list(by_key), n=6, cutoff=0.6)
        iris: list[str] = []
        for k in close:
            for i in sorted(by_key[k]):
                if i not in iris:
                    iris.append(i)
        if not iris:
            return ". (`pmkg stats` and `pmkg query external-ids` show what is there.)"
        return ". Close matches:\n" + "\n".join("  " + e.show() for e in self.entities(iris[:8]))

    def _keys_near_length(self, n: int) -> list:
        """(entity, key) rows of the names whose length is within a third of ``n`` (two at least)."""
        slack = max(2, n // 3)
        bound = {"lo": ox.Literal(str(max(1, n - slack)), datatype=XSD_INTEGER),
                 "hi": ox.Literal(str(n + slack), datatype=XSD_INTEGER)}
        if self.indexed():
            q = f"SELECT ?e ?k WHERE {{ GRAPH <{self.graph}> {{ ?e <{PMKG}lookupKey> ?k }} "
        else:
            q = f"SELECT ?e ?k WHERE {{ {{ ?e <{RDFS}label> ?k }} UNION {{ ?e <{PMKG}acronym> ?k }} "
        res = self.store.query(q + "FILTER(STRLEN(STR(?k)) >= ?lo && STRLEN(STR(?k)) <= ?hi) } LIMIT 20000", bound)
        return list(res.rows)


def _iri_ok(iri: str) -> bool:
    return iri.startswith(("http://", "https://", "urn:")) and not any(c in iri for c in '<>"{}|^`\\ \n\t')


def record_id(iri: str, base: str) -> str | None:
    """The record id of an entity IRI minted under ``base``, else None."""
    ns = instance_prefixes(base)["pm"]
    return iri[len(ns):] if iri.startswith(ns) and "/" not in iri[len(ns):] else None
