"""valid_state: each of the eight properties fails on a hand-made state, with
its number, name and witness; first_invalid follows MODEL.md's order."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pyspec.builders import StateBuilder
from pyspec.model import (
    HYP, OTHER, PT, RW, HC_del, IntMap, Mode, Os, OsActivity, Page, VsProperty,
)
from pyspec.semantics import InvalidState, first_invalid, is_valid, valid_state

P = VsProperty


def one_guest(trusted: bool = False) -> StateBuilder:
    """Guest 1: table at ma 0 maps 10 -> ma 1 (RW) and window 100 -> ma 5 (Hyp)."""
    return (StateBuilder(hyp_window=[100])
            .guest(1, trusted=trusted)
            .page_table(1, pa=0, ma=0, maps={10: 1, 100: 5})
            .rw_page(1, pa=1, ma=1, value=7)
            .hyp_page(5)
            .free_page(2))


def test_a_well_formed_state_is_valid():
    ctx, s = one_guest().build()
    assert valid_state(ctx, s) == []
    assert first_invalid(ctx, s) is None and is_valid(ctx, s)


def test_property_numbers_follow_model_md():
    assert [p.number for p in VsProperty] == list(range(1, 9))
    assert P.Os_tables_exist.number == 7


@pytest.mark.parametrize("make, prop, witness", [
    (lambda: StateBuilder().guest(1, trusted=True, hcall=HC_del(3))
     .page_table(1, 0, 0).waiting(1), P.Trusted_no_hcall, {"os": 1}),
    (lambda: StateBuilder().guest(1, hcall=HC_del(3)).page_table(1, 0, 0).active(1),
     P.Running_no_hcall, {"os": 1}),
    (lambda: one_guest().active(1, OsActivity.Waiting, Mode.Usr),
     P.Svc_when_privileged, {"os": 1}),
    (lambda: one_guest().active(1, OsActivity.Running, Mode.Svc),
     P.Usr_when_untrusted, {"os": 1}),
    (lambda: one_guest().pin(1, 7, 2), P.Hyp_maps_owned, {"os": 1, "padd": 7, "madd": 2}),
    (lambda: one_guest().pin(1, 7, 1), P.Hyp_maps_owned, {"os": 1, "padd": 7, "madd": 1}),
    (lambda: one_guest().page(0, PT(IntMap({10: 1, 100: 1})), Os(1)),
     P.Page_tables_owned, {"os": 1, "table": 0, "vadd": 100, "madd": 1}),
    (lambda: one_guest().guest(2, curr_page=4), P.Os_tables_exist, {"os": 2, "padd": 4}),
    (lambda: one_guest().page(1, RW(7), Os(1)).page(6, RW(0), Os(1))
     .page(0, PT(IntMap({10: 6, 100: 5})), Os(1)),
     P.Accessible_mappings_physical, {"os": 1, "table": 0, "vadd": 10, "madd": 6}),
])
def test_each_property_fails_with_its_witness(make, prop, witness):
    ctx, s = make().build(check=False)
    violations = valid_state(ctx, s)
    assert [v.prop for v in violations] == [prop]
    assert violations[0].witness == witness
    assert first_invalid(ctx, s) is prop
    assert str(violations[0]).startswith(f"property {prop.number} ({prop.value}) fails")


def test_os_tables_exist_names_each_missing_piece():
    ctx, s = one_guest().build()
    no_active = replace(s, active_os=9)
    assert [v.witness for v in valid_state(ctx, no_active)] == [{"os": 9}]
    stray_map = replace(s, hyp=s.hyp.set(4, IntMap()))
    assert [v.message for v in valid_state(ctx, stray_map)] == [
        "hyp has a map for unknown guest 4"]
    not_a_table = replace(s, oss=s.oss.set(1, replace(s.oss[1], curr_page=1)))
    [violation] = valid_state(ctx, not_a_table)
    assert violation.prop is P.Os_tables_exist
    assert violation.witness == {"os": 1, "padd": 1, "madd": 1}


def test_every_violation_is_reported_in_property_order():
    ctx, s = (one_guest().guest(2, hcall=HC_del(1))
              .page(0, PT(IntMap({10: 3, 100: 5})), Os(1))
              .active(2, OsActivity.Running, Mode.Svc).build(check=False))
    props = [v.prop for v in valid_state(ctx, s)]
    assert props == [P.Running_no_hcall, P.Usr_when_untrusted, P.Page_tables_owned,
                     P.Os_tables_exist, P.Accessible_mappings_physical]
    assert first_invalid(ctx, s) is P.Running_no_hcall


def test_builder_rejects_an_invalid_state_naming_the_property():
    with pytest.raises(InvalidState) as info:
        one_guest().page(5, OTHER, HYP).pin(1, 3, 5).build()
    assert "property 5 (Hyp_maps_owned)" in str(info.value)
    assert [v.prop for v in info.value.violations] == [P.Hyp_maps_owned]


def test_shadowed_hyp_window_entry_must_be_a_hyp_page():
    ctx, s = one_guest().build()
    bad = replace(s, mem=s.mem.set(5, Page(RW(0), Os(1))))
    [violation] = [v for v in valid_state(ctx, bad) if v.prop is P.Page_tables_owned]
    assert "instead of Hyp" in violation.message
