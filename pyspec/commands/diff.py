"""`vcert diff`: a differential campaign, pyspec against the extracted driver.

    vcert diff [--sequences N] [--length L] [--jobs J | --cluster ADDRESS] [--seed S]
               [--scope K=V,...] [--out DIR] [--driver BIN] [--no-progress]
               [--stop-on-finding] [--corpus DIR] [--guided-fraction F | --no-guidance]
    vcert diff --resume DIR [--jobs J | --cluster ADDRESS] [--driver BIN] [--no-progress]
               [--corpus DIR]
    vcert diff --exhaustive K [--seed S] [--scope K=V,...] [--out DIR] [--driver BIN]
    vcert diff --cache [--no-flush] [--cache-size N] [--tlb-size N] [--sequences N]
               [--pairs N] [--length L] [--seed S] [--scope K=V,...] [--out DIR]
               [--driver BIN]

Every finding is written to DIR/findings/ the moment it is found, under a
name derived from its content, and never overwritten; its shrunk reproducer
goes beside it (NAME.shrunk.json).  Each run gets DIR/runs/<run>/ with its
configuration, a journal of the batches done and its summary.json (and
report.html); DIR/summary.json and DIR/report.html are the latest run's.
--cluster runs the campaign on a Dask scheduler (ADDRESS, e.g.
tcp://127.0.0.1:8786) or on a local cluster of N worker processes
(local:N); the findings, steps and coverage are those of --jobs.
A campaign first replays, as a regression check, every entry of the corpus
and every earlier finding in DIR/findings (a finding that fails again is
reported as found before, exit 1).  Then each sequence is a random draw or,
with probability --guided-fraction (0.5; --no-guidance: 0), derived from
the corpus: the sequences that met obligations no earlier one met.
--corpus DIR keeps the corpus in DIR across runs (append-only); without it
the run keeps its own in memory.
--resume DIR finishes the newest campaign run in DIR: only the batches its
journal lacks are run.  --exhaustive K checks every sequence of up to K
actions relevant for one small state, in one process.  --cache tests the
cache/TLB variant (docs/cache.md) in one process; with --no-flush the paired
runs are expected to find the leak.  An option the chosen mode does not use
is refused.
"""

from __future__ import annotations

import argparse
import os
import random
from collections import Counter
from pathlib import Path

from pyspec.cache import codec as ccodec
from pyspec.cache.model import CacheConfig
from pyspec.difftest.batch import shrink_finding, to_finding
from pyspec.difftest.cache import CacheCampaign, CacheCampaignResult, run_cache_campaign
from pyspec.difftest.campaign import (
    MAX_FINDINGS_PER_KIND, CampaignConfig, CampaignResult, report_campaign, run_campaign,
    write_outputs,
)
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.engine import Engine
from pyspec.difftest.exhaustive import ExhaustiveStats, run_exhaustive
from pyspec.difftest.findings import FindingStore
from pyspec.difftest.journal import RunJournal
from pyspec.difftest.scope import SMALL_SCOPE, Scope
from pyspec.difftest.shrink import ShrinkBudget
from pyspec.difftest.states import initial_state
from pyspec.exit_status import BadInput, verdict

from .common import cluster_address, driver_binary, output_dir

CAMPAIGN_ONLY = ["jobs", "cluster", "stop_on_finding", "resume", "corpus", "guided_fraction",
                 "no_guidance"]
