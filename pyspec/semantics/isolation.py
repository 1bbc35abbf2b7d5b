"""Isolation (MODEL.md section 6; coq/OsEquiv.v): guest views, ``o``-actions and
runtime checks of read isolation, write isolation and the unwinding lemmas.

Guest ``o`` observes physical addresses only.  ``os_view`` computes what it sees,
as in OsEquiv.v: the set of guests, its own ``os_info``, whether it is active
(and then the activity and mode), and for each ``pa`` in ``dom(hyp[o])`` the owner
and content of the page at ``hyp[o][pa]``, where a page table is rewritten as the
relation of the accessible ``va`` and the ``pa'`` with ``hyp[o][pa'] = m[va]``.
``os_equivalent`` is equality of views.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspec.model import (
    PT, RW, Action, Chmod, Context, Del, Hcall, Lswitch, Mode, New, Ok, Os, OsActivity,
    OsIdent, OsInfo, Padd, Page_pin, Page_unpin, PageOwner, Read, Read_hyper,
    Result, Ret_ctrl, State, Switch, Vadd, Value, Write, Write_hyper,
)
from pyspec.semantics.derived import is_free, maps_to
from pyspec.semantics.step import step

#: A page as ``o`` sees it: owner and content in physical terms.  A page table's
#: content is the set of its accessible entries ``(va, pa)``.
ContentView = tuple[str, Value | None] | tuple[str, frozenset[tuple[Vadd, Padd]]]


@dataclass(frozen=True)
class PageView:
    owner: PageOwner
    content: ContentView


@dataclass(frozen=True)
class OsView:
    guests: frozenset[OsIdent]
    info: OsInfo | None
    active: bool
    control: tuple[OsActivity, Mode] | None
    memory: tuple[tuple[Padd, PageView | None], ...]


def os_view(ctx: Context, o: OsIdent, s: State) -> OsView:
    """What guest ``o`` observes of ``s`` (``os_equiv`` compares exactly this)."""
    pm = s.hyp.get(o)
    inverse: dict[int, list[Padd]] = {}
    for pa, ma in (pm.items() if pm is not None else ()):
        inverse.setdefault(ma, []).append(pa)
    memory = []
    for pa, ma in sorted(pm.items() if pm is not None else ()):
        page = s.mem.get(ma)
        view = None
        if page is not None:
            content: ContentView
            if isinstance(page.content, RW):
                content = ("RW", page.content.v)
            elif isinstance(page.content, PT):
                content = ("PT", frozenset(
                    (va, pa2) for va, ma2 in page.content.m.items() if ctx.accessible(va)
                    for pa2 in inverse.get(ma2, ())))
            else:
                content = ("Other", None)
            view = PageView(page.owner, content)
        memory.append((pa, view))
    active = s.active_os == o
    return OsView(frozenset(s.oss), s.oss.get(o), active,
                  (s.activity, s.exec_mode) if active else None, tuple(memory))


def os_equivalent(ctx: Context, o: OsIdent, s1: State, s2: State) -> bool:
    """``s1 ≡o s2``: guest ``o`` cannot tell the two states apart."""
    return os_view(ctx, o, s1) == os_view(ctx, o, s2)


_GUEST_ACTIONS = (Read, Write, Hcall, Ret_ctrl)
_PRIVILEGED = (New, Del, Lswitch, Page_pin, Page_unpin)


def os_action(ctx: Context, s: State, a: Action, o: OsIdent) -> bool:
    """Is ``a`` an ``o``-action in ``s``: executed by ``o`` itself, or by the
    hypervisor on ``o``'s behalf (MODEL.md section 6)?"""
    if s.activity is OsActivity.Running:
        if s.active_os != o:
            return False
        if isinstance(a, _GUEST_ACTIONS):
            return True
        return isinstance(a, _PRIVILEGED) and a.o == o and ctx.trusted(o)
    if isinstance(a, _PRIVILEGED):
        return a.o == o and not ctx.trusted(o)
    if isinstance(a, (Chmod, Read_hyper, Write_hyper)):
        return s.active_os == o
    if isinstance(a, Switch):
        return s.active_os == o or a.o == o
    return False


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a runtime property check: ``holds``, or why not."""

    holds: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.holds


HOLDS = CheckResult(True)


def read_isolation(ctx: Context, s: State, a: Action, r: Result) -> CheckResult:
    """A successful ``Read va`` reads a page owned by the active guest."""
    if not (isinstance(a, Read) and isinstance(r.response, Ok)):
        return HOLDS
    ma = maps_to(s, s.active_os, a.va)
    page = None if ma is None else s.mem.get(ma)
    if page is not None and page.owner == Os(s.active_os):
        return HOLDS
    owner = None if page is None else page.owner
    return CheckResult(False, f"Read {a.va} by guest {s.active_os} succeeded on machine "
                       f"page {ma} owned by {owner!r}")


def write_isolation(ctx: Context, s: State, a: Action, r: Result) -> CheckResult:
    """A step taken while a guest runs changes only pages that the active guest
    owns or that were free."""
    if s.activity is not OsActivity.Running:
        return HOLDS
    s2 = r.result_state
    if s2.mem is s.mem:      # no page changed
        return HOLDS
    active = Os(s.active_os)
    for ma in set(s.mem) | set(s2.mem):
        before, after = s.mem.get(ma), s2.mem.get(ma)
        if before is after or before == after:
            continue
        if before is not None and (before.owner == active or is_free(before)):
            continue
        return CheckResult(False, f"{a!r} by running guest {s.active_os} changed machine "
                           f"page {ma} from {before!r} to {after!r}")
    return HOLDS


def locally_respects(ctx: Context, o: OsIdent, s: State, a: Action, r: Result) -> CheckResult:
    """A step that is not an ``o``-action leaves ``o``'s view unchanged."""
    if os_action(ctx, s, a, o) or os_equivalent(ctx, o, s, r.result_state):
        return HOLDS
    return CheckResult(False, f"{a!r} is not an action of guest {o} but changed its view")


