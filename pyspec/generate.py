"""Random valid states and biased random actions, seeded and reproducible.

``generate_state(rng, scope)`` builds a valid state within a ``Scope`` covering
the interesting shapes: trusted and untrusted guests, pending hypercalls, a
hypervisor window shared by every guest and mapped to ``Hyp`` pages, free pages,
several page tables per guest, pages a guest owns outside its physical map
("orphans", which valid_state allows), running and waiting.  ``random_action(rng, ctx,
s, error_rate)`` draws an action that passes its precondition with probability
about ``1 - error_rate`` (when one exists), else an arbitrary action.  The
Hypothesis strategies at the end are built on both.  All randomness comes from
the ``random.Random`` passed in, so a seed reproduces a run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspec.model import (
    CHMOD, HYP, NO_OWNER, OTHER, PT, RET_CTRL, RW, SILENT, Action, Context, Del, HC_del,
    HC_lswitch, HC_new, HC_pin, HC_unpin, Hcall, HyperCall, IntMap, Lswitch, Madd, Mode,
    New, Os, OsActivity, OsIdent, OsInfo, Padd, Page, Page_pin, Page_unpin, Ptype, Read,
    Read_hyper, State, Switch, Vadd, Write, Write_hyper,
)
from pyspec.semantics.derived import current_table, replace_state
from pyspec.semantics.pre import pre
from pyspec.semantics.step import step

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

VALUES = range(100)


@dataclass(frozen=True)
class Scope:
    """The size of generated states.  Virtual addresses are ``range(vadds)``, the
    first ``window`` of a random choice among them form the hypervisor window;
    physical addresses are ``range(padds)``; machine pages are ``range(pages)``."""

    guests: int = 3
    pages: int = 16
    vadds: int = 8
    padds: int = 16
    window: int = 2
    trusted: int | None = None       # number of trusted guests; None: random
    max_page_tables: int = 2         # per guest
    hcall_rate: float = 0.4          # chance that an untrusted guest has one pending
    orphan_rate: float = 0.05        # chance that a guest's page is not in hyp[o]

    def __post_init__(self) -> None:
        if self.guests < 1:
            raise ValueError("Scope: at least one guest")
        if self.pages < self.guests:
            raise ValueError("Scope: every guest needs a page table, so pages >= guests")
        if not 0 <= self.window <= self.vadds:
            raise ValueError("Scope: the window must be a part of the virtual addresses")
        if self.padds < 1 or self.max_page_tables < 1:
            raise ValueError("Scope: padds and max_page_tables must be positive")
        if self.trusted is not None and not 0 <= self.trusted <= self.guests:
            raise ValueError("Scope: trusted must be between 0 and guests")

    def scaled(self, factor: int) -> Scope:
        """The same shape with ``factor`` times the pages and addresses."""
        return Scope(self.guests, self.pages * factor, self.vadds * factor,
                     self.padds * factor, self.window * factor, self.trusted,
                     self.max_page_tables, self.hcall_rate, self.orphan_rate)


def generate_state(rng: random.Random, scope: Scope = Scope()) -> tuple[Context, State]:
    """A random valid state of ``scope`` and its context."""
    guests = rng.sample(range(scope.guests + 2), scope.guests)
    n_trusted = scope.trusted if scope.trusted is not None else rng.randint(0, scope.guests)
    window = rng.sample(range(scope.vadds), scope.window)
    ctx = Context(tuple(window), tuple(rng.sample(guests, n_trusted)))

    madds = list(range(scope.pages))
    rng.shuffle(madds)
    owner_of: dict[Madd, OsIdent | None] = dict(zip(madds, guests))  # a table each
    hyp_pages = [ma for ma in madds[scope.guests:] if window and rng.random() < 0.15]
    for ma in madds[scope.guests:]:
        if ma not in hyp_pages:
            owner_of[ma] = rng.choice(guests) if rng.random() < 0.7 else None

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
    mem: dict[Madd, Page] = {}
    for ma in madds:
        o = owner_of.get(ma)
        if ma in hyp_pages:
            mem[ma] = Page(RW(_maybe_value(rng)), HYP)
        elif o is None:
            mem[ma] = Page(OTHER, NO_OWNER)
        elif kinds[ma] == "PT":
            mem[ma] = Page(PT(_random_table(rng, ctx, scope, list(hyp[o].values()),
                                            shared_window, hyp_pages)), Os(o))
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
            oss[o] = OsInfo(oss[o].curr_page, plausible_hcall(rng, ctx, s, o))
    active = rng.choice(guests)
    running = oss[active].hcall is None and rng.random() < 0.5
    activity = OsActivity.Running if running else OsActivity.Waiting
    mode = Mode.Usr if running and not ctx.trusted(active) else Mode.Svc
    return ctx, State(active, mode, activity, IntMap(oss), s.hyp, s.mem)


def _maybe_value(rng: random.Random) -> int | None:
    return None if rng.random() < 0.2 else rng.choice(VALUES)


def _random_table(rng: random.Random, ctx: Context, scope: Scope, own: list[Madd],
                  shared_window: dict[Vadd, Madd], hyp_pages: list[Madd]) -> IntMap[Madd]:
    """Accessible addresses go to the guest's own pages, window addresses to
    hypervisor pages (usually the one every guest shares)."""
    table: dict[Vadd, Madd] = {}
    for va in rng.sample(range(scope.vadds), scope.vadds):
        if ctx.accessible(va):
            if rng.random() < 0.5:
                table[va] = rng.choice(own)
        elif shared_window and rng.random() < 0.7:
            shared = rng.random() < 0.85
            table[va] = shared_window[va] if shared else rng.choice(hyp_pages)
    return IntMap(table)


# --- actions -------------------------------------------------------------------


def _pages_of(s: State, o: OsIdent, kind: type) -> list[Padd]:
    pm = s.hyp.get(o) or IntMap()
    return [pa for pa, ma in pm.items()
            if (page := s.mem.get(ma)) is not None and isinstance(page.content, kind)]


def _mapped(ctx: Context, s: State, o: OsIdent, accessible: bool) -> list[Vadd]:
    table = current_table(s, o)
    return [va for va in (table or ()) if ctx.accessible(va) == accessible]


def _address_bounds(ctx: Context, s: State) -> tuple[int, int, int]:
    """Upper bounds for virtual, physical addresses and guests, from the state."""
    vas = [va for page in s.mem.values() if isinstance(page.content, PT)
           for va in page.content.m]
    pas = [pa for pm in s.hyp.values() for pa in pm]
    return (max([*vas, *ctx.hyp_window, 0]) + 3, max([*pas, 0]) + 3, max([*s.oss, 0]) + 2)


def plausible_hcall(rng: random.Random, ctx: Context, s: State, o: OsIdent) -> HyperCall:
    """A hypercall that ``o`` could sensibly ask for: usually one that the
    hypervisor can serve right away (a hypercall that cannot be served stays
    pending and blocks ``o``)."""
    pm = s.hyp.get(o) or IntMap()
    n_va, n_pa, _ = _address_bounds(ctx, s)
    accessible = [va for va in range(n_va) if ctx.accessible(va)] or [0]
    unused = [pa for pa in range(n_pa) if pa not in pm]
    candidates: list[HyperCall] = [HC_pin(rng.choice(unused), rng.choice(list(Ptype)))]
    if rw := _pages_of(s, o, RW):
        candidates.append(HC_new(rng.choice(accessible), rng.choice(rw)))
    if mapped := _mapped(ctx, s, o, True):
        candidates.append(HC_del(rng.choice(mapped)))
    if tables := _pages_of(s, o, PT):
        candidates.append(HC_lswitch(rng.choice(tables)))
    if pm:
        candidates.append(HC_unpin(rng.choice(list(pm))))
    servable = [h for h in candidates if _servable(ctx, s, o, h)]
    if servable and rng.random() < 0.9:
        return rng.choice(servable)
    return rng.choice(candidates)


def _servable(ctx: Context, s: State, o: OsIdent, h: HyperCall) -> bool:
    """Would the hypervisor's service of ``h`` for ``o`` pass its precondition?"""
    info = s.oss.get(o)
    if info is None:
        return False
    if ctx.trusted(o):
        asked = replace_state(s, activity=OsActivity.Running, active_os=o)
    else:
        asked = replace_state(s, activity=OsActivity.Waiting,
                              oss=s.oss.set(o, OsInfo(info.curr_page, h)))
    return pre(ctx, asked, _serving_action(o, h)) is None


