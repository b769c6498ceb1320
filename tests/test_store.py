"""Stores: the same named queries give the same answers in rdflib, in Oxigraph (memory and disk) and
on a real SPARQL endpoint (an Oxigraph server started for the session); bad stores and endpoints give
clear errors and exit code 2, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest
from conftest import ONTOLOGY, ROOT, free_port

from kg import query as Q
from kg.config import Config
from kg.store import MARKER, EndpointStore, OxigraphStore, StoreError, bind_values, values_clause
from kg.stores import open_store

PM = "https://w3id.org/pmkg/id/"


def canon(res):
    """A result in a form that compares across stores: variables and the multiset of rows. Literals
    compare by their exact lexical form: every store holds the canonical form the writer wrote."""
    def term(t):
        if t is None:
            return ("",)
        if isinstance(t, ox.Literal):
            lex = t.value
            if ", " in lex:  # GROUP_CONCAT's order is left to each engine (SPARQL 1.1, 18.5.1.7)
                lex = ", ".join(sorted(lex.split(", ")))
            return ("L", lex, t.datatype.value, t.language or "")
        return (type(t).__name__, t.value)
    if res.kind == "ASK":
        return ("ASK", res.boolean)
    if res.kind == "SELECT":
        return (res.vars, sorted(tuple(term(t) for t in row) for row in res.rows))
    return ("GRAPH", sorted(str(t) for t in res.triples))


@pytest.fixture(scope="module")
def endpoint(oxigraph, oxigraph_server):
    """The session's Oxigraph server holding the shipped data, pushed with `kg.push`."""
    from kg.push import push

    push(oxigraph, oxigraph_server + "/store")
    return EndpointStore(oxigraph_server + "/query")


def run_cli(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=timeout)


# --- the same answers everywhere ---------------------------------------------------------------

def test_every_named_query_gives_the_same_rows_in_every_store(memory, oxigraph, endpoint):
    names = sorted(Q.library())
    assert len(names) >= 3
    nonempty = 0
    for name in names:
        q = Q.get(name)
        expected = canon(Q.run(q, store=memory))
        assert canon(Q.run(q, store=oxigraph)) == expected, f"{name}: Oxigraph differs from rdflib"
        assert canon(Q.run(q, store=endpoint)) == expected, f"{name}: the SPARQL endpoint differs from rdflib"
        nonempty += bool(expected[1])
    assert nonempty >= len(names) - 1, "almost every named query has answers on the shipped data"


def test_parameters_resolve_and_bind_on_the_endpoint(memory, endpoint):
    """An entity parameter is looked up on the endpoint itself, then bound: PRIME-ROSE is coordinated by OUS."""
    q = Q.get("consortium")
    rows = Q.run(q, {"project": "PRIME-ROSE"}, store=endpoint).records()
    assert canon(Q.run(q, {"project": "PRIME-ROSE"}, store=memory)) == \
        canon(Q.run(q, {"project": "PRIME-ROSE"}, store=endpoint))
    text = json.dumps(rows)
    assert PM + "ous" in text and "coordinator" in text.lower()


def test_a_bound_variable_filters_before_grouping_not_after(memory, oxigraph, endpoint):
    """Regression: a trailing VALUES clause joins after GROUP BY, so a parameter that is not projected
    would multiply the groups instead of selecting one; the block goes into the WHERE group."""
    sparql = ("PREFIX org: <http://www.w3.org/ns/org#>\n"
              "SELECT ?role (COUNT(?m) AS ?n) WHERE { ?m org:member ?who ; org:role ?role } GROUP BY ?role")
    b = {"who": ox.NamedNode(PM + "ous")}
    expected = canon(memory.query(sparql, b))
    assert expected[1], "OUS plays at least one role"
    assert sum(int(r[1][1]) for r in expected[1]) < sum(int(r[1][1]) for r in canon(memory.query(sparql))[1])
    assert canon(oxigraph.query(sparql, b)) == expected
    assert canon(endpoint.query(sparql, b)) == expected


def test_hostile_parameter_values_stay_one_term(memory, oxigraph, endpoint):
    evil = ox.Literal('x" } ?s ?p ?o . FILTER(true) } #')
    sparql = "PREFIX schema: <https://schema.org/>\nSELECT ?org WHERE { ?org schema:name ?name }"
    assert memory.query(sparql, {"name": evil}).rows == []
    assert oxigraph.query(sparql, {"name": evil}).rows == []
    assert endpoint.query(sparql, {"name": evil}).rows == []
    assert '"x\\" } ?s ?p ?o . FILTER(true) } #"' in values_clause({"name": evil})
    with pytest.raises(ValueError):
        values_clause({"o": ox.NamedNode("http://x/> } DROP ALL #")})
    with pytest.raises(ValueError):
        values_clause({"o; DROP": ox.Literal("x")})


