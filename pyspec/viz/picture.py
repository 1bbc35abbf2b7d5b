"""What a state diagram shows, as plain data, and how two states differ.

A state (JSON, docs/protocol.md) becomes views of its guests and machine
pages, each field already worded for the picture; `compare` pairs two views
field by field so that one layout can show both states with what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pyspec.difftest.jstate import Json, as_dict

T = TypeVar("T")


@dataclass(frozen=True)
class GuestView:
    trusted: bool
    active: bool
    status: str                 # "Running in Usr mode" for the active guest, else "inactive"
    curr_page: int
    hcall: str                  # "none" or the pending hypercall, e.g. "HC_pin 2 T_RW"
    pm: dict[int, int]          # physical -> machine


@dataclass(frozen=True)
class PageView:
    owner: str                  # "guest 1", "hypervisor", "free"
    kind: str                   # "RW", "PT", "Other"
    content: str                # "RW 7", "RW (no value)", "page table", "Other"
    maps: dict[int, int]        # a page table's mappings: virtual -> machine


@dataclass(frozen=True)
class StateView:
    active_os: int
    guests: dict[int, GuestView]
    pages: dict[int, PageView]


def hcall_text(h: Json) -> str:
    return "none" if h is None else " ".join(str(x) for x in h)


def owner_text(owner: Json) -> str:
    if owner == "Hyp":
        return "hypervisor"
    if owner == "No_Owner":
        return "free"
    return f"guest {owner[1]}"


def _page(page: Json) -> PageView:
    c = page["content"]
    if c == "Other":
        kind, text, maps = "Other", "Other", {}
    elif c[0] == "RW":
        kind, text, maps = "RW", f"RW {'(no value)' if c[1] is None else c[1]}", {}
    else:
        kind, text, maps = "PT", "page table", dict(sorted(as_dict(c[1]).items()))
    return PageView(owner_text(page["owner"]), kind, text, maps)


def view(ctx: Json, state: Json) -> StateView:
    """The view of a JSON state; KeyError/TypeError/IndexError on a malformed one."""
    pms = as_dict(state["hyp"])
    guests = {}
    for o, info in sorted(as_dict(state["oss"]).items()):
        active = o == state["active_os"]
        status = f"{state['activity']} in {state['exec_mode']} mode" if active else "inactive"
        pm = dict(sorted(as_dict(pms.get(o, [])).items()))
        guests[o] = GuestView(o in ctx["trusted_oss"], active, status, info["curr_page"],
                              hcall_text(info["hcall"]), pm)
    pages = {ma: _page(pg) for ma, pg in sorted(as_dict(state["mem"]).items())}
    return StateView(state["active_os"], guests, pages)


@dataclass(frozen=True)
class Pair(Generic[T]):
    """One element in the two states: `a` is None when only in the second,
    `b` when only in the first."""
    a: T | None
    b: T | None

    @property
    def status(self) -> str:
        if self.a is None:
            return "added"
        if self.b is None:
            return "removed"
        return "same" if self.a == self.b else "changed"

    @property
    def either(self) -> T:
        return self.b if self.b is not None else self.a   # type: ignore[return-value]


def pair_maps(a: dict[int, T], b: dict[int, T]) -> dict[int, Pair[T]]:
    return {k: Pair(a.get(k), b.get(k)) for k in sorted(set(a) | set(b))}


@dataclass(frozen=True)
class Comparison:
    """Two views of states of the same run (or one view compared with itself)."""
    a: StateView
    b: StateView
    guests: dict[int, Pair[GuestView]] = field(init=False)
    pages: dict[int, Pair[PageView]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "guests", pair_maps(self.a.guests, self.b.guests))
        object.__setattr__(self, "pages", pair_maps(self.a.pages, self.b.pages))

    @property
    def identical(self) -> bool:
        return self.a == self.b


def changes(cmp: Comparison, labels: tuple[str, str]) -> list[str]:
    """Every difference, one sentence each (the diff diagram's text alternative)."""
    a, b = labels
    out: list[str] = []
    if cmp.a.active_os != cmp.b.active_os:
        out.append(f"active guest: {cmp.a.active_os} in {a}, {cmp.b.active_os} in {b}")
    for o, g in cmp.guests.items():
        if g.status in ("added", "removed"):
            out.append(f"guest {o} exists only in {b if g.a is None else a}")
            continue
        assert g.a is not None and g.b is not None
        for name, x, y in (("status", g.a.status, g.b.status),
                           ("current page table", f"pa {g.a.curr_page}", f"pa {g.b.curr_page}"),
                           ("pending hypercall", g.a.hcall, g.b.hcall)):
            if x != y:
                out.append(f"guest {o} {name}: {x} in {a}, {y} in {b}")
        for pa, m in pair_maps(g.a.pm, g.b.pm).items():
            if m.status != "same":
                out.append(f"guest {o} maps pa {pa}: {_opt(m.a, 'ma')} in {a}, "
                           f"{_opt(m.b, 'ma')} in {b}")
    for ma, p in cmp.pages.items():
        if p.status in ("added", "removed"):
            out.append(f"machine page {ma} exists only in {b if p.a is None else a}")
            continue
        assert p.a is not None and p.b is not None
        if p.a.owner != p.b.owner:
            out.append(f"machine page {ma} owner: {p.a.owner} in {a}, {p.b.owner} in {b}")
        if p.a.content != p.b.content:
            out.append(f"machine page {ma} content: {p.a.content} in {a}, {p.b.content} in {b}")
        for va, m in pair_maps(p.a.maps, p.b.maps).items():
            if m.status != "same":
                out.append(f"page table at ma {ma} maps va {va}: {_opt(m.a, 'ma')} in {a}, "
                           f"{_opt(m.b, 'ma')} in {b}")
    return out


def _opt(x: int | None, unit: str) -> str:
    return "nothing" if x is None else f"{unit} {x}"


def describe(ctx: Json, v: StateView) -> list[str]:
    """The state in words, one line per guest and page (a diagram's text alternative)."""
    window = set(ctx["hyp_window"])
    out = []
    for o, g in v.guests.items():
        pm = ", ".join(f"pa {pa} ↦ ma {ma}" for pa, ma in g.pm.items()) or "empty"
        out.append(f"Guest {o}: {'trusted' if g.trusted else 'untrusted'}, "
                   f"{'active, ' + g.status if g.active else 'inactive'}, current page table "
                   f"at pa {g.curr_page}, pending hypercall {g.hcall}; physical map: {pm}.")
    for ma, p in v.pages.items():
        maps = ", ".join(f"va {va} ↦ ma {t}{' (hypervisor window)' if va in window else ''}"
                         for va, t in p.maps.items())
        out.append(f"Machine page {ma}: {p.owner}, {p.content}{': ' + maps if maps else ''}.")
    return out