def _serving_action(o: OsIdent, h: HyperCall) -> Action:
    match h:
        case HC_new(va, pa):
            return New(o, va, pa)
        case HC_del(va):
            return Del(o, va)
        case HC_lswitch(pa):
            return Lswitch(o, pa)
        case HC_pin(pa, t):
            return Page_pin(o, pa, t)
        case HC_unpin(pa):
            return Page_unpin(o, pa)
    raise TypeError(f"not a hypercall: {h!r}")


def _plausible_actions(rng: random.Random, ctx: Context, s: State
                       ) -> list[tuple[Action, float]]:
    """Candidate actions with weights: guests mostly compute and ask for
    hypercalls, the hypervisor mostly serves them and hands the CPU back."""
    o = s.active_os
    value = rng.choice(VALUES)
    if s.activity is OsActivity.Running:
        actions: list[tuple[Action, float]] = [(RET_CTRL, 1.0), (SILENT, 0.5)]
        if mapped := _mapped(ctx, s, o, True):
            actions += [(Read(rng.choice(mapped)), 1.5), (Write(rng.choice(mapped), value), 1.5)]
        if ctx.trusted(o):
            actions.append((_serving_action(o, plausible_hcall(rng, ctx, s, o)), 3.0))
        else:
            actions.append((Hcall(plausible_hcall(rng, ctx, s, o)), 3.0))
        return actions
    actions = [(CHMOD, 2.0), (Switch(rng.choice(list(s.oss))), 1.0)]
    if window := _mapped(ctx, s, o, False):
        actions += [(Read_hyper(rng.choice(window)), 0.5),
                    (Write_hyper(rng.choice(window), value), 0.5)]
    actions += [(_serving_action(g, info.hcall), 3.0) for g, info in s.oss.items()
                if info.hcall is not None]
    return actions


