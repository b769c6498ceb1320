"""The query page of ``pmkg serve``: HTML, script and style, all served by the endpoint itself."""
from __future__ import annotations

# --- the query page (offline: no external resources) ---------------------------------------------

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

_EXAMPLE = """SELECT ?org ?name ?country WHERE {
  ?org a schema:Organization ;
       schema:name ?name .
  OPTIONAL { ?org schema:addressCountry ?country }
}
ORDER BY ?name
LIMIT 100"""


def page(prefixes: dict[str, str]) -> str:
    from html import escape

    prolog = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pmkg SPARQL endpoint</title>
<link rel="stylesheet" href="pmkg-query.css">
<script src="pmkg-query.js" defer></script>
</head>
<body>
<h1>pmkg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 over the precision-medicine collaboration graph. The default graph is the union of every
source's named graph. Endpoint: <code>/sparql</code> (GET or POST) &middot;
<a href="sparql">service description</a></p>
<form id="form">
<label for="query">Query</label>
<textarea id="query" name="query" rows="18" spellcheck="false">{escape(prolog + _EXAMPLE)}</textarea>
<div class="bar">
<label for="format">Answer as</label>
<select id="format" name="format">
<option value="table">table (JSON)</option><option value="json">JSON</option><option value="xml">XML</option>
<option value="csv">CSV</option><option value="tsv">TSV</option><option value="turtle">Turtle (CONSTRUCT/DESCRIBE)</option>
</select>
<button type="submit" id="run">Run</button>
<span id="status" role="status"></span>
</div>
</form>
<div id="out"></div>
</body>
</html>
"""


STYLE = """body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 75em; padding: 0 1em; }
textarea { width: 100%; font: 13px/1.35 ui-monospace, monospace; box-sizing: border-box; }
.bar { margin: .5em 0; display: flex; gap: .6em; align-items: center; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre { background: #f7f7f7; padding: .6em; overflow: auto; }
.error { color: #a00; white-space: pre-wrap; }
"""

# Results are put on the page with textContent only, so nothing from the data is ever read as HTML.
SCRIPT = """'use strict';
const TYPES = {table: 'application/sparql-results+json, text/turtle;q=0.9', json: 'application/sparql-results+json',
  xml: 'application/sparql-results+xml', csv: 'text/csv', tsv: 'text/tab-separated-values', turtle: 'text/turtle'};
function show(term) {
  if (!term) return '';
  if (term.type === 'literal' && term['xml:lang']) return term.value + ' @' + term['xml:lang'];
  return term.value;
}
function table(data) {
  const t = document.createElement('table');
  if (data.boolean !== undefined) { t.textContent = 'ASK: ' + data.boolean; return t; }
  const head = t.createTHead().insertRow();
  for (const v of data.head.vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
  const body = t.createTBody();
  for (const b of data.results.bindings) {
    const tr = body.insertRow();
    for (const v of data.head.vars) { tr.insertCell().textContent = show(b[v]); }
  }
  return t;
}
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('form'), out = document.getElementById('out');
  const status = document.getElementById('status');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fmt = document.getElementById('format').value;
    out.textContent = ''; status.textContent = 'running...';
    const t0 = performance.now();
    try {
      const resp = await fetch('sparql', {method: 'POST', body: document.getElementById('query').value,
        headers: {'Content-Type': 'application/sparql-query', 'Accept': TYPES[fmt]}});
      const text = await resp.text();
      const ms = Math.round(performance.now() - t0);
      if (!resp.ok) {
        status.textContent = 'HTTP ' + resp.status + ' (' + ms + ' ms)';
        const p = document.createElement('p'); p.className = 'error'; p.textContent = text; out.appendChild(p);
        return;
      }
      const cut = resp.headers.get('X-PMKG-Truncated') === 'true';
      status.textContent = ms + ' ms' + (cut ? ', cut at ' + resp.headers.get('X-PMKG-Max-Rows') + ' rows' : '');
      const ctype = resp.headers.get('Content-Type') || '';
      if (fmt === 'table' && ctype.startsWith('application/sparql-results+json')) {
        const data = JSON.parse(text);
        if (data.results) status.textContent += ', ' + data.results.bindings.length + ' rows';
        out.appendChild(table(data));
      } else {
        const pre = document.createElement('pre'); pre.textContent = text; out.appendChild(pre);
      }
    } catch (e) {
      status.textContent = 'failed';
      const p = document.createElement('p'); p.className = 'error'; p.textContent = String(e); out.appendChild(p);
    }
  });
});
"""
