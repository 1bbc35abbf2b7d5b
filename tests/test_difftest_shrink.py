"""The shrinker on abstract failure predicates (no oracle involved)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pyspec.difftest.shrink import Case, Shrinker, ShrinkBudget, simpler_actions

CTX = {"hyp_window": [], "trusted_oss": []}
STATE = {"active_os": 0, "exec_mode": "Svc", "activity": "Waiting", "oss": [], "hyp": [],
         "mem": []}


def case(actions: list) -> Case:
    return Case(CTX, STATE, tuple(actions))


def contains_in_order(needles: list[int]):
    def fails(c: Case) -> bool:
        it = iter(c.actions)
        return all(any(a == ["Switch", n] for a in it) for n in needles)
    return fails


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=40), st.lists(st.integers(0, 6),
                                                                        min_size=1, max_size=3))
def test_shrunk_case_still_fails_and_is_one_minimal(noise: list[int], needles: list[int]):
    actions = [["Switch", n] for n in noise]
    actions += [["Switch", n] for n in needles]      # so the predicate holds at the start
    fails = contains_in_order(needles)
    shrinker = Shrinker(fails)
    small = shrinker.shrink(case(actions))
    assert fails(small)
    assert shrinker.stats.one_minimal
    for i in range(len(small.actions)):
        assert not fails(case(list(small.actions[:i] + small.actions[i + 1:])))


def test_shrinking_reaches_the_smallest_failing_subsequence():
    actions = [["Switch", n % 5] for n in range(50)] + [["Switch", 9]]
    small = Shrinker(contains_in_order([9])).shrink(case(actions))
    assert list(small.actions) == [["Switch", 0]] or list(small.actions) == [["Switch", 9]]
    assert len(small.actions) == 1


def test_arguments_are_simplified_when_the_failure_allows():
    def fails(c: Case) -> bool:
        return any(isinstance(a, list) and a[0] == "Write" for a in c.actions)
    small = Shrinker(fails).shrink(case([["Read", 5], ["Write", 6, 3]]))
    assert list(small.actions) == [["Write", 0, 0]]


def test_budget_exhaustion_is_reported_and_the_best_case_kept():
    calls = []

    def fails(c: Case) -> bool:
        calls.append(1)
        return len(c.actions) >= 5
    shrinker = Shrinker(fails, ShrinkBudget(max_calls=3, max_seconds=60))
    small = shrinker.shrink(case([["Switch", n] for n in range(20)]))
    assert shrinker.stats.exhausted and not shrinker.stats.one_minimal
    assert len(calls) == 3
    assert 5 <= len(small.actions) < 20 and fails(small)


def test_simpler_actions_only_lower_numbers():
    variants = list(simpler_actions(["New", 3, 6, 2]))
    assert ["New", 0, 6, 2] in variants and ["New", 3, 0, 2] in variants
    for v in variants:
        assert v[0] == "New" and sum(v[1:]) < 11
    assert ["Hcall", ["HC_pin", 0, "T_RW"]] in list(simpler_actions(["Hcall", ["HC_pin", 0, "T_PT"]]))
