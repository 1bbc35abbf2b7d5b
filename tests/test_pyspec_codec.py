"""The JSON codec (docs/protocol.md): exact round trips, the documented example,
strict rejection of malformed documents with the JSON path, and the generated
JSON Schema."""

from __future__ import annotations

import json
import random

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyspec import codec, model, schema_json
from pyspec.codec import CodecError
from pyspec.generate import Scope, uniform_action
from pyspec.strategies import states, states_with_actions
from pyspec.model import (
    HYP, NO_OWNER, OTHER, PT, RW, Context, Error, ErrorCode, HC_pin, Hcall, IntMap, Mode,
    Os, OsActivity, OsInfo, Page, Ptype, Result, State, VsProperty, Write,
)
from pyspec.semantics import step

PROTOCOL_EXAMPLE = """
{"active_os": 1, "exec_mode": "Usr", "activity": "Running",
 "oss": [[1, {"curr_page": 0, "hcall": null}]],
 "hyp": [[1, [[0, 0], [1, 1]]]],
 "mem": [[0, {"content": ["PT", [[10, 1]]], "owner": ["Os", 1]}],
         [1, {"content": ["RW", 7], "owner": ["Os", 1]}],
         [2, {"content": "Other", "owner": "No_Owner"}]]}
"""

EXAMPLE_STATE = State(
    1, Mode.Usr, OsActivity.Running, IntMap({1: OsInfo(0, None)}),
    IntMap({1: IntMap({0: 0, 1: 1})}),
    IntMap({0: Page(PT(IntMap({10: 1})), Os(1)), 1: Page(RW(7), Os(1)),
            2: Page(OTHER, NO_OWNER)}))


def test_protocol_example_decodes_to_the_described_state():
    assert codec.loads(State, PROTOCOL_EXAMPLE) == EXAMPLE_STATE
    assert codec.encode(EXAMPLE_STATE) == json.loads(PROTOCOL_EXAMPLE)


@pytest.mark.parametrize("value, data", [
    (Write(5, 42), ["Write", 5, 42]),
    (Hcall(HC_pin(3, Ptype.T_PT)), ["Hcall", ["HC_pin", 3, "T_PT"]]),
    (model.RET_CTRL, "Ret_ctrl"),
    (model.OK, "Ok"),
    (Error(ErrorCode.Invalid_vadd), ["Error", "Invalid_vadd"]),
    (Page(RW(None), HYP), {"content": ["RW", None], "owner": "Hyp"}),
    (Context((100, 101), (0,)), {"hyp_window": [100, 101], "trusted_oss": [0]}),
    (VsProperty.Page_tables_owned, "Page_tables_owned"),
])
def test_values_encode_as_documented(value, data):
    assert codec.encode(value) == data
    assert codec.decode(type(value), data) == value


def test_maps_decode_in_any_order_and_encode_in_ascending_key_order():
    data = [[5, 1], [2, 2], [9, 3]]
    m = codec.decode(model.Page, {"content": ["PT", data], "owner": "Hyp"}).content.m
    assert dict(m) == {5: 1, 2: 2, 9: 3}
    assert codec.encode(Page(PT(m), HYP))["content"] == ["PT", [[2, 2], [5, 1], [9, 3]]]


def test_association_lists_encode_in_their_own_order():
    assert codec.encode_alist(model.IntMap([(5, 1), (2, 2), (9, 3)])) == [[5, 1], [2, 2], [9, 3]]


@settings(max_examples=60, deadline=None)
@given(states_with_actions(Scope(guests=3, pages=10), length=6, error_share=0.3))
def test_round_trip_of_generated_states_actions_and_results(case):
    ctx, s, actions = case
    for kind, value in [(Context, ctx), (State, s),
                        *((model.Action, a) for a in actions),
                        *((Result, step(ctx, s, a)) for a in actions)]:
        text = codec.dumps(value)
        back = codec.loads(kind, text)
        assert back == value
        assert codec.dumps(back) == text


def test_round_trip_of_uniform_actions():
    rng = random.Random(7)
    for _ in range(300):
        a = uniform_action(rng, Scope())
        assert codec.decode(model.Action, json.loads(codec.dumps(a))) == a


