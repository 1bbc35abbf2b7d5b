"""Test vectors: short cases both oracles agree on, one per reachable cell of
the action x response matrix, emitted as JSON lines and as Coq `Example`s.

For every cell first hit by a generated sequence, the prefix up to that step
is shrunk (keeping "the last step hits the cell and both oracles agree") to
a 1-minimal case, rerun through both oracles, and kept with the driver's
exact output (its association lists are in the order Coq computes them, so
the Coq file states syntactic equalities that `vm_compute` decides).
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jinja2

from pyspec import interrupt

from . import coqterm
from .batch import generator_invalid_finding, make_sequence, sequence_seed, to_finding
from .coverage import action_name, possible_cells, response_name
from .engine import Engine
from .findings import Finding, write_atomic
from .states import initial_case
from .shrink import Case, Shrinker, ShrinkBudget

ROOT = Path(__file__).resolve().parents[2]
FORMAT = "vcert-vectors/1"


@dataclass
class Vector:
    id: str
    covers: str
    context: dict
    initial_state: dict
    actions: list
    responses: list
    final_state: dict


def coq_sources_sha256(coq_dir: Path = ROOT / "coq") -> str:
    """SHA-256 over the files of coq/_CoqProject, in order: for each, its name,
    a NUL byte, its bytes, a NUL byte."""
    h = hashlib.sha256()
    for line in (coq_dir / "_CoqProject").read_text().splitlines():
        name = line.strip()
        if name.endswith(".v"):
            h.update(name.encode() + b"\0" + (coq_dir / name).read_bytes() + b"\0")
    return h.hexdigest()


def coq_version() -> str:
    try:
        out = subprocess.run(["coqc", "--print-version"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.split()[0] if out.split() else "unknown"


def _hits(engine: Engine, cell: tuple[str, str]):
    def predicate(case: Case) -> bool:
        if not case.actions or action_name(case.actions[-1]) != cell[0]:
            return False
        failure, seq, driver_trace = engine.check_case(case.context, case.state,
                                                       list(case.actions))
        return (failure is None and len(driver_trace) == len(case.actions)
                and response_name(driver_trace[-1][0]) == cell[1])
    return predicate


def collect(engine: Engine, seed: int, sequences: int, length: int, budget: ShrinkBudget,
            on_finding: Callable[[Finding], None] = lambda f: None
            ) -> tuple[list[Vector], int]:
    """Vectors for every cell hit within `sequences` generated sequences.  A
    sequence the two oracles disagree on (or a generated state pyspec finds
    invalid) makes no vector: it is handed to `on_finding` at once."""
    wanted = set(possible_cells())
    found: dict[tuple[str, str], Vector] = {}
    tried = 0
    for i in range(sequences):
        interrupt.check()
        if not wanted - set(found):
            break
        seq = make_sequence(engine, sequence_seed(seed, i), length)
        if seq is None:
            case = initial_case(random.Random(sequence_seed(seed, i)), engine.scope)
            on_finding(generator_invalid_finding(sequence_seed(seed, i), case, engine.scope))
            continue
        tried += 1
        out = engine.check_batch([seq])[0]
        if out.failure is not None:
            on_finding(to_finding(seq, out.failure, out.driver_trace, engine.scope))
            continue
        for step, (a, (resp, _)) in enumerate(zip(seq.actions, seq.py_trace)):
            cell = (action_name(a), response_name(resp))
            if cell in found or cell not in wanted:
                continue
            case = Case(seq.context, seq.state, tuple(seq.actions[:step + 1]))
            small = Shrinker(_hits(engine, cell), budget).shrink(case)
            vec = _vector(engine, small, cell, len(found) + 1)
            if vec is not None:
                found[cell] = vec
    order = {c: n for n, c in enumerate(possible_cells())}
    vecs = sorted(found.values(), key=lambda v: order[tuple(v.covers.split("/"))])
    for n, v in enumerate(vecs, 1):
        v.id = f"vector_{n:03d}"
    return vecs, tried


def _vector(engine: Engine, case: Case, cell: tuple[str, str], n: int) -> Vector | None:
    failure, _, driver_trace = engine.check_case(case.context, case.state, list(case.actions))
    if failure is not None or len(driver_trace) != len(case.actions):
        return None
    return Vector(f"vector_{n:03d}", f"{cell[0]}/{cell[1]}", case.context, case.state,
                  list(case.actions), [r for r, _ in driver_trace], driver_trace[-1][1])


def write_vectors(vecs: list[Vector], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    sha, version = coq_sources_sha256(), coq_version()
    lines = [json.dumps({"format": FORMAT, "id": v.id, "covers": v.covers, "context": v.context,
                         "initial_state": v.initial_state, "actions": v.actions,
                         "responses": v.responses, "final_state": v.final_state,
                         "coq_sources_sha256": sha, "coq_version": version},
                        separators=(",", ":")) for v in vecs]
    jsonl = out / "vectors.jsonl"
    write_atomic(jsonl, "".join(line + "\n" for line in lines))
    coq = out / "Vectors.v"
    write_atomic(coq, render_coq(vecs, sha, version))
    return jsonl, coq


def render_coq(vecs: list[Vector], sha: str, version: str) -> str:
    env = jinja2.Environment(loader=jinja2.PackageLoader("pyspec.difftest", "templates"),
                             keep_trailing_newline=True)
    items = [{"id": v.id, "covers": [v.covers], "context": coqterm.context(v.context),
              "state": coqterm.state(v.initial_state), "actions": coqterm.actions(v.actions),
              "responses": coqterm.responses(v.responses), "final": coqterm.state(v.final_state)}
             for v in vecs]
    return env.get_template("vectors.v.j2").render(vectors=items, count=len(vecs), sha256=sha,
                                                   coq_version=version)


def load_vectors(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc})") from None
        if rec.get("format") != FORMAT:
            raise ValueError(f"{path}:{n}: not a {FORMAT} record")
        out.append(rec)
    return out


def check_coq(coq_file: Path, coq_dir: Path = ROOT / "coq", timeout: float = 600) -> tuple[bool, str]:
    """Compile the vector file against the built library (the kernel as oracle)."""
    try:
        proc = subprocess.run(["coqc", "-Q", str(coq_dir), "VirtualCert", str(coq_file)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"coqc timed out after {timeout}s"
    except OSError as exc:
        return False, f"cannot run coqc: {exc}"
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


