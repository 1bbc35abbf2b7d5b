"""Every action of pyspec: a success case and one case per error code, with the
expected results written by hand from MODEL.md section 4.

The base state (hypervisor window {100, 101}; guest 0 trusted, 1 and 2 not):

    guest 0: pa 0 -> ma 0  PT {10: 1, 100: 9}     pa 1 -> ma 1  RW 5
    guest 1: pa 0 -> ma 2  PT {10: 3, 11: 4, 100: 9, 101: 11}
             pa 1 -> ma 3  RW 7     pa 2 -> ma 4  PT {}     pa 3 -> ma 5  Other
    guest 2: pa 0 -> ma 6  PT {}
    hypervisor: ma 9 RW 0, ma 11 Other;  free: ma 8 and ma 7
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from pyspec.builders import StateBuilder
from pyspec.model import (
    CHMOD, HYP, NO_OWNER, OK, OTHER, PT, RET_CTRL, RW, SILENT, Context, Del, Error,
    ErrorCode, HC_del, HC_lswitch, HC_new, HC_pin, HC_unpin, Hcall, HyperCall, IntMap,
    Lswitch, Mode, New, Os, OsActivity, OsInfo, Page, Page_pin, Page_unpin, Ptype, Read,
    Read_hyper, State, Switch, Write, Write_hyper,
)
from pyspec.semantics import error_msg, post, pre, step

E = ErrorCode
RUNNING, WAITING = OsActivity.Running, OsActivity.Waiting


def base(active: int = 1, activity: OsActivity = RUNNING,
         hcall: HyperCall | None = None, free: bool = True) -> tuple[Context, State]:
    """The base state; ``hcall`` is guest 1's pending hypercall."""
    b = (StateBuilder(hyp_window=[100, 101])
         .guest(0, trusted=True)
         .page_table(0, pa=0, ma=0, maps={10: 1, 100: 9})
         .rw_page(0, pa=1, ma=1, value=5)
         .guest(1, hcall=hcall)
         .page_table(1, pa=0, ma=2, maps={10: 3, 11: 4, 100: 9, 101: 11})
         .rw_page(1, pa=1, ma=3, value=7)
         .page_table(1, pa=2, ma=4)
         .other_page(1, pa=3, ma=5)
         .guest(2)
         .page_table(2, pa=0, ma=6)
         .hyp_page(9, value=0)
         .page(11, OTHER, HYP)
         .active(active, activity))
    if free:
        b.free_page(8, 7)
    return b.build()


def with_mem(s: State, ma: int, page: Page) -> State:
    return replace(s, mem=s.mem.set(ma, page))


def expect_ok(ctx: Context, s: State, action, expected: State) -> None:
    result = step(ctx, s, action)
    assert result.response == OK
    assert result.result_state == expected
    assert pre(ctx, s, action) is None
    assert error_msg(ctx, s, action) == frozenset()
    assert post(ctx, s, action, expected)


def expect_error(ctx: Context, s: State, action, code: ErrorCode) -> None:
    result = step(ctx, s, action)
    assert result.response == Error(code)
    assert result.result_state == s
    assert pre(ctx, s, action) == code
    assert code in error_msg(ctx, s, action)


# --- Read, Write ---------------------------------------------------------------


def test_read_ok_leaves_the_state_unchanged():
    ctx, s = base()
    expect_ok(ctx, s, Read(10), s)


def test_write_ok_writes_the_mapped_page_keeping_its_owner():
    ctx, s = base()
    expect_ok(ctx, s, Write(10, 42), with_mem(s, 3, Page(RW(42), Os(1))))


@pytest.mark.parametrize("make", [Read, lambda va: Write(va, 1)])
@pytest.mark.parametrize("activity, va, code", [
    (WAITING, 10, E.Wrong_os_activity),
    (RUNNING, 100, E.No_access_va_os),
    (RUNNING, 12, E.Invalid_vadd),
    (RUNNING, 11, E.Wrong_page_type),
])
def test_read_and_write_errors(make, activity, va, code):
    ctx, s = base(activity=activity)
    expect_error(ctx, s, make(va), code)


# --- Read_hyper, Write_hyper ---------------------------------------------------


def test_read_hyper_ok():
    ctx, s = base(activity=WAITING)
    expect_ok(ctx, s, Read_hyper(100), s)


