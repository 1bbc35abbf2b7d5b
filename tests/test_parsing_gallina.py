"""The Gallina declaration parser: golden ASTs, errors, the model, the standard library."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyspec.parsing import gallina_ast as G
from pyspec.parsing.errors import ParseError
from pyspec.parsing.gallina import parse_gallina, parse_gallina_file, parse_gallina_term, split_sentences
from pyspec.parsing.walk import to_data

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "coq" / "Model.v"


def coq_theories() -> Path:
    where = subprocess.run(["coqc", "-where"], capture_output=True, text=True, check=True).stdout.strip()
    return Path(where) / "theories"


def decls(src: str) -> tuple[G.Declaration, ...]:
    return parse_gallina(src, "t.v").declarations


# ---- sentences and comments ----------------------------------------------------------


def test_sentences_end_at_a_dot_before_a_blank_outside_comments_and_strings() -> None:
    src = 'Definition a := Nat.add 1 2. (* a. (* b. *) c. *) Definition b := "x. y".\nCheck a.'
    texts = [s.text.strip() for s in split_sentences(src)]
    assert texts[0] == "Definition a := Nat.add 1 2"
    assert texts[1].startswith("Definition b") and texts[1].endswith('"x. y"')
    assert "a." not in texts[1].split("Definition")[0]
    assert texts[2] == "Check a"


def test_proofs_and_other_vernacular_are_skipped_and_counted() -> None:
    src = """
Require Import List.
Lemma l : True.
Proof. intros. { exact I. }
Qed.
Notation "x ++ y" := (app x y).
Inductive t := A.
"""
    doc = parse_gallina(src)
    assert [type(d).__name__ for d in doc.declarations] == ["Inductive"]
    assert doc.skipped == 7


# ---- inductives ------------------------------------------------------------------------


def test_inductive_with_parameters_indices_and_where_notation() -> None:
    (ind,) = decls("""
Inductive le (n : nat) : nat -> Prop :=
  | le_n : n <= n
  | le_S : forall m : nat, n <= m -> n <= S m
