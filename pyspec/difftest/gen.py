"""Action generation: random, biased towards actions whose precondition holds.

Most steps are chosen from what the current state makes plausible (mapped
addresses, the pending hypercall, free pages, pinned physical pages), so
long sequences get deep into the state space; a fixed share is drawn
uniformly from the whole scope so that every error path is still exercised.
Hypercall protocols come out as episodes: after `Hcall h` the hypervisor
almost always serves `h` next and then returns control with `Chmod`.
A plausible `HC_new` or `HC_lswitch` sometimes names a page of the wrong
kind on purpose (WRONG_KIND_SHARE), so that serving it meets
`Wrong_page_type` after the hypercall gate has passed: uniform draws
alone reach those cells only rarely.
"""

from __future__ import annotations

import random
from typing import Callable

from pyspec import codec
from pyspec.model import PT, RW, Os, OsActivity

from .jstate import (Json, accessible, as_dict, content_kind, current_table, lookup,
                     physical_map, trusted)
from .scope import Scope

PTYPES = ("T_RW", "T_PT")
ERROR_SHARE = 0.15
# Share of plausible HC_new (HC_lswitch) that name one of the guest's page-table
# (RW) pages instead, when it holds one: New (Lswitch) then fails with Wrong_page_type.
WRONG_KIND_SHARE = 0.03


def uniform_action(rng: random.Random, scope: Scope) -> Json:
    """Any action over the scope's ranges; guest ids 0..guests+2, one beyond the
    0..guests+1 that states draw theirs from."""
    o = rng.randrange(scope.guests + 3)
    va = rng.randrange(scope.vadds)
    pa = rng.randrange(scope.padds)
    v = rng.randrange(scope.values)
    t = rng.choice(PTYPES)
    return rng.choice([
        ["Read", va], ["Write", va, v], ["Read_hyper", va], ["Write_hyper", va, v],
        ["Hcall", uniform_hcall(rng, scope)], ["New", o, va, pa], ["Del", o, va],
        ["Lswitch", o, pa], ["Switch", o], "Ret_ctrl", "Chmod", ["Page_pin", o, pa, t],
        ["Page_unpin", o, pa], "Silent",
    ])


def uniform_hcall(rng: random.Random, scope: Scope) -> Json:
    va = rng.randrange(scope.vadds)
    pa = rng.randrange(scope.padds)
    return rng.choice([["HC_new", va, pa], ["HC_del", va], ["HC_lswitch", pa],
                       ["HC_pin", pa, rng.choice(PTYPES)], ["HC_unpin", pa]])


def _pages_of_kind(state: Json, o: int, kind: str) -> list[int]:
    mem = as_dict(state["mem"])
    return [pa for pa, ma in physical_map(state, o).items() if content_kind(mem.get(ma)) == kind]


def _unpinnable(state: Json, o: int) -> list[int]:
    """Physical pages of `o` that are neither current nor mapped by `o`'s tables."""
    info = lookup(state["oss"], o)
    mapped: set[int] = set()
    for pg in as_dict(state["mem"]).values():
        if pg["owner"] == ["Os", o] and content_kind(pg) == "PT":
            mapped.update(ma for _, ma in pg["content"][1])
    return [pa for pa, ma in physical_map(state, o).items()
            if ma not in mapped and (info is None or info["curr_page"] != pa)]


def plausible_hcall(rng: random.Random, scope: Scope, ctx: Json, state: Json, o: int) -> Json:
    """A hypercall of `o` whose service would probably succeed (or, by design,
    sometimes fail with Wrong_page_type: WRONG_KIND_SHARE)."""
    table = current_table(state, o) or {}
    choices: list[Callable[[], Json]] = []
    rw = _pages_of_kind(state, o, "RW")
    pts = _pages_of_kind(state, o, "PT")
    acc_vas = [va for va in range(scope.vadds) if accessible(ctx, va)]

    def wrong_kind(usual: list[int], other: list[int]) -> list[int]:
        """Mostly `usual`; WRONG_KIND_SHARE of the time `other` if there is one
        (one draw either way)."""
        return other if rng.random() < WRONG_KIND_SHARE and other else usual

    if rw and acc_vas:
        choices.append(lambda: ["HC_new", rng.choice(acc_vas), rng.choice(wrong_kind(rw, pts))])
    mapped = [va for va in table if accessible(ctx, va)]
    if mapped:
        choices.append(lambda: ["HC_del", rng.choice(mapped)])
    if pts:
        choices.append(lambda: ["HC_lswitch", rng.choice(wrong_kind(pts, rw))])
    unused = [pa for pa in range(scope.padds) if pa not in physical_map(state, o)]
    if unused:
        choices.append(lambda: ["HC_pin", rng.choice(unused), rng.choice(PTYPES)])
    unpinnable = _unpinnable(state, o)
    if unpinnable:
        choices.append(lambda: ["HC_unpin", rng.choice(unpinnable)])
    if not choices:
        return uniform_hcall(rng, scope)
    return rng.choice(choices)()


