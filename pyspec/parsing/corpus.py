"""A corpus of extracted OCaml, made by coqc from Coq's standard library.

`extract_corpus(dest)` writes two extractions (about 60 `.ml`/`.mli` files,
20,000 lines) of FMapAVL, MSetRBT, ZArith, NArith, Strings, Mergesort and a
Gallina file of test shapes (mutual inductives, records, functors, module
types, coinductives, absurd cases, literals): one plain, one with
ExtrOcamlBasic, ExtrOcamlNatInt, ExtrOcamlString, ExtrOcamlZInt and an
`Extract Inductive`.  The parser tests and `bench/bench_parse.py` use it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SHAPES = """
From Coq Require Import List ZArith String Ascii Bool.
From Coq Require Import Orders OrdersEx FMapAVL MSetRBT Sorting.Mergesort OrderedTypeEx.
Import ListNotations.

Inductive tree (A : Type) := Leaf | Node (l : tree A) (x : A) (r : tree A)
with forest (A : Type) := Nil | Cons (t : tree A) (f : forest A).
Arguments Leaf {A}. Arguments Node {A}. Arguments Nil {A}. Arguments Cons {A}.

Record point := mk_point { px : nat; py : nat; label : option string }.
Record wrap (A : Type) := { unwrap : A }.
Inductive color := Red | Green | Blue.
CoInductive stream := SCons : nat -> stream -> stream.

Module Type SIG.
  Parameter t : Type.
  Parameter f : t -> t.
End SIG.
Module Impl <: SIG.
  Definition t := nat.
  Definition f (n : nat) := S n.
End Impl.
Module Fun (X : SIG).
  Definition twice x := X.f (X.f x).
End Fun.
Module App := Fun Impl.
Module M := FMapAVL.Make OrderedTypeEx.Nat_as_OT.
Module S := MSetRBT.Make OrdersEx.Nat_as_OT.
Module NS := Sorting.Mergesort.NatSort.

Fixpoint size {A} (t : tree A) : nat :=
  match t with Leaf => 0 | Node l _ r => size l + 1 + size r end
with fsize {A} (f : forest A) : nat :=
  match f with Nil => 0 | Cons t f => size t + fsize f end.

Definition hundred := 100.
Definition is_zero n := match n with 0 => true | S _ => false end.
Definition lets (p : nat * nat) := let (a, b) := p in if Nat.eqb a b then a else b.
Definition chars := "hello"%string.
Definition absurd (n : nat) (H : n < 0) : nat := match Nat.nlt_0_r n H with end.
Definition zs := (Z.add 3 (-5))%Z.
Definition next c := match c with Red => Green | Green => Blue | Blue => Red end.
CoFixpoint ones := SCons 1 ones.
Definition proj_rec (p : point) := px p + py p + unwrap _ {| unwrap := 3 |}.
Definition sig_val : {n : nat | n > 0} := exist _ 1 (le_n 1).
Definition first_big (l : list nat) := find (fun n => Nat.leb 10 n) l.
Definition sorted := NS.sort [3; 1; 2].
Definition table := M.add 1 hundred (M.empty nat).
Definition set := S.add 3 S.empty.
Definition twice := App.twice 3.
"""

COMMON = ("Shapes.size Shapes.fsize Shapes.hundred Shapes.is_zero Shapes.lets Shapes.chars "
          "Shapes.absurd Shapes.zs Shapes.next Shapes.ones Shapes.proj_rec Shapes.sig_val "
          "Shapes.first_big Shapes.sorted Shapes.table Shapes.twice Z.div_eucl N.sqrt "
          "String.index Ascii.ascii_of_nat")

# ExtrOcamlNatInt inlines Nat.eq_dec away, so OCaml rejects MSetRBT.Make(Nat_as_OT)
# under it: the set example is extracted plainly only.
CONFIGS = {
    "plain": ("", COMMON + " Shapes.set"),
    "natint": ("From Coq Require Import ExtrOcamlBasic ExtrOcamlNatInt ExtrOcamlString ExtrOcamlZInt.\n"
               'Extract Inductive color => "int" [ "0" "1" "2" ] '
               '"(fun fR fG fB c -> if c = 0 then fR () else if c = 1 then fG () else fB ())".\n', COMMON),
}


class CorpusError(Exception):
    """coqc failed to build the corpus."""


def _coqc(args: list[str], cwd: Path) -> None:
    done = subprocess.run(["coqc", *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise CorpusError(f"coqc {' '.join(args)} failed in {cwd}:\n{done.stderr}")


def extract_corpus(dest: Path) -> dict[str, Path]:
    """Extract the corpus under `dest`; returns the output directory per configuration."""
    (dest / "Shapes.v").write_text(SHAPES)
    _coqc(["-Q", ".", "Top", "Shapes.v"], dest)
    outputs = {}
    for name, (directives, names) in CONFIGS.items():
        out = dest / name
        out.mkdir()
        (out / "run.v").write_text(
            "From Coq Require Import ZArith NArith String Ascii.\nRequire Import Top.Shapes.\n"
            + directives + f"Extraction Language OCaml.\nSeparate Extraction {names}.\n")
        _coqc(["-Q", "..", "Top", "run.v"], out)
        outputs[name] = out
    return outputs
