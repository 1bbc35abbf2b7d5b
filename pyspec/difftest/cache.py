"""The cache/TLB variant under test (coq/CacheStep.v, docs/cache.md).

Three checks, each producing findings in the format of `findings.py` (with
`cache` set to the configuration, so `vcert replay` reruns them):

* agreement: pyspec's `ctrace` against the driver's `run_cache`, step by
  step (responses, observations, cached states);
* coherence (when the configuration flushes on `Switch`): every state of the
  run satisfies `cache_coherent`;
* isolation by paired runs: two runs from `o`-equivalent states with empty
  caches take the same synchronised steps while `o` runs (and to hand control
  to and from `o`), and each its own steps of another guest in between.  Guest
  `o`'s observations at synchronised accesses must agree
  (`cache_observation`); after each synchronised step where `o` is active
  the states must be `os_cequiv` (`cache_view`).  Without the flush the other
  guest's accesses evict `o`'s entries in one run only: that is the leak, and
  a finding shrinks to a minimal schedule by dropping events.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from pyspec import codec, interrupt
from pyspec import semantics as sem
from pyspec.cache import codec as ccodec
from pyspec.cache.coherence import incoherences
from pyspec.cache.isolation import os_cequiv
from pyspec.cache.model import AccessObs, CacheConfig, CState, empty_caches
from pyspec.cache.step import cstep, ctrace
from pyspec.generate import generate_state, next_action, serve
from pyspec.model import Context, Error, OsActivity, State, Switch

from .driver_pipe import DriverPipe
from .findings import Finding, FindingStore
from .jstate import Json, accessible, current_table
from .pairs import o_variant
from .scope import Scope
from .states import initial_state

BATCH = 50                 # sequences per batch of driver requests
PAIR_ROUNDS = 4            # o-phases (each followed by another guest's phase) per paired run
O_ACCESSES = 3             # at most this many accesses of o per phase
OTHER_STEPS = 4            # at most this many steps of the other guest per run and phase


@dataclass
class CacheFailure:
    oracle: str    # "cache_agreement" | "cache_coherence" | "cache_observation" | "cache_view"
    step: int      # the failing action (sequences) or event (paired runs)
    detail: str


# ---------------------------------------------------------------------------
# Sequences: pyspec vs the driver, and coherence


def random_sequence(rng: random.Random, scope: Scope, cfg: CacheConfig, length: int
                    ) -> tuple[Json, Json, list[Json]]:
    """A random valid state with empty caches and `length` actions drawn along
    pyspec's run (as JSON: context, cstate, actions)."""
    ctx, state = generate_state(rng, scope)
    start = empty_caches(state)
    cs, actions = start, []
    for _ in range(length):
        a = next_action(rng, scope, ctx, cs.hv)
        actions.append(codec.encode(a))
        cs = cstep(cfg, ctx, cs, a).cresult_state
    return codec.encode(ctx), ccodec.encode(start), actions


def run_cache_request(i: int, cfg: CacheConfig, ctx: Json, cs: Json, actions: list[Json]) -> dict:
    return {"id": i, "op": "run_cache", "context": ctx, "cache": ccodec.encode(cfg),
            "state": cs, "actions": actions, "states": True}


def compare_run(cfg: CacheConfig, ctx: Json, cs: Json, actions: list[Json], answer: Json
                ) -> CacheFailure | None:
    """Check the driver's `run_cache` answer against pyspec, then coherence."""
    if not answer.get("ok"):
        return CacheFailure("cache_agreement", -1, f"driver refused the run: {answer.get('error')}")
    context = codec.decode(Context, ctx)
    results = ctrace(cfg, context, ccodec.decode_cstate(cs),
                     [codec.decode("action", a) for a in actions])
    theirs = {"response": answer["responses"], "observation": answer["observations"],
              "state": answer["states"]}
    for i, (a, r) in enumerate(zip(actions, results)):
        ours = {"response": codec.encode(r.cresponse),
                "observation": ccodec.encode(r.observation) if r.observation else None,
                "state": ccodec.encode(r.cresult_state)}
        for what, mine in ours.items():
            drv = theirs[what]
            if i >= len(drv) or mine != drv[i]:
                got = drv[i] if i < len(drv) else "nothing"
                shown = "" if what == "state" else f": pyspec {mine}, driver {got}"
                return CacheFailure("cache_agreement", i, f"{what} differs at {a}{shown}")
    if cfg.flush_on_switch:
        for i, r in enumerate(results):
            bad = incoherences(cfg, context, r.cresult_state)
            if bad:
                return CacheFailure("cache_coherence", i, f"after {actions[i]}: {bad[0]}")
    return None


def check_sequences(driver: DriverPipe, cfg: CacheConfig,
                    cases: list[tuple[Json, Json, list[Json]]]) -> list[CacheFailure | None]:
    answers = driver.requests([run_cache_request(i, cfg, *c) for i, c in enumerate(cases)])
    return [compare_run(cfg, *c, ans) for c, ans in zip(cases, answers)]


# ---------------------------------------------------------------------------
# Paired runs: OS isolation with cache observations


