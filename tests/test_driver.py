"""The driver runs the extracted specification: responses and effects of every
action, every error code, and the refusal of invalid states.

Expected answers are written by hand from MODEL.md section 4 (error order and
postconditions) against the hand-written states of test_driver_support.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from pyspec.driver import Driver, DriverRequestError
from test_driver_support import (  # noqa: F401  (driver fixtures)
    CONTEXT,
    driver,
    driver_binary,
    load_example,
    lookup,
    page,
    pending_state,
    running_state,
    trusted_state,
    waiting_state,
    with_control,
    with_hcall,
)

JSON = Any


def without_free_page(state: dict[str, JSON]) -> dict[str, JSON]:
    """`state` minus its only free page (machine page 4, used by nobody)."""
    out = copy.deepcopy(state)
    out["mem"] = [entry for entry in out["mem"] if entry[0] != 4]
    return out


def err(code: str) -> JSON:
    return ["Error", code]


# (state, action, response) with the response derived by hand from MODEL.md.
STEP_CASES: list[tuple[str, Callable[[], dict[str, JSON]], JSON, JSON]] = [
    # Guest 1 (untrusted) runs.
    ("read mapped RW page", running_state, ["Read", 10], "Ok"),
    ("read unmapped va", running_state, ["Read", 12], err("Invalid_vadd")),
    ("read window va", running_state, ["Read", 100], err("No_access_va_os")),
    ("read a page table", running_state, ["Read", 11], err("Wrong_page_type")),
    ("write a page table", running_state, ["Write", 11, 3], err("Wrong_page_type")),
    ("read_hyper while a guest runs", running_state, ["Read_hyper", 100], err("Wrong_os_activity")),
    ("switch while a guest runs", running_state, ["Switch", 0], err("Wrong_os_activity")),
    ("chmod while a guest runs", running_state, "Chmod", err("Wrong_os_activity")),
    ("new on unknown guest", running_state, ["New", 5, 10, 1], err("Unknown_os")),
    ("new for untrusted guest while it runs", running_state, ["New", 1, 10, 1],
     err("Wrong_os_activity")),
    ("trusted guest acts while another runs", running_state, ["New", 0, 10, 1],
     err("Not_active_os")),
    ("silent", running_state, "Silent", "Ok"),
    # The hypervisor runs for guest 1; nothing pending.
    ("read while hypervisor runs", waiting_state, ["Read", 10], err("Wrong_os_activity")),
    ("read_hyper accessible va", waiting_state, ["Read_hyper", 10], err("No_access_va_hyp")),
    ("read_hyper unmapped window va", waiting_state, ["Read_hyper", 102], err("Invalid_vadd")),
    ("read_hyper Other page", waiting_state, ["Read_hyper", 101], err("Wrong_page_type")),
    ("write_hyper Other page", waiting_state, ["Write_hyper", 101, 1], err("Wrong_page_type")),
    ("read_hyper RW page", waiting_state, ["Read_hyper", 100], "Ok"),
    ("hcall while hypervisor runs", waiting_state, ["Hcall", ["HC_del", 10]],
     err("Wrong_os_activity")),
    ("ret_ctrl while hypervisor runs", waiting_state, "Ret_ctrl", err("Wrong_os_activity")),
    ("del without hypercall", waiting_state, ["Del", 1, 10], err("Wrong_hcall")),
    ("switch to unknown guest", waiting_state, ["Switch", 7], err("Unknown_os")),
    ("trusted guest acts while hypervisor runs", waiting_state, ["New", 0, 10, 1],
     err("Wrong_os_activity")),
    # Guest 1 has a pending hypercall.
    ("chmod with pending hypercall", lambda: pending_state(["HC_del", 10]), "Chmod",
     err("Pending_hcall")),
    ("del other va than requested", lambda: pending_state(["HC_del", 10]), ["Del", 1, 11],
     err("Wrong_hcall")),
    ("del unmapped va", lambda: pending_state(["HC_del", 12]), ["Del", 1, 12], err("Invalid_vadd")),
    ("del window va", lambda: pending_state(["HC_del", 100]), ["Del", 1, 100],
     err("No_access_va_os")),
    ("new unknown physical page", lambda: pending_state(["HC_new", 10, 5]), ["New", 1, 10, 5],
     err("Invalid_padd")),
    ("new onto a page table", lambda: pending_state(["HC_new", 10, 0]), ["New", 1, 10, 0],
     err("Wrong_page_type")),
    ("lswitch to an RW page", lambda: pending_state(["HC_lswitch", 1]), ["Lswitch", 1, 1],
     err("Wrong_page_type")),
    ("unpin the current page table", lambda: pending_state(["HC_unpin", 0]), ["Page_unpin", 1, 0],
     err("Page_in_use")),
    ("unpin a mapped page", lambda: pending_state(["HC_unpin", 1]), ["Page_unpin", 1, 1],
     err("Page_in_use")),
    ("pin a used physical address", lambda: pending_state(["HC_pin", 1, "T_RW"]),
     ["Page_pin", 1, 1, "T_RW"], err("Padd_in_use")),
    ("pin with another page type than requested", lambda: pending_state(["HC_pin", 2, "T_RW"]),
     ["Page_pin", 1, 2, "T_PT"], err("Wrong_hcall")),
    ("pin without free memory", lambda: without_free_page(pending_state(["HC_pin", 2, "T_RW"])),
     ["Page_pin", 1, 2, "T_RW"], err("No_free_memory")),
    # Trusted guest 0 runs.
    ("hcall by a trusted guest", trusted_state, ["Hcall", ["HC_del", 10]], err("Trusted_os_hcall")),
    ("trusted new on window va", trusted_state, ["New", 0, 100, 1], err("No_access_va_os")),
    ("trusted new unknown physical page", trusted_state, ["New", 0, 10, 5], err("Invalid_padd")),
    ("trusted new onto a page table", trusted_state, ["New", 0, 10, 0], err("Wrong_page_type")),
    ("trusted lswitch unknown page", trusted_state, ["Lswitch", 0, 5], err("Invalid_padd")),
    ("trusted lswitch to an RW page", trusted_state, ["Lswitch", 0, 1], err("Wrong_page_type")),
    ("trusted pin a used address", trusted_state, ["Page_pin", 0, 0, "T_RW"], err("Padd_in_use")),
    ("trusted pin without free memory", lambda: without_free_page(trusted_state()),
     ["Page_pin", 0, 2, "T_RW"], err("No_free_memory")),
    ("trusted unpin current table", trusted_state, ["Page_unpin", 0, 0], err("Page_in_use")),
    ("trusted unpin a mapped page", trusted_state, ["Page_unpin", 0, 1], err("Page_in_use")),
    ("trusted unpin unknown page", trusted_state, ["Page_unpin", 0, 3], err("Invalid_padd")),
    ("trusted del unmapped va", trusted_state, ["Del", 0, 11], err("Invalid_vadd")),
    ("trusted del window va", trusted_state, ["Del", 0, 100], err("No_access_va_os")),
    ("pin for an unknown guest", trusted_state, ["Page_pin", 5, 0, "T_RW"], err("Unknown_os")),
    ("trusted read", trusted_state, ["Read", 10], "Ok"),
]

ALL_ERROR_CODES = {
    "Unknown_os", "Wrong_os_activity", "Not_active_os", "Wrong_hcall", "No_access_va_os",
    "Invalid_vadd", "Wrong_page_type", "No_access_va_hyp", "Trusted_os_hcall", "Invalid_padd",
    "Pending_hcall", "Padd_in_use", "No_free_memory", "Page_in_use",
}


def test_cases_cover_every_error_code() -> None:
    codes = {response[1] for _, _, _, response in STEP_CASES if response != "Ok"}
    assert codes == ALL_ERROR_CODES


@pytest.mark.parametrize(
    "make_state, action, expected",
    [case[1:] for case in STEP_CASES],
    ids=[case[0] for case in STEP_CASES],
)
def test_step_response(driver: Driver, make_state: Callable[[], dict[str, JSON]],
                       action: JSON, expected: JSON) -> None:
    state = make_state()
    answer = driver.run(CONTEXT, state, [action], states=True)
    assert answer["responses"] == [expected]
    assert answer["states"] == [answer["final_state"]]
    if expected != "Ok":
        assert answer["final_state"] == state  # errors leave the state unchanged
    pre = driver.pre(CONTEXT, state, action)
    assert pre == {"id": pre["id"], "ok": True, "pre": expected == "Ok",
                   "pre_error": None if expected == "Ok" else expected[1]}


def run_one(driver: Driver, state: dict[str, JSON], action: JSON) -> dict[str, JSON]:
    """The state after `action`, which must succeed."""
    answer = driver.run(CONTEXT, state, [action])
    assert answer["responses"] == ["Ok"]
    return answer["final_state"]


def set_mem(state: dict[str, JSON], ma: int, pg: dict[str, JSON]) -> dict[str, JSON]:
    """`state` with machine page `ma` replaced or added, keys in ascending order
    as the driver answers (docs/protocol.md)."""
    out = copy.deepcopy(state)
    out["mem"] = sorted([e for e in out["mem"] if e[0] != ma] + [[ma, pg]], key=lambda e: e[0])
    return out


def set_hyp(state: dict[str, JSON], guest: int, pm: list[list[int]]) -> dict[str, JSON]:
    out = copy.deepcopy(state)
    for entry in out["hyp"]:
        if entry[0] == guest:
            entry[1] = pm
    return out


def guest1_table(mappings: list[list[int]]) -> dict[str, JSON]:
    return page(["PT", mappings], ["Os", 1])


def test_write_sets_the_mapped_page(driver: Driver) -> None:
    after = run_one(driver, running_state(), ["Write", 10, 42])
    assert after == set_mem(running_state(), 1, page(["RW", 42], ["Os", 1]))


def test_write_hyper_sets_the_hypervisor_page(driver: Driver) -> None:
    after = run_one(driver, waiting_state(), ["Write_hyper", 100, 9])
    assert after == set_mem(waiting_state(), 3, page(["RW", 9], "Hyp"))


def test_read_changes_nothing(driver: Driver) -> None:
    assert run_one(driver, running_state(), ["Read", 10]) == running_state()
    assert run_one(driver, waiting_state(), ["Read_hyper", 100]) == waiting_state()


def test_hcall_records_the_call_and_hands_over(driver: Driver) -> None:
    after = run_one(driver, running_state(), ["Hcall", ["HC_del", 10]])
    assert after == pending_state(["HC_del", 10])


def test_ret_ctrl_and_chmod_move_control(driver: Driver) -> None:
    assert run_one(driver, running_state(), "Ret_ctrl") == waiting_state()
    assert run_one(driver, waiting_state(), "Chmod") == running_state()
    # A trusted guest gets the CPU back in supervisor mode.
    waiting_for_0 = with_control(running_state(), 0, "Svc", "Waiting")
    assert run_one(driver, waiting_for_0, "Chmod") == trusted_state()


def test_switch_changes_only_the_active_guest(driver: Driver) -> None:
    after = run_one(driver, waiting_state(), ["Switch", 0])
    assert after == with_control(running_state(), 0, "Svc", "Waiting")


def test_new_adds_a_mapping_and_serves_the_call(driver: Driver) -> None:
    after = run_one(driver, pending_state(["HC_new", 12, 1]), ["New", 1, 12, 1])
    expected = set_mem(waiting_state(), 0,
                       guest1_table([[10, 1], [11, 0], [12, 1], [100, 3], [101, 6]]))
    assert after == expected


def test_new_replaces_a_mapping(driver: Driver) -> None:
    after = run_one(driver, pending_state(["HC_new", 11, 1]), ["New", 1, 11, 1])
    expected = set_mem(waiting_state(), 0, guest1_table([[10, 1], [11, 1], [100, 3], [101, 6]]))
    assert after == expected


def test_trusted_new_edits_its_own_table(driver: Driver) -> None:
    after = run_one(driver, trusted_state(), ["New", 0, 11, 1])
    assert after == set_mem(trusted_state(), 2, page(["PT", [[10, 7], [11, 7]]], ["Os", 0]))


def test_del_removes_a_mapping_and_serves_the_call(driver: Driver) -> None:
    after = run_one(driver, pending_state(["HC_del", 10]), ["Del", 1, 10])
    assert after == set_mem(waiting_state(), 0, guest1_table([[11, 0], [100, 3], [101, 6]]))


def test_page_pin_takes_the_least_free_page(driver: Driver) -> None:
    # Free pages 9 and 5 (listed in that order) instead of 4: the least is 5.
    state = pending_state(["HC_pin", 2, "T_PT"])
    state["mem"] = [entry for entry in state["mem"] if entry[0] != 4]
    state["mem"] += [[9, page("Other", "No_Owner")], [5, page("Other", "No_Owner")]]
    after = run_one(driver, state, ["Page_pin", 1, 2, "T_PT"])
    expected = set_mem(with_hcall(state, 1, None), 5, page(["PT", []], ["Os", 1]))
    expected = set_hyp(expected, 1, [[0, 0], [1, 1], [2, 5]])
    assert after == expected


def test_trusted_page_pin(driver: Driver) -> None:
    after = run_one(driver, trusted_state(), ["Page_pin", 0, 2, "T_RW"])
    expected = set_hyp(set_mem(trusted_state(), 4, page(["RW", None], ["Os", 0])),
                       0, [[0, 2], [1, 7], [2, 4]])
    assert after == expected


def test_page_unpin_scrubs_and_frees(driver: Driver) -> None:
    # Guest 1 also holds physical page 2 = machine page 4, mapped by no table.
    holding = set_hyp(set_mem(running_state(), 4, page(["RW", 8], ["Os", 1])),
                      1, [[0, 0], [1, 1], [2, 4]])
    state = with_hcall(with_control(holding, 1, "Svc", "Waiting"), 1, ["HC_unpin", 2])
    after = run_one(driver, state, ["Page_unpin", 1, 2])
    assert after == waiting_state()


def test_lswitch_changes_the_current_table(driver: Driver) -> None:
    holding = set_hyp(set_mem(running_state(), 4, guest1_table([])), 1, [[0, 0], [1, 1], [2, 4]])
    state = with_hcall(with_control(holding, 1, "Svc", "Waiting"), 1, ["HC_lswitch", 2])
    after = run_one(driver, state, ["Lswitch", 1, 2])
    expected = with_control(holding, 1, "Svc", "Waiting")
    lookup(expected["oss"], 1)["curr_page"] = 2
    assert after == expected


def test_sample_runs_every_action_successfully(driver: Driver) -> None:
    actions = load_example("sample_actions.json")
    answer = driver.run(load_example("sample_context.json"), load_example("sample_state.json"),
                        actions)
    assert answer["responses"] == ["Ok"] * len(actions)
    names = {a if isinstance(a, str) else a[0] for a in actions}
    assert len(names) == 14
    # Worked out by hand: guest 2 runs; guest 1 switched to its new table at
    # physical page 3 (machine page 4, the least free page after the unpin).
    assert answer["final_state"] == {
        "active_os": 2, "exec_mode": "Usr", "activity": "Running",
        "oss": [[1, {"curr_page": 3, "hcall": None}], [2, {"curr_page": 0, "hcall": None}]],
        "hyp": [[1, [[0, 0], [1, 1], [3, 4]]], [2, [[0, 2]]]],
        "mem": [[0, page(["PT", [[10, 1], [100, 3]]], ["Os", 1])],
                [1, page(["RW", 42], ["Os", 1])],
                [2, page(["PT", []], ["Os", 2])],
                [3, page(["RW", 9], "Hyp")],
                [4, page(["PT", []], ["Os", 1])],
                [5, page("Other", "No_Owner")]],
    }


def test_run_returns_every_intermediate_state(driver: Driver) -> None:
    actions = [["Write", 10, 1], ["Read", 99], "Ret_ctrl"]
    answer = driver.run(CONTEXT, running_state(), actions, states=True)
    assert answer["responses"] == ["Ok", err("Invalid_vadd"), "Ok"]
    written = set_mem(running_state(), 1, page(["RW", 1], ["Os", 1]))
    assert answer["states"] == [written, written, with_control(written, 1, "Svc", "Waiting")]
    assert answer["final_state"] == answer["states"][-1]
    assert "states" not in driver.run(CONTEXT, running_state(), actions)


def test_empty_run_returns_the_initial_state(driver: Driver) -> None:
    answer = driver.run(CONTEXT, running_state(), [], states=True)
    assert answer["responses"] == [] and answer["states"] == []
    assert answer["final_state"] == running_state()


# One state per valid_state property that violates it (and no earlier one).
def _violations() -> list[tuple[str, int, dict[str, JSON]]]:
    extra_page = set_mem(running_state(), 8, page(["RW", None], ["Os", 1]))
    return [
        ("Trusted_no_hcall", 1, with_hcall(running_state(), 0, ["HC_del", 10])),
        ("Running_no_hcall", 2, with_hcall(running_state(), 1, ["HC_del", 10])),
        ("Svc_when_privileged", 3, with_control(running_state(), 1, "Usr", "Waiting")),
        ("Svc_when_privileged", 3, with_control(running_state(), 0, "Usr", "Running")),
        ("Usr_when_untrusted", 4, with_control(running_state(), 1, "Svc", "Running")),
        ("Hyp_maps_owned", 5, set_hyp(running_state(), 1, [[0, 0], [1, 1], [2, 4]])),
        ("Hyp_maps_owned", 5, set_hyp(running_state(), 1, [[0, 0], [1, 1], [2, 1]])),
        ("Page_tables_owned", 6,
         set_mem(running_state(), 0, guest1_table([[10, 1], [11, 0], [100, 3], [12, 7]]))),
        ("Page_tables_owned", 6,
         set_mem(running_state(), 0, guest1_table([[10, 1], [11, 0], [102, 1]]))),
        ("Os_tables_exist", 7, with_control(running_state(), 9, "Usr", "Running")),
        ("Os_tables_exist", 7, {**running_state(), "hyp": running_state()["hyp"] + [[2, []]]}),
        ("Accessible_mappings_physical", 8,
         set_mem(extra_page, 0, guest1_table([[10, 1], [11, 0], [12, 8]]))),
    ]


VIOLATIONS = _violations()


@pytest.mark.parametrize("prop, number, state", VIOLATIONS,
                         ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(VIOLATIONS)])
def test_invalid_state_names_the_property(driver: Driver, prop: str, number: int,
                                          state: dict[str, JSON]) -> None:
    assert driver.valid(CONTEXT, state) | {"id": 0} == {
        "id": 0, "ok": True, "valid": False, "first_invalid": prop, "number": number}
    for call in (lambda: driver.run(CONTEXT, state, ["Silent"]),
                 lambda: driver.pre(CONTEXT, state, "Silent")):
        with pytest.raises(DriverRequestError) as info:
            call()
        error = info.value.error
        assert (error["kind"], error["property"], error["number"], error["path"]) == (
            "invalid_state", prop, number, "$.state")
        assert f"property {number}" in error["message"] and prop in error["message"]


@pytest.mark.parametrize("make_state", [running_state, waiting_state, trusted_state,
                                        lambda: pending_state(["HC_pin", 2, "T_RW"])])
def test_hand_written_states_are_valid(driver: Driver,
                                       make_state: Callable[[], dict[str, JSON]]) -> None:
    answer = driver.valid(CONTEXT, make_state())
    assert (answer["valid"], answer["first_invalid"], answer["number"]) == (True, None, None)
