"""Shared by the IntMap tests: a map's versions along persistent updates,
each beside the dict that the same updates give."""

from __future__ import annotations

from pyspec.model import IntMap

Op = tuple[bool, int, int]    # (set rather than remove, key, value)


def versions(start: IntMap, ops: list[Op]) -> list[tuple[IntMap, dict]]:
    """`start` and each map after one more op, with the dict it should read as."""
    m, expected = start, dict(start.items())
    history = [(m, dict(expected))]
    for is_set, k, v in ops:
        if is_set:
            m = m.set(k, v)
            expected[k] = v
        else:
            m = m.remove(k)
            expected.pop(k, None)
        history.append((m, dict(expected)))
    return history
