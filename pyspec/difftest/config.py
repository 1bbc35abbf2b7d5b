"""A campaign's configuration: everything that decides what it checks.

Sequence `i` of a campaign depends on the seed and `i` alone, and batch `b`
holds sequences `b*batch .. b*batch+batch-1`, so the configuration fixes the
work whatever runs it (with the corpus at run start, for a guided campaign:
`guidance.py`); it is saved with the run (`runs/<id>/config.json`)
so that `vcert diff --resume` can finish it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .scope import Scope


@dataclass
class CampaignConfig:
    seed: int = 0
    sequences: int = 2000
    length: int = 50
    jobs: int = 2
    batch: int = 32
    scope: Scope = field(default_factory=Scope)
    out: Path = Path("out")
    driver: str | None = None
    shrink_calls: int = 2000
    shrink_seconds: float = 20.0
    stop_on_finding: bool = False
    progress: bool = True
    cluster: str | None = None     # a Dask scheduler address, or "local:N"
    corpus: str | None = None      # the corpus directory (None: the run's own, in memory)
    guided_fraction: float = 0.0   # share of sequences derived from the corpus
    lag: int = 16                  # batch b derives from the corpus of batches < b-lag

    def to_json(self) -> dict:
        data = asdict(self)
        data["scope"] = self.scope.to_json()
        data["out"] = str(self.out)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "CampaignConfig":
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or set(data) - known:
            raise ValueError(f"not a campaign configuration (unknown fields "
                             f"{sorted(set(data) - known) if isinstance(data, dict) else data})")
        values = dict(data)
        values["scope"] = Scope.from_json(values.get("scope", {}))
        values["out"] = Path(values.get("out", "out"))
        return cls(**values)
