"""`vcert parse` and `vcert schema`: per-file results, exit codes, the same schema twice."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pyspec.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_parse_reports_each_file_and_fails_if_any_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.ml"
    good.write_text("type t = A | B of int\n\n(** val f : t -> int **)\n\nlet f = function\n| A -> 0\n| B n -> n\n")
    bad = tmp_path / "bad.ml"
    bad.write_text("let x =\n  match y with\n  | A -> try\n")
    missing = tmp_path / "missing.ml"
    assert main(["parse", "ocaml", str(good), str(bad), str(missing), str(good)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"ok {good} (1 type, 1 value, 0 modules)"
    assert re.fullmatch(rf"error {re.escape(str(bad))}:3:10: unexpected 'try'; expected .+", lines[1])
    assert lines[2].startswith(f"error {missing}: cannot read:")
    assert lines[3] == lines[0] and len(lines) == 4


def test_parse_all_ok_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    files = [ROOT / "extract" / "vcert.ml", ROOT / "extract" / "vcert.mli"]
    assert main(["parse", "ocaml", *map(str, files)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" (")[0] for line in out] == [f"ok {f}" for f in files]


def test_parse_gallina_counts_declarations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v = tmp_path / "a.v"
    v.write_text("Inductive t := A.\nRecord r := { f : t }.\nDefinition d := A.\nLemma l : True.\nProof. exact I. Qed.\n")
    w = tmp_path / "b.v"
    w.write_text("Inductive t := | .\n")
    assert main(["parse", "gallina", str(v), str(w)]) == 2
    ok, err = capsys.readouterr().out.splitlines()
    assert ok == f"ok {v} (1 inductive, 1 record, 1 definition, 0 fixpoints, 4 skipped)"
    assert err.startswith(f"error {w}:1:18: unexpected '.'") or err.startswith(f"error {w}:1:")


def test_non_utf8_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "latin1.v"
    f.write_bytes(b"Definition caf\xe9 := 1.\n")
    assert main(["parse", "gallina", str(f)]) == 2
    assert capsys.readouterr().out.startswith(f"error {f}: cannot read:")


def test_schema_from_coq_and_from_ocaml_print_the_same_json() -> None:
    outs = []
    for source in ("coq", "ocaml"):
        done = subprocess.run([sys.executable, "-m", "pyspec.cli", "schema", "--from", source],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        outs.append(json.loads(done.stdout))
    assert outs[0] == outs[1]
    names = [t["name"] for t in outs[0]["types"]]
    assert names == sorted(names) and "state" in names


def test_schema_of_an_unreadable_source_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.mli"
    bad.write_text("type t = A of\n")
    assert main(["schema", "--from", "ocaml", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"vcert schema: {bad}:2:1:")