def serve(o: int, h: Json) -> Json:
    """The hypervisor action that serves hypercall `h` of guest `o`."""
    kind = h[0]
    if kind == "HC_new":
        return ["New", o, h[1], h[2]]
    if kind == "HC_del":
        return ["Del", o, h[1]]
    if kind == "HC_lswitch":
        return ["Lswitch", o, h[1]]
    if kind == "HC_pin":
        return ["Page_pin", o, h[1], h[2]]
    return ["Page_unpin", o, h[1]]


def _access(rng: random.Random, scope: Scope, ctx: Json, state: Json, hyper: bool) -> Json:
    """A read or write of a mapped address on the right side of the window."""
    table = current_table(state, state["active_os"]) or {}
    vas = [va for va in table if accessible(ctx, va) != hyper]
    va = rng.choice(vas) if vas else rng.randrange(scope.vadds)
    if rng.random() < 0.5:
        return ["Read_hyper", va] if hyper else ["Read", va]
    v = rng.randrange(scope.values)
    return ["Write_hyper", va, v] if hyper else ["Write", va, v]


def plausible_action(rng: random.Random, scope: Scope, ctx: Json, state: Json) -> Json:
    o = state["active_os"]
    info = lookup(state["oss"], o)
    if state["activity"] == "Running":
        r = rng.random()
        if r < 0.45:
            return _access(rng, scope, ctx, state, hyper=False)
        if r < 0.55:
            return "Ret_ctrl"
        if trusted(ctx, o):
            return serve(o, plausible_hcall(rng, scope, ctx, state, o))
        return ["Hcall", plausible_hcall(rng, scope, ctx, state, o)]
    pending = info["hcall"] if info is not None else None
    if pending is not None and rng.random() < 0.85:
        return serve(o, pending)
    r = rng.random()
    if r < 0.45:
        return "Chmod"
    if r < 0.65:
        return ["Switch", rng.choice([k for k, _ in state["oss"]])]
    if r < 0.8:
        waiting = [(k, i["hcall"]) for k, i in state["oss"] if i["hcall"] is not None]
        if waiting:
            k, h = rng.choice(waiting)
            return serve(k, h)
    return _access(rng, scope, ctx, state, hyper=True)


def next_action(rng: random.Random, scope: Scope, ctx: Json, state: Json,
                error_share: float = ERROR_SHARE) -> Json:
    if rng.random() < error_share:
        return uniform_action(rng, scope)
    return plausible_action(rng, scope, ctx, state)


# -- the same generator over pyspec's model states ----------------------------------
#
# The campaign generates from pyspec's own (immutable) states: the functions below
# draw exactly what `next_action` draws from the JSON encoding of the same state
# (same random calls in the same order, maps iterated in the same order), without
# encoding the state or scanning association lists.  tests/test_difftest_gen.py
# checks the two agree on random states and seeds.

_HCALL_JSON: dict[object, Json] = {}


def _hcall_json(h: object) -> Json:
    j = _HCALL_JSON.get(h)
    if j is None:
        j = _HCALL_JSON[h] = codec.encode(h)
    return j


def _m_table(s: object, o: int) -> object:
    """`o`'s current page table (an IntMap) or an empty dict."""
    info = s.oss.get(o)
    if info is None:
        return {}
    pm = s.hyp.get(o)
    ma = None if pm is None else pm.get(info.curr_page)
    page = None if ma is None else s.mem.get(ma)
    if page is None or type(page.content) is not PT:
        return {}
    return page.content.m


def _m_pages_of_kind(s: object, o: int, kind: type) -> list[int]:
    pm = s.hyp.get(o)
    if pm is None:
        return []
    mem = s.mem
    out = []
    for pa, ma in pm.items():
        pg = mem.get(ma)
        if pg is not None and type(pg.content) is kind:
            out.append(pa)
    return out


def _m_unpinnable(s: object, o: int) -> list[int]:
    pm = s.hyp.get(o)
    if pm is None:
        return []
    info = s.oss.get(o)
    owner = Os(o)
    mapped: set[int] = set()
    for pg in s.mem.values():
        if pg.owner == owner and type(pg.content) is PT:
            mapped.update(pg.content.m.values())
    cur = None if info is None else info.curr_page
    return [pa for pa, ma in pm.items() if ma not in mapped and pa != cur]