where "n <= m" := (le n m) : nat_scope.
""")
    assert isinstance(ind, G.Inductive) and ind.kind == "Inductive"
    (body,) = ind.bodies
    assert body.params == (G.Binder(("n",), G.Ref("nat")),)
    assert body.arity == G.Arrow(G.Ref("nat"), G.Ref("Prop"))
    assert [c.name for c in body.constructors] == ["le_n", "le_S"]
    le_s = body.constructors[1].type
    assert to_data(le_s) == ["Forall", [["Binder", ["m"], ["Ref", "nat", False], "explicit", None]],
                             ["Arrow", ["Notation", [["Ref", "n", False], "<=", ["Ref", "m", False]]],
                              ["Notation", [["Ref", "n", False], "<=",
                                            ["App", ["Ref", "S", False], [["Ref", "m", False]]]]]]]
    assert body.notations == (G.WhereNotation('"n <= m"', G.App(G.Ref("le"), (G.Ref("n"), G.Ref("m"))),
                                              "nat_scope"),)


def test_mutual_inductives_and_binder_constructors_with_positions() -> None:
    src = "\n\nInductive tree (A : Type) :=\n  | node (x : A) (f : forest A)\nwith forest (A : Type) :=\n  | nil_f | cons_f : tree A -> forest A -> forest A."
    (ind,) = decls(src)
    assert [b.name for b in ind.bodies] == ["tree", "forest"]
    tree, forest = ind.bodies
    assert (tree.line, tree.column) == (3, 11)
    node = tree.constructors[0]
    assert node.binders == (G.Binder(("x",), G.Ref("A")), G.Binder(("f",), G.App(G.Ref("forest"), (G.Ref("A"),))))
    assert node.type is None and (node.line, node.column) == (4, 5)
    assert [(c.name, c.type is None) for c in forest.constructors] == [("nil_f", True), ("cons_f", False)]


def test_variant_coinductive_attributes_and_modifiers() -> None:
    src = "#[universes(template)] Variant v := V1 | V2.\nLocal CoInductive s (A:Set) : Set := Cons : A -> s A -> s A."
    v, s = decls(src)
    assert v.kind == "Variant" and [c.name for c in v.bodies[0].constructors] == ["V1", "V2"]
    assert s.kind == "CoInductive" and s.bodies[0].params == (G.Binder(("A",), G.Ref("Set")),)


def test_empty_inductive_and_implicit_and_class_binders() -> None:
    f, e = decls("Inductive False : Prop :=.\nInductive eqx {A : Type} `{Eq A} [x : A] : A -> Prop := r : eqx x x.")
    assert f.bodies[0].constructors == ()
    params = e.bodies[0].params
    assert params[0] == G.Binder(("A",), G.Ref("Type"), "implicit")
    assert isinstance(params[1], G.ClassBinder)
    assert params[2] == G.Binder(("x",), G.Ref("A"), "implicit")


# ---- records ------------------------------------------------------------------------------


def test_record_fields_constructor_and_coercion() -> None:
    (r,) = decls("Record page := mk_page {\n  content : page_content;\n  owner :> page_owner\n}.")
    assert isinstance(r, G.Record) and (r.kind, r.name, r.constructor) == ("Record", "page", "mk_page")
    assert [(f.name, f.sep, f.type) for f in r.fields] == [
        ("content", ":", G.Ref("page_content")), ("owner", ":>", G.Ref("page_owner"))]
    assert (r.fields[1].line, r.fields[1].column) == (3, 3)


def test_structure_with_parameters_sort_and_no_constructor_name() -> None:
    (r,) = decls("Structure pack (T : Type) : Type := { sort :> T -> Prop; op (x : T) : T := x }.")
    assert (r.kind, r.constructor, r.sort) == ("Structure", None, G.Ref("Type"))
    assert r.params == (G.Binder(("T",), G.Ref("Type")),)
    op = r.fields[1]
    assert op.binders == (G.Binder(("x",), G.Ref("T")),) and op.default == G.Ref("x")


# ---- definitions and fixpoints ------------------------------------------------------------


def test_definition_header_binders_type_and_body_text() -> None:
    (d,) = decls("Definition set_oss (s : state) (m : map os_info) : state :=\n  mk_state (active_os s) m.")
    assert isinstance(d, G.Definition)
    assert d.binders == (G.Binder(("s",), G.Ref("state")),
                         G.Binder(("m",), G.App(G.Ref("map"), (G.Ref("os_info"),))))
    assert d.type == G.Ref("state") and d.body == "mk_state (active_os s) m"


def test_definition_with_let_in_its_type_and_a_proof_instead_of_a_body() -> None:
    d, e = decls("Definition f a b : let (q, r) := g a b in q = r := h.\nDefinition e : nat.\nProof. exact 0. Defined.")
    assert isinstance(d.type, G.LetIn) and d.type.names == ("q", "r") and d.body == "h"
    assert e.body is None and e.type == G.Ref("nat")


def test_fixpoint_header_with_struct_annotation() -> None:
    (f,) = decls("Fixpoint lookup {V} (m : map V) (k : nat) {struct m} : option V :=\n  match m with [] => None | _ => None end.")
    assert isinstance(f, G.Fixpoint) and f.struct == "m"
    assert f.binders[0] == G.Binder(("V",), None, "implicit")
    assert f.type == G.App(G.Ref("option"), (G.Ref("V"),))
    assert f.body.startswith("match m with")


def test_mutual_fixpoints_give_one_header_per_body() -> None:
    size, fsize, g = decls("""Fixpoint size {A} (t : tree A) : nat :=
  match t with Leaf => 0 | Node l _ r => size l + 1 + size r end
with fsize {A} (f : forest A) {struct f} : nat :=
  match f with Nil => 0 | Cons t f => size t + fsize f end.
