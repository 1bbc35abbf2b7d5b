"""Coverage of a campaign, as groups of obligations, each met or not:

* `cells`: action x response, restricted to what `step` can produce;
* `hcall_kinds`: hypercall kinds issued successfully;
* `close_calls`: valid_state properties close to failing.  A property counts
  at a refused step when applying the action's effect anyway (skipping the
  precondition) would have broken it: the check that refused the step is
  what kept the state valid;
* `decisions`: MC/DC of the specification's decisions (`decisions.py`);
* `shapes`: state shapes that make bugs show (`shapes.py`).

An obligation no run can meet is listed in `UNREACHABLE` with the argument
(a Coq lemma or docs/difftest.md): it is not counted, nor reported missed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from .decisions import OBLIGATIONS
from .jstate import Json
from .shapes import SHAPES

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


GROUPS = ("cells", "hcall_kinds", "close_calls", "decisions", "shapes")

# Obligations no run from a generated state can meet, with the argument.
UNREACHABLE: dict[str, dict[str, str]] = {
    "cells": {},
    "hcall_kinds": {},
    "close_calls": {
        "Hyp_maps_owned": "docs/difftest.md, Outputs and coverage: no effect gives a page "
                          "to a guest without mapping it, or frees one still mapped",
    },
    "decisions": {
        f"{a}/trusted/known_os/F": "docs/difftest.md, Coverage obligations: the other "
                                   "conditions include active_os = o, and Os_tables_exist "
                                   "says the active guest is known"
        for a in ("New", "Del", "Lswitch", "Page_pin", "Page_unpin")},
    "shapes": {},
}


def universe(group: str) -> tuple[str, ...]:
    """Every obligation of `group`, reachable or not."""
    if group == "cells":
        return tuple(f"{a}/{r}" for a, r in possible_cells())
    return {"hcall_kinds": HCALL_KINDS, "close_calls": VS_PROPERTIES,
            "decisions": OBLIGATIONS, "shapes": SHAPES}[group]


def obligations(group: str) -> tuple[str, ...]:
    """The obligations of `group` a run can meet."""
    gone = UNREACHABLE[group]
    return tuple(name for name in universe(group) if name not in gone)


@dataclass
class Coverage:
    cells: Counter = field(default_factory=Counter)          # (action, response) -> count
    hcalls: Counter = field(default_factory=Counter)         # hcall kind -> Ok Hcall count
    close_calls: Counter = field(default_factory=Counter)    # vs property -> count
    decisions: Counter = field(default_factory=Counter)      # MC/DC obligation -> count
    shapes: Counter = field(default_factory=Counter)         # state shape -> count

    def record(self, action: Json, response: Json) -> None:
        name = action_name(action)
        self.cells[(name, response_name(response))] += 1
        if name == "Hcall" and response == "Ok":
            self.hcalls[action[1][0]] += 1

    def record_close_call(self, prop: str) -> None:
        self.close_calls[prop] += 1

    def record_decisions(self, names: tuple[str, ...]) -> None:
        self.decisions.update(names)

    def record_shapes(self, names: list[str]) -> None:
        self.shapes.update(names)

    def merge(self, other: "Coverage") -> None:
        self.cells.update(other.cells)
        self.hcalls.update(other.hcalls)
        self.close_calls.update(other.close_calls)
        self.decisions.update(other.decisions)
        self.shapes.update(other.shapes)

    def counts(self, group: str) -> dict[str, int]:
        """Every reachable obligation of `group` with its count (0: never met)."""
        if group == "cells":
            return {name: self.cells[tuple(name.split("/", 1))] for name in obligations(group)}
        counter = {"hcall_kinds": self.hcalls, "close_calls": self.close_calls,
                   "decisions": self.decisions, "shapes": self.shapes}[group]
        return {name: counter[name] for name in obligations(group)}

    def raw(self) -> dict[str, Counter]:
        """Each group's counter (cells keyed by (action, response))."""
        return {"cells": self.cells, "hcall_kinds": self.hcalls,
                "close_calls": self.close_calls, "decisions": self.decisions,
                "shapes": self.shapes}

    def met(self) -> set[str]:
        """The reachable obligations met, as "group:name"."""
        return {f"{g}:{name}" for g in GROUPS for name, n in self.counts(g).items() if n}

    def covered(self) -> int:
        """How many reachable obligations, over every group, were met."""
        return sum(1 for g in GROUPS for n in self.counts(g).values() if n)

    def total(self) -> int:
        """How many reachable obligations there are, over every group."""
        return sum(len(obligations(g)) for g in GROUPS)

    def missed_cells(self) -> list[tuple[str, str]]:
        return [c for c in possible_cells() if self.cells[c] == 0]

    def missed(self) -> dict[str, list[str]]:
        """Per group, the reachable obligations never met."""
        return {g: [name for name, n in self.counts(g).items() if not n] for g in GROUPS}

    def to_json(self) -> dict:
        return {
            "cells": {f"{a}/{r}": n for (a, r), n in sorted(self.cells.items())},
            "hcall_kinds": dict(sorted(self.hcalls.items())),
            "close_calls": dict(sorted(self.close_calls.items())),
            "obligations": {g: self.counts(g) for g in GROUPS},
            "unreachable": {g: dict(UNREACHABLE[g]) for g in GROUPS if UNREACHABLE[g]},
            "covered": self.covered(),
            "total": self.total(),
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
        groups = data.get("obligations", {})
        cov.decisions.update({k: n for k, n in groups.get("decisions", {}).items() if n})
        cov.shapes.update({k: n for k, n in groups.get("shapes", {}).items() if n})
        return cov


@cache
def reachable() -> frozenset[str]:
    """Every obligation a run can meet, as "group:name"."""
    return frozenset(f"{g}:{name}" for g in GROUPS for name in obligations(g))


class FirstMet:
    """What each of a run of sequences met first, recording into one
    `Coverage`: call `step()` after each sequence.  It compares each
    counter's key count with the last call's and looks at the keys only of
    a counter that grew (counters never lose keys)."""

    def __init__(self, coverage: Coverage) -> None:
        self.coverage = coverage
        self._seen = {g: set(c) for g, c in coverage.raw().items()}

    def step(self) -> list[str]:
        """The obligations met since the last call, sorted."""
        new = []
        for g, counter in self.coverage.raw().items():
            seen = self._seen[g]
            if len(counter) == len(seen):
                continue
            for key in counter:
                if key not in seen:
                    seen.add(key)
                    new.append(f"{g}:{key[0]}/{key[1]}" if g == "cells" else f"{g}:{key}")
        return sorted(n for n in new if n in reachable())
