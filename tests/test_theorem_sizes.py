"""scripts/theorem_sizes.py: sizes of hand-written statements and proofs, and
every theorem listed in coq/THEOREMS.md found with a proof."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import theorem_sizes  # noqa: E402
from pyspec.parsing.gallina import split_sentences  # noqa: E402

SAMPLE = """\
(* A comment. With dots. *)
Lemma two_lines : forall n : nat,
  n = n.
Proof.
  intros n. (* also. a comment *)

  reflexivity.
Qed.

Definition three : nat := 3.

Example no_proof_keyword : 1 = 1.
  reflexivity.
Defined.
"""


def measure(name: str) -> theorem_sizes.Size:
    return theorem_sizes.measure(name, "Sample.v", split_sentences(SAMPLE))


def test_statement_and_proof_counted_without_comments_or_blank_lines() -> None:
    size = measure("two_lines")
    assert (size.kind, size.statement_lines, size.proof_lines, size.proof_sentences) == \
        ("Lemma", 2, 4, 2)
    # Lemma two_lines : forall n : nat , n = n
    assert size.statement_tokens == 11


def test_definition_with_body_has_no_proof() -> None:
    size = measure("three")
    assert (size.statement_lines, size.statement_tokens, size.proof_lines) == (1, 6, 0)


def test_proof_without_proof_keyword_ends_at_defined() -> None:
    size = measure("no_proof_keyword")
    assert (size.proof_lines, size.proof_sentences) == (2, 1)


def test_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(theorem_sizes.SizeError, match="Sample.v: no Theorem.*named missing"):
        measure("missing")


def test_unterminated_proof_is_a_clear_error() -> None:
    with pytest.raises(theorem_sizes.SizeError, match="never ends"):
        theorem_sizes.measure("t", "T.v", split_sentences("Lemma t : True.\nProof. exact I.\n"))


def test_every_listed_theorem_is_found_with_a_proof() -> None:
    proc = subprocess.run([sys.executable, "scripts/theorem_sizes.py"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines()
            if line.startswith("| ") and not line.startswith(("| theorem", "| ---", "| **"))]
    listed = theorem_sizes.listed_theorems()
    assert [row.split(" | ")[0][2:] for row in rows] == [t.name for t in listed]
    assert all(int(row.rstrip(" |").rsplit("|", 1)[1]) > 0 for row in rows)