@pytest.mark.parametrize("kind, text, path, expected", [
    (model.Action, '["Write", 1]', "$", "with 2 argument(s)"),
    (model.Action, '["Write", 1, 2, 3]', "$", "with 2 argument(s)"),
    (model.Action, '["Fly", 1]', "$[0]", "a constructor of action"),
    (model.Action, '"Read"', "$", '["Read", ...]'),
    (model.Action, '["Chmod"]', "$", '"Chmod"'),
    (model.Action, '["Write", true, 2]', "$[1]", "natural number"),
    (model.Action, '["Write", 1, -2]', "$[2]", "natural number"),
    (model.Action, '["Write", 1, 2.0]', "$[2]", "natural number"),
    (model.Action, '["Write", 4611686018427387904, 0]', "$[1]", "below 2^62"),
    (model.Action, '["Hcall", ["HC_pin", 1, "T_XX"]]', "$[1][2]", '"T_RW", "T_PT"'),
    (model.Action, '{"Read": 1}', "$", "an action: "),
    (Context, '{"hyp_window": []}', "$.trusted_oss", "missing"),
    (Context, '{"hyp_window": [], "trusted_oss": [], "x": 0}', "$.x", "unknown field"),
    (Context, '{"hyp_window": 3, "trusted_oss": []}', "$.hyp_window", "an array"),
    (State, PROTOCOL_EXAMPLE.replace('[1, 1]]]]', '[0, 1]]]]'), "$.hyp[0][1][1][0]",
     "distinct map keys"),
    (State, PROTOCOL_EXAMPLE.replace('["Os", 1]}],\n         [1,', '["Os"]}],\n [1,'),
     "$.mem[0][1].owner", "with 1 argument(s)"),
    (State, PROTOCOL_EXAMPLE.replace('[[10, 1]]', '[[10, 1, 2]]'),
     "$.mem[0][1].content[1][0]", "[key, value] pair"),
    (State, PROTOCOL_EXAMPLE.replace('"Running"', '"running"'), "$.activity",
     '"Running", "Waiting"'),
    (State, PROTOCOL_EXAMPLE.replace('"hcall": null', '"hcall": ["HC_del"]'),
     "$.oss[0][1].hcall", "with 1 argument(s)"),
    (State, '{"active_os": 1, "active_os": 1}', "$", "repeated fields"),
    (State, '{"active_os": NaN}', "$", "well-formed JSON"),
    (State, '{"active_os": ', "$", "well-formed JSON"),
    (State, "[" * 100_000, "$", "nesting depth"),
])
def test_malformed_documents_are_rejected_with_their_path(kind, text, path, expected):
    with pytest.raises(CodecError) as info:
        codec.loads(kind, text)
    assert info.value.path == path
    assert expected in str(info.value)
    assert str(info.value).startswith(f"at {path}: expected")


def test_state_document_with_or_without_context():
    bare = codec.decode_state_document(json.loads(PROTOCOL_EXAMPLE))
    assert bare.context is None and bare.state == EXAMPLE_STATE
    ctx = {"hyp_window": [100], "trusted_oss": []}
    both = codec.decode_state_document({"context": ctx, "state": json.loads(PROTOCOL_EXAMPLE)})
    assert both.context == Context((100,), ())
    with pytest.raises(CodecError) as info:
        codec.decode_state_document({"state": json.loads(PROTOCOL_EXAMPLE), "trace": []})
    assert info.value.path == "$.trace"
    with pytest.raises(CodecError) as info:
        codec.decode_state_document({"context": {"hyp_window": []}, "state": {}})
    assert info.value.path == "$.context.trusted_oss"


# --- JSON Schema -----------------------------------------------------------------


def test_shipped_schema_is_a_fresh_generation():
    assert schema_json.SHIPPED.read_text(encoding="utf-8") == schema_json.render()


def _validator(type_name: str) -> jsonschema.Draft202012Validator:
    schema = schema_json.generate()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/$defs/{type_name}", "$defs": schema["$defs"]})


@settings(max_examples=25, deadline=None)
@given(states(Scope(guests=2, pages=8)))
def test_generated_states_satisfy_the_schema(case):
    ctx, s = case
    assert _validator("state").is_valid(codec.encode(s))
    assert _validator("context").is_valid(codec.encode(ctx))


@pytest.mark.parametrize("type_name, data", [
    ("action", ["Write", 1]),
    ("action", ["Write", -1, 2]),
    ("action", "Fly"),
    ("page", {"content": "Other"}),
    ("page", {"content": "Other", "owner": "Hyp", "extra": 1}),
    ("page_owner", ["Os", 2**62]),
])
def test_schema_rejects_what_the_codec_rejects(type_name, data):
    assert not _validator(type_name).is_valid(data)
    with pytest.raises(CodecError):
        codec.decode(type_name, data)


def test_decoding_as_one_constructor_rejects_the_others():
    assert codec.decode(Write, ["Write", 1, 2]) == Write(1, 2)
    with pytest.raises(CodecError) as info:
        codec.decode(Write, ["Read", 1])
    assert str(info.value) == "at $: expected the constructor Write, got an array of length 2"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**63) | st.floats(allow_nan=False)
    | st.sampled_from(["Read", "Os", "RW", "PT", "Hyp", "Usr", "Running", "x"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["state", "content", "owner", "curr_page", "x"]),
                      inner, max_size=3),
    max_leaves=12)


def _paths(data, path=()):
    yield path
    if isinstance(data, list):
        for i, x in enumerate(data):
            yield from _paths(x, path + (i,))
    elif isinstance(data, dict):
        for k, x in data.items():
            yield from _paths(x, path + (k,))


def _replace_at(data, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, list):
        return [(_replace_at(x, rest, new) if i == head else x) for i, x in enumerate(data)]
    return {k: (_replace_at(x, rest, new) if k == head else x) for k, x in data.items()}


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False), JSON_VALUES)
def test_corrupted_documents_decode_or_raise_codec_error(rng, junk):
    data = json.loads(PROTOCOL_EXAMPLE)
    path = rng.choice(list(_paths(data)))
    corrupted = _replace_at(data, path, junk)
    try:
        codec.decode(State, corrupted)
    except CodecError as err:
        assert err.path.startswith("$")
