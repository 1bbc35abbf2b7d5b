"""Campaigns: many random sequences, checked in batches by a pool of workers.

The client (this module) deals batches out to an executor (local worker
processes or Dask: `executors.py`), collects their reports as they come,
writes every finding the moment it arrives (it is the one writer of the
findings store), asks for the first findings of each oracle to be shrunk,
journals each batch done (`journal.py`), and keeps the totals, coverage and
timeline.  Sequence `i` of a campaign with seed `S` is generated from seed
`S * 1_000_003 + i` alone, and batches are fixed ranges of sequences, so the
steps, coverage and findings of a complete campaign are the same whatever
the number of workers and whatever order batches finish in:

- a batch reports at most MAX_PER_BATCH findings per oracle (the rest are
  counted as suppressed);
- the campaign keeps, per oracle, the MAX_FINDINGS_PER_KIND findings of
  lowest sequence number; a finding this run wrote that a lower-numbered one
  displaces is removed again (files of earlier runs are never touched).

Its verdict follows the exit contract (`pyspec.exit_status`): complete only
when every announced sequence was checked and no batch was lost.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyspec import interrupt
from pyspec.exit_status import BadInput, Exit, verdict

from . import regression
from .batch import NOT_SHRUNK, BatchReport, batch_count, shrunk_length
from .config import CampaignConfig
from .corpus import Corpus
from .coverage import Coverage
from .executors import Executor, Task, TaskResult, make_executor
from .findings import Finding, FindingStore, load_finding, write_atomic
from .guidance import CorpusSlice, Guide
from .journal import RunJournal
from .progress import Progress
from .report import write_report

MAX_FINDINGS_PER_KIND = 3   # findings kept (and shrunk) per oracle; the others are counted
POLL_SECONDS = 0.2          # the client checks for an interrupt at least this often
TIMELINE_EVERY = 0.5        # seconds between two timeline samples
TIMELINE_MAX = 400          # samples kept; past that every other one is dropped


@dataclass
class CampaignResult:
    run: str = ""
    announced: int = 0        # sequences the campaign set out to check
    sequences: int = 0        # sequences checked (tested or generator_invalid)
    tested: int = 0
    steps: int = 0
    seconds: float = 0.0
    findings: list[dict] = field(default_factory=list)   # kept findings, lowest index first
    suppressed: int = 0
    pairs: int = 0            # paired OS-isolation runs
    pair_events: int = 0      # steps taken in them (both runs)
    pair_syncs: int = 0       # synchronised o-actions
    coverage: Coverage = field(default_factory=Coverage)
    workers: int = 0
    interrupted: bool = False
    stopped_on_finding: bool = False
    failed: list[dict] = field(default_factory=list)     # {"task", "error"} of lost tasks
    worker_deaths: int = 0
    tasks_rerun: int = 0
    driver_restarts: int = 0
    first_finding_steps: int | None = None
    first_finding_seconds: float | None = None
    timeline: list[dict] = field(default_factory=list)
    resumed: int = 0          # batches taken from the journal of an earlier part of the run
    regression: dict = field(default_factory=dict)   # the replay before exploring
    corpus: dict = field(default_factory=dict)       # the guided corpus: sizes, novelty

    @property
    def rate(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0

    @property
    def complete(self) -> bool:
        return (self.sequences == self.announced and not self.failed
                and self.regression.get("complete", True))

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.complete:
            return "complete"
        if self.stopped_on_finding:
            return "stopped_on_finding"
        return "interrupted"

    @property
    def exit_status(self) -> Exit:
        return verdict(found=bool(self.findings or self.regression.get("findings")),
                       failed=bool(self.failed), interrupted=not self.complete)


class _Campaign:
    """The client's state while a campaign runs."""

    def __init__(self, cfg: CampaignConfig, journal: RunJournal, executor: Executor,
                 progress: Progress, guide: Guide) -> None:
        self.cfg, self.journal, self.executor, self.progress = cfg, journal, executor, progress
        self.guide = guide
        self.store = FindingStore(cfg.out / "findings")
        self.result = CampaignResult(run=journal.run, announced=cfg.sequences,
                                     workers=executor.workers)
        self.batch_steps: dict[int, int] = {}     # steps of each batch done
        self.kept: dict[str, list[dict]] = {}     # oracle -> kept entries, lowest index first
        self.start = time.monotonic()
        self._last_sample = -TIMELINE_EVERY

    # -- batches ------------------------------------------------------------------------

    def add_batch(self, report: BatchReport | dict, refs: list[dict] | None = None) -> None:
        """Count a batch: a fresh report (its findings written here) or a
        journal record from an earlier part of the run (`refs` given)."""
        r = self.result
        if isinstance(report, BatchReport):
            report.firsts = self.guide.candidates(report.firsts)   # a smaller journal
            refs = [self.write_finding(f, before)
                    for f, before in zip(report.findings, report.steps_before)]
            record = report.to_json()
            record["finding_refs"] = refs
            self.journal.append(record)
            cov, data = report.coverage, record
        else:
            data, cov = report, Coverage.from_json(report["coverage"])
        self.guide.report(data["batch"], data.get("firsts", []), cov, data.get("derived", 0))
        self.batch_steps[data["batch"]] = data["steps"]
        r.sequences += data["sequences"]
        r.tested += data["tested"]
        r.steps += data["steps"]
        r.pairs += data["pairs"]
        r.pair_events += data["pair_events"]
        r.pair_syncs += data["pair_syncs"]
        r.suppressed += data["suppressed"]
        r.driver_restarts += data["driver_restarts"]
        r.coverage.merge(cov)
        for ref in refs or []:
            self.keep(ref, data["batch"])
        self.progress.update(data["sequences"], data["steps"], len(refs or []),
                             covered=r.coverage.covered())
        self.sample()

    def write_finding(self, finding: Finding, steps_before: int) -> dict:
        path, new = self.store.save(finding)
        if self.result.first_finding_seconds is None:
            self.result.first_finding_seconds = round(time.monotonic() - self.start, 3)
        return {"name": finding.name, "path": str(path), "oracle": finding.oracle,
                "detail": finding.detail, "step": finding.step, "index": finding.index,
                "steps_before": steps_before, "new": new}

    def keep(self, ref: dict, batch: int) -> None:
        """Keep `ref` if it is among the lowest-numbered findings of its oracle."""
        entry = {**ref, "batch": batch,
                 "shrunk_length": self.shrunk_length(ref["name"])}
        kept = self.kept.setdefault(ref["oracle"], [])
        if any(e["name"] == entry["name"] for e in kept):
            self.result.suppressed += 1
            return
        kept.append(entry)
        kept.sort(key=lambda e: (e["index"], e["name"]))
        if len(kept) > MAX_FINDINGS_PER_KIND:
            dropped = kept.pop()
            self.result.suppressed += 1
            if dropped["new"]:
                self.forget(dropped)
            if dropped is entry:
                return
        if entry["shrunk_length"] is None and entry["oracle"] not in NOT_SHRUNK:
            finding = self.load(entry)
            if finding is not None:
                self.executor.submit(Task("shrink", f"shrink-{entry['name']}", finding),
                                     urgent=True)

    def shrunk_length(self, name: str) -> int | None:
        if not self.store.is_shrunk(name):
            return None
        finding = self.load({"path": str(self.store.path(name))})
        return shrunk_length(finding) if finding else None

    def load(self, entry: dict) -> Finding | None:
        try:
            return load_finding(Path(entry["path"]))
        except ValueError:
            return None

    def forget(self, entry: dict) -> None:
        """Remove a finding this run wrote and no longer keeps."""
        path = Path(entry["path"])
        path.unlink(missing_ok=True)
        path.with_name(entry["name"] + ".shrunk.json").unlink(missing_ok=True)

    def add_shrunk(self, finding: Finding) -> None:
        for entry in self.kept.get(finding.oracle, []):
            if entry["name"] == finding.name:
                self.store.save_shrunk(finding)
                entry["shrunk_length"] = shrunk_length(finding)

    def sample(self, force: bool = False) -> None:
        now = time.monotonic() - self.start
        if not force and now - self._last_sample < TIMELINE_EVERY:
            return
        self._last_sample = now
        r = self.result
        r.timeline.append({"seconds": round(now, 3), "sequences": r.sequences, "steps": r.steps,
                           "findings": sum(len(v) for v in self.kept.values()),
                           "covered": r.coverage.covered()})
        if len(r.timeline) > TIMELINE_MAX:
            r.timeline[:] = r.timeline[::2]

    # -- exploration --------------------------------------------------------------------

    def explore(self, todo: Iterator[int]) -> None:
        """Deal the batches `todo` out and handle the reports, until every
        batch is done, a signal came, or (--stop-on-finding) the first
        findings are kept and shrunk."""
        cfg, executor = self.cfg, self.executor
        # Batches in flight: enough to keep the workers busy; when stopping at
        # the first finding, none beyond one per worker (with one worker, the
        # batches run strictly in order).  A guided batch waits for its corpus.
        window = executor.workers if cfg.stop_on_finding else 2 * executor.workers + 2
        exhausted, waiting = False, None
        while not interrupt.requested():
            while not exhausted and executor.in_flight() < window \
                    and not (cfg.stop_on_finding and self.kept):
                b = waiting if waiting is not None else next(todo, None)
                if b is None:
                    exhausted = True
                    break
                if not self.guide.ready(b):
                    waiting = b
                    break
                waiting = None
                executor.submit(Task("batch", f"batch-{b}", self.guide.task_arg(b)))
            if exhausted and executor.in_flight() == 0:
                return
            for res in executor.poll(POLL_SECONDS):
                handle(self, res)
            if cfg.stop_on_finding and self.kept and all(
                    e["shrunk_length"] is not None or e["oracle"] in NOT_SHRUNK
                    for v in self.kept.values() for e in v):
                self.result.stopped_on_finding = True
                return

    # -- the end ------------------------------------------------------------------------

    def finish(self) -> CampaignResult:
        r = self.result
        r.findings = sorted((e for v in self.kept.values() for e in v),
                            key=lambda e: (e["index"], e["name"]))
        if r.findings:
            first = r.findings[0]
            r.first_finding_steps = first["steps_before"] + sum(
                n for b, n in self.batch_steps.items() if b < first["batch"])
        self.sample(force=True)
        return r