def test_values_block_goes_into_the_where_group():
    b = {"o": ox.NamedNode("http://x/o")}
    assert bind_values('SELECT ?n WHERE { ?o <http://p/{x}> "}" }', b).startswith(
        'SELECT ?n WHERE { VALUES (?o) { (<http://x/o>) }')
    assert bind_values("CONSTRUCT { ?o ?p ?n } WHERE { ?o ?p ?n }", b).startswith(
        "CONSTRUCT { ?o ?p ?n } WHERE { VALUES")
    # a sub-SELECT body cannot start with VALUES: the block is appended instead
    assert bind_values("SELECT * { SELECT ?o { ?o ?p ?n } }", b).rstrip().endswith("{ (<http://x/o>) }")


def test_regression_a_non_ascii_prefix_name_with_a_bound_parameter():
    """A word starting with a non-ASCII letter (the prefix é: here) made bind_values raise
    AttributeError, so such a query with a parameter failed in Oxigraph and at an endpoint."""
    q = "PREFIX é: <http://x/>\nSELECT ?n WHERE { ?o é:name ?n }"
    b = {"o": ox.NamedNode("http://x/a")}
    assert bind_values(q, b).startswith("PREFIX é: <http://x/>\nSELECT ?n WHERE { VALUES (?o) { (<http://x/a>) }")
    store = OxigraphStore.from_nquads(b'<http://x/a> <http://x/name> "A" .\n'
                                      b'<http://x/b> <http://x/name> "B" .\n')
    assert [row[0].value for row in store.query(q, b).rows] == ["A"]


def test_construct_ask_and_quads_agree(memory, oxigraph, endpoint, assembly):
    c = ("PREFIX schema: <https://schema.org/>\n"
         "CONSTRUCT { ?o schema:name ?n } WHERE { ?o a schema:Hospital ; schema:name ?n }")
    g = canon(memory.query(c))
    assert len(g[1]) > 0
    assert canon(oxigraph.query(c)) == g
    assert canon(endpoint.query(c)) == g
    a = "PREFIX schema: <https://schema.org/>\nASK { ?t a schema:MedicalTrial }"
    assert memory.query(a).boolean is oxigraph.query(a).boolean is endpoint.query(a).boolean is True
    # every store gives back exactly the quads the writer wrote, byte for byte
    written = assembly.nquads(names=False)
    assert memory.nquads() == oxigraph.nquads() == endpoint.nquads() == written


def test_a_malformed_query_names_its_position(oxigraph):
    from kg.store import SparqlSyntaxError

    with pytest.raises(SparqlSyntaxError, match=r"error at 2:\d+"):
        oxigraph.query("SELECT ?x\nWHERE { ?x ?y }")


# --- persistent Oxigraph ------------------------------------------------------------------------

def test_persistent_store_is_loaded_once_and_reused(tmp_path, assembly):
    folder = tmp_path / "ox"
    nq = assembly.nquads(names=True, default=True)
    calls = []

    def load():
        calls.append(1)
        return nq
    first = OxigraphStore.persistent(folder, "k1", load)
    n = len(first)
    del first
    second = OxigraphStore.persistent(folder, "k1", load)
    assert calls == [1] and len(second) == n == nq.count(b"\n")
    assert json.loads((folder / MARKER).read_text())["key"] == "k1"
    del second
    third = OxigraphStore.persistent(folder, "k2", load)  # stale: reloaded, not appended to
    assert calls == [1, 1] and len(third) == n


def test_oxigraph_dir_persists_across_processes(tmp_path, data_copy):
    folder = tmp_path / "store"
    args = ["export", "--data", str(data_copy), "--ontology", str(ONTOLOGY), "--store", f"oxigraph:{folder}",
            "-f", "nquads"]
    first = run_cli(*args, "-o", str(tmp_path / "1.nq"))
    assert first.returncode == 0, first.stderr
    marker = folder / MARKER
    stamp = (marker.stat().st_mtime_ns, json.loads(marker.read_text())["key"])
    second = run_cli(*args, "-o", str(tmp_path / "2.nq"))
    assert second.returncode == 0, second.stderr
    assert (marker.stat().st_mtime_ns, json.loads(marker.read_text())["key"]) == stamp, "reused, not rebuilt"
    assert (tmp_path / "1.nq").read_bytes() == (tmp_path / "2.nq").read_bytes()
    memory = run_cli("export", "--data", str(data_copy), "--ontology", str(ONTOLOGY), "-f", "nquads",
                     "--store", "memory")
    assert (tmp_path / "1.nq").read_bytes() == memory.stdout.encode("utf-8")
    # an edit to the data makes the store stale: the next run rebuilds it
    orgs = data_copy / "organisations.yaml"
    orgs.write_text(orgs.read_text(encoding="utf-8").replace("name: Oslo University Hospital",
                                                            "name: Oslo University Hospital HF", 1), encoding="utf-8")
    third = run_cli(*args, "-o", str(tmp_path / "3.nq"))
    assert third.returncode == 0, third.stderr
    assert json.loads(marker.read_text())["key"] != stamp[1]
    assert "Oslo University Hospital HF" in (tmp_path / "3.nq").read_text()


