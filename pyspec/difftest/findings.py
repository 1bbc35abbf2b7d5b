"""Findings: one JSON file per divergence, written the moment it is found.

Files are written to a temporary name, flushed, fsync'ed and renamed, so a
campaign killed at any point leaves only complete findings behind.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "vcert-finding/1"


@dataclass
class Finding:
    oracle: str                 # which check failed: "agreement", "post", "valid_state", ...
    detail: str                 # one line saying what differed
    seed: int
    scope: dict
    context: dict
    initial_state: dict
    actions: list
    step: int                   # index of the failing action (-1: before any action)
    pyspec_trace: list = field(default_factory=list)   # [[response, state], ...]
    driver_trace: list = field(default_factory=list)
    shrunk: dict | None = None  # {"context", "initial_state", "actions", "step", "detail"}
    shrink_stats: dict | None = None
    # OS isolation findings: the twin state, the guest, and the paired schedule
    # ([run, action] events; `actions` is then empty).
    paired: dict | None = None
    # Cache-variant findings (pyspec/difftest/cache.py): the cache_config;
    # `initial_state` (and a pair's `state2`) are then base states for
    # paired runs, cstates for sequences.
    cache: dict | None = None

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Finding":
        if data.get("format") != FORMAT:
            raise ValueError(f"not a VirtualCert finding (format {data.get('format')!r}, "
                             f"expected {FORMAT!r})")
        fields = {k: v for k, v in data.items() if k != "format"}
        missing = {"oracle", "detail", "seed", "scope", "context", "initial_state",
                   "actions", "step"} - set(fields)
        if missing:
            raise ValueError(f"finding lacks fields {sorted(missing)}")
        return cls(**fields)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class FindingStore:
    """A directory of findings named `<worker>-<n>-<oracle>.json`."""

    def __init__(self, directory: Path, worker: int = 0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.worker = worker
        self.count = 0

    def save(self, finding: Finding, path: Path | None = None) -> Path:
        if path is None:
            self.count += 1
            path = self.directory / f"w{self.worker}-{self.count:04d}-{finding.oracle}.json"
        write_atomic(path, json.dumps(finding.to_json(), indent=1))
        return path


def load_finding(path: Path) -> Finding:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such finding file") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a finding is a JSON object")
    return Finding.from_json(data)


def load_findings(directory: Path) -> list[Finding]:
    return [load_finding(p) for p in sorted(Path(directory).glob("*.json"))]
