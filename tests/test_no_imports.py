"""One assembly for every command: kept imports are in the graph every command reads, and --no-imports
leaves them out of every one (regression: query and viz ignored it), and what is published passes the
checks, imports included (regression: build validated the curated graph, then published another)."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
from conftest import ROOT, edit_kept, free_port, stop_process, wait_for_port

from kg.cli import main

FIX = ROOT / "tests" / "fixtures"
CORDIS = ["cordis", "--projects", str(FIX / "cordis" / "project.csv"),
          "--organizations", str(FIX / "cordis" / "organization.csv")]
GRAPH = "https://w3id.org/pmkg/graph/import-cordis"
ORG = "cordis-org-999000004"          # an organisation only the import knows
ASK = f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"


@pytest.fixture
def imported(project, capsys):
    assert main(["import", *CORDIS]) == 0
    capsys.readouterr()
    return project


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_reading_command_includes_the_imports_and_leaves_them_out_when_asked(imported, capsys, tmp_path):
    # query
    assert run(capsys, "query", "--sparql", ASK)[1] == "yes\n"
    assert run(capsys, "query", "--sparql", ASK, "--no-imports")[1] == "no\n"
    # stats
    with_, without = (json.loads(run(capsys, "stats", "--json", *x)[1]) for x in ([], ["--no-imports"]))
    assert with_["named_graphs"] == without["named_graphs"] + 1 and with_["triples"] > without["triples"]
    # export
    for flag, present in (([], True), (["--no-imports"], False)):
        code, out, _ = run(capsys, "export", "-f", "nquads", *flag)
        assert code == 0 and (f"<{GRAPH}>" in out) is present
    # viz
    for flag, present in (([], True), (["--no-imports"], False)):
        page = tmp_path / "page.html"
        assert run(capsys, "viz", "-o", str(page), *flag)[0] == 0
        assert (f'"{ORG}"' in page.read_text(encoding="utf-8")) is present
    # analyze
    for flag, present in (([], True), (["--no-imports"], False)):
        code, out, _ = run(capsys, "analyze", "--all", "--format", "csv", *flag)
        assert code == 0 and (ORG in out) is present
    # path, and the one resolver: a registry number names the imported organisation
    code, out, _ = run(capsys, "path", ORG, "OUS")
    assert code in (0, 1) and "unknown" not in out
    code, _, err = run(capsys, "path", ORG, "OUS", "--no-imports")
    assert code == 2 and f"A='{ORG}': no entity has that name" in err
    # validate and build
    assert run(capsys, "validate")[0] == 0 and run(capsys, "validate", "--no-imports")[0] == 0


def test_regression_path_resolves_what_query_parameters_resolve(published, capsys):
    """`pmkg path NCT04817956 GMS` said "unknown entity" while `--param project=NCT04817956` worked:
    there were two resolvers. Now there is one."""
    code, out, _ = run(capsys, "query", "consortium", "--param", "project=NCT04817956", "-f", "csv")
    assert code == 0 and "impress-norway" in out
    code, out, _ = run(capsys, "path", "NCT04817956", "GMS")
    assert code == 0 and out.startswith("IMPRESS-Norway (impress-norway) to GMS (gms):")


def test_push_and_serve_follow_no_imports(imported, capsys, oxigraph_server):
    def ask(url: str) -> bool:
        req = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": ASK}),
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["boolean"]

    try:
        assert run(capsys, "push", "--endpoint", oxigraph_server + "/store", "--no-imports")[0] == 0
        assert ask(oxigraph_server + "/query") is False
        assert run(capsys, "push", "--endpoint", oxigraph_server + "/store")[0] == 0
        assert ask(oxigraph_server + "/query") is True
    finally:   # leave the session's server as the other tests expect it
        req = urllib.request.Request(f"{oxigraph_server}/store?graph={urllib.parse.quote(GRAPH, safe='')}",
                                     method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()
    for flag, expected in (([], True), (["--no-imports"], False)):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port), "--quiet", *flag],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_for_port(port, proc, timeout=120)
            assert ask(f"http://127.0.0.1:{port}/sparql") is expected
        finally:
            stop_process(proc)


def test_an_import_that_breaks_a_shape_is_named_and_nothing_is_published(imported, capsys):
    """What pmkg build publishes is what it checked: the merged graph, imports included. A kept import
    that makes it violate a shape is named with its record, and the previous build stays."""
    assert run(capsys, "build", "-q")[0] == 0
    before = (imported / "build" / "pmkg.ttl").read_bytes()
    current = (imported / "build" / "current").resolve()
    # an organisation with no name: the shapes refuse it
    edit_kept(imported / "build" / "imports", "cordis",
              '{"kind":"organisation","id":"cordis-org-999000099","values":{"kind":["company"]}}\n')
    code, _, err = run(capsys, "build")
    assert code == 1 and "does not conform" in err
    assert "id/cordis-org-999000099 schema:name" in err and "[from import 'cordis', record cordis-org-999000099]" in err
    assert (imported / "build" / "pmkg.ttl").read_bytes() == before
    assert (imported / "build" / "current").resolve() == current
    # readers stop with the same message rather than read a graph that fails the checks
    code, _, err = run(capsys, "query", "coordinators")
    assert code == 1 and "cordis-org-999000099" in err
    # the curated graph alone still builds and reads
    assert run(capsys, "query", "coordinators", "--no-imports")[0] == 0
