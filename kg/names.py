"""Look-up keys: the one normalisation of a name, an acronym, an id or an IRI for finding an entity.

The writer puts these keys in the named graph ``graph/names`` (outside the
union); :mod:`kg.resolve` normalises what a user types the same way, so
"prime-rose", "PRIME-ROSE" and "  Prime-Rose " find the same project with one
index look-up.
"""
from __future__ import annotations

import unicodedata

NAMES_GRAPH = "names"


def lookup_key(text: str) -> str:
    """``text`` with compatibility forms folded (NFKC), case folded and runs of white space made one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
