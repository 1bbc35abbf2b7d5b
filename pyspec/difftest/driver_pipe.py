"""A persistent extracted-driver process with pipelined requests.

A feeder thread writes a whole batch of requests while the caller reads the
answers, so any number of `run` requests travel at once without either side
blocking on a full pipe.  A watchdog kills the process if a batch takes longer
than the time-out.  A crash, a time-out or an answer that is not one
(`DriverBadAnswer`) raises `DriverFailure`; the caller records the input as
a finding and calls `restart`.  A binary that cannot be run raises
`pyspec.driver.DriverNotFound`.

(pyspec.driver.Driver, engineer E's client, answers one request per round
trip; the differential loop needs many requests in flight, hence this thin
adapter over the same binary and protocol.)
"""

from __future__ import annotations

import reprlib
import subprocess
import threading
from pathlib import Path

import orjson

from pyspec.driver import (
    answer_line_limit, answer_problem, default_binary, resolve_binary, spawn,
)

from .jstate import Json


class DriverFailure(Exception):
    """The driver died, timed out, or answered something unreadable."""


class DriverBadAnswer(DriverFailure):
    """The driver answered a line that is not UTF-8 JSON or not an answer to
    its request (docs/protocol.md)."""


class DriverPipe:
    def __init__(self, path: Path | str | None = None, timeout: float = 30.0) -> None:
        self.path = resolve_binary(path if path else default_binary())
        self.timeout = timeout
        self.restarts = 0
        self._proc: subprocess.Popen | None = None
        self._start()

    def _start(self) -> None:
        self._proc = spawn(self.path, subprocess.DEVNULL, bufsize=1 << 20)

    @property
    def pid(self) -> int | None:
        """The driver process's id (None once closed)."""
        return self._proc.pid if self._proc is not None else None

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

    def raw_requests(self, reqs: list[dict]) -> list[bytes]:
        """Send every request, return the answer lines (without newline) in order."""
        return self.raw_lines([orjson.dumps(r) for r in reqs])

    def raw_lines(self, reqs: list[bytes]) -> list[bytes]:
        """Send every request, already encoded as one JSON line each (without
        newline); return the answer lines (without newline) in order."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        payload = b"\n".join(reqs) + b"\n" if reqs else b""

        def feed() -> None:
            try:
                proc.stdin.write(payload)
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass

        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            proc.kill()

        writer = threading.Thread(target=feed, daemon=True)
        watchdog = threading.Timer(self.timeout, expire)
        writer.start()
        watchdog.start()
        limit = answer_line_limit()
        try:
            lines = []
            for _ in reqs:
                line = proc.stdout.readline(limit + 1)
                if not line.endswith(b"\n"):
                    if timed_out.is_set():
                        raise DriverFailure(f"driver timed out after {self.timeout}s")
                    if len(line) > limit:
                        proc.kill()
                        raise DriverBadAnswer(f"driver answered over {limit} bytes without "
                                              "ending the line")
                    raise DriverFailure(f"driver exited (code {proc.poll()})")
                lines.append(line[:-1])
        finally:
            watchdog.cancel()
        writer.join()
        return lines

    def requests(self, reqs: list[dict]) -> list[Json]:
        """Send every request; return the answers, each checked to answer its request."""
        return [self.answer(line, req) for line, req in zip(self.raw_requests(reqs), reqs)]

    @staticmethod
    def answer(line: bytes, request: dict) -> Json:
        """The answer line `line` to `request`, parsed and checked against the
        protocol; DriverBadAnswer if it is not such an answer."""
        try:
            answer = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise DriverBadAnswer(f"driver answered something that is not UTF-8 JSON, "
                                  f"{reprlib.repr(line)}: {exc}") from None
        problem = answer_problem(answer, request)
        if problem is not None:
            raise DriverBadAnswer(f"driver {problem}")
        return answer

    @staticmethod
    def run_request(i: int, ctx: Json, state: Json, actions: list[Json]) -> dict:
        return {"id": i, "op": "run", "context": ctx, "state": state, "actions": actions,
                "states": True}

    def run_many_raw(self, jobs: list[tuple[Json, Json, list[Json]]]) -> list[bytes]:
        """One `run` (with per-step states) per (context, state, actions): the
        answer lines, unparsed."""
        return self.raw_requests([self.run_request(i, *job) for i, job in enumerate(jobs)])

    def valid_many(self, jobs: list[tuple[Json, Json]]) -> list[Json]:
        return self.requests([{"id": i, "op": "valid", "context": c, "state": s}
                              for i, (c, s) in enumerate(jobs)])