def _m_plausible_hcall(rng: random.Random, scope: Scope, ctx: object, s: object,
                       o: int) -> Json:
    """`plausible_hcall` over model values.  Only which kinds of hypercall are
    possible decides the first draw, so each candidate list is built only for
    the kind drawn (the same draws, in the same order)."""
    table = _m_table(s, o)
    window = ctx.hyp_window
    pm = s.hyp.get(o)
    held = pm if pm is not None else {}
    mem = s.mem
    has_rw = has_pt = False
    for ma in held.values():
        pg = mem.get(ma)
        if pg is not None:
            t = type(pg.content)
            has_rw = has_rw or t is RW
            has_pt = has_pt or t is PT
    kinds: list[str] = []
    if has_rw and any(va not in window for va in range(scope.vadds)):
        kinds.append("HC_new")
    if any(va not in window for va in table):
        kinds.append("HC_del")
    if has_pt:
        kinds.append("HC_lswitch")
    if any(pa not in held for pa in range(scope.padds)):
        kinds.append("HC_pin")
    unpinnable = _m_unpinnable(s, o) if held else []
    if unpinnable:
        kinds.append("HC_unpin")
    if not kinds:
        return uniform_hcall(rng, scope)
    kind = rng.choice(kinds)
    if kind == "HC_new":
        acc_vas = [va for va in range(scope.vadds) if va not in window]
        va = rng.choice(acc_vas)
        wrong = rng.random() < WRONG_KIND_SHARE and has_pt
        return ["HC_new", va, rng.choice(_m_pages_of_kind(s, o, PT if wrong else RW))]
    if kind == "HC_del":
        return ["HC_del", rng.choice([va for va in table if va not in window])]
    if kind == "HC_lswitch":
        wrong = rng.random() < WRONG_KIND_SHARE and has_rw
        return ["HC_lswitch", rng.choice(_m_pages_of_kind(s, o, RW if wrong else PT))]
    if kind == "HC_pin":
        return ["HC_pin", rng.choice([pa for pa in range(scope.padds) if pa not in held]),
                rng.choice(PTYPES)]
    return ["HC_unpin", rng.choice(unpinnable)]


def _m_access(rng: random.Random, scope: Scope, ctx: object, s: object, hyper: bool) -> Json:
    window = ctx.hyp_window
    vas = [va for va in _m_table(s, s.active_os) if (va in window) == hyper]
    va = rng.choice(vas) if vas else rng.randrange(scope.vadds)
    if rng.random() < 0.5:
        return ["Read_hyper", va] if hyper else ["Read", va]
    v = rng.randrange(scope.values)
    return ["Write_hyper", va, v] if hyper else ["Write", va, v]


def plausible_action_model(rng: random.Random, scope: Scope, ctx: object, s: object) -> Json:
    """`plausible_action` over model values (`ctx`: Context, `s`: State)."""
    o = s.active_os
    info = s.oss.get(o)
    if s.activity is OsActivity.Running:
        r = rng.random()
        if r < 0.45:
            return _m_access(rng, scope, ctx, s, hyper=False)
        if r < 0.55:
            return "Ret_ctrl"
        if o in ctx.trusted_oss:
            return serve(o, _m_plausible_hcall(rng, scope, ctx, s, o))
        return ["Hcall", _m_plausible_hcall(rng, scope, ctx, s, o)]
    pending = info.hcall if info is not None else None
    if pending is not None and rng.random() < 0.85:
        return serve(o, _hcall_json(pending))
    r = rng.random()
    if r < 0.45:
        return "Chmod"
    if r < 0.65:
        return ["Switch", rng.choice(list(s.oss))]
    if r < 0.8:
        waiting = [(k, i.hcall) for k, i in s.oss.items() if i.hcall is not None]
        if waiting:
            k, h = rng.choice(waiting)
            return serve(k, _hcall_json(h))
    return _m_access(rng, scope, ctx, s, hyper=True)


def next_action_model(rng: random.Random, scope: Scope, ctx: object, s: object,
                      error_share: float = ERROR_SHARE) -> Json:
    """`next_action` over model values: the same draw as `next_action` on the
    JSON encodings of `ctx` and `s`."""
    if rng.random() < error_share:
        return uniform_action(rng, scope)
    return plausible_action_model(rng, scope, ctx, s)


def relevant_actions(scope: Scope, ctx: Json, state: Json) -> list[Json]:
    """Every action worth trying from `state` in bounded-exhaustive mode: the
    guests plus one unknown id, the vas in scope, the physical pages each
    guest has plus one it has not, one written value."""
    known = sorted(as_dict(state["oss"]))
    guests = known + [max(known) + 1]
    vas = list(range(scope.vadds))
    held = {pa for o in known for pa in physical_map(state, o)}
    pas = sorted(held | {min(set(range(len(held) + 1)) - held)})
    hcalls: list[Json] = ([["HC_new", va, pa] for va in vas for pa in pas]
                          + [["HC_del", va] for va in vas] + [["HC_lswitch", pa] for pa in pas]
                          + [["HC_pin", pa, t] for pa in pas for t in PTYPES]
                          + [["HC_unpin", pa] for pa in pas])
    acts: list[Json] = []
    acts += [["Read", va] for va in vas] + [["Write", va, 1] for va in vas]
    acts += [["Read_hyper", va] for va in vas] + [["Write_hyper", va, 1] for va in vas]
    acts += [["Hcall", h] for h in hcalls]
    for o in guests:
        acts += [["New", o, va, pa] for va in vas for pa in pas]
        acts += [["Del", o, va] for va in vas] + [["Lswitch", o, pa] for pa in pas]
        acts += [["Switch", o]]
        acts += [["Page_pin", o, pa, t] for pa in pas for t in PTYPES]
        acts += [["Page_unpin", o, pa] for pa in pas]
    return acts + ["Ret_ctrl", "Chmod", "Silent"]
