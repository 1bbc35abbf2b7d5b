"""What a guest sees of the caches, and equivalence with caches (coq/CacheView.v).

The caches belong to the active guest, and what it can learn from them is
where its next accesses will be served from: that depends on which virtual
addresses the cache and the TLB hold, in their FIFO order (the order decides
evictions), not on the copied pages or machine addresses (reads answer from
memory in this model).  A guest that is not active sees nothing of them: the
caches it will meet when it runs again are decided at ``Switch``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspec.model import Context, OsIdent, Vadd
from pyspec.semantics.isolation import os_equivalent

from .model import CState


@dataclass(frozen=True)
class CacheView:
    cache: tuple[Vadd, ...]   # cached virtual addresses, oldest first
    tlb: tuple[Vadd, ...]


def cache_view(o: OsIdent, cs: CState) -> CacheView | None:
    """Guest ``o``'s view of the caches: ``None`` unless ``o`` is active."""
    if cs.hv.active_os != o:
        return None
    return CacheView(tuple(cs.cache), tuple(cs.tlb))


def os_cequiv(ctx: Context, o: OsIdent, cs1: CState, cs2: CState) -> bool:
    """``o`` cannot tell the two states apart: base equivalence and equal cache views."""
    return os_equivalent(ctx, o, cs1.hv, cs2.hv) and cache_view(o, cs1) == cache_view(o, cs2)
