// The query page of pmkg serve. Results reach the page through textContent only: nothing from the
// data is ever read as HTML.
'use strict';
const $ = (id) => document.getElementById(id);
const state = {catalogue: null, prefixes: [], maxRows: 10000, current: null, last: null, paramTimer: null};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

// --- highlighting: a small SPARQL tokenizer, spans written with textContent ------------------------
const KEYWORDS = new Set(('SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED PREFIX BASE DISTINCT REDUCED OPTIONAL ' +
  'FILTER UNION MINUS GRAPH SERVICE SILENT BIND AS VALUES GROUP BY ORDER ASC DESC HAVING LIMIT OFFSET NOT EXISTS ' +
  'IN UNDEF A TRUE FALSE LATERAL').split(' '));
const FUNCTIONS = new Set(('COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND ' +
  'IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS ' +
  'STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 ' +
  'SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE').split(' '));
// comment | string | IRI | variable | prefixed name | number | word | space | anything else
const TOKEN = /(#[^\n]*)|("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)|(<[^<>"{}|^`\\\s]*>)|([?$][\w\u00B7-\uFFFF]+)|((?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:[\w.%\-\u00B7-\uFFFF]*)|(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)|(\s+)|([\s\S])/gy;
const CLASSES = [null, 'c-comment', 'c-string', 'c-iri', 'c-var', 'c-pname', 'c-num', null, null, null];

function highlight(text, error) {
  const frag = document.createDocumentFragment();
  let errorAt = -1;
  if (error && error.line) {
    const lines = text.split('\n');
    errorAt = 0;
    for (let i = 0; i < error.line - 1 && i < lines.length; i++) errorAt += lines[i].length + 1;
    errorAt += Math.max((error.column || 1) - 1, 0);
  }
  TOKEN.lastIndex = 0;
  let m;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text)) !== null) {
    const start = m.index, tok = m[0];
    let cls = null;
    for (let g = 1; g < CLASSES.length; g++) if (m[g] !== undefined) { cls = CLASSES[g]; if (g === 7) {
      const up = tok.toUpperCase();
      cls = KEYWORDS.has(up) ? 'c-kw' : FUNCTIONS.has(up) ? 'c-fn' : null;
    } break; }
    if (errorAt >= start && errorAt < start + tok.length && !/^\s+$/.test(tok)) cls = (cls ? cls + ' ' : '') + 'c-error';
    if (cls) frag.appendChild(el('span', cls, tok)); else frag.appendChild(document.createTextNode(tok));
  }
  frag.appendChild(document.createTextNode('\n'));  // the textarea's last line, even when empty
  return frag;
}

function refreshHighlight(error) {
  const pre = $('highlight'), ta = $('query');
  pre.replaceChildren(highlight(ta.value, error));
  pre.scrollTop = ta.scrollTop; pre.scrollLeft = ta.scrollLeft;
}

// --- terms -------------------------------------------------------------------------------------------
function curie(iri) {
  for (const [p, ns] of state.prefixes) {
    if (iri.startsWith(ns)) {
      const local = iri.slice(ns.length);
      if (/^[\w.\-]*$/.test(local) && !local.endsWith('.')) return p + ':' + local;
    }
  }
  return iri;
}

function termNode(term) {
  if (!term) return document.createTextNode('');
  if (term.type === 'uri') {
    const a = el('a', 'iri', curie(term.value));
    a.href = 'entity?iri=' + encodeURIComponent(term.value);
    a.title = term.value;
    return a;
  }
  if (term.type === 'bnode') return el('code', null, '_:' + term.value);
  const span = el('span', 'literal', term.value);
  if (term.datatype) span.title = curie(term.datatype);
  if (term['xml:lang']) {
    const wrap = document.createDocumentFragment();
    wrap.appendChild(span);
    wrap.appendChild(el('span', 'meta', ' @' + term['xml:lang']));
    return wrap;
  }
  return span;
}

