"""The driver reads a request two ways: straight from the lexer (fast, no
JSON tree) and, when that gives up, by decoding the JSON tree (with paths for
its error messages).  The two must agree: every request the fast reader
accepts, the tree decoder accepts as the same request; a line the tree decoder
refuses, the fast reader gives up on (so the error is the tree decoder's); and
the usual requests (any field order, white space or comments) never need the
tree.  Checked with tests/ocaml/readings.ml, built against the driver's
sources, on generated requests and on mutated and truncated ones."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from pyspec import codec
from pyspec.cache import codec as ccodec
from pyspec.generate import DEFAULT_SCOPE, SMALL_SCOPE, Scope, generate_state, uniform_action
from pyspec.model import Action, Context, State

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "extract" / name for name in
           ("vcert.mli", "vcert.ml", "driver/guard.ml", "driver/codec.ml", "driver/server.ml")]
PROBE = ROOT / "tests" / "ocaml" / "readings.ml"
VALID_REQUESTS = 300
MUTANTS_PER_REQUEST = 3

Json = Any

pytestmark = pytest.mark.skipif(shutil.which("ocamlfind") is None, reason="needs ocamlfind")


@pytest.fixture(scope="module")
def readings(tmp_path_factory) -> Path:
    """The probe, built in a scratch directory."""
    build = tmp_path_factory.mktemp("readings")
    for source in [*SOURCES, PROBE]:
        shutil.copy(source, build)
    done = subprocess.run(["ocamlfind", "ocamlopt", "-package", "yojson", "-linkpkg",
                           *[p.name for p in [*SOURCES, PROBE]], "-o", "readings"],
                          cwd=build, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return build / "readings"


def read_both(probe: Path, lines: list[str]) -> list[dict[str, Json]]:
    """Each line's two readings (see tests/ocaml/readings.ml)."""
    done = subprocess.run([str(probe)], input="".join(line + "\n" for line in lines),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    out = [json.loads(row) for row in done.stdout.splitlines()]
    assert len(out) == len(lines)
    return out


# ---- requests ----------------------------------------------------------------------------------


def _id(rng: random.Random) -> Json:
    return rng.choice([0, 17, "req-é", None, [1, {"k": "v"}], {"nested": [True, 2.5]}])


def _cstate(rng: random.Random, state: Json) -> Json:
    mem = state["mem"]
    cache = [[ma, page] for ma, page in rng.sample(mem, min(len(mem), rng.randint(0, 3)))]
    tlb = [[va, rng.randrange(16)] for va in rng.sample(range(8), rng.randint(0, 3))]
    return {"hv": state, "cache": cache, "tlb": tlb}


def request(rng: random.Random, scope: Scope) -> dict[str, Json]:
    """A well-formed request of a random op on a generated state."""
    ctx, s = generate_state(rng, scope)
    context, state = codec.encode(ctx), codec.encode(s)
    actions = [codec.encode(uniform_action(rng, scope)) for _ in range(rng.randint(0, 6))]
    op = rng.choice(["ping", "valid", "pre", "run", "run", "run_cache"])
    fields: dict[str, Json] = {"op": op, "id": _id(rng)}
    if op != "ping":
        fields["context"] = context
        fields["state"] = _cstate(rng, state) if op == "run_cache" else state
    if op == "pre":
        fields["action"] = codec.encode(uniform_action(rng, scope))
    if op in ("run", "run_cache"):
        fields["actions"] = actions
        if rng.random() < 0.7:
            fields["states"] = rng.random() < 0.5
    if op == "run_cache":
        fields["cache"] = {"cache_size": rng.randint(0, 4), "tlb_size": rng.randint(0, 4),
                           "flush_on_switch": rng.random() < 0.5}
    order = list(fields)
    rng.shuffle(order)  # "op" often comes after "state"
    return {name: fields[name] for name in order}


def layout(rng: random.Random, data: Json) -> str:
    """`data` as one line, compact or spaced, sometimes with comments and tabs
    between tokens (the requests hold no commas or colons inside strings)."""
    text = json.dumps(data, ensure_ascii=rng.random() < 0.5,
                      separators=rng.choice([(",", ":"), (", ", ": ")]))
    if rng.random() < 0.3:
        text = text.replace(",", rng.choice([", /* c */ ", ",\t", " ,\r "]))
    return text


def valid_lines(seed: int) -> Iterator[tuple[dict[str, Json], str]]:
    rng = random.Random(seed)
    for _ in range(VALID_REQUESTS):
        data = request(rng, rng.choice([SMALL_SCOPE, DEFAULT_SCOPE]))
        yield data, layout(rng, data)


def as_model(data: dict[str, Json]) -> dict[str, Json]:
    """A request's fields as pyspec's model values, so that maps compare as
    maps, whatever the order of their bindings."""
    decoders = {"context": lambda d: codec.decode(Context, d),
                "state": (ccodec.decode_cstate if data["op"] == "run_cache"
                          else lambda d: codec.decode(State, d)),
                "action": lambda d: codec.decode(Action, d),
                "actions": lambda d: [codec.decode(Action, a) for a in d],
                "cache": ccodec.decode_config}
    return {k: decoders[k](v) if k in decoders else v for k, v in data.items()}


# ---- mutations ---------------------------------------------------------------------------------


def _nodes(data: Json, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _nodes(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _nodes(v, path + (i,))


def _get(data: Json, path: tuple) -> Json:
    for step in path:
        data = data[step]
    return data


def _replace(rng: random.Random, value: Json) -> Json:
    """A value of a nearby wrong (or, for -0 and reordering, right) form."""
    if isinstance(value, bool):
        return rng.choice([str(value).lower(), 1, None])
    if isinstance(value, int):
        return rng.choice([str(value), -value - 1, value + 0.5, float(value), 2 ** 70, True, None,
                           [value]])
    if isinstance(value, str):
        return rng.choice([value.lower(), value + "_", "", [value], [value, 0], None])
    if isinstance(value, list):
        return rng.choice([value[:-1], value + value[-1:], value[::-1], {"x": value}, "x"])
    if isinstance(value, dict):
        keys = list(value)
        return rng.choice([{k: value[k] for k in keys[1:]}, {**value, "extra": 1},
                           {k: value[k] for k in reversed(keys)}, list(value.values())])
    return rng.choice([0, "null", []])


def mutate_value(rng: random.Random, data: Json) -> str:
    data = json.loads(json.dumps(data))
    path = rng.choice(list(_nodes(data)))
    if not path:
        return json.dumps(rng.choice([[data], data.get("op"), 1]))
    parent = _get(data, path[:-1])
    parent[path[-1]] = _replace(rng, parent[path[-1]])
    return json.dumps(data)


def mutate_text(rng: random.Random, text: str) -> str:
    """Byte-level damage: a cut, a changed, lost or extra character, a
    repeated field, a field name unquoted (yojson takes it), a quoted or
    signed number."""
    i = rng.randrange(len(text))
    kind = rng.randrange(7)
    if kind == 0:
        return text[:i]
    if kind == 1:
        return text[:i] + rng.choice('[]{},:"0- /*tfn\\') + text[i + 1:]
    if kind == 2:
        return text[:i] + text[i + 1:]
    if kind == 3:
        return text[:i] + rng.choice('[]{},:"0-9 /e.') + text[i:]
    if kind == 4:  # repeat the first field of an object that starts after i
        start = text.find('{"', i)
        end = text.find(",", start)
        if start < 0 or end < 0:
            return text + " x"
        return text[:end + 1] + text[start + 1:end + 1] + text[end + 1:]
    if kind == 5:
        start = text.find('{"', i)
        end = text.find('":', start)
        if start < 0 or end < 0:
            return "{" + text
        return text[:start + 1] + text[start + 2:end] + text[end + 1:]
    digits = [j for j in range(i, len(text)) if text[j].isdigit() and not text[j - 1].isdigit()]
    if not digits:
        return text[:-1]
    j = digits[0]
    k = j
    while k < len(text) and text[k].isdigit():
        k += 1
    return text[:j] + rng.choice(['"' + text[j:k] + '"', "-" + text[j:k], "0" + text[j:k],
                                   text[j:k] + "e0", text[j:k] + ".0"]) + text[k:]


# ---- the checks --------------------------------------------------------------------------------


def test_the_fast_reader_reads_every_generated_request_as_the_tree_decoder_does(readings) -> None:
    cases = list(valid_lines(seed=13))
    for (data, line), both in zip(cases, read_both(readings, [line for _, line in cases])):
        assert both["fast"] is not None, f"the fast reader gave up on a plain request: {line[:300]}"
        assert both["fast"] == both["tree"], line[:300]
        expected = dict(data)
        if data["op"] in ("run", "run_cache"):
            expected.setdefault("states", False)
        assert as_model(both["tree"]) == as_model(expected), line[:300]  # what was written


def test_the_readings_agree_on_damaged_requests(readings) -> None:
    rng = random.Random(1913)
    lines = []
    for data, line in valid_lines(seed=7):
        for _ in range(MUTANTS_PER_REQUEST):
            lines.append(mutate_value(rng, data) if rng.random() < 0.5 else mutate_text(rng, line))
    tally = {"fast": 0, "tree only": 0, "refused": 0, "guard": 0}
    for line, both in zip(lines, read_both(readings, lines)):
        if "guard" in both:
            tally["guard"] += 1
        elif "error" in both["tree"]:
            assert both["fast"] is None, f"the fast reader took a line the tree decoder refuses: {line}"
            tally["refused"] += 1
        elif both["fast"] is None:
            tally["tree only"] += 1
        else:
            assert both["fast"] == both["tree"], line
            tally["fast"] += 1
    # The damage must exercise all three outcomes, or the test proves little.
    assert tally["refused"] > len(lines) // 2 and tally["fast"] > 20 and tally["tree only"] > 5, tally


@pytest.mark.parametrize("line", [
    '{"id": 1, "op": "ping"}',
    '{"op" : "ping" , "id" : 1 } ',
    '{"id": 1, /* a comment */ "op": "ping"} // and another',
    '{"id": 1, "op": "valid", "context": {"hyp_window": [], "trusted_oss": []}, '
    '"state": {"active_os": 0, "exec_mode": "Usr", "activity": "Running", "oss": [], "hyp": [], '
    '"mem": [[2, {"content": "Other", "owner": "No_Owner"}], [1, {"owner": "Hyp", "content": '
    '["RW", null]}]]}}',
])
def test_plain_forms_are_read_fast(readings, line: str) -> None:
    (both,) = read_both(readings, [line])
    assert both["fast"] is not None and both["fast"] == both["tree"]


@pytest.mark.parametrize("line", [
    '{"id": 1, "op": "ping", "id": 2}',        # a repeated field
    '{id: 1, "op": "ping"}',                   # yojson's unquoted name: the tree decoder's business
    '{"id": 1, "op": "run", "context": {"hyp_window": ["3"], "trusted_oss": []}}',
    '{"id": 1, "op": "pre", "context": {"hyp_window": [-0], "trusted_oss": []}}',
    '{"id": 1, "op": "valid", "context": {"hyp_window": [], "trusted_oss": []}, '
    '"state": {"active_os": 0, "exec_mode": "Usr", "activity": "Running", "oss": [], "hyp": [], '
    '"mem": [[1, {"content": "Other", "owner": "Hyp"}], [1, {"content": "Other", "owner": "Hyp"}]]}}',
    '{"id": 1, "op": "ping", "states": true}',
    '{"id": NaN, "op": "ping"}',
])
def test_the_fast_reader_leaves_other_forms_to_the_tree(readings, line: str) -> None:
    (both,) = read_both(readings, [line])
    assert both["fast"] is None
