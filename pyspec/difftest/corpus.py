"""Coverage guidance: a corpus of sequences that reached new obligations, the
operators that derive new sequences from it, and bias weights for the
generator (in the spirit of AFL and FuzzChick).

* `Corpus`: entries (context, initial state, actions, as the JSON of
  docs/protocol.md) kept in a directory, append-only: each file is named by
  the hash of its case and written once, atomically; `entries` are in name
  order, so what is derived from a corpus does not depend on the order in
  which entries were added (or by which worker).
* `derive(rng, corpus, scope)`: a new case from the corpus by one operator:
  change an action's arguments, splice two entries, insert or drop actions,
  start from an entry's intermediate state.  Deterministic given the rng.
* `bias_for(coverage)`: `Bias` weights towards the action kinds whose
  obligations are still unmet; `next_action` of `pyspec.generate` takes it.
* `novel(seen, new)`: the obligations `new` meets that `seen` has not.

Intermediate states are computed with pyspec's `step` (as the campaign's own
runs are); the generator draws what is inserted.  No processes; the only files
are the corpus directory's.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path

import orjson

from pyspec import codec
from pyspec.generate import ACTION_KINDS, Bias, Scope, next_action
from pyspec.generate.plausible import PTYPES
from pyspec.semantics import step

from .coverage import GROUPS, Coverage
from .findings import write_new
from .jstate import Json

FORMAT = "vcert-corpus/1"
MAX_LENGTH = 50            # derived cases are cut to this many actions
OPERATORS = ("args", "splice", "insert", "drop", "from_state")
UNMET_WEIGHT = 0.5         # weight added to an action kind per obligation of it unmet


@dataclass(frozen=True)
class Entry:
    context: Json
    initial_state: Json
    actions: tuple[Json, ...]
    reached: tuple[str, ...] = ()     # the obligations it met first ("group:name")

    def case_bytes(self) -> bytes:
        return orjson.dumps({"context": self.context, "initial_state": self.initial_state,
                             "actions": list(self.actions)}, option=orjson.OPT_SORT_KEYS)

    @property
    def name(self) -> str:
        """The file name: the hash of the case (not of `reached`)."""
        return hashlib.sha256(self.case_bytes()).hexdigest()[:24]

    def to_json(self) -> dict:
        return {"format": FORMAT, "context": self.context,
                "initial_state": self.initial_state, "actions": list(self.actions),
                "reached": list(self.reached)}

    @classmethod
    def from_json(cls, data: dict) -> Entry:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} entry")
        try:
            return cls(data["context"], data["initial_state"], tuple(data["actions"]),
                       tuple(data.get("reached", ())))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"a {FORMAT} entry without {exc}") from None


class Corpus:
    """Entries in memory, and in `directory` when one is given."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._entries: dict[str, Entry] = {}

    @classmethod
    def load(cls, directory: Path) -> Corpus:
        """The corpus of `directory` (created if missing); a file that is not an
        entry is a one-line ValueError naming it."""
        directory.mkdir(parents=True, exist_ok=True)
        corpus = cls(directory)
        for path in sorted(directory.glob("*.json")):
            try:
                entry = Entry.from_json(orjson.loads(path.read_bytes()))
            except (orjson.JSONDecodeError, ValueError) as exc:
                raise ValueError(f"corpus file {path}: {exc}") from None
            corpus._entries[entry.name] = entry
        return corpus

    @property
    def entries(self) -> list[Entry]:
        """Every entry, in name order."""
        return [self._entries[k] for k in sorted(self._entries)]

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: Entry) -> bool:
        """Keep `entry`; False if the same case is already there (never rewritten)."""
        name = entry.name
        if name in self._entries:
            return False
        self._entries[name] = entry
        if self.directory is not None:
            write_new(self.directory / f"{name}.json",
                      orjson.dumps(entry.to_json()).decode())
        return True


# -- deriving new cases ------------------------------------------------------------


