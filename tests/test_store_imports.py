"""A persistent Oxigraph store follows the kept imports (pmkg import / --remove)."""
from __future__ import annotations

from conftest import ROOT
from kg.cli import main

FIX = ROOT / "tests" / "fixtures"
CORDIS = ["cordis", "--projects", str(FIX / "cordis" / "project.csv"),
          "--organizations", str(FIX / "cordis" / "organization.csv")]
ASK = "ASK { GRAPH <https://w3id.org/pmkg/graph/import-cordis> { ?s ?p ?o } }"


def test_persistent_store_is_rebuilt_after_an_import_and_a_removal(project, tmp_path, capsys):
    """Regression: the store's cache key ignored build/imports/, so it served the graph of before."""
    from kg.store import open_store

    spec = f"oxigraph:{tmp_path / 'ox'}"
    assert open_store(spec).query(ASK).boolean is False
    assert main(["import", *CORDIS]) == 0
    assert open_store(spec).query(ASK).boolean is True
    assert main(["import", "--remove", "cordis"]) == 0
    assert open_store(spec).query(ASK).boolean is False
    capsys.readouterr()
