"""Coverage obligations: MC/DC of the specification's decisions against pre and
error_msg, state shapes on hand-built states, the Coverage API, and the
engine recording both."""

from __future__ import annotations

import random

from pyspec.builders import StateBuilder
from pyspec.difftest.batch import make_sequence
from pyspec.difftest.coverage import GROUPS, UNREACHABLE, Coverage, obligations, universe
from pyspec.difftest.decisions import CONDITIONS, OBLIGATIONS, hits, path_of
from pyspec.difftest.engine import Engine
from pyspec.difftest.scope import Scope
from pyspec.difftest.shapes import SHAPES, shapes
from pyspec.generate import generate_state, next_action
from pyspec.model import (
    PT, HC_new, HC_pin, HC_unpin, IntMap, New, Os, Page_pin, Page_unpin, Ptype, Read,
)
from pyspec.semantics import error_msg, pre, step

# The error code of each condition (MODEL.md section 4), written out here
# independently of decisions.py.
CODE = {"known_os": "Unknown_os", "waiting": "Wrong_os_activity",
        "running": "Wrong_os_activity", "activity": "Wrong_os_activity",
        "active_os": "Not_active_os", "hcall_kind": "Wrong_hcall", "hcall_va": "Wrong_hcall",
        "hcall_pa": "Wrong_hcall", "hcall_t": "Wrong_hcall", "accessible": "No_access_va_os",
        "mapped": "Invalid_vadd", "rw_page": "Wrong_page_type", "pt_page": "Wrong_page_type",
        "padd": "Invalid_padd", "padd_unused": "Padd_in_use", "free_memory": "No_free_memory",
        "not_current": "Page_in_use", "not_mapped": "Page_in_use",
        "untrusted": "Trusted_os_hcall", "no_pending": "Pending_hcall"}


def steps(seeds: range, length: int):
    for seed in seeds:
        rng = random.Random(seed)
        ctx, s = generate_state(rng, Scope())
        for _ in range(length):
            a = next_action(rng, Scope(), ctx, s)
            r = step(ctx, s, a)
            yield ctx, s, a, r
            s = r.result_state


def test_decision_hits_agree_with_pre_and_error_msg():
    single_codes = 0
    for ctx, s, a, r in steps(range(150), 40):
        code = pre(ctx, s, a)
        met = hits(ctx, s, a, code is None)
        path = path_of(ctx, a)
        if code is None:
            assert set(met) == ({f"{path}/{c}/T" for c in CONDITIONS[path]} if path else set())
            continue
        for name in met:
            p, cond, value = name.rsplit("/", 2)
            assert p == path and value == "F"
            if cond == "side":
                assert code.name in ("No_access_va_os", "No_access_va_hyp")
            else:
                assert CODE[cond] == code.name, (name, code)
        # A step refused for one reason only meets one F obligation.
        if {c.name for c in error_msg(ctx, s, a)} == {code.name}:
            single_codes += 1
            assert len(met) == 1 or code.name in ("Wrong_hcall", "Page_in_use",
                                                   "Wrong_os_activity"), (a, code, met)
    assert single_codes > 500


def test_a_service_one_field_off_meets_that_field_only():
    ctx, s = (StateBuilder(hyp_window=[7]).guest(1, hcall=HC_new(2, 1))
              .page_table(1, pa=0, ma=0, maps={2: 1}).rw_page(1, pa=1, ma=1)
              .rw_page(1, pa=2, ma=2).guest(4).page_table(4, pa=0, ma=3)
              .free_page(5).waiting(1).build())
    assert hits(ctx, s, New(1, 3, 1), False) == ("New/untrusted/hcall_va/F",)
    assert hits(ctx, s, New(1, 2, 2), False) == ("New/untrusted/hcall_pa/F",)
    assert hits(ctx, s, New(1, 3, 2), False) == ()        # two conditions fail
    assert hits(ctx, s, New(1, 7, 1), False) == ()        # field and window both off
    assert hits(ctx, s, New(9, 2, 1), False) == ("New/untrusted/known_os/F",)
    assert hits(ctx, s, Page_pin(1, 5, Ptype.T_RW), False) == (
        "Page_pin/untrusted/hcall_kind/F",)
    assert hits(ctx, s, Read(2), False) == ("Read/activity/F",)
    pinned = (StateBuilder().guest(1, hcall=HC_pin(3, Ptype.T_PT)).page_table(1, pa=0, ma=0)
              .waiting(1).build())
    # No free page, everything else right: the memory condition alone decides.
    assert hits(*pinned, Page_pin(1, 3, Ptype.T_PT), False) == (
        "Page_pin/untrusted/free_memory/F",)
    assert hits(*pinned, Page_pin(1, 3, Ptype.T_RW), False) == ()   # both type and memory
    unpin = (StateBuilder().guest(1, hcall=HC_unpin(0)).page_table(1, pa=0, ma=0)
             .waiting(1).build())
    assert hits(*unpin, Page_unpin(1, 0), False) == ("Page_unpin/untrusted/not_current/F",)


