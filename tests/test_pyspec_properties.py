"""Properties of pyspec over generated valid states and actions (MODEL.md
sections 4-6): step agrees with pre, error_msg and post; valid_state is
preserved; read and write isolation; locally respects; step consistency."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings

from pyspec.builders import StateBuilder
from pyspec.generate import Bias, Scope, generate_state, next_action
from pyspec.strategies import states, states_with_actions
from pyspec.model import (
    CHMOD, HYP, PT, RW, Context, Del, Error, ErrorCode, HC_unpin, IntMap, Ok, Os,
    OsActivity, OsIdent, Page, Page_unpin, Read, Read_hyper, Result, State, Switch, Write,
)
from pyspec.semantics import (
    error_msg, first_invalid, locally_respects, os_action, os_equivalent, os_view, post,
    pre, read_isolation, step, step_consistency, valid_state, view_determined,
    write_isolation,
)

SCOPES = [Scope(guests=2, pages=8, vadds=6, padds=8, window=2),
          Scope(guests=3, pages=14, vadds=8, padds=10, window=2, trusted=1),
          Scope(guests=4, pages=20, vadds=10, padds=12, window=3, hcall_rate=0.8)]


def runs(seeds: range, length: int, error_share: float):
    """(ctx, s, a) along reproducible generated runs over the three scopes."""
    bias = Bias(error_share=error_share)
    for seed in seeds:
        rng = random.Random(seed)
        scope = SCOPES[seed % len(SCOPES)]
        ctx, s = generate_state(rng, scope)
        for _ in range(length):
            a = next_action(rng, scope, ctx, s, bias)
            yield ctx, s, a
            s = step(ctx, s, a).result_state


def test_generated_states_are_valid_and_reproducible():
    for seed in range(300):
        ctx, s = generate_state(random.Random(seed), SCOPES[seed % 3])
        assert valid_state(ctx, s) == []
        assert generate_state(random.Random(seed), SCOPES[seed % 3]) == (ctx, s)


def test_generated_states_cover_the_interesting_shapes():
    seen: set[str] = set()
    for seed in range(200):
        ctx, s = generate_state(random.Random(seed), SCOPES[seed % 3])
        seen |= {"trusted"} if ctx.trusted_oss else set()
        seen |= {"untrusted"} if set(s.oss) - set(ctx.trusted_oss) else set()
        seen |= {"pending"} if any(i.hcall for i in s.oss.values()) else set()
        seen |= {s.activity.value}
        seen |= {"free"} if any(p.owner.TAG == "No_Owner" for p in s.mem.values()) else set()
        seen |= {"hyp"} if any(p.owner.TAG == "Hyp" for p in s.mem.values()) else set()
        pinned = {ma for pm in s.hyp.values() for ma in pm.values()}
        owned = {ma for ma, p in s.mem.items() if isinstance(p.owner, Os)}
        seen |= {"orphan"} if owned - pinned else set()
        tables = [p.owner for p in s.mem.values() if isinstance(p.content, PT)]
        seen |= {"several tables"} if len(tables) > len(set(tables)) else set()
        for page in s.mem.values():
            if isinstance(page.content, PT):
                window = [va for va in page.content.m if not ctx.accessible(va)]
                seen |= {"window mapped"} if window else set()
    assert seen == {"trusted", "untrusted", "pending", "Running", "Waiting", "free", "hyp",
                    "several tables", "window mapped", "orphan"}


def test_generated_actions_often_pass_their_precondition():
    # Not most: the generator draws the refusing side of some preconditions on
    # purpose (Chmod with a hypercall pending, ...; docs/difftest.md).
    outcomes = [pre(ctx, s, a) is None for ctx, s, a in runs(range(40), 25, 0.1)]
    assert sum(outcomes) / len(outcomes) > 0.4
    kinds = {type(a).__name__ for _, _, a in runs(range(40), 25, 0.1)}
    assert len(kinds) == 14


def test_step_agrees_with_pre_error_msg_and_post_and_preserves_validity():
    for ctx, s, a in runs(range(120), 30, 0.3):
        r = step(ctx, s, a)
        code = pre(ctx, s, a)
        if code is None:
            assert r.response == Ok()
            verdict = post(ctx, s, a, r.result_state)
            assert verdict, verdict.reasons
            assert error_msg(ctx, s, a) == frozenset()
        else:
            assert r.response == Error(code)
            assert r.result_state is s
            assert code in error_msg(ctx, s, a)
        assert first_invalid(ctx, r.result_state) is None, (a, valid_state(ctx, r.result_state))


def test_isolation_checks_hold_along_runs():
    for ctx, s, a in runs(range(100, 180), 30, 0.3):
        r = step(ctx, s, a)
        assert read_isolation(ctx, s, a, r)
        assert write_isolation(ctx, s, a, r)
        for o in s.oss:
            assert locally_respects(ctx, o, s, a, r)


@settings(max_examples=80, deadline=None)
@given(states_with_actions(SCOPES[1], length=4, error_share=0.2))
def test_unwinding_on_hypothesis_runs(case):
    ctx, s, actions = case
    for a in actions:
        r = step(ctx, s, a)
        for o in s.oss:
            assert locally_respects(ctx, o, s, a, r)
            if not os_action(ctx, s, a, o):
                assert os_equivalent(ctx, o, s, r.result_state)
        s = r.result_state


def _relabel_machine_pages(s: State, shift: int) -> State:
    """The same state with every machine address moved by ``shift``: no guest can
    tell (they observe physical addresses only)."""
    def move_page(page: Page) -> Page:
        if isinstance(page.content, PT):
            return Page(PT(IntMap({va: ma + shift for va, ma in page.content.m.items()})),
                        page.owner)
        return page
    return replace(s,
                   hyp=IntMap({o: IntMap({pa: ma + shift for pa, ma in pm.items()})
                               for o, pm in s.hyp.items()}),
                   mem=IntMap({ma + shift: move_page(p) for ma, p in s.mem.items()}))


@settings(max_examples=40, deadline=None)
@given(states_with_actions(SCOPES[2], length=3, error_share=0.2))
def test_step_consistency_between_relabelled_states(case):
    ctx, s1, actions = case
    s2 = _relabel_machine_pages(s1, 1000)
    assert valid_state(ctx, s2) == []
    for a in actions:
        for o in s1.oss:
            assert os_equivalent(ctx, o, s1, s2)
            assert step_consistency(ctx, o, s1, s2, a)
        s1, s2 = step(ctx, s1, a).result_state, step(ctx, s2, a).result_state


def _scramble_others(s: State, o: OsIdent) -> State:
    """``s`` with every value that guest ``o`` cannot see changed: the contents
    of other guests' and the hypervisor's read/write pages."""
    def scramble(page: Page) -> Page:
        if isinstance(page.content, RW) and page.owner != Os(o):
            return Page(RW((page.content.v or 0) + 1), page.owner)
        return page
    return replace(s, mem=IntMap({ma: scramble(p) for ma, p in s.mem.items()}))


@settings(max_examples=40, deadline=None)
@given(states_with_actions(SCOPES[1], length=4, error_share=0.2))
def test_step_consistency_when_other_guests_differ(case):
    ctx, s, actions = case
    o = s.active_os
    s1, s2 = s, _scramble_others(s, o)
    for a in actions:
        assert os_equivalent(ctx, o, s1, s2)
        assert step_consistency(ctx, o, s1, s2, a)
        r1, r2 = step(ctx, s1, a), step(ctx, s2, a)
        if os_action(ctx, s1, a, o):
            assert r1.response == r2.response
        s1, s2 = r1.result_state, r2.result_state


def test_view_depends_on_physical_not_machine_addresses():
    ctx, s = generate_state(random.Random(3), SCOPES[1])
    moved = _relabel_machine_pages(s, 50)
    assert s != moved
    for o in s.oss:
        assert os_view(ctx, o, s) == os_view(ctx, o, moved)


def _two_guests():
    return (StateBuilder()
            .guest(1).page_table(1, pa=0, ma=0, maps={10: 1}).rw_page(1, pa=1, ma=1, value=7)
            .guest(2).page_table(2, pa=0, ma=2, maps={10: 3}).rw_page(2, pa=1, ma=3, value=8)
            .active(1))


def test_views_see_own_values_and_not_others():
    ctx, s = _two_guests().build()
    changed_other = replace(s, mem=s.mem.set(3, Page(RW(99), Os(2))))
    changed_own = replace(s, mem=s.mem.set(1, Page(RW(99), Os(1))))
    assert os_equivalent(ctx, 1, s, changed_other)
    assert not os_equivalent(ctx, 1, s, changed_own)
    assert not os_equivalent(ctx, 2, s, changed_other)
    switched = replace(s, active_os=2)
    assert not os_equivalent(ctx, 1, s, switched) and not os_equivalent(ctx, 2, s, switched)


def test_isolation_checkers_report_violations_on_a_leaky_state():
    # Invalid on purpose: guest 1's table reaches guest 2's page (property 6 fails).
    ctx, s = (_two_guests().page(0, PT(IntMap({10: 1, 11: 3})), Os(1))
              .build(check=False))
    leak_read = Result(Ok(), s)
    verdict = read_isolation(ctx, s, Read(11), leak_read)
    assert not verdict and "owned by Os(o=2)" in verdict.reason
    written = replace(s, mem=s.mem.set(3, Page(RW(0), Os(2))))
    verdict = write_isolation(ctx, s, Write(11, 0), Result(Ok(), written))
    assert not verdict and "machine page 3" in verdict.reason
    verdict = locally_respects(ctx, 2, s, Write(11, 0), Result(Ok(), written))
    assert not verdict


def test_os_action_classification():
    ctx, s = _two_guests().build()
    assert os_action(ctx, s, Read(10), 1) and not os_action(ctx, s, Read(10), 2)
    waiting = replace(s, activity=OsActivity.Waiting)
    assert os_action(ctx, waiting, Switch(2), 2) and os_action(ctx, waiting, Switch(2), 1)
    assert os_action(ctx, waiting, CHMOD, 1) and not os_action(ctx, waiting, CHMOD, 2)
    assert os_action(ctx, waiting, Del(2, 10), 2) and not os_action(ctx, waiting, Del(2, 10), 1)
    assert not os_action(ctx, s, Del(1, 10), 1)   # untrusted guests cannot do it themselves


@settings(max_examples=30, deadline=None)
@given(states(SCOPES[0]))
def test_hypothesis_states_are_valid(case):
    ctx, s = case
    assert valid_state(ctx, s) == []


def _cx_state(hcall, table: dict[int, int], extra: dict[int, Page]) -> State:
    """coq/IsolationCounterexamples.v's cx_state: untrusted guest 0, window {9}."""
    b = (StateBuilder(hyp_window=[9]).guest(0, hcall=hcall)
         .page_table(0, pa=0, ma=10, maps=table).rw_page(0, pa=1, ma=11, value=5).waiting(0))
    for ma, page in extra.items():
        b.page(ma, page.content, page.owner)
    return b.build()[1]


