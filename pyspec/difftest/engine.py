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
from dataclasses import dataclass

import orjson

from pyspec import codec
from pyspec import semantics as sem
from pyspec.generate import NO_BIAS, Bias, next_action
from pyspec.model import OK, Result

from .coverage import Coverage, FirstMet
from .decisions import hits
from .driver_pipe import DriverBadAnswer, DriverFailure, DriverPipe
from .jstate import Json, canonical
from .pyspec_oracle import PyspecOracle
from .scope import Scope
from .shapes import shapes
from .validity import PROPS, first_of, full_flags, next_flags


@dataclass
class Failure:
    oracle: str
    step: int
    detail: str


class Sequence:
    """A case and pyspec's run of it.  pyspec's trace is kept as model values
    (`py_models`: s0, s1, ...; `responses` in JSON); `py_trace`, the JSON trace
    [[response, state], ...], is encoded from them when first asked for."""

    def __init__(self, seed: int, context: Json, state: Json, actions: list | None = None,
                 responses: list | None = None, py_models: list | None = None,
                 action_models: list | None = None) -> None:
        self.seed = seed
        self.context = context
        self.state = state
        self.actions = actions if actions is not None else []
        self.responses = responses if responses is not None else []
        self.py_models = py_models if py_models is not None else []
        self.action_models = action_models if action_models is not None else []
        self.valid0: tuple | None = None     # validity.full_flags of py_models[0], if known
        self._trace: list | None = None

    @property
    def py_trace(self) -> list:
        if self._trace is None:
            self._trace = [[r, codec.encode(m)]
                           for r, m in zip(self.responses, self.py_models[1:])]
        return self._trace

    def __repr__(self) -> str:
        return (f"Sequence(seed={self.seed}, actions={len(self.actions)}, "
                f"steps run={len(self.responses)})")


class Outcome:
    """The checks of one sequence: its first failure (or None), the driver's
    trace and the steps run.  When the driver's answer was byte for byte the
    one pyspec predicts, the driver's trace is pyspec's, decoded on demand."""

    def __init__(self, failure: Failure | None, driver_trace: list | None, steps: int,
                 same_as: Sequence | None = None) -> None:
        self.failure = failure
        self.steps = steps
        self.firsts: list[str] = []    # obligations it met first (when the engine tracks them)
        self._trace = driver_trace
        self._same_as = same_as

    @property
    def driver_trace(self) -> list:
        if self._trace is None:
            self._trace = self._same_as.py_trace if self._same_as is not None else []
        return self._trace


