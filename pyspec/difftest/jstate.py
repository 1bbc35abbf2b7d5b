"""Read-only helpers over JSON states and contexts (docs/protocol.md).

Finite maps are association lists; lookups follow Coq's `Maps.lookup` (the
first binding of a key wins).
"""

from __future__ import annotations

import json
from typing import Any

Json = Any


def lookup(assoc: list, key: int) -> Json | None:
    for k, v in assoc:
        if k == key:
            return v
    return None


def as_dict(assoc: list) -> dict[int, Json]:
    """The map an association list denotes (first binding wins)."""
    out: dict[int, Json] = {}
    for k, v in assoc:
        out.setdefault(k, v)
    return out


def accessible(ctx: Json, va: int) -> bool:
    return va not in ctx["hyp_window"]


def trusted(ctx: Json, o: int) -> bool:
    return o in ctx["trusted_oss"]


def physical_map(state: Json, o: int) -> dict[int, int]:
    pm = lookup(state["hyp"], o)
    return as_dict(pm) if pm is not None else {}


def current_table(state: Json, o: int) -> dict[int, int] | None:
    """`o`'s current page table as a dict, or None if it has none."""
    info = lookup(state["oss"], o)
    if info is None:
        return None
    ma = physical_map(state, o).get(info["curr_page"])
    if ma is None:
        return None
    page = lookup(state["mem"], ma)
    if page is None or not isinstance(page["content"], list) or page["content"][0] != "PT":
        return None
    return as_dict(page["content"][1])


def maps_to(state: Json, o: int, va: int) -> int | None:
    table = current_table(state, o)
    return None if table is None else table.get(va)


def content_kind(page: Json | None) -> str | None:
    """"RW", "PT", "Other", or None when there is no page."""
    if page is None:
        return None
    c = page["content"]
    return c if isinstance(c, str) else c[0]


def free_pages(state: Json) -> list[int]:
    return sorted(ma for ma, pg in as_dict(state["mem"]).items() if pg["owner"] == "No_Owner")


def owner_os(page: Json) -> int | None:
    ow = page["owner"]
    return ow[1] if isinstance(ow, list) else None


def canonical(value: Json) -> Json:
    """A normal form in which two states are equal iff they denote the same
    state: every association list becomes its map, sorted by key.  Used to
    compare states extensionally (Coq's `meq`), whatever the list order."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(e, list) and len(e) == 2 and isinstance(e[0], int)
                         and not isinstance(e[0], bool) for e in value):
            return [[k, canonical(v)] for k, v in sorted(as_dict(value).items())]
        return [canonical(v) for v in value]
    return value


def dumps(value: Json) -> str:
    return json.dumps(value, separators=(",", ":"))
