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


# --- an uncertain record (not only a participation) -----------------------------------------------------

@pytest.fixture(scope="module")
def doubtful_store(tmp_path_factory):
    """The shipped data with the University of Oslo record itself marked uncertain (the shipped data has
    uncertain participations only), LUMC's coordination of PCM4EU and Swelife's grant to the Testbed
    too, in Oxigraph."""
    import shutil

    from conftest import DATA, ONTOLOGY, edit

    from kg.assemble import Config, assemble
    from kg.store import OxigraphStore

    data = tmp_path_factory.mktemp("doubtful") / "data"
    shutil.copytree(DATA, data)
    edit(data / "organisations.yaml", "  acronym: UiO\n", "  acronym: UiO\n  uncertain: true\n"
         "  note: a test makes this record one no source confirms\n")
    edit(data / "projects.yaml", "    - {org: lumc, role: coordinator}\n",
         '    - {org: lumc, role: coordinator, uncertain: true, note: "a test doubts it"}\n')
    edit(data / "grants.yaml", "  funder: swelife\n  funds: [testbed]\n",
         "  funder: swelife\n  funds: [testbed]\n  uncertain: true\n  note: a test doubts it\n")
    return OxigraphStore.from_nquads(assemble(Config.resolve(data, ONTOLOGY, imports=False))
                                     .nquads(names=True, default=True))


def test_stats_leave_an_uncertain_record_out_unless_asked(doubtful_store, oxigraph):
    from kg.stats import stats

    shipped, sure, everything = stats(oxigraph), stats(doubtful_store), stats(doubtful_store, uncertain=True)
    assert (shipped.entities, shipped.by_country["NO"]) == (everything.entities, everything.by_country["NO"])
    # UiO and the Swelife grant are the records in doubt
    assert sure.entities == shipped.entities - 2 and sure.by_country["NO"] == shipped.by_country["NO"] - 1
    org = "schema:Organization"
    assert sure.by_class[org] == shipped.by_class[org] - 1 and everything.by_class[org] == shipped.by_class[org]


def test_country_participation_leaves_an_uncertain_record_out_unless_asked(doubtful_store, oxigraph):
    from kg.query import run

    def norway(store, uncertain):
        rows = run("country-participation", {"country": "NO", "uncertain": uncertain}, store).records()
        return int(rows[0]["organisations"])

    assert norway(doubtful_store, "false") == norway(oxigraph, "false") - 1
    assert norway(doubtful_store, "true") == norway(oxigraph, "true")


def test_coordinators_leave_an_uncertain_coordinator_out_unless_asked(doubtful_store, oxigraph):
    from kg.query import run

    def pairs(store, uncertain):
        return {(r["coordinator"].rsplit("/", 1)[-1], r["thing"].rsplit("/", 1)[-1], r["unconfirmed"])
                for r in run("coordinators", {"uncertain": uncertain}, store).records()}

    assert ("lumc", "pcm4eu", False) in pairs(oxigraph, "false")
    assert not {p for p in pairs(doubtful_store, "false") if p[:2] == ("lumc", "pcm4eu")}
    assert ("lumc", "pcm4eu", True) in pairs(doubtful_store, "true")
    assert pairs(oxigraph, "false") == pairs(oxigraph, "true")   # the shipped data doubts no coordinator


def test_funding_leaves_an_uncertain_grant_out_unless_asked(doubtful_store, oxigraph):
    from kg.query import run

    def grants(store, uncertain):
        return {(r["grant"].rsplit("/", 1)[-1], r["unconfirmed"])
                for r in run("funding", {"uncertain": uncertain}, store).records() if r["grant"]}

    assert ("grant-testbed-swelife", False) in grants(oxigraph, "false")
    assert "grant-testbed-swelife" not in {g for g, _ in grants(doubtful_store, "false")}
    assert ("grant-testbed-swelife", True) in grants(doubtful_store, "true")
    assert grants(oxigraph, "false") == grants(oxigraph, "true")   # the shipped data doubts no grant
