"""Shared fixtures: the graph is built once per test session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ONTOLOGY = ROOT / "ontology"
QUERIES = ROOT / "queries"
MINI = ROOT / "tests" / "fixtures" / "mini"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def dataset():
    """The knowledge graph built from the shipped data/ (rdflib Dataset, union default graph)."""
    from kg.build import build

    return build(DATA, ONTOLOGY)


@pytest.fixture(scope="session")
def union_graph(dataset):
    """All triples of every named graph in one rdflib Graph."""
    from kg.export import union

    return union(dataset)


@pytest.fixture(scope="session")
def mini_dataset():
    """The tiny fixture data set of tests/fixtures/mini."""
    from kg.build import build

    return build(MINI, ONTOLOGY)


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the shipped data/, for tests that break it on purpose."""
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


def chromium_path() -> str | None:
    """Path of a Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def need_chromium() -> str:
    """Return Chromium's path; skip the test when it is missing (a failure under CI=true)."""
    path = chromium_path()
    if path is None:
        msg = "headless Chromium not found: install the Debian package 'chromium' (apt-get install chromium)"
        if IN_CI:
            pytest.fail(msg + " -- under CI=true a missing browser is a failure, not a skip")
        pytest.skip(msg)
    return path