def arbitrary_action(rng: random.Random, ctx: Context, s: State) -> Action:
    """Any action, arguments drawn from slightly beyond the addresses in use."""
    n_va, n_pa, n_os = _address_bounds(ctx, s)
    va, pa, o = rng.randrange(n_va), rng.randrange(n_pa), rng.randrange(n_os)
    t = rng.choice(list(Ptype))
    hcall = rng.choice([HC_new(va, pa), HC_del(va), HC_lswitch(pa), HC_pin(pa, t),
                        HC_unpin(pa)])
    return rng.choice([
        Read(va), Write(va, rng.choice(VALUES)), Read_hyper(va),
        Write_hyper(va, rng.choice(VALUES)), Hcall(hcall), New(o, va, pa), Del(o, va),
        Lswitch(o, pa), Switch(o), RET_CTRL, CHMOD, Page_pin(o, pa, t), Page_unpin(o, pa),
        SILENT,
    ])


def random_action(rng: random.Random, ctx: Context, s: State,
                  error_rate: float = 0.1) -> Action:
    """An action biased towards passing its precondition in ``s``: with
    probability ``error_rate`` (or when nothing plausible passes) an arbitrary one."""
    if rng.random() >= error_rate:
        passing = [(a, w) for a, w in _plausible_actions(rng, ctx, s) if pre(ctx, s, a) is None]
        if passing:
            return rng.choices([a for a, _ in passing], [w for _, w in passing])[0]
    return arbitrary_action(rng, ctx, s)


# --- Hypothesis strategies (Hypothesis is a test dependency: imported on use) ---


def states(scope: Scope = Scope()) -> SearchStrategy[tuple[Context, State]]:
    """Valid states of ``scope`` with their contexts."""
    from hypothesis import strategies as st

    return st.randoms(use_true_random=False).map(lambda rng: generate_state(rng, scope))


def states_with_actions(scope: Scope = Scope(), length: int = 1, error_rate: float = 0.1
                        ) -> SearchStrategy[tuple[Context, State, list[Action]]]:
    """A valid state and ``length`` actions drawn along the run from it."""
    from hypothesis import strategies as st

    def draw(rng: random.Random) -> tuple[Context, State, list[Action]]:
        ctx, s0 = generate_state(rng, scope)
        s, actions = s0, []
        for _ in range(length):
            a = random_action(rng, ctx, s, error_rate)
            actions.append(a)
            s = step(ctx, s, a).result_state
        return ctx, s0, actions

    return st.randoms(use_true_random=False).map(draw)
