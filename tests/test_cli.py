"""The command line: help everywhere, a version, lazy imports, and the main job end to end."""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import DATA, ONTOLOGY, ROOT

from kg import __version__
from kg.cli import main, parser


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"pmkg {__version__}"


def test_every_command_has_help(capsys):
    sub = next(a for a in parser()._actions if a.dest == "command")
    assert {"build", "validate", "export", "stats"} <= set(sub.choices)
    for name in sub.choices:
        with pytest.raises(SystemExit) as e:
            main([name, "--help"])
        assert e.value.code == 0
        assert "usage: pmkg " + name in capsys.readouterr().out


def test_help_does_not_import_heavy_modules():
    """Heavy libraries load lazily, so `pmkg --help` starts fast."""
    code = ("import sys, kg.cli; kg.cli.parser(); "
            "print(sorted(m for m in ('rdflib', 'networkx', 'pyvis', 'pyshacl', 'pyoxigraph', 'yaml') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_build_writes_turtle_and_prints_a_summary(tmp_path, capsys):
    from rdflib import Graph

    assert main(["build", "--data", str(DATA), "--ontology", str(ONTOLOGY), "-o", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "Built the pmkg graph:" in out and "schema:Organization" in out
    assert f"pmkg: wrote {tmp_path / 'pmkg.ttl'}" in err
    g = Graph().parse(tmp_path / "pmkg.ttl", format="turtle")
    assert len(g) > 1000


def test_stats_counts(capsys):
    import json

    assert main(["stats", "--data", str(DATA), "--ontology", str(ONTOLOGY), "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["organisations_by_country"]["SE"] >= 40
    assert st["participations_by_role"]["coordinator"] >= 3
    assert st["by_class"]["schema:MedicalTrial"] >= 10


def test_pmkg_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "kg", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.startswith("pmkg ")