def test_write_hyper_ok_writes_the_hypervisor_page():
    ctx, s = base(activity=WAITING)
    expect_ok(ctx, s, Write_hyper(100, 3), with_mem(s, 9, Page(RW(3), HYP)))


@pytest.mark.parametrize("make", [Read_hyper, lambda va: Write_hyper(va, 1)])
@pytest.mark.parametrize("active, activity, va, code", [
    (1, RUNNING, 100, E.Wrong_os_activity),
    (1, WAITING, 10, E.No_access_va_hyp),
    (2, WAITING, 100, E.Invalid_vadd),
    (1, WAITING, 101, E.Wrong_page_type),
])
def test_read_hyper_and_write_hyper_errors(make, active, activity, va, code):
    ctx, s = base(active=active, activity=activity)
    expect_error(ctx, s, make(va), code)


# --- Hcall ---------------------------------------------------------------------


def test_hcall_ok_records_the_call_and_enters_the_hypervisor():
    ctx, s = base()
    expected = replace(s, exec_mode=Mode.Svc, activity=WAITING,
                       oss=s.oss.set(1, OsInfo(0, HC_del(10))))
    expect_ok(ctx, s, Hcall(HC_del(10)), expected)


def test_hcall_errors():
    ctx, s = base(activity=WAITING)
    expect_error(ctx, s, Hcall(HC_del(10)), E.Wrong_os_activity)
    ctx, s = base(active=0)
    expect_error(ctx, s, Hcall(HC_del(10)), E.Trusted_os_hcall)


# --- New -----------------------------------------------------------------------


def test_new_ok_for_untrusted_guest_maps_and_serves_the_call():
    ctx, s = base(activity=WAITING, hcall=HC_new(12, 1))
    table = Page(PT(IntMap({10: 3, 11: 4, 100: 9, 101: 11, 12: 3})), Os(1))
    expected = replace(with_mem(s, 2, table), oss=s.oss.set(1, OsInfo(0, None)))
    expect_ok(ctx, s, New(1, 12, 1), expected)


def test_new_ok_for_trusted_guest_maps_without_a_hypercall():
    ctx, s = base(active=0)
    expected = with_mem(s, 0, Page(PT(IntMap({10: 1, 100: 9, 12: 1})), Os(0)))
    expect_ok(ctx, s, New(0, 12, 1), expected)


@pytest.mark.parametrize("active, activity, hcall, action, code", [
    (1, WAITING, HC_new(12, 1), New(7, 12, 1), E.Unknown_os),
    (0, RUNNING, HC_new(12, 1), New(1, 12, 1), E.Wrong_os_activity),
    (1, WAITING, HC_del(10), New(1, 12, 1), E.Wrong_hcall),
    (1, WAITING, None, New(1, 12, 1), E.Wrong_hcall),
    (0, WAITING, None, New(0, 12, 1), E.Wrong_os_activity),
    (1, RUNNING, None, New(0, 12, 1), E.Not_active_os),
    (1, WAITING, HC_new(100, 1), New(1, 100, 1), E.No_access_va_os),
    (1, WAITING, HC_new(12, 7), New(1, 12, 7), E.Invalid_padd),
    (1, WAITING, HC_new(12, 2), New(1, 12, 2), E.Wrong_page_type),
])
def test_new_errors(active, activity, hcall, action, code):
    ctx, s = base(active=active, activity=activity, hcall=hcall)
    expect_error(ctx, s, action, code)


# --- Del -----------------------------------------------------------------------


def test_del_ok_unmaps_and_serves_the_call():
    ctx, s = base(activity=WAITING, hcall=HC_del(10))
    table = Page(PT(IntMap({11: 4, 100: 9, 101: 11})), Os(1))
    expected = replace(with_mem(s, 2, table), oss=s.oss.set(1, OsInfo(0, None)))
    expect_ok(ctx, s, Del(1, 10), expected)


@pytest.mark.parametrize("hcall, action, code", [
    (HC_del(10), Del(7, 10), E.Unknown_os),
    (HC_del(11), Del(1, 10), E.Wrong_hcall),
    (HC_del(100), Del(1, 100), E.No_access_va_os),
    (HC_del(12), Del(1, 12), E.Invalid_vadd),
])
def test_del_errors(hcall, action, code):
    ctx, s = base(activity=WAITING, hcall=hcall)
    expect_error(ctx, s, action, code)


