"""Negative validity testing: states one change away from a valid state.

Campaigns only ever send states that pyspec finds valid, so a `valid_state`
that accepts too much can never show there.  From a valid state this module
derives, for each of the eight properties of `valid_state`, a state that
breaks it by one change (a field of the state, or the context), and checks
that pyspec's `first_invalid` and the driver's `first_invalid` and
`valid_state_b` reject it and name the same first failing property.

Each derived state breaks its property by construction (the derivations only
read model values: they never ask `pyspec.semantics`, the oracle under
test), so the first failing property can come no later than it.  A finding
(oracle `valid_negative`) is: the two sides name different properties; a
side names none, or a later one (too lax); the driver's `valid_state_b`
contradicts its `first_invalid`; or the driver refuses the request.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import orjson

from pyspec import codec
from pyspec.model import (
    HYP, PT, RW, Context, HC_del, IntMap, Mode, Os, OsActivity, Page, State,
    VsProperty,
)

from .driver_pipe import DriverFailure, DriverPipe
from .engine import Engine, Failure
from .jstate import Json
from .scope import Scope

ORACLE = "valid_negative"
PROPS = tuple(VsProperty)
P = VsProperty
PENDING = HC_del(0)          # the hypercall given to a guest that must not have one
NEGATIVE_SALT = 0x4E47       # a case's negative-validity draw: its seed XOR this


@dataclass(frozen=True)
class NearInvalid:
    """A state that breaks `prop` by the one `change` from a valid state."""
    prop: VsProperty
    change: str
    context: Context
    state: State


@dataclass
class NegativeFailure(Failure):
    """A `Failure` (step -1) with the derived case, to store as a finding."""
    context: Json = None
    state: Json = None


Derived = tuple[str, Context, State]       # (the change, its context, its state)
Derivation = Callable[[random.Random, Context, State], Derived | None]


def _set_info(s: State, o: int, **changes: object) -> State:
    return replace(s, oss=s.oss.set(o, replace(s.oss[o], **changes)))


def _trusting(ctx: Context, o: int, trusted: bool) -> Context:
    others = tuple(g for g in ctx.trusted_oss if g != o)
    return replace(ctx, trusted_oss=others + ((o,) if trusted else ()))


def _tables(s: State) -> list[tuple[int, int, PT]]:
    """(machine address, owner, table) of every page table a guest owns."""
    return [(ma, pg.owner.o, pg.content) for ma, pg in s.mem.items()
            if type(pg.content) is PT and type(pg.owner) is Os]


def _fresh(keys: object) -> int:
    return max(keys, default=-1) + 1


def _trusted_no_hcall(rng: random.Random, ctx: Context, s: State) -> Derived | None:
    options = []
    pending = [o for o, i in s.oss.items() if i.hcall is not None]
    if pending:
        o = rng.choice(pending)
        options.append((f"trust guest {o}, which has a pending hypercall",
                        _trusting(ctx, o, True), s))
    trusted = [o for o in s.oss if ctx.trusted(o)]
    if trusted:
        o = rng.choice(trusted)
        options.append((f"give trusted guest {o} a pending hypercall", ctx,
                        _set_info(s, o, hcall=PENDING)))
    return rng.choice(options) if options else None


def _running_no_hcall(rng: random.Random, ctx: Context, s: State) -> Derived | None:
    o = s.active_os
    info = s.oss.get(o)
    if info is None:
        return None
    if s.activity is OsActivity.Running:
        if not ctx.trusted(o):
            return (f"give the running guest {o} a pending hypercall", ctx,
                    _set_info(s, o, hcall=PENDING))
        # A trusted guest's hypercall would break property 1 first.
        pending = [g for g, i in s.oss.items() if i.hcall is not None]
        if pending:
            g = rng.choice(pending)
            return (f"make guest {g}, which has a pending hypercall, the running one", ctx,
                    replace(s, active_os=g))
        return None
    if info.hcall is not None:
        return (f"run guest {o}, which has a pending hypercall", ctx,
                replace(s, activity=OsActivity.Running))
    return None


def _svc_when_privileged(rng: random.Random, ctx: Context, s: State) -> Derived | None:
    if s.activity is OsActivity.Waiting or ctx.trusted(s.active_os):
        return "switch to user mode", ctx, replace(s, exec_mode=Mode.Usr)
    return (f"trust the running guest {s.active_os} (in user mode)",
            _trusting(ctx, s.active_os, True), s)


def _usr_when_untrusted(rng: random.Random, ctx: Context, s: State) -> Derived | None:
    o = s.active_os
    if s.activity is OsActivity.Running:
        if ctx.trusted(o):
            return f"distrust the running guest {o} (in Svc mode)", _trusting(ctx, o, False), s
        return "switch to Svc mode", ctx, replace(s, exec_mode=Mode.Svc)
    if not ctx.trusted(o) and o in s.oss and s.oss[o].hcall is None:
        return f"run the untrusted guest {o} in Svc mode", ctx, replace(
            s, activity=OsActivity.Running)
    return None


def _hyp_maps_owned(rng: random.Random, ctx: Context, s: State) -> Derived | None:
    held = [(o, pa, ma) for o, pm in s.hyp.items() for pa, ma in pm.items()]
    if not held:
        return None
    o, pa, ma = rng.choice(held)
    pm = s.hyp[o]
    if rng.random() < 0.5:
        pa2 = _fresh(pm)
        return (f"map physical {pa2} of guest {o} to machine {ma} too (not injective)", ctx,
                replace(s, hyp=s.hyp.set(o, pm.set(pa2, ma))))
    wrong = [m for m, pg in s.mem.items() if pg.owner != Os(o)] + [_fresh(s.mem)]
    ma2 = rng.choice(wrong)
    return (f"map physical {pa} of guest {o} to machine {ma2}, not the guest's", ctx,
            replace(s, hyp=s.hyp.set(o, pm.set(pa, ma2))))


def _page_tables_owned(rng: random.Random, ctx: Context, s: State) -> Derived | None:
    tables = _tables(s)
    if not tables:
        return None
    table_ma, o, table = rng.choice(tables)
    if ctx.hyp_window and rng.random() < 0.5:
        va = rng.choice(ctx.hyp_window)
        want = HYP
    else:
        va = rng.choice([v for v in range(_fresh([*table.m, *ctx.hyp_window]) + 1)
                         if ctx.accessible(v)])
        want = Os(o)
    wrong = [m for m, pg in s.mem.items() if pg.owner != want] + [_fresh(s.mem)]
    ma = rng.choice(wrong)
    page = Page(PT(table.m.set(va, ma)), Os(o))
    return (f"let page table {table_ma} of guest {o} map {va} to machine {ma}", ctx,
            replace(s, mem=s.mem.set(table_ma, page)))


def _os_tables_exist(rng: random.Random, ctx: Context, s: State) -> Derived | None:
    o = rng.choice(list(s.oss))
    pm = s.hyp.get(o, IntMap())
    options = [(f"make guest {o}'s current page a physical address it does not hold", ctx,
                _set_info(s, o, curr_page=_fresh(pm))),
               (f"give an unknown guest {_fresh(s.oss)} a physical map", ctx,
                replace(s, hyp=s.hyp.set(_fresh(s.oss), IntMap())))]
    not_tables = [pa for pa, ma in pm.items()
                  if (pg := s.mem.get(ma)) is not None and type(pg.content) is not PT]
    if not_tables:
        options.append((f"make guest {o}'s current page one that is not a page table", ctx,
                        _set_info(s, o, curr_page=rng.choice(not_tables))))
    if s.activity is OsActivity.Waiting:
        options.append((f"make the unknown guest {_fresh(s.oss)} the active one", ctx,
                        replace(s, active_os=_fresh(s.oss))))
    return rng.choice(options)


def _accessible_mappings_physical(rng: random.Random, ctx: Context, s: State) -> Derived | None:
    options = []
    for table_ma, o, table in _tables(s):
        pm = s.hyp.get(o, IntMap())
        curr = s.oss[o].curr_page if o in s.oss else None
        by_ma = {ma: pa for pa, ma in pm.items()}
        for va, ma in table.m.items():
            pa = by_ma.get(ma)
            if ctx.accessible(va) and pa is not None and pa != curr:
                options.append((f"unpin physical {pa} of guest {o}, still mapped at {va} by "
                                f"page table {table_ma}", ctx,
                                replace(s, hyp=s.hyp.set(o, pm.remove(pa)))))
        orphans = [m for m, pg in s.mem.items() if pg.owner == Os(o) and m not in by_ma
                   and type(pg.content) is RW]
        accessible = [v for v in range(_fresh([*table.m, *ctx.hyp_window]) + 1)
                      if ctx.accessible(v)]
        if orphans:
            va, ma = rng.choice(accessible), rng.choice(orphans)
            page = Page(PT(table.m.set(va, ma)), Os(o))
            options.append((f"let page table {table_ma} of guest {o} map {va} to its page "
                            f"{ma}, which no physical address names", ctx,
                            replace(s, mem=s.mem.set(table_ma, page))))
    return rng.choice(options) if options else None


DERIVATIONS: dict[VsProperty, Derivation] = {
    P.Trusted_no_hcall: _trusted_no_hcall,
    P.Running_no_hcall: _running_no_hcall,
    P.Svc_when_privileged: _svc_when_privileged,
    P.Usr_when_untrusted: _usr_when_untrusted,
    P.Hyp_maps_owned: _hyp_maps_owned,
    P.Page_tables_owned: _page_tables_owned,
    P.Os_tables_exist: _os_tables_exist,
    P.Accessible_mappings_physical: _accessible_mappings_physical,
}


def near_invalid(rng: random.Random, ctx: Context, s: State) -> list[NearInvalid]:
    """One derived state per property that `s` gives a way to break (in order)."""
    out = []
    for prop in PROPS:
        got = DERIVATIONS[prop](rng, ctx, s)
        if got is not None:
            change, c, s2 = got
            out.append(NearInvalid(prop, change, c, s2))
    return out


def _too_late(named: str | None, prop: VsProperty) -> bool:
    """`named` (a property name or None) comes after `prop`, which fails."""
    return named is None or PROPS.index(P[named]) > PROPS.index(prop)


def judge(case: NearInvalid, pyspec_first: str | None, answer: Json) -> str | None:
    """What is wrong with the two verdicts on `case`, or None."""
    if not answer.get("ok"):
        err = answer.get("error", {})
        return f"the driver refused it: {err.get('kind')}: {err.get('message')}"
    driver_first = answer.get("first_invalid")
    if answer.get("valid") != (driver_first is None):
        return (f"the driver's valid_state_b says {answer.get('valid')} but its first_invalid "
                f"is {driver_first}")
    if pyspec_first != driver_first:
        return (f"pyspec's first_invalid is {pyspec_first}, the driver's {driver_first}")
    if _too_late(pyspec_first, case.prop):
        return f"both accept it (first_invalid {pyspec_first})"
    return None


def check_negative(engine: Engine, rng: random.Random, ctx: Json,
                   state: Json) -> NegativeFailure | None:
    """Derive the near-invalid states of the valid (`ctx`, `state`) and have
    both sides judge them (one pipelined request to `engine.driver`).  The
    first disagreement, as a `valid_negative` failure, or None."""
    cases = near_invalid(rng, engine.py.context(ctx), engine.py.state(state))
    jobs = [(codec.encode(c.context), codec.encode(c.state)) for c in cases]
    try:
        answers = engine.driver.valid_many(jobs) if jobs else []
    except DriverFailure as exc:
        engine.driver.restart()
        return NegativeFailure("driver_crash", -1, f"the driver failed on near-invalid states "
                               f"of this state: {exc}", context=ctx, state=state)
    for case, (cj, sj), answer in zip(cases, jobs, answers):
        wrong = judge(case, engine.py.first_invalid_model(case.context, case.state), answer)
        if wrong is not None:
            return NegativeFailure(ORACLE, -1, f"{case.prop.name} broken ({case.change}): {wrong}",
                                   context=cj, state=sj)
    return None


def main(argv: list[str] | None = None) -> int:
    """`python -m pyspec.difftest.negative CASES [--driver BIN]`: negative
    validity on the initial state of every case of a pinned-cases file
    (`pinned.write_cases`).  One line per failure; exit 1 if there is one."""
    p = argparse.ArgumentParser(prog="python -m pyspec.difftest.negative",
                                description=main.__doc__)
    p.add_argument("cases", type=Path)
    p.add_argument("--driver")
    args = p.parse_args(argv)
    if not args.cases.is_file():
        print(f"negative: no cases file {args.cases}", file=sys.stderr)
        return 2
    failures = 0
    with DriverPipe(args.driver) as pipe, open(args.cases, "rb") as fh:
        engine = Engine(Scope(), pipe)
        for line in fh:
            case = orjson.loads(line)
            rng = random.Random(case["seed"] ^ NEGATIVE_SALT)
            failure = check_negative(engine, rng, case["context"], case["state"])
            if failure is not None:
                failures += 1
                print(f"{case['index']}: {failure.detail}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
