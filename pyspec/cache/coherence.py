"""``cache_coherent``: the caches agree with the base state (and their bounds).

Every cache entry ``va -> pg`` is the page the active guest's table maps
``va`` to, and every TLB entry ``va -> ma`` is that mapping.  Flushing on
``Switch`` keeps this true along every run from empty caches; without the
flush the previous guest's entries survive and break it.
"""

from __future__ import annotations

from pyspec.semantics.derived import maps_to

from .model import CacheConfig, CState


def incoherences(cs: CState, cfg: CacheConfig | None = None) -> list[str]:
    """Why ``cs`` is not coherent, one line per bad entry (empty: coherent)."""
    s = cs.hv
    o = s.active_os
    out: list[str] = []
    for va, ma in cs.tlb.items():
        actual = maps_to(s, o, va)
        if actual != ma:
            out.append(f"tlb[{va}] = {ma} but guest {o}'s table maps {va} to {actual}")
    for va, pg in cs.cache.items():
        ma = maps_to(s, o, va)
        if ma is None:
            out.append(f"cache holds {va}, which guest {o}'s table does not map")
        elif s.mem.get(ma) != pg:
            out.append(f"cache[{va}] differs from mem[{ma}], the page guest {o} maps {va} to")
    if cfg is not None:
        if len(cs.cache) > cfg.cache_size:
            out.append(f"cache has {len(cs.cache)} entries, more than cache_size {cfg.cache_size}")
        if len(cs.tlb) > cfg.tlb_size:
            out.append(f"tlb has {len(cs.tlb)} entries, more than tlb_size {cfg.tlb_size}")
    return out


def cache_coherent(cs: CState, cfg: CacheConfig | None = None) -> bool:
    return not incoherences(cs, cfg)
