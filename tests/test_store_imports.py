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
    from kg.config import Config
    from kg.stores import open_store

    spec = f"oxigraph:{tmp_path / 'ox'}"
    assert open_store(spec, Config.resolve()).query(ASK).boolean is False
    assert main(["import", *CORDIS]) == 0
    assert open_store(spec, Config.resolve()).query(ASK).boolean is True
    assert main(["import", "--remove", "cordis"]) == 0
    assert open_store(spec, Config.resolve()).query(ASK).boolean is False
    capsys.readouterr()


def test_the_published_store_follows_an_import_and_a_removal(project, capsys):
    """Reading commands use the store pmkg build published; an import makes it stale, and the next
    reading command publishes again first, saying so in one line."""
    assert main(["build", "-q"]) == 0
    assert main(["query", "--sparql", ASK]) == 0
    assert capsys.readouterr().out == "no\n"
    assert main(["import", *CORDIS]) == 0
    capsys.readouterr()
    assert main(["query", "--sparql", ASK]) == 0
    out, err = capsys.readouterr()
    assert out == "yes\n"
    assert err.count("\n") == 1 and "imports changed since the last build; building" in err
    assert main(["query", "--sparql", ASK]) == 0   # fresh now: nothing said
    assert capsys.readouterr() == ("yes\n", "")
    assert main(["query", "--sparql", ASK, "--no-imports"]) == 0
    assert capsys.readouterr().out == "no\n"
    assert main(["import", "--remove", "cordis"]) == 0
    capsys.readouterr()
    assert main(["query", "--sparql", ASK]) == 0
    assert capsys.readouterr().out == "no\n"
