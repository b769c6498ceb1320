"""Names: the one normalisation of a name, an acronym, an id or an IRI, and the forms a name can take.

:func:`lookup_key` is the key of the names index: the writer puts these keys in
the named graph ``graph/names`` (outside the union); :mod:`kg.resolve`
normalises what a user types the same way, so "prime-rose", "PRIME-ROSE" and
"  Prime-Rose " find the same project with one index look-up.

:func:`spelling_key` and :func:`name_forms` are what reconciling imports
(:mod:`kg.importers.reconcile`) compares names by, so that a registry's
spelling of a curated organisation's name is recognised the way a curator would:

* spelling: case, accents and other diacritics, transliteration (ø -> o, ß -> ss,
  Cyrillic or Greek letters -> Latin ones: the library ``anyascii``), punctuation
  and white space ("Göteborg" = "Goteborg"; a translation such as "Gothenburg" is
  only known from a curated alternative name or a registry's alias);
* a leading article ("The Netherlands Cancer Institute", "Het ...", "La ...");
* a legal form at the end ("AB", "AS", "ASA", "GmbH", "Inc.", "Ltd", "SA", "BV",
  "NV", "Oy", "AG", "SpA", "(publ)" ...);
* a parenthesised acronym or remark ("... Ziekenhuis (NKI-AVL)"): the name
  without it, and the acronym as an acronym;
* the parts of a name joined by a spaced dash ("Netherlands Cancer Institute -
  Antoni van Leeuwenhoek Ziekenhuis"), each of two words or more.

Each form carries the rule that made it, so that every merge by name can be
listed with the rule a curator has to check.
"""
from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

NAMES_GRAPH = "names"

#: Rules, from the strongest to the weakest, as the import report names them.
SAME = "same name"
SPELLING = "same name but for spelling: case, accents, punctuation"
ARTICLE = "leading article"
LEGAL = "legal form"
PARENTHESIS = "parenthesised part left out"
PART = "part of a name joined by ' - '"

#: Legal forms (after :func:`spelling_key`), dropped from the end of a name: one or more words each.
LEGAL_FORMS = frozenset({
    "ab", "publ", "ab publ", "as", "a s", "asa", "aps", "hf", "ehf", "oy", "oyj", "ab oy",
    "gmbh", "ggmbh", "mbh", "gmbh co kg", "ag", "kg", "kgaa", "e v", "ev", "se",
    "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "llp", "lp", "ltd", "limited", "plc",
    "pty ltd", "pvt ltd", "sa", "s a", "sas", "s a s", "sarl", "s a r l", "srl", "s r l", "spa", "s p a",
    "sl", "s l", "slu", "bv", "b v", "nv", "n v", "sro", "s r o", "kft", "zrt", "ou",
})
_LEGAL_MAX = max(len(f.split()) for f in LEGAL_FORMS)
#: Articles dropped from the start of a name (English, Dutch, French, Spanish, Italian, German).
ARTICLES = frozenset({"the", "de", "het", "la", "le", "les", "l", "el", "los", "las", "il", "lo", "der", "die", "das"})
_PAREN = re.compile(r"^(?P<base>.*?)\s*[(\[](?P<inner>[^()\[\]]+)[)\]]\s*$")
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
_ACRONYM = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Z0-9][A-Za-z0-9&.\-/]{1,15}$")


def lookup_key(text: str) -> str:
    """``text`` with compatibility forms folded (NFKC), case folded and runs of white space made one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def lookup_variants(text: str) -> list[str]:
    """The look-up keys of ``text`` without its leading article and its legal forms ("The Oslo
    University Hospital HF" -> "oslo university hospital"): what :mod:`kg.resolve` tries when the
    value itself names nothing. Empty when there is nothing to leave out."""
    words = lookup_key(text).split()
    out: list[str] = []
    if len(words) > 1 and spelling_key(words[0]) in ARTICLES:
        words = words[1:]
        out.append(" ".join(words))
    changed = True
    while changed and len(words) > 1:
        changed = False
        for n in range(min(_LEGAL_MAX, len(words) - 1), 0, -1):
            if spelling_key(" ".join(words[-n:])) in LEGAL_FORMS:
                words, changed = words[:-n], True
                words[-1] = words[-1].rstrip(",;")
                out.append(" ".join(words))
                break
    return list(dict.fromkeys(k for k in out if k))


def spelling_key(text: str) -> str:
    """A name for comparison: transliterated to ASCII (accents dropped), case folded, '&' read as
    'and', punctuation to spaces. Two names with the same key differ only in spelling."""
    plain = anyascii(unicodedata.normalize("NFKC", text)).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def strip_article(key: str) -> str:
    """A spelling key without its leading article ("the netherlands cancer institute" -> "netherlands ...")."""
    words = key.split(" ", 1)
    return words[1] if len(words) == 2 and words[0] in ARTICLES else key


def strip_legal_form(key: str) -> str:
    """A spelling key without the legal forms at its end ("astrazeneca ab" -> "astrazeneca")."""
    words = key.split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        for n in range(min(_LEGAL_MAX, len(words) - 1), 0, -1):
            if " ".join(words[-n:]) in LEGAL_FORMS:
                words, changed = words[:-n], True
                break
    return " ".join(words)


def parenthesised_acronym(text: str) -> str | None:
    """The acronym a name gives in parentheses at its end ("... Ziekenhuis (NKI-AVL)" -> "NKI-AVL"), else None."""
    m = _PAREN.match(text.strip())
    if m and m["base"] and _ACRONYM.match(m["inner"].strip()):
        return m["inner"].strip()
    return None


def name_forms(text: str) -> dict[str, tuple[str, ...]]:
    """Every form of the name ``text`` a curator would accept as the same name: spelling key ->
    the rules that made it (empty for the name's own spelling key). See the module docstring."""
    bases: list[tuple[str, tuple[str, ...]]] = [(text, ())]
    m = _PAREN.match(text.strip())
    if m and m["base"]:
        bases.append((m["base"], (PARENTHESIS,)))
    for base, rules in list(bases):
        parts = _DASH.split(base)
        if len(parts) > 1:
            bases += [(p, (*rules, PART)) for p in parts if len(spelling_key(p).split()) >= 2]
    forms: dict[str, tuple[str, ...]] = {}
    for base, rules in bases:
        key = spelling_key(base)
        no_article = strip_article(key)
        for k, extra in ((key, ()), (no_article, (ARTICLE,)), (strip_legal_form(key), (LEGAL,)),
                         (strip_legal_form(no_article), (ARTICLE, LEGAL))):
            if k and k not in forms:
                forms[k] = (*rules, *extra)
    return forms