function table(data, hide) {
  const t = el('table', 'results');
  if (data.boolean !== undefined) { t.appendChild(el('caption', null, 'ASK: ' + (data.boolean ? 'yes' : 'no'))); return t; }
  const vars = data.head.vars.filter((v) => !hide.has(v));
  const cols = vars.length ? vars : data.head.vars;
  const head = t.createTHead().insertRow();
  for (const v of cols) head.appendChild(el('th', null, v));
  const body = t.createTBody();
  for (const b of data.results.bindings) {
    const tr = body.insertRow();
    for (const v of cols) tr.insertCell().appendChild(termNode(b[v]));
  }
  return t;
}

// --- parameters --------------------------------------------------------------------------------------
function renderParams(params) {
  const box = $('param-fields'), old = {};
  for (const input of box.querySelectorAll('input')) old[input.name] = input.value;
  box.replaceChildren();
  $('params').hidden = !params.length;
  for (const p of params) {
    const row = el('div', 'param');
    const label = el('label', null, p.name + ' (' + p.type + (p.min !== null ? ' ' + p.min + '-' + p.max : '') + ')');
    const input = el('input');
    input.name = p.name; input.id = 'param-' + p.name;
    label.htmlFor = input.id;
    if (p.type === 'integer') { input.type = 'number'; if (p.min !== null) { input.min = p.min; input.max = p.max; } }
    else input.type = 'text';
    input.value = (p.name in old) ? old[p.name] : (p.default === null ? '' : p.default);
    input.placeholder = p.default === null ? 'optional' : String(p.default);
    row.appendChild(label); row.appendChild(input); row.appendChild(el('small', null, p.doc));
    box.appendChild(row);
  }
}

async function refreshParams() {
  try {
    const resp = await fetch('api/params', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({query: $('query').value})});
    const data = await resp.json();
    if (resp.ok) renderParams(data.params);
  } catch (e) { /* the form keeps what it had */ }
}

function paramValues() {
  const out = {};
  for (const input of $('param-fields').querySelectorAll('input')) if (input.value.trim() !== '') out[input.name] = input.value;
  return out;
}