#: Actions whose success is decided by what ``o`` sees (``view_determined`` in
#: coq/UnwindingResponse.v).  The others also look outside ``o``'s view: the
#: hypervisor-window mapping (``Read_hyper``, ``Write_hyper``), free memory
#: (``Page_pin``), page tables of ``o`` outside its physical map (``Page_unpin``);
#: coq/IsolationCounterexamples.v shows each.
def view_determined(a: Action) -> bool:
    return not isinstance(a, (Read_hyper, Write_hyper, Page_pin, Page_unpin))


def step_consistency(ctx: Context, o: OsIdent, s1: State, s2: State, a: Action) -> CheckResult:
    """Step consistency as proved in Coq, for ``s1 ≡o s2`` and an ``o``-action ``a``
    in both: if both steps succeed their results are ``o``-equivalent
    (``step_consistent``), and for a view-determined ``a`` both succeed or both
    fail (``step_consistent_response``)."""
    if not (os_equivalent(ctx, o, s1, s2)
            and os_action(ctx, s1, a, o) and os_action(ctx, s2, a, o)):
        return HOLDS
    r1, r2 = step(ctx, s1, a), step(ctx, s2, a)
    ok1, ok2 = isinstance(r1.response, Ok), isinstance(r2.response, Ok)
    if ok1 != ok2 and view_determined(a):
        return CheckResult(False, f"{a!r} answers {r1.response!r} and {r2.response!r} in "
                           f"two states that guest {o} cannot tell apart")
    if ok1 and ok2 and not os_equivalent(ctx, o, r1.result_state, r2.result_state):
        return CheckResult(False, f"{a!r} makes two states equivalent for guest {o} "
                           "distinguishable")
    return HOLDS
