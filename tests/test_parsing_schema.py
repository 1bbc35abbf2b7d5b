"""The schema bridge: Coq and OCaml schemas, the pyspec drift check, the generated codec."""

from __future__ import annotations

import dataclasses
import enum
import shutil
import subprocess
import types
from pathlib import Path
from typing import ClassVar

import pytest

import pyspec.model as model
from pyspec.model import Outcome, State
from pyspec.parsing.codec import CodecError, render_codec
from pyspec.parsing.drift import pyspec_schema
from pyspec.parsing.gallina import parse_gallina
from pyspec.parsing.ocaml import parse_ocaml
from pyspec.parsing.schema import (
    MODEL_FILES, InductiveType, RecordType, SchemaError, TypeExpr, diff_schemas, schema_from_coq,
    schema_from_gallina, schema_from_ocaml, schema_from_ocaml_modules,
)

ROOT = Path(__file__).resolve().parents[1]
COQ_FILES = [ROOT / "coq" / name for name in MODEL_FILES]
MLI = ROOT / "extract" / "vcert.mli"
CODEC = ROOT / "extract" / "driver" / "codec.ml"


@pytest.fixture(scope="module")
def coq():
    return schema_from_coq(COQ_FILES)


def ocaml_text(src: str):
    return schema_from_ocaml_modules([parse_ocaml(src, "t.mli")], "t.mli")


def gallina_text(src: str):
    return schema_from_gallina([parse_gallina(src, "t.v")], "t.v")


# ---- reading schemas ---------------------------------------------------------------------


def test_model_schema_golden(coq) -> None:
    resolved = coq.resolved()
    assert set(resolved.types) == {
        "context", "ptype", "hyper_call", "os_info", "mode", "os_activity", "page_content",
        "page_owner", "page", "state", "action", "error_code", "outcome", "result", "vs_property",
        "cache_config", "cstate", "access_obs", "cresult"}
    hc = resolved.types["hyper_call"]
    assert isinstance(hc, InductiveType)
    assert [(c.name, [str(a) for a in c.args], list(c.arg_names)) for c in hc.constructors] == [
        ("HC_new", ["nat", "nat"], ["va", "pa"]), ("HC_del", ["nat"], ["va"]),
        ("HC_lswitch", ["nat"], ["pa"]), ("HC_pin", ["nat", "ptype"], ["pa", "t"]),
        ("HC_unpin", ["nat"], ["pa"])]
    state = resolved.types["state"]
    assert isinstance(state, RecordType)
    assert [(f.name, str(f.type)) for f in state.fields] == [
        ("active_os", "nat"), ("exec_mode", "mode"), ("activity", "os_activity"),
        ("oss", "list (prod nat os_info)"), ("hyp", "list (prod nat (list (prod nat nat)))"),
        ("mem", "list (prod nat page)")]
    # The unresolved schema keeps the names the sources use.
    assert str(coq.types["state"].fields[4].type) == "map (map madd)"


def test_coq_and_extracted_ocaml_give_the_same_schema(coq) -> None:
    for path in (MLI, MLI.with_suffix(".ml")):
        ocaml = schema_from_ocaml([path])
        assert diff_schemas(coq, ocaml) == []
        assert ocaml.to_json() == coq.to_json()


def test_aliases_resolve_on_both_sides_with_parameters() -> None:
    coq = gallina_text("Definition key := nat.\nDefinition tbl (V : Type) := list (key * V).\n"
                       "Record r := { a : tbl bool; b : option (tbl key) }.")
    ocaml = ocaml_text("type key = int\ntype 'v tbl = (key * 'v) list\n"
                       "type r = { a : bool tbl; b : key tbl option }\n")
    assert diff_schemas(coq, ocaml) == []
    assert str(coq.resolved().types["r"].fields[1].type) == "option (list (prod nat nat))"


def test_products_associate_to_the_left_like_coq() -> None:
    coq = gallina_text("Inductive t := C (p : nat * bool * nat).")
    ocaml = ocaml_text("type t = C of ((int * bool) * int)\n")
    assert diff_schemas(coq, ocaml) == []
    assert str(coq.resolved().types["t"].constructors[0].args[0]) == "prod (prod nat bool) nat"


def test_constructor_arguments_from_binders_foralls_and_arrows() -> None:
    s = gallina_text("Inductive t (A : Type) := C (x : A) : forall y : nat, (bool -> A) -> t A | D : t A.")
    c = s.types["t"].constructors[0]
    assert [str(a) for a in c.args] == ["'a1", "nat", "bool -> 'a1"]
    assert c.arg_names == ("x", "y", None)


