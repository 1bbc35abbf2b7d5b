"""The differential loop's fast paths against their plain definitions, on random
states: byte encodings, the expected answer line, and the incremental
valid_state (full check as the oracle); what campaign sequences reach."""

from __future__ import annotations

import random
from dataclasses import replace

import orjson
import pytest

from pyspec import codec
from pyspec import semantics as sem
from pyspec.difftest import validity
from pyspec.difftest.batch import make_sequence
from pyspec.difftest.engine import Engine
from pyspec.difftest.coverage import action_name, response_name
from pyspec.difftest.pyspec_oracle import PyspecOracle, value_bytes
from pyspec.difftest.scope import SMALL_SCOPE, Scope
from pyspec.difftest.states import initial_case, initial_state
from pyspec.generate import next_action, uniform_action
from pyspec.model import (
    HYP, NO_OWNER, OTHER, PT, RW, HC_new, HC_pin, IntMap, Mode, Os, OsActivity, OsInfo,
    Page, Ptype,
)

SCOPES = [Scope(), SMALL_SCOPE, Scope(trusted=1), Scope(guests=1, pages=6, padds=5),
          Scope(guests=4, pages=20, vadds=10, window=3)]


def walk(rng: random.Random, scope: Scope, steps: int):
    """A valid initial state and the states of a random run from it."""
    ctx_json, state_json, ctx, s = initial_case(rng, scope)
    states = [s]
    for _ in range(steps):
        a = next_action(rng, scope, ctx, s)
        s = sem.step(ctx, s, a).result_state
        states.append(s)
    return ctx_json, ctx, states


def perturb(rng: random.Random, scope: Scope, ctx, s):
    """A random, possibly invalid, variant of `s`: one field or page changed,
    or an action's effect forced without its precondition."""
    mem, hyp, oss = s.mem, s.hyp, s.oss
    kind = rng.randrange(9)
    if kind == 0 and mem:
        ma = rng.choice(list(mem))
        owner = rng.choice([HYP, NO_OWNER, Os(rng.randrange(scope.guests + 1))])
        return replace(s, mem=mem.set(ma, Page(mem[ma].content, owner)))
    if kind == 1 and mem:
        ma = rng.choice(list(mem))
        table = IntMap({rng.randrange(scope.vadds): rng.randrange(scope.pages + 1)
                        for _ in range(rng.randrange(4))})
        content = rng.choice([PT(table), RW(rng.randrange(3)), OTHER])
        return replace(s, mem=mem.set(ma, Page(content, mem[ma].owner)))
    if kind == 2 and hyp:
        o = rng.choice(list(hyp))
        pm = hyp[o]
        if pm and rng.random() < 0.5:
            pm = pm.remove(rng.choice(list(pm)))
        else:
            pm = pm.set(rng.randrange(scope.padds), rng.randrange(scope.pages + 1))
        return replace(s, hyp=hyp.set(o, pm))
    if kind == 3 and oss:
        o = rng.choice(list(oss))
        h = rng.choice([None, HC_new(0, 1), HC_pin(2, Ptype.T_PT)])
        return replace(s, oss=oss.set(o, OsInfo(rng.randrange(scope.padds), h)))
    if kind == 4:
        return replace(s, exec_mode=rng.choice(list(Mode)),
                       activity=rng.choice(list(OsActivity)))
    if kind == 5:
        return replace(s, active_os=rng.randrange(scope.guests + 2))
    if kind == 6 and mem:
        return replace(s, mem=mem.remove(rng.choice(list(mem))))
    if kind == 7 and hyp:
        return replace(s, hyp=hyp.remove(rng.choice(list(hyp))))
    a = uniform_action(rng, scope)
    try:
        return sem.effect(ctx, s, a)
    except Exception:
        return s


