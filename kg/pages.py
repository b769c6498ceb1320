"""What pmkg's two HTML pages (the network page, :mod:`kg.viz`; the report, :mod:`kg.report`) share.

One template environment (autoescaped: strings from data reach HTML only as text), vendored
scripts inlined so a page opens offline and fetches nothing, and JSON safe inside ``<script>``.
The templates share their DOM helpers through ``templates/dom.js``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
#: Vendored scripts (their licences and versions: templates/lib/README.md).
LIB = TEMPLATES / "lib"

_ENV = Environment(loader=FileSystemLoader(TEMPLATES),
                   autoescape=select_autoescape(default=True, default_for_string=True))
_SOURCE_MAP = re.compile(r"\n?//# sourceMappingURL=\S+\s*$")


def render(template: str, **context: Any) -> str:
    """The HTML of ``template`` (a file in kg/templates) with ``context``; every value is escaped
    unless it is :class:`~markupsafe.Markup` (the outputs of :func:`inline_script` and :func:`script_json`)."""
    return _ENV.get_template(template).render(**context)


def inline_script(path: Path) -> Markup:
    """The vendored script at ``path``, ready to inline in a ``<script>`` element: its source-map
    comment dropped (no map ships, and developer tools would look for one next to the page)."""
    js = path.read_text(encoding="utf-8")
    if "</script" in js.lower():  # would end the inline <script> early
        raise RuntimeError(f"{path} contains '</script'; cannot inline it")
    return Markup(_SOURCE_MAP.sub("", js).rstrip() + "\n")


def script_json(obj: Any) -> Markup:
    """``obj`` as compact JSON safe inside ``<script type="application/json">`` (``<``, ``>``, ``&`` and
    ``'`` escaped as \\u sequences, so no string from data can end the element)."""
    return Markup(htmlsafe_json_dumps(obj, dumps=lambda o, **kw: json.dumps(
        o, ensure_ascii=False, separators=(",", ":"), default=str, **kw)))