def test_propositions_and_indexed_families_carry_no_data() -> None:
    s = gallina_text("Inductive le (n : nat) : nat -> Prop := le_n : le n n.\n"
                     "Record pr : Prop := { p : True }.\nInductive vec (A : Type) : nat -> Type := vnil : vec A 0.\n"
                     "Inductive ok := Ok.")
    assert list(s.types) == ["ok"]


def test_unknown_types_and_alias_cycles_are_errors() -> None:
    with pytest.raises(SchemaError, match="uses type missing"):
        gallina_text("Inductive t := C (m : missing).")
    with pytest.raises(SchemaError, match="alias cycle"):
        ocaml_text("type a = b\ntype b = a\ntype t = C of a\n")


# ---- differences -----------------------------------------------------------------------------


def test_diff_names_the_constructor_argument_and_both_sources(coq) -> None:
    text = MLI.read_text().replace("| HC_pin of padd * ptype", "| HC_pin of ptype * padd")
    text = text.replace("| Ret_ctrl\n", "")
    text = text.replace("type os_info = { curr_page : padd; hcall : hyper_call option }",
                        "type os_info = { hcall : hyper_call option; curr_page : padd }")
    ocaml = schema_from_ocaml_modules([parse_ocaml(text, "vcert.mli")], "ocaml")
    assert diff_schemas(coq, ocaml) == [
        f"type action constructors: Ret_ctrl in {coq.source}, missing from ocaml",
        f"constructor hyper_call.HC_pin: argument 1 has type nat in {coq.source}, ptype in ocaml",
        f"constructor hyper_call.HC_pin: argument 2 has type ptype in {coq.source}, nat in ocaml",
        f"record os_info fields: order differs: {coq.source} has curr_page, hcall; ocaml has hcall, curr_page",
    ]


# ---- the drift check against pyspec ------------------------------------------------------------


def test_pyspec_model_agrees_with_coq(coq) -> None:
    assert diff_schemas(coq, pyspec_schema()) == []


def mutated_model(**changes: object) -> types.ModuleType:
    """A module laid out like pyspec.model with some registry entries replaced."""
    fake = types.ModuleType("fake_model")
    fake.__dict__.update({k: v for k, v in vars(model).items() if not k.startswith("__")})
    fake.INDUCTIVES = dict(model.INDUCTIVES)
    fake.RECORDS = dict(model.RECORDS)
    fake.ENUMS = dict(model.ENUMS)
    for key, value in changes.items():
        kind, name = key.split("__")
        getattr(fake, kind.upper())[name] = value
    return fake


def test_drift_in_argument_names_types_and_arity_is_reported(coq) -> None:
    @dataclasses.dataclass(frozen=True)
    class HC_new:
        TAG: ClassVar[str] = "HC_new"
        pa: int
        va: int

    @dataclasses.dataclass(frozen=True)
    class HC_pin:
        TAG: ClassVar[str] = "HC_pin"
        pa: int
        t: bool

    @dataclasses.dataclass(frozen=True)
    class HC_del:
        TAG: ClassVar[str] = "HC_del"

    ctors = (HC_new, HC_del, model.HC_lswitch, HC_pin, model.HC_unpin)
    fake = mutated_model(inductives__hyper_call=ctors)
    fake.COQ_TYPES = dict(model.COQ_TYPES)
    assert diff_schemas(coq, pyspec_schema(fake)) == [
        f"constructor hyper_call.HC_new: argument 1 is named va in {coq.source}, pa in pyspec",
        f"constructor hyper_call.HC_new: argument 2 is named pa in {coq.source}, va in pyspec",
        f"constructor hyper_call.HC_del: 1 argument(s) in {coq.source}, 0 in pyspec",
        f"constructor hyper_call.HC_pin: argument 2 has type ptype in {coq.source}, bool in pyspec",
    ]


