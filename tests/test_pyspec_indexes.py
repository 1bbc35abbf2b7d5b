"""Large maps: IntMap's overlays and the step's indexes of mem (FreePages,
MappedBy) give exactly what flat maps and the scans give.  The size from which
they are used (`LARGE`) is lowered here so that small generated states take
both paths."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from pyspec import codec, model
from pyspec.difftest import validity
from pyspec.generate import Bias, Scope, generate_state, next_action
from pyspec.model import NO_OWNER, OTHER, PT, RW, IntMap, Os, Page
from pyspec.semantics import derived, step
from pyspec.semantics.derived import least_free_page, mapped_by_own_table
from pyspec.semantics.indexes import FreePages, MappedBy

from intmap_versions import versions

SCOPES = [Scope(guests=2, pages=8, vadds=6, padds=8, window=2),
          Scope(guests=3, pages=14, vadds=8, padds=10, window=2, trusted=1),
          Scope(guests=4, pages=24, vadds=12, padds=16, window=3, max_page_tables=3)]
NEVER = 1 << 62


@contextmanager
def large_from(size: int) -> Iterator[None]:
    """Maps of `size` entries or more are overlays, and mem is indexed."""
    with mock.patch.object(model, "LARGE", size), mock.patch.object(derived, "LARGE", size):
        yield


def scanned(s: model.State) -> tuple[object, set]:
    """least_free_page and every (guest, page) that mapped_by_own_table holds
    for, by the scans."""
    with large_from(NEVER):
        return least_free_page(s), {(o, ma) for o in range(6) for ma in s.mem
                                    if mapped_by_own_table(s, o, ma)}


def indexed(s: model.State) -> tuple[object, set]:
    with large_from(0):
        return least_free_page(s), {(o, ma) for o in range(6) for ma in s.mem
                                    if mapped_by_own_table(s, o, ma)}


def run(seed: int, length: int) -> tuple[model.Context, list[model.State], list]:
    """The context, states and (action kind, response) pairs of a generated run."""
    rng = random.Random(seed)
    scope = SCOPES[seed % len(SCOPES)]
    ctx, s = generate_state(rng, scope)
    states, steps = [s], []
    for _ in range(length):
        a = next_action(rng, scope, ctx, s, Bias(error_share=0.1))
        r = step(ctx, s, a)
        steps.append((a.TAG, r.response))
        s = r.result_state
        states.append(s)
    return ctx, states, steps


def test_steps_on_overlays_and_indexes_equal_steps_on_flat_maps_and_scans():
    """The same runs, with every map an overlay and mem indexed (the indexes
    following mem from step to step), give the same responses and states, maps
    in the same order; along them the indexes answer as the scans."""
    kinds: set = set()
    for seed in range(40):
        with large_from(NEVER):
            _, flat, flat_steps = run(seed, 60)
        with large_from(0):
            _, over, steps = run(seed, 60)
            answers = [indexed(s) for s in over]
        assert steps == flat_steps
        assert [codec.encode(s) for s in over] == [codec.encode(s) for s in flat]
        assert answers == [scanned(s) for s in flat]
        kinds |= set(steps)
    for kind in ("Page_pin", "Page_unpin", "New", "Del"):   # the runs took every path
        assert (kind, model.OK) in kinds
    assert ("Page_unpin", model.Error(model.ErrorCode.Page_in_use)) in kinds


def test_incremental_validity_on_overlays_is_the_full_check():
    """validity.next_flags, which compares two large mems by the keys their
    overlays set, gives full_flags along runs and after arbitrary edits."""
    verdicts = set()
    for seed in range(20):
        rng = random.Random(seed)
        with large_from(0):
            ctx, states, _ = run(seed, 40)
            prev, flags = states[0], validity.full_flags(ctx, states[0])
            for s in states[1:]:
                flags = validity.next_flags(ctx, prev, flags, s)
                assert flags == validity.full_flags(ctx, s)
                prev = s
                edited = replace(s, mem=edit(rng, s.mem))
                incremental = validity.next_flags(ctx, s, flags, edited)
                assert incremental == validity.full_flags(ctx, edited)
                verdicts.add(incremental)
    assert len(verdicts) > 4


def test_indexes_follow_arbitrary_updates_of_mem():
    """Pages set, freed, taken, removed; tables edited entry by entry, replaced,
    given to another guest: the index handed from map to map answers as one
    built afresh, and as the scan."""
    for seed in range(30):
        rng = random.Random(seed)
        _, s = generate_state(rng, SCOPES[seed % len(SCOPES)])
        with large_from(0):
            mem = s.mem
            for _ in range(80):
                free, mapped = mem.memo(FreePages), mem.memo(MappedBy)
                fresh_free, fresh_mapped = FreePages(mem), MappedBy(mem)
                assert free.least(mem) == fresh_free.least(mem)
                assert {o: +c for o, c in mapped.counts.items() if +c} == {
                    o: +c for o, c in fresh_mapped.counts.items() if +c}
                mem = edit(rng, mem)
                assert mem.memo(FreePages) is free and mem.memo(MappedBy) is mapped  # handed on
                assert indexed(replace(s, mem=mem)) == scanned(replace(s, mem=mem))


def edit(rng: random.Random, mem: IntMap) -> IntMap:
    ma = rng.randrange(len(mem) + 2)
    page = mem.get(ma)
    owner = rng.choice([NO_OWNER, Os(0), Os(1), Os(2), model.HYP])
    choice = rng.randrange(6)
    if choice == 0:
        return mem.remove(ma)
    if choice == 1:
        return mem.set(ma, Page(OTHER, NO_OWNER))
    if page is not None and isinstance(page.content, PT) and choice < 5:
        table = page.content.m
        va = rng.randrange(12)
        table = table.remove(va) if choice == 2 else table.set(va, rng.randrange(len(mem) + 2))
        keep = page.owner if choice < 4 else owner
        return mem.set(ma, Page(PT(table), keep))
    content = rng.choice([RW(rng.randrange(3)), OTHER,
                          PT(IntMap({va: rng.randrange(len(mem)) for va in range(3)}))])
    return mem.set(ma, Page(content, owner))


_OPS = st.lists(st.tuples(st.booleans(), st.integers(0, 40), st.integers(0, 3)), max_size=200)


@settings(max_examples=150, deadline=None)
@given(_OPS, st.sampled_from([0, 3, 12]))
def test_overlays_read_like_a_dict_in_coq_order(ops, large):
    """Every version along updates (overlays from `large` entries on, merged
    into flat maps when they grow) reads as a dict updated the same way: same
    entries in the same order, equality and hash; `changed_since` names every
    key at which two versions differ."""
    with large_from(large):
        history = versions(IntMap({k: -k for k in range(0, 30, 2)}), ops)
    for (old, _), (new, _) in zip(history, history[1:]):
        keys = new.changed_since(old)
        if keys is not None:
            assert {k for k in range(41) if old.get(k, "x") != new.get(k, "x")} <= keys
    for version, want in reversed(history):
        assert len(version) == len(want)
        assert [version.get(k, "x") for k in range(42)] == [want.get(k, "x") for k in range(42)]
        assert [k in version for k in range(42)] == [k in want for k in range(42)]
        assert list(version.items()) == list(want.items())
        assert version == IntMap(want) and hash(version) == hash(IntMap(want))
        back = pickle.loads(pickle.dumps(version))
        assert back == version and list(back.items()) == list(want.items())