# --- Lswitch -------------------------------------------------------------------


def test_lswitch_ok_changes_the_current_page():
    ctx, s = base(activity=WAITING, hcall=HC_lswitch(2))
    expect_ok(ctx, s, Lswitch(1, 2), replace(s, oss=s.oss.set(1, OsInfo(2, None))))


@pytest.mark.parametrize("hcall, action, code", [
    (HC_lswitch(2), Lswitch(3, 2), E.Unknown_os),
    (HC_lswitch(0), Lswitch(1, 2), E.Wrong_hcall),
    (HC_lswitch(7), Lswitch(1, 7), E.Invalid_padd),
    (HC_lswitch(1), Lswitch(1, 1), E.Wrong_page_type),
])
def test_lswitch_errors(hcall, action, code):
    ctx, s = base(activity=WAITING, hcall=hcall)
    expect_error(ctx, s, action, code)


# --- Switch, Ret_ctrl, Chmod ---------------------------------------------------


def test_switch_ok_changes_only_the_active_guest():
    ctx, s = base(activity=WAITING)
    expect_ok(ctx, s, Switch(2), replace(s, active_os=2))


def test_switch_errors():
    ctx, s = base()
    expect_error(ctx, s, Switch(2), E.Wrong_os_activity)
    ctx, s = base(activity=WAITING)
    expect_error(ctx, s, Switch(7), E.Unknown_os)


def test_ret_ctrl_ok_and_error():
    ctx, s = base()
    expect_ok(ctx, s, RET_CTRL, replace(s, exec_mode=Mode.Svc, activity=WAITING))
    ctx, s = base(activity=WAITING)
    expect_error(ctx, s, RET_CTRL, E.Wrong_os_activity)


def test_chmod_ok_gives_untrusted_guest_user_mode():
    ctx, s = base(activity=WAITING)
    expect_ok(ctx, s, CHMOD, replace(s, exec_mode=Mode.Usr, activity=RUNNING))


def test_chmod_ok_gives_trusted_guest_supervisor_mode():
    ctx, s = base(active=0, activity=WAITING)
    expect_ok(ctx, s, CHMOD, replace(s, exec_mode=Mode.Svc, activity=RUNNING))


def test_chmod_errors():
    ctx, s = base()
    expect_error(ctx, s, CHMOD, E.Wrong_os_activity)
    ctx, s = base(activity=WAITING, hcall=HC_del(10))
    expect_error(ctx, s, CHMOD, E.Pending_hcall)


# --- Page_pin, Page_unpin ------------------------------------------------------


def test_page_pin_ok_takes_the_least_free_page():
    ctx, s = base(activity=WAITING, hcall=HC_pin(5, Ptype.T_PT))
    expected = replace(s, oss=s.oss.set(1, OsInfo(0, None)),
                       hyp=s.hyp.set(1, s.hyp[1].set(5, 7)),
                       mem=s.mem.set(7, Page(PT(IntMap()), Os(1))))
    expect_ok(ctx, s, Page_pin(1, 5, Ptype.T_PT), expected)


def test_page_pin_post_accepts_any_free_page_but_not_a_used_one():
    ctx, s = base(activity=WAITING, hcall=HC_pin(5, Ptype.T_RW))
    served = s.oss.set(1, OsInfo(0, None))
    other_free = replace(s, oss=served, hyp=s.hyp.set(1, s.hyp[1].set(5, 8)),
                         mem=s.mem.set(8, Page(RW(None), Os(1))))
    assert post(ctx, s, Page_pin(1, 5, Ptype.T_RW), other_free)
    stolen = replace(s, oss=served, hyp=s.hyp.set(1, s.hyp[1].set(5, 1)),
                     mem=s.mem.set(1, Page(RW(None), Os(1))))
    verdict = post(ctx, s, Page_pin(1, 5, Ptype.T_RW), stolen)
    assert not verdict
    assert "mem[1]" in verdict.reasons[0] and "not free" in verdict.reasons[0]


