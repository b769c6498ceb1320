"""A server triplestore tested for real: Virtuoso 7 (Debian's virtuoso-opensource), started on 127.0.0.1 with a
database of its own. `pmkg push` loads it through its authenticated Graph Store endpoint (HTTP Digest), with
the union in a graph of its own (Virtuoso's default graph is the bag-union of every graph), and every named
query, run with `pmkg query --endpoint`, gives the rows the published store gives."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from conftest import ROOT

from kg import query as Q
from kg.store import EndpointStore

G = "https://w3id.org/pmkg/graph/"
UNION = G + "union"


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=600)


def dataset_url(server) -> str:
    return f"{server.sparql}?default-graph-uri={quote(UNION, safe='')}"


@pytest.fixture(scope="module")
def pushed(virtuoso_server, published):
    """The session project's published graph, pushed into Virtuoso with `pmkg push`."""
    out = run_cli("push", "--endpoint", virtuoso_server.gsp, "--union-graph", UNION,
                  env={"PMKG_ENDPOINT_AUTH": virtuoso_server.auth})
    assert out.returncode == 0, out.stderr
    return out


def test_push_into_virtuoso_speaks_digest_and_sends_every_graph(pushed, virtuoso_server, assembly):
    assert "Pushed" in pushed.stdout and f"<{UNION}>" in pushed.stdout
    store = EndpointStore(virtuoso_server.sparql)
    res = store.query(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{G}')) }} "
                      "GROUP BY ?g")
    got = {g.value: int(n.value) for g, n in res.rows}
    expected = {g[1:-1]: len(t) for g, t in assembly.quads.graphs.items()}
    assert got.pop(UNION) == len(assembly.union())
    assert got == expected


@pytest.mark.parametrize("name", sorted(Q.library()))
def test_every_named_query_gives_the_published_rows(pushed, virtuoso_server, published, name):
    from test_store_contract import canon
    from kg.build import published_store

    mine = EndpointStore(dataset_url(virtuoso_server))
    assert canon(Q.run(name, store=mine)) == canon(Q.run(name, store=published_store()))
