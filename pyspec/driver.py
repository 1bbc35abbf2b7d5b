"""Client for the extracted specification's long-lived driver (`extract/vcert-driver`).

One `Driver` owns one driver subprocess: started on the first request, spoken
to one JSON line per request (docs/protocol.md, "Driver protocol"), restarted
automatically on the next request after it crashed or timed out. Requests
and responses are plain JSON values (dicts, lists, ints, strings); typed
conversion is pyspec's codec's business.

    with Driver() as driver:
        answer = driver.run(context, state, actions, states=True)
        answer["responses"], answer["final_state"]
"""

from __future__ import annotations

import itertools
import json
import os
import reprlib
import selectors
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

JSON = Any  # a plain JSON value, as json.loads returns it

DEFAULT_BINARY = Path(__file__).resolve().parent.parent / "extract" / "vcert-driver"
BINARY_ENV_VAR = "VCERT_DRIVER"
DEFAULT_TIMEOUT = 30.0
# The driver refuses answers over its cap (16 MiB unless $VCERT_DRIVER_MAX_ANSWER
# says otherwise, docs/protocol.md); a client reads at most four times that
# before giving up on a line, so a driver that writes without end cannot
# make it grow without bound.
DRIVER_ANSWER_CAP = 16 * 1024 * 1024
ANSWER_CAP_ENV_VAR = "VCERT_DRIVER_MAX_ANSWER"


def answer_line_limit() -> int:
    """The longest answer line a client reads, in bytes."""
    raw = os.environ.get(ANSWER_CAP_ENV_VAR, "")
    cap = int(raw) if raw.strip().isdigit() else DRIVER_ANSWER_CAP
    return 4 * max(cap, DRIVER_ANSWER_CAP)
_STDERR_TAIL = 2000


class DriverError(Exception):
    """Base class of every error raised by the driver client."""


class DriverNotFound(DriverError, FileNotFoundError):
    """The driver binary does not exist or cannot be executed (also a
    FileNotFoundError, which the commands catch around a missing binary)."""


class DriverCrashed(DriverError):
    """The driver process exited (or closed its output) during a request."""


class DriverTimeout(DriverError):
    """The driver did not answer a request in time; the process was killed."""


class DriverProtocolError(DriverError):
    """The driver answered something that is not a response to the request."""


class DriverRequestError(DriverError):
    """The driver answered the request with an error response."""

    def __init__(self, error: dict[str, JSON]) -> None:
        self.error = error
        self.kind: str = error.get("kind", "")
        self.path: str | None = error.get("path")
        super().__init__(f"{self.kind} at {self.path}: {error.get('message', '')}")


def default_binary() -> Path:
    """The driver binary: $VCERT_DRIVER if set, else extract/vcert-driver."""
    override = os.environ.get(BINARY_ENV_VAR)
    return Path(override) if override else DEFAULT_BINARY


def resolve_binary(binary: Path | str) -> Path:
    """`binary` as an absolute path to an executable file, or DriverNotFound
    saying what is wrong with it.  A bare name is a file of the current
    directory if there is one, else a command on PATH (as `vcert --driver`)."""
    path = Path(binary)
    bare = os.sep not in str(binary)
    if bare and not path.exists():
        path = Path(shutil.which(str(binary)) or path)
    fix = "run `make driver` in the repository root" + (
        f" (or fix ${BINARY_ENV_VAR})" if os.environ.get(BINARY_ENV_VAR) else "")
    if not path.exists():
        problem = "does not exist" + (" here nor on PATH" if bare else "")
    elif path.is_dir():
        problem = "is a directory, not the driver binary"
    elif not path.is_file():
        problem = "is not a regular file"
    elif not os.access(path, os.X_OK):
        problem = "is not executable"
    else:
        return path.absolute()
    raise DriverNotFound(f"driver binary {binary} {problem}: {fix}")


