"""Hostile and unlucky input (issue 15): each failure the adversarial test found, reproduced.

Data files (A1-A11), the same IRI rule in imports (E4), and queries on the command line (C1-C3). Every
bad data file gives a located one-line error, exit 1, and leaves the previous outputs as they were.
"""
from __future__ import annotations

import json
import shutil

import pytest
from conftest import DATA, MINI, ONTOLOGY, ROOT, cordis_orgs, edit, kept_data

from kg.cli import main

# --- data files ------------------------------------------------------------------------------------


def build(data, out, capsys, *extra: str) -> tuple[int, str]:
    code = main(["build", "--data", str(data), "--ontology", str(ONTOLOGY), "-o", str(out), "-q", *extra])
    return code, capsys.readouterr().err


def refused(data, out, capsys) -> str:
    """Build ``data``: it must be refused with exit 1, one line per problem, nothing written; the
    error text is returned."""
    code, err = build(data, out, capsys)
    assert code == 1, err
    assert "Traceback" not in err
    assert (out / "pmkg.ttl").read_text() == "previous build\n"
    assert sorted(p.name for p in out.iterdir()) == ["pmkg.ttl"]
    return err


def test_deep_yaml_nesting_is_a_located_error(mini, out, capsys):
    """A1: a value nested 300 levels deep was a RecursionError traceback without file or line."""
    edit(mini / "organisations.yaml", "  acronym: GMS", "  acronym: " + "[" * 300 + "x" + "]" * 300)
    err = refused(mini, out, capsys)
    assert "organisations.yaml:3: malformed YAML: nested deeper than 32 levels" in err


def test_deep_block_yaml_nesting_is_a_located_error(mini, out, capsys):
    """A1, in block style: a mapping in a mapping in a mapping ... 400 levels."""
    deep = "".join("\n" + "  " * (i + 2) + f"k{i}:" for i in range(400)) + " x"
    edit(mini / "organisations.yaml", "  acronym: GMS", "  acronym:" + deep)
    err = refused(mini, out, capsys)
    assert "organisations.yaml:" in err and "nested deeper than 32 levels" in err




