"""Coverage of a campaign: action x response, hypercall kinds, and the
valid_state properties that were close to failing.

A property counts as "close to failing" at a refused step when applying the
action's effect anyway (skipping the precondition) would have broken it: the
check that refused the step is what kept the state valid.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .jstate import Json

ACTION_NAMES = ("Read", "Write", "Read_hyper", "Write_hyper", "Hcall", "New", "Del",
                "Lswitch", "Switch", "Ret_ctrl", "Chmod", "Page_pin", "Page_unpin", "Silent")
ERROR_CODES = ("Unknown_os", "Wrong_os_activity", "Not_active_os", "Wrong_hcall",
               "No_access_va_os", "Invalid_vadd", "Wrong_page_type", "No_access_va_hyp",
               "Trusted_os_hcall", "Invalid_padd", "Pending_hcall", "Padd_in_use",
               "No_free_memory", "Page_in_use")
RESPONSES = ("Ok",) + ERROR_CODES
HCALL_KINDS = ("HC_new", "HC_del", "HC_lswitch", "HC_pin", "HC_unpin")
VS_PROPERTIES = ("Trusted_no_hcall", "Running_no_hcall", "Svc_when_privileged",
                 "Usr_when_untrusted", "Hyp_maps_owned", "Page_tables_owned",
                 "Os_tables_exist", "Accessible_mappings_physical")

# Cells no valid state can reach: the response is impossible for the action
# whatever the state (the executable specification never checks that code for it).
_CODES_OF: dict[str, tuple[str, ...]] = {
    "Read": ("Wrong_os_activity", "No_access_va_os", "Invalid_vadd", "Wrong_page_type"),
    "Write": ("Wrong_os_activity", "No_access_va_os", "Invalid_vadd", "Wrong_page_type"),
    "Read_hyper": ("Wrong_os_activity", "No_access_va_hyp", "Invalid_vadd", "Wrong_page_type"),
    "Write_hyper": ("Wrong_os_activity", "No_access_va_hyp", "Invalid_vadd", "Wrong_page_type"),
    "Hcall": ("Wrong_os_activity", "Trusted_os_hcall"),
    "New": ("Unknown_os", "Wrong_os_activity", "Not_active_os", "Wrong_hcall",
            "No_access_va_os", "Invalid_padd", "Wrong_page_type"),
    "Del": ("Unknown_os", "Wrong_os_activity", "Not_active_os", "Wrong_hcall",
            "No_access_va_os", "Invalid_vadd"),
    "Lswitch": ("Unknown_os", "Wrong_os_activity", "Not_active_os", "Wrong_hcall",
                "Invalid_padd", "Wrong_page_type"),
    "Switch": ("Wrong_os_activity", "Unknown_os"),
    "Ret_ctrl": ("Wrong_os_activity",),
    "Chmod": ("Wrong_os_activity", "Pending_hcall"),
    "Page_pin": ("Unknown_os", "Wrong_os_activity", "Not_active_os", "Wrong_hcall",
                 "Padd_in_use", "No_free_memory"),
    "Page_unpin": ("Unknown_os", "Wrong_os_activity", "Not_active_os", "Wrong_hcall",
                   "Invalid_padd", "Page_in_use"),
    "Silent": (),
}


def action_name(action: Json) -> str:
    return action if isinstance(action, str) else action[0]


def response_name(response: Json) -> str:
    return "Ok" if response == "Ok" else response[1]


def possible_cells() -> list[tuple[str, str]]:
    """The action x response cells the executable specification can produce."""
    return [(a, r) for a in ACTION_NAMES for r in ("Ok",) + _CODES_OF[a]]


@dataclass
class Coverage:
    cells: Counter = field(default_factory=Counter)          # (action, response) -> count
    hcalls: Counter = field(default_factory=Counter)         # hcall kind -> Ok Hcall count
    close_calls: Counter = field(default_factory=Counter)    # vs property -> count

    def record(self, action: Json, response: Json) -> None:
        name = action_name(action)
        self.cells[(name, response_name(response))] += 1
        if name == "Hcall" and response == "Ok":
            self.hcalls[action[1][0]] += 1

    def record_close_call(self, prop: str) -> None:
        self.close_calls[prop] += 1

    def merge(self, other: "Coverage") -> None:
        self.cells.update(other.cells)
        self.hcalls.update(other.hcalls)
        self.close_calls.update(other.close_calls)

    def missed_cells(self) -> list[tuple[str, str]]:
        return [c for c in possible_cells() if self.cells[c] == 0]

    def missed(self) -> dict[str, list[str]]:
        return {
            "cells": [f"{a}/{r}" for a, r in self.missed_cells()],
            "hcall_kinds": [h for h in HCALL_KINDS if self.hcalls[h] == 0],
            "close_calls": [p for p in VS_PROPERTIES if self.close_calls[p] == 0],
        }

    def to_json(self) -> dict:
        return {
            "cells": {f"{a}/{r}": n for (a, r), n in sorted(self.cells.items())},
            "hcall_kinds": dict(sorted(self.hcalls.items())),
            "close_calls": dict(sorted(self.close_calls.items())),
            "missed": self.missed(),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Coverage":
        cov = cls()
        for key, n in data.get("cells", {}).items():
            a, _, r = key.partition("/")
            cov.cells[(a, r)] = n
        cov.hcalls.update(data.get("hcall_kinds", {}))
        cov.close_calls.update(data.get("close_calls", {}))
        return cov