def _accesses(rng: random.Random, scope: Scope, ctx: Json, state: Json, o: int, n: int
              ) -> list[Json]:
    """Up to `n` reads and writes of `o`'s mapped accessible addresses."""
    vas = [va for va in (current_table(state, o) or {}) if accessible(ctx, va)]
    if not vas:
        return []
    return [["Read", va] if rng.random() < 0.6 else ["Write", va, rng.randrange(scope.values)]
            for va in (rng.choice(vas) for _ in range(rng.randint(1, n)))]


def _hand_to(s: State, g: int) -> list[Json]:
    """Actions that make `g` the running guest: return control, switch, serve
    a pending hypercall, give control back."""
    acts: list[Json] = ["Ret_ctrl"] if s.activity is OsActivity.Running else []
    acts.append(["Switch", g])
    info = s.oss.get(g)
    if info is not None and info.hcall is not None:
        acts.append(codec.encode(serve(g, info.hcall)))
    return acts + ["Chmod"]


def _obs_name(obs: AccessObs | None) -> str:
    return obs.value if obs else "nothing"


class CachePairs:
    """Generate and check paired runs for one cache configuration."""

    def __init__(self, scope: Scope, cfg: CacheConfig) -> None:
        self.scope = scope
        self.cfg = cfg

    def _step_json(self, ctx: Context, cs: CState, a: Json) -> CState:
        return cstep(self.cfg, ctx, cs, codec.decode("action", a)).cresult_state

    def generate(self, rng: random.Random, ctx_json: Json, s1: Json
                 ) -> tuple[int, Json, list] | None:
        """A guest `o` with another guest to interleave, a twin, a schedule."""
        guests = [k for k, _ in s1["oss"]]
        if len(guests) < 2:
            return None
        ctx = codec.decode(Context, ctx_json)
        o = rng.choice(guests)
        s2 = o_variant(rng, self.scope, s1, o)
        m1, m2 = codec.decode(State, s1), codec.decode(State, s2)
        if sem.first_invalid(ctx, m2) is not None or not sem.os_equivalent(ctx, o, m1, m2):
            s2, m2 = s1, m1
        runs = [empty_caches(m1), empty_caches(m2)]
        events: list = []

        def both(acts: list[Json]) -> None:
            for a in acts:
                events.append(["both", a])
                runs[:] = [self._step_json(ctx, cs, a) for cs in runs]

        for _ in range(PAIR_ROUNDS):
            both(_hand_to(runs[0].hv, o))
            both(_accesses(rng, self.scope, ctx_json, codec.encode(runs[0].hv), o, O_ACCESSES))
            g = rng.choice([k for k in guests if k != o])
            both(["Ret_ctrl", ["Switch", g]])
            for k in (0, 1):
                own = _hand_to(runs[k].hv, g)[1:]  # already switched
                for _ in range(rng.randint(0, OTHER_STEPS)):
                    st = codec.encode(runs[k].hv)
                    own += (_accesses(rng, self.scope, ctx_json, st, g, 2) if rng.random() < 0.7
                            else [codec.encode(next_action(rng, self.scope, ctx, runs[k].hv))])
                for a in own:
                    if self._other_step_ok(ctx, o, runs[k], a):
                        events.append([str(k + 1), a])
                        runs[k] = self._step_json(ctx, runs[k], a)
        return o, s2, events

    @staticmethod
    def _other_step_ok(ctx: Context, o: int, cs: CState, a: Json) -> bool:
        """A step one run takes alone: not while `o` is active, not an `o`-action."""
        am = codec.decode("action", a)
        return (cs.hv.active_os != o and not isinstance(am, Switch)
                and not sem.os_action(ctx, cs.hv, am, o))

    def check(self, ctx_json: Json, s1: Json, s2: Json, o: int, events: list
              ) -> CacheFailure | None:
        """Replay a schedule from empty caches; None when it passes or is not a
        valid schedule (a lone step of `o`, or the runs part ways)."""
        ctx = codec.decode(Context, ctx_json)
        runs = [empty_caches(codec.decode(State, s1)), empty_caches(codec.decode(State, s2))]
        if not sem.os_equivalent(ctx, o, runs[0].hv, runs[1].hv):
            return None
        view_failure: CacheFailure | None = None
        for n, (run, a) in enumerate(events):
            if run in ("1", "2"):
                k = int(run) - 1
                if not self._other_step_ok(ctx, o, runs[k], a):
                    return None
                runs[k] = self._step_json(ctx, runs[k], a)
                continue
            am = codec.decode("action", a)
            o_runs = all(cs.hv.active_os == o for cs in runs)
            r1, r2 = (cstep(self.cfg, ctx, cs, am) for cs in runs)
            if isinstance(r1.cresponse, Error) != isinstance(r2.cresponse, Error):
                break  # the runs part ways (the base model's documented channels)
            if o_runs and r1.observation != r2.observation:
                return CacheFailure(
                    "cache_observation", n,
                    f"guest {o}'s {a} is served by {_obs_name(r1.observation)} in run 1 and "
                    f"{_obs_name(r2.observation)} in run 2")
            runs = [r1.cresult_state, r2.cresult_state]
            if not sem.os_equivalent(ctx, o, runs[0].hv, runs[1].hv):
                break
            if (view_failure is None and runs[0].hv.active_os == o
                    and not os_cequiv(ctx, o, runs[0], runs[1])):
                view_failure = CacheFailure(
                    "cache_view", n, f"after {a} guest {o} sees different caches in the two runs")
        return view_failure


