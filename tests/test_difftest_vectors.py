"""Test vectors: emitted from agreed behaviour, replayable from the JSON alone,
and checked by the Coq kernel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pyspec.difftest.coverage import possible_cells
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.engine import Engine
from pyspec.difftest.scope import Scope
from pyspec.difftest.shrink import ShrinkBudget
from pyspec.difftest.vectors import check_coq, coq_sources_sha256, collect, load_vectors, write_vectors
from pyspec.driver import default_binary

REPO = Path(__file__).resolve().parent.parent
STEP_VO = REPO / "coq" / "Step.vo"

pytestmark = pytest.mark.skipif(not default_binary().is_file(),
                                reason="the driver is not built (make driver)")


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    out = tmp_path_factory.mktemp("vectors")
    with DriverPipe() as driver:
        engine = Engine(Scope.parse("guests=3,pages=8,vadds=4,padds=6,window=1"), driver)
        vecs, _ = collect(engine, seed=0, sequences=300, length=30,
                          budget=ShrinkBudget(max_calls=300, max_seconds=3))
    jsonl, coq = write_vectors(vecs, out)
    return vecs, jsonl, coq


def test_vectors_cover_distinct_cells_with_their_last_step(vectors):
    vecs, jsonl, _ = vectors
    records = load_vectors(jsonl)
    assert len(records) == len(vecs) >= 40
    cells = [r["covers"] for r in records]
    assert len(set(cells)) == len(cells)
    assert set(cells) <= {f"{a}/{r}" for a, r in possible_cells()}
    for r in records:
        action, response = r["covers"].split("/")
        last_action, last_response = r["actions"][-1], r["responses"][-1]
        assert (last_action if isinstance(last_action, str) else last_action[0]) == action
        assert (last_response if last_response == "Ok" else last_response[1]) == response
        assert len(r["responses"]) == len(r["actions"])
        assert r["coq_sources_sha256"] == coq_sources_sha256()
        assert r["coq_version"][0].isdigit()


def test_vectors_replay_with_the_standalone_example(vectors):
    _, jsonl, _ = vectors
    out = subprocess.run([sys.executable, str(REPO / "examples" / "replay_vectors.py"),
                          str(jsonl), str(default_binary())], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    n = len(load_vectors(jsonl))
    assert f"{n}/{n} vectors pass" in out.stdout


def test_example_replayer_flags_a_wrong_vector(vectors, tmp_path):
    _, jsonl, _ = vectors
    first = json.loads(jsonl.read_text().splitlines()[0])
    first["responses"][-1] = ["Error", "Unknown_os"] if first["responses"][-1] == "Ok" else "Ok"
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(first) + "\n")
    out = subprocess.run([sys.executable, str(REPO / "examples" / "replay_vectors.py"),
                          str(broken), str(default_binary())], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 1 and "FAIL" in out.stdout


@pytest.mark.skipif(not STEP_VO.is_file(), reason="the Coq library is not built (make coq)")
def test_coq_kernel_accepts_the_vectors_and_rejects_a_wrong_one(vectors, tmp_path):
    vecs, _, _ = vectors
    small = vecs[:6]
    _, coq = write_vectors(small, tmp_path / "ok")
    ok, log = check_coq(coq)
    assert ok, log
    wrong = [v for v in small if v.responses[-1] == "Ok"][0]
    wrong.responses = wrong.responses[:-1] + [["Error", "Invalid_vadd"]]
    _, coq = write_vectors([wrong], tmp_path / "wrong")
    ok, log = check_coq(coq)
    assert not ok and "Error Invalid_vadd" in log
