"""Random valid states: `generate_state(rng, scope)`.

The shapes that make bugs show are all drawn with fair odds: trusted and
untrusted guests, mostly both in one state (`MIXED_SHARE`), running and
waiting, pending hypercalls of every kind (`scope.hcall_rate` per untrusted
guest; and mostly, `ASKING_ACTIVE_SHARE`, the active guest is an untrusted one
waiting on its own), a hypervisor window shared by
every guest and mapped to `Hyp` pages (some of them `Other`, so that
`Read_hyper`/`Write_hyper` meet `Wrong_page_type`), free pages, several page
tables per guest (so some are owned but not current), pages a guest owns
outside its physical map ("orphans", which valid_state allows, page tables
included), and virtual addresses sharing a page (aliasing, within a table and
across tables).
"""

from __future__ import annotations

import random

from pyspec.model import (
    HYP, NO_OWNER, OTHER, PT, RW, Context, IntMap, Madd, Mode, Os, OsActivity, OsIdent,
    OsInfo, Padd, Page, State, Vadd,
)

from .plausible import plausible_hcall
from .scope import Scope

VALUES = range(100)           # contents of the RW pages of generated states
HYP_PAGE_SHARE = 0.15         # of the pages beyond the guests' first tables
OWNED_SHARE = 0.7             # of the remaining pages, owned by a guest (else free)
OTHER_HYP_PAGE_SHARE = 0.15   # states with one hypervisor page turned into Other
# States with an untrusted guest: one of them is active and waits on its own
# pending hypercall (drawn if it had none) this often.  There Chmod and the
# hypercall gate decide, from the first action of a run on.
ASKING_ACTIVE_SHARE = 0.7
# States with guests of both kinds (else any count, all or none trusted too):
# both gates side by side, a trusted guest acting while an untrusted one waits.
MIXED_SHARE = 0.85


def generate_state(rng: random.Random, scope: Scope = Scope()) -> tuple[Context, State]:
    """A random valid state of `scope` and its context."""
    guests = rng.sample(range(scope.guests + 2), scope.guests)
    n_trusted = scope.trusted if scope.trusted is not None else _trusted_count(rng, scope)
    window = rng.sample(range(scope.vadds), scope.window)
    ctx = Context(tuple(window), tuple(rng.sample(guests, n_trusted)))

    madds = list(range(scope.pages))
    rng.shuffle(madds)
    owner_of: dict[Madd, OsIdent | None] = dict(zip(madds, guests))  # a table each
    hyp_pages = [ma for ma in madds[scope.guests:] if window and rng.random() < HYP_PAGE_SHARE]
    for ma in madds[scope.guests:]:
        if ma not in hyp_pages:
            owner_of[ma] = rng.choice(guests) if rng.random() < OWNED_SHARE else None

    hyp: dict[OsIdent, dict[Padd, Madd]] = {o: {} for o in guests}
    tables: dict[OsIdent, list[Madd]] = {o: [] for o in guests}   # pinned tables
    n_tables = dict.fromkeys(guests, 0)                           # orphans included
    first_tables = set(madds[:scope.guests])
    kinds: dict[Madd, str] = {}
    for ma, o in owner_of.items():
        if o is None:
            continue
        first = ma in first_tables
        pinned = first or rng.random() >= scope.orphan_rate
        if pinned and len(hyp[o]) >= scope.padds:   # no physical address left: free it
            owner_of[ma] = None
            continue
        if pinned:
            hyp[o][rng.choice([p for p in range(scope.padds) if p not in hyp[o]])] = ma
        if first or (n_tables[o] < scope.max_page_tables and rng.random() < 0.25):
            kinds[ma] = "PT"
            n_tables[o] += 1
            if pinned:
                tables[o].append(ma)
        else:
            kinds[ma] = "RW" if rng.random() < 0.8 else "Other"

    shared_window = {va: rng.choice(hyp_pages) for va in window} if hyp_pages else {}
    other_hyp = (rng.choice(hyp_pages)
                 if hyp_pages and rng.random() < OTHER_HYP_PAGE_SHARE else None)
    mem: dict[Madd, Page] = {}
    for ma in madds:
        o = owner_of.get(ma)
        if ma in hyp_pages:
            mem[ma] = Page(OTHER if ma == other_hyp else RW(_maybe_value(rng)), HYP)
        elif o is None:
            mem[ma] = Page(OTHER, NO_OWNER)
        elif kinds[ma] == "PT":
            own = list(hyp[o].values())
            own_rw = [m for m in own if kinds.get(m) == "RW"]
            mem[ma] = Page(PT(_random_table(rng, ctx, scope, own, own_rw, shared_window,
                                            hyp_pages)), Os(o))
        elif kinds[ma] == "RW":
            mem[ma] = Page(RW(_maybe_value(rng)), Os(o))
        else:
            mem[ma] = Page(OTHER, Os(o))

    inverse = {o: {ma: pa for pa, ma in pm.items()} for o, pm in hyp.items()}
    oss = {o: OsInfo(inverse[o][rng.choice(tables[o])]) for o in guests}
    s = State(guests[0], Mode.Svc, OsActivity.Waiting, IntMap(oss),
              IntMap({o: IntMap(pm) for o, pm in hyp.items()}), IntMap(mem))
    for o in guests:
        if not ctx.trusted(o) and rng.random() < scope.hcall_rate:
            oss[o] = OsInfo(oss[o].curr_page, plausible_hcall(rng, scope, ctx, s, o))
    untrusted = [o for o in guests if not ctx.trusted(o)]
    if untrusted and rng.random() < ASKING_ACTIVE_SHARE:
        active = rng.choice(untrusted)
        if oss[active].hcall is None:
            oss[active] = OsInfo(oss[active].curr_page,
                                 plausible_hcall(rng, scope, ctx, s, active))
    else:
        active = rng.choice(guests)
    running = oss[active].hcall is None and rng.random() < 0.5
    activity = OsActivity.Running if running else OsActivity.Waiting
    mode = Mode.Usr if running and not ctx.trusted(active) else Mode.Svc
    return ctx, State(active, mode, activity, IntMap(oss), s.hyp, s.mem)


def _trusted_count(rng: random.Random, scope: Scope) -> int:
    """Mostly guests of both kinds, else any count (all or none trusted too)."""
    if scope.guests > 1 and rng.random() < MIXED_SHARE:
        return rng.randint(1, scope.guests - 1)
    return rng.randint(0, scope.guests)


def _maybe_value(rng: random.Random) -> int | None:
    return None if rng.random() < 0.2 else rng.choice(VALUES)


def _random_table(rng: random.Random, ctx: Context, scope: Scope, own: list[Madd],
                  own_rw: list[Madd], shared_window: dict[Vadd, Madd],
                  hyp_pages: list[Madd]) -> IntMap[Madd]:
    """Accessible addresses go to the guest's own pages, mostly to a few RW
    ones (so two addresses often share one), window addresses to hypervisor
    pages (usually the one every guest shares)."""
    table: dict[Vadd, Madd] = {}
    favourites = rng.sample(own_rw or own, min(len(own_rw or own), 2)) if own else []
    for va in rng.sample(range(scope.vadds), scope.vadds):
        if ctx.accessible(va):
            if favourites and rng.random() < 0.5:
                table[va] = rng.choice(favourites if rng.random() < 0.6 else own)
        elif shared_window and rng.random() < 0.7:
            shared = rng.random() < 0.85
            table[va] = shared_window[va] if shared else rng.choice(hyp_pages)
    return IntMap(table)
