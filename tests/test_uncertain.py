"""Records and participations marked uncertain (no source confirms them) stay out of every count and
analysis unless asked for with --uncertain: viz, analyze, path, export of a network view, report (stats
and the named queries are tested in test_consortia).

The shipped data has answers the uncertain participations change: LUMC is a confirmed PCM4EU coordinator
and an unconfirmed PRIME-ROSE member; UiO is linked only by an unconfirmed PCM4EU collaboration."""
from __future__ import annotations

import csv
import io
import json

import pytest

from kg.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def analysis(capsys, *flags: str) -> dict[str, dict[str, str]]:
    code, out, _ = run(capsys, "analyze", "--all", "--format", "csv", *flags)
    assert code == 0
    return {r["id"]: r for r in csv.DictReader(io.StringIO(out))}


def test_analyze_leaves_the_uncertain_out_unless_asked(published, capsys):
    sure, everything = analysis(capsys), analysis(capsys, "--uncertain")
    assert "uio" not in sure and "uio" in everything
    # LUMC shares PCM4EU with its partners for sure, PRIME-ROSE only with --uncertain
    assert int(everything["lumc"]["degree"]) > int(sure["lumc"]["degree"])
    assert analysis(capsys, "--no-uncertain") == sure   # the old flag still works, and is the default


def test_path_takes_an_uncertain_link_only_when_asked(published, capsys):
    code, out, _ = run(capsys, "path", "LUMC", "PRIME-ROSE", "--view", "landscape")
    assert code == 0 and "1 step" not in out
    code, out, _ = run(capsys, "path", "LUMC", "PRIME-ROSE", "--view", "landscape", "--uncertain")
    assert code == 0 and "1 step" in out and "participant" in out


def test_viz_draws_the_uncertain_only_when_asked(published, tmp_path, capsys):
    sure, everything = tmp_path / "sure.html", tmp_path / "all.html"
    assert main(["viz", "-o", str(sure)]) == 0
    assert main(["viz", "--uncertain", "-o", str(everything)]) == 0
    assert '"id":"uio"' not in sure.read_text(encoding="utf-8")
    assert '"id":"uio"' in everything.read_text(encoding="utf-8")
    assert "(confirmed members only)" in sure.read_text(encoding="utf-8")


def test_viz_names_a_page_with_the_uncertain_after_them(published, project):
    assert main(["viz", "--uncertain"]) == 0
    assert (project / "build" / "views" / "network-landscape-uncertain-included.html").is_file()


@pytest.mark.parametrize("flag", ["--uncertain", "--include-uncertain"])
def test_report_counts_the_uncertain_only_when_asked(published, tmp_path, flag):
    sure, everything = tmp_path / "sure.html", tmp_path / "all.html"
    assert main(["report", "-o", str(sure)]) == 0
    assert main(["report", flag, "-o", str(everything)]) == 0
    assert 'id="uncertain-note"' in sure.read_text(encoding="utf-8")
    assert 'id="uncertain-note"' not in everything.read_text(encoding="utf-8")


def test_network_export_leaves_the_uncertain_out_unless_asked(published, capsys):
    def nodes(*flags):
        code, out, _ = run(capsys, "export", "--format", "node-link-json", *flags)
        assert code == 0
        return {n["id"] for n in json.loads(out)["nodes"]}

    assert "uio" not in nodes() and "uio" in nodes("--uncertain")