def spawn(path: Path, stderr: int | BinaryIO, bufsize: int = -1) -> subprocess.Popen[bytes]:
    """Start the driver at `path` (from `resolve_binary`) with pipes on its
    standard input and output; DriverNotFound if the system cannot run it."""
    try:
        return subprocess.Popen([str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=stderr, bufsize=bufsize)
    except OSError as exc:
        raise DriverNotFound(f"driver binary {path} cannot be started: {exc.strerror}: "
                             "run `make driver` in the repository root") from None


# The fields of a successful answer to each op (docs/protocol.md) and their types.
_NULL = type(None)
ANSWER_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "ping": {"pong": bool},
    "valid": {"valid": bool, "first_invalid": (str, _NULL), "number": (int, _NULL)},
    "pre": {"pre": bool, "pre_error": (str, _NULL)},
    "run": {"responses": list, "final_state": dict},
    "run_cache": {"responses": list, "observations": list, "final_state": dict},
}


def answer_problem(response: JSON, request: dict[str, JSON]) -> str | None:
    """What makes `response` not an answer to `request` under the protocol
    (an object with its id, "ok", then the error object or the op's fields),
    or None."""
    if not isinstance(response, dict):
        return f"answered {reprlib.repr(response)}, not an object"
    if "id" not in response or response["id"] != request.get("id"):
        return f"answered id {reprlib.repr(response.get('id'))} to request id {reprlib.repr(request.get('id'))}"
    ok = response.get("ok")
    if ok is False:
        error = response.get("error")
        if not isinstance(error, dict) or not all(
                isinstance(error.get(k), str) for k in ("kind", "message")):
            return f"answered an error without an error object of kind and message: {reprlib.repr(error)}"
        return None
    if ok is not True:
        return f"answered \"ok\": {reprlib.repr(ok)}, neither true nor false"
    fields = dict(ANSWER_FIELDS.get(str(request.get("op")), {}))
    if request.get("states"):
        fields["states"] = list
    for name, kind in fields.items():
        if name not in response:
            return f"answered {request.get('op')} without its field {name!r}"
        if not _has_type(response[name], kind):
            return f"answered {request.get('op')} with {name} = {reprlib.repr(response[name])}"
    return None


