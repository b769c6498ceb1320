"""pmkg push: the graph goes into a real triplestore (an Oxigraph server) through the SPARQL 1.1 Graph
Store HTTP Protocol, one named graph per source; pushing again duplicates nothing; credentials are
never shown."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest
from conftest import ROOT, free_port

from kg.store import EndpointStore, StoreError


def count(url: str, graph: str | None = None) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {'<' + graph + '>' if graph else '?g'} {{ ?s ?p ?o }} }}"
    return int(EndpointStore(url + "/query").query(q).rows[0][0].value)


def graphs(url: str) -> dict[str, int]:
    res = EndpointStore(url + "/query").query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {g.value: int(n.value) for g, n in res.rows}


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=300)


def default_count(url: str) -> int:
    return int(EndpointStore(url + "/query").query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value)


def test_push_twice_keeps_every_source_graph_and_duplicates_nothing(oxigraph_server, assembly):
    first = run_cli("push", "--endpoint", oxigraph_server + "/store")
    assert first.returncode == 0, first.stderr
    expected = {g[1:-1]: len(t) for g, t in assembly.quads.graphs.items()}
    assert graphs(oxigraph_server) == expected
    assert any("/graph/" in g and not g.endswith(("/ontology", "/description", "/names")) for g in expected)
    assert count(oxigraph_server) == sum(expected.values())
    # the default graph holds the union, each triple once (the names index left out)
    union = len(assembly.union())
    assert default_count(oxigraph_server) == union
    assert f"Pushed {sum(expected.values()) + union} triples in {len(expected) + 1} graph(s)" in first.stdout
    second = run_cli("push", "--endpoint", oxigraph_server + "/store")
    assert second.returncode == 0, second.stderr
    assert count(oxigraph_server) == sum(expected.values()) and default_count(oxigraph_server) == union
    assert graphs(oxigraph_server) == expected


def test_push_into_one_graph(oxigraph_server, oxigraph, assembly):
    from kg.push import push

    target = "https://example.org/pmkg-all"
    union = len(assembly.union())
    try:
        report = push(oxigraph, oxigraph_server + "/store", graph=target)
        assert report.graphs == [(target, union)]
        assert count(oxigraph_server, target) == union
        push(oxigraph, oxigraph_server + "/store", graph=target)
        assert count(oxigraph_server, target) == union
    finally:  # leave the session's server as the other tests expect it
        req = urllib.request.Request(f"{oxigraph_server}/store?graph={target}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()
    with pytest.raises(ValueError, match="absolute IRI"):
        push(oxigraph, oxigraph_server + "/store", graph="not an iri")


def test_credentials_are_never_printed(oxigraph_server):
    port = oxigraph_server.rsplit(":", 1)[1]
    ok = run_cli("push", "--endpoint", f"http://alice:s3cret@127.0.0.1:{port}/store",
                 env={"PMKG_ENDPOINT_AUTH": "bob:hunter2"})
    assert ok.returncode == 0, ok.stderr
    dead = run_cli("push", "--endpoint", f"http://127.0.0.1:{free_port()}/store", "--auth", "carol:pa55word")
    assert dead.returncode == 2 and "cannot reach the Graph Store endpoint" in dead.stderr
    for out in (ok, dead):
        text = out.stdout + out.stderr
        assert not any(secret in text for secret in ("s3cret", "hunter2", "pa55word", "alice"))
        assert "Traceback" not in text


def test_a_failing_graph_store_stops_the_push_with_a_clear_error(oxigraph_server, oxigraph):
    from kg.push import push

    # the query endpoint is not a Graph Store: a PUT there is refused
    with pytest.raises(StoreError, match=r"Graph Store endpoint .* answered HTTP 4\d\d"):
        push(oxigraph, oxigraph_server + "/query")
