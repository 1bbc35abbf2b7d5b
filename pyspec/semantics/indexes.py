"""Indexes of a large ``mem`` for the two traversals of a step (coq/Step.v's
``least_free_page`` and ``mapped_by_own_table_b``), so that a step on a memory
of 10^5 pages costs about what its work costs, not a scan of every page.

Each index is built from ``mem`` once, by one scan, and then follows ``mem``'s
updates (``IntMap.memo``): a step that sets one page passes it on, updated for
that page, to the next state's ``mem``.  Both answer exactly as the scans in
``derived.py`` (tests/test_pyspec_indexes.py compares them on random states).
"""

from __future__ import annotations

from collections import Counter
from heapq import heapify, heappop, heappush

from pyspec.model import MISSING, PT, IntMap, Madd, No_Owner, Os, OsIdent


def _is_free(page: object) -> bool:
    return page is not MISSING and page is not None and isinstance(page.owner, No_Owner)


class FreePages:
    """The free machine addresses, least first: a heap whose entries may have
    been taken since (dropped when they reach the top: an address is pushed
    when it becomes free, never searched for when it stops being free)."""

    __slots__ = ("heap",)

    def __init__(self, mem: IntMap) -> None:
        self.heap = [ma for ma, page in mem.items() if isinstance(page.owner, No_Owner)]
        heapify(self.heap)

    def follow(self, key: int, old: object, new: object) -> None:
        if _is_free(new) and not _is_free(old):
            heappush(self.heap, key)

    def least(self, mem: IntMap) -> Madd | None:
        """The least free address of ``mem``, the map this index belongs to."""
        heap = self.heap
        while heap and not _is_free(mem.get(heap[0])):
            heappop(heap)
        return heap[0] if heap else None


class MappedBy:
    """For each guest ``o``, how many entries of the page tables owned by ``o``
    map to each machine address."""

    __slots__ = ("counts",)

    def __init__(self, mem: IntMap) -> None:
        self.counts: dict[OsIdent, Counter[Madd]] = {}
        for page in mem.values():
            self._add(page, 1)

    def _add(self, page: object, sign: int) -> None:
        """Count ``page``'s table entries ``sign`` times (if it is a guest's table)."""
        if page is MISSING or not isinstance(page.content, PT) or not isinstance(page.owner, Os):
            return
        counts = self.counts.setdefault(page.owner.o, Counter())
        if sign > 0:
            counts.update(page.content.m.values())
        else:
            counts.subtract(page.content.m.values())

    def follow(self, key: int, old: object, new: object) -> None:
        changes = _table_changes(old, new)
        if changes is None:
            self._add(old, -1)
            self._add(new, 1)
            return
        counts = self.counts.setdefault(new.owner.o, Counter())  # type: ignore[union-attr]
        for before, after in changes:
            if before is not MISSING:
                counts[before] -= 1
            if after is not MISSING:
                counts[after] += 1

    def mapped(self, o: OsIdent, ma: Madd) -> bool:
        counts = self.counts.get(o)
        return counts is not None and counts[ma] > 0


def _table_changes(old: object, new: object) -> list[tuple[object, object]] | None:
    """The (before, after) values of the entries that differ between two page
    tables of the same guest; None when the pages are not both tables of one
    guest (then each is counted whole)."""
    if (old is MISSING or new is MISSING or old.owner != new.owner
            or not isinstance(old.owner, Os)
            or not isinstance(old.content, PT) or not isinstance(new.content, PT)):
        return None
    m0, m1 = old.content.m, new.content.m
    keys = m1.changed_since(m0)
    if keys is None:   # compare the entries (machine addresses: hashable), in C
        keys = {k for k, _ in m0.items() ^ m1.items()}
    return [(m0.get(k, MISSING), m1.get(k, MISSING)) for k in keys]
