"""The scope of a campaign: how big the generated states and arguments are."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Scope:
    guests: int = 3            # guest identifiers 1..guests
    pages: int = 12            # machine pages 0..pages-1
    vas: int = 8               # virtual addresses 0..vas-1
    pas: int = 6               # physical addresses 0..pas-1
    window: tuple[int, ...] = (0,)       # the hypervisor window (inaccessible vas)
    trusted: tuple[int, ...] = (1,)      # trusted guests
    values: int = 4            # written values 0..values-1

    def __post_init__(self) -> None:
        if self.guests < 1 or self.pages < 1 or self.vas < 1 or self.pas < 1 or self.values < 1:
            raise ValueError(f"scope sizes must be positive: {self}")
        if any(not 0 <= va < self.vas for va in self.window):
            raise ValueError(f"hyp window {self.window} outside 0..{self.vas - 1}")
        if any(not 1 <= o <= self.guests for o in self.trusted):
            raise ValueError(f"trusted guests {self.trusted} outside 1..{self.guests}")

    @property
    def guest_ids(self) -> list[int]:
        return list(range(1, self.guests + 1))

    def context(self) -> dict:
        return {"hyp_window": list(self.window), "trusted_oss": list(self.trusted)}

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Scope":
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown scope fields: {sorted(unknown)}")
        fields = dict(data)
        for key in ("window", "trusted"):
            if key in fields:
                fields[key] = tuple(fields[key])
        return cls(**fields)

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """`guests=3,pages=12,window=0:1,trusted=1`; lists separated by ':'."""
        fields: dict = {}
        for item in filter(None, (p.strip() for p in text.split(","))):
            key, sep, raw = item.partition("=")
            if not sep:
                raise ValueError(f"scope item {item!r} is not key=value")
            if key in ("window", "trusted"):
                fields[key] = [int(x) for x in raw.split(":") if x != ""]
            else:
                fields[key] = int(raw)
        return cls.from_json(fields)


DEFAULT_SCOPE = Scope()
SMALL_SCOPE = Scope(guests=2, pages=6, vas=4, pas=4, window=(0,), trusted=(1,), values=2)
