"""The campaign's verdict can be trusted: no silent pass when work is lost,
no finding overwritten or lost, interrupts and dead workers accounted for,
and an interrupted campaign finished by --resume as if never stopped.
Each test here failed against the engine before it (issue: "a verdict users
can trust")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaign_helpers import (FAKES, REPO, batches_done, same_work, start_vcert, summary, vcert,
                              wait_for)
from pyspec.difftest.campaign import CampaignConfig, report_campaign, run_campaign
from pyspec.difftest.findings import load_finding
from pyspec.driver import default_binary

pytestmark = pytest.mark.skipif(not default_binary().is_file(),
                                reason="the driver is not built (make driver)")


# -- class 1: a campaign whose workers die never passes --------------------------------


def test_an_exception_in_a_worker_fails_the_campaign(tmp_path, monkeypatch):
    """A pyspec bug raising inside the check loop: the batches are lost, the
    summary says so and the exit status is 3, never 0 with "0 findings"."""
    from pyspec import semantics

    def broken_post(*args, **kwargs):
        raise RuntimeError("a bug in post")

    monkeypatch.setattr(semantics, "post", broken_post)      # inherited by the forked workers
    cfg = CampaignConfig(seed=0, sequences=64, length=10, jobs=2, out=tmp_path, progress=False)
    res = run_campaign(cfg)
    assert res.status == "failed" and res.exit_status == 3 and not res.complete
    assert res.sequences < 64 and res.failed
    assert all("RuntimeError: a bug in post" in f["error"] for f in res.failed)
    data = report_campaign(cfg, res)
    assert data["exit_status"] == 3 and data["failed_tasks"] and data["status"] == "failed"
    assert data["sequences_checked"] < data["sequences_announced"] == 64


def test_a_driver_answer_missing_a_field_is_a_finding(tmp_path):
    out = vcert("diff", "--sequences", "4", "--length", "3", "--jobs", "1", "--no-progress",
                "--driver", str(FAKES / "missing_field_driver.py"), "--out", str(tmp_path))
    assert out.returncode == 1, out.stderr
    data = summary(tmp_path)
    protocol = [f for f in data["findings"] if f["oracle"] == "driver_protocol"]
    assert protocol and all("responses" in f["detail"] for f in protocol)
    assert {f["oracle"] for f in data["findings"]} <= {"driver_protocol", "valid_negative"}
    assert data["status"] == "complete"


def test_sigterm_stops_a_campaign_as_interrupted(tmp_path):
    """`timeout` sends SIGTERM to the process group: not a pass either."""
    proc = start_vcert("diff", "--jobs", "2", "--sequences", "100000", "--length", "10",
                       "--no-progress", "--out", str(tmp_path))
    wait_for(lambda: batches_done(tmp_path) >= 2, what="two batches")
    os.killpg(proc.pid, signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    data = summary(tmp_path)
    assert data["status"] == "interrupted" and data["exit_status"] == 130
    assert 0 < data["sequences_checked"] < data["sequences_announced"]


# -- class 2: findings are append-only ---------------------------------------------------


def test_a_second_run_never_replaces_the_first_runs_findings(tmp_path, bad_driver):
    args = ["diff", "--sequences", "64", "--length", "30", "--jobs", "1", "--no-progress",
            "--driver", str(bad_driver), "--out", str(tmp_path)]
    first = vcert(*args, "--seed", "1")
    assert first.returncode == 1, first.stderr
    s1 = summary(tmp_path)
    files = {p: p.read_bytes() for p in (tmp_path / "findings").iterdir()}
    assert files and all(not f["seen_before"] for f in s1["findings"])
    # The same campaign again: the same findings, recognised, nothing rewritten.
    again = vcert(*args, "--seed", "1")
    assert again.returncode == 1
    s2 = summary(tmp_path)
    assert [f["name"] for f in s2["findings"]] == [f["name"] for f in s1["findings"]]
    assert all(f["seen_before"] for f in s2["findings"]) and "found before" in again.stdout
    assert s2["earlier_runs"] == [s1["run"]]
    assert {p: p.read_bytes() for p in (tmp_path / "findings").iterdir()} == files
    # Another seed: new names; the earlier files stay; the summary lists its own only.
    other = vcert(*args, "--seed", "2")
    s3 = summary(tmp_path)
    assert other.returncode == 1 and s3["earlier_runs"] == [s1["run"], s2["run"]]
    assert not {f["name"] for f in s3["findings"]} & {f["name"] for f in s1["findings"]}
    assert all(p.read_bytes() == b for p, b in files.items())
    # Each run keeps its own summary.
    for s in (s1, s2, s3):
        assert (tmp_path / "runs" / s["run"] / "summary.json").is_file()


def test_a_clean_run_after_a_finding_lists_no_finding_and_keeps_the_old_ones(tmp_path,
                                                                             bad_driver):
    base = ["diff", "--sequences", "32", "--length", "30", "--jobs", "1", "--no-progress",
            "--out", str(tmp_path)]
    assert vcert(*base, "--driver", str(bad_driver)).returncode == 1
    old = sorted((tmp_path / "findings").iterdir())
    clean = vcert(*base)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    data = summary(tmp_path)
    assert data["findings"] == [] and len(data["earlier_runs"]) == 1
    assert sorted((tmp_path / "findings").iterdir()) == old


# -- dead workers, interrupts, resume ------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_a_worker_killed_mid_campaign_loses_nothing(tmp_path):
    proc = start_vcert("diff", "--jobs", "2", "--sequences", "1200", "--length", "20",
                       "--seed", "4", "--no-progress", "--out", str(tmp_path / "killed"))
    wait_for(lambda: batches_done(tmp_path / "killed") >= 2, what="two batches")
    workers = _children(proc.pid)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stdout + stderr
    data = summary(tmp_path / "killed")
    assert data["status"] == "complete" and data["workers_lost"] == 1
    assert data["tasks_rerun"] == 1 and "nothing lost" in stdout
    reference = vcert("diff", "--jobs", "1", "--sequences", "1200", "--length", "20",
                      "--seed", "4", "--no-progress", "--out", str(tmp_path / "reference"))
    assert reference.returncode == 0
    same_work(data, summary(tmp_path / "reference"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_resume_finishes_an_interrupted_campaign_as_if_never_stopped(tmp_path, bad_driver, sig):
    args = ["--sequences", "800", "--length", "20", "--seed", "6", "--no-progress",
            "--driver", str(bad_driver)]
    proc = start_vcert("diff", "--jobs", "2", *args, "--out", str(tmp_path / "run"))
    wait_for(lambda: batches_done(tmp_path / "run") >= 3, what="three batches")
    os.killpg(proc.pid, sig)
    proc.communicate(timeout=60)
    assert proc.returncode in (1, 130)     # 1 when a finding came before the interrupt
    cut = summary(tmp_path / "run")
    assert cut["status"] == "interrupted" and cut["sequences_checked"] < 800
    resumed = vcert("diff", "--resume", str(tmp_path / "run"), "--jobs", "2", "--no-progress")
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    done = summary(tmp_path / "run")
    assert done["resumed_batches"] >= 3 and done["run"] == cut["run"]
    full = vcert("diff", "--jobs", "1", *args, "--out", str(tmp_path / "full"))
    assert full.returncode == 1
    same_work(done, summary(tmp_path / "full"))
    for f in done["findings"]:
        assert load_finding(Path(f["path"])).shrunk is not None


def test_resume_refuses_a_folder_without_a_campaign(tmp_path):
    out = vcert("diff", "--resume", str(tmp_path))
    assert out.returncode == 2 and "no campaign run to resume" in out.stderr
    out = vcert("diff", "--resume", str(tmp_path), "--seed", "3")
    assert out.returncode == 2 and "--seed" in out.stderr


@pytest.mark.parametrize("mode, args", [
    ("exhaustive", ["--exhaustive", "4"]),
    ("cache", ["--cache", "--sequences", "100000"]),
])
def test_an_interrupted_single_process_mode_keeps_its_summary(tmp_path, mode, args):
    proc = start_vcert("diff", *args, "--out", str(tmp_path))
    wait_for(lambda: (tmp_path / "runs").is_dir(), what="the run folder")
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, stdout
    data = summary(tmp_path)
    assert data["status"] == "interrupted" and data["mode"] == mode
    assert data["sequences_checked"] < data["sequences_announced"]


def test_sigint_stops_vcert_started_with_sigint_ignored(tmp_path):
    """A background job of a script starts with SIGINT ignored, and Python
    keeps it so unless told otherwise: vcert still stops on it."""
    proc = subprocess.Popen([sys.executable, "-m", "pyspec.cli", "diff", "--exhaustive", "4",
                             "--out", str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        wait_for(lambda: (tmp_path / "runs").is_dir(), what="the run folder")
        time.sleep(1)
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert summary(tmp_path)["status"] == "interrupted"
    finally:
        proc.kill()
        proc.wait()
