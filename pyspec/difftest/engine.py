"""The per-step oracles of a differential run.

A sequence is generated adaptively on pyspec (each action is drawn from the
state pyspec reached), then the whole batch goes to the extracted driver in
one pipelined request.  Every step is then checked:

1. agreement: same response and same resulting state (compared as maps);
2. axioms: on Ok, pyspec's `post` holds; on an error, the state is unchanged
   and `error_msg` admits the code; `valid_state` holds afterwards;
3. read and write isolation of the step.

`check_case` reruns one (context, state, actions) through both oracles with
every check: the failure predicate of the shrinker and of `vcert replay`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import orjson

from pyspec import semantics as sem
from pyspec.model import OK, Result

from .coverage import Coverage
from .driver_pipe import DriverFailure, DriverPipe
from .gen import next_action
from .jstate import Json, canonical
from .pyspec_oracle import PyspecOracle
from .scope import Scope


@dataclass
class Failure:
    oracle: str
    step: int
    detail: str


@dataclass
class Sequence:
    seed: int
    context: Json
    state: Json
    actions: list = field(default_factory=list)
    py_trace: list = field(default_factory=list)     # [[response, state], ...]
    py_models: list = field(default_factory=list)    # model states: s0, s1, ...
    action_models: list = field(default_factory=list)


@dataclass
class Outcome:
    failure: Failure | None
    driver_trace: list
    steps: int


class Engine:
    def __init__(self, scope: Scope, driver: DriverPipe, pyspec: PyspecOracle | None = None,
                 coverage: Coverage | None = None, close_call_every: int = 8) -> None:
        self.scope = scope
        self.driver = driver
        self.py = pyspec or PyspecOracle()
        self.coverage = coverage if coverage is not None else Coverage()
        self.close_call_every = close_call_every
        self._errors_seen = 0

    # -- generation (pyspec side) ------------------------------------------------

    def generate(self, seed: int, state: Json, length: int, ctx: Json) -> Sequence:
        rng = random.Random(seed)
        seq = Sequence(seed, ctx, state)
        c = self.py.context(ctx)
        model = self.py.state(state)
        seq.py_models.append(model)
        current = state
        for _ in range(length):
            a = next_action(rng, self.scope, ctx, current)
            am = self.py.action(a)
            r = self.py.step(c, model, am)
            seq.actions.append(a)
            seq.action_models.append(am)
            seq.py_trace.append([r.response, r.state])
            seq.py_models.append(r.model)
            model, current = r.model, r.state
        return seq

    def replay_pyspec(self, seq: Sequence) -> Sequence:
        """Fill pyspec's trace for a sequence whose actions are fixed."""
        c = self.py.context(seq.context)
        model = self.py.state(seq.state)
        seq.py_models, seq.py_trace, seq.action_models = [model], [], []
        for a in seq.actions:
            am = self.py.action(a)
            r = self.py.step(c, model, am)
            seq.action_models.append(am)
            seq.py_trace.append([r.response, r.state])
            seq.py_models.append(r.model)
            model = r.model
        return seq

    # -- checking ------------------------------------------------------------------

    def check_batch(self, seqs: list[Sequence]) -> list[Outcome]:
        """Run every sequence on the driver and check it.  One pipelined batch
        holds a `run` per sequence followed by a `valid` for each state a step
        changed (the driver's valid_state_b, so the check costs little).  A
        crash or time-out fails the whole batch: each sequence is then rerun
        alone, so the one that caused it is the one reported."""
        reqs: list[dict] = []
        changed: list[list[int]] = []
        for i, s in enumerate(seqs):
            reqs.append(DriverPipe.run_request(i, s.context, s.state, s.actions))
            steps = [k for k in range(len(s.actions))
                     if s.py_trace[k][0] == "Ok" and s.py_models[k + 1] is not s.py_models[k]]
            changed.append(steps)
            reqs += [{"id": i, "op": "valid", "context": s.context, "state": s.py_trace[k][1]}
                     for k in steps]
        try:
            lines = self.driver.raw_requests(reqs)
        except DriverFailure as exc:
            self.driver.restart()
            if len(seqs) == 1:
                return [Outcome(Failure("driver_crash", -1, f"the driver failed: {exc}"), [],
                                len(seqs[0].actions))]
            return [self.check_batch([s])[0] for s in seqs]
        outcomes, pos = [], 0
        for i, s in enumerate(seqs):
            line = lines[pos]
            verdicts = dict(zip(changed[i], lines[pos + 1:pos + 1 + len(changed[i])]))
            pos += 1 + len(changed[i])
            outcomes.append(self.check_raw(i, s, line, verdicts))
        return outcomes

    def check_raw(self, i: int, seq: Sequence, line: bytes, verdicts: dict[int, bytes]) -> Outcome:
        """Check answer number `i`.  The common case costs no parsing: when the
        driver's line is byte for byte the answer pyspec's trace predicts, the
        two traces are equal (same responses, same states, same list order)."""
        expected = orjson.dumps({
            "id": i, "ok": True, "responses": [r for r, _ in seq.py_trace],
            "states": [s for _, s in seq.py_trace],
            "final_state": seq.py_trace[-1][1] if seq.py_trace else seq.state})
        if line == expected:
            return self._check_axioms(seq, seq.py_trace, verdicts)
        try:
            answer = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            return Outcome(Failure("driver_protocol", -1, f"driver answered non-JSON: {exc}"),
                           [], len(seq.actions))
        return self.check(seq, answer, verdicts)

    def check(self, seq: Sequence, answer: Json, verdicts: dict[int, bytes]) -> Outcome:
        n = len(seq.actions)
        if not answer.get("ok"):
            err = answer.get("error", {})
            oracle = "valid_agreement" if err.get("kind") == "invalid_state" else "driver_refused"
            return Outcome(Failure(oracle, -1,
                                   f"driver refused the input: {err.get('kind')}: "
                                   f"{err.get('message')}"), [], n)
        driver_trace = [[r, s] for r, s in zip(answer["responses"], answer["states"])]
        if len(driver_trace) != n:
            return Outcome(Failure("agreement", min(len(driver_trace), n),
                                   f"trace length: pyspec {n}, driver {len(driver_trace)}"),
                           driver_trace, n)
        for i in range(n):
            (pr, ps), (dr, ds) = seq.py_trace[i], driver_trace[i]
            if pr != dr:
                return Outcome(Failure("agreement", i, f"response: pyspec {pr}, driver {dr}"),
                               driver_trace, n)
            if ps != ds and canonical(ps) != canonical(ds):
                return Outcome(Failure("agreement", i, "state: " + _state_diff(ps, ds)),
                               driver_trace, n)
        return self._check_axioms(seq, driver_trace, verdicts)

    def _check_axioms(self, seq: Sequence, driver_trace: list,
                      verdicts: dict[int, bytes]) -> Outcome:
        """The axiom and isolation checks of every step of two agreeing traces;
        valid_state after each changed state by the driver, and pyspec's own
        valid_state on the last state (so both implementations are used)."""
        c = self.py.context(seq.context)
        n = len(seq.actions)
        for i in range(n):
            failure = self._axioms(c, seq, i, verdicts.get(i))
            if failure is not None:
                return Outcome(failure, driver_trace, n)
        if n and seq.py_models[-1] is not seq.py_models[0]:
            broken = self.py.first_invalid_model(c, seq.py_models[-1])
            if broken is not None:
                return Outcome(Failure("valid_agreement", n - 1,
                                       f"valid_state: pyspec says {broken} fails on the last "
                                       "state, the driver found every state valid"),
                               driver_trace, n)
        return Outcome(None, driver_trace, n)

    def _axioms(self, c: object, seq: Sequence, i: int, verdict: bytes | None) -> Failure | None:
        a, am = seq.actions[i], seq.action_models[i]
        before, after = seq.py_models[i], seq.py_models[i + 1]
        response = seq.py_trace[i][0]
        self.coverage.record(a, response)
        if response == "Ok":
            holds, reasons = self.py.post(c, before, am, after)
            if not holds:
                return Failure("post", i, f"post of {a}: " + "; ".join(reasons[:3]))
            if verdict is not None:
                answer = orjson.loads(verdict)
                if not answer.get("ok") or not answer.get("valid"):
                    broken = answer.get("first_invalid") or answer.get("error")
                    return Failure("valid_state", i, f"valid_state: {broken} fails after {a}")
        else:
            code = response[1]
            if after != before:
                return Failure("error_unchanged", i, f"error {code} on {a} changed the state")
            if not self.py.admits(c, before, am, code):
                return Failure("error_msg", i, f"error_msg does not admit {code} for {a}")
            self._errors_seen += 1
            if self.close_call_every and self._errors_seen % self.close_call_every == 0:
                self._close_calls(c, before, am)
        if response == "Ok":
            result = Result(OK, after)
            for name, check in (("read_isolation", sem.read_isolation),
                                ("write_isolation", sem.write_isolation)):
                verdict = check(c, before, am, result)
                if not verdict:
                    return Failure(name, i, f"{name}: {verdict.reason}")
        return None

    def _close_calls(self, c: object, before: object, am: object) -> None:
        """Which properties the refused step would have broken if let through."""
        try:
            forced = self.py.effect(c, before, am)
        except Exception:  # the effect of a refused action may be undefined
            return
        for prop in self.py.violated(c, forced):
            self.coverage.record_close_call(prop)

    def check_case(self, ctx: Json, state: Json, actions: list) -> tuple[Failure | None, Sequence, list]:
        """Rerun one case through both oracles with every check."""
        seq = self.replay_pyspec(Sequence(0, ctx, state, list(actions)))
        invalid = self.py.first_invalid_model(self.py.context(ctx), seq.py_models[0])
        try:
            verdict = self.driver.valid_many([(ctx, state)])[0]
        except DriverFailure:
            self.driver.restart()
            return Failure("driver_crash", -1, "the driver crashed on a valid request"), seq, []
        driver_invalid = (verdict.get("first_invalid") if verdict.get("ok") else "refused")
        if invalid != driver_invalid:
            return (Failure("valid_agreement", -1,
                            f"valid_state: pyspec says {invalid or 'valid'}, driver says "
                            f"{driver_invalid or 'valid'}"), seq, [])
        if invalid is not None:
            return None, seq, []
        out = self.check_batch([seq])[0]
        return out.failure, seq, out.driver_trace


def _state_diff(a: Json, b: Json) -> str:
    ca, cb = canonical(a), canonical(b)
    for key in ("active_os", "exec_mode", "activity", "oss", "hyp", "mem"):
        if ca.get(key) != cb.get(key):
            if isinstance(ca.get(key), list):
                da, db = dict(map(tuple, ca[key])) if ca[key] else {}, \
                    dict(map(tuple, cb[key])) if cb[key] else {}
                for k in sorted(set(da) | set(db)):
                    if da.get(k) != db.get(k):
                        return f"{key}[{k}]: pyspec {da.get(k)}, driver {db.get(k)}"
            return f"{key}: pyspec {ca.get(key)}, driver {cb.get(key)}"
    return "states differ"