def test_drift_in_record_fields_and_enums_is_reported(coq) -> None:
    @dataclasses.dataclass(frozen=True)
    class Result:
        COQ_NAME: ClassVar[str] = "result"
        result_state: State
        response: Outcome

    members = [m.name for m in model.VsProperty]
    VsProperty = enum.Enum("VsProperty", {n: n for n in [members[1], members[0], *members[2:], "Extra"]})
    fake = mutated_model(records__result=Result, enums__vs_property=VsProperty)
    fake.COQ_TYPES = {**model.COQ_TYPES, "result": Result, "vs_property": VsProperty}
    assert diff_schemas(coq, pyspec_schema(fake)) == [
        f"record result fields: order differs: {coq.source} has response, result_state; "
        "pyspec has result_state, response",
        f"type vs_property constructors: Extra in pyspec, missing from {coq.source}",
        f"type vs_property constructors: order differs: {coq.source} has {', '.join(members)}; "
        f"pyspec has {', '.join([members[1], members[0], *members[2:]])}",
    ]


def test_schema_check_command_passes_on_the_project(capsys: pytest.CaptureFixture[str]) -> None:
    from pyspec.cli import main
    assert main(["schema-check", "--ocaml"]) == 0
    assert "19 types agree" in capsys.readouterr().out


def test_schema_check_command_fails_with_the_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pyspec.cli import main
    for f in COQ_FILES:
        shutil.copy(f, tmp_path)
    model_v = tmp_path / "Model.v"
    model_v.write_text(model_v.read_text().replace("| HC_unpin (pa : padd).", "| HC_unpin (pa : padd) (o : os_ident)."))
    assert main(["schema-check", "--coq", *map(str, sorted(tmp_path.glob("*.v")))]) == 1
    out = capsys.readouterr().out
    assert "schema-check: constructor hyper_call.HC_unpin: 2 argument(s) in coq:" in out
    assert "1 in pyspec" in out


# ---- the generated codec ---------------------------------------------------------------------------


def test_generated_codec_is_the_committed_driver_codec(coq) -> None:
    assert render_codec(schema_from_ocaml([MLI]), "Vcert", coq) == CODEC.read_text()


def test_codec_variables_avoid_the_names_a_case_already_uses() -> None:
    ocaml = ocaml_text("type t = C of int * int * int\n")
    coq = gallina_text("Inductive t := C (path : nat) (a1 : nat) (c : nat).")
    text = render_codec(ocaml, "M", coq)
    assert "let* path_ = nat_of_json (index_path path 1) a1 in" in text
    assert "let* a1_ = nat_of_json (index_path path 2) a2 in" in text
    assert "let* c_ = nat_of_json (index_path path 3) a3 in" in text
    assert "Ok (M.C (path_, a1_, c_))" in text


def test_codec_refuses_mutually_recursive_types() -> None:
    with pytest.raises(CodecError, match="mutually recursive types a, b"):
        render_codec(ocaml_text("type a = A of b list\nand b = B of a option | E\n"), "M")


def test_codec_refuses_types_without_a_json_form() -> None:
    with pytest.raises(CodecError, match="no JSON codec for type prod nat nat"):
        render_codec(ocaml_text("type t = C of (int * int)\n"), "M")
    with pytest.raises(CodecError, match="->"):
        render_codec(ocaml_text("type t = C of (int -> int)\n"), "M")


@pytest.mark.skipif(shutil.which("ocamlfind") is None, reason="needs ocamlfind")
def test_codec_for_a_changed_interface_compiles(tmp_path: Path, coq) -> None:
    mli = MLI.read_text().replace("| Silent\n", "| Silent\n| Batch of action list * os_ident option\n")
    (tmp_path / "vcert.mli").write_text(mli)
    ocaml = schema_from_ocaml([tmp_path / "vcert.mli"])
    text = render_codec(ocaml, "Vcert")
    assert '| "Batch", Some [ a1; a2 ] ->' in text
    assert "let* x1 = list_of_json action_of_json (index_path path 1) a1 in" in text
    assert "let rec action_of_json path" in text and "let rec json_of_action" in text
    (tmp_path / "codec.ml").write_text(text)
    for cmd in (["ocamlfind", "ocamlc", "-c", "vcert.mli"],
                ["ocamlfind", "ocamlc", "-package", "yojson", "-c", "codec.ml"]):
        done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr


def test_type_expressions_print_like_coq() -> None:
    t = TypeExpr("list", (TypeExpr("prod", (TypeExpr("nat"), TypeExpr("option", (TypeExpr("bool"),)))),))
    assert str(t) == "list (prod nat (option bool))"
    assert str(TypeExpr("->", (TypeExpr("->", (TypeExpr("a"), TypeExpr("b"))), TypeExpr("c")))) == "(a -> b) -> c"
