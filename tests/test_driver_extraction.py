"""The committed extraction is what Coq extracts now, and it uses none of the
arithmetic realisers that extract/TRUSTED.md says it does not use: the
predecessor it lists is ExtrOcamlNatInt's match on a positive nat, and the
tries of coq/Maps.v alone add and halve (routing keys and rebuilding them in
traversals)."""

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
}


# ExtrOcamlNatInt's `match n with O | S n'`: n - 1 only on the branch where n > 0.
NAT_MATCH = "(fun fO fS n -> if n=0 then fO () else fS (n-1))"
# The realisations of Nat.add and Nat.div2 (extract/Extraction.v), and the constants 1
# and 2 (ExtrOcamlNatInt writes them with its successor) where [fold] starts its keys.
ROUTING_ARITHMETIC = ("(+)", "(fun n -> n / 2)", "Stdlib.Int.succ (Stdlib.Int.succ 0)",
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


def test_nat_matches_occur_only_in_shorter_than_and_the_tries() -> None:
    """TRUSTED.md: the matches on a nat are CacheModel.shorter_than's and those of the
    tries' key routing (lookup, single_fuel's fuel and key, update, remove)."""
    code = VCERT_ML.read_text()
    body = code[code.index("let rec shorter_than"):code.index("let bounded_insert")]
    tries = _routing(code)
    assert body.count(NAT_MATCH) == 2 and tries.count(NAT_MATCH) == 5
    assert code.count(NAT_MATCH) == 7


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
