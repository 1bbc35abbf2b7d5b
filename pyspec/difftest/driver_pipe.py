"""A persistent extracted-driver process with pipelined requests.

Requests are written by a feeder thread while the caller reads the answers,
so any number of `run` requests travel in one batch without either side
blocking on a full pipe.  A crash or a time-out raises `DriverFailure`; the
caller records the input as a finding and calls `restart`.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from pathlib import Path

import orjson

from pyspec.driver import default_binary

from .jstate import Json



class DriverFailure(Exception):
    """The driver died, timed out, or answered something unreadable."""


class DriverPipe:
    def __init__(self, path: Path | str | None = None, timeout: float = 30.0) -> None:
        self.path = Path(path) if path else default_binary()
        if not self.path.is_file():
            raise FileNotFoundError(f"driver {self.path} not found: run `make driver` first")
        self.timeout = timeout
        self.restarts = 0
        self._proc: subprocess.Popen | None = None
        self._lines: queue.Queue = queue.Queue()
        self._start()

    def _start(self) -> None:
        self._proc = subprocess.Popen([str(self.path)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      bufsize=1 << 16)
        self._lines = queue.Queue()
        threading.Thread(target=self._reader, args=(self._proc, self._lines),
                         daemon=True).start()

    @staticmethod
    def _reader(proc: subprocess.Popen, lines: queue.Queue) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def restart(self) -> None:
        self.close()
        self.restarts += 1
        self._start()

    def close(self) -> None:
        if self._proc is not None:
            try:
                if self._proc.stdin:
                    self._proc.stdin.close()
            except OSError:
                pass
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def __enter__(self) -> "DriverPipe":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def requests(self, reqs: list[dict]) -> list[Json]:
        """Send every request, return the answers in order."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        payload = b"".join(orjson.dumps(r) + b"\n" for r in reqs)

        def feed() -> None:
            try:
                proc.stdin.write(payload)
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        out = []
        for _ in reqs:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                raise DriverFailure(f"driver timed out after {self.timeout}s") from None
            if line is None:
                raise DriverFailure(f"driver exited (code {proc.poll()})")
            try:
                out.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                raise DriverFailure(f"driver answered non-JSON: {exc}") from None
        writer.join()
        return out

    def run_many(self, jobs: list[tuple[Json, Json, list[Json]]]) -> list[Json]:
        """One `run` (with per-step states) per (context, state, actions)."""
        return self.requests([{"id": i, "op": "run", "context": c, "state": s, "actions": a,
                               "states": True} for i, (c, s, a) in enumerate(jobs)])

    def valid_many(self, jobs: list[tuple[Json, Json]]) -> list[Json]:
        return self.requests([{"id": i, "op": "valid", "context": c, "state": s}
                              for i, (c, s) in enumerate(jobs)])
