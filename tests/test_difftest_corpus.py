"""The guidance building blocks: the corpus store (append-only,
content-addressed, atomic), the derivation operators, bias and novelty."""

from __future__ import annotations

import json
import random

import pytest

from campaign_helpers import corpus_entry
from pyspec import codec
from pyspec.difftest.corpus import (
    OPERATORS, Corpus, Entry, bias_for, change_arguments, derive, novel,
)
from pyspec.difftest.coverage import Coverage
from pyspec.difftest.decisions import OBLIGATIONS
from pyspec.difftest.scope import Scope
from pyspec.generate import ACTION_KINDS, Bias, generate_state, next_action
from pyspec.model import RET_CTRL, Hcall, New
from pyspec.semantics import first_invalid


def entry(seed: int, length: int = 12) -> Entry:
    return corpus_entry(seed, length, ("cells:Read/Ok",))


def test_entries_persist_append_only_under_their_hash(tmp_path):
    corpus = Corpus.load(tmp_path / "c")
    assert len(corpus) == 0
    e1, e2 = entry(1), entry(2)
    assert corpus.add(e1) and corpus.add(e2)
    assert not corpus.add(e1) and not corpus.add(Entry(e1.context, e1.initial_state,
                                                       e1.actions, ("other",)))
    files = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert files == sorted([f"{e1.name}.json", f"{e2.name}.json"])   # no temporary left
    before = (tmp_path / "c" / files[0]).read_bytes()
    again = Corpus.load(tmp_path / "c")
    assert again.entries == corpus.entries == sorted([e1, e2], key=lambda e: e.name)
    again.add(e1)
    assert (tmp_path / "c" / files[0]).read_bytes() == before
    assert json.loads(before)["format"] == "vcert-corpus/1"


def test_a_bad_corpus_file_is_a_one_line_error(tmp_path):
    (tmp_path / "x.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match=r"corpus file .*x.json: not a vcert-corpus/1 entry"):
        Corpus.load(tmp_path)
    (tmp_path / "x.json").write_text("{nope")
    with pytest.raises(ValueError, match="corpus file"):
        Corpus.load(tmp_path)


def test_derive_is_deterministic_and_independent_of_insertion_order():
    es = [entry(s) for s in range(5)]
    a, b = Corpus(), Corpus()
    for e in es:
        a.add(e)
    for e in reversed(es):
        b.add(e)
    for seed in range(30):
        assert derive(random.Random(seed), a, Scope()) == derive(random.Random(seed), b, Scope())
    with pytest.raises(ValueError, match="empty"):
        derive(random.Random(0), Corpus(), Scope())


def test_derived_cases_are_well_formed_and_start_from_valid_states():
    corpus = Corpus()
    for s in range(4):
        corpus.add(entry(s, 20))
    originals = {tuple(e.context["hyp_window"]) for e in corpus.entries}
    lengths, fresh_states = set(), 0
    for seed in range(120):
        ctx, state, actions = derive(random.Random(seed), corpus, Scope(), max_length=25)
        c, s = codec.decode("context", ctx), codec.decode("state", state)
        assert first_invalid(c, s) is None
        assert tuple(ctx["hyp_window"]) in originals
        for a in actions:
            codec.decode("action", a)
        lengths.add(len(actions))
        fresh_states += all(state != e.initial_state for e in corpus.entries)
        assert len(actions) <= 25
    assert fresh_states > 0 and len(lengths) > 5    # from_state, insert and drop all ran


def test_change_arguments_keeps_the_kind():
    rng = random.Random(4)
    for _ in range(200):
        a = next_action(rng, Scope(), *generate_state(random.Random(1), Scope()))
        b = change_arguments(rng, Scope(), a)
        assert type(b) is type(a)
        if isinstance(a, Hcall):
            assert type(b.h) is type(a.h)
    assert change_arguments(rng, Scope(), RET_CTRL) == RET_CTRL
    moved = {change_arguments(random.Random(i), Scope(), New(0, 1, 2)) for i in range(40)}
    assert all(sum(x != y for x, y in zip((m.o, m.va, m.pa), (0, 1, 2))) <= 1 for m in moved)
    assert len(moved) > 3
    assert set(OPERATORS) == {"args", "splice", "insert", "drop", "from_state"}


def test_bias_weighs_kinds_with_unmet_obligations():
    empty = bias_for(Coverage())
    # Nothing met yet: every kind weighs more than 1 (each has a cell at least).
    assert {k for k, w in empty.weights.items() if w > 1} == set(ACTION_KINDS)
    cov = Coverage()
    for name in [n for n in OBLIGATIONS if n.startswith("Read/")]:
        cov.record_decisions((name,))
    for r in ("Ok", "Wrong_os_activity", "No_access_va_os", "Invalid_vadd", "Wrong_page_type"):
        cov.record(["Read", 1], "Ok" if r == "Ok" else ["Error", r])
    bias = bias_for(cov, Bias(error_share=0.3))
    assert bias.error_share == 0.3
    assert bias.weights["Read"] == 1.0 < bias.weights["Write"]


def test_novel_names_what_is_new():
    seen, new = Coverage(), Coverage()
    seen.record(["Read", 1], "Ok")
    new.record(["Read", 1], "Ok")
    new.record_shapes(["alias"])
    new.record_decisions(("Read/activity/T",))
    assert novel(seen, new) == ["decisions:Read/activity/T", "shapes:alias"]
    assert novel(new, seen) == []
