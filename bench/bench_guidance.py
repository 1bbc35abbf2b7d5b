"""Benchmark: coverage-guided campaigns against unguided ones.

For each seed of SEEDS it runs the default campaign (SEQUENCES x LENGTH,
`--jobs` JOBS) guided (guided fraction 0.5, the default) and unguided
(fraction 0), alternating, and prints per run:
  * the obligations met after 500, 1000 and 2000 sequences (the batches'
    coverage added up in batch order, from the run's journal), and the
    sequences after which `never hit` is empty (or "-");
  * the run's rate (steps/s) and its corpus: entries added, sequences
    derived, and how many derived and random ones met obligations first.
Then the median rate of each kind and their ratio.  Aim (issue 11): guided
at least 0.85 x unguided; printed as met or NOT met (a benchmark: it always
exits 0).  `python3 bench/bench_guidance.py [SEQUENCES]`.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyspec.difftest.campaign import CampaignConfig, run_campaign  # noqa: E402
from pyspec.difftest.coverage import Coverage  # noqa: E402

SEEDS = (0, 1, 2)
SEQUENCES = 2000
LENGTH = 50
JOBS = 2
MARKS = (500, 1000, 2000)
AIM = 0.85


def met_over_time(journal: Path, batch: int) -> tuple[dict[int, int], int | None]:
    """Obligations met after each of MARKS sequences, and the sequences
    after which every obligation was met (None: never)."""
    records = sorted((json.loads(line) for line in journal.read_text().splitlines()
                      if line.startswith('{"batch"')), key=lambda r: r["batch"])
    cov, marks, full = Coverage(), {}, None
    for r in records:
        cov.merge(Coverage.from_json(r["coverage"]))
        seen = (r["batch"] + 1) * batch      # (the first batch to reach a mark counts)
        for m in MARKS:
            if m not in marks and seen >= m:
                marks[m] = cov.covered()
        if full is None and cov.covered() == cov.total():
            full = seen
    return marks, full


def run(seed: int, fraction: float, sequences: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = CampaignConfig(seed=seed, sequences=sequences, length=LENGTH, jobs=JOBS,
                             out=Path(tmp), progress=False, guided_fraction=fraction)
        res = run_campaign(cfg)
        journal = next((Path(tmp) / "runs").glob("*/batches.jsonl"))
        marks, full = met_over_time(journal, cfg.batch)
    return {"rate": res.rate, "marks": marks, "full": full, "total": res.coverage.total(),
            "corpus": res.corpus}


def main() -> int:
    sequences = int(sys.argv[1]) if len(sys.argv) > 1 else SEQUENCES
    rates: dict[str, list[float]] = {"guided": [], "unguided": []}
    print(f"{sequences} x {LENGTH}, --jobs {JOBS}; obligations met after "
          f"{', '.join(map(str, MARKS))} sequences; sequences until none is missed")
    for seed in SEEDS:
        for kind, fraction in (("guided", 0.5), ("unguided", 0.0)):
            r = run(seed, fraction, sequences)
            rates[kind].append(r["rate"])
            c = r["corpus"]
            marks = " / ".join(str(r["marks"].get(m, "-")) for m in MARKS)
            print(f"seed {seed} {kind:<8} met {marks} of {r['total']}; all met after "
                  f"{r['full'] or '-'}; {r['rate']:,.0f} steps/s; corpus +{c['added']}, "
                  f"{c['derived_sequences']} derived, first met by {c['novel_derived']} "
                  f"derived / {c['novel_random']} random")
    g, u = statistics.median(rates["guided"]), statistics.median(rates["unguided"])
    ratio = g / u if u else 0.0
    print(f"median rate: guided {g:,.0f}, unguided {u:,.0f} steps/s; ratio {ratio:.2f} "
          f"({'met' if ratio >= AIM else 'NOT met'}: >= {AIM})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