def run_campaign(cfg: CampaignConfig, resume: RunJournal | None = None) -> CampaignResult:
    """Run a campaign (or finish the run of `resume`): the regression phase,
    then exploration.  Ctrl-C and SIGTERM stop it; everything already found
    is on disk and in the result.  A corpus or finding file that cannot be
    read is BadInput, before anything runs."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    records = resume.done() if resume else []
    start = next((r for r in records if "regression" in r), None)
    store, entries, reg = _corpus_at_start(cfg, start)
    journal = resume or RunJournal.create(cfg.out, cfg.seed,
                                          {"mode": "campaign", **cfg.to_json()})
    total = batch_count(cfg)
    jobs = max(1, min(cfg.jobs, total or 1))
    progress = Progress(cfg.sequences, enabled=cfg.progress, obligations=Coverage().total())
    with interrupt.polled():    # the workers wind down; nothing is cut mid-write
        executor = make_executor(cfg, jobs)
        try:
            if start is None:
                rr = regression.run(reg, executor, FindingStore(cfg.out / "findings"),
                                    interrupt.requested, POLL_SECONDS)
                start = {"regression": rr.section(reg), "corpus_start": [e.name for e in entries],
                         "baseline": rr.baseline.to_json()}
                if rr.complete:
                    journal.append(start)
            section = start["regression"]
            guide = Guide(cfg, entries, store, Coverage.from_json(start["baseline"]))
            camp = _Campaign(cfg, journal, executor, progress, guide)
            camp.result.regression = section
            camp.result.failed += section.get("failed", [])
            done = set()
            for record in records:
                if "batch" in record and record["batch"] not in done:
                    done.add(record["batch"])
                    camp.add_batch(record, record.get("finding_refs", []))
                    camp.result.resumed += 1
            if section["complete"]:    # exploration follows a complete regression phase
                camp.explore(b for b in range(total) if b not in done)
        finally:
            deaths, rerun = executor.reruns()
            executor.close()
            progress.close()
    camp.result.interrupted = interrupt.requested()
    camp.result.worker_deaths, camp.result.tasks_rerun = deaths, rerun
    camp.result.seconds = round(time.monotonic() - camp.start, 3)
    camp.result.corpus = {"directory": cfg.corpus, "guided_fraction": cfg.guided_fraction,
                          "lag": cfg.lag, "entries": len(camp.guide.entries),
                          **asdict(camp.guide.stats)}
    return camp.finish()


def _corpus_at_start(cfg: CampaignConfig, start: dict | None
                     ) -> tuple[Corpus | None, list, regression.Regression | None]:
    """The corpus directory, the run's entries at start and (for a run that has
    not done its regression phase, `start` None) the cases to replay."""
    try:
        store = Corpus.load(Path(cfg.corpus)) if cfg.corpus else None
        entries = store.entries if store else []
        if start is None:
            return store, entries, regression.collect(cfg.out / "findings", entries)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    names = set(start["corpus_start"])
    entries = [e for e in entries if e.name in names]
    if len(entries) != len(names):
        raise BadInput(f"--corpus {cfg.corpus}: {len(names) - len(entries)} of the entries the "
                       "run started with are missing")
    return store, entries, None


def campaign_summary(cfg: CampaignConfig, r: CampaignResult, command: str,
                     earlier_runs: list[str]) -> dict:
    """The run's summary.json: what was asked, what was done, what was found."""
    return {
        "mode": "campaign", "run": r.run, "command": command, "earlier_runs": earlier_runs,
        "seed": cfg.seed, "scope": cfg.scope.to_json(), "length": cfg.length,
        "batch": cfg.batch, "jobs_requested": cfg.jobs, "cluster": cfg.cluster,
        "workers": r.workers,
        "status": r.status, "exit_status": int(r.exit_status), "complete": r.complete,
        "interrupted": r.interrupted,
        "sequences_announced": r.announced, "sequences_checked": r.sequences,
        "sequences": r.tested, "steps": r.steps,
        "seconds": r.seconds, "rate": round(r.rate, 1),
        "findings": [{k: e[k] for k in ("name", "path", "oracle", "detail", "step", "index",
                                        "shrunk_length")} | {"seen_before": not e["new"]}
                     for e in r.findings],
        "suppressed_findings": r.suppressed,
        "failed_tasks": r.failed,
        "workers_lost": r.worker_deaths, "tasks_rerun": r.tasks_rerun,
        "driver_restarts": r.driver_restarts, "resumed_batches": r.resumed,
        "os_isolation": {"paired_runs": r.pairs, "events": r.pair_events,
                         "synchronised": r.pair_syncs},
        "first_finding": {"steps": r.first_finding_steps, "seconds": r.first_finding_seconds},
        "coverage": r.coverage.to_json(),
        "regression": r.regression,
        "corpus": r.corpus,
        "timeline": r.timeline,
    }


