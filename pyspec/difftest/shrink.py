"""Shrinking a failing case to a small reproducer.

The shrinker only needs `fails(case) -> bool`.  It drops chunks of actions
(halving the chunk size down to single actions), simplifies each action's
arguments and the initial state, then drops single actions again until no
single removal still fails: the result is 1-minimal whenever the budget
(predicate calls and seconds) was not exhausted, and `ShrinkStats` says so.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from .jstate import Json, as_dict, owner_os


@dataclass(frozen=True)
class Case:
    context: Json
    state: Json
    actions: tuple


@dataclass
class ShrinkBudget:
    max_calls: int = 2000
    max_seconds: float = 20.0


@dataclass
class ShrinkStats:
    calls: int = 0
    steps: int = 0
    seconds: float = 0.0
    original_length: int = 0
    shrunk_length: int = 0
    one_minimal: bool = False
    exhausted: bool = False
    phases: list[str] = field(default_factory=list)


class _OutOfBudget(Exception):
    pass


class Shrinker:
    def __init__(self, fails: Callable[[Case], bool], budget: ShrinkBudget | None = None,
                 simplify_state: bool = True) -> None:
        self._fails = fails
        self._simplify_state_too = simplify_state
        self.budget = budget or ShrinkBudget()
        self.stats = ShrinkStats()
        self._start = 0.0
        self._best: Case | None = None

    def _try(self, case: Case) -> bool:
        if (self.stats.calls >= self.budget.max_calls
                or time.monotonic() - self._start > self.budget.max_seconds):
            self.stats.exhausted = True
            raise _OutOfBudget
        self.stats.calls += 1
        self.stats.steps += len(case.actions)
        if self._fails(case):
            self._best = case     # kept if the budget runs out mid-phase
            return True
        return False

    def shrink(self, case: Case) -> Case:
        self._start = time.monotonic()
        self.stats.original_length = len(case.actions)
        self._best = case
        try:
            current = self._drop_chunks(case)
            current = self._drop_singles(current)
            current = self._simplify_actions(current)
            if self._simplify_state_too:
                current = self._simplify_state(current)
            self._drop_singles(current)
            self.stats.one_minimal = True
        except _OutOfBudget:
            pass
        self.stats.seconds = round(time.monotonic() - self._start, 3)
        self.stats.shrunk_length = len(self._best.actions)
        return self._best

    def _drop_chunks(self, case: Case) -> Case:
        self.stats.phases.append("chunks")
        size = len(case.actions) // 2
        while size >= 2:
            i = 0
            while i < len(case.actions):
                cand = replace(case, actions=case.actions[:i] + case.actions[i + size:])
                if cand.actions != case.actions and self._try(cand):
                    case = cand
                else:
                    i += size
            size //= 2
        return case

    def _drop_singles(self, case: Case) -> Case:
        """Remove single actions until no single removal still fails."""
        self.stats.phases.append("singles")
        changed = True
        while changed:
            changed = False
            i = len(case.actions) - 1
            while i >= 0:
                cand = replace(case, actions=case.actions[:i] + case.actions[i + 1:])
                if self._try(cand):
                    case = cand
                    changed = True
                i -= 1
        return case

    def _simplify_actions(self, case: Case) -> Case:
        self.stats.phases.append("arguments")
        for i in range(len(case.actions)):
            progress = True
            while progress:     # keep simplifying this action while some variant fails
                progress = False
                for simpler in simpler_actions(case.actions[i]):
                    cand = replace(case, actions=case.actions[:i] + (simpler,) + case.actions[i + 1:])
                    if self._try(cand):
                        case, progress = cand, True
                        break
        return case

    def _simplify_state(self, case: Case) -> Case:
        self.stats.phases.append("state")
        progress = True
        while progress:
            progress = False
            for ctx, st in simpler_states(case.context, case.state):
                cand = replace(case, context=ctx, state=st)
                if self._try(cand):
                    case = cand
                    progress = True
                    break
        return case


def _smaller_ints(n: int) -> list[int]:
    return [m for m in dict.fromkeys((0, 1, n // 2, n - 1)) if 0 <= m < n]


def simpler_actions(action: Json) -> Iterator[Json]:
    """Variants of `action` with one numeric argument made smaller."""
    if not isinstance(action, list):
        return
    for pos, arg in enumerate(action):
        if isinstance(arg, int) and not isinstance(arg, bool):
            for m in _smaller_ints(arg):
                yield action[:pos] + [m] + action[pos + 1:]
        elif isinstance(arg, list):
            for sub in simpler_actions(arg):
                yield action[:pos] + [sub] + action[pos + 1:]
        elif arg == "T_PT":
            yield action[:pos] + ["T_RW"] + action[pos + 1:]


def simpler_states(ctx: Json, state: Json) -> Iterator[tuple[Json, Json]]:
    """Smaller contexts and states, largest cuts first.  Some are invalid;
    the failure predicate rejects those (an invalid input is not a failure)."""
    mem = as_dict(state["mem"])
    active = state["active_os"]
    for o, _ in state["oss"]:
        if o == active:
            continue
        s = copy.deepcopy(state)
        s["oss"] = [e for e in s["oss"] if e[0] != o]
        s["hyp"] = [e for e in s["hyp"] if e[0] != o]
        s["mem"] = [[ma, pg] if owner_os(pg) != o else [ma, {"content": "Other", "owner": "No_Owner"}]
                    for ma, pg in s["mem"]]
        yield ctx, s
    for ma, pg in mem.items():
        if pg["owner"] == "No_Owner":
            s = copy.deepcopy(state)
            s["mem"] = [e for e in s["mem"] if e[0] != ma]
            yield ctx, s
    for idx, (ma, pg) in enumerate(state["mem"]):
        c = pg["content"]
        if isinstance(c, list) and c[0] == "RW" and c[1] not in (None, 0):
            s = copy.deepcopy(state)
            s["mem"][idx][1]["content"] = ["RW", None]
            yield ctx, s
        if isinstance(c, list) and c[0] == "PT":
            for j in range(len(c[1])):
                s = copy.deepcopy(state)
                del s["mem"][idx][1]["content"][1][j]
                yield ctx, s
    for o, pm in state["hyp"]:
        for pa, _ in pm:
            s = copy.deepcopy(state)
            s["hyp"] = [[k, [e for e in v if e[0] != pa]] if k == o else [k, v] for k, v in s["hyp"]]
            yield ctx, s
    for o in ctx["trusted_oss"]:
        yield {**ctx, "trusted_oss": [t for t in ctx["trusted_oss"] if t != o]}, state
    for va in ctx["hyp_window"]:
        yield {**ctx, "hyp_window": [w for w in ctx["hyp_window"] if w != va]}, state