GUIDED_FRACTION = 0.5       # the default share of sequences derived from the corpus
CACHE_ONLY = ["no_flush", "cache_size", "tlb_size", "pairs"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("diff", help="differential campaign: pyspec vs the extracted driver",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sequences", type=int, default=None,
                   help="random sequences (default 2000; not with --exhaustive)")
    p.add_argument("--length", type=int, default=None,
                   help="actions per random sequence (default 50; a sequence derived from the "
                        "corpus has at most this many; not with --exhaustive)")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default: the CPU count; not with --exhaustive "
                        "or --cache, which run in one process)")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run on a Dask scheduler (tcp://HOST:PORT) or on local:N workers")
    p.add_argument("--resume", type=Path, metavar="DIR",
                   help="finish the newest interrupted campaign run in DIR")
    p.add_argument("--seed", type=int, default=None, help="default 0")
    p.add_argument("--scope", default=None, help="e.g. guests=3,pages=16,vadds=8,padds=16,window=2")
    p.add_argument("--out", type=Path, default=None, help="output folder (default out)")
    p.add_argument("--driver", help="driver binary (default: $VCERT_DRIVER or extract/vcert-driver)")
    p.add_argument("--exhaustive", type=int, metavar="K",
                   help="every sequence of up to K actions from one small state")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress display (--exhaustive and --cache have none anyway)")
    p.add_argument("--stop-on-finding", action="store_true",
                   help="stop at the first finding (once shrunk); used by vcert mutate "
                        "(not with --exhaustive or --cache)")
    p.add_argument("--corpus", type=Path, metavar="DIR",
                   help="keep the guidance corpus in DIR across runs (replayed first)")
    p.add_argument("--guided-fraction", type=float, metavar="F",
                   help=f"share of sequences derived from the corpus (default "
                        f"{GUIDED_FRACTION})")
    p.add_argument("--no-guidance", action="store_true",
                   help="random draws only (--guided-fraction 0)")
    cache = p.add_argument_group("cache/TLB variant (only with --cache)")
    cache.add_argument("--cache", action="store_true", help="test the cache/TLB variant")
    cache.add_argument("--no-flush", action="store_true",
                       help="keep the caches across Switch (the leaky variant)")
    cache.add_argument("--cache-size", type=int, default=None, help="default 2")
    cache.add_argument("--tlb-size", type=int, default=None, help="default 2")
    cache.add_argument("--pairs", type=int, default=None,
                       help="paired isolation runs (default: as many as --sequences)")
    p.set_defaults(func=run)


def _given(args: argparse.Namespace, names: list[str]) -> list[str]:
    """The options among `names` given on the command line."""
    return [f"--{n.replace('_', '-')}" for n in names
            if getattr(args, n) not in (None, False)]


def run(args: argparse.Namespace) -> int:
    if args.resume is not None:
        refused = _given(args, ["sequences", "length", "seed", "scope", "out", "exhaustive",
                                "stop_on_finding", "cache", "guided_fraction", "no_guidance",
                                *CACHE_ONLY])
        mode = "--resume (the run's own configuration is used)"
    elif args.cache:
        mode, refused = "--cache", _given(args, ["exhaustive", *CAMPAIGN_ONLY])
    elif args.exhaustive is not None:
        mode, refused = "--exhaustive", _given(args, ["sequences", "length", *CAMPAIGN_ONLY,
                                                      *CACHE_ONLY])
    else:
        mode, refused = "a campaign", _given(args, CACHE_ONLY)
    if refused:
        raise BadInput(f"{', '.join(refused)}: not used by {mode}")
    if args.jobs is not None and args.cluster is not None:
        raise BadInput("--jobs and --cluster: choose one (a cluster has its own workers)")
    if args.no_guidance and args.guided_fraction is not None:
        raise BadInput("--no-guidance and --guided-fraction: choose one")
    if args.guided_fraction is not None and not 0 <= args.guided_fraction <= 1:
        raise BadInput("--guided-fraction must be between 0 and 1")
    if args.resume is not None:
        return _resume(args)
    try:
        scope = Scope.parse(args.scope) if args.scope else None
    except ValueError as exc:
        raise BadInput(f"bad --scope: {exc}") from None
    sequences = 2000 if args.sequences is None else args.sequences
    length = 50 if args.length is None else args.length
    jobs = (os.cpu_count() or 1) if args.jobs is None else args.jobs
    if sequences < 0 or length < 0 or jobs < 1:
        raise BadInput("--sequences and --length must be >= 0, --jobs >= 1")
    seed = 0 if args.seed is None else args.seed
    out = output_dir(args.out or Path("out"))
    driver = driver_binary(args.driver)
    if args.cache:
        return _cache(args, seed, out, driver, scope or Scope(), sequences, length)
    if args.exhaustive is not None:
        return _exhaustive(args, seed, out, driver, scope or SMALL_SCOPE)
    cfg = CampaignConfig(seed=seed, sequences=sequences, length=length, jobs=jobs,
                         scope=scope or Scope(), out=out, driver=driver,
                         progress=not args.no_progress, stop_on_finding=args.stop_on_finding,
                         cluster=cluster_address(args.cluster), corpus=_corpus_dir(args.corpus),
                         guided_fraction=0.0 if args.no_guidance else
                         GUIDED_FRACTION if args.guided_fraction is None else args.guided_fraction)
    return _campaign(cfg, None)


def _resume(args: argparse.Namespace) -> int:
    out = output_dir(args.resume, "--resume")
    try:
        journal = RunJournal.latest(out)
        cfg = journal.config()
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    cfg.out = out
    cfg.progress = not args.no_progress
    if args.jobs is not None:
        cfg.jobs, cfg.cluster = args.jobs, None
    if args.cluster is not None:
        cfg.cluster = cluster_address(args.cluster)
    cfg.driver = driver_binary(args.driver if args.driver is not None else cfg.driver)
    if args.corpus is not None:
        cfg.corpus = _corpus_dir(args.corpus)
    print(f"resuming run {journal.run}: {len(journal.done())} batch(es) already done")
    return _campaign(cfg, journal)


def _corpus_dir(path: Path | None) -> str | None:
    if path is None:
        return None
    if path.exists() and not path.is_dir():
        raise BadInput(f"--corpus {path}: not a directory")
    return str(path.resolve())


def reproduce_command(cfg: CampaignConfig) -> str:
    scope = ",".join(f"{k}={'none' if v is None else v}" for k, v in cfg.scope.to_json().items())
    return (f"vcert diff --seed {cfg.seed} --sequences {cfg.sequences} --length {cfg.length} "
            f"--scope {scope} --guided-fraction {cfg.guided_fraction}"
            + (f" --corpus {cfg.corpus}" if cfg.corpus else ""))


def _campaign(cfg: CampaignConfig, resume: RunJournal | None) -> int:
    try:
        result = run_campaign(cfg, resume)
    except OSError as exc:
        if cfg.cluster:
            raise BadInput(f"--cluster {cfg.cluster}: cannot reach the scheduler ({exc})") \
                from None
        raise
    summary = report_campaign(cfg, result, reproduce_command(cfg))
    _print_campaign(result, summary, cfg.out)
    return int(result.exit_status)


def _print_campaign(r: CampaignResult, summary: dict, out: Path) -> None:
    missed = r.coverage.missed()
    print(f"{r.sequences} of {r.announced} sequences checked, {r.steps} steps in {r.seconds}s "
          f"({r.rate:,.0f} steps/s) on {r.workers} worker(s): {len(r.findings)} finding(s); "
          f"status {r.status}")
    if r.worker_deaths or r.tasks_rerun:
        print(f"workers lost: {r.worker_deaths}, tasks rerun: {r.tasks_rerun}"
              + ("" if r.failed else " (nothing lost)"))
    for f in r.failed:
        print(f"LOST {f['task']}: {f['error']}")
    if not r.complete and not r.failed:
        print(f"incomplete: finish it with  vcert diff --resume {out}")
    print(f"OS isolation: {r.pairs} paired runs, {r.pair_events} steps, "
          f"{r.pair_syncs} synchronised o-actions")
    unmet = [f"{group}:{name}" for group, names in missed.items() for name in names]
    print(f"coverage: {r.coverage.covered()} of {r.coverage.total()} obligations met; "
          f"never hit: {', '.join(unmet) or 'none'}")
    _print_corpus(r.corpus)
    _print_regression(r.regression)
    _print_findings(summary["findings"])
    print(f"summary: {out / 'summary.json'} (run {r.run})")


def _print_corpus(c: dict) -> None:
    where = c["directory"] or "in memory"
    print(f"corpus ({where}): {c['entries_at_start']} entries at start, {c['added']} added; "
          f"{c['derived_sequences']} sequences derived (guided fraction {c['guided_fraction']}, "
          f"lag {c['lag']}); met obligations first: {c['novel_derived']} derived, "
          f"{c['novel_random']} random")


def _print_regression(reg: dict) -> None:
    if not reg or not reg["corpus_entries"] + reg["earlier_findings"]:
        return
    failing = ", ".join(f"{k} {n}" for k, n in reg["still_failing"].items()) or "none"
    corpus = ", ".join(f"{k} {n}" for k, n in reg["corpus_failing"].items()) or "none"
    print(f"regression: replayed {reg['replayed']} of {reg['corpus_entries']} corpus entries "
          f"and {reg['earlier_findings']} earlier findings; still failing: {failing}; "
          f"now passing: {reg['now_passing']}; corpus entries failing: {corpus}"
          + (f" ({reg['suppressed_findings']} more failures counted, not written)"
             if reg.get("suppressed_findings") else ""))
    _print_findings(reg["findings"])


def _print_findings(entries: list[dict]) -> None:
    for e in entries:
        again = " (found before)" if e.get("seen_before") else ""
        print(f"  {e['oracle']}: {e['detail']}{again}\n    vcert replay {e['path']}"
              f"   # shrunk to {e['shrunk_length']}")


# -- bounded-exhaustive --------------------------------------------------------------------


def _exhaustive(args: argparse.Namespace, seed: int, out: Path, driver: str,
                scope: Scope) -> int:
    if args.exhaustive < 1:
        raise BadInput("--exhaustive needs K >= 1")
    ctx, state = initial_state(random.Random(seed), scope)
    store = FindingStore(out / "findings")
    journal = RunJournal.create(out, seed, {"mode": "exhaustive", "seed": seed,
                                            "scope": scope.to_json(), "depth": args.exhaustive})
    stats, entries, kinds = ExhaustiveStats(), [], Counter()
    budget = ShrinkBudget()
    interrupted, failed = False, None

    with DriverPipe(driver) as pipe:
        engine = Engine(scope, pipe)

        def on_failure(seq, failure, driver_trace) -> None:
            # As in a campaign: at most MAX_FINDINGS_PER_KIND per oracle are
            # written and shrunk, the others counted.
            kinds[failure.oracle] += 1
            if kinds[failure.oracle] > MAX_FINDINGS_PER_KIND:
                return
            finding = to_finding(seq, failure, driver_trace, scope)
            finding.seed, finding.index = seed, seq.seed
            path, new = store.save(finding)
            entries.append({"name": finding.name, "path": str(path), "oracle": finding.oracle,
                            "detail": finding.detail, "step": finding.step,
                            "index": finding.index, "shrunk_length": None,
                            "seen_before": not new})
            shrink_finding(engine, finding, budget)
            store.save_shrunk(finding)
            entries[-1]["shrunk_length"] = len(finding.shrunk["actions"]) \
                if finding.shrunk else None

        try:
            run_exhaustive(engine, ctx, state, args.exhaustive, stats, on_failure)
        except KeyboardInterrupt:
            interrupted = True
        except Exception as exc:  # the tool failed: say so, keep what was found
            failed = f"{type(exc).__name__}: {exc}"
    complete = stats.announced > 0 and stats.sequences == stats.announced and failed is None
    status = verdict(found=stats.failures > 0, failed=failed is not None,
                     interrupted=not complete)
    summary = {
        "mode": "exhaustive", "run": journal.run, "earlier_runs": journal.earlier_runs(),
        "seed": seed, "scope": scope.to_json(), "depth": args.exhaustive,
        "status": "failed" if failed else "complete" if complete else "interrupted",
        "exit_status": int(status), "complete": complete, "interrupted": interrupted,
        "error": failed,
        "sequences_announced": stats.announced, "sequences_checked": stats.sequences,
        "sequences": stats.sequences, "steps": stats.steps, "failures": stats.failures,
        "findings": entries, "suppressed_findings": stats.failures - len(entries)}
    write_outputs(out, journal.directory, summary)
    print(f"exhaustive depth {args.exhaustive}: {stats.sequences} of {stats.announced} "
          f"sequences, {stats.steps} steps, {stats.failures} failure(s); "
          f"status {summary['status']}" + (f": {failed}" if failed else ""))
    _print_findings(entries)
    print(f"summary: {out / 'summary.json'} (run {journal.run})")
    return int(status)


# -- the cache/TLB variant ----------------------------------------------------------------


def _cache(args: argparse.Namespace, seed: int, out: Path, driver: str, scope: Scope,
           sequences: int, length: int) -> int:
    cache_size = 2 if args.cache_size is None else args.cache_size
    tlb_size = 2 if args.tlb_size is None else args.tlb_size
    if cache_size < 0 or tlb_size < 0 or (args.pairs is not None and args.pairs < 0):
        raise BadInput("--cache-size, --tlb-size and --pairs must be >= 0")
    cfg = CacheConfig(cache_size, tlb_size, not args.no_flush)
    pairs = sequences if args.pairs is None else args.pairs
    camp = CacheCampaign(cfg, scope, seed, sequences, length, pairs, out, driver)
    journal = RunJournal.create(out, seed, {"mode": "cache", "seed": seed,
                                            "scope": scope.to_json(),
                                            "cache_config": ccodec.encode(cfg),
                                            "sequences": sequences, "length": length,
                                            "pairs": pairs})
    res = CacheCampaignResult()
    interrupted, failed = False, None
    try:
        run_cache_campaign(camp, res)
    except KeyboardInterrupt:
        interrupted = True
    except Exception as exc:  # the tool failed: say so, keep what was found
        failed = f"{type(exc).__name__}: {exc}"
    complete = (res.sequences == sequences and res.pairs_tried == pairs and failed is None)
    status = verdict(found=bool(res.findings), failed=failed is not None,
                     interrupted=not complete)
    flush = "flush on Switch" if cfg.flush_on_switch else "no flush"
    print(f"cache variant (cache {cfg.cache_size}, tlb {cfg.tlb_size}, {flush}): "
          f"{res.sequences} of {sequences} sequences, {res.steps} steps against the driver"
          + (", coherence checked" if cfg.flush_on_switch else ""))
    print(f"OS isolation with cache observations: {res.pairs} paired runs, {res.pair_events} events")
    entries = []
    for f, path in zip(res.findings, res.paths):
        shrunk = f.shrunk or {}
        entries.append({"name": f.name, "path": str(path), "oracle": f.oracle,
                        "detail": f.detail, "step": f.step,
                        "shrunk_length": len(shrunk.get("events", shrunk.get("actions", [])))})
    _print_findings(entries)
    summary = {
        "mode": "cache", "run": journal.run, "earlier_runs": journal.earlier_runs(),
        "seed": seed, "scope": scope.to_json(), "cache_config": ccodec.encode(cfg),
        "status": "failed" if failed else "complete" if complete else "interrupted",
        "exit_status": int(status), "complete": complete, "interrupted": interrupted,
        "error": failed, "sequences_announced": sequences, "sequences_checked": res.sequences,
        "sequences": res.sequences, "length": length, "steps": res.steps,
        "os_isolation": {"paired_runs": res.pairs, "events": res.pair_events},
        "findings": entries}
    write_outputs(out, journal.directory, summary)
    print(f"summary: {out / 'summary.json'} (run {journal.run})")
    return int(status)