def write_outputs(out: Path, run_dir: Path, summary: dict) -> None:
    """A run's summary (and, for a campaign, its report), in its own folder
    and as the output folder's latest."""
    text = json.dumps(summary, indent=1)
    findings = []
    for entry in summary["findings"]:
        try:
            findings.append((entry["name"], load_finding(Path(entry["path"]))))
        except ValueError:
            continue
    for folder in (run_dir, out):
        write_atomic(folder / "summary.json", text)
        if summary["mode"] == "campaign":
            write_report(summary, findings, folder / "report.html")


def report_campaign(cfg: CampaignConfig, r: CampaignResult, command: str = "") -> dict:
    """Write the summary and report of a finished (or stopped) campaign run."""
    run_dir = cfg.out / "runs" / r.run
    summary = campaign_summary(cfg, r, command, RunJournal(run_dir).earlier_runs())
    write_outputs(cfg.out, run_dir, summary)
    return summary


def handle(camp: _Campaign, res: TaskResult) -> None:
    if res.error is not None:
        camp.result.failed.append({"task": res.task.key, "error": res.error})
        print(f"vcert diff: task {res.task.key} failed: {res.error}", file=sys.stderr)
        if res.task.kind == "batch":    # lost: nothing of it joins the corpus
            arg = res.task.arg
            camp.guide.report(arg.b if isinstance(arg, CorpusSlice) else arg, [], Coverage(), 0)
    elif res.task.kind == "batch":
        camp.add_batch(res.value)
    else:
        camp.add_shrunk(res.value)
