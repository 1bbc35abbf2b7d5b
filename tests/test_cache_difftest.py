"""The cache variant end to end: the driver's run_cache, pyspec against it on
random runs, coherence with the flush, the isolation leak without it (found,
shrunk, replayed) and its absence with it, and `vcert diff --cache`."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from pyspec.cache import codec as ccodec
from pyspec.cache.coherence import incoherences
from pyspec.cache.model import CacheConfig
from pyspec.cache.step import ctrace
from pyspec.codec import decode
from pyspec.difftest.cache import (
    CacheCampaign, CachePairs, compare_run, random_sequence, run_cache_campaign,
    run_cache_request, shrink_events,
)
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.findings import load_finding
from pyspec.difftest.scope import Scope
from pyspec.difftest.states import initial_state
from pyspec.driver import DriverRequestError
from test_driver_support import (  # noqa: F401  (driver fixtures)
    driver, driver_binary, running_state,
)

CONTEXT = {"hyp_window": [100, 101], "trusted_oss": [0]}  # running_state's context
FLUSH = CacheConfig(2, 2, True)
NO_FLUSH = CacheConfig(2, 2, False)
SCOPE = Scope()


def cstate(state: dict) -> dict:
    return {"hv": state, "cache": [], "tlb": []}


# ---- the driver's run_cache -------------------------------------------------------------


def test_run_cache_answers_responses_observations_and_states(driver) -> None:
    answer = driver.run_cache(CONTEXT, ccodec.encode(FLUSH), cstate(running_state()),
                              [["Read", 10], ["Read", 10], ["Read", 99]], states=True)
    assert answer["observations"] == ["Page_walk", "Cache_hit", None]
    assert answer["responses"] == ["Ok", "Ok", ["Error", "Invalid_vadd"]]
    assert len(answer["states"]) == 3 and answer["states"][-1] == answer["final_state"]
    assert answer["final_state"]["tlb"] == [[10, 1]]
    assert "states" not in driver.run_cache(CONTEXT, ccodec.encode(FLUSH),
                                            cstate(running_state()), [["Read", 10]])


def test_run_cache_refuses_an_invalid_base_state_at_its_path(driver) -> None:
    bad = running_state()
    bad["activity"] = "Waiting"       # Usr while waiting: property 3
    with pytest.raises(DriverRequestError) as err:
        driver.run_cache(CONTEXT, ccodec.encode(FLUSH), cstate(bad), [])
    assert err.value.error["kind"] == "invalid_state"
    assert err.value.error["path"] == "$.state.hv"


@pytest.mark.parametrize("change, path", [
    (lambda r: r["cache"].update(cache_size=-1), "$.cache.cache_size"),
    (lambda r: r["cache"].pop("flush_on_switch"), "$.cache"),
    (lambda r: r["state"].update(tlb=[[1, 2], [1, 3]]), "$.state.tlb[1][0]"),
    (lambda r: r.pop("cache"), "$"),
])
def test_run_cache_bad_requests_name_the_path(driver, change, path: str) -> None:
    request = {"op": "run_cache", "context": CONTEXT, "cache": ccodec.encode(FLUSH),
               "state": cstate(running_state()), "actions": []}
    change(request)
    answer = driver.request(request)
    assert answer["ok"] is False
    assert answer["error"]["kind"] == "bad_request"
    assert answer["error"]["path"].startswith(path)


# ---- pyspec against the driver ----------------------------------------------------------


@pytest.mark.parametrize("cfg", [FLUSH, NO_FLUSH, CacheConfig(0, 1, True),
                                 CacheConfig(1, 0, False)])
def test_pyspec_and_the_driver_agree_on_random_runs(driver_binary, cfg: CacheConfig) -> None:
    rng = random.Random(7)
    # 120 runs: with flushing a TLB hit is rare (a few per thousand steps), and fewer runs
    # missed it for some seeds (every seed below 15 reaches every observation with 120).
    cases = [random_sequence(rng, SCOPE, cfg, 40) for _ in range(120)]
    observed: set[str | None] = set()
    with DriverPipe(driver_binary) as pipe:
        answers = pipe.requests([run_cache_request(i, cfg, *case) for i, case in enumerate(cases)])
    for case, answer in zip(cases, answers):
        assert compare_run(cfg, *case, answer) is None
        observed.update(answer["observations"])
    # The runs exercise every observation (else agreement would say little).
    expected = ({None, "Page_walk"} | ({"Cache_hit"} if cfg.cache_size else set())
                | ({"Tlb_hit"} if cfg.tlb_size else set()))
    assert expected <= observed


def test_a_wrong_driver_answer_is_reported(driver_binary) -> None:
    rng = random.Random(3)
    with DriverPipe(driver_binary) as pipe:
        for _ in range(50):  # a run with at least one guest access
            case = random_sequence(rng, SCOPE, FLUSH, 30)
            [answer] = pipe.requests([{"id": 0, "op": "run_cache", "context": case[0],
                                       "cache": ccodec.encode(FLUSH), "state": case[1],
                                       "actions": case[2], "states": True}])
            if any(o is not None for o in answer["observations"]):
                break
        else:
            pytest.fail("50 random runs without a single guest access")
    assert compare_run(FLUSH, *case, answer) is None
    i = next(k for k, o in enumerate(answer["observations"]) if o is not None)
    tampered = copy.deepcopy(answer)
    seen = answer["observations"][i]
    tampered["observations"][i] = "Tlb_hit" if seen != "Tlb_hit" else "Cache_hit"
    failure = compare_run(FLUSH, *case, tampered)
    assert failure is not None and failure.oracle == "cache_agreement" and failure.step == i
    assert "observation differs" in failure.detail


# ---- coherence --------------------------------------------------------------------------


def _runs(cfg: CacheConfig, count: int, length: int):
    rng = random.Random(11)
    for _ in range(count):
        ctx, cs, actions = random_sequence(rng, SCOPE, cfg, length)
        context = decode("context", ctx)
        yield context, ctrace(cfg, context, ccodec.decode_cstate(cs),
                              [decode("action", a) for a in actions])


def test_coherence_is_preserved_with_the_flush() -> None:
    steps = 0
    for ctx, results in _runs(FLUSH, 150, 40):
        for r in results:
            assert incoherences(FLUSH, ctx, r.cresult_state) == []
            steps += 1
    assert steps == 150 * 40


def test_without_the_flush_coherence_breaks() -> None:
    broken = sum(1 for ctx, results in _runs(NO_FLUSH, 150, 40)
                 if any(incoherences(NO_FLUSH, ctx, r.cresult_state) for r in results))
    assert broken > 0


# ---- isolation: the leak ----------------------------------------------------------------


def _pair_findings(cfg: CacheConfig, count: int):
    pairs = CachePairs(SCOPE, cfg)
    for seed in range(count):
        ctx, state = initial_state(random.Random(seed), SCOPE)
        drawn = pairs.generate(random.Random(seed ^ 0xCAC4E), ctx, state)
        if drawn is None:
            continue
        o, twin, events = drawn
        yield ctx, state, twin, o, events, pairs.check(ctx, state, twin, o, events)


def test_without_the_flush_paired_runs_find_the_leak_and_shrink_it() -> None:
    leaks = [found for found in _pair_findings(NO_FLUSH, 60)
             if found[-1] is not None and found[-1].oracle == "cache_observation"]
    assert leaks, "no paired run exposed the leak"
    ctx, s1, s2, o, events, failure = leaks[0]
    small, small_failure = shrink_events(CachePairs(SCOPE, NO_FLUSH), ctx, s1, s2, o, events,
                                         "cache_observation")
    # At most: o's access, hand over, two evicting accesses (2-entry caches), hand
    # back, o's access again; each hand-over is Ret_ctrl, Switch, Chmod.
    assert len(small) < len(events) and len(small) <= 13
    assert small_failure.step == len(small) - 1
    # The reproducer: another guest's lone steps, then o's access is served differently.
    assert any(run in ("1", "2") for run, _ in small)
    assert small[-1][0] == "both" and small[-1][1][0] in ("Read", "Write")
    # 1-minimal: dropping any single event loses the leak.
    pairs = CachePairs(SCOPE, NO_FLUSH)
    for i in range(len(small)):
        f = pairs.check(ctx, s1, s2, o, small[:i] + small[i + 1:])
        assert f is None or f.oracle != "cache_observation"
    # With the flush, the very same schedule shows nothing.
    assert CachePairs(SCOPE, FLUSH).check(ctx, s1, s2, o, small) is None


def test_with_the_flush_paired_runs_find_nothing() -> None:
    results = list(_pair_findings(FLUSH, 60))
    assert len(results) > 40
    synced_accesses = sum(1 for *_, events, _ in results for run, a in events
                          if run == "both" and a[0] in ("Read", "Write"))
    assert synced_accesses > 100
    assert [f for *_, f in results if f is not None] == []


# ---- the campaign, its findings and replay ----------------------------------------------


def test_campaign_without_flush_records_a_replayable_leak(
        tmp_path: Path, driver_binary, capsys: pytest.CaptureFixture[str]) -> None:
    from pyspec.cli import main

    res = run_cache_campaign(CacheCampaign(NO_FLUSH, SCOPE, seed=1, sequences=20, length=20,
                                           pairs=60, out=tmp_path, driver=str(driver_binary)))
    oracles = {f.oracle for f in res.findings}
    assert "cache_observation" in oracles
    path = res.paths[[f.oracle for f in res.findings].index("cache_observation")]
    assert path.parent == tmp_path / "findings"
    finding = load_finding(path)
    assert finding.cache == ccodec.encode(NO_FLUSH)
    assert len(finding.shrunk["events"]) < len(finding.paired["events"])
    assert main(["replay", str(path)]) == 1
    out = capsys.readouterr().out
    assert "result: still fails: cache_observation" in out
    # Replayed with the flush, the same schedule no longer leaks.
    data = json.loads(path.read_text())
    data["cache"]["flush_on_switch"] = True
    path.write_text(json.dumps(data))
    assert main(["replay", str(path)]) == 0
    assert "no longer fails" in capsys.readouterr().out


def test_vcert_diff_cache_exit_status(tmp_path: Path, driver_binary,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from pyspec.cli import main

    common = ["diff", "--cache", "--sequences", "30", "--length", "20", "--driver",
              str(driver_binary), "--seed", "2"]
    assert main(common + ["--out", str(tmp_path / "flush")]) == 0
    out = capsys.readouterr().out
    assert "30 sequences, 600 steps against the driver, coherence checked" in out
    summary = json.loads((tmp_path / "flush" / "summary.json").read_text())
    assert summary["mode"] == "cache" and summary["cache_config"]["flush_on_switch"]
    assert (summary["sequences"], summary["steps"], summary["findings"]) == (30, 600, [])
    assert summary["os_isolation"]["paired_runs"] > 0
    assert main(common + ["--no-flush", "--pairs", "60", "--out", str(tmp_path / "leak")]) == 1
    out = capsys.readouterr().out
    assert "cache_observation:" in out and "no flush" in out
    summary = json.loads((tmp_path / "leak" / "summary.json").read_text())
    assert "cache_observation" in [f["oracle"] for f in summary["findings"]]
    assert all(Path(f["path"]).is_file() for f in summary["findings"])
    assert main(["diff", "--cache", "--cache-size", "-1"]) == 2



def test_replay_of_a_sequence_finding_runs_it_against_the_driver(
        tmp_path: Path, driver_binary, capsys: pytest.CaptureFixture[str]) -> None:
    from pyspec.cli import main
    from pyspec.difftest.findings import Finding, FindingStore

    ctx, cs, actions = random_sequence(random.Random(5), SCOPE, FLUSH, 15)
    finding = Finding(oracle="cache_agreement", detail="observation differs", seed=5,
                      scope=SCOPE.to_json(), context=ctx, initial_state=cs, actions=actions,
                      step=3, cache=ccodec.encode(FLUSH))
    path, _ = FindingStore(tmp_path).save(finding)
    assert main(["replay", str(path), "--original", "--driver", str(driver_binary)]) == 0
    out = capsys.readouterr().out
    assert f"{len(actions) - 1:>4}  {json.dumps(actions[-1])}" in out and "no longer fails" in out
    data = json.loads(path.read_text())
    data["cache"] = {"cache_size": "two", "tlb_size": 2, "flush_on_switch": True}
    path.write_text(json.dumps(data))
    assert main(["replay", str(path)]) == 2
    assert "$.cache.cache_size" in capsys.readouterr().err
