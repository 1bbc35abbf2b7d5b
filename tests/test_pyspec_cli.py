"""`vcert run` and `vcert check-state` on files (pyspec commands)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyspec.cli import main

STATE = {
    "active_os": 1, "exec_mode": "Usr", "activity": "Running",
    "oss": [[1, {"curr_page": 0, "hcall": None}]],
    "hyp": [[1, [[0, 0], [1, 1]]]],
    "mem": [[0, {"content": ["PT", [[10, 1], [100, 3]]], "owner": ["Os", 1]}],
            [1, {"content": ["RW", 7], "owner": ["Os", 1]}],
            [2, {"content": "Other", "owner": "No_Owner"}],
            [3, {"content": ["RW", 0], "owner": "Hyp"}]],
}
CONTEXT = {"hyp_window": [100], "trusted_oss": []}
ACTIONS = [["Write", 10, 42], ["Read", 11], ["Hcall", ["HC_pin", 5, "T_RW"]],
           ["Page_pin", 1, 5, "T_RW"], "Chmod"]


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "doc": write(tmp_path, "doc.json", {"context": CONTEXT, "state": STATE}),
        "bare": write(tmp_path, "bare.json", STATE),
        "ctx": write(tmp_path, "ctx.json", CONTEXT),
        "actions": write(tmp_path, "actions.json", ACTIONS),
    }


def test_run_prints_one_line_per_step(files, capsys):
    assert main(["run", "--state", str(files["doc"]), "--actions", str(files["actions"])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["0", "Write", "10", "42", "Ok"]
    assert lines[2].split() == ["1", "Read", "11", "Error", "Invalid_vadd"]
    assert lines[-1] == "5 steps: 4 Ok, 1 errors"


def test_run_json_gives_responses_and_states(files, capsys):
    assert main(["run", "--state", str(files["bare"]), "--context", str(files["ctx"]),
                 "--actions", str(files["actions"]), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["responses"] == ["Ok", ["Error", "Invalid_vadd"], "Ok", "Ok", "Ok"]
    assert len(answer["states"]) == 5
    assert answer["states"][0]["mem"][1] == [1, {"content": ["RW", 42], "owner": ["Os", 1]}]
    final = answer["final_state"]
    assert final["hyp"] == [[1, [[0, 0], [1, 1], [5, 2]]]]     # least free page: 2
    assert final["mem"][2] == [2, {"content": ["RW", None], "owner": ["Os", 1]}]
    assert (final["activity"], final["exec_mode"]) == ("Running", "Usr")


def test_run_rejects_an_invalid_initial_state_naming_the_property(tmp_path, files, capsys):
    bad = write(tmp_path, "bad.json", {**STATE, "exec_mode": "Svc"})
    assert main(["run", "--state", str(bad), "--actions", str(files["actions"])]) == 1
    assert "property 4 (Usr_when_untrusted)" in capsys.readouterr().err


@pytest.mark.parametrize("state_name, extra, message", [
    ("doc", ["--context", "ctx"], "the context is given twice"),
    ("missing", [], "cannot read state file"),
    ("garbled", [], "well-formed JSON"),
    ("wrong", [], "at $.oss[0][1].curr_page: expected a natural number"),
])
def test_run_reports_bad_inputs_with_exit_2(tmp_path, files, capsys, state_name, extra,
                                             message):
    files["garbled"] = write(tmp_path, "garbled.json", "{")
    files["wrong"] = write(tmp_path, "wrong.json", {
        **STATE, "oss": [[1, {"curr_page": "zero", "hcall": None}]]})
    files["missing"] = tmp_path / "missing.json"
    args = ["run", "--state", str(files[state_name]), "--actions", str(files["actions"])]
    args += [str(files[x]) if x in files else x for x in extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_run_reports_a_malformed_action_with_its_index(tmp_path, files, capsys):
    actions = write(tmp_path, "a.json", [["Read", 10], ["Write", 10]])
    assert main(["run", "--state", str(files["doc"]), "--actions", str(actions)]) == 2
    assert "at $[1]: expected [\"Write\", ...] with 2 argument(s)" in capsys.readouterr().err


def test_check_state_valid(files, capsys):
    assert main(["check-state", str(files["doc"])]) == 0
    assert "valid (1 guest(s), 4 page(s))" in capsys.readouterr().out


def test_check_state_reports_every_violation(tmp_path, capsys):
    state = {**STATE, "exec_mode": "Svc",
             "hyp": [[1, [[0, 0], [1, 1], [2, 1]]]]}
    path = write(tmp_path, "s.json", {"context": CONTEXT, "state": state})
    assert main(["check-state", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(v["number"], v["property"]) for v in report] == [
        (4, "Usr_when_untrusted"), (5, "Hyp_maps_owned")]
    assert report[1]["witness"] == {"os": 1, "padd": 2, "madd": 1}
    assert main(["check-state", str(path)]) == 1
    out = capsys.readouterr().out
    assert "2 violation(s)" in out and "5. Hyp_maps_owned" in out
    assert "[os 1, padd 2, madd 1]" in out


def test_check_state_without_context_uses_the_empty_window(files, capsys):
    # With no window, address 100 is accessible, so its Hyp page breaks property 6.
    assert main(["check-state", str(files["bare"])]) == 1
    assert "6. Page_tables_owned" in capsys.readouterr().out
