"""``cstep`` and ``ctrace`` (coq/CacheStep.v), written from the Coq definitions.

The base ``step`` decides the response and the base state; the caches only
record where each guest access was served from.  Maps keep Coq's list order
(``IntMap`` appends new keys and updates in place), which is what makes the
FIFO eviction of ``bounded_insert`` (drop the first entry) the same here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pyspec.model import (
    OK, Action, Context, Del, Error, IntMap, Lswitch, Madd, New, Page, Read, State, Switch,
    Vadd, Write,
)
from pyspec.semantics.derived import maps_to
from pyspec.semantics.step import step

from .model import AccessObs, CacheConfig, CResult, CState

V = TypeVar("V")


def bounded_insert(n: int, m: IntMap[V], k: int, v: V) -> IntMap[V]:
    """Insert into a map of at most ``n`` entries, evicting the oldest when full."""
    if k in m or len(m) < n:
        return m.set(k, v)
    if not m:
        return m  # size 0: keeps nothing
    oldest = next(iter(m))
    return m.remove(oldest).set(k, v)


def flush(s: State) -> CState:
    return CState(s, IntMap(), IntMap())


def keep(cs: CState, s: State) -> CState:
    return CState(s, cs.cache, cs.tlb)


def invalidate(cs: CState, s: State, va: Vadd) -> CState:
    return CState(s, cs.cache.remove(va), cs.tlb.remove(va))


def served_from(cs: CState, va: Vadd) -> AccessObs:
    if va in cs.cache:
        return AccessObs.Cache_hit
    if va in cs.tlb:
        return AccessObs.Tlb_hit
    return AccessObs.Page_walk


def drop_aliases(s: State, va: Vadd, ma: Madd, cache: IntMap[Page]) -> IntMap[Page]:
    """Drop the entries of addresses other than ``va`` that ``s`` maps to ``ma``."""
    return IntMap((k, pg) for k, pg in cache.items()
                  if k == va or maps_to(s, s.active_os, k) != ma)


def fill(cfg: CacheConfig, cs: CState, s2: State, va: Vadd, ma: Madd) -> CState:
    tlb = cs.tlb if va in cs.tlb else bounded_insert(cfg.tlb_size, cs.tlb, va, ma)
    page = s2.mem.get(ma)
    cache = cs.cache if page is None else bounded_insert(cfg.cache_size, cs.cache, va, page)
    return CState(s2, cache, tlb)


def guest_access(cfg: CacheConfig, cs: CState, s2: State, va: Vadd, is_write: bool) -> CResult:
    s = cs.hv
    ma = maps_to(s, s.active_os, va)
    if ma is None:  # unreachable: the access succeeded
        return CResult(OK, None, keep(cs, s2))
    filled = fill(cfg, cs, s2, va, ma)
    if is_write:
        filled = CState(s2, drop_aliases(s, va, ma, filled.cache), filled.tlb)
    return CResult(OK, served_from(cs, va), filled)


def cstep(cfg: CacheConfig, ctx: Context, cs: CState, a: Action) -> CResult:
    s = cs.hv
    r = step(ctx, s, a)
    s2 = r.result_state
    if isinstance(r.response, Error):
        return CResult(r.response, None, cs)
    match a:
        case Read(va):
            return guest_access(cfg, cs, s2, va, False)
        case Write(va, _):
            return guest_access(cfg, cs, s2, va, True)
        case Switch():
            return CResult(OK, None, flush(s2) if cfg.flush_on_switch else keep(cs, s2))
        case Lswitch(o, _):
            return CResult(OK, None, flush(s2) if o == s.active_os else keep(cs, s2))
        case New(o, va, _) | Del(o, va):
            return CResult(OK, None, invalidate(cs, s2, va) if o == s.active_os else keep(cs, s2))
    return CResult(OK, None, keep(cs, s2))


def ctrace(cfg: CacheConfig, ctx: Context, cs: CState, actions: Iterable[Action]) -> list[CResult]:
    results = []
    for a in actions:
        r = cstep(cfg, ctx, cs, a)
        results.append(r)
        cs = r.cresult_state
    return results
