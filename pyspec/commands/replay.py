"""`vcert replay FILE`: rerun one finding and show both traces side by side.

Reruns the shrunk reproducer (or the original case with --original) through
pyspec and the extracted driver with every check, then prints the two traces
from the first step where they differ (or the failing step).  The finding is
checked first: a file that is not a finding, a hand-edited field of the wrong
type, or an initial state pyspec's valid_state rejects is refused (exit 2),
never reported as "no longer fails".  Exit status: 0 when the finding no
longer fails, 1 when it still does, 2 on bad input, 3 when the tool failed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pyspec import semantics as sem
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.engine import Engine
from pyspec.difftest.finding_page import write_page_option
from pyspec.difftest.findings import load_finding
from pyspec.difftest.pairs import PairChecker
from pyspec.difftest.pyspec_oracle import PyspecOracle
from pyspec.difftest.scope import Scope
from pyspec.exit_status import BadInput, Exit

from .common import driver_binary


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("replay", help="rerun a finding, traces side by side",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", type=Path)
    p.add_argument("--original", action="store_true", help="replay the unshrunk case")
    p.add_argument("--driver")
    p.add_argument("--html", type=Path, metavar="OUT",
                   help="also write the finding's page (trace, diagrams) to OUT")
    p.set_defaults(func=run)


def _short(v: object, width: int) -> str:
    text = json.dumps(v, separators=(",", ":"))
    return text if len(text) <= width else text[: width - 3] + "..."


def side_by_side(actions: list, py: list, dr: list, start: int, width: int = 60) -> list[str]:
    lines = [f"{'step':>4}  {'action':<28} {'pyspec':<{width}} | driver"]
    for i in range(start, len(actions)):
        p = py[i] if i < len(py) else None
        d = dr[i] if i < len(dr) else None
        mark = " " if p == d else "*"
        lines.append(f"{i:>4}{mark} {_short(actions[i], 28):<28} "
                     f"{_short(p[0] if p else '-', width):<{width}} | {_short(d[0] if d else '-', width)}")
        if p != d and p and d:
            lines.append(f"      state  {_short(p[1], width + 28)}")
            lines.append(f"      driver {_short(d[1], width + 28)}")
    return lines


def _case(finding, original: bool) -> tuple[dict | None, dict, dict, list]:
    """(shrunk case or None, context, initial state, actions) to replay."""
    case = finding.shrunk if finding.shrunk and not original else None
    try:
        ctx = case["context"] if case else finding.context
        state = case["initial_state"] if case else finding.initial_state
        actions = case["actions"] if case else finding.actions
    except (KeyError, TypeError) as exc:
        raise BadInput(f"{'the shrunk case' if case else 'the finding'} lacks {exc}") from None
    return case, ctx, state, actions


def check_initial_state(ctx: object, state: object, what: str) -> None:
    """Refuse a case whose initial state pyspec cannot read or finds invalid:
    replaying it could only say "no longer fails", falsely."""
    py = PyspecOracle()
    try:
        violations = sem.valid_state(py.context(ctx), py.state(state))
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise BadInput(f"{what}: the initial state or context is malformed: {exc}") from None
    if violations:
        raise BadInput(f"{what}: the initial state is invalid ({violations[0]}); "
                       "a finding starts from a valid state")


def run(args: argparse.Namespace) -> int:
    try:
        finding = load_finding(args.file)
        scope = Scope.from_json(finding.scope)
    except (ValueError, TypeError) as exc:
        raise BadInput(str(exc)) from None
    if args.html:
        write_page_option(finding, args.file, args.html)
    if finding.oracle == "generator_invalid":
        return _replay_generator_invalid(finding)
    if finding.oracle == "valid_negative":
        return _replay_negative(finding, args.driver)
    if finding.cache is not None:
        return _replay_cache(finding, scope, args.original, args.driver)
    case, ctx, state, actions = _case(finding, args.original)
    check_initial_state(ctx, state, str(args.file))
    if finding.paired is not None:
        return _replay_pair(finding, scope, args.original)
    if not isinstance(actions, list):
        raise BadInput(f"{args.file}: actions must be a list")
    try:
        with DriverPipe(driver_binary(args.driver)) as driver:
            failure, seq, driver_trace = Engine(scope, driver).check_case(ctx, state, actions)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInput(f"{args.file}: the finding's case is malformed: {exc}") from None
    print(f"finding: {finding.oracle}: {finding.detail}")
    print(f"replaying {'shrunk' if case else 'original'} case: {len(actions)} action(s), "
          f"context {json.dumps(ctx)}")
    first = next((i for i, (p, d) in enumerate(zip(seq.py_trace, driver_trace)) if p != d),
                 failure.step if failure and failure.step >= 0 else 0)
    for line in side_by_side(actions, seq.py_trace, driver_trace, max(first, 0)):
        print(line)
    if failure is None:
        print("result: no longer fails")
        return Exit.OK
    print(f"result: still fails: {failure.oracle} at step {failure.step}: {failure.detail}")
    return Exit.FOUND


def _replay_generator_invalid(finding) -> int:
    """A generated initial state pyspec's valid_state rejected: check it again."""
    py = PyspecOracle()
    try:
        violations = sem.valid_state(py.context(finding.context), py.state(finding.initial_state))
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInput(f"the finding's case is malformed: {exc}") from None
    print(f"finding: {finding.oracle}: {finding.detail}")
    for v in violations:
        print(f"  {v}")
    if not violations:
        print("result: no longer fails (pyspec's valid_state accepts the state)")
        return 0
    print(f"result: still fails: {len(violations)} violation(s) of pyspec's valid_state")
    return 1