// --- running -----------------------------------------------------------------------------------------
function request(format, paged) {
  const body = {query: $('query').value, params: paramValues(), format: format};
  if (state.current) body.name = state.current.name;
  if (paged) { body.limit = Number($('limit').value) || 100; body.offset = Number($('offset').value) || 0; }
  return fetch('api/run', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
}

function showError(status, data) {
  const out = $('out');
  const p = el('p', 'error', data.error || ('HTTP ' + status));
  out.appendChild(p);
  if (data.line) {
    const where = el('p', 'error-where', 'line ' + data.line + ', column ' + data.column + (data.token ? ': ' + data.token : ''));
    out.appendChild(where);
    refreshHighlight({line: data.line, column: data.column});
  }
}

async function run() {
  const out = $('out'), status = $('status');
  out.replaceChildren(); status.textContent = 'running...';
  refreshHighlight();
  const t0 = performance.now();
  let resp, text;
  try {
    resp = await request('table', true);
    text = await resp.text();
  } catch (e) {
    status.textContent = 'failed'; out.appendChild(el('p', 'error', String(e))); return;
  }
  const ms = Math.round(performance.now() - t0);
  let data;
  try { data = JSON.parse(text); } catch (e) { data = {error: text}; }
  if (!resp.ok) { status.textContent = 'HTTP ' + resp.status + ' (' + ms + ' ms)'; showError(resp.status, data); return; }
  const kind = resp.headers.get('X-PMKG-Kind') || 'SELECT';
  const more = resp.headers.get('X-PMKG-More') === 'true';
  const bound = new Set((resp.headers.get('X-PMKG-Bound') || '').split(',').filter(Boolean));
  const offset = Number($('offset').value) || 0;
  state.last = {kind: kind};
  $('downloads').hidden = false;
  for (const b of $('downloads').querySelectorAll('button')) {
    const graph = kind === 'CONSTRUCT' || kind === 'DESCRIBE', f = b.dataset.format;
    b.hidden = graph ? !['json', 'turtle', 'nt'].includes(f) : ['turtle', 'nt'].includes(f);
    if (f === 'json') b.textContent = graph ? 'JSON-LD' : 'JSON';
  }
  if (data.boolean !== undefined) { status.textContent = ms + ' ms'; out.appendChild(table(data, bound)); setPaging(false, false); return; }
  const n = data.results.bindings.length;
  const noun = (kind === 'CONSTRUCT' || kind === 'DESCRIBE') ? 'triples' : 'rows';
  status.textContent = n + ' ' + noun + (n ? ' (' + (offset + 1) + '-' + (offset + n) + (more ? ', more follow' : '') + ')' : '') + ', ' + ms + ' ms';
  out.appendChild(table(data, bound));
  setPaging(offset > 0, more);
}

function setPaging(prev, next) { $('prev').disabled = !prev; $('next').disabled = !next; }

async function download(format) {
  const status = $('status');
  let resp;
  try { resp = await request(format, false); } catch (e) { status.textContent = 'download failed'; return; }
  if (!resp.ok) { let data; try { data = await resp.json(); } catch (e) { data = {}; } $('out').replaceChildren(); showError(resp.status, data); return; }
  const blob = await resp.blob();
  const disposition = resp.headers.get('Content-Disposition') || '';
  const m = /filename="([^"]+)"/.exec(disposition);
  const a = el('a');
  a.href = URL.createObjectURL(blob);
  a.download = m ? m[1] : 'result';
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// --- the catalogue -----------------------------------------------------------------------------------
function choose(q, button) {
  state.current = q;
  for (const b of $('catalogue').querySelectorAll('button')) b.removeAttribute('aria-current');
  if (button) button.setAttribute('aria-current', 'true');
  $('title').textContent = q.title || q.name;
  $('question').textContent = q.question || '';
  $('query').value = q.text;
  $('param-fields').replaceChildren();
  renderParams(q.params);
  $('offset').value = 0;
  refreshHighlight();
}

async function loadCatalogue() {
  const resp = await fetch('api/queries');
  const data = await resp.json();
  state.catalogue = data.queries;
  state.maxRows = data.max_rows;
  state.prefixes = Object.entries(data.prefixes).sort((a, b) => b[1].length - a[1].length);
  $('limit').max = data.max_rows;
  if ((Number($('limit').value) || 0) > data.max_rows) $('limit').value = data.max_rows;
  const list = $('catalogue');
  for (const q of data.queries) {
    const li = el('li'), b = el('button', 'q', q.name);
    b.type = 'button'; b.dataset.name = q.name;
    b.appendChild(el('small', null, q.title));
    b.title = q.question;
    b.addEventListener('click', () => choose(q, b));
    li.appendChild(b); list.appendChild(li);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  const ta = $('query');
  ta.addEventListener('input', () => {
    refreshHighlight();
    clearTimeout(state.paramTimer);
    state.paramTimer = setTimeout(refreshParams, 250);
  });
  ta.addEventListener('scroll', () => { $('highlight').scrollTop = ta.scrollTop; $('highlight').scrollLeft = ta.scrollLeft; });
  ta.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); $('offset').value = 0; run(); }
  });
  $('form').addEventListener('submit', (ev) => { ev.preventDefault(); $('offset').value = 0; run(); });
  $('prev').addEventListener('click', () => {
    $('offset').value = Math.max(0, (Number($('offset').value) || 0) - (Number($('limit').value) || 100)); run();
  });
  $('next').addEventListener('click', () => {
    $('offset').value = (Number($('offset').value) || 0) + (Number($('limit').value) || 100); run();
  });
  for (const b of $('downloads').querySelectorAll('button')) b.addEventListener('click', () => download(b.dataset.format));
  refreshHighlight();
  loadCatalogue().catch((e) => { $('status').textContent = 'could not load the named queries: ' + e; });
});
