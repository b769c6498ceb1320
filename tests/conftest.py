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


@pytest.fixture(scope="session", autouse=True)
def _own_project(tmp_path_factory):
    """Every test runs in a project of its own (links to the shipped data, ontology and queries, and
    a temporary build/): no test reads or writes the clone's build/."""
    root = tmp_path_factory.mktemp("session-project")
    for name in ("data", "ontology", "queries"):
        (root / name).symlink_to(ROOT / name)
    old = {k: os.environ.get(k) for k in ("PMKG_ROOT", "PMKG_BASE")}
    os.environ["PMKG_ROOT"] = str(root)
    os.environ.pop("PMKG_BASE", None)
    yield root
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def published(_own_project):
    """The session project's graph, published once (build/ of the session project), so that commands
    that read it do not build it first."""
    from kg.build import publish
    from kg.config import Config

    return publish(Config.resolve())


@pytest.fixture(scope="session")
def assembly():
    """The graph of the shipped data/ (no imports), assembled once (kg.assemble.Assembly)."""
    from kg.assemble import Config, assemble

    return assemble(Config.resolve(DATA, ONTOLOGY, imports=False))


@pytest.fixture(scope="session")
def dataset(assembly):
    """The knowledge graph of the shipped data/ as an rdflib Dataset (union default graph)."""
    from kg.memstore import dataset_of

    return dataset_of(assembly.nquads(names=False))


@pytest.fixture(scope="session")
def union_graph(assembly):
    """All triples of every named graph (the union, what pmkg.ttl holds) in one rdflib Graph."""
    from kg.validate import union_graph as union

    return union(assembly)


@pytest.fixture(scope="session")
def mini_assembly():
    """The tiny fixture data set of tests/fixtures/mini, assembled."""
    from kg.assemble import Config, assemble

    return assemble(Config.resolve(MINI, ONTOLOGY, imports=False))


@pytest.fixture(scope="session")
def mini_dataset(mini_assembly):
    """The tiny fixture data set as an rdflib Dataset."""
    from kg.memstore import dataset_of

    return dataset_of(mini_assembly.nquads(names=False))


@pytest.fixture(scope="session")
def memory(assembly):
    """The shipped graph in rdflib's memory store (kg.memstore.MemoryStore)."""
    from kg.memstore import MemoryStore

    return MemoryStore.from_assembly(assembly)


@pytest.fixture(scope="session")
def oxigraph(assembly):
    """The shipped graph in an in-memory Oxigraph store."""
    from kg.store import OxigraphStore

    return OxigraphStore.from_nquads(assembly.nquads(names=True, default=True))


@pytest.fixture(scope="session")
def network_raw(oxigraph):
    """What the network views read from the shipped data (kg.network.fetch), queried once."""
    from kg.network import fetch

    return fetch(oxigraph)


@pytest.fixture(scope="session")
def curated_index(assembly):
    """The shipped data's identifiers and names as the importers reconcile against them
    (kg.importers.reconcile.CuratedIndex), read once."""
    from kg.importers.reconcile import CuratedIndex
    from kg.iris import Minter

    return CuratedIndex.from_records(assembly.curated, Minter())


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (links to the shipped data, ontology and queries) whose build/ is temporary."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("data", "ontology", "queries"):
        (root / name).symlink_to(ROOT / name)
    monkeypatch.setenv("PMKG_ROOT", str(root))
    monkeypatch.delenv("PMKG_BASE", raising=False)
    return root


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


#: Chromium as the project runs it headless: no sandbox (root in CI), and none of the background
#: connections a closed network refuses.
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


#: A script-injection attempt, put into the data by :func:`hostile_dataset`.
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="session")
def hostile_dataset(tmp_path_factory):
    """The shipped data built with GMS's name and acronym made a script-injection attempt (the
    pages' and the endpoint's tests show it stays text)."""
    from kg.build import build

    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(DATA, data)
    orgs = data / "organisations.yaml"
    text = orgs.read_text(encoding="utf-8")
    new = text.replace("  name: Genomic Medicine Sweden\n  acronym: GMS\n",
                       f'  name: "{HOSTILE} Genomic Medicine Sweden"\n  acronym: "{HOSTILE}"\n', 1)
    assert new != text, "the GMS record moved: update this fixture"
    orgs.write_text(new, encoding="utf-8")
    return build(data, ONTOLOGY)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright, one per test module."""
    chromium = need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            yield b
        finally:
            b.close()


def need_chromium() -> str:
    """Return Chromium's path; skip the test when it is missing (a failure under CI=true)."""
    path = chromium_path()
    if path is None:
        msg = "headless Chromium not found: install the Debian package 'chromium' (apt-get install chromium)"
        if IN_CI:
            pytest.fail(msg + " -- under CI=true a missing browser is a failure, not a skip")
        pytest.skip(msg)
    return path


