#!/usr/bin/env python3
"""Print the size of every theorem listed in coq/THEOREMS.md.

For each row: the statement's size (lines and tokens, comments left out) and
the proof's length (lines and sentences from `Proof` to `Qed`/`Defined`),
as a Markdown table with per-file totals last. The sentences come from the
Gallina parser's splitter, so comments, strings and bullets are handled the
way the parser handles them.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from proofs import COQ, AuditError, listed_theorems  # noqa: E402
from pyspec.parsing.gallina import Sentence, split_sentences  # noqa: E402

HEADER = re.compile(
    r"^\s*(?:#\[[^\]]*\]\s*)?(?:Local\s+|Global\s+)?"
    r"(?P<kind>Theorem|Lemma|Corollary|Proposition|Fact|Remark|Example|Definition)"
    r"\s+(?P<name>[\w']+)"
)
PROOF_END = re.compile(r"^\s*(Qed|Defined)\s*$")


class SizeError(Exception):
    """A listed theorem could not be found or has no closed proof."""


@dataclass(frozen=True)
class Size:
    name: str
    file: str
    kind: str
    statement_lines: int
    statement_tokens: int
    proof_lines: int
    proof_sentences: int


def _lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def _tokens(text: str) -> int:
    return len(re.findall(r"[\w'.]+|[^\w\s]+", text))


def measure(name: str, file: str, sentences: list[Sentence]) -> Size:
    """Size of `name` among a file's sentences (comments already blanked)."""
    for i, sentence in enumerate(sentences):
        match = HEADER.match(sentence.text)
        if match and match["name"] == name:
            break
    else:
        raise SizeError(f"coq/{file}: no Theorem/Lemma/Example/Definition named {name}")
    statement = sentence.text[match.start("kind"):]
    if match["kind"] == "Definition" and ":=" in statement:
        return Size(name, file, match["kind"], _lines(statement), _tokens(statement), 0, 0)
    proof: list[str] = []
    for later in sentences[i + 1:]:
        proof.append(later.text)
        if PROOF_END.match(later.text):
            break
    else:
        raise SizeError(f"coq/{file}: the proof of {name} never ends with Qed or Defined")
    body = [s for s in proof if s.strip() != "Proof"]
    return Size(name, file, match["kind"], _lines(statement), _tokens(statement),
                _lines("\n".join(proof)), len(body) - 1)


def sizes() -> list[Size]:
    out: list[Size] = []
    parsed: dict[str, list[Sentence]] = {}
    for theorem in listed_theorems():
        file = theorem.module.replace(".", "/") + ".v"
        if file not in parsed:
            parsed[file] = split_sentences((COQ / file).read_text())
        out.append(measure(theorem.name, file, parsed[file]))
    return out


def table(rows: list[Size]) -> str:
    lines = ["| theorem | file | statement lines | statement tokens | proof lines | proof sentences |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r.name} | {r.file} | {r.statement_lines} | {r.statement_tokens} "
                     f"| {r.proof_lines} | {r.proof_sentences} |")
    lines.append(f"| **{len(rows)} theorems** | | {sum(r.statement_lines for r in rows)} "
                 f"| {sum(r.statement_tokens for r in rows)} | {sum(r.proof_lines for r in rows)} "
                 f"| {sum(r.proof_sentences for r in rows)} |")
    return "\n".join(lines)


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    try:
        print(table(sizes()))
    except (AuditError, SizeError) as err:
        print(f"theorem-sizes: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
