"""The query page of ``pmkg serve``: HTML, script and style served by the endpoint itself, and the
small ``/entity?iri=`` page.

Nothing is loaded from anywhere else (the Content-Security-Policy forbids it): the highlighter is
a few lines of this script. Strings from the graph reach the query page as JSON and the DOM through
``textContent`` only, and the entity page through ``html.escape``; links are built from IRIs with
``encodeURIComponent`` / ``urllib.parse.quote``, and only http(s) IRIs become links that leave the page.
"""
from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import quote

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

EXAMPLE = """# Every pmkg prefix (pm:, schema:, org: ...) may be used without declaring it.
SELECT ?org ?name ?country WHERE {
  ?org a schema:Organization ;
       schema:name ?name .
  OPTIONAL { ?org schema:addressCountry ?country }
}
ORDER BY ?name"""

#: the statements of the entity page: the entity as subject or object, with the named graph they are in
#: and the source that graph was read from
ENTITY_QUERY = """SELECT ?e ?dir ?p ?o ?g ?source ?title WHERE {
  { GRAPH ?g { ?e ?p ?o } BIND("out" AS ?dir) }
  UNION
  { GRAPH ?g { ?o ?p ?e } BIND("in" AS ?dir) }
  OPTIONAL { ?g prov:wasDerivedFrom ?source OPTIONAL { ?source dcterms:title ?title } }
}
ORDER BY ?dir ?p ?o ?g"""

_LABELS = ("https://schema.org/name", "http://www.w3.org/2000/01/rdf-schema#label",
           "http://www.w3.org/2004/02/skos/core#prefLabel", "http://purl.org/dc/terms/title")


def catalogue(queries: list, prefixes: dict[str, str], max_rows: int) -> bytes:
    """The named queries (``kg.query.NamedQuery``) as the JSON the page reads."""
    return json.dumps({"prefixes": prefixes, "max_rows": max_rows,
                       "queries": [query_json(q) for q in queries]}, ensure_ascii=False).encode("utf-8")


def query_json(q) -> dict[str, Any]:
    """One named query: name, title, question, parameters and text."""
    return {"name": q.name, "title": q.title, "question": q.question, "text": q.text,
            "params": params_json(q.params)}


def params_json(params: list) -> list[dict[str, Any]]:
    return [{"name": p.name, "type": p.type, "default": p.default, "doc": p.doc, "min": p.min, "max": p.max}
            for p in params]


def page() -> str:
    """The query page (its data come from /api/queries)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pmkg SPARQL endpoint</title>
<link rel="stylesheet" href="pmkg-query.css">
<link rel="icon" href="favicon.svg" type="image/svg+xml">
<script src="pmkg-query.js" defer></script>
</head>
<body>
<header>
<h1>pmkg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 over the precision-medicine collaboration graph. The default graph is the union of every
source's named graph; every pmkg prefix may be used without declaring it. Endpoint: <code>/sparql</code> (GET or
POST) &middot; <a href="sparql">service description</a></p>
</header>
<div class="layout">
<nav aria-label="Named queries">
<h2>Named queries</h2>
<ul id="catalogue"></ul>
</nav>
<main>
<form id="form" novalidate>
<div class="titlebar"><h2 id="title">Your query</h2><p id="question"></p></div>
<label for="query" class="sr">Query</label>
<div class="editor"><pre id="highlight" aria-hidden="true"></pre><textarea id="query" name="query" rows="18"
spellcheck="false" wrap="off" autocomplete="off" autocapitalize="off">{escape(EXAMPLE)}</textarea></div>
<fieldset id="params" hidden><legend>Parameters</legend><div id="param-fields"></div></fieldset>
<div class="bar">
<button type="submit" id="run">Run</button>
<label for="limit">rows per page</label><input id="limit" type="number" min="1" value="100">
<label for="offset">from row</label><input id="offset" type="number" min="0" value="0">
<button type="button" id="prev" disabled>&larr; previous</button>
<button type="button" id="next" disabled>next &rarr;</button>
<span id="status" role="status"></span>
</div>
<div class="bar" id="downloads" hidden>download
<button type="button" data-format="csv">CSV</button><button type="button" data-format="tsv">TSV</button>
<button type="button" data-format="json">JSON</button><button type="button" data-format="turtle">Turtle</button>
<button type="button" data-format="nt">N-Triples</button></div>
</form>
<div id="out"></div>
</main>
</div>
</body>
</html>
"""


