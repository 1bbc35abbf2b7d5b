"""Campaigns, findings, replay, mutation kills and reports, against the real
driver and (for findings) a driver built from a seeded fault."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyspec.difftest.campaign import (
    MAX_FINDINGS_PER_KIND, CampaignConfig, report_campaign, run_campaign,
)
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.engine import Engine
from pyspec.difftest.findings import Finding, load_finding
from pyspec.difftest.mutants import by_id, prepare
from pyspec.difftest.mutation import MutationBudget, run_mutant
from pyspec.difftest.scope import Scope
from pyspec.driver import default_binary

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not default_binary().is_file(),
                                reason="the driver is not built (make driver)")


@pytest.fixture(scope="module")
def del_window_driver(tmp_path_factory) -> Path:
    """A driver whose Del accepts hypervisor-window addresses: at seed 1 and
    length 5 its first finding comes in the third batch of 32 sequences."""
    _, binary = prepare(by_id(["ml-del-window"])[0], tmp_path_factory.mktemp("mutant"))
    return binary


def vcert(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyspec.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)


def test_clean_campaign_finds_nothing_and_writes_reports(tmp_path):
    cfg = CampaignConfig(seed=7, sequences=120, length=40, jobs=2, out=tmp_path, progress=False)
    res = run_campaign(cfg)
    assert res.findings == [] and not res.interrupted and res.complete
    assert res.sequences == 120 and res.steps == 120 * 40 and res.exit_status == 0
    report_campaign(cfg, res)
    summary = json.loads((tmp_path / "summary.json").read_text())
    html_path = tmp_path / "report.html"
    assert summary["mode"] == "campaign" and summary["status"] == "complete"
    assert summary["sequences_announced"] == summary["sequences_checked"] == 120
    assert summary["steps"] == 4800 and summary["findings"] == []
    assert sum(summary["coverage"]["cells"].values()) == 4800
    html = html_path.read_text()
    assert "<table>" in html and "Page_unpin" in html and "No_free_memory" in html


def test_summary_records_the_workers_used(tmp_path):
    cfg = CampaignConfig(seed=2, sequences=70, length=5, jobs=8, out=tmp_path, progress=False)
    res = run_campaign(cfg)
    summary = report_campaign(cfg, res)
    assert summary["jobs_requested"] == 8 and summary["workers"] == 3   # one per batch of 32
    assert "3 worker(s) (--jobs 8)" in (tmp_path / "report.html").read_text()


def test_divergence_is_saved_shrunk_and_replayed(tmp_path, bad_driver):
    cfg = CampaignConfig(seed=0, sequences=40, length=40, jobs=1, out=tmp_path,
                         driver=str(bad_driver), progress=False, stop_on_finding=True)
    res = run_campaign(cfg)
    assert len(res.findings) == 1
    finding = load_finding(Path(res.findings[0]["path"]))
    assert finding.oracle == "agreement"
    shrunk = finding.shrunk["actions"]
    assert finding.shrink_stats["one_minimal"]
    assert shrunk[-1][0] == "Page_pin" and len(shrunk) <= finding.step + 1
    # 1-minimal: dropping any single action makes the divergence disappear.
    with DriverPipe(bad_driver) as driver:
        engine = Engine(Scope.from_json(finding.scope), driver)
        ctx, state = finding.shrunk["context"], finding.shrunk["initial_state"]
        assert engine.check_case(ctx, state, shrunk)[0] is not None
        for i in range(len(shrunk)):
            assert engine.check_case(ctx, state, shrunk[:i] + shrunk[i + 1:])[0] is None
    # The report lists the finding with its shrunk trace.
    report_campaign(cfg, res)
    html = (tmp_path / "report.html").read_text()
    assert "agreement: " in html and f"Shrunk to {len(shrunk)} action(s)" in html
    # Replay shows both traces and the difference against the faulty driver...
    out = vcert("replay", str(res.findings[0]["path"]), "--driver", str(bad_driver))
    assert out.returncode == 1 and "still fails" in out.stdout
    assert "*" in out.stdout and "driver" in out.stdout
    # ...and no failure against the real one.
    out = vcert("replay", str(res.findings[0]["path"]))
    assert out.returncode == 0 and "no longer fails" in out.stdout


def test_findings_are_deduplicated_by_oracle_only(tmp_path, bad_driver):
    """A campaign keeps the MAX_FINDINGS_PER_KIND lowest-numbered findings per
    oracle and counts the rest; there is no other notion of "the same bug"."""
    cfg = CampaignConfig(seed=0, sequences=96, length=40, jobs=1, out=tmp_path,
                         driver=str(bad_driver), progress=False, shrink_calls=50)
    res = run_campaign(cfg)
    assert [f["oracle"] for f in res.findings] == ["agreement"] * MAX_FINDINGS_PER_KIND
    assert res.suppressed > 0
    assert not hasattr(Finding, "key")


def test_steps_to_first_finding_after_the_first_batch(tmp_path, del_window_driver):
    cfg = CampaignConfig(seed=1, sequences=2000, length=5, jobs=1, out=tmp_path,
                         driver=str(del_window_driver), progress=False, stop_on_finding=True)
    res = run_campaign(cfg)
    assert len(res.findings) == 1 and res.sequences > cfg.batch
    # Every sequence before the finding's ran its 5 steps (none is invalid):
    # the steps to the finding are theirs plus its own up to the failing one.
    first = res.findings[0]
    assert first["index"] >= cfg.batch
    assert res.first_finding_steps == first["index"] * cfg.length + first["step"] + 1
    assert res.status == "stopped_on_finding" and res.exit_status == 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupting_a_campaign_keeps_its_findings(tmp_path, bad_driver, sig):
    proc = subprocess.Popen([sys.executable, "-m", "pyspec.cli", "diff", "--jobs", "2",
                             "--sequences", "100000", "--no-progress", "--out", str(tmp_path),
                             "--driver", str(bad_driver)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    findings = tmp_path / "findings"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(findings.glob("*.json")):
        time.sleep(0.1)
    time.sleep(0.3)
    if sig == signal.SIGTERM:
        os.kill(proc.pid, sig)       # `kill PID`: the campaign stops its workers itself
    else:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=30)
    if sig != signal.SIGKILL:        # stopped cleanly: the summary says so
        summary = json.loads((tmp_path / "summary.json").read_text())
        assert summary["interrupted"] and summary["status"] == "interrupted"
        assert proc.returncode == 1      # a divergence was found: that verdict stands
    saved = sorted(findings.glob("*.json"))
    assert saved, "no finding was written before the interrupt"
    for path in saved:
        f = load_finding(path)     # complete, parseable files only
        assert f.oracle == "agreement" and f.actions
    assert not list(findings.glob(".*.tmp*")) or sig == signal.SIGKILL


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_campaign_reports_the_work_done(tmp_path, sig):
    proc = subprocess.Popen([sys.executable, "-m", "pyspec.cli", "diff", "--jobs", "2",
                             "--sequences", "100000", "--length", "20", "--no-progress",
                             "--no-guidance",     # every sequence is then 20 actions
                             "--out", str(tmp_path)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, start_new_session=True)
    time.sleep(4)                    # well past the first batches of both workers
    if sig == signal.SIGTERM:
        os.kill(proc.pid, sig)
    else:
        os.killpg(proc.pid, sig)     # Ctrl-C reaches the whole process group
    stdout, _ = proc.communicate(timeout=30)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["interrupted"] and "status interrupted" in stdout
    assert proc.returncode == 130 and summary["exit_status"] == 130   # never a pass
    assert 0 < summary["sequences"] == summary["sequences_checked"] < 100000
    assert summary["steps"] == summary["sequences"] * 20
    # The coverage of every batch counted in `steps` (no finding: every step).
    assert sum(summary["coverage"]["cells"].values()) == summary["steps"]
    assert len(summary["coverage"]["missed"]["cells"]) < 68


def test_an_invalid_generated_state_is_a_finding(tmp_path, monkeypatch):
    """A state pyspec's generator makes and its valid_state rejects is a bug of
    pyspec: a `generator_invalid` finding, not a silently skipped sequence."""
    from dataclasses import replace

    from pyspec import codec
    from pyspec.difftest import batch
    from pyspec.model import Mode, OsActivity

    draw = batch.initial_case
    broken = {batch.sequence_seed(3, 2), batch.sequence_seed(3, 5)}

    def invalid_sometimes(rng, scope):
        hit = any(rng.getstate() == random.Random(b).getstate() for b in broken)
        ctx, state, c, s = draw(rng, scope)
        if hit:      # a state the running hypervisor sees in user mode
            s = replace(s, exec_mode=Mode.Usr, activity=OsActivity.Waiting)
            state = codec.encode(s)
        return ctx, state, c, s

    monkeypatch.setattr(batch, "initial_case", invalid_sometimes)   # inherited by fork
    cfg = CampaignConfig(seed=3, sequences=8, length=10, jobs=1, out=tmp_path, progress=False)
    res = run_campaign(cfg)
    assert [f["oracle"] for f in res.findings] == ["generator_invalid"] * 2
    assert res.tested == 6 and res.steps == 60          # the two are not run
    assert res.sequences == 8 and res.complete          # but they were checked
    finding = load_finding(Path(res.findings[0]["path"]))
    assert finding.seed in broken and finding.step == -1 and finding.actions == []
    assert "Svc_when_privileged" in finding.detail and finding.initial_state["exec_mode"] == "Usr"
    out = vcert("replay", res.findings[0]["path"])
    assert out.returncode == 1 and "still fails" in out.stdout
    report_campaign(cfg, res)
    assert "generator_invalid" in (tmp_path / "report.html").read_text()


def test_seeded_faults_are_killed(tmp_path):
    budget = MutationBudget(sequences=200, length=50, seed=0, timeout=120)
    for mutant in by_id(["py-unpin-no-scrub", "py-access-error-order", "py-chmod-always-usr",
                         "ml-lswitch-keeps-hcall", "ml-hcall-trusted", "ml-free-page-first"]):
        res = run_mutant(mutant, budget)
        assert res.status == "killed", res
        assert res.shrunk_length is not None and res.shrunk_length <= 10


def test_bad_inputs_get_clear_errors(tmp_path):
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    out = vcert("replay", str(bogus))
    assert out.returncode == 2 and "not a VirtualCert finding" in out.stderr
    out = vcert("replay", str(tmp_path / "missing.json"))
    assert out.returncode == 2 and "no such finding" in out.stderr
    out = vcert("diff", "--scope", "guests=zero")
    assert out.returncode == 2 and "bad --scope" in out.stderr
    out = vcert("mutate", "--only", "no-such-mutant")
    assert out.returncode == 2 and "unknown mutants" in out.stderr


def test_a_crashing_driver_becomes_a_finding(tmp_path):
    crasher = tmp_path / "crash-driver"
    crasher.write_text("#!/bin/sh\nexit 3\n")
    crasher.chmod(0o755)
    cfg = CampaignConfig(seed=1, sequences=2, length=5, jobs=1, out=tmp_path / "out",
                         driver=str(crasher), progress=False, shrink_calls=5)
    res = run_campaign(cfg)
    # The batch's negative-validity check crashes it first, then each sequence.
    assert [f["oracle"] for f in res.findings] == ["driver_crash"] * 3
    assert sorted(f["index"] for f in res.findings) == [0, 0, 1]


def test_exhaustive_mode_counts_every_sequence(tmp_path):
    out = vcert("diff", "--exhaustive", "1", "--seed", "3", "--out", str(tmp_path / "d1"))
    assert out.returncode == 0, out.stderr
    first = out.stdout.split()
    assert first[:3] == ["exhaustive", "depth", "1:"]
    n1 = int(first[3])
    summary = json.loads((tmp_path / "d1" / "summary.json").read_text())
    assert summary["mode"] == "exhaustive" and summary["depth"] == 1
    assert summary["sequences"] == n1 and summary["steps"] == n1 and summary["findings"] == []
    out = vcert("diff", "--exhaustive", "2", "--seed", "3", "--out", str(tmp_path / "d2"))
    n2 = int(out.stdout.split()[3])
    assert n2 == n1 + n1 * n1 and "0 failure(s)" in out.stdout


def test_exhaustive_mode_writes_its_findings(tmp_path, del_window_driver):
    out = vcert("diff", "--exhaustive", "1", "--seed", "1", "--driver", str(del_window_driver),
                "--out", str(tmp_path))
    assert out.returncode == 1, out.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["failures"] == 1 and len(summary["findings"]) == 1
    entry = summary["findings"][0]
    finding = load_finding(Path(entry["path"]))
    assert finding.oracle == entry["oracle"] == "agreement" and finding.seed == 1
    assert finding.shrunk and entry["shrunk_length"] == len(finding.shrunk["actions"])
    out = vcert("replay", entry["path"], "--driver", str(del_window_driver))
    assert out.returncode == 1 and "still fails" in out.stdout


@pytest.mark.parametrize("args", [
    ["--exhaustive", "1", "--jobs", "2"],
    ["--exhaustive", "1", "--sequences", "10"],
    ["--exhaustive", "1", "--stop-on-finding"],
    ["--cache", "--jobs", "2"],
    ["--cache", "--stop-on-finding"],
    ["--cache-size", "3"],
    ["--no-flush"],
    ["--pairs", "4"],
])
def test_options_a_mode_does_not_use_are_refused(tmp_path, args):
    out = vcert("diff", *args, "--out", str(tmp_path))
    assert out.returncode == 2 and "not used by" in out.stderr
    assert not (tmp_path / "summary.json").exists()


def test_campaigns_run_negative_validity_and_replay_it(tmp_path):
    """A driver whose valid_state_b is too lax (it no longer checks that
    hypervisor mappings are injective): campaigns check the near-invalid
    neighbours of each batch's first state, so they find it, and replay
    judges the stored state again."""
    _, lax = prepare(by_id(["ml-valid-injective"])[0], tmp_path / "mutant")
    cfg = CampaignConfig(seed=0, sequences=320, length=10, jobs=1, out=tmp_path / "out",
                         driver=str(lax), progress=False, shrink_calls=50)
    res = run_campaign(cfg)
    negative = [f for f in res.findings if f["oracle"] == "valid_negative"]
    assert negative and res.exit_status == 1
    path = negative[0]["path"]
    assert load_finding(Path(path)).actions == [] and negative[0]["shrunk_length"] is None
    out = vcert("replay", path, "--driver", str(lax))
    assert out.returncode == 1 and "still fails" in out.stdout, out.stdout + out.stderr
    out = vcert("replay", path)
    assert out.returncode == 0 and "no longer fails" in out.stdout, out.stdout + out.stderr
