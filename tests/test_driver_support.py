"""Shared fixtures and hand-written states for the driver tests (no tests here).

Every state below is written by hand from MODEL.md, and so is every expected
answer in the tests that use them.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from pyspec.driver import Driver

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

JSON = Any

# Window 100-102 is the hypervisor's; guest 0 is trusted, guest 1 is not.
CONTEXT: dict[str, JSON] = {"hyp_window": [100, 101, 102], "trusted_oss": [0]}


def page(content: JSON, owner: JSON) -> dict[str, JSON]:
    return {"content": content, "owner": owner}


def running_state() -> dict[str, JSON]:
    """Untrusted guest 1 runs. Its page table (machine page 0) maps 10 to its RW
    page 1, 11 to its own page table, 100 to the hypervisor's RW page 3 and 101 to
    the hypervisor's Other page 6. Trusted guest 0's table (page 2) maps 10 to its
    RW page 7 (its physical page 1). Page 4 is the only free page."""
    return {
        "active_os": 1,
        "exec_mode": "Usr",
        "activity": "Running",
        "oss": [[0, {"curr_page": 0, "hcall": None}], [1, {"curr_page": 0, "hcall": None}]],
        "hyp": [[0, [[0, 2], [1, 7]]], [1, [[0, 0], [1, 1]]]],
        "mem": [
            [0, page(["PT", [[10, 1], [11, 0], [100, 3], [101, 6]]], ["Os", 1])],
            [1, page(["RW", 7], ["Os", 1])],
            [2, page(["PT", [[10, 7]]], ["Os", 0])],
            [3, page(["RW", None], "Hyp")],
            [4, page("Other", "No_Owner")],
            [6, page("Other", "Hyp")],
            [7, page(["RW", 5], ["Os", 0])],
        ],
    }


def with_control(state: dict[str, JSON], active: int, mode: str, activity: str) -> dict[str, JSON]:
    out = copy.deepcopy(state)
    out.update(active_os=active, exec_mode=mode, activity=activity)
    return out


def waiting_state() -> dict[str, JSON]:
    """The hypervisor runs on behalf of guest 1; nothing is pending."""
    return with_control(running_state(), 1, "Svc", "Waiting")


def trusted_state() -> dict[str, JSON]:
    """Trusted guest 0 runs (in supervisor mode)."""
    return with_control(running_state(), 0, "Svc", "Running")


def with_hcall(state: dict[str, JSON], guest: int, hcall: JSON) -> dict[str, JSON]:
    out = copy.deepcopy(state)
    for key, info in out["oss"]:
        if key == guest:
            info["hcall"] = hcall
    return out


def pending_state(hcall: JSON) -> dict[str, JSON]:
    """Guest 1 has made hypercall `hcall`; the hypervisor runs."""
    return with_hcall(waiting_state(), 1, hcall)


def lookup(pairs: list[list[JSON]], key: int) -> JSON:
    """The value bound to `key` in a protocol map, or None."""
    return next((value for k, value in pairs if k == key), None)


def load_example(name: str) -> JSON:
    return json.loads((EXAMPLES / name).read_text())


@pytest.fixture(scope="session")
def driver_binary() -> Path:
    """extract/vcert-driver, built (incrementally) by `make driver`."""
    if shutil.which("ocamlfind") is None or shutil.which("ocamlopt") is None:
        pytest.skip("OCaml (ocamlfind, ocamlopt) is not installed, so extract/vcert-driver "
                    "cannot be built; run scripts/bootstrap.sh")
    build = subprocess.run(["make", "-s", "driver"], cwd=REPO, capture_output=True, text=True)
    if build.returncode != 0:
        pytest.fail(f"make driver failed:\n{build.stdout}\n{build.stderr}")
    return REPO / "extract" / "vcert-driver"


@pytest.fixture
def driver(driver_binary: Path) -> Iterator[Driver]:
    with Driver(driver_binary, timeout=30) as d:
        yield d
