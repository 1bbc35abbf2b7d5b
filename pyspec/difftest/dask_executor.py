"""Campaign tasks on a `dask.distributed` cluster (`vcert diff --cluster`).

Each Dask worker keeps one long-lived driver in a `WorkerPlugin`, started on
its first task and closed at teardown.  Tasks are the same as in the local
pool (`executors.run_task`).  When a worker dies, Dask reschedules the tasks
it held on the others (up to its `allowed-failures`, then `KilledWorker`,
which comes back as a lost task), and computes again the results it held
that were not read yet; each task logs a worker event when it starts, so
that reruns and lost workers can be counted from the events.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker

from .batch import WorkerResources
from .config import CampaignConfig
from .executors import Task, TaskResult, _error_text, run_task

PLUGIN = "vcert-driver"
TASK_EVENT = "vcert-task"


class DriverPlugin(WorkerPlugin):
    """The worker's driver and pyspec (started on first use)."""

    def __init__(self, cfg: CampaignConfig) -> None:
        self.cfg = cfg
        self.resources: WorkerResources | None = None

    def setup(self, worker: Any) -> None:
        self.resources = None

    def teardown(self, worker: Any) -> None:
        if self.resources is not None:
            self.resources.close()

    def get(self) -> WorkerResources:
        if self.resources is None:
            self.resources = WorkerResources(self.cfg)
        return self.resources


def _dask_task(task: Task, run: str) -> Any:
    worker = get_worker()
    plugin: DriverPlugin = worker.plugins[PLUGIN]
    worker.log_event(TASK_EVENT, {"run": run, "key": task.key, "worker": worker.address})
    return run_task(plugin.cfg, task, plugin.get())


def parse_local(address: str) -> int | None:
    """N for `local:N`, None for a scheduler address."""
    if not address.startswith("local:"):
        return None
    n = address.split(":", 1)[1]
    if not n.isdigit() or int(n) < 1:
        raise ValueError(f"--cluster {address}: expected local:N with N >= 1")
    return int(n)


def connect(address: str) -> tuple[Client, LocalCluster | None]:
    """A client of the scheduler at `address`, or of a new local:N cluster
    (single-threaded worker processes: the work is CPU-bound Python)."""
    n = parse_local(address)
    if n is None:
        return Client(address, timeout="20s"), None
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


class DaskExecutor:
    def __init__(self, cfg: CampaignConfig, address: str) -> None:
        self._client, self._cluster = connect(address)
        self._client.register_plugin(DriverPlugin(cfg), name=PLUGIN)
        self.workers = len(self._client.scheduler_info()["workers"])
        self._run = uuid.uuid4().hex[:12]
        self._ac = as_completed()
        self._futures: dict[str, tuple[Task, Any]] = {}

    def submit(self, task: Task, urgent: bool = False) -> None:
        future = self._client.submit(_dask_task, task, self._run,
                                     key=f"vcert-{self._run}-{task.key}",
                                     priority=10 if urgent else 0, retries=0)
        self._futures[future.key] = (task, future)
        self._ac.add(future)

    def in_flight(self) -> int:
        return len(self._futures)

    def poll(self, timeout: float) -> list[TaskResult]:
        deadline = time.monotonic() + timeout
        while not self._ac.has_ready() and time.monotonic() < deadline:
            time.sleep(0.01)
        results = []
        for future in self._ac.next_batch(block=False) if self._ac.has_ready() else []:
            task, _ = self._futures.pop(future.key)
            if future.status == "lost":
                # It finished, but the one copy of its result died with a worker
                # before it was read: the scheduler computes it again.
                self._futures[future.key] = (task, future)
                self._ac.add(future)
                continue
            if future.status == "finished":
                results.append(TaskResult(task, future.result()))
            elif future.status == "error":
                exc = future.exception()
                lost = type(exc).__name__ == "KilledWorker"
                results.append(TaskResult(task, error=f"lost: {exc}" if lost
                                          else _error_text(exc)))
            else:
                results.append(TaskResult(task, error=f"the task was {future.status}"))
        return results

    def reruns(self) -> tuple[int, int]:
        events = [msg for _, msg in self._client.get_events(TASK_EVENT)
                  if msg.get("run") == self._run]
        rerun = sum(n - 1 for n in Counter(m["key"] for m in events).values())
        gone = {m["worker"] for m in events} - set(self._client.scheduler_info()["workers"])
        return len(gone), rerun

    def close(self) -> None:
        self._client.cancel([f for _, f in self._futures.values()])
        self._futures.clear()
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
