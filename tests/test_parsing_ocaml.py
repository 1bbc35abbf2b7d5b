"""The extracted-OCaml parser: golden ASTs, errors, deep nesting, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyspec.parsing import ocaml_ast as A
from pyspec.parsing.errors import ParseError
from pyspec.parsing.ocaml import blank_comments, parse_ocaml, parse_ocaml_file, parse_ocaml_type
from pyspec.parsing.ocaml_print import print_ocaml
from pyspec.parsing.walk import depth, nodes, to_data

ROOT = Path(__file__).resolve().parents[1]
EXTRACTED = [ROOT / "extract" / "vcert.ml", ROOT / "extract" / "vcert.mli"]


def item(src: str) -> A.Item:
    items = parse_ocaml(src).items
    assert len(items) == 1, items
    return items[0]


def expr(src: str) -> A.Expr:
    decl = item(f"let x = {src}\n")
    assert isinstance(decl, A.LetDecl)
    return decl.bindings[0].body


# ---- type declarations ---------------------------------------------------------------


def test_variant_arity_counts_star_separated_arguments() -> None:
    decl = item("type 'elt tree =\n| Leaf\n| Node of 'elt tree * key * (int * int)\n")
    assert to_data(decl) == ["TypeDecl", [["TypeDef", "tree", ["'elt"], ["Variant", [
        ["ConstrDecl", "Leaf", []],
        ["ConstrDecl", "Node", [
            ["TConstr", "tree", [["TVar", "'elt"]]],
            ["TConstr", "key", []],
            ["TTuple", [["TConstr", "int", []], ["TConstr", "int", []]]],
        ]],
    ]], None]]]


def test_record_alias_abstract_and_mutual_group() -> None:
    decl = item("type ('a, 'b) r = { f : 'a; mutable g : 'b list }\nand v = int\nand t\n")
    assert isinstance(decl, A.TypeDecl)
    r, v, t = decl.defs
    assert r.params == ("'a", "'b")
    assert r.kind == A.RecordDecl((A.FieldDecl("f", A.TVar("'a")),
                                   A.FieldDecl("g", A.TConstr("list", (A.TVar("'b"),)), mutable=True)))
    assert v.kind == A.Alias(A.TConstr("int"))
    assert t.kind == A.Abstract()


def test_empty_variant_and_qualified_type_arguments() -> None:
    assert item("type coq_Empty_set = |\n").defs[0].kind == A.Variant(())
    ty = parse_ocaml_type("(X.t, 'a1) M.t -> 'a1 option")
    assert ty == A.TArrow(A.TConstr("M.t", (A.TConstr("X.t"), A.TVar("'a1"))),
                          A.TConstr("option", (A.TVar("'a1"),)))


def test_arrow_is_right_associative_and_star_binds_tighter() -> None:
    ty = parse_ocaml_type("'a * 'b -> 'c -> 'd")
    assert ty == A.TArrow(A.TTuple((A.TVar("'a"), A.TVar("'b"))), A.TArrow(A.TVar("'c"), A.TVar("'d")))


# ---- values --------------------------------------------------------------------------


def test_val_comments_give_binding_types_even_inside_let_rec_and() -> None:
    src = """
(** val add : positive -> positive -> positive **)

let rec add x y = add_carry x y

(** val add_carry :
    positive -> positive -> positive **)