# --- servers on 127.0.0.1 (store, push and serve tests) ---------------------------------------

def free_port() -> int:
    """A TCP port nobody listens on right now on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc=None, timeout: float = 60.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:port (fail if ``proc`` exits first)."""
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            pytest.fail(f"server exited with code {proc.returncode} before listening: {out[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


def stop_process(proc) -> None:
    """Stop a server started by a fixture: SIGTERM, then SIGKILL."""
    import subprocess

    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server (the `oxigraph` package from PyPI) on a free 127.0.0.1 port, empty.
    Its default graph is its own (no --union-default-graph, which would count a triple in two graphs
    twice): pmkg push fills it with the union. Yields its base URL (``/query``, ``/store`` below it)."""
    import subprocess
    import sys

    exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(exe).exists():
        msg = "the Oxigraph server is missing: pip install oxigraph (the project's test extra)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


@pytest.fixture
def mini(tmp_path):
    """A copy of the small data fixture (tests/fixtures/mini), for tests that break it."""
    dst = tmp_path / "data"
    shutil.copytree(MINI, dst)
    return dst


@pytest.fixture
def out(tmp_path):
    """An output folder holding a previous build, which a failed or refused build must leave untouched."""
    d = tmp_path / "build"
    d.mkdir()
    (d / "pmkg.ttl").write_text("previous build\n")
    return d


def edit(path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file ``path`` by ``new`` (which must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def roles_in(ds, thing) -> dict:
    """The members of ``thing`` (a trial or project) in the rdflib dataset ``ds``, each with its role
    names (the local names of the role concepts)."""
    from kg.namespaces import ORG, ROLE

    out: dict = {}
    for m in ds.subjects(ORG.organization, thing):
        for who in ds.objects(m, ORG.member):
            out.setdefault(who, set()).update(str(r)[len(str(ROLE)):] for r in ds.objects(m, ORG.role))
    return out


def cordis_orgs(folder: Path, **fields: str) -> Path:
    """The first organisation of the CORDIS fixture with ``fields`` (column=value) changed, as an
    organization.csv of its own in ``folder``."""
    import csv

    with open(ROOT / "tests" / "fixtures" / "cordis" / "organization.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header, first = rows[0], rows[1]
    for field, value in fields.items():
        first[header.index(field)] = value
    orgs = folder / "organization.csv"
    with open(orgs, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([header, first])
    return orgs


def pm(rid: str):
    """The IRI of the record ``rid`` under the default base, as pmkg mints it (kg.iris.Minter)."""
    from rdflib import URIRef

    from kg.iris import Minter

    return URIRef(Minter().entity_iri(rid))


def concept(scheme: str, cid: str):
    """The IRI of the concept ``cid`` of the concept scheme ``scheme`` (kg.namespaces.CONCEPT)."""
    from rdflib import URIRef

    from kg.namespaces import CONCEPT

    return URIRef(f"{CONCEPT}{scheme}/{cid}")


class BrowserVisit:
    """A page in headless Chromium with the network cut off: a request to anywhere but ``allowed`` (a URL
    prefix) is blocked and kept in ``outside``; failed requests, console messages of the ``levels`` given
    and page errors (``console``), and dialogs are kept too. Each browser test module adds what its page
    needs."""

    def __init__(self, browser, url: str, allowed: str, viewport: tuple[int, int] = (1400, 900),
                 levels: tuple[str, ...] = ("error",)) -> None:
        self.allowed = allowed
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                           accept_downloads=True)
        self.page = p = self.context.new_page()
        p.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in levels else None)
        p.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        p.on("requestfailed", lambda r: self.failed.append(r.url))
        p.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        p.route("**/*", self._gate)
        p.goto(url)

    @property
    def console_errors(self) -> list[str]:
        return self.console

    def _gate(self, route) -> None:
        if route.request.url.startswith(self.allowed):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def close(self) -> None:
        self.context.close()


def empty_server(url: str) -> None:
    """Empty the session's Oxigraph server (``CLEAR ALL``), so that what one test module pushed into it
    is not there for the next (test_push expects exactly the session project's graphs)."""
    import urllib.request

    req = urllib.request.Request(url + "/update", data=b"CLEAR ALL", method="POST",
                                 headers={"Content-Type": "application/sparql-update"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        resp.read()


def kept_data(folder: Path, name: str) -> Path:
    """The data file of the kept import ``name`` in ``folder`` (the one its manifest names)."""
    from kg.importers.kept import read_manifest

    return folder / read_manifest(folder / f"{name}.json").data_file


def edit_kept(folder: Path, name: str, text: str, append: bool = True) -> Path:
    """Change the data of a kept import by hand (append ``text``, or replace it) and make its manifest
    name the changed file, as if it had been imported so: for tests of what reading it back checks."""
    import json

    path = kept_data(folder, name)
    path.write_text((path.read_text(encoding="utf-8") if append else "") + text, encoding="utf-8")
    man = folder / f"{name}.json"
    manifest = json.loads(man.read_text(encoding="utf-8"))
    manifest["data"]["size"] = path.stat().st_size
    man.write_text(json.dumps(manifest), encoding="utf-8")
    return path


# --- Virtuoso 7 (Debian's virtuoso-opensource), a server triplestore ----------------------------

class Virtuoso:
    """A running Virtuoso: ``url`` (http://127.0.0.1:PORT), its SPARQL query endpoint ``sparql``, its
    authenticated Graph Store endpoint ``gsp`` (HTTP Digest) and the DBA credentials ``auth``."""

    def __init__(self, url: str, auth: str) -> None:
        self.url, self.auth = url, auth
        self.sparql = url + "/sparql"
        self.gsp = url + "/sparql-graph-crud-auth"


#: Virtuoso's settings for a throwaway database: only 127.0.0.1, no row cap or time limit on SPARQL answers
#: (the defaults, 10,000 rows and 60 s, would cut answers short without an error), the package's VSP pages.
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 8
MaxClientConnections = 8
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
[Plugins]
LoadPath = /usr/lib/x86_64-linux-gnu/virtuoso-opensource-7/hosting
"""


def start_virtuoso(folder: Path, buffers: int = 20000):
    """Start Virtuoso (``virtuoso-t``) on free 127.0.0.1 ports with a new database in ``folder`` and a
    random DBA password; return (process, :class:`Virtuoso`). Skips the test when the server is missing
    (a failure under CI=true). Benchmarks call it too."""
    import secrets
    import subprocess

    exe = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt")
    if not exe or not isql:
        msg = ("Virtuoso is missing: install the Debian package virtuoso-opensource "
               "(DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource)")
        if IN_CI:
            pytest.fail(msg + " -- under CI=true a missing server is a failure, not a skip")
        pytest.skip(msg)
    sql = free_port()
    http = free_port()
    while http == sql:
        http = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=folder, sql=sql, http=http, buffers=buffers, dirty=buffers * 3 // 4))
    proc = subprocess.Popen([exe, "+configfile", str(ini), "+foreground"], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(sql, proc, timeout=120)
        wait_for_port(http, proc, timeout=120)
        password = "pw" + secrets.token_hex(12)   # isql reads a word (a leading digit or '-' breaks it)
        done = subprocess.run([isql, f"127.0.0.1:{sql}", "dba", "dba", f"EXEC=SET PASSWORD dba {password};"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "Error" not in done.stdout + done.stderr, done.stdout + done.stderr
    except BaseException:
        stop_process(proc)
        raise
    return proc, Virtuoso(f"http://127.0.0.1:{http}", f"dba:{password}")


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real Virtuoso 7 server on free 127.0.0.1 ports with its own empty database (see
    :func:`start_virtuoso`), for the session."""
    proc, server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server
    finally:
        stop_process(proc)