def shrink_events(pairs: CachePairs, ctx: Json, s1: Json, s2: Json, o: int, events: list,
                  oracle: str) -> tuple[list, CacheFailure]:
    """Drop events while the schedule still fails with `oracle`: halves,
    quarters, ... down to single events, repeated until no single event can
    go (the result is 1-minimal)."""

    def fails(evs: list) -> CacheFailure | None:
        f = pairs.check(ctx, s1, s2, o, evs)
        return f if f is not None and f.oracle == oracle else None

    failure = fails(events)
    if failure is None:
        raise ValueError("the schedule does not fail")
    events = events[: failure.step + 1]
    chunk = max(1, len(events) // 2)
    while True:
        i, removed = 0, False
        while i < len(events):
            candidate = events[:i] + events[i + chunk:]
            f = fails(candidate)
            if f is not None:
                events, failure, removed = candidate[: f.step + 1], f, True
            else:
                i += chunk
        if chunk == 1 and not removed:
            return events, failure
        chunk = max(1, chunk // 2) if not removed or chunk > 1 else 1


# ---------------------------------------------------------------------------
# A campaign


@dataclass
class CacheCampaign:
    cfg: CacheConfig
    scope: Scope = field(default_factory=Scope)
    seed: int = 0
    sequences: int = 200
    length: int = 30
    pairs: int = 200
    out: Path = Path("out")
    driver: str | None = None


@dataclass
class CacheCampaignResult:
    sequences: int = 0
    steps: int = 0
    pairs: int = 0            # paired runs drawn and checked
    pairs_tried: int = 0      # paired runs attempted (some draw no pair)
    pair_events: int = 0
    findings: list[Finding] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)


def _finding(camp: CacheCampaign, failure: CacheFailure, seed: int, ctx: Json, state: Json,
             actions: list) -> Finding:
    return Finding(oracle=failure.oracle, detail=failure.detail, seed=seed,
                   scope=camp.scope.to_json(), context=ctx, initial_state=state,
                   actions=actions, step=failure.step, cache=ccodec.encode(camp.cfg))


def run_cache_campaign(camp: CacheCampaign,
                       res: CacheCampaignResult | None = None) -> CacheCampaignResult:
    """Sequences against the driver (with coherence when flushing), then paired
    isolation runs; one finding per oracle is kept and shrunk.  Counts go
    into `res` as the work is done, so an interrupted run still has them."""
    res = res if res is not None else CacheCampaignResult()
    store = FindingStore(camp.out / "findings")
    seen: set[str] = set()

    def record(f: Finding) -> None:
        if f.oracle in seen:
            return
        seen.add(f.oracle)
        res.findings.append(f)
        res.paths.append(store.save(f)[0])

    with DriverPipe(camp.driver) as driver:
        for start in range(0, camp.sequences, BATCH):
            interrupt.check()
            end = min(start + BATCH, camp.sequences)
            seeds = [camp.seed * 1_000_003 + i for i in range(start, end)]
            cases = [random_sequence(random.Random(sd), camp.scope, camp.cfg, camp.length)
                     for sd in seeds]
            for sd, case, failure in zip(seeds, cases, check_sequences(driver, camp.cfg, cases)):
                res.sequences += 1
                res.steps += len(case[2])
                if failure is not None:
                    ctx, cs, actions = case
                    f = _finding(camp, failure, sd, ctx, cs, actions)
                    cut = actions[: failure.step + 1] if failure.step >= 0 else actions
                    f.shrunk = {"context": ctx, "initial_state": cs, "actions": cut,
                                "step": failure.step, "detail": failure.detail}
                    record(f)
    pairs = CachePairs(camp.scope, camp.cfg)
    for i in range(camp.pairs):
        interrupt.check()
        sd = camp.seed * 1_000_003 + i
        ctx, state = initial_state(random.Random(sd), camp.scope)
        drawn = pairs.generate(random.Random(sd ^ 0xCAC4E), ctx, state)
        res.pairs_tried += 1
        if drawn is None:
            continue
        o, twin, events = drawn
        res.pairs += 1
        res.pair_events += len(events)
        failure = pairs.check(ctx, state, twin, o, events)
        if failure is None or failure.oracle in seen:
            continue
        f = _finding(camp, failure, sd, ctx, state, [])
        f.paired = {"o": o, "state2": twin, "events": events}
        small, sf = shrink_events(pairs, ctx, state, twin, o, events, failure.oracle)
        f.shrunk = {"context": ctx, "initial_state": state, "events": small,
                    "step": sf.step, "detail": sf.detail}
        f.shrink_stats = {"events_before": len(events), "events_after": len(small)}
        record(f)
    return res
