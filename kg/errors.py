"""The errors a user can cause, in one light module: the command line maps each to its exit code.

Exit codes (as pySHACL's): 0 success; 1 the data has problems (nothing is written); 2 the command
could not run (bad option, missing file, unreachable endpoint, unknown value).
"""
from __future__ import annotations

from dataclasses import dataclass

OK, DATA_PROBLEM, ERROR, INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as we can."""

    file: str
    line: int | None
    record: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = ", ".join(x for x in (
            f"record {_bounded(self.record)}" if self.record else "",
            f"field {_bounded(self.field)}" if self.field else "",
        ) if x)
        return f"{where}: {what + ': ' if what else ''}{self.message}"


def _bounded(text: str, limit: int = 80) -> str:
    """``repr(text)`` of at most about ``limit`` characters: a broken record id may be megabytes."""
    shown = repr(text[:limit + 1])
    return shown if len(shown) <= limit else shown[:limit - 3] + "..."


class DataError(Exception):
    """The data could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(Exception):
    """A problem with how the command was called or its environment (exit code 2)."""
