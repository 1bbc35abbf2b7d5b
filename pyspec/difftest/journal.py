"""The record of one campaign run in its output folder, for reports and resume.

    DIR/findings/            every finding of every run (append-only, findings.py)
    DIR/runs/<run>/config.json    the campaign configuration
    DIR/runs/<run>/batches.jsonl  one line per batch done: its report, with the
                                  finding references it produced
    DIR/runs/<run>/summary.json   the run's summary (and report.html)
    DIR/summary.json, DIR/report.html   copies of the latest run's

A batch's line is appended (and flushed to disk) only after its findings
are on disk, so `vcert diff --resume DIR` can rebuild everything done from
the journal and run only the batches missing from it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .config import CampaignConfig
from .findings import write_atomic


@dataclass
class RunJournal:
    directory: Path

    @property
    def run(self) -> str:
        return self.directory.name

    @classmethod
    def create(cls, out: Path, seed: int, config: dict) -> "RunJournal":
        """A new run folder for a run of `config` (a JSON object with its "mode")."""
        runs = out / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        for n in range(1000):
            directory = runs / f"{stamp}-s{seed}" if n == 0 else runs / f"{stamp}-s{seed}-{n}"
            try:
                directory.mkdir()
                break
            except FileExistsError:
                continue
        else:
            raise OSError(f"{runs}: cannot create a new run folder")
        journal = cls(directory)
        write_atomic(directory / "config.json", json.dumps(config, indent=1))
        return journal

    @classmethod
    def latest(cls, out: Path) -> "RunJournal":
        """The newest campaign run in `out` (for --resume)."""
        runs = sorted(p for p in (out / "runs").glob("*") if _mode(p) == "campaign") \
            if (out / "runs").is_dir() else []
        if not runs:
            raise ValueError(f"{out}: no campaign run to resume (no runs/*/config.json)")
        return cls(runs[-1])

    def config(self) -> CampaignConfig:
        try:
            data = json.loads((self.directory / "config.json").read_text())
            data.pop("mode", None)
            return CampaignConfig.from_json(data)
        except (OSError, json.JSONDecodeError, ValueError, TypeError) as exc:
            raise ValueError(f"{self.directory / 'config.json'}: unreadable configuration: "
                             f"{exc}") from None

    def done(self) -> list[dict]:
        """The batch records written so far (a line cut short by a kill is ignored)."""
        path = self.directory / "batches.jsonl"
        records = []
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records

    def append(self, record: dict) -> None:
        with open(self.directory / "batches.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def earlier_runs(self) -> list[str]:
        return sorted(p.name for p in self.directory.parent.iterdir()
                      if p.is_dir() and p.name < self.run)


def _mode(run: Path) -> str | None:
    try:
        return json.loads((run / "config.json").read_text()).get("mode")
    except (OSError, json.JSONDecodeError, AttributeError):
        return None
