"""The axiomatic error relation (coq/ErrorMsg.v): every admissible error code.

``error_msg(ctx, s, a)`` is the set of codes ``ec`` with ``ErrorMsg ctx s a ec``:
the code of every condition of ``Pre ctx s a`` that fails, in any order.  The
executable ``pre`` picks the first of them in MODEL.md's order.
"""

from __future__ import annotations

from pyspec.model import (
    Action, Chmod, Context, Del, ErrorCode, Hcall, HC_del, HC_lswitch, HC_new, HC_pin,
    HC_unpin, HyperCall, Lswitch, New, OsActivity, OsIdent, Page_pin, Page_unpin, Read,
    Read_hyper, Ret_ctrl, Silent, State, Switch, Vadd, Write, Write_hyper,
)
from pyspec.semantics.derived import (
    is_free, is_pt_page, is_rw_page, mapped_by_own_table, maps_to, physical_page,
)

E = ErrorCode
RUNNING = OsActivity.Running
WAITING = OsActivity.Waiting


def _codes(*conditions: tuple[bool, ErrorCode]) -> set[ErrorCode]:
    return {code for failed, code in conditions if failed}


def gate_errors(ctx: Context, s: State, o: OsIdent, h: HyperCall) -> set[ErrorCode]:
    info = s.oss.get(o)
    trusted = ctx.trusted(o)
    return _codes(
        (info is None, E.Unknown_os),
        (trusted and s.activity is not RUNNING, E.Wrong_os_activity),
        (trusted and s.active_os != o, E.Not_active_os),
        (not trusted and s.activity is not WAITING, E.Wrong_os_activity),
        (not trusted and (info is None or info.hcall != h), E.Wrong_hcall),
    )


def access_errors(ctx: Context, s: State, act: OsActivity, acc: bool,
                  acc_code: ErrorCode, va: Vadd) -> set[ErrorCode]:
    ma = maps_to(s, s.active_os, va)
    return _codes(
        (s.activity is not act, E.Wrong_os_activity),
        (ctx.accessible(va) != acc, acc_code),
        (ma is None, E.Invalid_vadd),
        (ma is not None and not is_rw_page(s, ma), E.Wrong_page_type),
    )


def _physical_errors(s: State, o: OsIdent, pa: int, right_kind) -> set[ErrorCode]:
    ma = physical_page(s, o, pa)
    return _codes(
        (ma is None, E.Invalid_padd),
        (ma is not None and not right_kind(s, ma), E.Wrong_page_type),
    )


def error_msg(ctx: Context, s: State, a: Action) -> frozenset[ErrorCode]:
    """Every ``ec`` with ``ErrorMsg ctx s a ec``."""
    match a:
        case Read(va) | Write(va, _):
            codes = access_errors(ctx, s, RUNNING, True, E.No_access_va_os, va)
        case Read_hyper(va) | Write_hyper(va, _):
            codes = access_errors(ctx, s, WAITING, False, E.No_access_va_hyp, va)
        case Hcall():
            codes = _codes(
                (s.activity is not RUNNING, E.Wrong_os_activity),
                (ctx.trusted(s.active_os), E.Trusted_os_hcall),
            )
        case New(o, va, pa):
            codes = (gate_errors(ctx, s, o, HC_new(va, pa))
                     | _codes((not ctx.accessible(va), E.No_access_va_os))
                     | _physical_errors(s, o, pa, is_rw_page))
        case Del(o, va):
            codes = gate_errors(ctx, s, o, HC_del(va)) | _codes(
                (not ctx.accessible(va), E.No_access_va_os),
                (maps_to(s, o, va) is None, E.Invalid_vadd),
            )
        case Lswitch(o, pa):
            codes = gate_errors(ctx, s, o, HC_lswitch(pa)) | _physical_errors(
                s, o, pa, is_pt_page)
        case Switch(o):
            codes = _codes(
                (s.activity is not WAITING, E.Wrong_os_activity),
                (o not in s.oss, E.Unknown_os),
            )
        case Ret_ctrl():
            codes = _codes((s.activity is not RUNNING, E.Wrong_os_activity))
        case Chmod():
            info = s.oss.get(s.active_os)
            codes = _codes(
                (s.activity is not WAITING, E.Wrong_os_activity),
                (info is None or info.hcall is not None, E.Pending_hcall),
            )
        case Page_pin(o, pa, t):
            codes = gate_errors(ctx, s, o, HC_pin(pa, t)) | _codes(
                (physical_page(s, o, pa) is not None, E.Padd_in_use),
                (not any(is_free(page) for page in s.mem.values()), E.No_free_memory),
            )
        case Page_unpin(o, pa):
            ma = physical_page(s, o, pa)
            info = s.oss.get(o)
            in_use = ma is not None and (
                (info is not None and info.curr_page == pa) or mapped_by_own_table(s, o, ma))
            codes = gate_errors(ctx, s, o, HC_unpin(pa)) | _codes(
                (ma is None, E.Invalid_padd),
                (in_use, E.Page_in_use),
            )
        case Silent():
            codes = set()
        case _:
            raise TypeError(f"not an action: {a!r}")
    return frozenset(codes)
