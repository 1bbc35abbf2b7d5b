"""A one-line progress display on stderr: sequences, steps, findings, rate."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Progress:
    total_sequences: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    enabled: bool = True
    interval: float = 0.2
    sequences: int = 0
    steps: int = 0
    findings: int = 0
    _start: float = field(default_factory=time.monotonic)
    _last: float = 0.0

    def update(self, sequences: int = 0, steps: int = 0, findings: int = 0) -> None:
        self.sequences += sequences
        self.steps += steps
        self.findings += findings
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self._start, 1e-9)
        total = max(self.total_sequences, 1)
        done = min(self.sequences / total, 1.0)
        bar = "#" * int(done * 24)
        return (f"[{bar:<24}] {self.sequences}/{self.total_sequences} seq  "
                f"{self.steps} steps  {self.findings} findings  "
                f"{self.steps / elapsed:,.0f} steps/s")

    def __post_init__(self) -> None:
        # On a terminal the bar redraws in place; in a log, a line every 5 s.
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        if not self._tty:
            self.interval = max(self.interval, 5.0)

    def _draw(self, now: float) -> None:
        if self.enabled:
            self.stream.write(("\r" if self._tty else "") + self.line(now)
                              + ("" if self._tty else "\n"))
            self.stream.flush()

    def close(self) -> None:
        self._draw(time.monotonic())
        if self.enabled and self._tty:
            self.stream.write("\n")
            self.stream.flush()
