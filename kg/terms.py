"""RDF terms as N-Quads text, in canonical form: the writer's terms, and the query path's.

Literals are written in their canonical XSD form (``5968725`` for the decimal
``5968725.0``, ``P3Y`` for ``P36M``, ``Z`` for ``+00:00``), the form Oxigraph
stores, so every store holds the same terms. No RDF library is needed here.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_ESCAPES = {c: f"\\u{c:04X}" for c in [*range(0x0A), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}

#: The datatype of a checked date by its length: YYYY-MM-DD, YYYY-MM, YYYY (no invented days).
DATE_TYPES = {10: XSD + "date", 7: XSD + "gYearMonth", 4: XSD + "gYear"}


def iri(value: str) -> str:
    """An IRI term; raises ValueError for characters N-Quads does not allow in an IRI."""
    if _IRI_BAD.search(value):
        raise ValueError(f"not a valid IRI: {value!r}")
    return f"<{value}>"


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A literal term (plain, language-tagged or typed), escaped for N-Quads."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if _CONTROL.search(body):
        body = body.translate(_CONTROL_ESCAPES)
    if lang:
        return f'"{body}"@{lang.lower()}'
    if datatype and datatype != XSD_STRING:
        return f'"{body}"^^<{datatype}>'
    return f'"{body}"'


def canonical_decimal(value: Decimal | int | str) -> str:
    """The canonical lexical form of an xsd:decimal: ``5968725`` for 5968725.0, ``0.5`` for .50."""
    d = Decimal(str(value)).normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "+0") else text


def decimal_lit(value: Decimal | int | str) -> str:
    return lit(canonical_decimal(value), datatype=XSD + "decimal")


def integer_lit(n: int) -> str:
    return lit(str(int(n)), datatype=XSD + "integer")


def date_lit(text: str) -> str:
    """YYYY-MM-DD, YYYY-MM or YYYY as xsd:date, gYearMonth or gYear: no invented days."""
    return lit(text, datatype=DATE_TYPES[len(text)])


def datetime_lit(text: str) -> str:
    """An xsd:dateTime in canonical form (UTC written ``Z``, no fraction of zero)."""
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    s = t.replace(tzinfo=None).isoformat()
    return lit(s + ("Z" if t.tzinfo is not None else ""), datatype=XSD + "dateTime")


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def canonical_duration(text: str) -> str:
    """The canonical form of an xsd:duration (``P36M`` is ``P3Y``, ``PT36H`` is ``P1DT12H``)."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not an ISO 8601 duration")
    y, mo, w, d, h, mi, s = m.groups()
    months = int(y or 0) * 12 + int(mo or 0)
    seconds = Decimal(s or 0) + 60 * (int(mi or 0) + 60 * (int(h or 0) + 24 * (int(d or 0) + 7 * int(w or 0))))
    out = "P"
    if months // 12:
        out += f"{months // 12}Y"
    if months % 12:
        out += f"{months % 12}M"
    days, rest = divmod(seconds, 86400)
    if days:
        out += f"{int(days)}D"
    if rest:
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        out += "T" + (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
        if secs:
            out += canonical_decimal(secs) + "S"
    return out if out != "P" else "PT0S"
