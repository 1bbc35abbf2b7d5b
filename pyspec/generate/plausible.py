"""Plausibility heuristics: what a state makes worth trying, read off the state
itself.

These look at the model values only (a guest's current table, its pages of
each kind, the pages it could unpin); they never ask the semantics under test
(`pyspec.semantics`: `pre`, `step`, `post`, `error_msg`), so a fault there
cannot steer generation towards or away from itself.
tests/test_generate.py checks that this package never imports it.
"""

from __future__ import annotations

import random

from pyspec.model import (
    PT, RW, Context, HC_del, HC_lswitch, HC_new, HC_pin, HC_unpin, HyperCall, IntMap, Os,
    OsIdent, Padd, Ptype, State, Vadd,
)

from .scope import Scope

PTYPES = (Ptype.T_RW, Ptype.T_PT)
# Share of plausible HC_new (HC_lswitch) that name one of the guest's pages that
# is not RW (not a page table) instead, when it holds one: serving it meets
# Wrong_page_type after the gate has passed.
WRONG_KIND_SHARE = 0.1
# Share of plausible HC_new and HC_del that name a hypervisor-window address:
# serving it meets No_access_va_os after the gate has passed.
WINDOW_SHARE = 0.03
# Share of plausible HC_unpin that name a page still in use (mostly a page one of
# the guest's tables maps, else the current table): serving it meets Page_in_use.
# A trusted guest unpins by itself and carries on after the error; an untrusted
# guest's refused request stays pending for good (nothing else clears it), so
# its requests name pages in use less often.
IN_USE_SHARE = 0.8
ASKED_IN_USE_SHARE = 0.25
MAPPED_SHARE = 0.85  # of those: a page a table maps, else the current table
# Weights of the hypercall kinds possible for the guest (1 if absent): unpins
# count double, as their service decides three ways past the gate (a free page,
# a page a table maps, the current table).
KIND_WEIGHTS = {"unpin": 2.0}

EMPTY: IntMap = IntMap()


def current_table(s: State, o: OsIdent) -> IntMap:
    """`o`'s current page table, or an empty map."""
    info = s.oss.get(o)
    pm = s.hyp.get(o)
    if info is None or pm is None:
        return EMPTY
    ma = pm.get(info.curr_page)
    page = None if ma is None else s.mem.get(ma)
    if page is None or type(page.content) is not PT:
        return EMPTY
    return page.content.m


def pages_of_kind(s: State, o: OsIdent, kind: type) -> list[Padd]:
    """`o`'s physical pages whose machine page holds `kind` (RW, PT)."""
    pm = s.hyp.get(o)
    if pm is None:
        return []
    mem = s.mem
    return [pa for pa, ma in pm.items()
            if (pg := mem.get(ma)) is not None and type(pg.content) is kind]


def other_pages(s: State, o: OsIdent, kind: type) -> list[Padd]:
    """`o`'s physical pages whose machine page does not hold `kind`."""
    pm = s.hyp.get(o) or EMPTY
    mem = s.mem
    return [pa for pa, ma in pm.items()
            if (pg := mem.get(ma)) is not None and type(pg.content) is not kind]


def in_use(s: State, o: OsIdent) -> tuple[list[Padd], list[Padd], list[Padd]]:
    """`o`'s physical pages split into (unpinnable, mapped by one of `o`'s
    tables, the current table)."""
    pm = s.hyp.get(o)
    if pm is None:
        return [], [], []
    info = s.oss.get(o)
    owner = Os(o)
    targets: set[int] = set()
    for pg in s.mem.values():
        if type(pg.content) is PT and pg.owner == owner:
            targets.update(pg.content.m.values())
    cur = None if info is None else info.curr_page
    free: list[Padd] = []
    mapped: list[Padd] = []
    for pa, ma in pm.items():
        if pa != cur:
            (mapped if ma in targets else free).append(pa)
    return free, mapped, [cur] if cur in pm else []


def accessible_vas(ctx: Context, scope: Scope) -> list[Vadd]:
    window = ctx.hyp_window
    return [va for va in range(scope.vadds) if va not in window]


