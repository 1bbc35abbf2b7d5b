"""Derived notions of the state (MODEL.md section 2; coq/Model.v, Pre.v, Step.v)."""

from __future__ import annotations

from pyspec.model import (
    LARGE, PT, RW, Context, IntMap, Madd, No_Owner, Os, OsIdent, OsInfo, Padd, Page, Ptype,
    State, Vadd,
)
from pyspec.semantics.indexes import FreePages, MappedBy


def replace_state(s: State, **changes: object) -> State:
    """``s`` with some fields replaced (the others are shared, not copied)."""
    fields = {
        "active_os": s.active_os, "exec_mode": s.exec_mode, "activity": s.activity,
        "oss": s.oss, "hyp": s.hyp, "mem": s.mem,
    }
    fields.update(changes)
    return State(**fields)  # type: ignore[arg-type]


def serve(ctx: Context, s: State, o: OsIdent) -> IntMap[OsInfo]:
    """The guest table once ``o``'s hypercall is served: an untrusted ``o``'s
    pending hypercall becomes ``None`` (``serve`` in Post.v)."""
    info = s.oss.get(o)
    if info is None or ctx.trusted(o):
        return s.oss
    return s.oss.set(o, OsInfo(info.curr_page, None))


def cpt(s: State, o: OsIdent) -> Madd | None:
    """Machine address of ``o``'s current page table: ``hyp[o][oss[o].curr_page]``."""
    info = s.oss.get(o)
    pm = s.hyp.get(o)
    if info is None or pm is None:
        return None
    return pm.get(info.curr_page)


def current_table(s: State, o: OsIdent) -> IntMap[Madd] | None:
    """The mappings of ``o``'s current page table, if it is a page table."""
    ma = cpt(s, o)
    page = None if ma is None else s.mem.get(ma)
    if page is not None and isinstance(page.content, PT):
        return page.content.m
    return None


def maps_to(s: State, o: OsIdent, va: Vadd) -> Madd | None:
    """``maps(s, o, va)``: where ``o``'s current page table sends ``va``."""
    table = current_table(s, o)
    return None if table is None else table.get(va)


def physical_page(s: State, o: OsIdent, pa: Padd) -> Madd | None:
    """``hyp[o][pa]``."""
    pm = s.hyp.get(o)
    return None if pm is None else pm.get(pa)


def newpage(t: Ptype, o: OsIdent) -> Page:
    content = RW(None) if t is Ptype.T_RW else PT(IntMap())
    return Page(content, Os(o))


def is_free(page: Page) -> bool:
    return isinstance(page.owner, No_Owner)


def least_free_page(s: State) -> Madd | None:
    """The least machine address of a free page (the executable choice)."""
    if len(s.mem) >= LARGE:   # an index that follows mem from step to step
        return s.mem.memo(FreePages).least(s.mem)
    # is_free inlined, and a type test rather than `== NO_OWNER`: on a large
    # memory the calls and the dataclass equality were most of a step's time.
    free = [ma for ma, page in s.mem.items() if isinstance(page.owner, No_Owner)]
    return min(free) if free else None


def is_rw_page(s: State, ma: Madd) -> bool:
    page = s.mem.get(ma)
    return page is not None and isinstance(page.content, RW)


def is_pt_page(s: State, ma: Madd) -> bool:
    page = s.mem.get(ma)
    return page is not None and isinstance(page.content, PT)


def mapped_by_own_table(s: State, o: OsIdent, ma: Madd) -> bool:
    """Some page table owned by ``o`` maps some virtual address to ``ma``."""
    if len(s.mem) >= LARGE:   # an index that follows mem from step to step
        return s.mem.memo(MappedBy).mapped(o, ma)
    owner = Os(o)
    return any(
        isinstance(page.content, PT) and page.owner == owner and ma in page.content.m.values()
        for page in s.mem.values()
    )
