"""The driver never dies on input, and its clients turn every driver fault
into their typed errors (docs/protocol.md, "Limits").

Driver side: one answer per line, valid UTF-8, whatever the line holds
(deep nesting anywhere, bytes that are not UTF-8, lone surrogate escapes,
answers and requests past their caps).  Client side: answers that are not
UTF-8, not JSON or lack a field, drivers that answer twice, and binaries
given as a bare name (found here or on PATH), a directory, a non-executable
or a non-program file.
The faulty drivers are shell scripts written into the test's folder.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pyspec.difftest.driver_pipe import DriverFailure, DriverPipe
from pyspec.difftest.engine import Engine, Sequence
from pyspec.difftest.scope import Scope
from pyspec.driver import Driver, DriverNotFound, DriverProtocolError
from test_driver_support import CONTEXT, driver, driver_binary, running_state  # noqa: F401

JSON = Any
DEFAULT_CAP = 16 * 1024 * 1024


def exchange(binary: Path, lines: list[bytes], *args: str,
             env: dict[str, str] | None = None) -> list[bytes]:
    """Every answer line of a fresh driver to `lines`, each checked to be
    strict UTF-8 JSON (raises otherwise)."""
    proc = subprocess.run([str(binary), *args], input=b"".join(line + b"\n" for line in lines),
                          capture_output=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    answers = proc.stdout.split(b"\n")
    assert answers[-1] == b""
    for answer in answers[:-1]:
        json.loads(answer.decode("utf-8"))  # strict: raises on a byte that is not UTF-8
    return answers[:-1]


def error(answer: bytes) -> dict[str, JSON]:
    parsed = json.loads(answer)
    assert parsed["ok"] is False, parsed
    return parsed["error"]


PING = b'{"id":"after","op":"ping"}'
PONG = b'{"id":"after","ok":true,"pong":true}'


# -- the driver -------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [513, 100_000])
def test_an_id_nested_too_deep_is_refused_and_serving_goes_on(driver_binary: Path,
                                                            depth: int) -> None:
    deep_id = b"[" * depth + b"]" * depth
    answers = exchange(driver_binary, [b'{"id":%s,"op":"ping"}' % deep_id, PING])
    assert len(answers) == 2 and answers[1] == PONG
    assert error(answers[0])["kind"] == "malformed_json"
    assert "nested deeper than 512" in error(answers[0])["message"]


def test_nesting_up_to_the_limit_is_accepted(driver_binary: Path) -> None:
    # The object itself is one level: an id of 511 more stays within 512.
    deep_id = b"[" * 511 + b"]" * 511
    (answer,) = exchange(driver_binary, [b'{"id":%s,"op":"ping"}' % deep_id])
    assert json.loads(answer)["pong"] is True


def test_an_error_excerpt_never_cuts_a_character(driver_binary: Path) -> None:
    # yojson quotes a fixed number of bytes of the bad token; 'é' is two bytes.
    for prefix in (b"", b"x"):
        (answer,) = exchange(driver_binary, [prefix + "é".encode() * 50])
        message = error(answer)["message"]
        assert "Invalid token" in message and "\ufffd" not in message


def test_bytes_that_are_not_utf8_are_refused_not_echoed(driver_binary: Path) -> None:
    answers = exchange(driver_binary, [b'{"id":"a\xffb","op":"ping"}', PING])
    assert answers[1] == PONG
    refusal = json.loads(answers[0])
    assert refusal["id"] is None
    assert refusal["error"]["kind"] == "malformed_json"
    assert "not UTF-8: byte 0xFF at offset 8" in refusal["error"]["message"]


def test_a_lone_surrogate_escape_is_answered_in_utf8(driver_binary: Path) -> None:
    # "\udc00" decodes to bytes that are not UTF-8; they are not echoed raw.
    (answer,) = exchange(driver_binary, [b'{"id":"a\\udc00b","op":"ping"}'])
    assert json.loads(answer)["id"] == "a\ufffd\ufffd\ufffdb"


def long_run(steps: int, request_id: int = 1) -> bytes:
    return json.dumps({"id": request_id, "op": "run", "context": CONTEXT,
                       "state": running_state(), "actions": [["Read", 10]] * steps,
                       "states": True}).encode()


def test_an_answer_over_the_default_cap_is_refused(driver_binary: Path) -> None:
    # Each state is about 510 bytes: 40,000 of them pass 16 MiB.
    answers = exchange(driver_binary, [long_run(40_000), PING])
    assert answers[1] == PONG
    assert len(answers[0]) < 1000
    refusal = json.loads(answers[0])
    assert refusal["id"] == 1
    assert refusal["error"]["kind"] == "too_large"
    assert refusal["error"]["limit"] == DEFAULT_CAP
    assert "--max-answer-bytes" in refusal["error"]["message"]


def test_the_answer_cap_is_set_by_option_or_environment(driver_binary: Path) -> None:
    fits = len(exchange(driver_binary, [long_run(20)])[0])
    for args, env in ([["--max-answer-bytes", str(fits)], None],
                      [[], {**os.environ, "VCERT_DRIVER_MAX_ANSWER": str(fits)}],
                      [["--max-answer-bytes", str(fits)],
                       {**os.environ, "VCERT_DRIVER_MAX_ANSWER": "4096"}]):
        answers = exchange(driver_binary, [long_run(20), long_run(21, 2), PING], *args, env=env)
        assert len(answers[0]) == fits and json.loads(answers[0])["ok"] is True
        assert error(answers[1])["kind"] == "too_large" and error(answers[1])["limit"] == fits
        assert answers[2] == PONG


def test_a_request_line_over_the_request_cap_is_refused(driver_binary: Path) -> None:
    long_line = b'{"id":1,"op":"ping","pad":"%s"}' % (b"x" * 200_000)
    answers = exchange(driver_binary, [long_line, PING], "--max-request-bytes", "100000")
    assert answers[1] == PONG
    refusal = error(answers[0])
    assert refusal["kind"] == "too_large" and refusal["limit"] == 100_000


@pytest.mark.parametrize("args, env, words", [
    (["--max-answer-bytes", "100"], {}, ">= 4096"),
    (["--max-answer-bytes", "lots"], {}, "--max-answer-bytes must be a whole number"),
    ([], {"VCERT_DRIVER_MAX_REQUEST": "-1"}, "$VCERT_DRIVER_MAX_REQUEST must be a whole number"),
    (["--index-from", "some"], {}, "--index-from must be a whole number of pages >= 0"),
    ([], {"VCERT_DRIVER_INDEX_FROM": "-5"}, "$VCERT_DRIVER_INDEX_FROM must be a whole number"),
    (["--bogus"], {}, "unknown option"),
])
def test_a_bad_limit_setting_stops_the_driver_at_start(driver_binary: Path, args: list[str],
                                                       env: dict[str, str], words: str) -> None:
    proc = subprocess.run([str(driver_binary), *args], input=b"", capture_output=True,
                          timeout=30, env={**os.environ, **env})
    assert proc.returncode == 2
    assert words in proc.stderr.decode() and "usage: vcert-driver" in proc.stderr.decode()


# -- the clients ------------------------------------------------------------------------

def fake_driver(tmp_path: Path, answer: bytes, name: str = "fake") -> Path:
    """A driver that answers `answer` (bytes, newline added) to every line."""
    answer_file = tmp_path / f"{name}.answer"
    answer_file.write_bytes(answer + b"\n")
    path = tmp_path / name
    path.write_text(f'#!/bin/sh\nwhile read -r line; do cat "{answer_file}"; done\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("answer, words", [
    (b'{"id":1,"ok":true,"pong":"\xff"}', "not UTF-8 JSON"),
    (b"[" * 100_000, "not UTF-8 JSON"),
    (b'{"id":1,"ok":true}', "without its field 'pong'"),
    (b'{"id":1}', "neither true nor false"),
    (b'{"id":1,"ok":false,"error":"boom"}', "without an error object"),
], ids=["not-utf8", "deep", "missing-field", "missing-ok", "error-not-object"])
def test_driver_client_turns_a_bad_answer_into_a_protocol_error(tmp_path: Path, answer: bytes,
                                                                words: str) -> None:
    with Driver(fake_driver(tmp_path, answer), timeout=10) as d:
        with pytest.raises(DriverProtocolError, match=words) as info:
            d.ping()
        assert "\n" not in str(info.value)
        assert d.pid is None  # stopped; the next request starts it again


def test_driver_client_refuses_two_answers_to_one_request(tmp_path: Path) -> None:
    fake = fake_driver(tmp_path, b'{"id":1,"ok":true,"pong":true}\n{"id":1,"ok":true,"pong":true}')
    with Driver(fake, timeout=10) as d:
        with pytest.raises(DriverProtocolError, match="more than one line"):
            d.ping()


def test_pipe_client_turns_a_run_answer_without_fields_into_a_driver_failure(tmp_path: Path) -> None:
    with DriverPipe(fake_driver(tmp_path, b'{"id":0,"ok":true}')) as pipe:
        with pytest.raises(DriverFailure, match="without its field 'responses'"):
            pipe.requests([DriverPipe.run_request(0, CONTEXT, running_state(), [["Read", 10]])])


def test_engine_records_an_answer_without_fields_as_a_finding(tmp_path: Path) -> None:
    with DriverPipe(fake_driver(tmp_path, b'{"id":0,"ok":true}')) as pipe:
        engine = Engine(Scope(), pipe)
        seq = engine.replay_pyspec(Sequence(0, CONTEXT, running_state(), [["Write", 10, 3]]))
        (outcome,) = engine.check_batch([seq])
        assert pipe.restarts == 1  # so that no later answer is read out of step
    assert outcome.failure is not None and outcome.failure.oracle == "driver_protocol"
    assert "without its field" in outcome.failure.detail


def not_a_program(tmp_path: Path) -> Path:
    path = tmp_path / "not-a-program"
    path.write_bytes(b"\x00\x01 no interpreter line\n")
    path.chmod(0o755)
    return path


def not_executable(tmp_path: Path) -> Path:
    path = tmp_path / "not-executable"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o644)
    return path


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp, "is a directory"),
    (not_executable, "is not executable"),
    (not_a_program, "cannot be started"),
    (lambda tmp: tmp / "missing", "does not exist"),
])
@pytest.mark.parametrize("client", ["Driver", "DriverPipe"])
def test_a_binary_that_cannot_run_is_driver_not_found(tmp_path: Path, make: Any, words: str,
                                                      client: str) -> None:
    binary = make(tmp_path)
    with pytest.raises(DriverNotFound, match=words) as info:
        if client == "Driver":
            Driver(binary).ping()
        else:
            DriverPipe(binary).close()
    assert "\n" not in str(info.value)
    assert isinstance(info.value, FileNotFoundError)  # what the commands catch


@pytest.mark.parametrize("client", ["Driver", "DriverPipe"])
def test_a_bare_name_is_found_here_or_on_path(driver_binary: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             client: str) -> None:
    # A bare name is a file of the current directory, else a command on PATH;
    # either way the driver is started by its full path.
    here, on_path = tmp_path / "here", tmp_path / "bin"
    here.mkdir()
    on_path.mkdir()
    (here / "my-driver").symlink_to(driver_binary)
    (on_path / "path-driver").symlink_to(driver_binary)
    monkeypatch.chdir(here)
    monkeypatch.setenv("PATH", f"{on_path}{os.pathsep}{os.environ['PATH']}")
    for name in ("my-driver", "path-driver"):
        if client == "Driver":
            with Driver(name) as d:
                assert d.ping()["pong"] is True
        else:
            with DriverPipe(name) as pipe:
                assert pipe.requests([{"id": 0, "op": "ping"}])[0]["pong"] is True
    with pytest.raises(DriverNotFound, match="does not exist here nor on PATH"):
        Driver("no-such-driver").ping()


def test_clients_stop_reading_an_answer_that_never_ends(monkeypatch):
    """A driver writing without end: each client gives up after a bounded
    number of bytes (four times the driver's answer cap), well before the
    watchdog, with a typed error."""
    from pyspec.difftest.driver_pipe import DriverBadAnswer, DriverPipe
    from pyspec.driver import Driver, DriverProtocolError

    endless = Path(__file__).resolve().parent / "fakes" / "endless_driver.py"
    monkeypatch.setenv("VCERT_DRIVER_MAX_ANSWER", "1")       # the client's floor: 64 MiB
    with Driver(endless, timeout=120) as driver:
        with pytest.raises(DriverProtocolError, match="without ending the line"):
            driver.ping()
    with DriverPipe(endless, timeout=120) as pipe:
        with pytest.raises(DriverBadAnswer, match="without ending the line"):
            pipe.raw_lines([b'{"id":0,"op":"ping"}'])
