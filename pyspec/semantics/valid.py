"""``valid_state`` (coq/Valid.v) with witnesses, and ``first_invalid`` (coq/ValidDec.v).

``valid_state(ctx, s)`` lists every violation of the eight properties of
MODEL.md section 3, each with its property (number and name), a message, and a
witness naming the guest, page and addresses involved.  ``first_invalid`` is
the first violated property in MODEL.md's order, as in ValidDec.v.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pyspec.model import (
    HYP, PT, Context, Mode, Os, OsActivity, PageOwner, State, VsProperty,
)

P = VsProperty


@dataclass(frozen=True)
class Violation:
    """One failure of a valid_state property, with its witness (``os``, ``padd``,
    ``madd``, ``vadd``, ``table``: the machine address of a page table...)."""

    prop: VsProperty
    message: str
    witness: dict[str, int] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.prop.number

    def __str__(self) -> str:
        return f"property {self.number} ({self.prop.value}) fails: {self.message}"


def _owner_text(owner: PageOwner | None) -> str:
    if owner is None:
        return "no page"
    return f"Os {owner.o}" if isinstance(owner, Os) else owner.TAG


def _trusted_no_hcall(ctx: Context, s: State) -> Iterator[Violation]:
    for o, info in s.oss.items():
        if ctx.trusted(o) and info.hcall is not None:
            yield Violation(P.Trusted_no_hcall,
                            f"trusted guest {o} has a pending hypercall {info.hcall!r}",
                            {"os": o})


def _running_no_hcall(ctx: Context, s: State) -> Iterator[Violation]:
    info = s.oss.get(s.active_os)
    if s.activity is OsActivity.Running and info is not None and info.hcall is not None:
        yield Violation(P.Running_no_hcall,
                        f"guest {s.active_os} runs with a pending hypercall {info.hcall!r}",
                        {"os": s.active_os})


def _svc_when_privileged(ctx: Context, s: State) -> Iterator[Violation]:
    waiting = s.activity is OsActivity.Waiting
    if (waiting or ctx.trusted(s.active_os)) and s.exec_mode is not Mode.Svc:
        why = "the hypervisor runs" if waiting else f"trusted guest {s.active_os} is active"
        yield Violation(P.Svc_when_privileged, f"{why} but exec_mode is Usr",
                        {"os": s.active_os})


def _usr_when_untrusted(ctx: Context, s: State) -> Iterator[Violation]:
    if (s.activity is OsActivity.Running and not ctx.trusted(s.active_os)
            and s.exec_mode is not Mode.Usr):
        yield Violation(P.Usr_when_untrusted,
                        f"untrusted guest {s.active_os} runs with exec_mode Svc",
                        {"os": s.active_os})


def _hyp_maps_owned(ctx: Context, s: State) -> Iterator[Violation]:
    for o, pm in s.hyp.items():
        seen: dict[int, int] = {}
        for pa, ma in pm.items():
            page = s.mem.get(ma)
            if page is None or page.owner != Os(o):
                owner = None if page is None else page.owner
                yield Violation(P.Hyp_maps_owned,
                                f"hyp[{o}][{pa}] = {ma} but mem[{ma}] is owned by "
                                f"{_owner_text(owner)}, not Os {o}",
                                {"os": o, "padd": pa, "madd": ma})
            if ma in seen:
                yield Violation(P.Hyp_maps_owned,
                                f"hyp[{o}] is not injective: physical {seen[ma]} and {pa} "
                                f"both map to machine {ma}",
                                {"os": o, "padd": pa, "madd": ma})
            else:
                seen[ma] = pa


def _page_tables_owned(ctx: Context, s: State) -> Iterator[Violation]:
    for table, page in s.mem.items():
        if not (isinstance(page.content, PT) and isinstance(page.owner, Os)):
            continue
        o = page.owner.o
        for va, ma in page.content.m.items():
            want = Os(o) if ctx.accessible(va) else HYP
            target = s.mem.get(ma)
            if target is None or target.owner != want:
                got = _owner_text(None if target is None else target.owner)
                yield Violation(P.Page_tables_owned,
                                f"page table mem[{table}] of guest {o} maps {va} to {ma}, "
                                f"owned by {got} instead of {_owner_text(want)}",
                                {"os": o, "table": table, "vadd": va, "madd": ma})


def _os_tables_exist(ctx: Context, s: State) -> Iterator[Violation]:
    for o, info in s.oss.items():
        pm = s.hyp.get(o)
        ma = None if pm is None else pm.get(info.curr_page)
        page = None if ma is None else s.mem.get(ma)
        if pm is None:
            yield Violation(P.Os_tables_exist, f"guest {o} has no physical map hyp[{o}]",
                            {"os": o})
        elif ma is None:
            yield Violation(P.Os_tables_exist,
                            f"guest {o}'s current page {info.curr_page} is not in hyp[{o}]",
                            {"os": o, "padd": info.curr_page})
        elif page is None or not isinstance(page.content, PT) or page.owner != Os(o):
            yield Violation(P.Os_tables_exist,
                            f"guest {o}'s current page table mem[{ma}] is not a page table "
                            f"owned by Os {o}",
                            {"os": o, "padd": info.curr_page, "madd": ma})
    if s.active_os not in s.oss:
        yield Violation(P.Os_tables_exist, f"the active guest {s.active_os} is not in oss",
                        {"os": s.active_os})
    for o in s.hyp:
        if o not in s.oss:
            yield Violation(P.Os_tables_exist, f"hyp has a map for unknown guest {o}",
                            {"os": o})


def _accessible_mappings_physical(ctx: Context, s: State) -> Iterator[Violation]:
    held_by: dict[int, set[int]] = {}  # each guest's machine pages, computed once
    for table, page in s.mem.items():
        if not (isinstance(page.content, PT) and isinstance(page.owner, Os)):
            continue
        o = page.owner.o
        held = held_by.get(o)
        if held is None:
            pm = s.hyp.get(o)
            held = held_by[o] = set() if pm is None else set(pm.values())
        for va, ma in page.content.m.items():
            if ctx.accessible(va) and ma not in held:
                yield Violation(P.Accessible_mappings_physical,
                                f"page table mem[{table}] of guest {o} maps accessible {va} "
                                f"to machine {ma}, which no physical address of guest {o} "
                                f"names", {"os": o, "table": table, "vadd": va, "madd": ma})


CHECKS = {
    P.Trusted_no_hcall: _trusted_no_hcall,
    P.Running_no_hcall: _running_no_hcall,
    P.Svc_when_privileged: _svc_when_privileged,
    P.Usr_when_untrusted: _usr_when_untrusted,
    P.Hyp_maps_owned: _hyp_maps_owned,
    P.Page_tables_owned: _page_tables_owned,
    P.Os_tables_exist: _os_tables_exist,
    P.Accessible_mappings_physical: _accessible_mappings_physical,
}


def violations_of(ctx: Context, s: State, prop: VsProperty) -> list[Violation]:
    """Every violation of one property."""
    return list(CHECKS[prop](ctx, s))


def valid_state(ctx: Context, s: State) -> list[Violation]:
    """Every violation of every property, in MODEL.md's order (empty: valid)."""
    return [v for prop in VsProperty for v in CHECKS[prop](ctx, s)]


def first_invalid(ctx: Context, s: State) -> VsProperty | None:
    """The first property (in MODEL.md's order) that ``s`` violates."""
    for prop in VsProperty:
        if next(CHECKS[prop](ctx, s), None) is not None:
            return prop
    return None


def is_valid(ctx: Context, s: State) -> bool:
    return first_invalid(ctx, s) is None


class InvalidState(ValueError):
    """A state that is not valid where a valid one is required."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = "\n".join(f"  {v}" for v in violations)
        super().__init__(f"invalid state ({len(violations)} violation(s)):\n{lines}")


def require_valid(ctx: Context, s: State) -> State:
    """``s`` itself if it is valid, else raise ``InvalidState`` naming every violation."""
    violations = valid_state(ctx, s)
    if violations:
        raise InvalidState(violations)
    return s
