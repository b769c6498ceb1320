"""ORDER BY in Python, where Oxigraph's own sort is the slow part of a large answer.

Oxigraph on disk compares two strings by reading both from its dictionary (RocksDB) on every
comparison, so sorting 10,000 rows by name costs more than finding them (0.35 s of 0.5 s for
``external-ids`` at 750,000 quads, 0.6 s of 1.1 s for ``coordinators``). For a query whose last clause is
``ORDER BY`` over projected variables, :class:`kg.store.OxigraphStore` runs it without that clause and
sorts the rows here, by the order SPARQL 1.1 defines (section 15.1): unbound first, then IRIs by their
characters, then literals by the ``<`` operator. Only where that order is plain is it used: a column of
simple strings, of integers and decimals, of booleans, or of dates, year-months and years without a
time zone (each with IRIs and unbound values). Anything else (language-tagged strings, blank nodes,
doubles, a mix of kinds) returns None, and the store sorts the query itself, as it does a key the
SELECT clause does not name. Rows that tie on every key
keep the order the store found them in, as SPARQL leaves it open.

    >>> split_order("SELECT ?a ?b WHERE { ?a <p> ?b }\\nORDER BY DESC(?b) ?a\\n")
    ('SELECT ?a ?b WHERE { ?a <p> ?b }\\n', [('b', True), ('a', False)])
    >>> split_order("SELECT * WHERE { { SELECT ?a WHERE { ?a <p> ?b } ORDER BY ?b LIMIT 1 } }") is None
    True

This module loads no RDF library beyond pyoxigraph's terms.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + "integer", XSD + "decimal", XSD + "int", XSD + "long", XSD + "short", XSD + "byte",
           XSD + "nonNegativeInteger", XSD + "positiveInteger", XSD + "nonPositiveInteger",
           XSD + "negativeInteger", XSD + "unsignedInt", XSD + "unsignedLong", XSD + "unsignedShort",
           XSD + "unsignedByte"}
_KEY = r"(?:\?\w+|(?:ASC|DESC)\s*\(\s*\?\w+\s*\))"
# the query's last clause: ORDER BY and nothing after it but white space and whole comment lines
_ORDER = re.compile(rf"(\}}\s*(?:GROUP\s+BY(?:\s+\?\w+)+\s*)?)ORDER\s+BY((?:\s+{_KEY})+)\s*(?:#[^\n]*\s*)*\Z",
                    re.IGNORECASE)
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?\Z")
#: Dates of three precisions, compared by their text: chronological for four-digit years without a time
#: zone. Within one type that is the value order; between types SPARQL defines none (Oxigraph takes them
#: for equal, so its order there is arbitrary): a year comes before the dates within it.
DATES = {XSD + "date", XSD + "gYearMonth", XSD + "gYear"}


def split_order(sparql: str) -> tuple[str, list[tuple[str, bool]]] | None:
    """The query without its closing ``ORDER BY``, and the keys (variable, descending); None when the
    query does not end with an ORDER BY over plain variables (then the store must sort it)."""
    m = _ORDER.search(sparql)
    if m is None:
        return None
    keys = [(re.sub(r"\W", "", k.split("?")[1]), k.upper().startswith("DESC"))
            for k in re.findall(_KEY, m.group(2), re.IGNORECASE)]
    shown = _projected(sparql)
    if shown is not None and not all(var in shown for var, _ in keys):
        return None   # a key the rows do not carry: only the store can sort by it
    return sparql[:m.end(1)].rstrip() + "\n", keys


def _projected(sparql: str) -> set[str] | None:
    """The variables named in the query's SELECT clause (a superset of those it projects: those inside
    its expressions too); None for ``SELECT *`` or when the clause is not found. The clause is what
    comes before the first ``{``, IRIs and comments left out."""
    head = re.sub(r"<[^<>\s]*>", "<>", sparql.split("{", 1)[0])
    head = re.sub(r"#[^\n]*", "", head)
    m = re.search(r"\bSELECT\b(.*)", head, re.IGNORECASE | re.DOTALL)
    if m is None or re.match(r"\s*(DISTINCT|REDUCED)?\s*\*", m.group(1), re.IGNORECASE):
        return None
    return set(re.findall(r"[?$](\w+)", m.group(1)))


def _kind(t) -> tuple[str, object] | None:
    """A term's place in the SPARQL order: its kind and the value it is compared by; None when this
    module does not order it (the store then sorts)."""
    if isinstance(t, ox.NamedNode):
        return "iri", t.value
    if not isinstance(t, ox.Literal) or t.language:
        return None
    dt = t.datatype.value
    if dt == XSD + "string":
        return "string", t.value
    if dt in NUMERIC:
        try:
            return "number", Decimal(t.value)
        except InvalidOperation:
            return None
    if dt == XSD + "boolean":
        return "boolean", t.value in ("true", "1")
    if dt in DATES and _DATE.match(t.value):
        return "date", t.value
    return None


def sort_rows(names: list[str], rows: list[tuple], keys: list[tuple[str, bool]]) -> list[tuple] | None:
    """``rows`` (tuples in the order of ``names``) sorted by ``keys``, as SPARQL orders them; None when a
    key is not a column or a column holds values this module does not order (see the module docstring)."""
    columns = []
    for var, desc in keys:
        if var not in names:
            return None
        i = names.index(var)
        kinds: set[str] = set()
        key: list[tuple] = []
        for row in rows:
            t = row[i]
            if t is None:
                key.append((0, 0))
                continue
            k = _kind(t)
            if k is None:
                return None
            if k[0] == "iri":
                key.append((1, k[1]))
            else:
                kinds.add(k[0])
                key.append((2, k[1]))
            if len(kinds) > 1:   # strings beside numbers ...: SPARQL leaves their order to the store
                return None
        columns.append((key, desc))
    order = list(range(len(rows)))
    for key, desc in reversed(columns):   # stable sorts, last key first
        order.sort(key=key.__getitem__, reverse=desc)
    return [rows[n] for n in order]
