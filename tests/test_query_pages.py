"""Large answers like a database client: `pmkg query --limit/--offset`, rows written as the store yields
them, a table that stops at a page and says how to get the rest, the total always counted."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pyoxigraph as ox
import pytest
from conftest import ROOT

from kg import query as Q
from kg.cli import main
from kg.cmd_query import page_limit
from kg.store import Result

pytestmark = pytest.mark.usefixtures("published")   # the CLI reads the published store, built once


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def emitted(ans, fmt, **kw):
    chunks: list[str] = []
    shown = Q.emit(ans, chunks.append, fmt, **kw)
    return "".join(chunks), shown


@pytest.fixture(scope="module")
def shared(oxigraph):
    """shared-projects on the shipped data, whole (384 rows when written: more than a page)."""
    return Q.answer("shared-projects", {}, oxigraph)


def test_oxigraph_streams_a_select(oxigraph):
    whole = Q.answer("coordinators", {}, oxigraph)
    ans = Q.answer("coordinators", {}, oxigraph, lazy=True)
    assert ans.stream is not None and ans.result.rows == []
    assert list(ans.stream) == whole.result.rows and len(whole.result.rows) > 10


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_a_streamed_page_is_the_slice_of_the_whole_answer(oxigraph, fmt):
    whole_answer = Q.answer("coordinators", {}, oxigraph)
    whole = whole_answer.result
    text, shown = emitted(Q.answer("coordinators", {}, oxigraph, lazy=True), fmt, limit=7, offset=3)
    part = Result("SELECT", whole.vars, whole.rows[3:10])
    # the table leaves out the bound parameters' columns (uncertain=false repeats on every row)
    expected = Q.format_result(part, fmt, hide=set(whole_answer.bindings))
    if fmt == "table":
        expected = expected.rsplit("(", 1)[0] + f"(rows 4-10 of {len(whole.rows)}; the next page: --offset 10; " \
                                                "all of them: --limit 0)\n"
    assert text == expected and shown.total == len(whole.rows)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "sparql-json"])
def test_a_page_in_any_format_is_the_slice_of_the_whole_answer(oxigraph, shared, fmt):
    rows = shared.result.rows
    assert len(rows) > 150
    text, shown = emitted(Q.answer("shared-projects", {}, oxigraph, lazy=True), fmt, limit=50, offset=100)
    part = Result("SELECT", shared.result.vars, rows[100:150])
    assert text == Q.format_result(part, fmt)     # byte for byte what the whole-answer writer gives
    assert (shown.shown, shown.total, shown.cut) == (50, len(rows), True)


def test_pages_put_together_are_the_whole_answer(oxigraph, shared):
    got, offset = [], 0
    while True:
        text, shown = emitted(Q.answer("shared-projects", {}, oxigraph, lazy=True), "csv", limit=100, offset=offset)
        got += list(csv.reader(io.StringIO(text, newline="")))[1:]
        offset += shown.shown
        if not shown.cut:
            break
    assert offset == len(shared.result.rows)
    assert got == list(csv.reader(io.StringIO(shared.text("csv"), newline="")))[1:]


def test_rows_are_written_before_the_store_has_found_them_all():
    """A stream that checks, before yielding its next row, that the previous one is already written."""
    written: list[str] = []
    names = ["n"]

    def rows():
        for i in range(5):
            if i:
                assert any(f'"{i - 1}"' in w for w in written), f"row {i - 1} was held, not written"
            yield (ox.Literal(str(i)),)

    ans = Q.Answer(Q.from_text("SELECT ?n WHERE {}", "t"), {}, Result("SELECT", names), rows())
    Q.emit(ans, written.append, "json")
    assert json.loads("".join(written))["results"]["bindings"][4]["n"]["value"] == "4"


def test_rows_after_the_page_are_counted_not_held():
    consumed = []

    def rows():
        for i in range(10_000):
            consumed.append(i)
            yield (ox.Literal(str(i)),)

    ans = Q.Answer(Q.from_text("SELECT ?n WHERE {}", "t"), {}, Result("SELECT", ["n"]), rows())
    text, shown = emitted(ans, "table", limit=3)
    assert text.splitlines()[-1] == "(rows 1-3 of 10,000; the next page: --offset 3; all of them: --limit 0)"
    assert len(text.splitlines()) == 2 + 3 + 1
    assert len(consumed) == 10_000 and shown.total == 10_000


def test_the_table_stops_at_a_page_and_says_how_to_get_the_rest(capsys, shared):
    code, out, err = cli(capsys, "query", "shared-projects")
    lines = out.splitlines()
    n = len(shared.result.rows)
    assert code == 0 and len(lines) == 2 + Q.TABLE_PAGE + 1
    assert lines[-1] == f"(rows 1-100 of {n}; the next page: --offset 100; all of them: --limit 0)"
    code, out, _ = cli(capsys, "query", "shared-projects", "--offset", "100")
    assert out.splitlines()[-1].startswith(f"(rows 101-200 of {n};")
    code, out, _ = cli(capsys, "query", "shared-projects", "--limit", "0")
    assert out.splitlines()[-1] == f"({n} rows)" and len(out.splitlines()) == 2 + n + 1
    code, out, _ = cli(capsys, "query", "shared-projects", "--offset", str(n - 2))
    assert out.splitlines()[-1] == f"(rows {n - 1}-{n} of {n})"


def test_a_short_answer_is_written_whole_as_before(capsys):
    code, out, err = cli(capsys, "query", "consortium", "--param", "project=ECHoS")
    assert code == 0 and out.splitlines()[-1].endswith(" rows)") and not err


def test_csv_with_a_limit_reports_the_total_on_stderr(capsys, shared):
    code, out, err = cli(capsys, "query", "shared-projects", "-f", "csv", "--limit", "10", "--offset", "5")
    assert code == 0 and len(list(csv.reader(io.StringIO(out, newline="")))) == 1 + 10
    n = len(shared.result.rows)
    assert err.strip() == f"pmkg: wrote rows 6-15 of {n}; the next page: --offset 15; all of them: --limit 0"


def test_shared_projects_and_sectors_have_a_default_limit():
    for name in ("shared-projects", "sectors"):
        q = Q.get(name)
        assert q.limit == 1000
        assert page_limit(q, "csv", None) == 1000 and page_limit(q, "csv", 0) is None
        assert page_limit(q, "table", None) == Q.TABLE_PAGE
    assert page_limit(Q.get("coverage"), "csv", None) is None


def test_a_query_s_own_limit_is_said_to_be_the_reason(capsys, tmp_path):
    f = tmp_path / "few.rq"
    f.write_text("# title: few\n# limit: 2\nSELECT ?o WHERE { ?o a schema:Organization }\n")
    code, out, err = cli(capsys, "query", str(f), "-f", "tsv")
    assert code == 0 and len(out.splitlines()) == 3
    assert "rows 1-2 of " in err and "(the query's default limit)" in err


def test_an_offset_past_the_end_says_so(capsys):
    code, out, err = cli(capsys, "query", "coverage", "--offset", "100000")
    assert code == 0 and out.startswith("Nothing after --offset 100000: the answer has ")


@pytest.mark.parametrize("bad", ["-1", "x"])
def test_a_negative_or_malformed_limit_is_a_usage_error(capsys, bad):
    with pytest.raises(SystemExit) as e:
        main(["query", "coverage", "--limit", bad])
    assert e.value.code == 2
    assert "--limit" in capsys.readouterr().err


def test_a_reader_that_stops_early_is_not_an_error(published):
    """`pmkg query ... | head -1`: the pipe closes while rows are still written; exit 0, no traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # every triple: far more than a pipe holds, so the writer meets the closed pipe
    cmd = f"'{sys.executable}' -m kg query --sparql 'SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }}' -f csv | head -1"
    p = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, env=env,
                       cwd=os.environ["PMKG_ROOT"])
    assert p.stdout == "s,p,o\n"
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr and "Error" not in p.stderr
