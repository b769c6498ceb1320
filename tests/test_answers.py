"""Answers published with a build (kg.answers): the rows the store gives, and only for exactly the question
the build answered (the same query text, the same terms, the same generation)."""
from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from kg import answers
from kg import query as Q

NAMES = sorted(q.name for q in Q.listing() if not q.hidden)


@pytest.fixture(scope="module")
def store(published):
    from kg.build import published_store

    return published_store()


def index_of(store) -> dict:
    return json.loads((answers.folder_of(store) / answers.INDEX).read_text())["answers"]


def test_the_build_publishes_every_named_select_with_its_defaults(store):
    index = index_of(store)
    selects = [n for n in NAMES if Q.answer(n, {}, store, published=False).result.kind == "SELECT"]
    assert sorted(index) == selects and "shared-projects" in index and "neighbourhood" not in index
    for name, entry in index.items():
        assert (answers.folder_of(store) / f"{name}.tsv").read_text().count("\n") == entry["rows"] + 1


@pytest.mark.parametrize("name", NAMES)
def test_a_published_answer_is_the_store_s_answer_row_for_row(store, name):
    """Every term of every row, in the store's order (a TSV round trip keeps each term as it is)."""
    mine = Q.answer(name, {}, store)
    theirs = Q.answer(name, {}, store, published=False)
    assert mine.result.vars == theirs.result.vars and mine.bindings == theirs.bindings
    assert list(mine.result.rows) == list(theirs.result.rows)
    assert mine.result.triples == theirs.result.triples and mine.result.kind == theirs.result.kind
    found = answers.published(store, name, Q.full_text(Q.get(name), store), theirs.bindings)
    assert (found is not None) == (theirs.result.kind == "SELECT")


def test_another_parameter_is_answered_by_the_store(store):
    """uncertain=true brings in the members no source confirms (three more in PRIME-ROSE): not the
    published (default) answer, but the store's."""
    default = Q.answer("consortium", {}, store)
    every = Q.answer("consortium", {"uncertain": "true"}, store)
    assert answers.published(store, "consortium", Q.full_text(Q.get("consortium"), store), every.bindings) is None
    assert len(every.result.rows) > len(default.result.rows)
    assert every.result.rows == Q.answer("consortium", {"uncertain": "true"}, store, published=False).result.rows


def test_regression_an_edited_query_is_not_answered_from_the_build(store):
    """A query file changed after the build (queries/ is read when asked) gets its own rows."""
    q = Q.get("coordinators")
    edited = Q.from_text(q.text.rstrip() + "\nLIMIT 2\n", q.name, q.path, library=True)
    assert len(Q.answer(q, {}, store).result.rows) > 2
    assert len(Q.answer(edited, {}, store).result.rows) == 2


@pytest.mark.parametrize("damage", ["{not json", '{"format": "pmkg-answers/0", "answers": {}}', None])
def test_a_damaged_index_or_a_missing_file_is_no_answer(tmp_path, store, damage):
    gen = tmp_path / "gen"
    (gen / answers.FOLDER).mkdir(parents=True)
    name = "coordinators"
    entry = index_of(store)[name]
    index = {"format": answers.FORMAT, "answers": {name: entry}}
    (gen / answers.FOLDER / answers.INDEX).write_text(damage if damage else json.dumps(index))
    fake = SimpleNamespace(path=gen / "store")
    bindings = Q.answer(name, {}, store).bindings
    assert answers.published(fake, name, Q.full_text(Q.get(name), store), bindings) is None


def test_the_table_says_how_many_rows_the_published_answer_has(published):
    out = subprocess.run([sys.executable, "-m", "kg", "query", "coordinators", "--limit", "3"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    from kg.build import published_store

    total = len(Q.answer("coordinators", {}, published_store(), published=False).result.rows)
    assert f"(rows 1-3 of {total:,};" in out.stdout and total > 3
