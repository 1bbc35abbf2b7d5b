"""``cache_coherent`` (coq/CacheCoherence.v): the caches agree with the base state.

Every cached address is a guest address (outside the hypervisor window) that
the active guest's current table maps to a machine page whose content is an
RW page equal to the cached copy; every TLB entry is that table walk; keys
are unique (an ``IntMap`` cannot repeat a key) and the sizes are within the
configured bounds.  Flushing on ``Switch`` keeps this true along every run
from valid states; without the flush the previous guest's entries survive
and break it.
"""

from __future__ import annotations

from pyspec.model import RW, Context
from pyspec.semantics.derived import maps_to

from .model import CacheConfig, CState


def incoherences(cfg: CacheConfig, ctx: Context, cs: CState) -> list[str]:
    """Why ``cs`` is not coherent, one line per broken clause (empty: coherent)."""
    s = cs.hv
    o = s.active_os
    out: list[str] = []
    for va, pg in cs.cache.items():
        ma = maps_to(s, o, va)
        if not ctx.accessible(va):
            out.append(f"cache holds {va}, a hypervisor window address")
        elif not isinstance(pg.content, RW):
            out.append(f"cache[{va}] is not an RW page")
        elif ma is None:
            out.append(f"cache holds {va}, which guest {o}'s table does not map")
        elif s.mem.get(ma) != pg:
            out.append(f"cache[{va}] differs from mem[{ma}], the page guest {o} maps {va} to")
    for va, ma in cs.tlb.items():
        actual = maps_to(s, o, va)
        if actual != ma:
            out.append(f"tlb[{va}] = {ma} but guest {o}'s table maps {va} to {actual}")
    if len(cs.cache) > cfg.cache_size:
        out.append(f"cache has {len(cs.cache)} entries, more than cache_size {cfg.cache_size}")
    if len(cs.tlb) > cfg.tlb_size:
        out.append(f"tlb has {len(cs.tlb)} entries, more than tlb_size {cfg.tlb_size}")
    return out


def cache_coherent(cfg: CacheConfig, ctx: Context, cs: CState) -> bool:
    return not incoherences(cfg, ctx, cs)