and add_carry x y = add x y
"""
    decl = item(src)
    assert isinstance(decl, A.LetDecl) and decl.rec
    positive = A.TConstr("positive")
    expected = A.TArrow(positive, A.TArrow(positive, positive))
    assert [b.name for b in decl.bindings] == ["add", "add_carry"]
    assert [b.declared_type for b in decl.bindings] == [expected, expected]


def test_val_comment_without_binding_is_kept_as_val_spec() -> None:
    items = parse_ocaml("(** val f : int **)\n\ntype t = int\n").items
    assert isinstance(items[0], A.ValSpec) and items[0].name == "f"
    assert isinstance(items[1], A.TypeDecl)


def test_match_nested_in_parentheses_and_constructor_payloads() -> None:
    e = expr("match x with\n| Coq_xI p -> (match y with | Coq_xH -> Coq_xO (succ p) | _ -> y)\n| Coq_xH -> Coq_xH")
    assert to_data(e) == ["Match", ["Var", "x"], [
        ["Case", ["PConstr", "Coq_xI", ["PVar", "p"]], None,
         ["Match", ["Var", "y"], [
             ["Case", ["PConstr", "Coq_xH", None], None,
              ["Constr", "Coq_xO", ["App", ["Var", "succ"], [["Var", "p"]]]]],
             ["Case", ["PVar", "_"], None, ["Var", "y"]]]]],
        ["Case", ["PConstr", "Coq_xH", None], None, ["Constr", "Coq_xH", None]]]]


def test_unparenthesised_inner_match_takes_the_following_cases() -> None:
    e = expr("match a with | A -> match b with | B -> 1 | C -> 2")
    assert isinstance(e, A.Match) and len(e.cases) == 1
    inner = e.cases[0].body
    assert isinstance(inner, A.Match) and len(inner.cases) == 2


def test_natint_match_idiom_operators_and_sections() -> None:
    e = expr("(fun fO fS n -> if n=0 then fO () else fS (n-1)) (fun _ -> (+)) (fun n' -> ( * )) n")
    assert isinstance(e, A.App) and len(e.args) == 3
    fun = e.func
    assert isinstance(fun, A.Fun) and [p.name for p in fun.params] == ["fO", "fS", "n"]
    cond = fun.body
    assert cond == A.If(A.Infix("=", A.Var("n"), A.Lit("int", "0")),
                        A.App(A.Var("fO"), (A.Lit("unit", "()"),)),
                        A.App(A.Var("fS"), (A.Infix("-", A.Var("n"), A.Lit("int", "1")),)))
    assert e.args[0] == A.Fun((A.PVar("_"),), A.OpSection("+"))
    assert e.args[1] == A.Fun((A.PVar("n'"),), A.OpSection("*"))


def test_operator_precedence_follows_ocaml() -> None:
    e = expr("a :: b @ c || d && x + y * z = w")
    # || is lowest, then &&, then =, then @, then ::, then +, then *.
    assert to_data(e) == ["Infix", "||",
                          ["Infix", "@", ["Infix", "::", ["Var", "a"], ["Var", "b"]], ["Var", "c"]],
                          ["Infix", "&&", ["Var", "d"],
                           ["Infix", "=", ["Infix", "+", ["Var", "x"], ["Infix", "*", ["Var", "y"], ["Var", "z"]]],
                            ["Var", "w"]]]]


def test_records_fields_assert_obj_magic_and_let_patterns() -> None:
    e = expr("let { t_left = l; t_opt = o; t_right = r } = split x m in\n"
             "if o.t_opt then Obj.magic { t_left = l; t_opt = None; t_right = r } else assert false")
    assert isinstance(e, A.Let) and not e.rec
    b = e.bindings[0]
    assert b.pattern == A.PRecord((("t_left", A.PVar("l")), ("t_opt", A.PVar("o")), ("t_right", A.PVar("r"))))
    body = e.body
    assert isinstance(body, A.If)
    assert body.cond == A.Field(A.Var("o"), "t_opt")
    assert body.then == A.App(A.Var("Obj.magic"), (A.Record((
        ("t_left", A.Var("l")), ("t_opt", A.Constr("None")), ("t_right", A.Var("r")))),))
    assert body.orelse == A.Assert(A.Lit("bool", "false"))


def test_tuples_function_cons_patterns_chars_and_strings() -> None:
    e = expr("function\n| (x, _) :: c::s' -> (x, 'a', \"s(*t\\\"\", [])\n| [] -> ([], '\\n', \"\", [])")
    assert isinstance(e, A.Function)
    first = e.cases[0]
    assert first.pattern == A.PCons(A.PTuple((A.PVar("x"), A.PVar("_"))), A.PCons(A.PVar("c"), A.PVar("s'")))
    assert first.body == A.Tuple((A.Var("x"), A.Lit("char", "'a'"), A.Lit("string", '"s(*t\\""'), A.Constr("[]")))


def test_the_unit_value_underscore_value_and_obj() -> None:
    decl = item("let __ = let rec f _ = Obj.repr f in Obj.repr f\n")
    assert isinstance(decl, A.LetDecl)
    assert decl.bindings[0].name == "__"
    body = decl.bindings[0].body
    assert isinstance(body, A.Let) and body.rec and body.bindings[0].params == (A.PVar("_"),)


# ---- modules ------------------------------------------------------------------------


def test_functor_struct_and_application() -> None:
    src = """
module Raw =
 functor (I:Int.Int) ->
 functor (X:OrderedType.OrderedType) ->
 struct
  type key = X.t
  let height = function
  | Leaf -> I._0
  | Node (_, _, _, _, h) -> h
 end

