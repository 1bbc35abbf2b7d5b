"""Campaign progress on stderr: sequences, steps, rate, findings, coverage.

On a terminal, a rich progress bar redrawn in place; otherwise (CI logs,
pipes) one plain line every LOG_SECONDS and one at the end.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

REDRAW_SECONDS = 0.2       # on a terminal
LOG_SECONDS = 5.0          # in a log


class Progress:
    """`update()` adds to the counts (`covered` replaces its count); `close()` draws the last state."""

    def __init__(self, total_sequences: int, enabled: bool = True,
                 stream: TextIO | None = None, *, obligations: int | None = None) -> None:
        self.total_sequences = total_sequences
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.obligations = obligations     # how many coverage obligations there are, if known
        self.sequences = self.steps = self.findings = 0
        self.covered: int | None = None
        self._start = self._last_draw = time.monotonic()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: RichProgress | None = None
        if enabled and self._tty:
            self._bar = RichProgress(
                TextColumn("[bold]campaign"), BarColumn(), MofNCompleteColumn(),
                TextColumn("seq  {task.fields[stats]}"), TimeElapsedColumn(),
                console=Console(file=self.stream), auto_refresh=False)
            self._task = self._bar.add_task("campaign", total=max(total_sequences, 1),
                                            stats=self.stats())
            self._bar.start()

    def update(self, sequences: int = 0, steps: int = 0, findings: int = 0,
               covered: int | None = None) -> None:
        self.sequences += sequences
        self.steps += steps
        self.findings += findings
        if covered is not None:
            self.covered = covered
        now = time.monotonic()
        if now - self._last_draw >= (REDRAW_SECONDS if self._tty else LOG_SECONDS):
            self._last_draw = now
            self._draw(now)

    def rate(self, now: float | None = None) -> float:
        return self.steps / max((now or time.monotonic()) - self._start, 1e-9)

    def stats(self, now: float | None = None) -> str:
        cov = "" if self.covered is None else (
            f"  {self.covered}/{self.obligations} covered" if self.obligations
            else f"  {self.covered} covered")
        return (f"{self.steps:,} steps  {self.rate(now):,.0f} steps/s  "
                f"{self.findings} findings{cov}")

    def line(self, now: float | None = None) -> str:
        return f"{self.sequences}/{self.total_sequences} seq  {self.stats(now)}"

    def _draw(self, now: float) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=self.sequences, stats=self.stats(now))
            self._bar.refresh()
        else:
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def close(self) -> None:
        self._draw(time.monotonic())
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
