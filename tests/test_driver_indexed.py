"""A run from a state of many pages steps with `trace_indexed` (coq/StepIndex.v):
it keeps the set of free pages and, for each machine page, the tables mapping
it, instead of traversing the memory at every Page_pin and Page_unpin.  Coq
proves it gives `trace`'s results; these tests check the extracted code and the
driver's choice keep that promise.  With `VCERT_DRIVER_INDEX_FROM=0` every run
takes the indexed path, and its answers (every response and every state) must
be pyspec's on generated runs; five faults planted in the extracted index code
must each make some run disagree, so the runs do reach what the indexes keep."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest

from pyspec import codec, semantics
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.mutants import Mutant, prepare
from pyspec.generate import DEFAULT_SCOPE, generate_state, next_action
from pyspec.model import Action, Context, State

RUNS = 300
LENGTH = 40

Json = Any
Run = tuple[Json, Json, list[Json], dict[str, Json]]   # context, state, actions, answer


def _bench_scale() -> Any:
    """bench/bench_scale.py, whose large valid states these tests reuse."""
    path = Path(__file__).resolve().parent.parent / "bench" / "bench_scale.py"
    spec = importlib.util.spec_from_file_location("bench_scale", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_answer(results: list) -> dict[str, Json]:
    """The fields of a `run` answer (with states) that pyspec's results give."""
    return {"responses": [codec.encode(r.response) for r in results],
            "states": [codec.encode(r.result_state) for r in results]}


def generated_runs(seed: int) -> list[Run]:
    """(context, state, actions, pyspec's run answer fields) of RUNS generated runs."""
    rng = random.Random(seed)
    runs = []
    for _ in range(RUNS):
        ctx, s = generate_state(rng, DEFAULT_SCOPE)
        actions, results, state = [], [], s
        for _ in range(LENGTH):
            a = next_action(rng, DEFAULT_SCOPE, ctx, state)
            (r,) = semantics.trace(ctx, state, [a])
            actions.append(a)
            results.append(r)
            state = r.result_state
        runs.append((codec.encode(ctx), codec.encode(s), [codec.encode(a) for a in actions],
                     expected_answer(results)))
    return runs


@pytest.fixture(scope="module")
def runs() -> list[Run]:
    return generated_runs(seed=2026)


def disagreements(driver: Path | None, runs: list[Run]) -> list[int]:
    """The runs whose driver answer is not pyspec's."""
    with DriverPipe(driver) as pipe:
        lines = pipe.run_many_raw([(c, s, a) for c, s, a, _ in runs])
    out = []
    for i, (line, (_, _, _, expected)) in enumerate(zip(lines, runs)):
        answer = json.loads(line)
        if not answer["ok"] or {k: answer[k] for k in expected} != expected:
            out.append(i)
    return out


def test_indexed_runs_give_pyspec_answers(runs, monkeypatch) -> None:
    monkeypatch.setenv("VCERT_DRIVER_INDEX_FROM", "0")
    assert disagreements(None, runs) == []
    kinds = {a[0] if isinstance(a, list) else a for _, _, acts, _ in runs for a in acts}
    assert {"Page_pin", "Page_unpin", "New", "Del", "Write"} <= kinds


def test_large_states_take_the_indexed_path_by_default(monkeypatch, tmp_path) -> None:
    """From 1024 pages the default driver keeps indexes: a driver whose index
    code is broken answers wrongly on a large state, and rightly on a small one."""
    bench = _bench_scale()
    broken = _planted("ix-unpin-keeps-unfree", tmp_path)
    monkeypatch.delenv("VCERT_DRIVER_INDEX_FROM", raising=False)
    for pages, wrong in ((200, False), (2_000, True)):
        context, state = bench.scale_state(pages)
        actions = bench.scale_actions(state, 60)
        ctx, s = codec.decode(Context, context), codec.decode(State, state)
        results = semantics.trace(ctx, s, [codec.decode(Action, a) for a in actions])
        run = [(context, state, actions, expected_answer(results))]
        assert disagreements(None, run) == []
        assert disagreements(broken, run) == ([0] if wrong else [])


# Faults in what the indexes keep, each a one-line change of extract/vcert.ml.
PLANTED = {
    "ix-unpin-keeps-unfree": (
        "    (if page_free new0 then update ix.free_set k () else remove ix.free_set k);",
        "    (if page_free new0 then ix.free_set else remove ix.free_set k);"),
    "ix-pin-keeps-free": (
        "    (if page_free new0 then update ix.free_set k () else remove ix.free_set k);",
        "    (if page_free new0 then update ix.free_set k () else ix.free_set);"),
    "ix-retarget-keeps-old": (
        "    | Some ma -> drop_mapper p va ma ix.mapped_from",
        "    | Some _ -> ix.mapped_from"),
    "ix-new-not-recorded": (
        "   | Some ma -> add_mapper p va ma r",
        "   | Some _ -> r"),
    "ix-tables-not-indexed": (
        "    mapped_from = (add_table k (table_of (Some pg)) ix.mapped_from) }",
        "    mapped_from = ix.mapped_from }"),
}


def _planted(name: str, workdir: Path) -> Path:
    old, new = PLANTED[name]
    _, binary = prepare(Mutant(name, "ocaml", "vcert.ml", old, new, name, frozenset()),
                        workdir / name)
    assert binary is not None
    return binary


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_every_planted_index_fault_makes_a_run_disagree(name, runs, monkeypatch,
                                                        tmp_path) -> None:
    monkeypatch.setenv("VCERT_DRIVER_INDEX_FROM", "0")
    assert disagreements(_planted(name, tmp_path), runs) != []
