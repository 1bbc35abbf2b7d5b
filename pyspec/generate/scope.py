"""The one scope of generation: how big states are, which values writes use,
and how often the generator builds the shapes that make bugs show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Scope:
    guests: int = 3             # how many guests; their ids are drawn from 0..guests+1,
                                # uniform actions name ids 0..guests+2 (one beyond)
    pages: int = 16             # machine pages 0..pages-1
    vadds: int = 8              # virtual addresses 0..vadds-1
    padds: int = 16             # physical addresses 0..padds-1
    window: int = 2             # how many virtual addresses form the hypervisor window
    trusted: int | None = None  # how many guests are trusted (None: random per state)
    values: int = 4             # generated writes use values 0..values-1
    max_page_tables: int = 2    # page tables per guest (orphans included)
    hcall_rate: float = 0.4     # chance that an untrusted guest has a hypercall pending
    orphan_rate: float = 0.1    # chance that a guest's page is not in its physical map

    def __post_init__(self) -> None:
        if self.guests < 1:
            raise ValueError("scope: at least one guest")
        if self.pages < self.guests:
            raise ValueError("scope: every guest needs a page table, so pages >= guests")
        if not 0 <= self.window <= self.vadds:
            raise ValueError("scope: the window must be a part of the virtual addresses")
        if self.padds < 1 or self.max_page_tables < 1 or self.values < 1:
            raise ValueError("scope: padds, max_page_tables and values must be positive")
        if self.trusted is not None and not 0 <= self.trusted <= self.guests:
            raise ValueError("scope: trusted must be between 0 and guests")
        if not (0 <= self.hcall_rate <= 1 and 0 <= self.orphan_rate <= 1):
            raise ValueError("scope: hcall_rate and orphan_rate are probabilities")

    def scaled(self, factor: int) -> Scope:
        """The same shape with `factor` times the pages and addresses."""
        return Scope(self.guests, self.pages * factor, self.vadds * factor,
                     self.padds * factor, self.window * factor, self.trusted, self.values,
                     self.max_page_tables, self.hcall_rate, self.orphan_rate)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Scope:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown scope fields: {sorted(unknown)}")
        return cls(**data)

    @classmethod
    def parse(cls, text: str) -> Scope:
        """`guests=2,pages=8,trusted=1,hcall_rate=0.6` (unnamed fields keep their
        defaults)."""
        floats = {"hcall_rate", "orphan_rate"}
        data: dict = {}
        for item in filter(None, (p.strip() for p in text.split(","))):
            key, sep, raw = item.partition("=")
            key, raw = key.strip(), raw.strip()
            if not sep:
                raise ValueError(f"scope item {item!r} is not key=value")
            kind = float if key in floats else int
            try:
                data[key] = None if raw == "none" else kind(raw)
            except ValueError:
                raise ValueError(f"scope item {item!r}: {raw!r} is not "
                                 f"{'a number' if kind is float else 'an integer'}") from None
        return cls.from_json(data)


DEFAULT_SCOPE = Scope()
SMALL_SCOPE = Scope(guests=2, pages=5, vadds=3, padds=4, window=1, trusted=1, values=2)