# --- the entity page ----------------------------------------------------------------------------------

def _shortener(prefixes: dict[str, str]):
    import re

    pairs = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def short(iri: str) -> str:
        for p, ns in pairs:
            if iri.startswith(ns) and re.fullmatch(r"[\w.\-]*", iri[len(ns):]) and not iri.endswith("."):
                return f"{p}:{iri[len(ns):]}"
        return iri
    return short


def _term_html(t: dict | None, short) -> str:
    if not t:
        return ""
    v = t.get("value", "")
    if t.get("type") == "uri":
        return f'<a href="entity?iri={quote(v, safe="")}">{escape(short(v))}</a>'
    if t.get("type") == "bnode":
        return f"<code>_:{escape(v)}</code>"
    extra = ""
    if t.get("xml:lang"):
        extra = f' <span class="meta">@{escape(t["xml:lang"])}</span>'
    elif t.get("datatype"):
        extra = f' <span class="meta">{escape(short(t["datatype"]))}</span>'
    return f'<span class="literal">{escape(v)}</span>{extra}'


def entity_page(iri: str, bindings: list[dict], prefixes: dict[str, str], truncated: bool, max_rows: int) -> str:
    """The statements about ``iri`` (SPARQL JSON bindings of ENTITY_QUERY) as an HTML page."""
    short = _shortener(prefixes)
    label = next((b["o"]["value"] for b in bindings
                  if b.get("dir", {}).get("value") == "out" and b.get("p", {}).get("value") in _LABELS
                  and b.get("o", {}).get("type") == "literal"), None)
    sections = []
    for direction, heading in (("out", "Statements about it"), ("in", "Statements that point to it")):
        rows = [b for b in bindings if b.get("dir", {}).get("value") == direction]
        if not rows:
            continue
        head = "<th>property</th><th>value</th>" if direction == "out" else "<th>subject</th><th>property</th>"
        body = []
        for b in rows:
            first = _term_html(b.get("p"), short) if direction == "out" else _term_html(b.get("o"), short)
            second = _term_html(b.get("o"), short) if direction == "out" else _term_html(b.get("p"), short)
            if b.get("source"):
                title = b.get("title", {}).get("value") or short(b["source"]["value"])
                src = f'<a href="entity?iri={quote(b["source"]["value"], safe="")}">{escape(title)}</a>'
            else:
                src = f'<span class="meta">{escape(short(b.get("g", {}).get("value", "")))}</span>'
            body.append(f"<tr><td>{first}</td><td>{second}</td><td>{src}</td></tr>")
        sections.append(f'<h2>{heading} ({len(rows)})</h2>\n<table class="{direction}"><thead><tr>{head}<th>source'
                        f'</th></tr></thead>\n<tbody>\n' + "\n".join(body) + "\n</tbody></table>")
    if not sections:
        sections.append("<p>The graph holds no statement about this IRI.</p>")
    if truncated:
        sections.append(f'<p class="meta">Only the first {max_rows} statements are shown.</p>')
    outside = ""
    if iri.startswith(("http://", "https://")):
        outside = f' &middot; <a href="{escape(iri)}" rel="noopener noreferrer">open the IRI</a>'
    title = escape(label or short(iri))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - pmkg</title>
<link rel="stylesheet" href="pmkg-query.css">
<link rel="icon" href="favicon.svg" type="image/svg+xml">
</head>
<body class="entity">
<p><a href="./">&larr; query page</a></p>
<h1 id="entity-title">{title}</h1>
<p><code id="entity-iri">{escape(iri)}</code>{outside}</p>
{chr(10).join(sections)}
</body>
</html>
"""


def _static(name: str) -> str:
    from pathlib import Path

    return (Path(__file__).parent / "static" / name).read_text(encoding="utf-8")


#: three linked nodes: the page's icon (the browser asks for one; answering it keeps the console clean)
ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><g stroke="#4a6fa5" stroke-width="1.5">'
        '<line x1="4" y1="4" x2="12" y2="6"/><line x1="4" y1="4" x2="7" y2="12"/><line x1="12" y1="6" x2="7" y2="12"/>'
        '</g><g fill="#b4006e"><circle cx="4" cy="4" r="2.5"/><circle cx="12" cy="6" r="2.5"/>'
        '<circle cx="7" cy="12" r="2.5"/></g></svg>')
STYLE = _static("pmkg-query.css")
SCRIPT = _static("pmkg-query.js")