def test_obligation_names_are_unique_and_follow_the_conditions():
    assert len(set(OBLIGATIONS)) == len(OBLIGATIONS) == 2 * sum(map(len, CONDITIONS.values()))
    assert "New/untrusted/hcall_va/F" in OBLIGATIONS and "Silent" not in CONDITIONS
    assert CONDITIONS["Page_pin/untrusted"] == ("known_os", "waiting", "hcall_kind", "hcall_pa",
                                                "hcall_t", "padd_unused", "free_memory")


def test_shapes_of_hand_built_states():
    ctx, s = (StateBuilder(hyp_window=[7], trusted=[4])
              .guest(1, hcall=HC_new(2, 1)).page_table(1, pa=0, ma=0, maps={1: 1, 2: 1, 7: 6})
              .rw_page(1, pa=1, ma=1).page_table(1, pa=3, ma=3, maps={5: 1})
              .page(8, PT(IntMap()), Os(1))
              .guest(4, trusted=True).page_table(4, pa=0, ma=2, maps={7: 6})
              .hyp_page(6).free_page(5).waiting(1).build())
    got = set(shapes(ctx, s))
    assert got == {"alias", "page_in_two_tables", "window_shared", "table_not_current",
                   "table_outside_physical_map", "window_mapped", "one_free_page",
                   "untrusted_waiting", "pending_HC_new", "pending_active"}
    ctx, s = (StateBuilder(trusted=[1]).guest(1).page_table(1, pa=0, ma=0, maps={0: 0})
              .active(1).build())
    assert set(shapes(ctx, s)) == {"maps_a_table", "memory_exhausted", "trusted_running"}


def test_generated_states_show_every_shape():
    seen: set[str] = set()
    for seed in range(300):
        seen.update(shapes(*generate_state(random.Random(seed), Scope())))
    assert seen >= set(SHAPES) - {"memory_exhausted", "trusted_running", "untrusted_running"}


def test_coverage_groups_round_trip_and_count():
    cov = Coverage()
    assert cov.covered() == 0 and cov.total() == sum(len(obligations(g)) for g in GROUPS)
    cov.record(["Read", 3], "Ok")
    cov.record(["Hcall", ["HC_pin", 1, "T_RW"]], "Ok")
    cov.record_decisions(("Read/activity/T", "Read/activity/T"))
    cov.record_shapes(["alias"])
    cov.record_close_call("Os_tables_exist")
    data = cov.to_json()
    assert data["obligations"]["decisions"]["Read/activity/T"] == 2
    assert data["obligations"]["shapes"]["alias"] == 1
    assert data["covered"] == cov.covered() == 6     # 2 cells, a kind, a call, 1 + 1
    assert "Read/activity/T" not in cov.missed()["decisions"]
    assert "Read/activity/F" in cov.missed()["decisions"]
    back = Coverage.from_json(data)
    assert back.to_json() == data
    twice = Coverage()
    twice.merge(cov)
    twice.merge(back)
    assert twice.to_json()["obligations"]["decisions"]["Read/activity/T"] == 4
    for group in GROUPS:
        gone = set(UNREACHABLE[group])
        assert gone <= set(universe(group))
        assert not gone & set(cov.missed()[group])
        assert set(obligations(group)) | gone == set(universe(group))


def test_the_engine_records_decisions_and_shapes():
    engine = Engine(Scope(), None)
    for seed in range(20):
        seq = make_sequence(engine, seed, 30)
        engine._check_axioms(seq, None, None)
    cov = engine.coverage
    assert sum(cov.shapes.values()) >= 20            # every initial state at least
    # Every successful step meets the T obligations of its path: per action,
    # the first condition's T count over its paths is its Ok count.
    for path, conds in CONDITIONS.items():
        action = path.split("/")[0]
        firsts = sum(cov.decisions[f"{p}/{c[0]}/T"] for p, c in CONDITIONS.items()
                     if p.split("/")[0] == action)
        assert firsts == cov.cells[(action, "Ok")], action
    assert any(k.endswith("/F") for k in cov.decisions)
