"""Issue 14, the command line: every value checked, no traceback, one way of saying things.

Each test is a message or an exit code the issue lists, asserted on what a user sees: the exit code,
stdout (data) and stderr (messages, one ``pmkg:`` prefix, errors on one ``pmkg: error:`` line or a
first line followed by the close matches).
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys

import pytest
from conftest import DATA, MINI, ONTOLOGY, ROOT, free_port

from kg.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def no_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_regression_a_filtered_report_never_replaces_the_published_report(project, capsys):
    """`pmkg report --country NO` replaced build/report.html, the published page (a link into the
    current build), with a 13-organisation page; a report without -o goes under build/views/, named
    after its filters, as a `pmkg viz` page does."""
    assert main(["build", "-q"]) == 0
    build = project / "build"
    published_report = (build / "report.html").read_bytes()
    code, out, err = run(capsys, "report", "--country", "Norway", "--year", "2024")
    page = build / "views" / "report-country-NO-year-2024.html"
    assert code == 0 and out == "" and err.startswith(f"pmkg: wrote {page} (")
    assert (build / "report.html").is_symlink() and (build / "report.html").read_bytes() == published_report
    assert page.stat().st_size < len(published_report)
    assert run(capsys, "report")[0] == 0 and (build / "views" / "report.html").stat().st_size > page.stat().st_size
    assert (build / "report.html").is_symlink() and (build / "report.html").read_bytes() == published_report


# --- countries: ISO codes or English names, unknown ones exit 2 with close matches ---------------------

def test_network_filters_read_country_names_through_kg_countries():
    from kg.countries import UnknownCountry
    from kg.network import Filters

    assert Filters(countries={"Sweden", "no", "UK", "EL"}).countries == {"SE", "NO", "GB", "GR"}
    with pytest.raises(UnknownCountry, match=r"unknown country 'Swedn' \(did you mean SE \(Sweden\)"):
        Filters(countries={"Swedn"})


@pytest.mark.parametrize("command", [
    ["viz"], ["analyze"], ["export", "-f", "graphml"], ["report"], ["path", "GMS", "PRIME-ROSE"],
])
def test_an_unknown_country_is_exit_2_everywhere(published, capsys, tmp_path, command):
    """`viz --country XX` wrote a page, all exit 0; now every command that takes --country refuses it."""
    out = tmp_path / "out"
    extra = ["-o", str(out)] if command[0] in ("viz", "export", "report") else []
    code, stdout, err = run(capsys, *command, "--country", "XX", *extra)
    assert code == 2 and stdout == ""
    assert err.startswith("pmkg: error: --country: unknown country 'XX'") and "Sweden" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_a_mistyped_country_lists_the_close_matches(published, capsys, tmp_path):
    code, _, err = run(capsys, "report", "--country", "Swedn", "-o", str(tmp_path / "r.html"))
    assert code == 2 and "unknown country 'Swedn' (did you mean SE (Sweden)" in err
    assert no_files(tmp_path) == []


def test_analyze_country_sweden_is_country_se(published, capsys):
    """`analyze --country Sweden` reported 0 nodes: the name is now the code."""
    code, by_name, _ = run(capsys, "analyze", "--country", "Sweden", "--format", "json", "--all")
    assert code == 0
    code, by_code, _ = run(capsys, "analyze", "--country", "se", "--format", "json", "--all")
    assert code == 0 and by_name == by_code
    nodes = json.loads(by_name)["nodes"]
    assert len(nodes) > 10 and any(n["id"] == "gms" for n in nodes)


def test_viz_country_names_make_the_same_page_as_codes(published, capsys, tmp_path):
    code, _, err = run(capsys, "viz", "--country", "Sweden,norway", "-o", str(tmp_path) + "/")
    page = tmp_path / "network-landscape-country-NO-SE.html"   # named after the codes the names mean
    assert code == 0 and f"pmkg: wrote {page} " in err
    assert run(capsys, "viz", "--country", "NO,SE", "-o", str(tmp_path / "codes.html"))[0] == 0
    assert page.read_bytes() == (tmp_path / "codes.html").read_bytes()


def test_param_country_takes_a_name_and_refuses_an_unknown_one(published, capsys):
    """`--param country=Sweden` printed "No results", exit 0."""
    code, by_name, _ = run(capsys, "query", "country-participation", "--param", "country=Sweden", "-f", "csv")
    assert code == 0
    assert by_name == run(capsys, "query", "country-participation", "--param", "country=SE", "-f", "csv")[1]
    assert len(by_name.splitlines()) == 2 and by_name.splitlines()[1].startswith("SE,")
    code, out, err = run(capsys, "query", "country-participation", "--param", "country=XX")
    assert code == 2 and out == "" and err.startswith("pmkg: error: --param country='XX': unknown country 'XX'")
    code, _, err = run(capsys, "query", "country-participation", "--param", "country=Norwey")
    assert code == 2 and "did you mean NO (Norway)" in err


def test_an_empty_parameter_is_an_error(published, capsys):
    """`--param project=` returned every membership."""
    code, out, err = run(capsys, "query", "consortium", "--param", "project=")
    assert code == 2 and out == ""
    assert err == "pmkg: error: --param project=: the value is empty (leave the parameter out for its default)\n"
    code, _, err = run(capsys, "query", "country-participation", "--param", "country=  ")
    assert code == 2 and "the value is empty" in err


@pytest.mark.parametrize("argv, message", [
    (["viz", "--country", ","], "--country: the value is empty (leave the option out for no filter)"),
    (["analyze", "--kinds="], "--kinds: the value is empty (leave the option out for no filter)"),
    (["export", "-f", "gexf", "--roles", " "], "--roles: the value is empty (leave the option out for no filter)"),
    (["viz", "--focus="], "--focus: an empty value names no entity"),
    (["report", "--programme="], "--programme: an empty value names no entity"),
])
def test_an_empty_option_value_is_an_error_not_everything(published, capsys, tmp_path, argv, message):
    """`--country ""` kept every country, as `--param project=` kept every project."""
    extra = ["-o", str(tmp_path / "out")] if argv[0] in ("viz", "export", "report") else []
    code, out, err = run(capsys, *argv, *extra)
    assert code == 2 and out == "" and err == f"pmkg: error: {message}\n"
    assert no_files(tmp_path) == []


def test_path_max_must_be_positive(capsys):
    """`path A B --max 0` answered "no connection in this view" about two connected entities."""
    with pytest.raises(SystemExit) as e:
        main(["path", "GMS", "DRUP", "--max", "0"])
    assert e.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "pmkg: error: argument --max: 0: give a positive whole number"


# --- entities: close matches everywhere, through the one resolver ---------------------------------------

@pytest.mark.parametrize("argv, what", [
    (["path", "GSM", "PRIME-ROSE"], "A='GSM'"),
    (["viz", "--focus", "GSM"], "--focus='GSM'"),
    (["analyze", "--focus", "GSM"], "--focus='GSM'"),
    (["export", "-f", "gexf", "--focus", "GSM"], "--focus='GSM'"),
    (["query", "organisation-portfolio", "--param", "organisation=GSM"], "--param organisation='GSM'"),
])
def test_a_mistyped_short_name_lists_close_matches(published, capsys, argv, what):
    """A typo in an acronym shares no word with it; the close matches still name GMS."""
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    first, *rest = err.splitlines()
    assert first == f"pmkg: error: {what}: no entity has that name, acronym, id or registry number. Close matches:"
    assert any("Genomic Medicine Sweden (organisation) <https://w3id.org/pmkg/id/gms>" in line for line in rest)


def test_a_mistyped_programme_lists_close_matches(published, capsys, tmp_path):
    code, _, err = run(capsys, "viz", "--programme", "horizn", "-o", str(tmp_path / "p.html"))
    assert code == 2 and "--programme='horizn': no entity" in err
    assert "Horizon Europe (programme) <https://w3id.org/pmkg/id/horizon-europe>" in err
    code, _, err = run(capsys, "analyze", "--programme", "GMS")
    assert code == 2 and err == "pmkg: error: --programme 'gms' is an organisation, not a programme\n"
    assert run(capsys, "viz", "--programme", "Horizon Europe", "-o", str(tmp_path / "p.html"))[0] == 0


def test_analyze_with_a_mistyped_name_lists_close_matches(published, capsys):
    code, _, err = run(capsys, "analyze", "--focus", "karolinsk")
    assert code == 2 and "Karolinska Institutet (organisation)" in err


# --- no tracebacks ---------------------------------------------------------------------------------------

def test_path_from_an_entity_to_itself_is_the_same_entity(published, capsys):
    """`pmkg path GMS GMS` raised IndexError."""
    code, out, err = run(capsys, "path", "GMS", "gms")
    assert code == 0 and err == ""
    assert out == "GMS (gms): both names are the same entity (0 steps).\n"


def test_path_to_an_entity_the_filters_leave_out_says_so(published, capsys):
    code, out, err = run(capsys, "path", "GMS", "PRIME-ROSE", "--country", "Norway")
    assert code == 1 and err == ""
    assert out.startswith("GMS (gms): not in the landscape view with these filters, so no connection in it")


@pytest.mark.parametrize("argv, view", [
    (["viz", "--focus", "GMS", "--country", "NO"], "landscape"),
    (["analyze", "--focus", "PRIME-ROSE"], "organisations"),   # a project is no node of the organisations view
])
def test_focus_on_an_entity_the_view_leaves_out_says_so(published, capsys, tmp_path, argv, view):
    """It said "unknown entity 'gms'" about an entity the resolver had just found."""
    code, out, err = run(capsys, *argv, *(["-o", str(tmp_path / "v.html")] if argv[0] == "viz" else []))
    assert code == 2 and out == "" and no_files(tmp_path) == []
    assert err.startswith(f"pmkg: error: --focus {argv[2]!r} (") and f"is not in the {view} view" in err
    assert "unknown entity" not in err


def _quiet_end(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err.decode("utf-8", "replace")


@contextlib.contextmanager
def _killed_at_the_end(proc: subprocess.Popen):
    """Kill ``proc`` if it is still running when the block ends (a failed assertion included)."""
    try:
        yield
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_ctrl_c_ends_serve_quietly_with_130(published, tmp_path):
    """Ctrl-C on `pmkg serve` printed a 17-line traceback from a worker. A terminal sends SIGINT to the
    whole process group: so does this test."""
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(free_port()), "--workers", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    with _killed_at_the_end(proc):
        line = proc.stdout.readline().decode()
        assert "read-only at http://127.0.0.1:" in line, proc.stderr.read().decode() if proc.poll() else line
        os.killpg(proc.pid, signal.SIGINT)
        code, err = _quiet_end(proc)
    assert code == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


_SLOW_SHAPES = """
import sys, time
import kg.build as B