def plausible_hcall(rng: random.Random, scope: Scope, ctx: Context, s: State,
                    o: OsIdent) -> HyperCall:
    """A hypercall of `o` whose service would probably succeed; by design
    sometimes one that fails past the gate (WRONG_KIND_SHARE, WINDOW_SHARE,
    IN_USE_SHARE).
    Only which kinds are possible decides the first draw, so each candidate
    list is built for the kind drawn alone."""
    table = current_table(s, o)
    window = ctx.hyp_window
    held = s.hyp.get(o) or EMPTY
    mem = s.mem
    has_rw = has_pt = False
    for ma in held.values():
        pg = mem.get(ma)
        if pg is not None:
            t = type(pg.content)
            has_rw = has_rw or t is RW
            has_pt = has_pt or t is PT
    kinds: list[str] = []
    if has_rw and len(window) < scope.vadds:
        kinds.append("new")
    if any(va not in window for va in table):
        kinds.append("del")
    if has_pt:
        kinds.append("lswitch")
    if len(held) < scope.padds:
        kinds.append("pin")
    free, mapped, current = in_use(s, o) if held else ([], [], [])
    used = mapped + current
    in_use_share = IN_USE_SHARE if ctx.trusted(o) else ASKED_IN_USE_SHARE
    if free or (used and rng.random() < in_use_share):
        kinds.append("unpin")
    if not kinds:
        return uniform_hcall(rng, scope)
    kind = rng.choices(kinds, [KIND_WEIGHTS.get(k, 1.0) for k in kinds])[0]
    if kind == "new":
        in_window = window and rng.random() < WINDOW_SHARE
        va = rng.choice(window if in_window else accessible_vas(ctx, scope))
        wrong = other_pages(s, o, RW) if rng.random() < WRONG_KIND_SHARE else []
        return HC_new(va, rng.choice(wrong or pages_of_kind(s, o, RW)))
    if kind == "del":
        in_window = [va for va in table if va in window] if rng.random() < WINDOW_SHARE else []
        return HC_del(rng.choice(in_window or [va for va in table if va not in window]))
    if kind == "lswitch":
        wrong = other_pages(s, o, PT) if rng.random() < WRONG_KIND_SHARE else []
        return HC_lswitch(rng.choice(wrong or pages_of_kind(s, o, PT)))
    if kind == "pin":
        return HC_pin(rng.choice([pa for pa in range(scope.padds) if pa not in held]),
                      rng.choice(PTYPES))
    if free and (not used or rng.random() >= in_use_share):
        return HC_unpin(rng.choice(free))
    # In use: mostly a mapped page, else the current table.
    to_mapped = mapped and (not current or rng.random() < MAPPED_SHARE)
    return HC_unpin(rng.choice(mapped if to_mapped else current))


def uniform_hcall(rng: random.Random, scope: Scope) -> HyperCall:
    """Any hypercall over the scope's addresses."""
    va = rng.randrange(scope.vadds)
    pa = rng.randrange(scope.padds)
    return rng.choice([HC_new(va, pa), HC_del(va), HC_lswitch(pa),
                       HC_pin(pa, rng.choice(PTYPES)), HC_unpin(pa)])


def near_miss(rng: random.Random, scope: Scope, ctx: Context, s: State, o: OsIdent,
              h: HyperCall) -> HyperCall:
    """`h` with exactly one field changed, to another value that is plausible
    on its own (an accessible address, a page `o` holds): serving it asks the
    gate to compare the pending hypercall field by field."""
    held = list(s.hyp.get(o) or EMPTY)
    match h:
        case HC_new(va, pa):
            if rng.random() < 0.5:
                others = [v for v in accessible_vas(ctx, scope) if v != va]
                if others:
                    return HC_new(rng.choice(others), pa)
            others = [p for p in pages_of_kind(s, o, RW) if p != pa] or \
                [p for p in held if p != pa]
            return HC_new(va, rng.choice(others)) if others else h
        case HC_del(va):
            others = [v for v in current_table(s, o) if v != va and v not in ctx.hyp_window]
            return HC_del(rng.choice(others)) if others else h
        case HC_lswitch(pa):
            others = [p for p in pages_of_kind(s, o, PT) if p != pa]
            return HC_lswitch(rng.choice(others)) if others else h
        case HC_pin(pa, t):
            if rng.random() < 0.5:
                return HC_pin(pa, PTYPES[t is Ptype.T_RW])
            others = [p for p in range(scope.padds) if p != pa and p not in held]
            return HC_pin(rng.choice(others), t) if others else h
        case HC_unpin(pa):
            others = [p for p in held if p != pa]
            return HC_unpin(rng.choice(others)) if others else h
    raise TypeError(f"not a hypercall: {h!r}")