def test_yaml_alias_bomb_is_refused(mini, out, capsys):
    """A2: 537 bytes of nested aliases took 3 GB, then MemoryError: anchors and aliases are refused."""
    levels = ["  alt_names: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        levels.append(f"  note{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    edit(mini / "organisations.yaml", "  acronym: GMS", "  acronym: GMS\n" + "\n".join(levels))
    err = refused(mini, out, capsys)
    assert "organisations.yaml:4: malformed YAML: anchors (&name) are not allowed in pmkg data files" in err
    assert len(err) < 1000


def test_yaml_alias_is_refused_with_its_line(mini, out, capsys):
    """A2: an alias alone (its anchor somewhere else) is refused too, at the alias."""
    edit(mini / "organisations.yaml", "  acronym: GMS", "  acronym: GMS\n  alt_names: [*nowhere]")
    err = refused(mini, out, capsys)
    assert "organisations.yaml:4: malformed YAML:" in err
    assert "nowhere" in err or "aliases (*name) are not allowed" in err


def test_yaml_key_that_is_a_list_is_a_located_error(mini, out, capsys):
    """A1/A2: a complex key (``? [a, b]``) was a TypeError traceback (unhashable type: 'list')."""
    edit(mini / "organisations.yaml", "  acronym: GMS", "  acronym: GMS\n  ? [a, b]\n  : c")
    err = refused(mini, out, capsys)
    assert "organisations.yaml:4: malformed YAML: a key must be a plain value, not list ['a', 'b']" in err


def test_huge_values_are_cut_short_in_messages(mini, out, capsys):
    """A2: error messages printed whole values; a 1 MB country and a 1 MB id now show 80 characters."""
    edit(mini / "organisations.yaml", "country: SE", "country: " + "X" * 1_000_000)
    edit(mini / "trials.yaml", "- id: drup", "- id: " + "D" * 1_000_000)
    edit(mini / "trials.yaml", "  acronym: FOCU.SE", "  acronym: FOCU.SE\n  ? " + "k" * 1_000_000 + "\n  : 1")
    err = refused(mini, out, capsys)
    assert "field 'country'" in err and "is not an ISO 3166-1 alpha-2 country code" in err
    assert "field 'id'" in err and "unknown field" in err
    assert len(err) < 2000


def test_id_with_a_newline_is_refused(mini, out, capsys):
    """A3: ``id: "nl-org\\n"`` passed (a regex '$' accepts a final newline) and minted an IRI holding a
    newline, which Oxigraph refuses; a second "gms\\n" was not a duplicate."""
    edit(mini / "organisations.yaml", "- id: ec", '- id: "gms\\n"')
    err = refused(mini, out, capsys)
    assert "organisations.yaml:12: record 'gms\\n', field 'id': required: a lower-case slug matching " \
           "^[a-z0-9][a-z0-9-]*$" in err


def test_source_id_with_a_newline_is_refused(mini, out, capsys):
    """A4: a source ``"seed\\n"`` silently added a second URL, title and date to the source 'seed'."""
    (mini / "sources.yaml").write_text((mini / "sources.yaml").read_text() + (
        '- id: "seed\\n"\n  url: https://example.org/evil\n  title: Evil twin\n  accessed: 2026-01-01\n'))
    err = refused(mini, out, capsys)
    assert "sources.yaml:10: record 'seed\\n', field 'id': ids are lower-case slugs" in err


@pytest.mark.parametrize("url, message", [
    ("https://example.org/caf%zz", "is not a valid IRI (Invalid IRI percent encoding '%zz')"),
    ("https://example.org/?q=50%off", "is not a valid IRI (Invalid IRI percent encoding '%of')"),
    ("host:abc", "is not an http(s) URL"),
    ("https://example.org:abc/", "is not a valid IRI"),
    ("https://example.org/a{b}", "is not a valid IRI"),
])
def test_invalid_iri_is_refused(mini, out, capsys, url, message):
    """A5: URLs that are not IRIs built with exit 0 into a graph Oxigraph (and other tools) refuse."""
    edit(mini / "organisations.yaml", "  acronym: GMS", f'  acronym: GMS\n  website: "{url}"')
    err = refused(mini, out, capsys)
    assert f"organisations.yaml:4: record 'gms', field 'website': {url!r} {message}" in err


def test_valid_iris_still_build(mini, out, capsys):
    """A5: percent-encoded and non-ASCII (IRI) addresses are fine, and Oxigraph loads the result."""
    import pyoxigraph as ox

    edit(mini / "organisations.yaml", "  acronym: GMS",
         "  acronym: GMS\n  website: https://example.org/caf%C3%A9\n  same_as: [https://example.org/café]")
    code, err = build(mini, out, capsys)
    assert code == 0, err
    store = ox.Store()
    store.load(path=str(out / "pmkg.ttl"), format=ox.RdfFormat.TURTLE)
    assert ox.NamedNode("https://example.org/café") in {q.object for q in store}


def test_cordis_organisation_url_that_is_not_an_iri_is_left_out(tmp_path, curated_index):
    """E4: one CORDIS organizationURL ``http://example.org/?q=50%off`` imported with exit 0, then every
    later build failed: the address is now checked like curated data's (and left out)."""
    from kg.build import build as build_graph
    from kg.importers import run_import

    fix = ROOT / "tests" / "fixtures" / "cordis"
    orgs = cordis_orgs(tmp_path, organizationURL="http://example.org/?q=50%off")
    run_import("cordis", {"projects": fix / "project.csv", "organizations": orgs},
               folder=tmp_path / "imports", index=curated_index, options={"ids": ["101104269"]})
    text = kept_data(tmp_path / "imports", "cordis").read_text(encoding="utf-8")
    kept = [json.loads(line) for line in text.splitlines()]
    assert not any("50%off" in json.dumps(r) for r in kept)
    ds = build_graph(DATA, ONTOLOGY, imports=tmp_path / "imports")   # the build goes on
    assert len(ds) > 0


@pytest.mark.parametrize("base", ["https://example.org/caf%zz/", "https://example.org/kg/\n",
                                  "https://example.org:port/"])
def test_base_iri_that_is_not_an_iri_is_refused(mini, out, capsys, base):
    """A5: the base IRI every entity is minted under passed a pattern (a final newline, a bad escape)."""
    code, err = build(mini, out, capsys, "--base", base)
    assert code == 2
    assert err.startswith("pmkg: error: base IRI") and err.count("\n") == 1
    assert (out / "pmkg.ttl").read_text() == "previous build\n"


@pytest.mark.parametrize("code, hint", [("XX", None), ("ZZ", None), ("EU", None), ("UK", "GB"), ("Se", "SE")])
def test_country_not_in_iso_3166_is_refused(mini, out, capsys, code, hint):
    """A6: XX, ZZ and EU passed a pattern-only check; now ISO 3166-1 (kg.countries), with close matches."""
    edit(mini / "organisations.yaml", "country: SE", f'country: "{code}"')
    err = refused(mini, out, capsys)
    assert f"organisations.yaml:5: record 'gms', field 'country': '{code}' is not an ISO 3166-1 alpha-2 " \
           "country code such as SE" in err
    if hint:
        assert f"did you mean {hint}" in err


def test_kosovo_is_kept(mini, out, capsys):
    """A6: XK (Kosovo, a user-assigned code the EU uses) stays accepted on purpose."""
    edit(mini / "organisations.yaml", "country: SE", "country: XK")
    code, err = build(mini, out, capsys)
    assert code == 0, err


def test_year_in_arabic_indic_digits_is_refused(mini, out, capsys):
    """A7: ``start: "٢٠٢٣"`` passed ('\\d' is any Unicode digit) and became an invalid xsd:gYear."""
    edit(mini / "projects.yaml", "start: 2023-07-01", 'start: "٢٠٢٣"')
    err = refused(mini, out, capsys)
    assert "projects.yaml:12: record 'prime-rose', field 'start': '٢٠٢٣' is not a date" in err


def test_grant_number_in_other_digits_is_refused(mini, out, capsys):
    """A7: identifier patterns ('^\\d+$') are ASCII too."""
    edit(mini / "grants.yaml", 'number: "101104269"', 'number: "١٠١١٠٤٢٦٩"')
    err = refused(mini, out, capsys)
    assert "grants.yaml:2: record 'grant-prime-rose', field 'number':" in err


def test_amount_with_a_huge_exponent_is_refused(mini, out, capsys):
    """A8: ``amount: "1e100000000"`` (8 bytes) wrote a 100 MB pmkg.ttl and a 100 MB pmkg.trig."""
    edit(mini / "grants.yaml", "amount: 5968725.00", 'amount: "1e100000000"')
    err = refused(mini, out, capsys)
    assert "grants.yaml:6: record 'grant-prime-rose', field 'amount': '1e100000000' is not an amount" in err


def test_amount_of_5001_digits_is_a_located_error(mini, out, capsys):
    """A9: a 5,001-digit amount stopped the build with "Exceeds the limit (4300 digits)", exit 2, no file."""
    edit(mini / "grants.yaml", "amount: 5968725.00", "amount: 1" + "0" * 5000)
    err = refused(mini, out, capsys)
    assert "grants.yaml:6: record 'grant-prime-rose', field 'amount':" in err
    assert len(err) < 1000


@pytest.mark.parametrize("amount, ok", [
    ("9999999999999.99", True), ("10000000000000", False), ("1234567.1234567891", False),
    ("1_500_000", True), ("1.5e300", False), ('"-5"', False), ("1.0e-300", False), ("12.3456", True),
    ("12.34567", False),
])
def test_amounts_are_bounded(mini, out, capsys, amount, ok):
    """A8/A9: below 10^13 with at most 15 significant digits (what a double and RDF tools keep)."""
    edit(mini / "grants.yaml", "amount: 5968725.00", f"amount: {amount}")
    if ok:
        code, err = build(mini, out, capsys)
        assert code == 0, err
    else:
        assert "field 'amount'" in refused(mini, out, capsys)


def test_data_without_records_is_refused(tmp_path, out, capsys):
    """A10: empty or missing record files built a 0-entity graph with exit 0 over the previous outputs."""
    data = tmp_path / "empty"
    data.mkdir()
    shutil.copy(MINI / "sources.yaml", data / "sources.yaml")
    err = refused(data, out, capsys)
    assert "no records: organisations.yaml, projects.yaml, trials.yaml, programmes.yaml, grants.yaml are all " \
           "missing or empty" in err
    code, err = build(data, out, capsys, "--allow-empty")   # asked for: an empty graph builds
    assert code == 0, err
    assert (out / "pmkg.ttl").read_text() != "previous build\n"


def test_emptied_record_file_is_refused(mini, out, capsys):
    """A10: a truncated trials.yaml dropped every trial without a word; an explicit [] is still fine."""
    (mini / "trials.yaml").write_text("")
    err = refused(mini, out, capsys)
    assert "trials.yaml: the file is empty: write [] if it is meant to hold no records" in err
    (mini / "trials.yaml").write_text("[]\n")
    code, err = build(mini, out, capsys)
    assert code == 0, err


# --- queries on the command line ---------------------------------------------------------------------

STORES = [[], ["--store", "memory"], ["--store", "oxigraph"]]


def query(capsys, sparql: str, *extra: str) -> tuple[int, str, str]:
    code = main(["query", "--data", str(MINI), "--ontology", str(ONTOLOGY), "--sparql", sparql, *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def last_line(err: str) -> str:
    """The error line of a command's stderr, checked to be the only one (a first reading command of a
    graph may say first that it builds it)."""
    assert "Traceback" not in err and err.count("pmkg: error:") == 1, err
    return err.splitlines()[-1]


@pytest.mark.parametrize("store", STORES, ids=["published", "memory", "oxigraph"])
def test_query_of_100_triple_patterns_is_answered(capsys, store):
    """C1: 100 triple patterns were a RecursionError traceback in rdflib's parser."""
    patterns = " .\n".join(f"?s{i} a ?c{i}" for i in range(100))
    code, out, err = query(capsys, f"ASK {{ {patterns} }}", *store)
    assert code == 0, err
    assert out.strip() == "yes"


@pytest.mark.parametrize("store", STORES, ids=["published", "memory", "oxigraph"])
def test_query_of_40_nested_parentheses_is_answered(capsys, store):
    """C1: 40 nested parentheses were a RecursionError traceback."""
    code, out, err = query(capsys, "ASK { FILTER(" + "(" * 40 + "1" + ")" * 40 + " = 1) }", *store)
    assert code == 0, err
    assert out.strip() == "yes"


@pytest.mark.parametrize("store", STORES, ids=["published", "memory", "oxigraph"])
def test_query_nested_too_deep_is_a_clean_error(capsys, store):
    """C1: past 1,000 nested brackets a query is refused in one line (at 5,000 Oxigraph's parser crashed
    the process with a stack overflow)."""
    code, out, err = query(capsys, "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + " = 1) }", *store)
    assert code == 2
    assert last_line(err) == "pmkg: error: the query nests brackets 5002 deep; pmkg runs queries nested at most " \
                             "1000 deep"


def test_ctrl_c_ends_a_long_oxigraph_query(tmp_path):
    """C2: Ctrl-C was ignored during a long --store oxigraph query (Oxigraph evaluates in Rust without
    looking at signals); now the process exits 130 at once, with one line."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    store = f"oxigraph:{tmp_path / 'store'}"
    base = [sys.executable, "-m", "kg", "query", "--data", str(MINI), "--ontology", str(ONTOLOGY), "--store", store]
    subprocess.run([*base, "--sparql", "ASK {}"], env=env, check=True, capture_output=True)   # the store, once
    proc = subprocess.Popen([*base, "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as in a terminal
    try:
        time.sleep(6)   # started (a cold query starts in well under a second), the query running for hours
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("pmkg query did not stop within 20 s of Ctrl-C")
    assert proc.returncode == 130
    assert err.decode() == "pmkg: interrupted\n"


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that records every request and answers with one Turtle triple."""
    import http.server
    import threading

    from conftest import free_port

    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.end_headers()
            self.wfile.write(b"<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n")

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("store", STORES, ids=["published", "memory", "oxigraph"])
@pytest.mark.parametrize("form", ["SELECT * FROM <{url}/g> WHERE {{ ?s ?p ?o }}",
                                  "SELECT * FROM NAMED <{url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                                  "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
                                  "SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
                                  "SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ service <{url}/sparql> {{ ?s ?p ?o }} }} }}"])
def test_remote_from_or_service_makes_no_request(capsys, listener, store, form):
    """C3: FROM <http://...> (rdflib) and SERVICE (rdflib and Oxigraph) fetched from the host, then a
    traceback: now refused in one line, exit 2, and nothing reaches the host."""
    url, seen = listener
    code, out, err = query(capsys, form.format(url=url), *store)
    assert code == 2, out
    assert last_line(err).startswith("pmkg: error: ") and "--allow-remote" in last_line(err)
    assert seen == []


def test_from_a_graph_of_the_store_still_works(capsys):
    """C3: FROM a graph the store holds (the ontology) reads it, on every store alike."""
    counts = set()
    for store in STORES:
        code, out, err = query(capsys, "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/pmkg/graph/ontology> "
                                       "WHERE { ?s a ?c }", "-f", "csv", *store)
        assert code == 0, err
        counts.add(out)
    assert len(counts) == 1 and int(counts.pop().split()[1]) > 100


def test_allow_remote_lets_rdflib_fetch_a_from_graph(capsys, listener):
    """C3: --allow-remote is the explicit way to let a query fetch (here rdflib loading FROM)."""
    url, seen = listener
    code, out, err = query(capsys, f"SELECT ?o FROM <{url}/g> WHERE {{ ?s ?p ?o }}", "--store", "memory",
                           "--allow-remote", "-f", "csv")
    assert code == 0, err
    assert out.split() == ["o", "http://a.example/o"]
    assert seen == ["GET /g"]


def test_memory_per_record_while_reading_yaml_is_bounded(tmp_path):
    """A11: 50 MB of small records ended in MemoryError (about 10 KB per record): PyYAML's node tree of
    the whole file, with two marks per node, was held at once. A file is now composed one record at a
    time; reading peaks at under 4 KB per small record (8.7 KB before)."""
    import tracemalloc

    from kg.load import load
    from kg.vocab import vocabulary

    n = 1000
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(MINI / "sources.yaml", data / "sources.yaml")
    (data / "organisations.yaml").write_text("".join(
        f"- id: org-{i}\n  name: Organisation number {i}\n  kind: hospital\n  country: SE\n  sources: [seed]\n"
        for i in range(n)), encoding="utf-8")
    concepts = vocabulary(ONTOLOGY).schemes()
    tracemalloc.start()
    try:
        loaded = load(data, concepts)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(loaded.records) == n
    assert peak / n < 4000, f"{peak / n:.0f} bytes per record"
