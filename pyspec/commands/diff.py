"""`vcert diff`: a differential campaign, pyspec against the extracted driver.

    vcert diff [--sequences N] [--length L] [--jobs J] [--seed S] [--scope K=V,...]
               [--out DIR] [--driver BIN] [--no-progress] [--stop-on-finding]
    vcert diff --exhaustive K [--seed S] [--scope K=V,...] [--out DIR] [--driver BIN]
    vcert diff --cache [--no-flush] [--cache-size N] [--tlb-size N] [--sequences N]
               [--pairs N] [--length L] [--seed S] [--scope K=V,...] [--out DIR]
               [--driver BIN]

Writes every finding to DIR/findings/ as soon as it is found (then shrinks
it), and at the end DIR/summary.json and DIR/report.html.  --exhaustive K
instead runs every sequence of up to K actions relevant for one small state,
in one process, and writes its findings and DIR/summary.json (no report.html).
--cache tests the cache/TLB variant instead (pyspec/difftest/cache.py,
docs/cache.md): pyspec's cstep against the driver's run_cache, coherence when
flushing, and paired isolation runs on the guest's cache observations; with
--no-flush the paired runs are expected to find the leak.  It runs in one
process and writes its findings and DIR/summary.json (no report.html).
An option the chosen mode does not use is refused (exit 2); --exhaustive and
--cache show no progress display, so --no-progress changes nothing there.
Exit status: 0 when no divergence was found, 1 when some was, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

from pyspec.cache import codec as ccodec
from pyspec.cache.model import CacheConfig
from pyspec.difftest.cache import CacheCampaign, run_cache_campaign
from pyspec.difftest.campaign import (
    MAX_FINDINGS_PER_KIND, CampaignConfig, exhaustive, run_campaign, shrink_finding, to_finding,
)
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.engine import Engine
from pyspec.difftest.findings import FindingStore, write_atomic
from pyspec.difftest.report import write_reports
from pyspec.difftest.scope import SMALL_SCOPE, Scope
from pyspec.difftest.shrink import ShrinkBudget
from pyspec.difftest.states import initial_state


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("diff", help="differential campaign: pyspec vs the extracted driver",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sequences", type=int, default=None,
                   help="random sequences (default 2000; not with --exhaustive)")
    p.add_argument("--length", type=int, default=None,
                   help="actions per sequence (default 50; not with --exhaustive)")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default: the CPU count; not with --exhaustive "
                        "or --cache, which run in one process)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scope", default="", help="e.g. guests=3,pages=16,vadds=8,padds=16,window=2")
    p.add_argument("--out", type=Path, default=Path("out"))
    p.add_argument("--driver", help="driver binary (default: $VCERT_DRIVER or extract/vcert-driver)")
    p.add_argument("--exhaustive", type=int, metavar="K",
                   help="every sequence of up to K actions from one small state")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress display (--exhaustive and --cache have none anyway)")
    p.add_argument("--stop-on-finding", action="store_true",
                   help="stop at the first finding (once shrunk); used by vcert mutate "
                        "(not with --exhaustive or --cache)")
    cache = p.add_argument_group("cache/TLB variant (only with --cache)")
    cache.add_argument("--cache", action="store_true", help="test the cache/TLB variant")
    cache.add_argument("--no-flush", action="store_true",
                       help="keep the caches across Switch (the leaky variant)")
    cache.add_argument("--cache-size", type=int, default=None, help="default 2")
    cache.add_argument("--tlb-size", type=int, default=None, help="default 2")
    cache.add_argument("--pairs", type=int, default=None,
                       help="paired isolation runs (default: as many as --sequences)")
    p.set_defaults(func=run)


def _unused(args: argparse.Namespace, names: list[str]) -> list[str]:
    """The options among `names` given on the command line."""
    return [f"--{n.replace('_', '-')}" for n in names
            if getattr(args, n) not in (None, False)]


def run(args: argparse.Namespace) -> int:
    try:
        scope = Scope.parse(args.scope) if args.scope else None
    except ValueError as exc:
        print(f"vcert diff: bad --scope: {exc}", file=sys.stderr)
        return 2
    if args.cache:
        mode, refused = "--cache", _unused(args, ["exhaustive", "jobs", "stop_on_finding"])
    elif args.exhaustive is not None:
        mode, refused = "--exhaustive", _unused(args, [
            "sequences", "length", "jobs", "stop_on_finding", "no_flush", "cache_size",
            "tlb_size", "pairs"])
    else:
        mode, refused = "a campaign", _unused(args, ["no_flush", "cache_size", "tlb_size",
                                                     "pairs"])
    if refused:
        print(f"vcert diff: {', '.join(refused)}: not used by {mode}", file=sys.stderr)
        return 2
    sequences = 2000 if args.sequences is None else args.sequences
    length = 50 if args.length is None else args.length
    jobs = (os.cpu_count() or 1) if args.jobs is None else args.jobs
    if sequences < 0 or length < 0 or jobs < 1:
        print("vcert diff: --sequences and --length must be >= 0, --jobs >= 1", file=sys.stderr)
        return 2
    if args.cache:
        return _cache(args, scope or Scope(), sequences, length)
    if args.exhaustive is not None:
        return _exhaustive(args, scope or SMALL_SCOPE)
    cfg = CampaignConfig(seed=args.seed, sequences=sequences, length=length,
                         jobs=jobs, scope=scope or Scope(), out=args.out,
                         driver=args.driver, progress=not args.no_progress,
                         stop_on_finding=args.stop_on_finding)
    try:
        DriverPipe(cfg.driver).close()
    except FileNotFoundError as exc:
        print(f"vcert diff: {exc}", file=sys.stderr)
        return 2
    result = run_campaign(cfg)
    json_path, html_path = write_reports(cfg, result)
    missed = result.coverage.missed()
    print(f"{result.sequences} sequences, {result.steps} steps in {result.seconds}s "
          f"({result.rate:,.0f} steps/s), {len(result.findings)} finding(s)"
          + (" [interrupted]" if result.interrupted else ""))
    print(f"OS isolation: {result.pairs} paired runs, {result.pair_events} steps, "
          f"{result.pair_syncs} synchronised o-actions")
    print(f"never hit: {', '.join(missed['cells']) or 'none'}")
    for f in result.findings:
        print(f"  {f['oracle']}: {f['detail']}  ->  {f['path']} (shrunk to {f['shrunk_length']})")
    print(f"summary: {json_path}\nreport:  {html_path}")
    return 1 if result.findings else 0


def _exhaustive(args: argparse.Namespace, scope: Scope) -> int:
    if args.exhaustive < 1:
        print("vcert diff: --exhaustive needs K >= 1", file=sys.stderr)
        return 2
    ctx, state = initial_state(random.Random(args.seed), scope)
    store = FindingStore(args.out / "findings", worker=0)
    entries: list[dict] = []
    suppressed = 0
    kinds: dict[str, int] = {}
    try:
        with DriverPipe(args.driver) as driver:
            engine = Engine(scope, driver)
            count, steps, failures = exhaustive(engine, ctx, state, args.exhaustive)
            # As in a campaign: at most MAX_FINDINGS_PER_KIND per oracle are
            # written and shrunk, the others counted.
            budget = ShrinkBudget()
            for seq, failure, driver_trace in failures:
                kinds[failure.oracle] = kinds.get(failure.oracle, 0) + 1
                if kinds[failure.oracle] > MAX_FINDINGS_PER_KIND:
                    suppressed += 1
                    continue
                finding = to_finding(seq, failure, driver_trace, scope)
                finding.seed = args.seed          # the seed of the state
                path = store.save(finding)
                shrink_finding(engine, finding, budget)
                store.save(finding, path)
                entries.append({"path": str(path), "oracle": finding.oracle,
                                "detail": finding.detail,
                                "shrunk_length": len(finding.shrunk["actions"])
                                if finding.shrunk else None})
    except FileNotFoundError as exc:
        print(f"vcert diff: {exc}", file=sys.stderr)
        return 2
    json_path = args.out / "summary.json"
    write_atomic(json_path, json.dumps({
        "mode": "exhaustive", "seed": args.seed, "scope": scope.to_json(),
        "depth": args.exhaustive, "sequences": count, "steps": steps,
        "failures": len(failures), "findings": entries, "suppressed_findings": suppressed},
        indent=1))
    print(f"exhaustive depth {args.exhaustive}: {count} sequences, {steps} steps, "
          f"{len(failures)} failure(s)")
    for seq, failure, _ in failures[:10]:
        print(f"  {failure.oracle} at step {failure.step}: {failure.detail}  actions {seq.actions}")
    for e in entries:
        print(f"  {e['oracle']}: {e['detail']}  ->  {e['path']} (shrunk to {e['shrunk_length']})")
    print(f"summary: {json_path}")
    return 1 if failures else 0


def _cache(args: argparse.Namespace, scope: Scope, sequences: int, length: int) -> int:
    cache_size = 2 if args.cache_size is None else args.cache_size
    tlb_size = 2 if args.tlb_size is None else args.tlb_size
    if cache_size < 0 or tlb_size < 0 or (args.pairs is not None and args.pairs < 0):
        print("vcert diff: --cache-size, --tlb-size and --pairs must be >= 0", file=sys.stderr)
        return 2
    cfg = CacheConfig(cache_size, tlb_size, not args.no_flush)
    camp = CacheCampaign(cfg, scope, args.seed, sequences, length,
                         sequences if args.pairs is None else args.pairs, args.out,
                         args.driver)
    try:
        res = run_cache_campaign(camp)
    except FileNotFoundError as exc:
        print(f"vcert diff: {exc}", file=sys.stderr)
        return 2
    flush = "flush on Switch" if cfg.flush_on_switch else "no flush"
    print(f"cache variant (cache {cfg.cache_size}, tlb {cfg.tlb_size}, {flush}): "
          f"{res.sequences} sequences, {res.steps} steps against the driver"
          + (", coherence checked" if cfg.flush_on_switch else ""))
    print(f"OS isolation with cache observations: {res.pairs} paired runs, {res.pair_events} events")
    entries = []
    for f, path in zip(res.findings, res.paths):
        shrunk = f.shrunk or {}
        size = len(shrunk.get("events", shrunk.get("actions", [])))
        entries.append({"path": str(path), "oracle": f.oracle, "detail": f.detail,
                        "shrunk_length": size})
        print(f"  {f.oracle}: {f.detail}  ->  {path} (shrunk to {size})")
    json_path = args.out / "summary.json"
    write_atomic(json_path, json.dumps({
        "mode": "cache", "seed": args.seed, "scope": scope.to_json(),
        "cache_config": ccodec.encode(cfg), "sequences": res.sequences, "length": length,
        "steps": res.steps,
        "os_isolation": {"paired_runs": res.pairs, "events": res.pair_events},
        "findings": entries}, indent=1))
    print(f"summary: {json_path}")
    return 1 if res.findings else 0
