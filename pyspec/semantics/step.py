"""The executable specification (coq/Step.v): ``step``, ``effect`` and ``trace``.

``step`` checks the precondition in error-code order (``pre``) and returns the
state unchanged with the first failing code, or ``Ok`` and the postcondition's
state, taking the least free page for ``Page_pin``.  Updates are persistent:
only the maps on the path to a change are copied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyspec.model import (
    NO_OWNER, OK, OTHER, PT, RW, Action, Chmod, Context, Del, Error, ErrorCode, Hcall,
    IntMap, Lswitch, Madd, Mode, New, OsActivity, OsIdent, OsInfo, Page, Page_pin,
    Page_unpin, Read, Read_hyper, Result, Ret_ctrl, Silent, State, Switch, Vadd, Value,
    Write, Write_hyper,
)
from pyspec.semantics.derived import (
    cpt, least_free_page, maps_to, newpage, replace_state, serve,
)
from pyspec.semantics.pre import pre

StepResult = Result

#: ``Error ec`` for every code, built once: responses are immutable values, and a
#: record built per refused step was a visible part of a differential run's time.
_ERRORS = {ec: Error(ec) for ec in ErrorCode}


def _table_edit(ctx: Context, s: State, o: OsIdent,
                edit: Callable[[IntMap[Madd]], IntMap[Madd]]) -> State:
    ptma = cpt(s, o)
    page = None if ptma is None else s.mem.get(ptma)
    if ptma is None or page is None or not isinstance(page.content, PT):
        return s
    new_page = Page(PT(edit(page.content.m)), page.owner)
    return replace_state(s, mem=s.mem.set(ptma, new_page), oss=serve(ctx, s, o))


def _write(s: State, va: Vadd, v: Value) -> State:
    ma = maps_to(s, s.active_os, va)
    page = None if ma is None else s.mem.get(ma)
    if ma is None or page is None:
        return s
    return replace_state(s, mem=s.mem.set(ma, Page(RW(v), page.owner)))


def effect(ctx: Context, s: State, a: Action) -> State:
    """The state after ``a`` when its precondition holds (``effect`` in Step.v)."""
    match a:
        case Read() | Read_hyper() | Silent():
            return s
        case Write(va, v) | Write_hyper(va, v):
            return _write(s, va, v)
        case Hcall(h):
            info = s.oss.get(s.active_os)
            if info is None:
                return s
            return State(s.active_os, Mode.Svc, OsActivity.Waiting,
                         s.oss.set(s.active_os, OsInfo(info.curr_page, h)), s.hyp, s.mem)
        case New(o, va, pa):
            ma = s.hyp[o].get(pa) if o in s.hyp else None
            if ma is None:
                return s
            return _table_edit(ctx, s, o, lambda m: m.set(va, ma))
        case Del(o, va):
            return _table_edit(ctx, s, o, lambda m: m.remove(va))
        case Lswitch(o, pa):
            info = s.oss.get(o)
            if info is None:
                return s
            hcall = info.hcall if ctx.trusted(o) else None
            return replace_state(s, oss=s.oss.set(o, OsInfo(pa, hcall)))
        case Switch(o):
            return replace_state(s, active_os=o)
        case Ret_ctrl():
            return replace_state(s, exec_mode=Mode.Svc, activity=OsActivity.Waiting)
        case Chmod():
            mode = Mode.Svc if ctx.trusted(s.active_os) else Mode.Usr
            return replace_state(s, exec_mode=mode, activity=OsActivity.Running)
        case Page_pin(o, pa, t):
            ma = least_free_page(s)
            pm = s.hyp.get(o)
            if ma is None or pm is None:
                return s
            return replace_state(s, oss=serve(ctx, s, o), hyp=s.hyp.set(o, pm.set(pa, ma)),
                            mem=s.mem.set(ma, newpage(t, o)))
        case Page_unpin(o, pa):
            pm = s.hyp.get(o)
            ma = None if pm is None else pm.get(pa)
            if pm is None or ma is None:
                return s
            return replace_state(s, oss=serve(ctx, s, o), hyp=s.hyp.set(o, pm.remove(pa)),
                            mem=s.mem.set(ma, Page(OTHER, NO_OWNER)))
    raise TypeError(f"not an action: {a!r}")


def step(ctx: Context, s: State, a: Action) -> StepResult:
    """One transition: ``Error ec`` and ``s`` unchanged, or ``Ok`` and the effect."""
    ec = pre(ctx, s, a)
    if ec is not None:
        return Result(_ERRORS[ec], s)
    return Result(OK, effect(ctx, s, a))


def trace(ctx: Context, s: State, actions: Iterable[Action]) -> list[StepResult]:
    """Run ``actions`` from ``s``, collecting every step's result."""
    results = []
    for a in actions:
        r = step(ctx, s, a)
        results.append(r)
        s = r.result_state
    return results
