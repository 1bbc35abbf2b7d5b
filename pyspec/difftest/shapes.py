"""State-shape obligations: features of a state that make bugs show, chosen
from the model and from what its proofs case-split on.

* aliasing: two accessible virtual addresses of one table on one page
  (`alias`), one page mapped by two tables at accessible addresses
  (`page_in_two_tables`), a hypervisor page in two guests' windows
  (`window_shared`);
* page tables: owned and pinned but not current (`table_not_current`), owned
  outside the physical map, so neither current nor reachable
  (`table_outside_physical_map`, the `o`-invisible case of
  coq/UnwindingResponse.v), an accessible address mapped to a page table
  (`maps_a_table`), other orphan pages (`page_outside_physical_map`);
* the hypervisor window: mapped (`window_mapped`), to a page that is not RW
  (`window_not_rw`);
* memory: none free (`memory_exhausted`), exactly one free (`one_free_page`:
  `least_free_page` has no choice);
* control: the active guest trusted or untrusted in each activity
  (`trusted_running`, ...: the `trusted ctx o` split of every gate proof);
  pending hypercalls of each kind (`pending_HC_new`, ...), of the active
  guest while the hypervisor runs (`pending_active`), of two guests at once
  (`pending_two_guests`).
"""

from __future__ import annotations

from pyspec.model import NO_OWNER, PT, RW, Context, Os, OsActivity, State

HCALL_KINDS = ("HC_new", "HC_del", "HC_lswitch", "HC_pin", "HC_unpin")
SHAPES: tuple[str, ...] = (
    "alias", "page_in_two_tables", "window_shared", "table_not_current",
    "table_outside_physical_map", "maps_a_table", "page_outside_physical_map",
    "window_mapped", "window_not_rw", "memory_exhausted", "one_free_page",
    "trusted_running", "trusted_waiting", "untrusted_running", "untrusted_waiting",
    *(f"pending_{k}" for k in HCALL_KINDS), "pending_active", "pending_two_guests",
)


def shapes(ctx: Context, s: State) -> list[str]:
    """The shapes `s` has (names of `SHAPES`), in one pass over memory."""
    window = ctx.hyp_window
    pages = list(s.mem.items())
    kind = {ma: type(page.content) for ma, page in pages}
    pinned: dict[int, set[int]] = {o: set(pm.values()) for o, pm in s.hyp.items()}
    current = set()
    for o, info in s.oss.items():
        ma = s.hyp[o].get(info.curr_page) if o in s.hyp else None
        current.add(ma)
    free = 0
    in_tables: set[int] = set()          # pages mapped at accessible addresses
    in_window: dict[int, object] = {}    # hypervisor page -> first table owner mapping it
    flags: set[str] = set()
    add = flags.add
    for ma, page in pages:
        owner = page.owner
        if owner == NO_OWNER:
            free += 1
            continue
        own_pages = pinned.get(owner.o, ()) if type(owner) is Os else None
        is_table = kind[ma] is PT
        if own_pages is not None and ma not in own_pages:
            add("table_outside_physical_map" if is_table else "page_outside_physical_map")
        if not is_table:
            continue
        if own_pages is not None and ma in own_pages and ma not in current:
            add("table_not_current")
        targets: list[int] = []
        for va, target in page.content.m.items():
            if va in window:
                add("window_mapped")
                if kind.get(target) is not RW:
                    add("window_not_rw")
                first = in_window.setdefault(target, owner)
                if first != owner:
                    add("window_shared")
            else:
                targets.append(target)
                if kind.get(target) is PT:
                    add("maps_a_table")
        if len(set(targets)) < len(targets):
            add("alias")
        if not in_tables.isdisjoint(targets):
            add("page_in_two_tables")
        in_tables.update(targets)
    if free == 0:
        add("memory_exhausted")
    elif free == 1:
        add("one_free_page")
    running = s.activity is OsActivity.Running
    trust = "trusted" if s.active_os in ctx.trusted_oss else "untrusted"
    add(f"{trust}_{'running' if running else 'waiting'}")
    pending = 0
    for o, info in s.oss.items():
        if info.hcall is not None:
            pending += 1
            add(f"pending_{info.hcall.TAG}")
            if o == s.active_os and not running:
                add("pending_active")
    if pending > 1:
        add("pending_two_guests")
    return [name for name in SHAPES if name in flags]
