"""Countries: the one place that turns what people and registries write into ISO 3166-1 alpha-2 codes.

The graph stores a country as its ISO 3166-1 alpha-2 code (``SE``). Users type codes or English names
(``se``, ``Sweden``); the EU and CORDIS write ``UK`` and ``EL`` for ``GB`` and ``GR``, and ``XK`` for
Kosovo (a user-assigned code, kept deliberately); registries add names of their own, which their
importers may pass as ``extra`` names. pycountry holds the ISO 3166 data; the names it does not know
that registries and people use ("Russia", "Turkey (Türkiye)") are data, with their sources, in
``country-names.tsv`` next to this module.

>>> code("Sweden"), code("se"), code("UK"), code("Kosovo")
('SE', 'SE', 'GB', 'XK')
>>> is_code("SE"), is_code("XX"), is_code("EU")
(True, False, False)
>>> code("Russia"), code("Turkey (Türkiye)")
('RU', 'TR')
>>> try:
...     code("Swedn")
... except UnknownCountry as e:
...     print(e)
unknown country 'Swedn' (did you mean SE (Sweden), SN (Senegal), SD (Sudan)?)
"""
from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pycountry

#: The EU's own codes (CORDIS, Eurostat) that differ from ISO 3166-1 alpha-2.
EU_CODES = {"UK": "GB", "EL": "GR"}
#: Codes outside ISO 3166-1 that the graph keeps on purpose, with their English names.
EXTRA_CODES = {"XK": "Kosovo"}
#: Other names of countries, one per line: name, tab, alpha-2 code, tab, where the name is used.
ALT_NAMES_FILE = Path(__file__).with_name("country-names.tsv")


class UnknownCountry(ValueError):
    """A country that is neither an ISO 3166-1 code nor a name pmkg knows; ``suggestions`` are close codes."""

    def __init__(self, text: str, suggestions: list[str]):
        self.text = text
        self.suggestions = suggestions
        hint = f" (did you mean {', '.join(f'{c} ({name(c)})' for c in suggestions)}?)" if suggestions else ""
        super().__init__(f"unknown country {text!r}{hint}")


def _key(text: str) -> str:
    """Compare names without case, accents or extra spaces ('Türkiye' = 'turkiye')."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("\u2019", "'").split()).casefold()


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every ISO 3166-1 name (common, official, short) and code, keyed by ``_key``, to its alpha-2 code."""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name", "alpha_2", "alpha_3"):
            value = getattr(c, attr, None)
            if value:
                out.setdefault(_key(value), c.alpha_2)
    for line in ALT_NAMES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            alt, iso = line.split("\t")[:2]
            out[_key(alt)] = iso
    for eu, iso in EU_CODES.items():
        out[_key(eu)] = iso
    for extra, label in EXTRA_CODES.items():
        out[_key(extra)] = extra
        out[_key(label)] = extra
    return out


def is_code(text: str) -> bool:
    """Whether ``text`` is an ISO 3166-1 alpha-2 code (upper case), or a code the graph keeps on purpose (XK)."""
    return text in EXTRA_CODES or (len(text) == 2 and text.isascii() and text.isupper()
                                   and pycountry.countries.get(alpha_2=text) is not None)


def lookup(text: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The alpha-2 code of a code or English name, or None; ``extra`` maps further names to codes."""
    key = _key(text)
    if extra:
        for k, v in extra.items():
            if _key(k) == key:
                return v
    return _names().get(key)


def code(text: str, extra: Mapping[str, str] | None = None) -> str:
    """The alpha-2 code of a code or English name; raise UnknownCountry with close matches if unknown."""
    found = lookup(text, extra)
    if found is None:
        raise UnknownCountry(text, suggestions(text))
    return found


def suggestions(text: str, n: int = 3) -> list[str]:
    """Up to ``n`` codes whose code or name is close to ``text``."""
    names = _names()
    close = difflib.get_close_matches(_key(text), list(names), n=n * 3, cutoff=0.6)
    out: list[str] = []
    for k in close:
        if names[k] not in out:
            out.append(names[k])
    return out[:n]


def name(code_: str) -> str:
    """The English short name of a code (``SE`` → ``Sweden``); the code itself when unknown."""
    iso = EU_CODES.get(code_, code_)
    if iso in EXTRA_CODES:
        return EXTRA_CODES[iso]
    c = pycountry.countries.get(alpha_2=iso)
    return getattr(c, "common_name", None) or (c.name if c else code_)