def test_responses_may_differ_outside_the_view_as_coq_counterexamples_show():
    ctx = Context((9,), ())
    hyper = {20: Page(RW(7), HYP)}
    s1, s2 = _cx_state(None, {1: 11, 9: 20}, hyper), _cx_state(None, {1: 11}, hyper)
    orphan = {40: Page(PT(IntMap({1: 11})), Os(0))}
    u1, u2 = _cx_state(HC_unpin(1), {}, {}), _cx_state(HC_unpin(1), {}, orphan)
    for (a, t1, t2, code) in [(Read_hyper(9), s1, s2, ErrorCode.Invalid_vadd),
                              (Page_unpin(0, 1), u1, u2, ErrorCode.Page_in_use)]:
        assert os_equivalent(ctx, 0, t1, t2) and not view_determined(a)
        assert os_action(ctx, t1, a, 0) and os_action(ctx, t2, a, 0)
        assert step(ctx, t1, a).response == Ok()
        assert step(ctx, t2, a).response == Error(code)
        assert step_consistency(ctx, 0, t1, t2, a)


def test_impossible_scopes_are_rejected_clearly():
    for bad, message in [(dict(guests=0), "at least one guest"),
                         (dict(guests=4, pages=3), "pages >= guests"),
                         (dict(vadds=2, window=3), "window"),
                         (dict(guests=2, trusted=3), "trusted")]:
        with pytest.raises(ValueError, match=message):
            Scope(**bad)
