"""The scope of a campaign: pyspec's state-generator scope plus the range of
values written by generated actions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from pyspec.generate import Scope as StateScope


@dataclass(frozen=True)
class Scope:
    guests: int = 3            # how many guests; their ids are drawn from 0..guests+1,
                               # uniform actions name ids 0..guests+2 (one beyond)
    pages: int = 16            # machine pages 0..pages-1
    vadds: int = 8             # virtual addresses 0..vadds-1
    padds: int = 16            # physical addresses 0..padds-1
    window: int = 2            # how many virtual addresses form the hypervisor window
    trusted: int | None = None  # how many guests are trusted (None: random per state)
    values: int = 4            # generated writes use values 0..values-1

    def __post_init__(self) -> None:
        if self.values < 1:
            raise ValueError("scope: values must be positive")
        self.state_scope()   # pyspec's Scope checks the rest

    def state_scope(self) -> StateScope:
        return StateScope(guests=self.guests, pages=self.pages, vadds=self.vadds,
                          padds=self.padds, window=self.window, trusted=self.trusted)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Scope":
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown scope fields: {sorted(unknown)}")
        return cls(**data)

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """`guests=2,pages=8,trusted=1` (unnamed fields keep their defaults)."""
        data: dict = {}
        for item in filter(None, (p.strip() for p in text.split(","))):
            key, sep, raw = item.partition("=")
            if not sep:
                raise ValueError(f"scope item {item!r} is not key=value")
            try:
                data[key.strip()] = None if raw.strip() == "none" else int(raw)
            except ValueError:
                raise ValueError(f"scope item {item!r}: {raw!r} is not an integer") from None
        return cls.from_json(data)


DEFAULT_SCOPE = Scope()
SMALL_SCOPE = Scope(guests=2, pages=5, vadds=3, padds=4, window=1, trusted=1, values=2)
