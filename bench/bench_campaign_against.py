"""Benchmark: the campaign's throughput against an earlier commit, side by side.

Workload: the default-scope campaign CAMPAIGN (`vcert diff`, two workers),
run ALTERNATIONS times in this tree and in a copy of commit REV (its own
pyspec and its own driver, built from its committed extraction), alternately,
so that both see the same machine load. Figures: each run's steps per second
(the summary's steps over its seconds), the median of each side, and their
ratio. Aim (issue "an executable specification that scales"): the tries of
this tree cost the default scope no more than 10% of the throughput of the
association lists before them (BASE), printed as met or NOT met (a benchmark
always exits 0).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "78c80f27b210d27946b8fd878f8b3e6f10060276"   # main before the tries: association lists
CAMPAIGN = ["diff", "--jobs", "2", "--sequences", "3000", "--length", "50", "--seed", "0",
            "--no-progress"]
ALTERNATIONS = 3
AIM_RATIO = 0.9


def copy_of(rev: str, into: Path) -> Path | None:
    """The tree of `rev` (committed files only) under `into`, or None if this
    clone does not have it."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True)
    if archive.returncode != 0:
        return None
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into)
    return into


def build_driver(tree: Path) -> None:
    # `-o bootstrap`: the toolchain is this tree's business, already done.
    subprocess.run(["make", "-s", "-o", "bootstrap", "driver"], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL)


def steps_per_second(tree: Path, out: Path) -> float:
    """One campaign with `tree`'s pyspec and driver."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("VCERT_DRIVER", None)
    subprocess.run([sys.executable, "-m", "pyspec.cli", *CAMPAIGN, "--out", str(out)],
                   cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
    summary = json.loads((out / "summary.json").read_text())
    return summary["steps"] / summary["seconds"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=BASE, metavar="REV",
                        help="the commit to compare with (default: %(default).12s, before the tries)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = copy_of(args.against, Path(tmp) / "base")
        if base is None:
            print(f"skipped: {args.against} is not in this clone (a shallow clone? "
                  "`git fetch --unshallow`)")
            return 0
        subprocess.run(["make", "-s", "driver"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        build_driver(base)
        rates: dict[str, list[float]] = {"this tree": [], args.against[:12]: []}
        for i in range(ALTERNATIONS):
            for (name, runs), tree in zip(rates.items(), (ROOT, base)):
                runs.append(steps_per_second(tree, Path(tmp) / f"out-{name}-{i}"))
            print(f"run {i + 1}: " + ", ".join(f"{name} {runs[-1]:,.0f} steps/s"
                                              for name, runs in rates.items()), flush=True)
    now, before = (statistics.median(runs) for runs in rates.values())
    ratio = now / before
    print(f"median: this tree {now:,.0f} steps/s, {args.against[:12]} {before:,.0f} steps/s; "
          f"ratio {ratio:.2f} (aim >= {AIM_RATIO}: {'met' if ratio >= AIM_RATIO else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