def _replay_negative(finding, driver_path: str | None) -> int:
    """A near-invalid state the two valid_state implementations judged
    differently (or both accepted): judge it again."""
    from pyspec.difftest.negative import NearInvalid, judge
    from pyspec.difftest.validity import PROPS

    props = {p.name: p for p in PROPS}
    prop = props.get(finding.detail.split(" ", 1)[0])
    py = PyspecOracle()
    try:
        ctx, state = py.context(finding.context), py.state(finding.initial_state)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInput(f"the finding's state is malformed: {exc}") from None
    if prop is None:
        raise BadInput(f"the finding's detail does not name the broken property: "
                       f"{finding.detail!r}")
    with DriverPipe(driver_binary(driver_path)) as driver:
        answer = driver.valid_many([(finding.context, finding.initial_state)])[0]
    wrong = judge(NearInvalid(prop, "", ctx, state), py.first_invalid_model(ctx, state), answer)
    print(f"finding: {finding.oracle}: {finding.detail}")
    print(f"pyspec first_invalid: {py.first_invalid_model(ctx, state)}; driver: "
          f"{answer.get('first_invalid') if answer.get('ok') else answer.get('error')}")
    if wrong is None:
        print("result: no longer fails")
        return Exit.OK
    print(f"result: still fails: {wrong}")
    return Exit.FOUND


def _replay_pair(finding, scope: Scope, original: bool) -> int:
    """Rerun a paired OS-isolation finding (pyspec only) and list its events."""
    case, ctx, state, _ = _case(finding, original)
    try:
        events = case["events"] if case else finding.paired["events"]
        o = finding.paired["o"]
        check_initial_state(ctx, finding.paired["state2"], "the paired run's second state")
        failure = PairChecker(scope, PyspecOracle()).check(ctx, state, finding.paired["state2"],
                                                          o, events)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"the paired finding is malformed: {exc}") from None
    print(f"finding: {finding.oracle}: {finding.detail}")
    print(f"paired run for guest {o}: {len(events)} event(s), context {json.dumps(ctx)}")
    for n, (run, a) in enumerate(events):
        mark = "*" if failure is not None and n == failure.event else " "
        print(f"{n:>4}{mark} run {run:<4} {json.dumps(a)}")
    if failure is None:
        print("result: no longer fails")
        return 0
    print(f"result: still fails: {failure.oracle} at event {failure.event}: {failure.detail}")
    return 1


def _replay_cache(finding, scope: Scope, original: bool, driver_path: str | None) -> int:
    """Rerun a cache-variant finding: a paired run (pyspec) or a sequence
    (pyspec against the driver's run_cache)."""
    from pyspec.cache.codec import decode_config
    from pyspec.codec import CodecError
    from pyspec.difftest.cache import CachePairs, check_sequences

    try:
        cfg = decode_config(finding.cache, "$.cache")
    except CodecError as exc:
        raise BadInput(f"the finding's cache configuration is malformed: {exc}") from None
    case = finding.shrunk if finding.shrunk and not original else None
    ctx = case["context"] if case else finding.context
    state = case["initial_state"] if case else finding.initial_state
    print(f"finding: {finding.oracle}: {finding.detail}")
    print(f"cache_config {json.dumps(finding.cache)}, context {json.dumps(ctx)}")
    try:
        if finding.paired is not None:
            events = case["events"] if case else finding.paired["events"]
            o = finding.paired["o"]
            failure = CachePairs(scope, cfg).check(ctx, state, finding.paired["state2"], o, events)
            print(f"paired run for guest {o}: {len(events)} event(s)")
            for n, (run, a) in enumerate(events):
                mark = "*" if failure is not None and n == failure.step else " "
                print(f"{n:>4}{mark} run {run:<4} {json.dumps(a)}")
        else:
            actions = case["actions"] if case else finding.actions
            with DriverPipe(driver_binary(driver_path)) as driver:
                failure = check_sequences(driver, cfg, [(ctx, state, actions)])[0]
            for n, a in enumerate(actions):
                mark = "*" if failure is not None and n == failure.step else " "
                print(f"{n:>4}{mark} {json.dumps(a)}")
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInput(f"the finding's case is malformed: {exc}") from None
    if failure is None:
        print("result: no longer fails")
        return 0
    print(f"result: still fails: {failure.oracle} at {failure.step}: {failure.detail}")
    return 1
