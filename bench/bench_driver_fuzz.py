"""Benchmark: the extracted driver under hostile input, for a fixed time.

Workload (seed --seed, for --seconds, default 20): request lines of seven
classes, in batches of BATCH lines written by a feeder thread while the
answers are read; each batch ends with a `ping` whose answer marks its end,
so every request's answers are counted exactly.
  valid    well-formed requests (ping, valid, pre, run, run_cache) on random
           valid states of the default scope;
  mutant   one of them mutated: a field dropped, renamed or added, a value of
           another type, a number out of range, an element dropped or doubled;
  text     one of them as text: cut short, a byte changed, junk inserted, a
           number token made huge or odd (1e999, -0, 01);
  random   random bytes, or random runs of JSON punctuation and words;
  deep     nesting of 500 to 100,000 levels in the id, the state or an action;
  huge     numbers of up to 100,000 digits, strings up to 1 MB, runs with
           per-step states whose answer passes the answer cap, request lines
           past the request cap;
  utf8     bytes that are not UTF-8, or lone surrogate escapes, in strings.
The driver runs with --max-answer-bytes ANSWER_CAP --max-request-bytes
REQUEST_CAP, so that refusals for size are frequent and cheap.
Figures: requests, answers, deaths (the driver exited or was killed for a
stall, then restarted), requests without exactly one answer (or answered
with another id), answers not UTF-8, not JSON or not of the protocol's
shape, the answers' kinds, and requests per second.
Aim: 0 deaths and one valid-UTF-8 JSON answer per request (exit status 1
otherwise; batches that missed it are kept under the printed folder).
"""

from __future__ import annotations

import argparse
import itertools
import json
import queue
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyspec import codec  # noqa: E402
from pyspec.generate import uniform_action  # noqa: E402
from pyspec.difftest.scope import Scope  # noqa: E402
from pyspec.difftest.states import initial_state  # noqa: E402

BATCH = 250
ANSWER_CAP = 262_144
REQUEST_CAP = 1_048_576
STALL_SECONDS = 60.0
BASE_STATES = 40  # half of the default scope, half of SMALL_SCOPE (cheaper to check)
SMALL_SCOPE = Scope(guests=2, pages=8, vadds=6, padds=8, window=2)
ACTION_POOL = 5_000
# Shares of the classes; deep and huge lines cost the driver 5 to 20 times more.
WEIGHTS = {"valid": 10, "mutant": 42, "text": 15, "random": 15, "utf8": 12, "deep": 3, "huge": 3}

Json = Any
Line = tuple[bytes, Any]  # a request line and the id its answer must carry (None: unchecked)

# Values of every JSON type, and naturals at and past the protocol's bounds.
ODD_VALUES: list[Json] = [None, True, False, -1, 0, 2**62 - 1, 2**62, 2**63, 2**64 - 1, 1.5, -0.0,
                          "", "Read", "Os", "Hyp", "x" * 5, [], {}, [[]], {"a": 1},
                          ["Error", "Nope"], ["Write", 1], ["RW"], ["PT", [[1, 1], [1, 2]]]]
ODD_NUMBERS = [b"1e999", b"-1e999", b"-0", b"01", b"1.0", b"4611686018427387904", b"-", b"1e",
               b"0x10", b"9" * 40, b"1" + b"0" * 400]
BAD_UTF8 = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82",
            b"\x80", b"\xf8\x88\x80\x80\x80"]
SURROGATES = [b"\\udc00", b"\\ud800", b"\\ud800\\u0041", b"\\udfff\\ud800"]
PUNCTUATION = [b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"0", b"-1", b"true", b"null",
               b'"id"', b'"op"', b'"run"', b" ", b"/*", b"*/", b"//", b"(", b"<", b"\r", b"\t"]
NUMBER_TOKEN = re.compile(rb"(?<=[:\[,])\d+")


@dataclass
class Tally:
    requests: int = 0
    answers: int = 0
    deaths: int = 0
    stalls: int = 0
    without_one_answer: int = 0
    not_utf8: int = 0
    not_json: int = 0
    not_protocol: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    kept: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Request lines

