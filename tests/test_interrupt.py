"""Ctrl-C and SIGTERM stop long work even when Python drops the
KeyboardInterrupt: a signal can land in a `__del__` or a weakref callback,
where Python prints the exception and drops it ("Exception ignored in"), as it
once did in a CI run of an interrupted `--exhaustive` (`pyspec/interrupt.py`).
Each test makes that happen on purpose and fails without the loop's `check()`."""

from __future__ import annotations

import random
import signal

import pytest

from pyspec import interrupt
from pyspec.cache.model import CacheConfig
from pyspec.difftest import cache as cache_difftest
from pyspec.difftest import mutation, vectors
from pyspec.difftest.batch import make_sequence
from pyspec.difftest.cache import (CacheCampaign, CacheCampaignResult, check_sequences,
                                   run_cache_campaign)
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.engine import Engine
from pyspec.difftest.exhaustive import ExhaustiveStats, run_exhaustive
from pyspec.difftest.mutants import CATALOGUE
from pyspec.difftest.mutation import MutantResult, MutationBudget
from pyspec.difftest.scope import Scope
from pyspec.difftest.shrink import ShrinkBudget
from pyspec.difftest.states import initial_state
from pyspec.driver import default_binary

needs_driver = pytest.mark.skipif(not default_binary().is_file(),
                                  reason="the driver is not built (make driver)")
dropped = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


class Dropper:
    """Raises SIGINT as it is collected: the KeyboardInterrupt is raised
    inside `__del__`, where Python prints it and drops it."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)


@needs_driver
@dropped
def test_an_interrupt_python_drops_still_stops_the_exhaustive_mode():
    """A signal can land in a `__del__` or a weakref callback ("Exception
    ignored in"): the loop stops at its next batch all the same."""
    class DroppingEngine(Engine):
        def check_batch(self, seqs):
            Dropper()
            return super().check_batch(seqs)

    scope = Scope()
    ctx, state = initial_state(random.Random(0), scope)
    stats = ExhaustiveStats()
    with interrupt.raising(), DriverPipe(str(default_binary())) as pipe:
        with pytest.raises(KeyboardInterrupt):
            run_exhaustive(DroppingEngine(scope, pipe), ctx, state, 1, stats,
                           lambda *failure: None, batch=16)
    assert stats.sequences == 16 < stats.announced


@needs_driver
@dropped
def test_an_interrupt_python_drops_still_stops_vector_generation(monkeypatch):
    """The interrupt lands in the first sequence's check: no second sequence is drawn."""
    class DroppingEngine(Engine):
        def check_batch(self, seqs):
            Dropper()
            return super().check_batch(seqs)

    drawn = []

    def counted(*args):
        drawn.append(args)
        return make_sequence(*args)

    monkeypatch.setattr(vectors, "make_sequence", counted)
    with interrupt.raising(), DriverPipe(str(default_binary())) as pipe:
        with pytest.raises(KeyboardInterrupt):
            vectors.collect(DroppingEngine(Scope(), pipe), 0, 500, 20, ShrinkBudget())
    assert len(drawn) == 1


@dropped
def test_an_interrupt_python_drops_still_stops_mutation_testing(tmp_path, monkeypatch):
    """The interrupt lands while the first mutant's result is reported: the
    next result stops the run."""
    def fake_run(m, budget, cases, driver):
        return MutantResult(m.id, m.target, m.description, "survived")

    monkeypatch.setattr(mutation, "draw_cases", lambda budget, directory: tmp_path)
    monkeypatch.setattr(mutation, "run_mutant", fake_run)
    reported = []

    def on_result(r):
        reported.append(r.id)
        Dropper()

    with interrupt.raising(), pytest.raises(KeyboardInterrupt):
        mutation.run_mutants(list(CATALOGUE[:3]), MutationBudget(), jobs=1, on_result=on_result)
    assert reported == [CATALOGUE[0].id]


@needs_driver
@dropped
def test_an_interrupt_python_drops_still_stops_the_cache_mode(tmp_path, monkeypatch):
    def dropping(*args):
        Dropper()
        return check_sequences(*args)

    monkeypatch.setattr(cache_difftest, "check_sequences", dropping)
    camp = CacheCampaign(CacheConfig(2, 2, True), sequences=3 * cache_difftest.BATCH,
                         length=5, pairs=10, out=tmp_path, driver=str(default_binary()))
    res = CacheCampaignResult()
    with interrupt.raising(), pytest.raises(KeyboardInterrupt):
        run_cache_campaign(camp, res)
    assert res.sequences == cache_difftest.BATCH and res.pairs_tried == 0


@dropped
def test_a_signal_is_remembered_across_nested_contexts_and_forgotten_after():
    """A campaign's polled context inside the command's raising one keeps a
    signal that came (and was lost) before it; the next command starts clean."""
    with interrupt.raising():
        Dropper()
        with interrupt.polled():
            assert interrupt.requested()
    with interrupt.polled():
        assert not interrupt.requested()
