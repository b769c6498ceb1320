"""The package reads one way: no import cycle in kg/ (imports inside functions count too), and
`pmkg --help` and the cold query path load no library they do not need."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

KG = ROOT / "kg"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every kg module ``path`` imports, at module level or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("kg"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("kg"):
                continue
            for a in node.names:   # `from . import paths` imports the module kg.paths
                sub = f"{target}.{a.name}"
                out.add(sub if (KG.parent / (sub.replace(".", "/") + ".py")).exists() or
                        (KG.parent / sub.replace(".", "/")).is_dir() else target)
    return {m for m in out if m != name}


def graph() -> dict[str, set[str]]:
    mods = {module_name(p): p for p in KG.rglob("*.py")}
    return {m: {i for i in imports_of(p) if i in mods} for m, p in mods.items()}


def test_no_import_cycle_in_kg():
    g = graph()
    assert len(g) > 30
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(g[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m)


def test_the_walk_sees_imports_inside_functions(tmp_path):
    """The check above would miss a cycle hidden in a function if the walk only read the top level."""
    f = KG / "cli.py"
    assert "kg.errors" in imports_of(f)
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from kg import build\n", encoding="utf-8")
    found = set()
    for node in ast.walk(ast.parse(probe.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.add(node.module)
    assert found == {"kg"}


def loaded(code: str) -> list[str]:
    heavy = ("rdflib", "networkx", "pyvis", "pyshacl", "igraph", "yaml", "jinja2")
    probe = f"import sys\n{code}\nprint(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return eval(out.stdout.strip())


def test_help_and_the_query_path_load_no_heavy_library():
    """`pmkg --help` builds its parser from option tables; a cold `pmkg query` needs Oxigraph only."""
    assert loaded("import kg.cli; kg.cli.parser()") == []
    assert loaded("import kg.cmd_query, kg.published, kg.resolve") == []
