"""Paired OS-isolation runs: twins are o-equivalent, the unmodified model passes,
and a step that leaks into other guests' memory is caught."""

from __future__ import annotations

import random
import types

from pyspec import semantics
from pyspec.difftest import pairs
from pyspec.difftest.pairs import PairChecker, o_variant
from pyspec.difftest.pyspec_oracle import PyspecOracle
from pyspec.difftest.scope import Scope
from pyspec.difftest.states import initial_state
from pyspec.model import OK, RW, Page, Result, Write

SCOPE = Scope()


def drawn_pairs(n: int):
    checker = PairChecker(SCOPE, PyspecOracle())
    for seed in range(n):
        rng = random.Random(seed)
        ctx, state = initial_state(rng, SCOPE)
        drawn = checker.generate(rng, ctx, state, rounds=12)
        assert drawn is not None
        yield checker, ctx, state, drawn


def test_twins_are_valid_equivalent_and_really_different():
    py = PyspecOracle()
    relabelled = 0
    for seed in range(40):
        rng = random.Random(seed)
        ctx, state = initial_state(rng, SCOPE)
        o = state["oss"][0][0]
        twin = o_variant(rng, SCOPE, state, o)
        c, s1, s2 = py.context(ctx), py.state(state), py.state(twin)
        assert semantics.first_invalid(c, s2) is None
        assert semantics.os_equivalent(c, o, s1, s2)
        relabelled += twin["mem"] != state["mem"]
    assert relabelled >= 30


def test_the_model_passes_paired_runs_with_synchronised_steps():
    syncs = 0
    for checker, ctx, state, (o, twin, events) in drawn_pairs(60):
        assert checker.check(ctx, state, twin, o, events) is None
        syncs += sum(1 for run, _ in events if run == "both")
    assert syncs >= 100


def leaky_step(ctx, s, a):
    """The real step, except that a successful Write also copies its value into
    every RW page of every guest: a write-isolation and non-influence leak."""
    r = semantics.step(ctx, s, a)
    if isinstance(a, Write) and r.response == OK:
        mem = r.result_state.mem
        for ma, pg in list(mem.items()):
            if isinstance(pg.content, RW):
                mem = mem.set(ma, Page(RW(a.v), pg.owner))
        return Result(OK, semantics.derived.replace_state(r.result_state, mem=mem))
    return r


def test_a_leaking_step_is_caught(monkeypatch):
    leaky = types.SimpleNamespace(**{name: getattr(semantics, name) for name in dir(semantics)
                                     if not name.startswith("__")})
    leaky.step = leaky_step
    monkeypatch.setattr(pairs, "sem", leaky)
    caught = [f for checker, ctx, state, (o, twin, events) in drawn_pairs(60)
              if (f := checker.check(ctx, state, twin, o, events)) is not None]
    assert caught
    assert {f.oracle for f in caught} <= {"locally_respects", "step_consistency"}
    assert any(f.oracle == "locally_respects" for f in caught)