class Requests:
    """Request lines of every class, from valid requests on random valid states."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.scope = Scope()
        self.cases = [initial_state(rng, scope) for scope in (Scope(), SMALL_SCOPE)
                      for _ in range(BASE_STATES // 2)]
        self.actions = [codec.encode(uniform_action(rng, self.scope)) for _ in range(ACTION_POOL)]
        self.next_id = 0
        self.deep = [self._nest(n, closed) for n in (500, 511, 512, 513, 2_000, 100_000)
                     for closed in (True, False)]

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _actions(self, n: int) -> list[Json]:
        return self.rng.choices(self.actions, k=n)

    def valid(self) -> dict[str, Json]:
        rng = self.rng
        ctx, state = rng.choice(self.cases)
        op = rng.choice(["ping", "valid", "pre", "run", "run", "run_cache"])
        req: dict[str, Json] = {"id": self._id(), "op": op}
        if op == "ping":
            return req
        req["context"] = ctx
        if op == "valid":
            req["state"] = state
        elif op == "pre":
            req.update(state=state, action=self._actions(1)[0])
        elif op == "run":
            req.update(state=state, actions=self._actions(rng.randrange(0, 30)),
                       states=rng.random() < 0.5)
        else:
            req.update(cache={"cache_size": rng.randrange(4), "tlb_size": rng.randrange(4),
                              "flush_on_switch": rng.random() < 0.5},
                       state={"hv": state, "cache": [], "tlb": []},
                       actions=self._actions(rng.randrange(0, 30)), states=rng.random() < 0.5)
        return req

    def line(self, kind: str) -> Line:
        return getattr(self, "_" + kind)()

    def _valid(self) -> Line:
        req = self.valid()
        return orjson.dumps(req), req["id"]

    def _mutant(self) -> Line:
        req = orjson.loads(orjson.dumps(self.valid()))  # a private copy
        node: Json = req
        depth = 0
        while True:  # a random container along a random path
            children = [v for v in (node.values() if isinstance(node, dict) else node)
                        if isinstance(v, (dict, list)) and v]
            if not children or self.rng.random() < 0.35:
                break
            node, depth = self.rng.choice(children), depth + 1
        self._mutate(node, is_root=depth == 0)
        return orjson.dumps(req), req["id"]

    def _mutate(self, node: Json, is_root: bool) -> None:
        rng = self.rng
        odd = rng.choice(ODD_VALUES)
        if isinstance(node, dict):
            keys = [k for k in node if not (is_root and k == "id")]
            key = rng.choice(keys) if keys else None
            how = rng.randrange(4)
            if key is None or how == 0:
                node[rng.choice(["extra", "Op", "states", "actions", "hv", "cache"])] = odd
            elif how == 1:
                del node[key]
            elif how == 2:
                node[key + rng.choice(["_", "s", "X"])] = node.pop(key)
            else:
                node[key] = odd
        elif node:
            i = rng.randrange(len(node))
            how = rng.randrange(4)
            if how == 0:
                del node[i]
            elif how == 1:
                node.insert(i, node[i])
            elif how == 2:
                node.append(odd)
            else:
                node[i] = odd

    def _text(self) -> Line:
        rng = self.rng
        line = orjson.dumps(self.valid())
        how = rng.randrange(4)
        if how == 0:
            line = line[:rng.randrange(len(line))]
        elif how == 1:
            i = rng.randrange(len(line))
            line = line[:i] + bytes([rng.randrange(256)]) + line[i + 1:]
        elif how == 2:
            i = rng.randrange(len(line))
            line = line[:i] + rng.choice(PUNCTUATION) + line[i:]
        else:
            numbers = list(NUMBER_TOKEN.finditer(line))
            if numbers:
                m = rng.choice(numbers)
                line = line[:m.start()] + rng.choice(ODD_NUMBERS) + line[m.end():]
        return line.replace(b"\n", b" "), None

    def _random(self) -> Line:
        rng = self.rng
        if rng.random() < 0.5:
            line = rng.randbytes(rng.randrange(300))
        else:
            line = b"".join(rng.choice(PUNCTUATION) for _ in range(rng.randrange(60)))
        return line.replace(b"\n", b" "), None

    @staticmethod
    def _nest(depth: int, closed: bool) -> bytes:
        opener, closer = (b"[", b"]") if depth % 2 else (b'{"a":', b"}")
        return opener * depth + b"0" + (closer * depth if closed else b"")

    def _deep(self) -> Line:
        rng = self.rng
        deep = rng.choice(self.deep)
        ctx, state = rng.choice(self.cases)
        where = rng.randrange(3)
        if where == 0:
            line = b'{"id":%s,"op":"ping"}' % deep
        elif where == 1:
            line = b'{"id":1,"op":"valid","context":%s,"state":%s}' % (orjson.dumps(ctx), deep)
        else:
            line = (b'{"id":1,"op":"run","context":%s,"state":%s,"actions":[["Read",%s]]}'
                    % (orjson.dumps(ctx), orjson.dumps(state), deep))
        return line, None

    def _huge(self) -> Line:
        rng = self.rng
        how = rng.randrange(4)
        if how == 0:
            digits = b"9" * rng.choice([20, 400, 5_000, 100_000])
            return b'{"id":%s,"op":"ping"}' % digits, None
        if how == 1:
            size = rng.choice([10_000, 300_000, REQUEST_CAP + 1])
            return b'{"id":"%s","op":"ping"}' % (b"x" * size), None
        if how == 2:
            line = orjson.dumps(self.valid())
            numbers = list(NUMBER_TOKEN.finditer(line))
            m = rng.choice(numbers)
            return line[:m.start()] + b"7" * rng.choice([19, 30, 3_000]) + line[m.end():], None
        ctx, state = rng.choice(self.cases)  # an answer past the cap
        req = {"id": self._id(), "op": "run", "context": ctx, "state": state,
               "actions": self._actions(rng.choice([300, 1_000])), "states": True}
        return orjson.dumps(req), req["id"]

    def _utf8(self) -> Line:
        rng = self.rng
        req = self.valid()
        line = orjson.dumps(req)
        quotes = [m.start() + 1 for m in re.finditer(rb'"', line)]
        i = rng.choice(quotes)
        if rng.random() < 0.5:
            return line[:i] + rng.choice(BAD_UTF8) + line[i:], None
        return line[:i] + rng.choice(SURROGATES) + line[i:], None


# ---------------------------------------------------------------------------
# The driver

class Target:
    """One driver process fed by a writer thread, restarted after it dies.
    Batches are sent ahead (`send`) and their answers read in order
    (`receive`), so the driver works while the next batch is made and the
    last one checked."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self._start()

    def _start(self) -> None:
        self.proc = subprocess.Popen([str(self.binary), "--max-answer-bytes", str(ANSWER_CAP),
                                      "--max-request-bytes", str(REQUEST_CAP)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.queue: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._feed, args=(self.proc, self.queue), daemon=True).start()

    @staticmethod
    def _feed(proc: subprocess.Popen[bytes], payloads: queue.Queue[bytes | None]) -> None:
        assert proc.stdin is not None
        while (payload := payloads.get()) is not None:
            try:
                proc.stdin.write(payload)
                proc.stdin.flush()
            except (OSError, ValueError):  # the driver died: its successor gets the batch again
                return

    def close(self) -> None:
        self.queue.put(None)
        self.proc.kill()
        self.proc.wait()
        assert self.proc.stdin is not None and self.proc.stdout is not None
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def restart(self) -> None:
        self.close()
        self._start()

    def send(self, number: int, lines: list[bytes]) -> None:
        """Queue batch `number`, followed by the ping that marks its end."""
        self.queue.put(b"\n".join(lines + [b'{"id":"end-%d","op":"ping"}' % number]) + b"\n")

    def receive(self, number: int) -> tuple[list[bytes], str]:
        """The answer lines to batch `number` and how it ended: "ok", "died" or
        "stalled" (no end within STALL_SECONDS: the driver was killed)."""
        end = b'{"id":"end-%d","ok":true,"pong":true}\n' % number
        proc = self.proc
        assert proc.stdout is not None
        stalled = threading.Event()

        def expire() -> None:
            stalled.set()
            proc.kill()

        watchdog = threading.Timer(STALL_SECONDS, expire)
        watchdog.start()
        answers = []
        try:
            while (answer := proc.stdout.readline()) != end:
                if not answer.endswith(b"\n"):
                    return answers, "stalled" if stalled.is_set() else "died"
                answers.append(answer[:-1])
        finally:
            watchdog.cancel()
        return answers, "ok"


# ---------------------------------------------------------------------------
# Checking the answers

def parse(answer: bytes, tally: Tally) -> Json:
    """The answer as JSON, or None after counting why it is not."""
    try:
        text = answer.decode("utf-8")
    except UnicodeDecodeError:
        tally.not_utf8 += 1
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:  # orjson refuses integers too long for a double; keep them as digits
        return json.loads(text, parse_int=str)
    except ValueError:
        tally.not_json += 1
        return None


def check_batch(batch: list[Line], answers: list[bytes], ending: str, tally: Tally,
                keep: Callable[[list[Line], list[bytes], str], None]) -> None:
    tally.requests += len(batch)
    tally.answers += len(answers)
    missed = abs(len(batch) - len(answers))
    if ending != "ok":
        tally.deaths += 1
        tally.stalls += ending == "stalled"
    for (_, expected_id), answer in zip(batch, answers):
        value = parse(answer, tally)
        if value is None:
            continue
        if not isinstance(value, dict) or not isinstance(value.get("ok"), bool) or "id" not in value:
            tally.not_protocol += 1
            continue
        tally.kinds["ok" if value["ok"] else str((value.get("error") or {}).get("kind"))] += 1
        if expected_id is not None and len(answers) == len(batch) and value["id"] != expected_id:
            missed += 1
    tally.without_one_answer += missed
    if ending != "ok" or missed:
        keep(batch, answers, ending)


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--seconds", type=float, default=20.0, help="how long to fuzz (default 20)")
    args.add_argument("--seed", type=int, default=0)
    args.add_argument("--driver", type=Path, default=ROOT / "extract" / "vcert-driver",
                      help="driver binary (default: extract/vcert-driver, built first)")
    opts = args.parse_args()
    if opts.driver == ROOT / "extract" / "vcert-driver":
        subprocess.run(["make", "-s", "driver"], cwd=ROOT, check=True)
    rng = random.Random(opts.seed)
    requests = Requests(rng)
    classes, weights = list(WEIGHTS), list(WEIGHTS.values())
    tally = Tally()
    kept_dir = Path(tempfile.mkdtemp(prefix="driver-fuzz-"))

    def keep(batch: list[Line], answers: list[bytes], ending: str) -> None:
        if len(tally.kept) < 5:
            path = kept_dir / f"batch-{len(tally.kept) + 1}-{ending}.jsonl"
            path.write_bytes(b"\n".join(line for line, _ in batch) + b"\n")
            path.with_suffix(".answers").write_bytes(b"\n".join(answers) + b"\n")
            tally.kept.append(path)

    target = Target(opts.driver)
    in_flight: deque[tuple[int, list[Line]]] = deque()

    def submit(number: int) -> None:
        kinds = rng.choices(classes, weights, k=BATCH)
        batch = [requests.line(kind) for kind in kinds]
        tally.by_class.update(kinds)
        target.send(number, [line for line, _ in batch])
        in_flight.append((number, batch))

    start = time.perf_counter()
    numbers = itertools.count()
    submit(next(numbers))
    try:
        while in_flight:
            if time.perf_counter() - start < opts.seconds:
                submit(next(numbers))  # two batches in flight
            number, batch = in_flight.popleft()
            answers, ending = target.receive(number)
            if ending != "ok":
                target.restart()
                for later, lines in in_flight:
                    target.send(later, [line for line, _ in lines])
            check_batch(batch, answers, ending, tally, keep)
    finally:
        target.close()
    elapsed = time.perf_counter() - start
    report(tally, elapsed, opts, kept_dir)
    clean = (tally.deaths == tally.without_one_answer == tally.not_utf8 == tally.not_json
             == tally.not_protocol == 0)
    if not tally.kept:
        kept_dir.rmdir()
    return 0 if clean else 1


def report(tally: Tally, elapsed: float, opts: argparse.Namespace, kept_dir: Path) -> None:
    share = ", ".join(f"{k} {n:,}" for k, n in sorted(tally.by_class.items()))
    kinds = ", ".join(f"{k} {n:,}" for k, n in tally.kinds.most_common())
    print(f"vcert-driver fuzzing: {opts.seconds:g} s asked, seed {opts.seed}, batches of {BATCH}, "
          f"answer cap {ANSWER_CAP:,} B, request cap {REQUEST_CAP:,} B")
    print(f"  requests: {tally.requests:,} ({share})")
    print(f"  answers: {tally.answers:,} ({kinds})")
    print(f"  deaths: {tally.deaths} (stalls among them: {tally.stalls})")
    print(f"  requests without exactly one answer: {tally.without_one_answer}")
    print(f"  answers not UTF-8: {tally.not_utf8}, not JSON: {tally.not_json}, "
          f"not of the protocol's shape: {tally.not_protocol}")
    print(f"  rate: {tally.requests / elapsed:,.0f} requests/s over {elapsed:.1f} s")
    clean = not (tally.deaths or tally.without_one_answer or tally.not_utf8 or tally.not_json
                 or tally.not_protocol)
    print(f"  aim (0 deaths, one valid-UTF-8 JSON answer per request): "
          f"{'met' if clean else 'MISSED'}")
    for path in tally.kept:
        print(f"  kept: {path} (and its .answers)")


if __name__ == "__main__":
    sys.exit(main())
