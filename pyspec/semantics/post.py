"""Postconditions as a checker (coq/Post.v).

``post(ctx, s, a, s2)`` decides ``Post ctx s a s2`` and explains which clause
fails.  Each postcondition fixes ``s2`` in full (given its existential
witnesses), so the checker builds the one admissible state and compares it
field by field.  For ``Page_pin`` any free page will do: the witness is the
machine page that ``s2`` maps ``pa`` to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspec.model import (
    NO_OWNER, OTHER, PT, RW, Action, Chmod, Context, Del, Hcall, IntMap, Lswitch, Mode,
    New, OsActivity, OsInfo, Page, Page_pin, Page_unpin, Read, Read_hyper, Ret_ctrl,
    Silent, State, Switch, Write, Write_hyper,
)
from pyspec.semantics.derived import cpt, maps_to, newpage, replace_state, serve


@dataclass(frozen=True)
class PostResult:
    """Whether ``Post`` holds, and if not, the failing clauses."""

    holds: bool
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.holds


HOLDS = PostResult(True)


def _fail(*reasons: str) -> PostResult:
    return PostResult(False, reasons)


def _map_diff(name: str, expected: IntMap, actual: IntMap) -> list[str]:
    keys = list(expected) + [k for k in actual if k not in expected]
    return [
        f"{name}[{k}]: expected {expected.get(k)!r}, got {actual.get(k)!r}"
        for k in keys if expected.get(k) != actual.get(k)
    ]


def _compare(clause: str, expected: State, actual: State) -> PostResult:
    if expected == actual:   # field by field (maps extensionally): no clause fails
        return HOLDS
    reasons: list[str] = []
    for field in ("active_os", "exec_mode", "activity"):
        want, got = getattr(expected, field), getattr(actual, field)
        if want != got:
            reasons.append(f"{field}: expected {want!r}, got {got!r}")
    for field in ("oss", "hyp", "mem"):
        reasons += _map_diff(field, getattr(expected, field), getattr(actual, field))
    if not reasons:
        return HOLDS
    return _fail(*(f"{clause}: {r}" for r in reasons))


def _table_edit(ctx: Context, s: State, o: int, edit: Callable[[IntMap[int]], IntMap[int]],
                s2: State, clause: str) -> PostResult:
    ptma = cpt(s, o)
    if ptma is None:
        return _fail(f"{clause}: guest {o} has no current page table address (cpt)")
    page = s.mem.get(ptma)
    if page is None or not isinstance(page.content, PT):
        return _fail(f"{clause}: mem[{ptma}], guest {o}'s current page table, "
                     "is not a PT page")
    table = Page(PT(edit(page.content.m)), page.owner)
    expected = replace_state(s, mem=s.mem.set(ptma, table), oss=serve(ctx, s, o))
    return _compare(clause, expected, s2)


def post(ctx: Context, s: State, a: Action, s2: State) -> PostResult:
    """Decide ``Post ctx s a s2``, naming the failing clause."""
    match a:
        case Read() | Read_hyper() | Silent():
            return _compare("Post (s' = s)", s, s2)
        case Write(va, v) | Write_hyper(va, v):
            ma = maps_to(s, s.active_os, va)
            page = None if ma is None else s.mem.get(ma)
            if ma is None or page is None:
                return _fail(f"Post_write: virtual address {va} is not mapped to a page")
            expected = replace_state(s, mem=s.mem.set(ma, Page(RW(v), page.owner)))
            return _compare("Post_write", expected, s2)
        case Hcall(h):
            info = s.oss.get(s.active_os)
            if info is None:
                return _fail(f"Post_hcall: the active guest {s.active_os} is not in oss")
            expected = State(s.active_os, Mode.Svc, OsActivity.Waiting,
                             s.oss.set(s.active_os, OsInfo(info.curr_page, h)), s.hyp, s.mem)
            return _compare("Post_hcall", expected, s2)
        case New(o, va, pa):
            pm = s.hyp.get(o)
            ma = None if pm is None else pm.get(pa)
            if ma is None:
                return _fail(f"Post_new: hyp[{o}][{pa}] is undefined")
            return _table_edit(ctx, s, o, lambda m: m.set(va, ma), s2, "Post_new")
        case Del(o, va):
            return _table_edit(ctx, s, o, lambda m: m.remove(va), s2, "Post_del")
        case Lswitch(o, pa):
            info = s.oss.get(o)
            if info is None:
                return _fail(f"Post_lswitch: guest {o} is not in oss")
            hcall = info.hcall if ctx.trusted(o) else None
            expected = replace_state(s, oss=s.oss.set(o, OsInfo(pa, hcall)))
            return _compare("Post_lswitch", expected, s2)
        case Switch(o):
            return _compare("Post_switch", replace_state(s, active_os=o), s2)
        case Ret_ctrl():
            return _compare("Post_ret_ctrl",
                            replace_state(s, exec_mode=Mode.Svc, activity=OsActivity.Waiting), s2)
        case Chmod():
            mode = Mode.Svc if ctx.trusted(s.active_os) else Mode.Usr
            return _compare("Post_chmod",
                            replace_state(s, exec_mode=mode, activity=OsActivity.Running), s2)
        case Page_pin(o, pa, t):
            pm = s.hyp.get(o)
            if pm is None:
                return _fail(f"Post_page_pin: hyp[{o}] is undefined")
            pm2 = s2.hyp.get(o)
            ma = None if pm2 is None else pm2.get(pa)
            if ma is None:
                return _fail(f"Post_page_pin: hyp[{o}][{pa}] is undefined in the new state")
            page = s.mem.get(ma)
            if page is None or page.owner != NO_OWNER:
                return _fail(f"Post_page_pin: the chosen page mem[{ma}] was not free")
            expected = replace_state(s, oss=serve(ctx, s, o), hyp=s.hyp.set(o, pm.set(pa, ma)),
                                mem=s.mem.set(ma, newpage(t, o)))
            return _compare("Post_page_pin", expected, s2)
        case Page_unpin(o, pa):
            pm = s.hyp.get(o)
            ma = None if pm is None else pm.get(pa)
            if pm is None or ma is None:
                return _fail(f"Post_page_unpin: hyp[{o}][{pa}] is undefined")
            expected = replace_state(s, oss=serve(ctx, s, o), hyp=s.hyp.set(o, pm.remove(pa)),
                                mem=s.mem.set(ma, Page(OTHER, NO_OWNER)))
            return _compare("Post_page_unpin", expected, s2)
    raise TypeError(f"not an action: {a!r}")
