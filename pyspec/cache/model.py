"""Python mirrors of the cache variant's types (coq/CacheModel.v, coq/CacheStep.v).

Laid out like ``pyspec.model`` (records with ``COQ_NAME`` and Coq field order,
an ``Enum`` for the all-nullary ``access_obs``) and with the same registries,
so that the schema drift check (``vcert schema-check``) reads it the same way.
``COQ_TYPES`` also lists the base model's types, which the fields refer to.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from pyspec import model
from pyspec.model import IntMap, Madd, Outcome, Page, State  # noqa: F401  (field annotations)

_record = dataclass(frozen=True, slots=True)


@_record
class CacheConfig:
    COQ_NAME: ClassVar[str] = "cache_config"
    cache_size: int
    tlb_size: int
    flush_on_switch: bool  # False: the leaky variant that keeps the caches across Switch


@_record
class CState:
    COQ_NAME: ClassVar[str] = "cstate"
    hv: State
    cache: IntMap[Page]   # virtual address -> a copy of the page it reads
    tlb: IntMap[Madd]     # virtual address -> machine address


class AccessObs(Enum):
    """Where a guest access was served from: what the guest can time."""

    Cache_hit = "Cache_hit"
    Tlb_hit = "Tlb_hit"
    Page_walk = "Page_walk"


@_record
class CResult:
    COQ_NAME: ClassVar[str] = "cresult"
    cresponse: Outcome
    observation: AccessObs | None  # only for a guest's successful Read / Write
    cresult_state: CState


def empty_caches(s: State) -> CState:
    return CState(s, IntMap(), IntMap())


#: Registries in the layout of ``pyspec.model`` (only this variant's types).
ENUMS: dict[str, type[Enum]] = {"access_obs": AccessObs}
INDUCTIVES: dict[str, tuple[type, ...]] = {}
RECORDS: dict[str, type] = {cls.COQ_NAME: cls for cls in (CacheConfig, CState, CResult)}
COQ_TYPES: dict[str, object] = {**model.COQ_TYPES, **RECORDS, **ENUMS}
