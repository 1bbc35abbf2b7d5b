"""The committed extraction is what Coq extracts now, and it uses none of the
arithmetic realisers that extract/TRUSTED.md says it does not use: outside the
tries the only predecessor is ExtrOcamlNatInt's match on a positive nat, and
the tries of coq/Maps.v alone take predecessors, read low bits, add and halve
(routing keys and rebuilding them in traversals)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from test_driver_support import REPO

VCERT_ML = REPO / "extract" / "vcert.ml"

# What ExtrOcamlNatInt would put in the code for nat arithmetic, if it were used.
ARITHMETIC = {
    "successor": r"Stdlib\.Int\.succ|\bsucc\b",
    "addition": r"\(\+\)",
    "multiplication": r"\( \* \)",
    "max/min": r"Stdlib\.(max|min)",
    "subtraction": r"\(n-1\)|\(n-m\)|n - 1",
    "division": r"/2|\bmod\b",
    "bitwise": r"\b(land|lor|lxor|lsl|lsr|asr)\b",
}


# ExtrOcamlNatInt's `match n with O | S n'`: n - 1 only on the branch where n > 0.
NAT_MATCH = "(fun fO fS n -> if n=0 then fO () else fS (n-1))"
# The realisations of Nat.add, Nat.div2, Nat.pred and Nat.even (extract/Extraction.v), and
# the constants 1 and 2 (ExtrOcamlNatInt writes them with its successor) where [fold]
# starts its keys.
ROUTING_ARITHMETIC = ("(+)", "(fun n -> n / 2)", "(fun n -> if n = 0 then 0 else n - 1)",
                      "(fun n -> n land 1 = 0)", "Stdlib.Int.succ (Stdlib.Int.succ 0)",
                      "Stdlib.Int.succ 0")


def _routing(code: str) -> str:
    """The trie functions of Maps.v: `low_bit` to `least_key` (before `map_values`)."""
    return code[code.index("let low_bit"):code.index("let rec map_values")]


@pytest.mark.parametrize("what", sorted(ARITHMETIC))
def test_extracted_code_does_no_arithmetic_outside_the_routing(what: str) -> None:
    code = VCERT_ML.read_text()
    code = code.replace(_routing(code), "").replace(NAT_MATCH, "")
    assert not re.search(ARITHMETIC[what], code), f"{what} appears in extract/vcert.ml"


@pytest.mark.parametrize("what", sorted(ARITHMETIC))
def test_the_tries_only_add_and_halve(what: str) -> None:
    routing = _routing(VCERT_ML.read_text()).replace(NAT_MATCH, "")
    for allowed in ROUTING_ARITHMETIC:
        routing = routing.replace(allowed, "")
    assert not re.search(ARITHMETIC[what], routing), f"{what} appears in the routing"


def test_nat_matches_occur_only_in_shorter_than() -> None:
    """TRUSTED.md: the only matches on a nat are CacheModel.shorter_than's; the tries
    route keys without matching them."""
    code = VCERT_ML.read_text()
    body = code[code.index("let rec shorter_than"):code.index("let bounded_insert")]
    assert body.count(NAT_MATCH) == 2 and code.count(NAT_MATCH) == 2


def test_the_tries_route_keys_without_closures() -> None:
    """lookup, single, update and remove test the key and take its predecessor
    natively: the only functions in them are the realisations of Nat.pred, Nat.even
    and Nat.div2, which OCaml applies in place, so no closure is built at a node."""
    code = VCERT_ML.read_text()
    for name, end in (("lookup", "let node"), ("single", "let singleton"),
                      ("update", "let rec remove"), ("remove", "let rec fold_at")):
        body = code[code.index(f"let rec {name} "):code.index(end)]
        assert "(fun n -> if n = 0 then 0 else n - 1) k" in body, name
        for realisation in ROUTING_ARITHMETIC:
            body = body.replace(realisation, "")
        assert "fun" not in body, name


def test_extracted_code_compares_naturals_only_with_the_listed_directives() -> None:
    code = VCERT_ML.read_text()
    assert "(=)" in code and "(<=)" in code  # Nat.eqb and Nat.leb, as TRUSTED.md lists
    assert "(<)" not in code


def test_committed_extraction_is_current() -> None:
    if shutil.which("coqc") is None:
        pytest.skip("Coq (coqc) is not installed, so the extraction cannot be re-run")
    check = subprocess.run(["make", "-s", "extract-check"], cwd=REPO, capture_output=True,
                           text=True, timeout=1800)
    assert check.returncode == 0, f"make extract-check failed:\n{check.stdout}\n{check.stderr}"