def test_campaign_sequences_reach_wrong_page_type_past_the_gate():
    """New/Wrong_page_type and Lswitch/Wrong_page_type (the gate passed, the page
    is of the wrong kind) are hit by a short campaign's sequences, while many
    steps still pass their preconditions (not most: the generator draws the
    refusing side of some preconditions on purpose, docs/difftest.md)."""
    engine = Engine(Scope(), None)
    cells, steps, ok = set(), 0, 0
    for seed in range(300):
        seq = make_sequence(engine, seed, 50)
        if seq is None:
            continue
        for a, r in zip(seq.actions, seq.responses):
            cells.add((action_name(a), response_name(r)))
            steps += 1
            ok += r == "Ok"
    assert ("New", "Wrong_page_type") in cells
    assert ("Lswitch", "Wrong_page_type") in cells
    assert ok > 0.4 * steps


@pytest.mark.parametrize("scope", SCOPES)
def test_initial_case_is_initial_state_with_its_models(scope):
    for seed in range(60):
        ctx_json, state_json, ctx, s = initial_case(random.Random(seed), scope)
        assert (ctx_json, state_json) == initial_state(random.Random(seed), scope)
        assert codec.encode(ctx) == ctx_json and codec.encode(s) == state_json
        assert codec.decode("state", state_json) == s


@pytest.mark.parametrize("scope", SCOPES)
def test_byte_encodings_are_the_codec_encodings(scope):
    rng = random.Random(2)
    py = PyspecOracle()
    for _ in range(30):
        _, ctx, states = walk(rng, scope, 30)
        for s in states + [perturb(rng, scope, ctx, s) for s in states]:
            assert py.state_bytes(s) == orjson.dumps(codec.encode(s))
            for v in (*s.mem.values(), *s.oss.values(), *s.hyp.values()):
                assert value_bytes(v) == orjson.dumps(codec.encode(v))


def test_expected_line_is_the_answer_of_an_agreeing_driver():
    engine = Engine(Scope(), None)
    for seed in range(40):
        seq = make_sequence(engine, seed, 30)
        if seq is None:
            continue
        trace = seq.py_trace
        assert trace == [[r, codec.encode(m)] for r, m in zip(seq.responses, seq.py_models[1:])]
        assert engine.expected_line(seed, seq) == orjson.dumps({
            "id": seed, "ok": True, "responses": [r for r, _ in trace],
            "states": [s for _, s in trace], "final_state": trace[-1][1]})


@pytest.mark.parametrize("scope", SCOPES)
def test_incremental_valid_state_is_the_full_check(scope):
    """next_flags(prev, full_flags(prev), s) == full_flags(s) for s a step of
    prev, a perturbation of prev (often invalid), or a step from an invalid prev."""
    rng = random.Random(3)
    seen = set()
    for _ in range(60):
        _, ctx, states = walk(rng, scope, 40)
        prev = states[0]
        flags = validity.full_flags(ctx, prev)
        for s in states[1:]:
            flags = validity.next_flags(ctx, prev, flags, s)     # chained, as in the loop
            assert flags == validity.full_flags(ctx, s)
            assert validity.first_of(flags) == sem.first_invalid(ctx, s)
            prev = s
        for s in states[::2]:
            t = perturb(rng, scope, ctx, s)
            u = perturb(rng, scope, ctx, t) if rng.random() < 0.5 else t
            a = next_action(rng, scope, ctx, u)
            w = sem.effect(ctx, u, a) if rng.random() < 0.5 else sem.step(ctx, u, a).result_state
            for before, after in ((s, t), (t, u), (u, w), (s, w)):
                fb = validity.full_flags(ctx, before)
                fa = validity.full_flags(ctx, after)
                assert validity.next_flags(ctx, before, fb, after) == fa
                seen.add(fa)
    assert len(seen) > 8       # many different verdicts, valid and invalid, were compared


@pytest.mark.parametrize("scope", SCOPES)
def test_flags_name_the_violated_properties(scope):
    """The close calls' shortcut: the properties full_flags marks are exactly
    those valid_state lists a violation of."""
    rng = random.Random(4)
    py = PyspecOracle()
    for _ in range(40):
        _, ctx, states = walk(rng, scope, 20)
        for s in states[::4]:
            t = perturb(rng, scope, ctx, perturb(rng, scope, ctx, s))
            flags = validity.full_flags(ctx, t)
            assert {p.name for p, bad in zip(validity.PROPS, flags) if bad} == py.violated(ctx, t)
