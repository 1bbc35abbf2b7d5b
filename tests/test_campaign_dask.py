"""Campaigns on Dask: a LocalCluster, and a scheduler and workers started as
separate processes with the `dask` command line on the loopback address.
Each gives exactly the findings, steps and coverage of the same campaign
with --jobs, and a worker killed mid-campaign loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from campaign_helpers import REPO, batches_done, same_work, start_vcert, summary, vcert, wait_for
from pyspec.difftest.campaign import CampaignConfig, report_campaign, run_campaign
from pyspec.driver import default_binary

pytest.importorskip("distributed")
pytestmark = pytest.mark.skipif(not default_binary().is_file(),
                                reason="the driver is not built (make driver)")

DASK = shutil.which("dask") or ""


def _campaign(out: Path, driver: Path, **kw) -> dict:
    cfg = CampaignConfig(seed=0, sequences=160, length=30, out=out, driver=str(driver),
                         progress=False, shrink_calls=60, **kw)
    return report_campaign(cfg, run_campaign(cfg))


def test_a_local_cluster_gives_the_findings_and_steps_of_jobs(tmp_path, bad_driver):
    with_jobs = _campaign(tmp_path / "jobs", bad_driver, jobs=2)
    on_dask = _campaign(tmp_path / "dask", bad_driver, cluster="local:2")
    assert with_jobs["findings"] and on_dask["workers"] == 2
    same_work(with_jobs, on_dask)
    assert on_dask["cluster"] == "local:2" and on_dask["exit_status"] == 1


@pytest.fixture
def dask_cluster(tmp_path):
    """`dask scheduler` and two `dask worker`s on 127.0.0.1, as separate processes."""
    if not DASK:
        pytest.skip("the dask command line is not installed")
    info = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(info)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        def written() -> bool:     # the scheduler writes the file in more than one step
            try:
                return "address" in json.loads(info.read_text())
            except (OSError, ValueError):
                return False

        wait_for(written, 60, "the scheduler")
        for _ in range(2):
            procs.append(subprocess.Popen(
                [DASK, "worker", "--scheduler-file", str(info), "--nthreads", "1",
                 "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path))
        address = json.loads(info.read_text())["address"]
        from distributed import Client
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, procs[1:]
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=10)


def test_scheduler_and_workers_from_the_command_line(tmp_path, bad_driver, dask_cluster):
    address, _ = dask_cluster
    args = ["--sequences", "160", "--length", "30", "--no-progress", "--driver", str(bad_driver)]
    on_dask = vcert("diff", "--cluster", address, *args, "--out", str(tmp_path / "dask"))
    assert on_dask.returncode == 1, on_dask.stdout + on_dask.stderr
    with_jobs = vcert("diff", "--jobs", "2", *args, "--out", str(tmp_path / "jobs"))
    assert with_jobs.returncode == 1
    same_work(summary(tmp_path / "jobs"), summary(tmp_path / "dask"))
    assert summary(tmp_path / "dask")["workers"] == 2


def test_a_dask_worker_killed_mid_campaign_loses_nothing(tmp_path, dask_cluster):
    address, workers = dask_cluster
    args = ["--sequences", "1200", "--length", "20", "--seed", "9", "--no-progress"]
    proc = start_vcert("diff", "--cluster", address, *args, "--out", str(tmp_path / "dask"))
    wait_for(lambda: batches_done(tmp_path / "dask") >= 4, what="four batches")
    workers[0].send_signal(signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stdout + stderr
    data = summary(tmp_path / "dask")
    assert data["status"] == "complete" and data["workers_lost"] >= 1
    reference = vcert("diff", "--jobs", "2", *args, "--out", str(tmp_path / "jobs"))
    assert reference.returncode == 0
    same_work(data, summary(tmp_path / "jobs"))
    assert "workers lost: 1" in stdout


def test_a_result_lost_with_its_worker_is_computed_again(tmp_path, dask_cluster):
    """A batch finished on a worker that dies before the client reads the
    result: Dask computes it again, and the executor waits for it instead of
    reporting the batch lost (which would end the campaign with status 3)."""
    from pyspec.difftest.dask_executor import DaskExecutor
    from pyspec.difftest.executors import Task

    address, _ = dask_cluster
    cfg = CampaignConfig(seed=0, sequences=16, length=10, out=tmp_path, progress=False,
                         cluster=address)
    executor = DaskExecutor(cfg, address)
    try:
        client = executor._client
        executor.submit(Task("batch", "batch-0", 0))
        ((_, future),) = executor._futures.values()
        wait_for(lambda: future.status == "finished", what="the batch")
        (holder,) = client.who_has(future)[future.key]
        pids = client.run(os.getpid)
        os.kill(pids[holder], signal.SIGKILL)
        wait_for(lambda: holder not in client.scheduler_info()["workers"], what="the death")
        results = []
        wait_for(lambda: results.extend(executor.poll(0.5)) or results, what="the result")
        assert results[0].error is None and results[0].value is not None
    finally:
        executor.close()


def test_a_bad_cluster_address_is_refused(tmp_path):
    out = vcert("diff", "--cluster", "local:zero", "--out", str(tmp_path))
    assert out.returncode == 2 and "local:N" in out.stderr
    out = vcert("diff", "--cluster", "local:2", "--jobs", "2", "--out", str(tmp_path))
    assert out.returncode == 2 and "choose one" in out.stderr


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    out = vcert("diff", "--cluster", "tcp://127.0.0.1:9", "--sequences", "4",
                "--no-progress", "--out", str(tmp_path), timeout=120)
    assert out.returncode == 2 and "cannot reach the scheduler" in out.stderr
    assert "Traceback" not in out.stderr


def test_mutants_run_as_dask_tasks(tmp_path):
    """`vcert mutate --cluster`: one task per mutant, the same results as --jobs."""
    args = ["mutate", "--only", "ml-chmod-pending,py-unpin-no-scrub", "--sequences", "100",
            "--target", "0"]
    with_jobs = vcert(*args, "--jobs", "2", "--out", str(tmp_path / "jobs"))
    on_dask = vcert(*args, "--cluster", "local:2", "--out", str(tmp_path / "dask"))
    assert with_jobs.returncode == on_dask.returncode == 0, on_dask.stdout + on_dask.stderr

    def results(folder: str) -> list[tuple]:
        data = json.loads((tmp_path / folder / "mutation.json").read_text())
        return [(r["id"], r["status"], r["steps"], r["shrunk_length"]) for r in data["results"]]

    assert results("jobs") == results("dask")
    assert [r[1] for r in results("dask")] == ["killed", "killed"]