CoFixpoint g (n : nat) := let fix h m := m with k p := p for h in h n.""")
    assert (size.name, size.kind, size.body) == ("size", "Fixpoint",
                                                 "match t with Leaf => 0 | Node l _ r => size l + 1 + size r end")
    assert (fsize.name, fsize.kind, fsize.struct, fsize.line, fsize.column) == ("fsize", "Fixpoint", "f", 3, 6)
    assert fsize.binders[1] == G.Binder(("f",), G.App(G.Ref("forest"), (G.Ref("A"),)))
    assert (g.kind, g.body) == ("CoFixpoint", "let fix h m := m with k p := p for h in h n")


def test_terms_forall_fun_match_cast_and_scopes() -> None:
    t = parse_gallina_term("forall (A B : Type) (x : A), (fun y : B => match y with _ => x end) = @id A x%type")
    assert isinstance(t, G.Forall) and t.binders[0] == G.Binder(("A", "B"), G.Ref("Type"))
    body = t.body
    assert isinstance(body, G.Notation) and body.parts[1] == "="
    lam = body.parts[0]
    assert isinstance(lam, G.Lambda) and lam.binders == (G.Binder(("y",), G.Ref("B")),)
    assert isinstance(lam.body, G.Match)
    assert body.parts[2] == G.App(G.Ref("id", explicit=True), (G.Ref("A"), G.Scoped(G.Ref("x"), "type")))


# ---- errors --------------------------------------------------------------------------------


def error_of(src: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_gallina(src, "bad.v")
    return info.value


def test_errors_carry_file_line_column_and_expected() -> None:
    err = error_of("Definition ok := 1.\n\nInductive t : Type :=\n  | A : -> t.")
    assert (err.path, err.line, err.column) == ("bad.v", 4, 9)
    assert "'->'" in err.message and err.expected


def test_keywords_are_not_names_and_mixed_binders_before_a_colon_are_rejected() -> None:
    err = error_of("Inductive t := C (x : forall).")
    assert (err.line, err.column) == (1, 29) and "')'" in err.message
    err = error_of("Inductive t := C : forall (x : nat) y : nat, t.")
    assert "bare names" in err.message and err.line == 1


def test_unterminated_comment_string_and_sentence() -> None:
    assert error_of("Definition a := 1. (* open").message == "unterminated comment"
    assert error_of('Definition a := "open.').message == "unterminated string"
    err = error_of("Definition a := 1.\nDefinition b := 2")
    assert err.message == "sentence without a final '.'" and (err.line, err.column) == (2, 1)


GALLINA_ALPHABET = st.sampled_from(
    "Inductive Record Definition Fixpoint := : | ( ) { } [ ] forall fun => -> , . x y nat Type _ * = (* *) \" ;".split(" "))


@settings(max_examples=300, deadline=None)
@given(st.lists(GALLINA_ALPHABET, max_size=40))
def test_arbitrary_token_soup_never_crashes(parts: list[str]) -> None:
    try:
        parse_gallina(" ".join(parts) + " .")
    except ParseError as e:
        assert e.line >= 1 and e.column >= 1


# ---- the model and the standard library ----------------------------------------------------


def test_model_file_declarations() -> None:
    doc = parse_gallina_file(MODEL)
    by_name = {}
    for d in doc.declarations:
        if isinstance(d, G.Inductive):
            for b in d.bodies:
                by_name[b.name] = b
        else:
            by_name[d.name] = d
    hc = by_name["hyper_call"]
    assert [(c.name, [n for b in c.binders for n in b.names]) for c in hc.constructors] == [
        ("HC_new", ["va", "pa"]), ("HC_del", ["va"]), ("HC_lswitch", ["pa"]),
        ("HC_pin", ["pa", "t"]), ("HC_unpin", ["pa"])]
    state = by_name["state"]
    assert isinstance(state, G.Record) and state.constructor == "mk_state"
    assert [f.name for f in state.fields] == ["active_os", "exec_mode", "activity", "oss", "hyp", "mem"]
    assert by_name["vadd"].body == "nat"


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "coq").glob("*.v")))
def test_every_project_coq_file_parses(name: str) -> None:
    parse_gallina_file(ROOT / "coq" / name)


def test_every_standard_library_file_parses() -> None:
    files = sorted(coq_theories().rglob("*.v"))
    assert len(files) > 300
    counted = 0
    for f in files:
        doc = parse_gallina_file(f)
        counted += sum(isinstance(d, (G.Inductive, G.Record)) for d in doc.declarations)
    source_count = sum(len(re.findall(r"(?m)^\s*(?:#\[[^\]]*\]\s*)?(?:(?:Local|Global|Polymorphic|Monomorphic|"
                                      r"Cumulative|NonCumulative|Private|Program)\s+)*"
                                      r"(?:Inductive|CoInductive|Variant|Record|Structure|Class)\s",
                                      re.sub(r"\(\*.*?\*\)", "", f.read_text(encoding="utf-8"), flags=re.S)))
                       for f in files)
    # Every declaration the text shows at a line start is among the parsed ones
    # (the parser also finds ones that do not start a line).
    assert counted >= source_count > 300


# Constructor lists from `Print`, for a sample of the standard library.
PRINT_SAMPLE = {
    "Init/Datatypes.v": ["nat", "list", "option", "comparison", "prod", "sum"],
    "Init/Specif.v": ["sumbool", "sig", "sigT"],
    "Init/Logic.v": ["ex", "eq", "or"],
    "Init/Peano.v": ["le"],
    "Init/Wf.v": ["Acc"],
    "Numbers/BinNums.v": ["positive", "Z", "N"],
    "Lists/List.v": ["Forall", "NoDup"],
    "Logic/StrictProp.v": ["Ssig"],
    "Logic/ExtensionalityFacts.v": ["Delta"],
}


def _printed_constructors(text: str) -> list[str]:
    head, _, rest = text.partition(":=")
    if head.lstrip().startswith("Record"):
        return re.findall(r"(?:\{|;)\s*([A-Za-z_][\w']*)\s*:", rest)
    body = rest.split("\n\n")[0]
    return re.findall(r"(?:^|\|)\s*([A-Za-z_][\w']*)\s*:", body)


@pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not installed")
def test_constructor_lists_agree_with_coq_print(tmp_path: Path) -> None:
    theories = coq_theories()
    names = [(f, n) for f, ns in PRINT_SAMPLE.items() for n in ns]
    # `Check` of a marker string separates the outputs of the `Print`s.
    script = "From Coq Require Import String List StrictProp ExtensionalityFacts BinNums.\n" + "".join(
        f'Print Coq.{f[:-2].replace("/", ".")}.{n}.\nCheck "@@@"%string.\n' for f, n in names)
    (tmp_path / "p.v").write_text(script)
    out = subprocess.run(["coqc", "p.v"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    chunks = [re.sub(r"^\s*: string\n", "", c) for c in out.stdout.split('"@@@"%string')]
    assert len(chunks) == len(names) + 1
    for (file, name), chunk in zip(names, chunks):
        printed = _printed_constructors(chunk)
        assert printed, chunk
        parsed = None
        for d in parse_gallina_file(theories / file).declarations:
            if isinstance(d, G.Inductive):
                parsed = next(([c.name for c in b.constructors] for b in d.bodies if b.name == name), parsed)
            elif isinstance(d, G.Record) and d.name == name:
                parsed = [f.name for f in d.fields]
        assert parsed == printed, (name, chunk)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_spliced_model_file_gives_a_located_error_or_a_parse(data: st.DataObject) -> None:
    text = MODEL.read_text()
    a = data.draw(st.integers(min_value=0, max_value=len(text)))
    b = data.draw(st.integers(min_value=a, max_value=min(len(text), a + 200)))
    c = data.draw(st.integers(min_value=0, max_value=len(text) - 50))
    spliced = text[:a] + text[c:c + 50] + text[b:]
    try:
        parse_gallina(spliced, "spliced.v")
    except ParseError as e:
        assert e.path == "spliced.v" and 1 <= e.line <= spliced.count("\n") + 1 and e.column >= 1
