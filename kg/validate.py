"""Validation in two layers: structural checks of the YAML (kg.load), then SHACL (pySHACL).

Exit codes, as pySHACL's: 0 the data conforms, 1 it does not, 2 validation could not run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .load import DataError, Problem

CONFORMS, VIOLATIONS, ERROR = 0, 1, 2


@dataclass
class Report:
    """What validation found: structural problems, or else SHACL results."""

    conforms: bool
    problems: list[Problem] = field(default_factory=list)      # structural
    shacl_results: list[str] = field(default_factory=list)      # one line per SHACL violation
    shacl_text: str = ""

    @property
    def exit_code(self) -> int:
        return CONFORMS if self.conforms else VIOLATIONS

    def text(self) -> str:
        if self.conforms:
            return "Conforms: the data passes the structural checks and the SHACL shapes."
        lines = []
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s) in the data:")
            lines += [f"  {p}" for p in self.problems]
        if self.shacl_results:
            lines.append(f"{len(self.shacl_results)} SHACL violation(s):")
            lines += [f"  {r}" for r in self.shacl_results]
        return "\n".join(lines)


def shacl(graph, shapes_path: Path) -> tuple[bool, list[str], str]:
    """Run pySHACL on ``graph`` with the shapes file; return (conforms, one line per result, full text)."""
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import SH

    shapes = Graph().parse(shapes_path, format="turtle")
    conforms, report, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none",
                                              allow_warnings=True, advanced=False)
    results = []
    for r in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(r, SH.focusNode)
        path = report.value(r, SH.resultPath)
        msg = report.value(r, SH.resultMessage)
        results.append(f"{focus} {_short(path)}: {msg}")
    return bool(conforms), sorted(results), text


def _short(term) -> str:
    from .stats import curie

    return curie(str(term)) if term is not None else "-"


def validate(data_dir: Path | str | None = None, ontology_dir: Path | str | None = None,
             base: str | None = None, run_shacl: bool = True) -> tuple[Report, object]:
    """Check the data; return the report and the built Dataset (None when the data did not load).

    Raises OSError or rdflib/YAML parser errors only for problems outside the data
    (missing ontology files): the CLI maps those to exit code 2.
    """
    from . import paths
    from .build import build_dataset, load_vocabulary
    from .export import union
    from .load import load

    ontology_dir = Path(ontology_dir or paths.ontology_dir())
    vocab = load_vocabulary(ontology_dir)
    try:
        data = load(Path(data_dir or paths.data_dir()), vocab.concepts)
    except DataError as e:
        return Report(False, problems=e.problems), None
    ds = build_dataset(data, vocab, base)
    if not run_shacl:
        return Report(True), ds
    ok, results, text = shacl(union(ds), ontology_dir / "shapes.ttl")
    return Report(ok, shacl_results=results, shacl_text=text), ds
