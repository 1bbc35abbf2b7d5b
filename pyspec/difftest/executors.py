"""Where campaign tasks run: a pool of local worker processes, or Dask.

Both executors take the same tasks (a batch to check, a finding to shrink:
`run_task`) and hand back `TaskResult`s; each worker keeps one long-lived
driver (`WorkerResources`) between tasks.  A worker that dies is replaced
and the task it was running is run again, up to MAX_ATTEMPTS times; after
that the task comes back as lost (`error` set), never silently dropped.

- `LocalExecutor` (`--jobs N`): N forked processes, one task at a time each,
  so the parent always knows which task a dead worker was running.
- `DaskExecutor` (`dask_executor.py`, `--cluster ADDRESS` or `--cluster
  local:N`): the same tasks on a `dask.distributed` cluster.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import signal
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from .batch import WorkerResources, check_cases, run_batch, shrink_task
from .config import CampaignConfig
from .guidance import CorpusSlice, run_guided_batch

MAX_ATTEMPTS = 3          # runs of one task before it is reported lost


@dataclass(frozen=True)
class Task:
    kind: str             # "batch" (arg: batch number, or a guided batch's CorpusSlice),
                          # "cases" (arg: fixed CaseSpecs and BatchOptions) or
                          # "shrink" (arg: a Finding)
    key: str
    arg: Any


@dataclass
class TaskResult:
    task: Task
    value: Any = None
    error: str | None = None    # the task raised, or was lost with its workers


class Executor(Protocol):
    workers: int

    def submit(self, task: Task, urgent: bool = False) -> None: ...
    def poll(self, timeout: float) -> list[TaskResult]: ...
    def in_flight(self) -> int: ...
    def reruns(self) -> tuple[int, int]: ...     # (worker deaths seen, tasks rerun)
    def close(self) -> None: ...


def run_task(cfg: CampaignConfig, task: Task, res: WorkerResources) -> Any:
    if task.kind == "batch":
        if isinstance(task.arg, CorpusSlice):
            return run_guided_batch(cfg, task.arg, res)
        return run_batch(cfg, task.arg, res)
    if task.kind == "cases":
        cases, opts = task.arg
        return check_cases(res, cases, opts)
    if task.kind == "shrink":
        return shrink_task(cfg, task.arg, res)
    raise ValueError(f"unknown task kind {task.kind!r}")


def _error_text(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    at = f" (at {where[0].filename}:{where[0].lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


# -- local processes ------------------------------------------------------------------


def _serve(cfg: CampaignConfig, conn: Connection) -> None:
    """A local worker: run the tasks the parent sends, one at a time."""
    # The parent alone handles Ctrl-C and SIGTERM sent to the process group;
    # the driver started below inherits the ignored dispositions.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The loop allocates many short-lived, acyclic model values: collect cycles
    # less often, and never rescan what the worker inherited from its parent.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    res: WorkerResources | None = None
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            try:
                if res is None:
                    res = WorkerResources(cfg)
                conn.send(("ok", run_task(cfg, task, res)))
            except Exception as exc:  # reported as the task's error, the worker goes on
                conn.send(("error", _error_text(exc)))
    finally:
        if res is not None:
            res.close()


@dataclass
class _Worker:
    process: mp.Process
    conn: Connection
    task: Task | None = None
    corpus_sent: int = 0      # entries of a guided run's corpus this worker holds


class LocalExecutor:
    def __init__(self, cfg: CampaignConfig, jobs: int) -> None:
        self.cfg = cfg
        self.workers = jobs
        self._ctx = mp.get_context("fork")
        self._queue: deque[Task] = deque()
        self._attempts: Counter[str] = Counter()
        self._deaths = self._rerun = 0
        self._pool = [self._spawn() for _ in range(jobs)]

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        p = self._ctx.Process(target=_serve, args=(self.cfg, child), daemon=True)
        p.start()
        child.close()
        return _Worker(p, parent)

    def submit(self, task: Task, urgent: bool = False) -> None:
        (self._queue.appendleft if urgent else self._queue.append)(task)
        self._dispatch()

    def in_flight(self) -> int:
        return len(self._queue) + sum(w.task is not None for w in self._pool)

    def reruns(self) -> tuple[int, int]:
        return self._deaths, self._rerun

    def _dispatch(self) -> None:
        for w in self._pool:
            if w.task is None and self._queue:
                w.task = self._queue.popleft()
                self._attempts[w.task.key] += 1
                task = w.task
                if isinstance(task.arg, CorpusSlice):
                    # Send only the corpus entries this worker does not hold yet.
                    task = Task(task.kind, task.key, task.arg.trimmed(w.corpus_sent))
                    w.corpus_sent = max(w.corpus_sent, task.arg.size)
                try:
                    w.conn.send(task)
                except (BrokenPipeError, OSError):
                    pass          # the worker is dead: `poll` sees it and reruns the task

    def poll(self, timeout: float) -> list[TaskResult]:
        busy = [w for w in self._pool if w.task is not None]
        if not busy:
            time.sleep(min(timeout, 0.05))
            return []
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        results: list[TaskResult] = []
        for n, w in enumerate(self._pool):
            if w.task is None or not (w.conn in ready or w.process.sentinel in ready):
                continue
            try:
                status, value = w.conn.recv() if w.conn.poll() else (None, None)
            except (EOFError, OSError):
                status, value = None, None
            if status is not None:
                results.append(TaskResult(w.task, value if status == "ok" else None,
                                          None if status == "ok" else value))
                w.task = None
                continue
            if w.process.is_alive():
                continue
            results.extend(self._replace(n))
        self._dispatch()
        return results

    def _replace(self, n: int) -> list[TaskResult]:
        """Worker `n` died: start another, run its task again (or give it up)."""
        dead = self._pool[n]
        self._deaths += 1
        dead.conn.close()
        self._pool[n] = self._spawn()
        task = dead.task
        if self._attempts[task.key] >= MAX_ATTEMPTS:
            return [TaskResult(task, error=f"lost: the worker running it died "
                                           f"{self._attempts[task.key]} times "
                                           f"(last exit code {dead.process.exitcode})")]
        self._rerun += 1
        self._queue.appendleft(task)
        return []

    def close(self) -> None:
        for w in self._pool:
            # The workers ignore SIGTERM (see `_serve`); their drivers exit on EOF.
            if w.process.is_alive():
                w.process.kill()
            w.process.join(timeout=5)
            w.conn.close()
        self._pool = []


def make_executor(cfg: CampaignConfig, jobs: int) -> Executor:
    if cfg.cluster:
        from .dask_executor import DaskExecutor   # dask is imported only when used
        return DaskExecutor(cfg, cfg.cluster)
    return LocalExecutor(cfg, jobs)
