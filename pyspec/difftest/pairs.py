"""OS isolation by paired runs (MODEL.md section 6, coq/THEOREMS.md "Isolation").

From a valid state `s1` and a guest `o`, `s2` is an `o`-equivalent variant:
the other guests' and the hypervisor's data changed and every machine
address relabelled (`o` only sees physical addresses).  Each run then takes
its own random other-guest steps (each must keep `o`'s view: locally
respects), and at synchronisation points both take the same `o`-action:
for view-determined actions the responses must be equal (Coq's
`step_response_agree`), and when it succeeds in both the results must be
`o`-equivalent (`step_consistent`).  Read_hyper, Write_hyper, Page_unpin and
Page_pin may answer differently (documented channels, coq/
IsolationCounterexamples.v); once a synchronised step succeeds in one run only
the runs stop being comparable, and the pair ends there.

A paired run is a list of events `[run, action]` with run "1", "2" or "both",
so a finding replays exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pyspec import semantics as sem
from pyspec.generate import next_action
from pyspec.model import Ok

from .jstate import Json, owner_os
from .pyspec_oracle import PyspecOracle
from .scope import Scope

OTHER_STEPS = 3          # at most this many other-guest steps per run between syncs
SYNC_TRIES = 8           # draws to find an action that is an o-action in both runs


@dataclass
class PairFailure:
    oracle: str          # "locally_respects" | "step_consistency"
    event: int
    detail: str


def relabel_machine(rng: random.Random, state: Json) -> Json:
    """The same state with machine addresses permuted."""
    mas = [ma for ma, _ in state["mem"]]
    perm = dict(zip(mas, rng.sample(mas, len(mas))))

    def page(pg: Json) -> Json:
        c = pg["content"]
        if isinstance(c, list) and c[0] == "PT":
            c = ["PT", [[va, perm.get(ma, ma)] for va, ma in c[1]]]
        return {"content": c, "owner": pg["owner"]}

    return {**state,
            "hyp": [[o, [[pa, perm.get(ma, ma)] for pa, ma in pm]] for o, pm in state["hyp"]],
            "mem": [[perm[ma], page(pg)] for ma, pg in state["mem"]]}


def o_variant(rng: random.Random, scope: Scope, state: Json, o: int) -> Json:
    """An `o`-equivalent variant of `state`."""
    mem = []
    for ma, pg in state["mem"]:
        c = pg["content"]
        if owner_os(pg) != o and isinstance(c, list) and c[0] == "RW":
            pg = {**pg, "content": ["RW", rng.choice([None, rng.randrange(scope.values)])]}
        mem.append([ma, pg])
    return relabel_machine(rng, {**state, "mem": mem})


class PairChecker:
    def __init__(self, scope: Scope, py: PyspecOracle) -> None:
        self.scope = scope
        self.py = py

    def generate(self, rng: random.Random, ctx: Json, s1: Json, rounds: int,
                 model: object | None = None) -> tuple[int, Json, list] | None:
        """Draw a guest, an o-equivalent twin and a schedule of events (`model`:
        `s1` decoded, if the caller has it)."""
        c = self.py.context(ctx)
        o = rng.choice([k for k, _ in s1["oss"]])
        s2 = o_variant(rng, self.scope, s1, o)
        models = [model if model is not None else self.py.state(s1), self.py.state(s2)]
        if (self.py.first_invalid_model(c, models[1]) is not None
                or not sem.os_equivalent(c, o, models[0], models[1])):
            return None
        events: list = []
        for _ in range(rounds):
            for k in (0, 1):
                for _ in range(rng.randint(0, OTHER_STEPS)):
                    am = next_action(rng, self.scope, c, models[k])
                    a = self.py.action_json(am)
                    if sem.os_action(c, models[k], am, o):
                        continue
                    models[k] = sem.step(c, models[k], am).result_state
                    events.append([str(k + 1), a])
            for _ in range(SYNC_TRIES):
                am = next_action(rng, self.scope, c, models[0])
                a = self.py.action_json(am)
                if sem.os_action(c, models[0], am, o) and sem.os_action(c, models[1], am, o):
                    r1, r2 = sem.step(c, models[0], am), sem.step(c, models[1], am)
                    events.append(["both", a])
                    if isinstance(r1.response, Ok) != isinstance(r2.response, Ok):
                        return o, s2, events       # the runs part ways here
                    models = [r1.result_state, r2.result_state]
                    break
        return o, s2, events

    def check(self, ctx: Json, s1: Json, s2: Json, o: int, events: list) -> PairFailure | None:
        """Replay a schedule with every isolation check."""
        c = self.py.context(ctx)
        models = [self.py.state(s1), self.py.state(s2)]
        if not sem.os_equivalent(c, o, models[0], models[1]):
            return PairFailure("step_consistency", -1,
                               f"the two initial states are not equivalent for guest {o}")
        for n, (run, a) in enumerate(events):
            am = self.py.action(a)
            if run in ("1", "2"):
                k = int(run) - 1
                r = sem.step(c, models[k], am)
                verdict = sem.locally_respects(c, o, models[k], am, r)
                if not verdict:
                    return PairFailure("locally_respects", n, f"run {run}: {verdict.reason}")
                models[k] = r.result_state
                continue
            verdict = sem.step_consistency(c, o, models[0], models[1], am)
            if not verdict:
                return PairFailure("step_consistency", n, verdict.reason)
            comparable = (sem.os_action(c, models[0], am, o) and sem.os_action(c, models[1], am, o)
                          and sem.os_equivalent(c, o, models[0], models[1]))
            r1, r2 = sem.step(c, models[0], am), sem.step(c, models[1], am)
            if comparable and sem.view_determined(am) and r1.response != r2.response:
                return PairFailure("step_consistency", n,
                                   f"{a} answers {self.py.encode(r1.response)} and "
                                   f"{self.py.encode(r2.response)} in two states guest {o} "
                                   "cannot tell apart")
            models = [r1.result_state, r2.result_state]
        return None
