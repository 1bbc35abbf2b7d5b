"""The data model: persistent maps, immutability, and the one-to-one mapping
with the Coq definitions (constructor, argument and field names, in order)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyspec import model
from pyspec.model import IntMap, OsInfo, Read

from intmap_versions import versions

COQ = Path(__file__).resolve().parent.parent / "coq"
COQ_FILES = ["Model.v", "Actions.v", "Errors.v", "ValidDec.v"]


def coq_source() -> str:
    text = "\n".join((COQ / name).read_text() for name in COQ_FILES)
    return re.sub(r"\(\*.*?\*\)", "", text, flags=re.S)


def coq_inductives() -> dict[str, list[tuple[str, list[str]]]]:
    """Coq inductive name -> [(constructor, [argument names])]."""
    found = {}
    for name, body in re.findall(r"Inductive\s+(\w+)\s*:=(.*?)\.\s*$", coq_source(),
                                 flags=re.S | re.M):
        ctors = []
        for ctor in re.split(r"\|", body):
            ctor = ctor.strip()
            if ctor:
                head = ctor.split()[0]
                args = [a for group in re.findall(r"\(([^:]+):", ctor) for a in group.split()]
                ctors.append((head, args))
        found[name] = ctors
    return found


def coq_records() -> dict[str, list[str]]:
    return {name: re.findall(r"(\w+)\s*:", body)
            for name, body in re.findall(r"Record\s+(\w+)\s*:=\s*\w+\s*\{(.*?)\}",
                                         coq_source(), flags=re.S)}


def test_every_coq_inductive_has_its_python_counterpart_in_order():
    inductives = coq_inductives()
    assert set(inductives) == set(model.INDUCTIVES) | set(model.ENUMS)
    for name, ctors in inductives.items():
        if name in model.ENUMS:
            assert [m.name for m in model.ENUMS[name]] == [c for c, _ in ctors]
            assert all(m.value == m.name for m in model.ENUMS[name])
            assert all(args == [] for _, args in ctors)
        else:
            classes = model.INDUCTIVES[name]
            assert [(c.TAG, [f.name for f in dataclasses.fields(c)]) for c in classes] == ctors
            assert all(c.__name__ == c.TAG for c in classes)


def test_every_coq_record_has_its_fields_in_order():
    records = coq_records()
    assert set(records) == set(model.RECORDS)
    for name, fields in records.items():
        assert [f.name for f in dataclasses.fields(model.RECORDS[name])] == fields


def test_model_values_are_immutable():
    info = OsInfo(0, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.curr_page = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        IntMap({1: 2})[3] = 4  # type: ignore[index]


def test_intmap_updates_are_persistent_and_keep_coq_order():
    m = IntMap({5: "a", 2: "b"})
    m2 = m.set(9, "c").set(5, "z")
    assert list(m2.items()) == [(5, "z"), (2, "b"), (9, "c")]   # replaced in place
    assert dict(m) == {5: "a", 2: "b"}
    m3 = m2.remove(2)
    assert list(m3) == [5, 9] and 2 in m2
    assert m2.remove(42) is m2
    assert IntMap({1: 2, 3: 4}) == IntMap({3: 4, 1: 2})          # extensional, like meq
    assert hash(IntMap({1: 2, 3: 4})) == hash(IntMap({3: 4, 1: 2}))
    assert IntMap({1: 2}) != IntMap({1: 3})


_OPS = st.lists(st.tuples(st.booleans(), st.integers(0, 6), st.integers(0, 3)), max_size=25)


@given(_OPS)
def test_intmap_reads_follow_a_dict_along_persistent_updates(ops):
    """The read methods (the dict's own, bound per map) see each map's own
    entries, after any updates of it or of the maps it came from."""
    history = versions(IntMap(), ops)
    for old, expected in history:
        assert list(old.items()) == list(expected.items())
        assert list(old.keys()) == list(expected)
        assert list(old.values()) == list(expected.values())
        assert [old.get(k) for k in range(7)] == [expected.get(k) for k in range(7)]
        assert old.get(99, "none") == "none" and len(old) == len(expected)
        for back in (pickle.loads(pickle.dumps(old)), copy.deepcopy(old), copy.copy(old)):
            assert back == old and hash(back) == hash(old)
            assert list(back.items()) == list(old.items()) and back.get(0) == old.get(0)


def test_constructors_compare_by_value():
    assert Read(3) == Read(3) and Read(3) != Read(4)
    assert model.Other() == model.OTHER and model.Hyp() != model.No_Owner()
    assert model.VsProperty.Accessible_mappings_physical.number == 8
