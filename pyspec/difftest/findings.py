"""Findings: an append-only, content-addressed directory of divergences.

A finding is named after what it is, not after when it was found:
`<oracle>-s<seed>-<hash>.json`, the hash over the failing case (context,
initial state, actions, pairing, cache configuration).  The same case found
again, by a later run or another worker, has the same name, and a file is
never overwritten: it is written to a temporary name, flushed, fsync'ed and
then *linked* into place, which fails if the name exists.  The shrunk
reproducer goes beside it, as `<name>.shrunk.json` (the whole finding with
its `shrunk` field), written the same way.  So a run never deletes or
replaces what an earlier one found, and a run killed at any point leaves
only complete files behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

FORMAT = "vcert-finding/1"
SHRUNK_SUFFIX = ".shrunk.json"


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
    # The campaign sequence it came from (-1: not from a numbered sequence).
    index: int = -1

    @property
    def name(self) -> str:
        case = {"oracle": self.oracle, "context": self.context,
                "initial_state": self.initial_state, "actions": self.actions,
                "paired": self.paired, "cache": self.cache}
        digest = hashlib.sha256(json.dumps(case, sort_keys=True, separators=(",", ":"))
                                .encode()).hexdigest()
        return f"{self.oracle}-s{self.seed}-{digest[:12]}"

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Finding":
        if data.get("format") != FORMAT:
            raise ValueError(f"not a VirtualCert finding (format {data.get('format')!r}, "
                             f"expected {FORMAT!r})")
        values = {k: v for k, v in data.items() if k != "format"}
        known = {f.name for f in fields(cls)}
        if set(values) - known:
            raise ValueError(f"unknown finding fields {sorted(set(values) - known)}")
        missing = set(_REQUIRED) - set(values)
        if missing:
            raise ValueError(f"finding lacks fields {sorted(missing)}")
        for name, kinds in _TYPES.items():
            value = values.get(name)
            if name in values and (isinstance(value, bool) or not isinstance(value, kinds)):
                raise ValueError(f"finding field {name!r} is a {type(values[name]).__name__}, "
                                 f"expected {' or '.join(k.__name__ for k in kinds)}")
        return cls(**values)


_REQUIRED = ("oracle", "detail", "seed", "scope", "context", "initial_state", "actions", "step")
_TYPES: dict[str, tuple[type, ...]] = {
    "oracle": (str,), "detail": (str,), "seed": (int,), "scope": (dict,), "context": (dict,),
    "initial_state": (dict,), "actions": (list,), "step": (int,), "pyspec_trace": (list,),
    "driver_trace": (list,), "shrunk": (dict, type(None)), "shrink_stats": (dict, type(None)),
    "paired": (dict, type(None)), "cache": (dict, type(None)), "index": (int,),
}


def _write_then(path: Path, text: str, place) -> None:
    """Write `text` to a temporary file beside `path`, flush it to disk, then
    `place(tmp, path)`; the temporary file never outlives the call."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        place(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step (reports, summaries)."""
    _write_then(path, text, os.replace)


def write_new(path: Path, text: str) -> bool:
    """Create `path` holding `text` in one step, never replacing an existing
    file (a hard link fails if the name exists); False when it existed."""
    try:
        _write_then(path, text, os.link)
        return True
    except FileExistsError:
        return False


class FindingStore:
    """The directory of findings: `<name>.json` and `<name>.shrunk.json`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def save(self, finding: Finding) -> tuple[Path, bool]:
        """Write a new finding: its path, and False if an earlier run (or
        worker) had already written the same case."""
        path = self.path(finding.name)
        return path, write_new(path, json.dumps(finding.to_json(), indent=1))

    def save_shrunk(self, finding: Finding) -> Path:
        """Write the shrunk reproducer of `finding` beside it (kept if one exists)."""
        path = self.directory / f"{finding.name}{SHRUNK_SUFFIX}"
        write_new(path, json.dumps(finding.to_json(), indent=1))
        return path

    def is_shrunk(self, name: str) -> bool:
        return (self.directory / f"{name}{SHRUNK_SUFFIX}").is_file()


def load_finding(path: Path) -> Finding:
    """A finding file; for `<name>.json` its shrunk reproducer when there is one."""
    path = Path(path)
    shrunk = path.with_name(path.name[:-len(".json")] + SHRUNK_SUFFIX) \
        if path.name.endswith(".json") and not path.name.endswith(SHRUNK_SUFFIX) else None
    if shrunk is not None and shrunk.is_file():
        path = shrunk
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ValueError(f"{path}: no such finding file") from None
    except IsADirectoryError:
        raise ValueError(f"{path}: a directory, not a finding file") from None
    except PermissionError:
        raise ValueError(f"{path}: not readable") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    except RecursionError:
        raise ValueError(f"{path}: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a finding is a JSON object")
    try:
        return Finding.from_json(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def load_findings(directory: Path) -> list[Finding]:
    return [load_finding(p) for p in sorted(Path(directory).glob("*.json"))
            if not p.name.endswith(SHRUNK_SUFFIX)]
