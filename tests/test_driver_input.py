"""Bad input gets one clear error line (kind, message, JSON path) and the
driver keeps serving."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pyspec.driver import Driver
from test_driver_support import (  # noqa: F401  (driver fixtures)
    CONTEXT,
    driver,
    driver_binary,
    page,
    running_state,
)

JSON = Any


def run_request(actions: JSON, state: JSON = None, **extra: JSON) -> dict[str, JSON]:
    request = {"id": 7, "op": "run", "context": CONTEXT,
               "state": running_state() if state is None else state, "actions": actions}
    request.update(extra)
    return request


def error_of(response: dict[str, JSON]) -> dict[str, JSON]:
    assert response["ok"] is False, response
    return response["error"]


def assert_still_serving(driver: Driver) -> None:
    assert driver.request({"id": "after", "op": "ping"}) == {"id": "after", "ok": True,
                                                             "pong": True}


@pytest.mark.parametrize("line", [
    "{", "nonsense", '{"id": 1, "op": "ping"', '{"id": 1} {"id": 2}', "[1, 2,]",
    '{"id": 1, "op": "ping", "x": NaN}', '{"id": (1, 2), "op": "ping"}', "   ",
])
def test_malformed_json_then_a_good_line(driver: Driver, line: str) -> None:
    response = driver.request_line(line)
    assert response["id"] is None
    assert error_of(response)["kind"] == "malformed_json"
    assert error_of(response)["message"]
    assert_still_serving(driver)


def test_deep_nesting_is_refused_not_fatal(driver: Driver) -> None:
    response = driver.request_line("[" * 1_000_000)
    assert error_of(response)["kind"] == "malformed_json"
    assert_still_serving(driver)


@pytest.mark.parametrize("request_, path, words", [
    ([1, 2], "$", "request object"),
    ({"id": 1}, "$", "op"),
    ({"id": 1, "op": 3}, "$.op", "op name"),
    ({"id": 1, "op": "jump"}, "$.op", "unknown op"),
    ({"op": "ping"}, "$", "id"),
    ({"id": 1, "op": "ping", "extra": 0}, "$.extra", "unknown"),
    ({"id": 1, "op": "valid", "state": {}}, "$", "context"),
    (run_request([], sates=True), "$.sates", "unknown"),
    (run_request([], states=1), "$.states", "true or false"),
    (run_request("Silent"), "$.actions", "array"),
])
def test_bad_envelope(driver: Driver, request_: JSON, path: str, words: str) -> None:
    response = driver.request_line(json.dumps(request_))
    error = error_of(response)
    assert (error["kind"], error["path"]) == ("bad_request", path)
    assert words in error["message"]
    assert_still_serving(driver)


@pytest.mark.parametrize("action, path, words", [
    (["Jump", 1], "$.actions[1]", "unknown action constructor \"Jump\""),
    ("Fly", "$.actions[1]", "unknown action constructor"),
    (["Read"], "$.actions[1]", "Read takes 1 argument, got 0"),
    (["Read", 1, 2], "$.actions[1]", "Read takes 1 argument, got 2"),
    ("Read", "$.actions[1]", "Read takes 1 argument"),
    (["Chmod"], "$.actions[1]", "Chmod takes no arguments"),
    (["New", 1, 2], "$.actions[1]", "New takes 3 arguments, got 2"),
    ([], "$.actions[1]", "expected an action"),
    ([5, 1], "$.actions[1][0]", "name of an action constructor"),
    (["Read", -1], "$.actions[1][1]", "non-negative"),
    (["Read", 2**62], "$.actions[1][1]", "below 2^62"),
    (["Read", 2**64], "$.actions[1][1]", "below 2^62"),
    (["Read", -(2**64)], "$.actions[1][1]", "non-negative"),
    (["Read", 1.5], "$.actions[1][1]", "non-negative integer"),
    (["Read", "10"], "$.actions[1][1]", "non-negative integer"),
    (["Hcall", ["HC_fly", 1]], "$.actions[1][1]", "unknown hyper_call constructor"),
    (["Page_pin", 1, 2, "T_XX"], "$.actions[1][3]", "unknown ptype constructor"),
    (["Hcall", ["HC_pin", 2, ["T_RW"]]], "$.actions[1][1][2]", "T_RW takes no arguments"),
])
def test_bad_action(driver: Driver, action: JSON, path: str, words: str) -> None:
    response = driver.request(run_request(["Silent", action, "Silent"]))
    error = error_of(response)
    assert (response["id"], error["kind"], error["path"]) == (7, "bad_request", path)
    assert words in error["message"], error["message"]
    assert_still_serving(driver)


def test_largest_natural_is_accepted(driver: Driver) -> None:
    answer = driver.run(CONTEXT, running_state(), [["Write", 10, 2**62 - 1]])
    assert answer["responses"] == ["Ok"]
    assert answer["final_state"]["mem"][1] == [1, page(["RW", 2**62 - 1], ["Os", 1])]


def state_with(**changes: JSON) -> dict[str, JSON]:
    state = running_state()
    state.update(changes)
    return state


@pytest.mark.parametrize("state, path, words", [
    (state_with(mem=running_state()["mem"] + [[1, page("Other", "No_Owner")]]),
     "$.state.mem[7][0]", "duplicate map key 1"),
    (state_with(hyp=[[0, [[0, 2], [1, 7]]], [1, [[0, 0], [0, 1]]]]),
     "$.state.hyp[1][1][1][0]", "duplicate map key 0"),
    (state_with(oss=[[0, {"curr_page": 0, "hcall": None}], [0, {"curr_page": 0, "hcall": None}]]),
     "$.state.oss[1][0]", "duplicate map key 0"),
    (state_with(mem=[[0, page(["PT", [[10, 1], [10, 0]]], ["Os", 1])]]),
     "$.state.mem[0][1].content[1][1][0]", "duplicate map key 10"),
    (state_with(mem=[[0, page(["RW", -3], ["Os", 1])]]),
     "$.state.mem[0][1].content[1]", "non-negative"),
    (state_with(mem=[[0, page(["RW", 1], ["Os"])]]),
     "$.state.mem[0][1].owner", "Os takes 1 argument, got 0"),
    (state_with(mem=[[0, page(["RW", 1], "Guest")]]),
     "$.state.mem[0][1].owner", "unknown page_owner constructor"),
    (state_with(mem=[[0, {"content": "Other"}]]), "$.state.mem[0][1]", "missing page field"),
    (state_with(mem=[[0, 1, 2]]), "$.state.mem[0]", "[key, value] pair"),
    (state_with(mem={"0": page("Other", "Hyp")}), "$.state.mem", "map"),
    (state_with(exec_mode="User"), "$.state.exec_mode", "unknown mode constructor"),
    (state_with(activity=["Running"]), "$.state.activity", "Running takes no arguments"),
    (state_with(oss=[[1, {"curr_page": 0, "hcall": ["HC_del"]}]]),
     "$.state.oss[0][1].hcall", "HC_del takes 1 argument, got 0"),
    (state_with(active_os=None), "$.state.active_os", "non-negative integer"),
])
def test_bad_state(driver: Driver, state: JSON, path: str, words: str) -> None:
    error = error_of(driver.request(run_request([], state=state)))
    assert (error["kind"], error["path"]) == ("bad_request", path)
    assert words in error["message"], error["message"]
    assert_still_serving(driver)


def test_duplicate_object_field(driver: Driver) -> None:
    line = ('{"id": 3, "op": "valid", "context": {"hyp_window": [], "trusted_oss": [],'
            ' "trusted_oss": [1]}, "state": {}}')
    response = driver.request_line(line)
    error = error_of(response)
    assert (response["id"], error["kind"], error["path"]) == (3, "bad_request",
                                                              "$.context.trusted_oss")
    assert "duplicate field" in error["message"]


def test_bad_context(driver: Driver) -> None:
    error = error_of(driver.request(run_request([], context={"hyp_window": [-1],
                                                             "trusted_oss": []})))
    assert (error["kind"], error["path"]) == ("bad_request", "$.context.hyp_window[0]")


def test_any_id_is_echoed(driver: Driver) -> None:
    for request_id in [None, "x", 2**70, {"a": [1, None]}, [True], 1.5]:
        response = driver.request_line(json.dumps({"id": request_id, "op": "ping"}))
        assert response == {"id": request_id, "ok": True, "pong": True}


def test_one_answer_per_line_in_order(driver_binary: Path) -> None:
    lines = ['{"id": 1, "op": "ping"}', "garbage", '{"id": 3, "op": "ping"}', "",
             '{"id": 5, "op": "nope"}']
    result = subprocess.run([str(driver_binary)], input="\n".join(lines) + "\n",
                            capture_output=True, text=True, timeout=30)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["id"], a["ok"]) for a in answers] == [(1, True), (None, False), (3, True),
                                                    (None, False), (5, False)]
    assert result.returncode == 0 and result.stderr == ""
