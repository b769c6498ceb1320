"""The published build: generations switched in one step, a lock against two builds at once, and
clear errors (exit 2) for a store that cannot be read; nothing pmkg did not create is deleted."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from conftest import ROOT

from kg.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def cli(*args, env=None, **kw):
    return subprocess.Popen([sys.executable, "-m", "kg", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}, **kw)


def test_a_build_publishes_a_generation_and_switches_to_it(project, capsys):
    assert run(capsys, "build", "-q")[0] == 0
    build = project / "build"
    first = (build / "current").resolve()
    manifest = json.loads((first / "pmkg-build.json").read_text())
    assert manifest["key"] and manifest["parts"]["imports"] and (first / "store" / "pmkg-store.json").is_file()
    for name in ("pmkg.ttl", "pmkg.trig", "network.html", "report.html"):
        assert (build / name).is_symlink() and (build / name).resolve().parent == first
    assert run(capsys, "build", "-q")[0] == 0
    second = (build / "current").resolve()
    assert second != first and (build / "pmkg.ttl").resolve().parent == second
    assert (first / "pmkg.ttl").read_bytes() == (second / "pmkg.ttl").read_bytes()   # the same data, the same bytes
    assert sorted(p.name for p in (build / "generations").iterdir()) == sorted([first.name, second.name])
    assert run(capsys, "build", "-q")[0] == 0   # the oldest generation goes
    assert first.name not in {p.name for p in (build / "generations").iterdir()}


def test_a_reading_command_rebuilds_a_stale_store_and_says_so_once(tmp_path, monkeypatch, capsys):
    import shutil

    project = tmp_path / "project"
    shutil.copytree(ROOT / "data", project / "data")
    for name in ("ontology", "queries"):
        (project / name).symlink_to(ROOT / name)
    monkeypatch.setenv("PMKG_ROOT", str(project))
    assert run(capsys, "build", "-q")[0] == 0
    code, out, err = run(capsys, "query", "--sparql", "ASK { pm:ous schema:name 'Oslo University Hospital' }")
    assert (code, out, err) == (0, "yes\n", "")
    orgs = project / "data" / "organisations.yaml"
    orgs.write_text(orgs.read_text(encoding="utf-8").replace("name: Oslo University Hospital\n",
                                                            "name: Oslo University Hospital HF\n", 1), encoding="utf-8")
    code, out, err = run(capsys, "query", "--sparql", "ASK { pm:ous schema:name 'Oslo University Hospital HF' }")
    assert code == 0 and out == "yes\n"
    assert err.count("\n") == 1 and err.startswith("pmkg: data changed since the last build; building")
    assert (project / "build" / "pmkg.ttl").read_text(encoding="utf-8").count("Oslo University Hospital HF") >= 1


def test_two_builds_at_once_one_waits_for_the_other(project):
    """The lock of the build folder: a second build waits (and says so), then publishes a whole
    generation of its own; neither leaves a mixed set."""
    import fcntl

    build = project / "build"
    build.mkdir()
    with open(build / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        proc = cli("build", "-q", env={"PMKG_ROOT": str(project)})
        time.sleep(3)
        assert proc.poll() is None, proc.communicate()   # still waiting
        fcntl.flock(fh, fcntl.LOCK_UN)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "waiting for another pmkg build" in err
    gen = (build / "current").resolve()
    assert json.loads((gen / "pmkg-build.json").read_text())["outputs"] == ["pmkg.ttl", "pmkg.trig", "network.html",
                                                                            "report.html"]


def test_a_corrupt_published_store_is_a_one_line_error_and_a_build_mends_it(project, capsys):
    assert run(capsys, "build", "-q")[0] == 0
    store = (project / "build" / "current").resolve() / "store"
    for f in store.iterdir():
        if f.name.startswith(("MANIFEST", "CURRENT")) or f.suffix == ".sst":
            f.write_bytes(b"\x00garbage\x00" * 64)
    code, out, err = run(capsys, "query", "coordinators")
    assert code == 2 and str(store) in err and err.count("\n") == 1 and "Traceback" not in err
    assert run(capsys, "build", "-q")[0] == 0
    assert run(capsys, "query", "coordinators")[0] == 0


def test_leftovers_of_a_build_that_died_are_cleaned_and_nothing_else(project, capsys):
    build = project / "build"
    (build / "generations" / ".new-deadbeef0000").mkdir(parents=True)
    (build / "generations" / ".new-deadbeef0000" / "pmkg.ttl").write_text("half")
    (build / "notes.txt").write_text("mine")
    assert run(capsys, "build", "-q")[0] == 0
    assert not (build / "generations" / ".new-deadbeef0000").exists()
    assert (build / "notes.txt").read_text() == "mine"
