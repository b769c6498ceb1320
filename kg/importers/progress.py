"""A progress bar on stderr for long imports, without a dependency.

Shown only when stderr is a terminal or when asked for (``--progress``), and
redrawn at most ten times a second so it costs nothing measurable.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``Progress(total, "projects")``; call :meth:`update` with the amount done, :meth:`close` at the end."""

    WIDTH = 30

    def __init__(self, total: int, unit: str = "", enabled: bool | None = None,
                 stream: TextIO | None = None, label: str = "") -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.unit, self.label = max(total, 1), unit, label
        self.done = 0
        self.start = self._last = time.monotonic()
        self._shown = False

    def update(self, done: int) -> None:
        """Record that ``done`` (of ``total``) is finished; redraw if a tenth of a second has passed."""
        self.done = done
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= 0.1:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        frac = min(self.done / self.total, 1.0)
        bar = "#" * int(frac * self.WIDTH)
        elapsed = now - self.start
        if self.unit == "bytes":
            amount = f"{self.done / 2**20:.1f}/{self.total / 2**20:.1f} MiB"
        else:
            amount = f"{self.done:,}/{self.total:,} {self.unit}".rstrip()
        label = f"{self.label} " if self.label else ""
        self.stream.write(f"\r{label}[{bar:<{self.WIDTH}}] {frac:4.0%} {amount} {elapsed:5.1f} s")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Draw the final state and end the line (only if anything was shown)."""
        if self.enabled:
            self.done = self.total
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

