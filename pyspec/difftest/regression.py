"""The regression phase of a campaign: before exploring, replay every corpus
entry and every earlier finding of the output folder as fixed cases, through
the campaign's own batch task (`batch.check_cases`) on its workers.

An earlier finding is replayed from its shrunk reproducer when there is one
(paired findings as their paired run, `valid_negative` findings by judging
their state again with both valid_state implementations).  One that fails
again with its oracle *still fails*: it is reported under its own name
(`seen_before`), no file is written.  One that fails otherwise, or a corpus
entry that fails, is a finding like any other (written, content-addressed),
at most MAX_NEW per oracle, as a campaign keeps; the others are counted.
Cache-variant findings are not replayed here (`vcert diff --cache` has its own
checks).  The corpus entries' coverage is the baseline of novelty: an
exploring sequence joins the corpus only for obligations the corpus did not
meet already.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .batch import BATCH_CASES, MAX_PER_BATCH, BatchOptions, BatchReport, CaseSpec
from .corpus import Entry
from .coverage import Coverage
from .executors import Executor, Task
from .findings import SHRUNK_SUFFIX, Finding, FindingStore, load_finding
from .negative import ORACLE as NEGATIVE_ORACLE
from .validity import PROPS

MAX_NEW = MAX_PER_BATCH     # new findings the phase writes per oracle

# Every case's verdict; findings (full traces) for at most MAX_PER_BATCH per
# oracle and batch, as in exploration; no negative-validity draws.
OPTIONS = BatchOptions(negative=False, verdicts=True)


@dataclass
class Origin:
    """Where a replayed case comes from."""
    kind: str                  # "corpus" or "finding"
    name: str
    oracle: str | None = None  # the earlier finding's oracle
    path: str | None = None
    detail: str = ""


@dataclass
class Regression:
    cases: list[CaseSpec] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    entries: int = 0               # corpus entries among the cases (they come first)


def collect(findings_dir: Path, entries: list[Entry]) -> Regression:
    """The cases to replay: `entries` (in their order), then every finding of
    `findings_dir` (name order).  A finding file that cannot be read is a
    ValueError naming it."""
    reg = Regression(entries=len(entries))
    for e in entries:
        _add(reg, CaseSpec(len(reg.cases), 0, e.context, e.initial_state,
                           actions=list(e.actions)), Origin("corpus", e.name))
    paths = sorted(p for p in findings_dir.glob("*.json")
                   if not p.name.endswith(SHRUNK_SUFFIX)) if findings_dir.is_dir() else []
    for path in paths:
        f = load_finding(path)
        if f.cache is None:
            _add(reg, _finding_case(len(reg.cases), f, path),
                 Origin("finding", path.name[:-len(".json")], f.oracle, str(path), f.detail))
    return reg


def _add(reg: Regression, case: CaseSpec, origin: Origin) -> None:
    reg.cases.append(case)
    reg.origins.append(origin)


def _finding_case(index: int, f: Finding, path: Path) -> CaseSpec:
    small = f.shrunk or {}
    ctx = small.get("context", f.context)
    state = small.get("initial_state", f.initial_state)
    if f.paired is not None:
        events = small.get("events", f.paired["events"])
        return CaseSpec(index, f.seed, ctx, state, actions=[], pair={**f.paired,
                                                                     "events": events})
    if f.oracle == NEGATIVE_ORACLE and f.step == -1 and not f.actions:
        prop = f.detail.split(" ", 1)[0]
        if prop not in {p.name for p in PROPS}:
            raise ValueError(f"{path}: a valid_negative finding whose detail does not name "
                             "the broken property")
        return CaseSpec(index, f.seed, ctx, state, near_invalid=prop)
    return CaseSpec(index, f.seed, ctx, state, actions=list(small.get("actions", f.actions)))


@dataclass
class RegressionResult:
    replayed: int = 0
    still_failing: Counter = field(default_factory=Counter)   # earlier findings, by oracle
    now_passing: int = 0
    corpus_failing: Counter = field(default_factory=Counter)  # corpus entries, by oracle
    findings: list[dict] = field(default_factory=list)        # refs, as campaign findings
    suppressed: int = 0           # new failures past MAX_NEW per oracle: counted, not written
    written: Counter = field(default_factory=Counter)         # new findings, by oracle
    baseline: Coverage = field(default_factory=Coverage)      # the corpus entries' coverage
    complete: bool = False
    failed: list[dict] = field(default_factory=list)          # lost tasks, as a campaign's

    def section(self, reg: Regression) -> dict:
        return {"corpus_entries": reg.entries, "earlier_findings": len(reg.cases) - reg.entries,
                "replayed": self.replayed, "complete": self.complete,
                "still_failing": dict(sorted(self.still_failing.items())),
                "now_passing": self.now_passing,
                "corpus_failing": dict(sorted(self.corpus_failing.items())),
                "findings": self.findings, "suppressed_findings": self.suppressed,
                "failed": self.failed}


def run(reg: Regression, executor: Executor, store: FindingStore,
        stopping: Callable[[], bool], poll: float) -> RegressionResult:
    """Replay `reg` on `executor`'s workers; stop early when `stopping()`.
    Every finding is on disk (or named) the moment its batch reports."""
    out = RegressionResult()
    # Corpus entries and findings never share a batch: the entries' batches
    # give the baseline coverage.
    chunks = [part[k:k + BATCH_CASES] for part in (reg.cases[:reg.entries],
                                                  reg.cases[reg.entries:])
              for k in range(0, len(part), BATCH_CASES)]
    for n, chunk in enumerate(chunks):
        executor.submit(Task("cases", f"regression-{n}", (chunk, OPTIONS)))
    left = len(chunks)
    while left and not stopping():
        for res in executor.poll(poll):
            if res.task.kind != "cases":
                continue       # nothing else runs during the phase
            left -= 1
            if res.error is not None:
                out.failed.append({"task": res.task.key, "error": res.error})
                continue
            _account(out, reg, res.task.arg[0], res.value, store)
    out.complete = left == 0 and not out.failed
    return out


def _account(out: RegressionResult, reg: Regression, chunk: list[CaseSpec],
             report: BatchReport, store: FindingStore) -> None:
    verdicts = dict(map(tuple, report.verdicts))
    findings = {f.index: f for f in report.findings}
    if chunk and chunk[0].index < reg.entries:
        out.baseline.merge(report.coverage)
    for case in chunk:
        origin = reg.origins[case.index]
        oracle = verdicts.get(case.index)
        out.replayed += 1
        if oracle is None:
            out.now_passing += origin.kind == "finding"
            continue
        if origin.kind == "finding" and oracle == origin.oracle:
            out.still_failing[oracle] += 1
            f = findings.get(case.index)
            out.findings.append({"name": origin.name, "path": origin.path, "oracle": oracle,
                                 "detail": f.detail if f else origin.detail,
                                 "step": f.step if f else None, "seen_before": True,
                                 "replayed": f"finding:{origin.name}",
                                 "shrunk_length": len(case.actions or [])})
            continue
        # A corpus entry that fails, or a finding failing with another oracle:
        # a finding (at most MAX_NEW written per oracle, the others counted).
        (out.still_failing if origin.kind == "finding" else out.corpus_failing)[oracle] += 1
        f = findings.get(case.index)
        if f is None or out.written[oracle] >= MAX_NEW:
            out.suppressed += 1
            continue
        out.written[oracle] += 1
        path, new = store.save(f)
        out.findings.append({"name": f.name, "path": str(path), "oracle": f.oracle,
                             "detail": f.detail, "step": f.step, "seen_before": not new,
                             "replayed": f"{origin.kind}:{origin.name}",
                             "shrunk_length": len(f.actions)})
