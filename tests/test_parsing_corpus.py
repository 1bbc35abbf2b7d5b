"""A corpus of extracted OCaml made by coqc in the test run, checked against ocamlc.

The corpus is `pyspec.parsing.corpus` (Coq's standard library and a Gallina
file of test shapes, extracted with and without the common directives).
Every `.ml` and `.mli` must parse, and the parsed top-level items of each
`.ml` must agree with the signature `ocamlfind ocamlc -i` infers for it
(value names, type names, constructor names and arities, record fields,
submodules), an oracle that shares no code with the parser.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pyspec.parsing import ocaml_ast as A
from pyspec.parsing.corpus import extract_corpus
from pyspec.parsing.ocaml import parse_ocaml, parse_ocaml_file

pytestmark = pytest.mark.skipif(
    shutil.which("coqc") is None or shutil.which("ocamlfind") is None, reason="needs coqc and ocamlfind")


@dataclass
class Corpus:
    files: list[Path] = field(default_factory=list)  # every .ml and .mli
    signatures: dict[Path, str] = field(default_factory=dict)  # .ml -> `ocamlc -i` output


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("extraction")
    result = Corpus()
    for name, out in extract_corpus(root).items():
        result.files += sorted(out.glob("*.ml")) + sorted(out.glob("*.mli"))
        # The oracle: compile the .ml files alone (extraction's .mli can disagree
        # with inlined constants), in dependency order, and print each signature.
        build = root / f"{name}-build"
        build.mkdir()
        for ml in out.glob("*.ml"):
            shutil.copy(ml, build)
        order = _run(["ocamlfind", "ocamldep", "-sort"] + [p.name for p in build.glob("*.ml")], build)
        for ml in order.stdout.split():
            compiled = _run(["ocamlfind", "ocamlc", "-w", "-a", "-c", ml], build)
            assert compiled.returncode == 0, compiled.stderr
            sig = _run(["ocamlfind", "ocamlc", "-w", "-a", "-i", ml], build)
            assert sig.returncode == 0, sig.stderr
            result.signatures[out / ml] = sig.stdout
    return result


def test_corpus_is_large_and_varied(corpus: Corpus) -> None:
    names = {p.name for p in corpus.files}
    assert {"FMapAVL.ml", "MSetRBT.ml", "BinInt.ml", "String.ml", "Mergesort.ml", "Shapes.ml"} <= names
    assert len(corpus.files) >= 100
    assert sum(p.read_text().count("\n") for p in corpus.files) > 15_000


def test_every_corpus_file_parses(corpus: Corpus) -> None:
    for path in corpus.files:
        parse_ocaml_file(path)


# ---- the comparison ---------------------------------------------------------------------


@dataclass
class Sig:
    """What both sides must agree on, at one module level."""

    values: set[str] = field(default_factory=set)
    types: dict[str, object] = field(default_factory=dict)  # name -> constructors/fields/None
    modules: dict[str, Sig | None] = field(default_factory=dict)  # None: contents not comparable


def _type_shape(kind: A.TypeKind) -> object:
    if isinstance(kind, A.Variant):
        return tuple((c.name, len(c.args)) for c in kind.constructors)
    if isinstance(kind, A.RecordDecl):
        return tuple(f.name for f in kind.fields)
    return None


def _module_body(m: A.ModExpr | A.ModType | None) -> tuple[A.Item, ...] | None:
    while isinstance(m, (A.Functor, A.FunctorType)):
        m = m.body
    return m.items if isinstance(m, (A.Struct, A.Sig)) else None


def signature_of(items: tuple[A.Item, ...]) -> Sig:
    sig = Sig()
    for item in items:
        if isinstance(item, A.LetDecl):
            sig.values.update(b.name for b in item.bindings if b.name)
        elif isinstance(item, A.ValSpec):
            sig.values.add(item.name)
        elif isinstance(item, A.TypeDecl):
            for d in item.defs:
                sig.types[d.name] = _type_shape(d.kind)
        elif isinstance(item, (A.ModuleDecl, A.ModuleSpec)):
            body = _module_body(item.expr if isinstance(item, A.ModuleDecl) else item.type_)
            sig.modules[item.name] = None if body is None else signature_of(body)
        elif isinstance(item, A.ModuleTypeDecl):
            body = _module_body(item.type_)
            sig.modules["type " + item.name] = None if body is None else signature_of(body)
    return sig


def assert_agree(parsed: Sig, oracle: Sig, where: str) -> None:
    assert parsed.values == oracle.values, where
    assert parsed.types == oracle.types, where
    assert set(parsed.modules) == set(oracle.modules), where
    for name, sub in parsed.modules.items():
        other = oracle.modules[name]
        if sub is not None and other is not None:
            assert_agree(sub, other, f"{where}.{name}")


def count_items(sig: Sig) -> int:
    return len(sig.values) + len(sig.types) + sum(count_items(m) for m in sig.modules.values() if m)


def test_parsed_items_agree_with_ocamlc_signatures(corpus: Corpus) -> None:
    assert len(corpus.signatures) == sum(1 for p in corpus.files if p.suffix == ".ml")
    compared_items = 0
    for ml, text in corpus.signatures.items():
        parsed = signature_of(parse_ocaml_file(ml).items)
        oracle = signature_of(parse_ocaml(text, f"ocamlc -i {ml.name}").items)
        assert_agree(parsed, oracle, str(ml))
        compared_items += count_items(oracle)
    assert compared_items > 1000


def test_val_comments_type_every_top_level_binding(corpus: Corpus) -> None:
    for ml in corpus.signatures:
        for item in parse_ocaml_file(ml).items:
            if isinstance(item, A.LetDecl):
                for b in item.bindings:
                    assert b.declared_type is not None or b.name == "__", (ml, b.name)