def derive(rng: random.Random, corpus: Corpus, scope: Scope,
           max_length: int = MAX_LENGTH) -> tuple[Json, Json, list[Json]]:
    """A new (context, initial state, actions) from one operator on the corpus
    (which must not be empty)."""
    entries = corpus.entries
    if not entries:
        raise ValueError("derive: the corpus is empty")
    base = rng.choice(entries)
    op = rng.choice(OPERATORS)
    actions = list(base.actions)
    ctx, state = base.context, base.initial_state
    if op == "args" and actions:
        i = rng.randrange(len(actions))
        actions[i] = codec.encode(change_arguments(rng, scope, codec.decode("action",
                                                                            actions[i])))
    elif op == "splice" and len(entries) > 1:
        other = rng.choice(entries)
        actions = actions[:rng.randint(0, len(actions))] + \
            list(other.actions[rng.randint(0, len(other.actions)):])
    elif op == "insert" or not actions:
        i = rng.randint(0, len(actions))
        c, states = _run(ctx, state, actions[:i])
        drawn = [next_action(rng, scope, c, states[-1]) for _ in range(rng.randint(1, 3))]
        actions[i:i] = [codec.encode(a) for a in drawn]
    elif op == "drop":
        i = rng.randrange(len(actions))
        del actions[i:i + rng.randint(1, 3)]
    else:   # from_state: start where the entry's run stands after k actions
        k = rng.randint(0, len(actions))
        _, states = _run(ctx, state, actions[:k])
        state, actions = codec.encode(states[-1]), actions[k:]
    return ctx, state, actions[:max_length]


def _run(ctx: Json, state: Json, actions: list[Json]) -> tuple[object, list[object]]:
    """pyspec's run of `actions`: the context and every state reached."""
    c = codec.decode("context", ctx)
    states = [codec.decode("state", state)]
    for a in actions:
        states.append(step(c, states[-1], codec.decode("action", a)).result_state)
    return c, states


def change_arguments(rng: random.Random, scope: Scope, action: object) -> object:
    """`action` with one argument (of its hypercall, for `Hcall`) redrawn over
    the scope; an action without arguments is kept."""
    names = [f.name for f in fields(action)] if is_dataclass(action) else []
    if not names:
        return action
    name = rng.choice(names)
    value = getattr(action, name)
    if name == "h":
        return replace(action, h=change_arguments(rng, scope, value))
    draw = {"o": lambda: rng.randrange(scope.guests + 3),
            "va": lambda: rng.randrange(scope.vadds),
            "pa": lambda: rng.randrange(scope.padds),
            "v": lambda: rng.randrange(scope.values),
            "t": lambda: rng.choice(PTYPES)}[name]
    return replace(action, **{name: draw()})


# -- bias and novelty ---------------------------------------------------------------


def _kind_of(group: str, name: str) -> str | None:
    """The action kind an obligation is about, if any."""
    head = name.split("/", 1)[0]
    if group in ("cells", "decisions") and head in ACTION_KINDS:
        return head
    if group == "hcall_kinds":
        return "Hcall"
    return None


def bias_for(coverage: Coverage, base: Bias = Bias()) -> Bias:
    """`base` with each action kind weighted up by UNMET_WEIGHT per obligation
    about it that `coverage` has not met."""
    weights = {k: base.weights.get(k, 1.0) for k in ACTION_KINDS}
    for group, names in coverage.missed().items():
        for name in names:
            kind = _kind_of(group, name)
            if kind is not None:
                weights[kind] += UNMET_WEIGHT
    return Bias(error_share=base.error_share, weights=weights)


def novel(seen: Coverage, new: Coverage) -> list[str]:
    """The obligations (`group:name`) `new` meets and `seen` does not."""
    out = []
    for group in GROUPS:
        before = seen.counts(group)
        out += [f"{group}:{name}" for name, n in new.counts(group).items()
                if n and not before[name]]
    return out
