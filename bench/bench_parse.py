"""Benchmark: parser throughput in source lines per second.

Workloads, each parsed REPEAT times after one warm-up parse (the grammar
tables and the contextual lexers are built once per process):
  * the extracted model, extract/vcert.ml and extract/vcert.mli;
  * the extracted-OCaml corpus of pyspec.parsing.corpus (Coq's standard
    library and test shapes, extracted by coqc into a temporary directory);
  * Gallina: the model's .v files, and every .v file of Coq's standard library
    (mostly proof scripts, which the sentence splitter skips).
Prints lines/s per workload.  Aim: >= 20,000 lines/s for extracted OCaml.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyspec.parsing.corpus import extract_corpus  # noqa: E402
from pyspec.parsing.gallina import parse_gallina  # noqa: E402
from pyspec.parsing.ocaml import parse_ocaml  # noqa: E402
from pyspec.parsing.schema import MODEL_FILES  # noqa: E402

REPEAT = 3
AIM_OCAML = 20_000


def rate(texts: list[str], parse: Callable[[str], object]) -> float:
    for text in texts:  # warm-up
        parse(text)
    lines = sum(t.count("\n") for t in texts)
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        for text in texts:
            parse(text)
        best = min(best, time.perf_counter() - start)
    return lines / best


def report(name: str, texts: list[str], parse: Callable[[str], object], aim: int | None = None) -> bool:
    lines = sum(t.count("\n") for t in texts)
    r = rate(texts, parse)
    verdict = "" if aim is None else ("  (aim met)" if r >= aim else f"  (BELOW the aim of {aim:,})")
    print(f"{name:<38} {len(texts):>4} files {lines:>7,} lines {r:>10,.0f} lines/s{verdict}")
    return aim is None or r >= aim


def main() -> int:
    ok = True
    model = [ROOT / "extract" / "vcert.ml", ROOT / "extract" / "vcert.mli"]
    ok &= report("extracted model (vcert.ml/.mli)", [p.read_text() for p in model], parse_ocaml, AIM_OCAML)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        outs = extract_corpus(Path(tmp))
        print(f"(corpus extracted by coqc in {time.perf_counter() - start:.1f} s)")
        corpus = [p.read_text() for out in outs.values() for p in sorted(out.glob("*.ml*"))]
        ok &= report("extracted corpus (stdlib + shapes)", corpus, parse_ocaml, AIM_OCAML)
    report("Gallina: model .v files", [(ROOT / "coq" / f).read_text() for f in MODEL_FILES], parse_gallina)
    where = subprocess.run(["coqc", "-where"], capture_output=True, text=True, check=True).stdout.strip()
    stdlib = sorted((Path(where) / "theories").rglob("*.v"))
    report("Gallina: Coq standard library", [p.read_text(encoding="utf-8") for p in stdlib], parse_gallina)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