def slow(asm):
    print("checking", flush=True)
    time.sleep(60)

B.check = slow                      # the SHACL check, made slow enough to press Ctrl-C during it
shapes = None
try:
    shapes = B.Shapes(None)
    shapes.result()                 # the build waits here; Ctrl-C stops the check (Shapes.cancel)
except KeyboardInterrupt:
    sys.exit(130)                   # (a daemon process: multiprocessing ends it at exit in any case)
"""


def test_ctrl_c_during_the_shacl_check_prints_no_traceback():
    """Ctrl-C during `pmkg build` printed a traceback from inside pySHACL: the forked check got the
    terminal's SIGINT too. The build (the parent) stops it; the check itself ignores SIGINT."""
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_SHAPES], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    with _killed_at_the_end(proc):
        assert proc.stdout.readline().decode().strip() == "checking"
        os.killpg(proc.pid, signal.SIGINT)
        code, err = _quiet_end(proc)
    assert code == 130 and "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_sigterm_ends_serve_with_143(published):
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(free_port())], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with _killed_at_the_end(proc):
        assert "read-only at" in proc.stdout.readline().decode()
        proc.terminate()
        code, err = _quiet_end(proc)
    assert code == 143 and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["build", "--data", "MINI", "--ontology", "ONTOLOGY", "--no-shacl", "-o", "TMP"],
    ["export"],
    ["query", "consortium"],
    ["analyze", "--all"],
    ["queries"],
    ["stats"],
])
def test_a_closed_pipe_ends_quietly(published, tmp_path, argv):
    """`pmkg build | head -1` once ended with "Broken pipe", exit 2: the reader is gone before the
    command writes (its end of the pipe closed at once), so every write fails."""
    argv = [str(MINI) if a == "MINI" else str(ONTOLOGY) if a == "ONTOLOGY" else str(tmp_path) if a == "TMP" else a
            for a in argv]
    proc = subprocess.Popen([sys.executable, "-m", "kg", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(120)
    assert code == 0, err
    assert "Traceback" not in err and "Broken pipe" not in err and "Exception ignored" not in err, err


# --- consistent output -----------------------------------------------------------------------------------

def test_validate_without_shacl_does_not_claim_the_shapes_passed(capsys):
    code, out, err = run(capsys, "validate", "--data", str(MINI), "--ontology", str(ONTOLOGY), "--no-shacl")
    assert code == 0 and "SHACL shapes were not run" in out and "passed" not in out


def test_a_missing_data_folder_is_exit_2(capsys, tmp_path):
    """A missing --data folder exited 1 (data problems) instead of 2 (could not run)."""
    for command in ("validate", "build", "stats"):
        code, out, err = run(capsys, command, "--data", str(tmp_path / "nowhere"))
        assert code == 2 and err == f"pmkg: error: data folder {tmp_path / 'nowhere'} not found\n", command


@pytest.mark.parametrize("argv, name", [
    (["viz"], "network-landscape.html"),
    (["viz", "--view", "trials", "--kinds", "trial"], "network-trials-kinds-trial.html"),
    (["report"], "report.html"),
    (["export"], "pmkg.ttl"),
    (["export", "-f", "graphml"], "pmkg.graphml"),
])
def test_o_folder_writes_inside_it(published, capsys, tmp_path, argv, name):
    """`viz -o dir/` wrote a file named dir. A folder (existing, or ending in /) gets the command's own
    file name inside it, as `cp FILE DIR/` does."""
    for target in (str(tmp_path), str(tmp_path) + "/"):
        code, out, err = run(capsys, *argv, "-o", target)
        assert code == 0 and out == "" and err.startswith(f"pmkg: wrote {tmp_path / name} ")
        assert no_files(tmp_path) == [name]


@pytest.mark.parametrize("argv, start", [(["viz"], "<!DOCTYPE html>"), (["report"], "<!DOCTYPE html>"),
                                         (["export"], "@prefix"), (["analyze", "--format", "csv"], "rank,")])
def test_o_dash_is_stdout(published, capsys, tmp_path, monkeypatch, argv, start):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv, "-o", "-")
    assert code == 0 and err == "" and out.startswith(start) and no_files(tmp_path) == []


@pytest.mark.parametrize("command", [["viz"], ["analyze"], ["report"], ["export", "-f", "graphml"]])
def test_depth_without_focus_is_an_error_not_ignored(published, capsys, tmp_path, command):
    extra = ["-o", str(tmp_path / "out")] if command[0] != "analyze" else []
    code, out, err = run(capsys, *command, "--depth", "2", *extra)
    assert code == 2 and out == "" and no_files(tmp_path) == []
    assert err == "pmkg: error: --depth goes with --focus ENTITY (the links from it to keep)\n"


def test_report_offers_no_view_it_would_ignore(capsys):
    """`report --view trials` was accepted and ignored: the report covers the landscape."""
    with pytest.raises(SystemExit) as e:
        main(["report", "--view", "trials"])
    assert e.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "pmkg: error: unrecognized arguments: --view trials"


def test_export_of_an_rdf_format_refuses_network_filters(published, capsys, tmp_path):
    """`export -f turtle --country SE` wrote the whole graph, the filter silently ignored."""
    code, out, err = run(capsys, "export", "-f", "turtle", "--country", "SE", "--view", "trials",
                         "-o", str(tmp_path / "x.ttl"))
    assert code == 2 and out == "" and no_files(tmp_path) == []
    assert err == ("pmkg: error: --country, --view: the network formats (-f graphml, gexf, node-link-json) take "
                   "these; -f turtle writes the whole graph\n")
    assert run(capsys, "export", "-f", "gexf", "--country", "SE", "-o", str(tmp_path / "x.gexf"))[0] == 0


@pytest.mark.parametrize("argv", [["analyze"], ["query", "consortium"]])
def test_o_folder_says_it_needs_a_file(published, capsys, tmp_path, argv):
    code, out, err = run(capsys, *argv, "-o", str(tmp_path))
    assert code == 2 and out == ""
    assert err == f"pmkg: error: -o {tmp_path}: that is a folder; give a file name (-o {tmp_path / 'FILE'})\n"
    assert no_files(tmp_path) == []


@pytest.mark.parametrize("argv, file", [
    (["export"], "a/b/c.ttl"), (["viz"], "a/b/c.html"), (["report"], "a/b/c.html"), (["analyze"], "a/b/c.txt"),
    (["query", "consortium"], "a/b/c.csv"), (["viz"], "a/"),
])
def test_a_missing_output_folder_is_exit_2_naming_it(published, capsys, tmp_path, argv, file):
    """`export -o a/b/c.ttl` created the missing folders silently: every -o now stops and names the
    folder, and creates nothing."""
    target = f"{tmp_path}/{file}"   # (a Path would drop the trailing slash of a/)
    code, out, err = run(capsys, *argv, "-o", target)
    folder = tmp_path / ("a" if file == "a/" else "a/b")
    assert code == 2 and out == ""
    assert err.startswith(f"pmkg: error: -o {target}: the folder {folder} does not exist")
    assert no_files(tmp_path) == []


def test_messages_go_to_stderr_with_one_prefix(published, capsys, tmp_path):
    """"Wrote ..." went to stdout for build and viz but stderr elsewhere."""
    code, out, err = run(capsys, "build", "--data", str(MINI), "--ontology", str(ONTOLOGY), "-o", str(tmp_path / "b"))
    assert code == 0 and "wrote" not in out.lower()
    assert err and all(line.startswith("pmkg: ") for line in err.splitlines())
    for argv in (["viz", "-o", str(tmp_path / "v.html")], ["analyze", "-o", str(tmp_path / "a.txt")],
                 ["export", "-o", str(tmp_path / "e.ttl")], ["query", "trials", "-o", str(tmp_path / "q.txt")],
                 ["report", "-o", str(tmp_path / "r.html")]):
        code, out, err = run(capsys, *argv)
        assert code == 0 and out == "", argv
        assert err.startswith(f"pmkg: wrote {argv[-1]}") and len(err.splitlines()) == 1, argv
    code, out, err = run(capsys, "viz", "--kinds", "planet")
    assert code == 2 and out == "" and err.startswith("pmkg: error: unknown kind 'planet'")


def test_quiet_build_and_viz_print_nothing(published, capsys, tmp_path):
    code, out, err = run(capsys, "build", "-q", "--data", str(MINI), "--ontology", str(ONTOLOGY),
                         "-o", str(tmp_path / "b"))
    assert (code, out, err) == (0, "", "")
    code, out, err = run(capsys, "viz", "--quiet", "-o", str(tmp_path / "v.html"))
    assert (code, out, err) == (0, "", "") and (tmp_path / "v.html").stat().st_size > 100_000
    for argv in (["report", "-o", str(tmp_path / "r.html")], ["export", "-o", str(tmp_path / "e.ttl")],
                 ["analyze", "-o", str(tmp_path / "a.txt")], ["query", "trials", "-o", str(tmp_path / "q.txt")],
                 ["query", "country-participation", "--param", "country=JP", "-f", "csv", "-o", str(tmp_path / "n")]):
        assert run(capsys, *argv, "-q") == (0, "", ""), argv
        assert (tmp_path / argv[-1]).stat().st_size > 0


def test_quiet_import_prints_nothing(project, capsys):
    fix = ROOT / "tests" / "fixtures" / "cordis"
    argv = ["import", "cordis", "--projects", str(fix / "project.csv"), "--organizations",
            str(fix / "organization.csv"), "--data", str(DATA), "--ontology", str(ONTOLOGY)]
    code, out, err = run(capsys, *argv, "-q")
    assert (code, out, err) == (0, "", "")
    assert (project / "build" / "imports" / "cordis.json").is_file()
    code, out, err = run(capsys, "import", "-q", "--remove", "cordis")
    assert (code, out, err) == (0, "", "")
    assert not (project / "build" / "imports" / "cordis.json").exists()


def test_a_mistyped_command_gets_did_you_mean(capsys):
    with pytest.raises(SystemExit) as e:
        main(["biuld"])
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert err.splitlines()[-1].startswith("pmkg: error: argument COMMAND: invalid choice: 'biuld'")
    assert err.rstrip().endswith("(did you mean build?)")
    with pytest.raises(SystemExit):
        main(["querys"])
    assert "(did you mean query or queries?)" in capsys.readouterr().err


@pytest.mark.parametrize("argv, usage, hint", [
    (["viz", "--view", "orgs"], "usage: pmkg viz", "invalid choice: 'orgs'"),
    (["analyze", "--sort", "pagernk"], "usage: pmkg analyze", "(did you mean pagerank?)"),
    (["viz", "--contry", "SE"], "usage: pmkg viz", "unrecognized arguments: --contry SE (did you mean --country?)"),
    (["stats", "--jsn"], "usage: pmkg stats", "(did you mean --json?)"),
    (["import", "cordsi"], "usage: pmkg import", "(did you mean cordis?)"),
])
def test_a_mistyped_choice_or_option_gets_did_you_mean_with_one_prefix(capsys, argv, usage, hint):
    """Errors of a command's own options said `pmkg viz: error:`, others `pmkg: error:`."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.startswith(usage)
    last = err.splitlines()[-1]
    assert last.startswith("pmkg: error: ") and hint in last
    if argv[1] == "--view":
        assert last.endswith("(did you mean organisations?)")


def test_queries_name_shows_the_sparql(capsys):
    from kg.query import get

    code, out, err = run(capsys, "queries", "consortium")
    assert code == 0 and err == ""
    assert "\nSPARQL:\n" in out and get("consortium").text.strip() in out
    code, out, err = run(capsys, "queries", "consortum")
    assert code == 2 and "consortium" in err and out == ""


def test_the_readme_documents_these_exit_codes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for words in ("0 success", "1 the data has problems", "2 the command could not run", "130"):
        assert words in readme, words


def test_an_os_error_names_the_users_file_not_errno_or_a_temporary_file():
    from kg.cli import _os_message

    assert _os_message(FileNotFoundError(2, "No such file or directory", "/proc/x")) == \
        "/proc/x: No such file or directory"
    assert _os_message(PermissionError(13, "Permission denied", "/srv/out/.page.html.k2j4x1.tmp")) == \
        "/srv/out/page.html: Permission denied"
    assert _os_message(ValueError("unknown kind 'planet'")) == "unknown kind 'planet'"


def test_a_store_folder_that_cannot_be_made_is_one_line(published, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, out, err = run(capsys, "stats", "--store", f"oxigraph:{blocker / 'store'}")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("pmkg: error: ") and "[Errno" not in err and "Traceback" not in err


def test_the_readme_examples_write_under_build():
    """`pmkg.graphml` and `orgs.html`, written by README examples, were left in the repository root."""
    import re

    code, inside = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            code.append(line.strip().removeprefix("$ "))
    targets = []
    for line in code:
        if not line.startswith("pmkg "):
            continue
        command = line.split(" #")[0]
        targets += re.findall(r"(?:^|\s)(?:-o|--output|--out)[ =](\S+)", command)
        targets += re.findall(r"oxigraph:(\S+)", command)
    assert len(targets) >= 6, targets
    outside = [t for t in targets if not t.startswith("build/") and t not in ("FILE", "DIR", "-")]
    assert outside == []


def test_pmkg_help_command_is_its_help(capsys):
    """`pmkg help viz`, as git and gh take it."""
    with pytest.raises(SystemExit) as e:
        main(["help", "viz"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("usage: pmkg viz ")
    with pytest.raises(SystemExit) as e:
        main(["help"])
    assert e.value.code == 0 and "COMMAND" in capsys.readouterr().out
