"""Checking IRIs from data and imports with the rules the stores apply (RFC 3987).

Minting IRIs is :mod:`kg.iris`; this light module only says whether a text *is* one. Oxigraph refuses
a whole graph that holds one bad IRI (``pmkg.ttl``, the published store, ``pmkg serve``), so every IRI
read from a file is checked here first, by Oxigraph's own parser (``pyoxigraph.NamedNode`` raises on
an invalid IRI: percent signs not followed by two hex digits, spaces, ``<>{}|\\^`` and control
characters, a port that is not a number ...), never by a pattern of ours.

>>> check_url("https://example.org/caf%C3%A9")
'https://example.org/caf%C3%A9'
>>> try:
...     check_url("https://example.org/?q=50%off")
... except ValueError as e:
...     print(e)
'https://example.org/?q=50%off' is not a valid IRI (Invalid IRI percent encoding '%of')
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pyoxigraph as ox

#: The longest IRI accepted from data or an import (characters): far above any real web address,
#: low enough that one value cannot blow up the graph files.
MAX_IRI = 2000


def _show(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


def check_iri(text: str) -> str:
    """Return ``text`` if it is an absolute IRI Oxigraph accepts, else raise ValueError saying why."""
    if len(text) > MAX_IRI:
        raise ValueError(f"{_show(text)} is longer than {MAX_IRI} characters")
    try:
        ox.NamedNode(text)
    except ValueError as e:
        raise ValueError(f"{_show(text)} is not a valid IRI ({' '.join(str(e).split())[:120]})") from None
    return text


def is_iri(text: str) -> bool:
    """Whether :func:`check_iri` accepts ``text``."""
    try:
        check_iri(text)
    except ValueError:
        return False
    return True


def check_url(text: str) -> str:
    """Return ``text`` if it is an http(s) URL with a host that is also a valid IRI, else raise ValueError."""
    try:
        parts = urlsplit(text)
    except ValueError:   # e.g. an unclosed [IPv6] host
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise ValueError(f"{_show(text)} is not an http(s) URL")
    return check_iri(text)
