"""Shared by the campaign tests: running `vcert`, faulty drivers, waiting, corpus entries."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

from pyspec import codec
from pyspec.difftest.corpus import Entry
from pyspec.generate import Scope, generate_state, next_action
from pyspec.semantics import step

REPO = Path(__file__).resolve().parent.parent
FAKES = Path(__file__).resolve().parent / "fakes"


def vcert(*args: str, timeout: float = 300, env: dict | None = None
          ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyspec.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO, env=env)


def start_vcert(*args: str) -> subprocess.Popen:
    """`vcert ARGS` in its own process group (as a shell would start it)."""
    return subprocess.Popen([sys.executable, "-m", "pyspec.cli", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for(predicate, timeout: float = 90, what: str = "a condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def batches_done(out: Path) -> int:
    """Batch records of the newest run's journal in `out` (the journal also
    holds the regression phase's record)."""
    runs = sorted((out / "runs").glob("*/batches.jsonl")) if (out / "runs").is_dir() else []
    if not runs:
        return 0
    return sum(line.startswith('{"batch"') for line in runs[-1].read_text().splitlines())


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def same_work(a: dict, b: dict) -> None:
    """Two summaries of the same campaign report the same work and findings."""
    for key in ("sequences_announced", "sequences_checked", "sequences", "steps",
                "os_isolation", "suppressed_findings", "status", "exit_status"):
        assert a[key] == b[key], key
    assert a["coverage"] == b["coverage"]
    assert [f["name"] for f in a["findings"]] == [f["name"] for f in b["findings"]]
    assert a["first_finding"]["steps"] == b["first_finding"]["steps"]


def corpus_entry(seed: int, length: int = 12, reached: tuple[str, ...] = ()) -> Entry:
    """A corpus entry: a generated state and `length` generated actions from it
    (each drawn on the state pyspec's run reached), seeded by `seed`."""
    rng = random.Random(seed)
    ctx, s = generate_state(rng, Scope())
    start, actions = s, []
    for _ in range(length):
        a = next_action(rng, Scope(), ctx, s)
        actions.append(codec.encode(a))
        s = step(ctx, s, a).result_state
    return Entry(codec.encode(ctx), codec.encode(start), tuple(actions), reached)
