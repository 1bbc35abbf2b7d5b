"""The mutation suite, the pinned generator of `vcert mutate`, and negative
validity testing against validity mutants on both sides."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pyspec.difftest.batch import make_sequence, sequence_seed
from pyspec.difftest.engine import Engine
from pyspec.difftest.mutants import (CATALOGUE, GATE, LAX, ORACLE_FILES, ROOT, SETUP, STRICT,
                                     VALIDITY, by_id, patch_text, prepare)
from pyspec.difftest.negative import DERIVATIONS, PROPS, near_invalid
from pyspec.difftest.pinned import digest, write_cases
from pyspec.difftest.scope import Scope
from pyspec.driver import default_binary
from pyspec.generate import Scope as StateScope, generate_state
from pyspec.semantics import first_invalid, valid_state

needs_driver = pytest.mark.skipif(not default_binary().is_file(),
                                  reason="the driver is not built (make driver)")


def source_of(m) -> Path:
    return ROOT / ("pyspec" if m.target == "pyspec" else "extract") / m.file


def test_every_mutant_applies_exactly_once():
    assert len({m.id for m in CATALOGUE}) == len(CATALOGUE)
    for m in CATALOGUE:
        text = source_of(m).read_text()
        assert text.count(m.old) == 1, m.id
        assert patch_text(text, m) != text, m.id
        assert m.description and "\n" not in m.description, m.id


def test_pyspec_mutants_only_touch_the_oracle():
    for m in CATALOGUE:
        if m.target == "pyspec":
            assert m.file.startswith(ORACLE_FILES), m.id


def test_the_suite_has_the_classes_it_claims():
    count = Counter(c for m in CATALOGUE for c in m.classes)
    assert len(CATALOGUE) >= 45
    assert count[SETUP] >= 12 and count[VALIDITY] >= 5 and count[GATE] >= 5
    validity = [m for m in CATALOGUE if VALIDITY in m.classes]
    for target in ("pyspec", "ocaml"):
        for way in (LAX, STRICT):     # a lax and a strict validity fault on each side
            assert any(m.target == target and way in m.classes for m in validity), (target, way)
    assert all((LAX in m.classes) != (STRICT in m.classes) for m in validity)


def test_near_invalid_states_break_their_property():
    """Checked with the unmutated valid_state: every derivation breaks the
    property it is for, usually as the first failing one."""
    firsts = Counter()
    made = Counter()
    for seed in range(150):
        ctx, s = generate_state(random.Random(seed), StateScope())
        assert valid_state(ctx, s) == []
        for case in near_invalid(random.Random(seed), ctx, s):
            assert case.prop in {v.prop for v in valid_state(case.context, case.state)}, case
            made[case.prop] += 1
            firsts[case.prop] += first_invalid(case.context, case.state) == case.prop
    assert set(made) == set(PROPS) == set(DERIVATIONS)
    assert all(firsts[p] >= 0.9 * made[p] for p in PROPS), (firsts, made)


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cases") / "cases.jsonl"
    write_cases(path, seed=3, sequences=96, length=12)
    return path


def mutated(m, work: Path) -> tuple[dict, str]:
    """The environment and driver of a process with mutant `m` applied (as
    `vcert mutate` runs it: the mutated copy of pyspec first on the path)."""
    pypath, binary = prepare(m, work / "src")
    env = dict(os.environ)
    if pypath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pypath), env.get("PYTHONPATH", "")])
    return env, str(binary or default_binary())


def run_mutated(m, work: Path, module: str, *args: str) -> subprocess.CompletedProcess:
    env, driver = mutated(m, work)
    return subprocess.run([sys.executable, "-m", module, *args, "--driver", driver], env=env,
                          capture_output=True, text=True, cwd=work, timeout=300)


@needs_driver
def test_negative_validity_agrees_on_the_unmutated_code(cases):
    out = subprocess.run([sys.executable, "-m", "pyspec.difftest.negative", str(cases),
                          "--driver", str(default_binary())], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and out.stdout == ""


@needs_driver
@pytest.mark.parametrize("mid", ["py-valid-hyp-injective", "py-valid-running-any-hcall",
                                 "ml-valid-injective", "ml-valid-hcall-any"])
def test_negative_validity_catches_lax_and_strict_checks(mid, cases, tmp_path):
    m = by_id([mid])[0]
    out = run_mutated(m, tmp_path, "pyspec.difftest.negative", str(cases))
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines and all("broken" in line for line in lines)
    if LAX in m.classes:      # the lax side accepts a state that breaks one property only
        lax = "pyspec's first_invalid is None" if m.target == "pyspec" else "the driver's None"
        assert any(lax in line for line in lines)


@needs_driver
def test_the_pinned_generator_ignores_a_pyspec_mutant(cases, tmp_path):
    """A pyspec fault that changes the states pyspec reaches: the mutant's
    process checks exactly the campaign's unmutated draws, while the same
    process generating for itself (as campaigns do) draws something else."""
    m = by_id(["py-del-noop"])[0]
    out = run_mutated(m, tmp_path, "pyspec.difftest.pinned", str(cases), "--out",
                      str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert result["status"] == "killed" and result["digests"]
    engine = Engine(Scope(), driver=None)
    pristine = [digest(make_sequence(engine, sequence_seed(3, i), 12).actions)
                for i in range(len(result["digests"]))]
    assert result["digests"] == pristine
    # The probe is meaningful: generating in the mutant's process, as a campaign
    # does (walking pyspec's run), draws differently.
    script = ("import json; from pyspec.difftest.batch import make_sequence, sequence_seed\n"
              "from pyspec.difftest.engine import Engine\n"
              "from pyspec.difftest.pinned import digest\n"
              "from pyspec.difftest.scope import Scope\n"
              "e = Engine(Scope(), driver=None)\n"
              "print(json.dumps([digest(make_sequence(e, sequence_seed(3, i), 12).actions) "
              "for i in range(96)]))\n")
    env, _ = mutated(m, tmp_path / "own")
    own = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path / "own", env=env, timeout=300)
    assert own.returncode == 0, own.stderr
    everything = [digest(make_sequence(engine, sequence_seed(3, i), 12).actions)
                  for i in range(96)]
    assert json.loads(own.stdout) != everything