class Engine:
    def __init__(self, scope: Scope, driver: DriverPipe, pyspec: PyspecOracle | None = None,
                 coverage: Coverage | None = None, close_call_every: int = 8,
                 shape_every: int = 16) -> None:
        self.scope = scope
        self.driver = driver
        self.py = pyspec or PyspecOracle()
        self.coverage = coverage if coverage is not None else Coverage()
        self.close_call_every = close_call_every
        self.shape_every = shape_every      # state shapes: every initial state, then
        self._errors_seen = 0               # every shape_every-th state reached
        self._states_seen = 0
        self._firsts: FirstMet | None = None

    def reset(self, coverage: Coverage, track_firsts: bool = False) -> None:
        """Record into `coverage` from now on, as a fresh engine would: what a
        batch records then depends on the batch alone, not on what the
        worker ran before it.  `track_firsts`: `check_batch` sets each
        outcome's `firsts`, the obligations its sequence met first."""
        self.coverage = coverage
        self._errors_seen = 0
        self._states_seen = 0
        self._firsts = FirstMet(coverage) if track_firsts else None

    # -- generation (pyspec side) ------------------------------------------------

    def generate(self, seed: int, state: Json, length: int, ctx: Json,
                 model: object | None = None, bias: Bias = NO_BIAS) -> Sequence:
        """Draw `length` actions, each from the state pyspec reached (`model`:
        `state` decoded, if the caller has it)."""
        rng = random.Random(seed)
        seq = Sequence(seed, ctx, state)
        c = self.py.context(ctx)
        s = model if model is not None else self.py.state(state)
        scope, encode, step, response = self.scope, self.py.action_json, sem.step, self.py.response
        actions, action_models, responses, models = (seq.actions, seq.action_models,
                                                     seq.responses, seq.py_models)
        models.append(s)
        for _ in range(length):
            am = next_action(rng, scope, c, s, bias)
            r = step(c, s, am)
            actions.append(encode(am))
            action_models.append(am)
            responses.append(response(r.response))
            s = r.result_state
            models.append(s)
        return seq

    def replay_pyspec(self, seq: Sequence) -> Sequence:
        """Fill pyspec's trace for a sequence whose actions are fixed."""
        c = self.py.context(seq.context)
        s = self.py.state(seq.state)
        seq.py_models, seq.responses, seq.action_models = [s], [], []
        seq._trace = None
        for a in seq.actions:
            am = self.py.action(a)
            r = sem.step(c, s, am)
            seq.action_models.append(am)
            seq.responses.append(self.py.response(r.response))
            s = r.result_state
            seq.py_models.append(s)
        return seq

    # -- checking ------------------------------------------------------------------

    def check_batch(self, seqs: list[Sequence]) -> list[Outcome]:
        """Run every sequence on the driver and check it.  One pipelined batch
        holds a `run` per sequence, followed, when the sequence changed the
        state, by a `valid` of its last state (the driver's valid_state_b: the
        extracted decision procedure agrees with pyspec's, which checks every
        state).  A crash or time-out fails the whole batch: each sequence is
        then rerun alone, so the one that caused it is the one reported."""
        lines: list[bytes] = []
        final: list[bool] = []
        for i, s in enumerate(seqs):
            lines.append(orjson.dumps(DriverPipe.run_request(i, s.context, s.state, s.actions)))
            changed = bool(s.actions) and s.py_models[-1] is not s.py_models[0]
            final.append(changed)
            if changed:
                lines.append(b'{"id":%d,"op":"valid","context":%s,"state":%s}'
                             % (i, orjson.dumps(s.context), self.py.state_bytes(s.py_models[-1])))
        try:
            answers = self.driver.raw_lines(lines)
        except DriverFailure as exc:
            self.driver.restart()
            if len(seqs) == 1:
                return [Outcome(Failure("driver_crash", -1, f"the driver failed: {exc}"), [],
                                len(seqs[0].actions))]
            return [self.check_batch([s])[0] for s in seqs]
        outcomes, pos = [], 0
        for i, s in enumerate(seqs):
            line = answers[pos]
            verdict = answers[pos + 1] if final[i] else None
            pos += 2 if final[i] else 1
            out = self.check_raw(i, s, line, verdict)
            if self._firsts is not None:
                out.firsts = self._firsts.step()
            outcomes.append(out)
        if any(o.failure is not None and o.failure.oracle == "driver_protocol" for o in outcomes):
            self.driver.restart()  # an answer out of step would shift every later one
        return outcomes

    def expected_line(self, i: int, seq: Sequence) -> bytes:
        """The driver's answer to `run` request `i` if its trace is pyspec's:
        exactly `orjson.dumps` of {"id", "ok", "responses", "states", "final_state"}."""
        sb = self.py.state_bytes
        states = [sb(m) for m in seq.py_models[1:]]
        return b'{"id":%d,"ok":true,"responses":%s,"states":[%s],"final_state":%s}' % (
            i, orjson.dumps(seq.responses), b",".join(states),
            states[-1] if states else orjson.dumps(seq.state))

    def check_raw(self, i: int, seq: Sequence, line: bytes, verdict_line: bytes | None) -> Outcome:
        """Check answer number `i`.  The common case costs no parsing: when the
        driver's line is byte for byte the answer pyspec's trace predicts, the
        two traces are equal (same responses, same states, same list order), so
        the checks run on pyspec's own model values, which are the driver's
        states decoded."""
        try:
            expected = line == self.expected_line(i, seq)
            answer = None if expected else DriverPipe.answer(
                line, {"id": i, "op": "run", "states": True})
            verdict = (None if verdict_line is None
                       else DriverPipe.answer(verdict_line, {"id": i, "op": "valid"}))
        except DriverBadAnswer as exc:
            return Outcome(Failure("driver_protocol", -1, str(exc)), [], len(seq.actions))
        if answer is None:
            return self._check_axioms(seq, None, verdict)
        try:
            return self.check(seq, answer, verdict)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # An answer of the wrong shape deeper than DriverPipe.answer checks
            # (a state of the wrong type) is the driver breaking the protocol:
            # a finding, not a dead worker.
            return Outcome(Failure("driver_protocol", -1,
                                   f"driver answer of the wrong shape: {type(exc).__name__}: "
                                   f"{exc}"), [], len(seq.actions))

    def check(self, seq: Sequence, answer: Json, verdict: Json | None) -> Outcome:
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
        py_trace = seq.py_trace
        for i in range(n):
            (pr, ps), (dr, ds) = py_trace[i], driver_trace[i]
            if pr != dr:
                return Outcome(Failure("agreement", i, f"response: pyspec {pr}, driver {dr}"),
                               driver_trace, n)
            if ps != ds and canonical(ps) != canonical(ds):
                return Outcome(Failure("agreement", i, "state: " + _state_diff(ps, ds)),
                               driver_trace, n)
        return self._check_axioms(seq, driver_trace, verdict)

    def _check_axioms(self, seq: Sequence, driver_trace: list | None,
                      verdict: Json | None) -> Outcome:
        """The axiom and isolation checks of every step of two agreeing traces
        (`driver_trace` None: byte-equal to pyspec's).  pyspec's valid_state
        holds after every step (checked incrementally, see `validity`), and the
        driver's valid_state_b agrees on the last state (so both
        implementations are used)."""
        c = self.py.context(seq.context)
        n = len(seq.actions)
        models, actions, action_models = seq.py_models, seq.actions, seq.action_models
        flags = seq.valid0
        if flags is None:
            flags = full_flags(c, models[0])
        cov = self.coverage
        record, decided = cov.record, cov.decisions.update
        post, read_isolation, write_isolation = sem.post, sem.read_isolation, sem.write_isolation
        every = self.shape_every
        if every:
            cov.record_shapes(shapes(c, models[0]))
        failure = None
        for i, response in enumerate(seq.responses):
            a, am = actions[i], action_models[i]
            before, after = models[i], models[i + 1]
            record(a, response)
            if every:
                self._states_seen += 1
                if self._states_seen % every == 0:
                    cov.record_shapes(shapes(c, after))
            if response == "Ok":
                decided(hits(c, before, am, True))
                held = post(c, before, am, after)
                if not held:
                    failure = Failure("post", i, f"post of {a}: " + "; ".join(held.reasons[:3]))
                    break
                flags = next_flags(c, before, flags, after)
                broken = first_of(flags)
                if broken is not None:
                    failure = Failure("valid_state", i,
                                      f"valid_state: {broken.name} fails after {a}")
                    break
                result = Result(OK, after)
                held = read_isolation(c, before, am, result)
                if not held:
                    failure = Failure("read_isolation", i, f"read_isolation: {held.reason}")
                    break
                held = write_isolation(c, before, am, result)
                if not held:
                    failure = Failure("write_isolation", i, f"write_isolation: {held.reason}")
                    break
                continue
            decided(hits(c, before, am, False))
            code = response[1]
            if after != before:
                failure = Failure("error_unchanged", i, f"error {code} on {a} changed the state")
                break
            if not self.py.admits(c, before, am, code):
                failure = Failure("error_msg", i, f"error_msg does not admit {code} for {a}")
                break
            self._errors_seen += 1
            if self.close_call_every and self._errors_seen % self.close_call_every == 0:
                self._close_calls(c, before, am)
            flags = next_flags(c, before, flags, after)
        if failure is not None:
            return Outcome(failure, driver_trace, n, same_as=seq)
        if verdict is not None:
            if not verdict["ok"] or not verdict["valid"]:
                broken = verdict.get("first_invalid") or verdict["error"]
                return Outcome(Failure("valid_agreement", n - 1,
                                       f"valid_state: the driver says {broken} fails on the "
                                       "last state, pyspec found every state valid"),
                               driver_trace, n, same_as=seq)
        return Outcome(None, driver_trace, n, same_as=seq)

    def _close_calls(self, c: object, before: object, am: object) -> None:
        """Which properties the refused step would have broken if let through."""
        try:
            forced = self.py.effect(c, before, am)
        except Exception:  # the effect of a refused action may be undefined
            return
        # The properties with at least one violation: `self.py.violated`, without
        # listing (and formatting) every violation.
        for prop, bad in zip(PROPS, full_flags(c, forced)):
            if bad:
                self.coverage.record_close_call(prop.name)

    def check_case(self, ctx: Json, state: Json, actions: list) -> tuple[Failure | None, Sequence, list]:
        """Rerun one case through both oracles with every check."""
        seq = self.replay_pyspec(Sequence(0, ctx, state, list(actions)))
        invalid = self.py.first_invalid_model(self.py.context(ctx), seq.py_models[0])
        try:
            verdict = self.driver.valid_many([(ctx, state)])[0]
        except DriverFailure as exc:
            self.driver.restart()
            oracle = "driver_protocol" if isinstance(exc, DriverBadAnswer) else "driver_crash"
            return Failure(oracle, -1, f"the driver failed on a valid request: {exc}"), seq, []
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
