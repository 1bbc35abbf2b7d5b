#!/usr/bin/env python3
"""Rebuild the Coq development from scratch and audit it.

Steps: a clean parallel build with per-file times; a scan of coq/ for
Admitted/admit/Axiom/Parameter/Conjecture outside comments; `Print Assumptions`
on every theorem listed in coq/THEOREMS.md (each must be closed); `coqchk` over
the whole library; a one-line summary (files, spec and proof lines, theorems,
seconds). Exits non-zero on the first failing stage, saying which and why.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COQ = ROOT / "coq"
LOGICAL_ROOT = "VirtualCert"
FORBIDDEN = re.compile(r"\b(Admitted|admit|Axiom|Axioms|Parameter|Parameters|Conjecture)\b")
TIMED_LINE = re.compile(r"^(?P<file>\S+\.vo) \(real: (?P<real>[\d.]+)")
THEOREM_ROW = re.compile(r"^\|\s*`?(?P<name>[A-Za-z_][\w']*)`?\s*\|\s*`?(?P<file>[\w/]+\.v)`?\s*\|")


class AuditError(Exception):
    """A stage of the audit failed; the message says which and why."""


@dataclass(frozen=True)
class Theorem:
    name: str
    module: str  # logical module path below the root, e.g. "StepSound"

    @property
    def qualified(self) -> str:
        return f"{LOGICAL_ROOT}.{self.module}.{self.name}"


def run(cmd: list[str], cwd: Path = COQ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, text=True, capture_output=True)


def project_files() -> list[str]:
    lines = (COQ / "_CoqProject").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip().endswith(".v")]


def module_of(vfile: str) -> str:
    return vfile[:-2].replace("/", ".")


def strip_comments(text: str) -> str:
    """Remove (nested) Coq comments and string literals, keeping line breaks."""
    out: list[str] = []
    depth = 0
    i = 0
    in_string = False
    while i < len(text):
        two = text[i : i + 2]
        ch = text[i]
        if in_string:
            if ch == '"':
                in_string = False
            out.append("\n" if ch == "\n" else " ")
            i += 1
        elif two == "(*":
            depth += 1
            out.append("  ")
            i += 2
        elif two == "*)" and depth > 0:
            depth -= 1
            out.append("  ")
            i += 2
        elif depth > 0:
            out.append("\n" if ch == "\n" else " ")
            i += 1
        elif ch == '"':
            in_string = True
            out.append(" ")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def build(jobs: int) -> list[tuple[str, float]]:
    """Clean rebuild; returns (file, seconds) per compiled file."""
    mk = run(["coq_makefile", "-f", "_CoqProject", "-o", "CoqMakefile"])
    if mk.returncode != 0:
        raise AuditError(f"coq_makefile failed:\n{mk.stderr}")
    run(["make", "-f", "CoqMakefile", "clean"])
    proc = subprocess.Popen(
        ["make", "-f", "CoqMakefile", f"-j{jobs}", "TIMED=1"],
        cwd=COQ, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    times: list[tuple[str, float]] = []
    assert proc.stdout is not None
    log: list[str] = []
    for line in proc.stdout:
        log.append(line)
        match = TIMED_LINE.match(line.strip())
        if match:
            times.append((match["file"][:-1], float(match["real"])))
            print(f"  {match['file'][:-1]:<32} {float(match['real']):7.2f} s", flush=True)
    if proc.wait() != 0:
        raise AuditError("the Coq build failed:\n" + "".join(log[-40:]))
    return times


def scan_forbidden(files: list[str]) -> None:
    hits = []
    for vfile in sorted({str(p.relative_to(COQ)) for p in COQ.rglob("*.v")} | set(files)):
        text = strip_comments((COQ / vfile).read_text())
        for lineno, line in enumerate(text.splitlines(), 1):
            for match in FORBIDDEN.finditer(line):
                hits.append(f"coq/{vfile}:{lineno}: {match.group(1)}")
    if hits:
        raise AuditError("forbidden commands in coq/ (no admits or axioms allowed):\n" + "\n".join(hits))


def listed_theorems() -> list[Theorem]:
    listing = COQ / "THEOREMS.md"
    if not listing.exists():
        raise AuditError("coq/THEOREMS.md is missing: it lists the theorems to audit")
    theorems = []
    for line in listing.read_text().splitlines():
        match = THEOREM_ROW.match(line.strip())
        if match and match["name"] != "name":
            theorems.append(Theorem(match["name"], module_of(match["file"])))
    if not theorems:
        raise AuditError("coq/THEOREMS.md lists no theorem rows (| name | file | meaning |)")
    return theorems


def check_assumptions(theorems: list[Theorem]) -> None:
    modules = sorted({t.module for t in theorems})
    lines = [f"From {LOGICAL_ROOT} Require {m}." for m in modules]
    for t in theorems:
        lines.append(f'Print Assumptions {t.qualified}.')
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "Audit.v"
        probe.write_text("\n".join(lines) + "\n")
        proc = run(["coqc", "-Q", str(COQ), LOGICAL_ROOT, str(probe)])
    if proc.returncode != 0:
        raise AuditError(f"Print Assumptions failed:\n{proc.stderr or proc.stdout}")
    answers = re.split(r"(?m)^(?=Closed under the global context|Axioms:)", proc.stdout)
    answers = [a for a in answers if a.strip()]
    if len(answers) != len(theorems):
        raise AuditError(f"could not read Print Assumptions output:\n{proc.stdout}")
    open_ones = [
        f"{t.qualified}:\n{a.strip()}" for t, a in zip(theorems, answers)
        if not a.startswith("Closed under the global context")
    ]
    if open_ones:
        raise AuditError("theorems that depend on assumptions:\n" + "\n".join(open_ones))


def coqchk(files: list[str]) -> None:
    """Check the library with coqchk; its context summary must list nothing unsafe."""
    modules = [f"{LOGICAL_ROOT}.{module_of(f)}" for f in files]
    proc = run(["coqchk", "-silent", "-o", "-Q", ".", LOGICAL_ROOT, *modules])
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AuditError(f"coqchk failed:\n{output}")
    summary = re.findall(r"^\* (.+?):\s*(.*?)\s*(?=^\* |\Z)", output, re.M | re.S)
    if not summary:
        raise AuditError(f"could not read coqchk's context summary:\n{output}")
    unsafe = [f"{what}: {items}" for what, items in summary
              if what != "Theory" and items != "<none>"]
    if unsafe:
        raise AuditError("coqchk reports:\n" + "\n".join(unsafe))


def line_counts(files: list[str]) -> tuple[int, int]:
    proc = run(["coqwc", *files])
    total = proc.stdout.strip().splitlines()[-1].split()
    return int(total[0]), int(total[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    start = time.monotonic()
    files = project_files()
    stage = "build"
    try:
        print(f"proofs: building {len(files)} files from scratch (-j{args.jobs})", flush=True)
        build(args.jobs)
        stage = "scan"
        scan_forbidden(files)
        print("proofs: no Admitted/admit/Axiom/Parameter/Conjecture in coq/", flush=True)
        stage = "assumptions"
        theorems = listed_theorems()
        check_assumptions(theorems)
        print(f"proofs: Print Assumptions: all {len(theorems)} listed theorems closed", flush=True)
        stage = "coqchk"
        coqchk(files)
        print("proofs: coqchk passed, no axioms", flush=True)
    except AuditError as err:
        print(f"proofs: FAILED at {stage}: {err}", file=sys.stderr)
        return 1
    spec, proof = line_counts(files)
    seconds = time.monotonic() - start
    print(
        f"proofs: OK: {len(files)} files, {spec} lines of spec, {proof} lines of proof, "
        f"{len(theorems)} theorems, {seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