def _has_type(value: JSON, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return bool in kinds if isinstance(value, bool) else isinstance(value, kinds)


class Driver:
    """A persistent `vcert-driver` subprocess, usable as a context manager.

    Requests are answered one at a time; a Driver is not meant to be shared
    between threads (use one per thread)."""

    def __init__(self, binary: Path | str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.binary = Path(binary) if binary is not None else default_binary()
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: BinaryIO | None = None
        self._pending = b""  # bytes read past the last complete line
        self._ids = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Driver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The process id of the running driver, or None if none is running."""
        return self._process.pid if self._process is not None else None

    def close(self) -> None:
        """Stop the driver process (politely: end of input, then kill)."""
        process, self._process = self._process, None
        if process is not None:
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._pending = b""

    def _start(self) -> subprocess.Popen[bytes]:
        path = resolve_binary(self.binary)
        self._stderr = tempfile.TemporaryFile()
        self._process = spawn(path, self._stderr)
        self._pending = b""
        return self._process

    def _live_process(self) -> subprocess.Popen[bytes]:
        """The running process, (re)started if there is none or it has died."""
        if self._process is not None and self._process.poll() is not None:
            self.close()
        return self._process if self._process is not None else self._start()

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - _STDERR_TAIL))
        return self._stderr.read().decode("utf-8", errors="replace").strip()

    def _crashed(self, what: str) -> DriverCrashed:
        status = None
        if self._process is not None:
            try:
                status = self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                status = self._process.wait()
        stderr = self._stderr_tail()
        self.close()
        detail = f" (exit status {status})" if status is not None else ""
        detail += f"; stderr: {stderr}" if stderr else ""
        return DriverCrashed(f"driver {what}{detail}; it will be restarted on the next request")

    # -- the line protocol -------------------------------------------------

    def _timed_out(self, process: subprocess.Popen[bytes]) -> DriverTimeout:
        process.kill()
        self.close()
        return DriverTimeout(
            f"driver gave no answer within {self.timeout:g} s and was killed; "
            "it will be restarted on the next request"
        )

    def _write_all(self, process: subprocess.Popen[bytes], data: bytes, deadline: float) -> None:
        """Write `data` to the driver, giving up at `deadline` (a driver that stops
        reading must not block a large request forever)."""
        assert process.stdin is not None
        fd = process.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(data)
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_WRITE)
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise self._timed_out(process)
                try:
                    view = view[os.write(fd, view):]
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    raise self._crashed("exited before reading the request") from None

    def _read_line(self, process: subprocess.Popen[bytes], deadline: float) -> bytes:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        limit = answer_line_limit()
        parts, size = [self._pending], len(self._pending)   # joined once: no quadratic copy
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in parts[-1]:
                if size > limit:
                    self.close()
                    raise DriverProtocolError(f"driver answered over {limit} bytes without "
                                              "ending the line")
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise self._timed_out(process)
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise self._crashed("closed its output")
                parts.append(chunk)
                size += len(chunk)
        self._pending = b"".join(parts)
        line, self._pending = self._pending.split(b"\n", 1)
        if self._pending:
            self.close()
            raise DriverProtocolError(f"driver answered more than one line to one request, "
                                      f"the first {reprlib.repr(line)}")
        return line

    def request_line(self, line: str) -> JSON:
        """Send one raw request line (no newline inside) and return the parsed answer."""
        if "\n" in line or "\r" in line:
            raise ValueError("a request line must not contain a line break")
        process = self._live_process()
        deadline = time.monotonic() + self.timeout
        self._write_all(process, line.encode("utf-8") + b"\n", deadline)
        answer = self._read_line(process, deadline)
        try:
            return json.loads(answer.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            self.close()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DriverProtocolError(f"driver answered something that is not UTF-8 JSON, "
                                      f"{reprlib.repr(answer)}: {reason}") from None

    def request(self, request: dict[str, JSON]) -> dict[str, JSON]:
        """Send one request object (an "id" is added if absent); return the response
        object as is, error responses included, once checked to be an answer
        to it (DriverProtocolError otherwise)."""
        body = dict(request)
        body.setdefault("id", next(self._ids))
        response = self.request_line(json.dumps(body, separators=(",", ":")))
        problem = answer_problem(response, body)
        if problem is not None:
            self.close()
            raise DriverProtocolError(f"driver {problem}")
        return response

    def _call(self, request: dict[str, JSON]) -> dict[str, JSON]:
        response = self.request(request)
        if response["ok"] is not True:
            raise DriverRequestError(response["error"])
        return response

    # -- operations --------------------------------------------------------

    def ping(self) -> dict[str, JSON]:
        return self._call({"op": "ping"})

    def valid(self, context: JSON, state: JSON) -> dict[str, JSON]:
        """{"valid": bool, "first_invalid": property or None, "number": 1-8 or None}."""
        return self._call({"op": "valid", "context": context, "state": state})

    def pre(self, context: JSON, state: JSON, action: JSON) -> dict[str, JSON]:
        """{"pre": bool, "pre_error": error code or None}; the state must be valid."""
        return self._call({"op": "pre", "context": context, "state": state, "action": action})

    def run(
        self, context: JSON, state: JSON, actions: list[JSON], states: bool = False
    ) -> dict[str, JSON]:
        """{"responses": [...], "final_state": ...} plus "states" (one per step) if
        `states`; raises DriverRequestError (kind invalid_state) for an invalid state."""
        return self._call(
            {"op": "run", "context": context, "state": state, "actions": actions, "states": states}
        )

    def run_cache(
        self, context: JSON, cache: JSON, state: JSON, actions: list[JSON], states: bool = False
    ) -> dict[str, JSON]:
        """The cache variant's run (ctrace): {"responses", "observations",
        "final_state"} plus "states" if `states`; `cache` is a cache_config and
        `state` a cstate whose base state `hv` must be valid."""
        return self._call({"op": "run_cache", "context": context, "cache": cache,
                           "state": state, "actions": actions, "states": states})
