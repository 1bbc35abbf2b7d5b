"""pyspec.driver.Driver: lazy start, restart after a crash or a time-out,
clear errors for a missing binary and for error responses."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import pytest

from pyspec.driver import (
    Driver,
    DriverCrashed,
    DriverNotFound,
    DriverProtocolError,
    DriverRequestError,
    DriverTimeout,
)
from test_driver_support import CONTEXT, driver, driver_binary, running_state  # noqa: F401


def script(tmp_path: Path, name: str, body: str) -> Path:
    """An executable shell script standing in for the driver."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); its state in /proc says it is dead.
    status = Path(f"/proc/{pid}/stat")
    return not status.exists() or status.read_text().split()[2] in {"Z", "X"}


def test_starts_lazily_and_stops_on_exit(driver_binary: Path) -> None:
    with Driver(driver_binary) as d:
        assert d.pid is None
        assert d.ping()["pong"] is True
        pid = d.pid
        assert pid is not None
        assert d.ping()["pong"] is True and d.pid == pid  # one process serves every request
    assert d.pid is None
    assert process_gone(pid)


def test_restarts_after_the_process_is_killed(driver: Driver) -> None:
    driver.ping()
    first = driver.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    time.sleep(0.1)
    answer = driver.run(CONTEXT, running_state(), [["Read", 10]])
    assert answer["responses"] == ["Ok"]
    assert driver.pid not in (None, first)


def test_crash_during_a_request_is_reported_then_restarted(tmp_path: Path) -> None:
    crasher = script(tmp_path, "crasher", 'read line\necho "boom" >&2\nexit 3\n')
    with Driver(crasher, timeout=10) as d:
        with pytest.raises(DriverCrashed, match=r"exit status 3.*boom"):
            d.ping()
        assert d.pid is None
        with pytest.raises(DriverCrashed):  # started again, crashes again
            d.ping()


def test_time_out_kills_and_the_next_request_restarts(tmp_path: Path,
                                                      driver_binary: Path) -> None:
    # Hangs on its first start, behaves as the real driver afterwards.
    marker = tmp_path / "started-once"
    flaky = script(tmp_path, "flaky",
                   f'if [ ! -e "{marker}" ]; then touch "{marker}"; exec sleep 60; fi\n'
                   f'exec "{driver_binary}"\n')
    with Driver(flaky, timeout=0.5) as d:
        started = time.monotonic()
        with pytest.raises(DriverTimeout, match="0.5 s"):
            d.ping()
        assert time.monotonic() - started < 5
        assert d.pid is None
        assert d.ping()["pong"] is True


def test_time_out_while_sending_a_large_request(tmp_path: Path) -> None:
    # A driver that never reads: the request (larger than a pipe buffer) cannot
    # be written completely, and the time-out must still apply.
    deaf = script(tmp_path, "deaf", "exec sleep 60\n")
    with Driver(deaf, timeout=0.5) as d:
        started = time.monotonic()
        with pytest.raises(DriverTimeout):
            d.request({"op": "ping", "padding": "x" * 4_000_000})
        assert time.monotonic() - started < 5


def test_missing_binary_says_to_run_make_driver(tmp_path: Path) -> None:
    with Driver(tmp_path / "no-such-driver") as d:
        with pytest.raises(DriverNotFound, match="make driver"):
            d.ping()


def test_binary_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VCERT_DRIVER", str(tmp_path / "elsewhere"))
    with Driver() as d:
        assert d.binary == tmp_path / "elsewhere"
        with pytest.raises(DriverNotFound, match="VCERT_DRIVER"):
            d.ping()


def test_wrong_answer_id_is_a_protocol_error(tmp_path: Path) -> None:
    liar = script(tmp_path, "liar", 'while read line; do echo \'{"id": "other", "ok": true}\'; done\n')
    with Driver(liar) as d:
        with pytest.raises(DriverProtocolError, match="other"):
            d.ping()


def test_error_response_raises_with_kind_and_path(driver: Driver) -> None:
    with pytest.raises(DriverRequestError) as info:
        driver.run(CONTEXT, running_state(), [["Read", -1]])
    assert (info.value.kind, info.value.path) == ("bad_request", "$.actions[0][1]")
    assert driver.ping()["pong"] is True


def test_request_line_refuses_line_breaks(driver: Driver) -> None:
    with pytest.raises(ValueError):
        driver.request_line('{"id": 1,\n"op": "ping"}')