def test_corrupt_store_folder_gives_a_clear_error(tmp_path, assembly):
    folder = tmp_path / "ox"
    del_me = OxigraphStore.persistent(folder, "k", lambda: assembly.nquads(names=True, default=True))
    del del_me
    for f in folder.iterdir():
        if f.name.startswith(("MANIFEST", "CURRENT")) or f.suffix == ".sst":
            f.write_bytes(b"\x00garbage\x00" * 64)
    with pytest.raises(StoreError, match="corrupt"):
        OxigraphStore.persistent(folder, "k", lambda: b"")
    out = run_cli("export", "--store", f"oxigraph:{folder}")
    assert out.returncode == 2
    assert str(folder) in out.stderr and "Traceback" not in out.stderr


def test_a_folder_that_is_not_a_store_is_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    out = run_cli("export", "--store", f"oxigraph:{tmp_path}")
    assert out.returncode == 2 and "not empty and holds no pmkg store" in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="not a folder"):
        open_store(f"oxigraph:{tmp_path / 'file'}", Config.resolve())


def test_locked_store_folder_gives_a_clear_error(tmp_path, assembly):
    folder = tmp_path / "ox"
    s = OxigraphStore.persistent(folder, "old", lambda: assembly.nquads(names=True, default=True))
    del s
    holder = subprocess.Popen([sys.executable, "-c", "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); "
                               "print('ready', flush=True); sys.stdin.read()", str(folder)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="in use by another process"):
            OxigraphStore.persistent(folder, "new", lambda: b"")
        out = run_cli("export", "--store", f"oxigraph:{folder}")  # the data's key differs from "old"
        assert out.returncode == 2 and "in use by another process" in out.stderr
        assert "Traceback" not in out.stderr
    finally:
        holder.stdin.close()
        holder.wait(10)


# --- endpoints that cannot answer ---------------------------------------------------------------

def test_unreachable_endpoint_is_a_clear_error_and_exit_2():
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(StoreError, match="cannot reach"):
        EndpointStore(url).query("ASK {}")
    out = run_cli("export", "--endpoint", url)
    assert out.returncode == 2
    assert "cannot reach the SPARQL endpoint" in out.stderr and url in out.stderr
    assert "Traceback" not in out.stderr


def test_failing_endpoint_is_a_clear_error_and_exit_2(oxigraph_server):
    # a real server, the wrong path: it answers 404
    out = run_cli("export", "--endpoint", oxigraph_server + "/no-such-endpoint")
    assert out.returncode == 2 and "HTTP 404" in out.stderr and "Traceback" not in out.stderr
    # the right endpoint, a query it rejects: 400 with its message
    with pytest.raises(StoreError, match="HTTP 400"):
        EndpointStore(oxigraph_server + "/query").query("SELECT ?x WHERE { ?x }")


def test_endpoint_that_never_answers_times_out(tmp_path):
    import socket

    with socket.socket() as srv:  # accepts the connection, never replies
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        url = f"http://127.0.0.1:{srv.getsockname()[1]}/sparql"
        t0 = time.monotonic()
        with pytest.raises(StoreError, match="did not answer|timed out"):
            EndpointStore(url, timeout=1).query("ASK {}")
        assert time.monotonic() - t0 < 10


def test_credentials_are_sent_but_never_shown():
    url = f"http://alice:s3cret@127.0.0.1:{free_port()}/sparql"
    with pytest.raises(StoreError) as e:
        EndpointStore(url).query("ASK {}")
    assert "s3cret" not in str(e.value) and "alice" not in str(e.value)
    out = run_cli("export", "--endpoint", url, env={"PMKG_ENDPOINT_AUTH": "bob:hunter2"})
    assert out.returncode == 2
    assert "s3cret" not in out.stderr + out.stdout and "hunter2" not in out.stderr + out.stdout


def test_unknown_store_kind():
    out = run_cli("export", "--store", "postgres")
    assert out.returncode == 2 and "unknown store 'postgres'" in out.stderr


def test_pmkg_query_through_the_endpoint_matches_memory(endpoint, oxigraph_server):
    """The command line end to end: `pmkg query NAME --endpoint URL` prints what the memory store prints."""
    import csv
    import io

    for name, params in (("consortium", ["--param", "project=PRIME-ROSE"]), ("coordinators", [])):
        local = run_cli("query", name, *params, "-f", "csv")
        remote = run_cli("query", name, *params, "-f", "csv", "--endpoint", oxigraph_server + "/query")
        assert local.returncode == remote.returncode == 0, remote.stderr

        def rows(out):
            return sorted(map(tuple, csv.reader(io.StringIO(out.stdout))))
        assert rows(remote) == rows(local) and len(rows(local)) > 1


def test_bulk_pauses_garbage_collection_and_restores_it_even_on_error():
    """kg.store.bulk: no cyclic collection while the rows of an answer are made, and the collector back
    as it was afterwards (also when it was off, and when the block fails)."""
    import gc

    from kg.store import bulk

    assert gc.isenabled()
    with pytest.raises(ValueError):
        with bulk():
            assert not gc.isenabled()
            raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
