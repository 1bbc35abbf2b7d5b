"""`vcert step` on the sample and on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyspec.cli import main
from test_driver_support import EXAMPLES, driver_binary, load_example  # noqa: F401

SAMPLE = ["--state", str(EXAMPLES / "sample_state.json"),
          "--actions", str(EXAMPLES / "sample_actions.json")]
SAMPLE_CONTEXT = ["--context", str(EXAMPLES / "sample_context.json")]


@pytest.fixture(autouse=True)
def built_driver(driver_binary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCERT_DRIVER", str(driver_binary))


def test_step_prints_one_line_per_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["step", *SAMPLE, *SAMPLE_CONTEXT]) == 0
    lines = capsys.readouterr().out.splitlines()
    actions = load_example("sample_actions.json")
    steps = lines[1:-1]
    assert len(steps) == len(actions)
    assert steps[0].split() == ["0", "Read", "10", "Ok"]
    assert steps[2].split() == ["2", "Hcall", "(HC_pin", "2", "T_RW)", "Ok"]
    assert steps[17].split() == ["17", "Page_pin", "1", "3", "T_PT", "Ok"]
    assert steps[25].split() == ["25", "Silent", "Ok"]
    assert lines[-1] == "26 steps: 26 Ok, 0 errors"


def test_step_json_is_the_driver_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["step", *SAMPLE, *SAMPLE_CONTEXT, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["ok"] is True
    assert answer["responses"] == ["Ok"] * 26
    assert answer["final_state"]["active_os"] == 2


def test_state_file_may_carry_the_context(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    combined = tmp_path / "combined.json"
    combined.write_text(json.dumps({"context": load_example("sample_context.json"),
                                    "state": load_example("sample_state.json")}))
    args = ["step", "--state", str(combined), "--actions", SAMPLE[3], "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["responses"] == ["Ok"] * 26
    assert main([*args, *SAMPLE_CONTEXT]) == 2
    assert "context is given twice" in capsys.readouterr().err


def test_default_context_has_no_window(capsys: pytest.CaptureFixture[str]) -> None:
    # Without the sample's window, va 100 is accessible, so the table mapping it
    # to a hypervisor page breaks property 6.
    assert main(["step", *SAMPLE]) == 1
    err = capsys.readouterr().err
    assert "invalid_state" in err and "property 6" in err and "Page_tables_owned" in err


def test_errors_in_steps_are_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps([["Read", 55], "Chmod"]))
    assert main(["step", SAMPLE[0], SAMPLE[1], "--actions", str(actions), *SAMPLE_CONTEXT]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["0", "Read", "55", "Error", "Invalid_vadd"]
    assert lines[2].split() == ["1", "Chmod", "Error", "Wrong_os_activity"]
    assert lines[3] == "2 steps: 0 Ok, 2 errors"


@pytest.mark.parametrize("content, words", [
    (None, "No such file"),
    ("[1,", "not JSON"),
    ('{"Read": 1}', "JSON array"),
])
def test_bad_actions_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          content: str | None, words: str) -> None:
    actions = tmp_path / "actions.json"
    if content is not None:
        actions.write_text(content)
    assert main(["step", SAMPLE[0], SAMPLE[1], "--actions", str(actions)]) == 2
    assert words in capsys.readouterr().err


def test_bad_action_points_into_the_actions_file(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps(["Silent", ["Read"]]))
    assert main(["step", SAMPLE[0], SAMPLE[1], "--actions", str(actions),
                 *SAMPLE_CONTEXT]) == 1
    err = capsys.readouterr().err
    assert "$.actions[1]" in err and "Read takes 1 argument" in err


def test_missing_driver_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VCERT_DRIVER", str(tmp_path / "absent"))
    assert main(["step", *SAMPLE, *SAMPLE_CONTEXT]) == 2
    assert "make driver" in capsys.readouterr().err
