"""Validation in two layers: structural checks of the records (kg.load, and kg.importers.kept for
kept imports), then the SHACL shapes (pySHACL) on the merged graph that is published.

Exit codes, as pySHACL's: 0 the graph conforms, 1 it does not, 2 validation could not run.
A SHACL result on a node an import brought in names the import and the record.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
from rdflib import Dataset, Graph
from rdflib.namespace import SH

from .assemble import Assembly, Config, assemble
from .load import DataError, Problem
from .memstore import add_nquads, default_graph
from .prefixes import curie

CONFORMS, VIOLATIONS, ERROR = 0, 1, 2
SHAPES = "shapes.ttl"


@dataclass
class Report:
    """What validation found: structural problems, or else SHACL results."""

    conforms: bool
    problems: list[Problem] = field(default_factory=list)      # structural
    shacl_results: list[str] = field(default_factory=list)      # one line per SHACL violation
    shacl_text: str = ""
    shacl_run: bool = True

    @property
    def exit_code(self) -> int:
        return CONFORMS if self.conforms else VIOLATIONS

    def text(self) -> str:
        if self.conforms:
            if not self.shacl_run:
                return "Conforms to the structural checks (the SHACL shapes were not run: --no-shacl)."
            return "Conforms: the graph passes the structural checks and the SHACL shapes."
        lines = []
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s) in the data:")
            lines += [f"  {p}" for p in self.problems]
        if self.shacl_results:
            lines.append(f"{len(self.shacl_results)} SHACL violation(s):")
            lines += [f"  {r}" for r in self.shacl_results]
        return "\n".join(lines)


class ShapesError(DataError):
    """The graph does not conform to the SHACL shapes: nothing is published (CLI exit code 1)."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__([])

    def __str__(self) -> str:
        return self.report.text()


def union_graph(asm: Assembly) -> Graph:
    """The union of the assembled named graphs (what pmkg.ttl holds) as an rdflib Graph."""
    ds = Dataset(default_union=False)
    add_nquads(ds, "".join(t + " .\n" for t in asm.union()).encode("utf-8"))
    return default_graph(ds)


def shacl(graph: Graph, shapes_path: Path) -> tuple[bool, list[tuple[str, str, str]], str]:
    """Run pySHACL on ``graph`` with the shapes file; return (conforms, (focus node, path as a CURIE,
    message) per violation, full text)."""
    shapes = Graph().parse(shapes_path, format="turtle")
    conforms, report, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none",
                                              allow_warnings=True, advanced=False)
    results = []
    for r in report.subjects(SH.resultSeverity, SH.Violation):
        path = report.value(r, SH.resultPath)
        results.append((str(report.value(r, SH.focusNode)), curie(str(path)) if path is not None else "-",
                        str(report.value(r, SH.resultMessage))))
    return bool(conforms), sorted(results), text


def check(asm: Assembly, shapes: Path | None = None) -> Report:
    """Run the SHACL shapes on the merged graph of ``asm``; each result names the focus node, the
    path and the message, and for a node an import brought in, the import and its record."""
    conforms, found, text = shacl(union_graph(asm), shapes or asm.config.ontology_dir / SHAPES)
    mint = asm.mint
    ent = mint.prefixes()["pm"]
    results = []
    for focus, path, msg in found:
        rid = focus[len(ent):].split(".", 1)[0] if focus.startswith(ent) else None   # an entity, or its x.amount
        part = mint.split_participation(focus)
        rid = rid or (part[0] if part else None)
        where = ""
        if rid:
            imports = [s[len("import-"):] for s in asm.record_sources(rid) if s.startswith("import-")]
            if imports and not any(not s.startswith("import-") for s in asm.record_sources(rid)):
                where = f" [from import {', '.join(repr(i) for i in imports)}, record {rid}]"
            elif imports:
                where = f" [curated record {rid}, with values from import {', '.join(repr(i) for i in imports)}]"
        results.append(f"{focus} {path}: {msg}{where}")
    return Report(conforms, shacl_results=results, shacl_text=text)


def validate(config: Config | None = None, *, run_shacl: bool = True) -> Report:
    """Check the graph of ``config`` (default: the project's, kept imports included): every problem of
    the records, else the SHACL results. Returns a :class:`Report`.

    Raises OSError or parser errors only for problems outside the data (missing ontology files,
    an unreadable kept import): the CLI maps those to exit code 2.
    """
    try:
        asm = assemble(config or Config.resolve())
    except DataError as e:
        return Report(False, problems=e.problems)
    if not run_shacl:
        return Report(True, shacl_run=False)
    return check(asm)