module M = FMapAVL.Make(OrderedTypeEx.Nat_as_OT)
"""
    raw, m = parse_ocaml(src).items
    assert isinstance(raw, A.ModuleDecl) and isinstance(raw.expr, A.Functor)
    assert (raw.expr.param, raw.expr.param_type) == ("I", A.ModPath("Int.Int"))
    inner = raw.expr.body
    assert isinstance(inner, A.Functor) and isinstance(inner.body, A.Struct)
    assert [type(i).__name__ for i in inner.body.items] == ["TypeDecl", "LetDecl"]
    assert m == A.ModuleDecl("M", A.ModApply(A.ModPath("FMapAVL.Make"), A.ModPath("OrderedTypeEx.Nat_as_OT")), None)


def test_signatures_module_types_and_with_constraints() -> None:
    src = """
module type OrderedType =
 sig
  type t
  val compare : t -> t -> comparison
 end

module Make :
 functor (X:OrderedType) ->
 sig
  module Raw : sig type elt = X.t end
  val empty : Raw.elt list
 end

module type S = Orders.OrderedType with type t = int and module E = X
"""
    mt, make, s = parse_ocaml(src).items
    assert isinstance(mt, A.ModuleTypeDecl) and isinstance(mt.type_, A.Sig)
    assert [type(i).__name__ for i in mt.type_.items] == ["TypeDecl", "ValSpec"]
    assert isinstance(make, A.ModuleSpec) and isinstance(make.type_, A.FunctorType)
    assert s.type_ == A.ModTypeWith(A.ModPath("Orders.OrderedType"),
                                    (A.WithType("t", (), A.TConstr("int")), A.WithModule("E", "X")))


# ---- comments and errors ---------------------------------------------------------------


def test_nested_comments_are_blanked_keeping_positions() -> None:
    src = 'let x = (* a (* nested "*)" *) still *) 1\n(* "a string with *) inside" *)\nlet y = 2\n'
    blanked = blank_comments(src)
    assert len(blanked) == len(src) and blanked.count("\n") == src.count("\n")
    assert "nested" not in blanked and "still" not in blanked
    y = parse_ocaml(src).items[1]
    assert isinstance(y, A.LetDecl) and y.line == 3


def error_of(src: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_ocaml(src, "f.ml")
    return info.value


def test_error_carries_file_line_column_and_expected() -> None:
    err = error_of("let x =\n  match y with\n  | A -> 1\n  | B ->\n")
    assert (err.path, err.line) == ("f.ml", 5)
    assert err.expected and str(err).startswith("f.ml:5:")


def test_error_position_points_at_the_offending_token() -> None:
    err = error_of("type t = A\nlet f x = x +\n  in 3\n")
    assert (err.line, err.column) == (3, 3)
    assert "'in'" in err.message


def test_unsupported_constructs_are_precise_errors() -> None:
    err = error_of("let f x = try g x with Not_found -> 0\n")
    assert (err.line, err.column) == (1, 11)
    err = error_of("let () = print_string \"a\";;\n")
    assert err.line == 1 and err.column == 26


def test_unterminated_comment_and_string_and_bad_character() -> None:
    assert error_of("let x = 1 (* open\n").message == "unterminated comment"
    assert error_of('let x = "abc\n').message == "unterminated string"
    err = error_of("let x = 1 \u00a7 2\n")
    assert (err.line, err.column) == (1, 11)


def test_error_in_val_comment_type_is_located_in_the_file() -> None:
    err = error_of("type t = int\n\n(** val f :\n    t -> -> t **)\n\nlet f x = x\n")
    assert (err.path, err.line, err.column) == ("f.ml", 4, 10)


OCAML_ALPHABET = st.sampled_from(list("let rec x = ( ) fun -> match with | A B , ; : * ' \" [ ] { } . _ 1 \n type of and module struct end sig val (* *)".split(" ")) + [" ", "\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(OCAML_ALPHABET, max_size=40))
def test_arbitrary_token_soup_never_crashes(parts: list[str]) -> None:
    src = " ".join(parts)
    try:
        parse_ocaml(src)
    except ParseError as e:
        assert e.line >= 1 and e.column >= 1


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_truncated_extraction_gives_a_located_error_or_a_parse(data: st.DataObject) -> None:
    text = EXTRACTED[0].read_text()
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    try:
        parse_ocaml(text[:cut], "cut.ml")
    except ParseError as e:
        assert e.path == "cut.ml" and 1 <= e.line <= text[:cut].count("\n") + 1


# ---- deep nesting ---------------------------------------------------------------------


@pytest.mark.parametrize("levels", [10_000])
def test_ten_thousand_nested_successors(levels: int) -> None:
    src = "let hundred =\n  " + "(Stdlib.Int.succ " * levels + "0" + ")" * levels + "\n"
    module = parse_ocaml(src)
    assert depth(module) == levels + 4  # Module, LetDecl, Binding, then the App chain and 0
    printed = print_ocaml(module)
    assert printed.count("Stdlib.Int.succ") == levels
    reparsed = parse_ocaml(printed)
    assert print_ocaml(reparsed) == printed


def test_deep_constructors_lambdas_and_matches() -> None:
    n = 10_000
    src = ("let a = " + "S (" * n + "O" + ")" * n + "\n"
           + "let b = " + "fun x -> " * n + "x\n"
           + "let c = " + "(match x with | A -> " * n + "x" + ")" * n + "\n")
    module = parse_ocaml(src)
    assert depth(module) > n
    kinds = {type(x).__name__ for x in nodes(module)}
    assert {"Constr", "Fun", "Match"} <= kinds
    assert print_ocaml(parse_ocaml(print_ocaml(module))) == print_ocaml(module)


# ---- the project's extracted files -----------------------------------------------------


@pytest.mark.parametrize("path", EXTRACTED, ids=lambda p: p.name)
def test_project_extraction_round_trips(path: Path) -> None:
    module = parse_ocaml_file(path)
    again = parse_ocaml(print_ocaml(module), "printed")
    assert to_data(again.items) == to_data(module.items)


def test_project_val_comments_agree_with_the_mli() -> None:
    ml, mli = (parse_ocaml_file(p) for p in EXTRACTED)
    specs = {i.name: i.type for i in mli.items if isinstance(i, A.ValSpec)}
    declared = {b.name: b.declared_type for i in ml.items if isinstance(i, A.LetDecl) for b in i.bindings}
    assert set(declared) == set(specs)
    for name, ty in specs.items():
        assert declared[name] == ty, name


def test_project_model_types_golden() -> None:
    mli = parse_ocaml_file(EXTRACTED[1])
    defs = {d.name: d for i in mli.items if isinstance(i, A.TypeDecl) for d in i.defs}
    hc = defs["hyper_call"].kind
    assert isinstance(hc, A.Variant)
    assert [(c.name, len(c.args)) for c in hc.constructors] == [
        ("HC_new", 2), ("HC_del", 1), ("HC_lswitch", 1), ("HC_pin", 2), ("HC_unpin", 1)]
    state = defs["state"].kind
    assert isinstance(state, A.RecordDecl)
    assert [f.name for f in state.fields] == ["active_os", "exec_mode", "activity", "oss", "hyp", "mem"]
    assert state.fields[4].type == A.TConstr("map", (A.TConstr("map", (A.TConstr("madd"),)),))
    tree = A.TConstr("map", (A.TVar("'v"),))
    assert defs["map"].kind == A.Variant((
        A.ConstrDecl("Leaf", ()), A.ConstrDecl("Node", (tree, A.TConstr("option", (A.TVar("'v"),)), tree))))
    assert defs["alist"].kind == A.Alias(A.TConstr("list", (A.TTuple((A.TConstr("int"), A.TVar("'v"))),)))


def test_prefix_operators_bind_tighter_than_field_access() -> None:
    assert expr("!r.f + r.g.h") == A.Infix(
        "+", A.Field(A.Prefix("!", A.Var("r")), "f"), A.Field(A.Field(A.Var("r"), "g"), "h"))
    assert parse_ocaml(print_ocaml(parse_ocaml("let x = !r.f\n"))).items[0].bindings[0].body == \
        A.Field(A.Prefix("!", A.Var("r")), "f")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_spliced_extraction_gives_a_located_error_or_a_parse(data: st.DataObject) -> None:
    text = EXTRACTED[0].read_text()
    a = data.draw(st.integers(min_value=0, max_value=len(text)))
    b = data.draw(st.integers(min_value=a, max_value=min(len(text), a + 200)))
    c = data.draw(st.integers(min_value=0, max_value=len(text) - 50))
    spliced = text[:a] + text[c:c + 50] + text[b:]
    try:
        parse_ocaml(spliced, "spliced.ml")
    except ParseError as e:
        assert e.path == "spliced.ml" and 1 <= e.line <= spliced.count("\n") + 1 and e.column >= 1
