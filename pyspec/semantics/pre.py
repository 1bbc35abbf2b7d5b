"""Preconditions in error-code order (MODEL.md section 4; ``pre_error`` in coq/Step.v).

``pre(ctx, s, a)`` is ``None`` when ``Pre ctx s a`` holds, else the first error
code whose condition fails, checking the conditions in MODEL.md's order.
"""

from __future__ import annotations

from pyspec.model import (
    Action, Chmod, Context, Del, ErrorCode, HyperCall, Hcall, HC_del, HC_lswitch,
    HC_new, HC_pin, HC_unpin, Lswitch, New, OsActivity, OsIdent, Page_pin, Page_unpin,
    Read, Read_hyper, Ret_ctrl, Silent, State, Switch, Vadd, Write, Write_hyper,
)
from pyspec.semantics.derived import (
    is_pt_page, is_rw_page, least_free_page, mapped_by_own_table, maps_to, physical_page,
)

E = ErrorCode
RUNNING = OsActivity.Running
WAITING = OsActivity.Waiting


def gate(ctx: Context, s: State, o: OsIdent, h: HyperCall) -> ErrorCode | None:
    """May the hypervisor act on ``o`` for hypercall ``h``?  A trusted ``o``
    does it itself while running; an untrusted ``o`` must have asked for ``h``."""
    info = s.oss.get(o)
    if info is None:
        return E.Unknown_os
    if ctx.trusted(o):
        if s.activity is not RUNNING:
            return E.Wrong_os_activity
        if s.active_os != o:
            return E.Not_active_os
        return None
    if s.activity is not WAITING:
        return E.Wrong_os_activity
    if info.hcall != h:
        return E.Wrong_hcall
    return None


def access(ctx: Context, s: State, by_guest: bool, va: Vadd) -> ErrorCode | None:
    """A memory access by the running guest (``by_guest``, accessible ``va``) or by
    the hypervisor (waiting, ``va`` in the hypervisor window)."""
    if s.activity is not (RUNNING if by_guest else WAITING):
        return E.Wrong_os_activity
    if ctx.accessible(va) != by_guest:
        return E.No_access_va_os if by_guest else E.No_access_va_hyp
    ma = maps_to(s, s.active_os, va)
    if ma is None:
        return E.Invalid_vadd
    if not is_rw_page(s, ma):
        return E.Wrong_page_type
    return None


def pre(ctx: Context, s: State, a: Action) -> ErrorCode | None:
    """The first failing condition of ``Pre ctx s a``, or ``None`` if it holds."""
    match a:
        case Read(va) | Write(va, _):
            return access(ctx, s, True, va)
        case Read_hyper(va) | Write_hyper(va, _):
            return access(ctx, s, False, va)
        case Hcall():
            if s.activity is not RUNNING:
                return E.Wrong_os_activity
            if ctx.trusted(s.active_os):
                return E.Trusted_os_hcall
            return None
        case New(o, va, pa):
            if (err := gate(ctx, s, o, HC_new(va, pa))) is not None:
                return err
            if not ctx.accessible(va):
                return E.No_access_va_os
            ma = physical_page(s, o, pa)
            if ma is None:
                return E.Invalid_padd
            return None if is_rw_page(s, ma) else E.Wrong_page_type
        case Del(o, va):
            if (err := gate(ctx, s, o, HC_del(va))) is not None:
                return err
            if not ctx.accessible(va):
                return E.No_access_va_os
            return None if maps_to(s, o, va) is not None else E.Invalid_vadd
        case Lswitch(o, pa):
            if (err := gate(ctx, s, o, HC_lswitch(pa))) is not None:
                return err
            ma = physical_page(s, o, pa)
            if ma is None:
                return E.Invalid_padd
            return None if is_pt_page(s, ma) else E.Wrong_page_type
        case Switch(o):
            if s.activity is not WAITING:
                return E.Wrong_os_activity
            return None if o in s.oss else E.Unknown_os
        case Ret_ctrl():
            return None if s.activity is RUNNING else E.Wrong_os_activity
        case Chmod():
            if s.activity is not WAITING:
                return E.Wrong_os_activity
            info = s.oss.get(s.active_os)
            return None if info is not None and info.hcall is None else E.Pending_hcall
        case Page_pin(o, pa, t):
            if (err := gate(ctx, s, o, HC_pin(pa, t))) is not None:
                return err
            if physical_page(s, o, pa) is not None:
                return E.Padd_in_use
            return None if least_free_page(s) is not None else E.No_free_memory
        case Page_unpin(o, pa):
            if (err := gate(ctx, s, o, HC_unpin(pa))) is not None:
                return err
            ma = physical_page(s, o, pa)
            if ma is None:
                return E.Invalid_padd
            if s.oss[o].curr_page == pa or mapped_by_own_table(s, o, ma):
                return E.Page_in_use
            return None
        case Silent():
            return None
    raise TypeError(f"not an action: {a!r}")