@pytest.mark.parametrize("hcall, action, free, code", [
    (HC_pin(5, Ptype.T_RW), Page_pin(7, 5, Ptype.T_RW), True, E.Unknown_os),
    (HC_pin(5, Ptype.T_RW), Page_pin(1, 5, Ptype.T_PT), True, E.Wrong_hcall),
    (HC_pin(1, Ptype.T_RW), Page_pin(1, 1, Ptype.T_RW), True, E.Padd_in_use),
    (HC_pin(5, Ptype.T_RW), Page_pin(1, 5, Ptype.T_RW), False, E.No_free_memory),
])
def test_page_pin_errors(hcall, action, free, code):
    ctx, s = base(activity=WAITING, hcall=hcall, free=free)
    expect_error(ctx, s, action, code)


def test_page_unpin_ok_scrubs_and_frees_the_page():
    ctx, s = base(activity=WAITING, hcall=HC_unpin(3))
    expected = replace(s, oss=s.oss.set(1, OsInfo(0, None)),
                       hyp=s.hyp.set(1, IntMap({0: 2, 1: 3, 2: 4})),
                       mem=s.mem.set(5, Page(OTHER, NO_OWNER)))
    expect_ok(ctx, s, Page_unpin(1, 3), expected)


@pytest.mark.parametrize("hcall, action, code", [
    (HC_unpin(3), Page_unpin(9, 3), E.Unknown_os),
    (HC_unpin(1), Page_unpin(1, 3), E.Wrong_hcall),
    (HC_unpin(7), Page_unpin(1, 7), E.Invalid_padd),
    (HC_unpin(0), Page_unpin(1, 0), E.Page_in_use),   # the current page table
    (HC_unpin(1), Page_unpin(1, 1), E.Page_in_use),   # mapped by guest 1's table
])
def test_page_unpin_errors(hcall, action, code):
    ctx, s = base(activity=WAITING, hcall=hcall)
    expect_error(ctx, s, action, code)


def test_silent_ok_in_both_activities():
    for activity in (RUNNING, WAITING):
        ctx, s = base(activity=activity)
        expect_ok(ctx, s, SILENT, s)


# --- error_msg admits every failing condition, pre picks the first ------------


@pytest.mark.parametrize("active, activity, hcall, action, first, others", [
    (1, WAITING, None, Read(100), E.Wrong_os_activity, {E.No_access_va_os}),
    (1, WAITING, None, Write(12, 0), E.Wrong_os_activity, {E.Invalid_vadd}),
    (1, RUNNING, None, Read_hyper(10), E.Wrong_os_activity, {E.No_access_va_hyp}),
    (0, WAITING, None, Hcall(HC_del(1)), E.Wrong_os_activity, {E.Trusted_os_hcall}),
    (1, RUNNING, None, New(1, 100, 7), E.Wrong_os_activity,
     {E.Wrong_hcall, E.No_access_va_os, E.Invalid_padd}),
    (2, RUNNING, None, New(0, 12, 0), E.Not_active_os, {E.Wrong_page_type}),
    (1, WAITING, None, New(7, 12, 1), E.Unknown_os, {E.Wrong_hcall, E.Invalid_padd}),
    (1, RUNNING, None, Switch(7), E.Wrong_os_activity, {E.Unknown_os}),
    (1, WAITING, HC_unpin(0), Page_unpin(1, 1), E.Wrong_hcall, {E.Page_in_use}),
    (1, WAITING, HC_pin(1, Ptype.T_RW), Page_pin(1, 1, Ptype.T_PT), E.Wrong_hcall,
     {E.Padd_in_use}),
])
def test_error_msg_admits_every_failing_condition_and_pre_picks_the_first(
        active, activity, hcall, action, first, others):
    ctx, s = base(active=active, activity=activity, hcall=hcall)
    assert error_msg(ctx, s, action) == {first} | others
    assert pre(ctx, s, action) == first


def test_post_explains_a_wrong_successor():
    ctx, s = base()
    wrong = with_mem(s, 3, Page(RW(41), Os(1)))
    verdict = post(ctx, s, Write(10, 42), wrong)
    assert not verdict
    assert verdict.reasons[0].startswith("Post_write: mem[3]")
    verdict = post(ctx, s, RET_CTRL, replace(s, activity=WAITING))
    assert not verdict and "exec_mode" in verdict.reasons[0]
