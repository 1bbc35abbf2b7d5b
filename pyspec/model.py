"""The VirtualCert data model: immutable Python mirrors of coq/Model.v, Actions.v,
Errors.v and ValidDec.v.

The mapping to Coq is mechanical, so that tools can compare the two:

* A Coq constructor with arguments is a frozen, slotted dataclass whose class name
  is the exact Coq constructor name (``HC_new``, ``Write``, ``RW``, ``Os``,
  ``Error``...) and whose fields are the Coq argument names, in Coq order.
  Every such class carries ``TAG: ClassVar[str]``, the Coq constructor name.
* A Coq constructor without arguments in a type that also has constructors with
  arguments (``Other``, ``Hyp``, ``No_Owner``, ``Ret_ctrl``, ``Chmod``, ``Silent``,
  ``Ok``) is a field-less dataclass of the same shape; compare with ``==``.
* An inductive type whose constructors are all nullary (``ptype``, ``mode``,
  ``os_activity``, ``error_code``, ``vs_property``) is an ``Enum`` whose member
  names and values are the Coq constructor names, in Coq order.
* A Coq record is a frozen dataclass whose fields are the Coq field names in Coq
  order; its class name is the Coq type name in CamelCase (``os_info`` ->
  ``OsInfo``) and ``COQ_NAME: ClassVar[str]`` holds the Coq type name.
* A Coq inductive with argument-carrying constructors is a union type alias in
  CamelCase (``hyper_call`` -> ``HyperCall``).
* ``nat`` (and its aliases ``os_ident``, ``vadd``, ``padd``, ``madd``, ``value``)
  is ``int``; ``option A`` is ``A | None``; ``list A`` is ``tuple[A, ...]``;
  ``Maps.map V`` is ``IntMap[V]``, an immutable mapping with persistent updates.

``COQ_TYPES`` lists every Coq type with its Python counterpart and, for
inductives, its constructors in Coq order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from math import isqrt
from typing import ClassVar, Generic, Protocol, TypeVar, Union

V = TypeVar("V")

OsIdent = int
Vadd = int
Padd = int
Madd = int
Value = int


#: A map of at least this many entries is updated through an overlay (below)
#: rather than by copying its dict: under it a copy is as cheap as the overlay.
LARGE = 1024
#: An absent entry, for ``Index.follow``.
MISSING: object = object()


class IntMap(Mapping[int, V], Generic[V]):
    """An immutable finite map keyed by natural numbers (``Maps.map`` in Coq, a
    trie; also the cache and TLB, ``AList.alist``, association lists).

    Iteration follows the association-list order: ``set`` replaces an existing
    key in place and appends a new one, ``remove`` drops the key.  That order is
    meaningful for the cache and TLB (oldest first); a ``Maps.map`` is encoded
    in ascending key order, as the driver answers (``codec``).  Equality is
    extensional (same keys, same values), like ``Maps.meq``.  Updates return a
    new map and share the values with the old one.

    A map is *flat* (one dict, in iteration order) or, once large (``LARGE``),
    an *overlay*: a flat map's dict, never mutated and shared by the versions
    made from it, plus ``_top`` (entries set since, in the order they were first
    set) and ``_gone`` (keys of the dict removed since; if set again, they are in
    ``_top``, at the end).  An update copies the overlay only, and the overlay is
    merged into a new flat dict when it outgrows the square root of the dict,
    so an update costs O(sqrt n), not O(n).  Iterating, comparing, hashing or
    pickling an overlay first merges its entries (once: the map keeps them).
    """

    # `get`, `items`, `values` and `keys` are the dict's own bound methods on a
    # flat map, stored per map: the checks make tens of lookups per step, each of
    # which was a Python call wrapping the dict's.
    __slots__ = ("_items", "_top", "_gone", "_len", "_merged", "_hash", "_memo",
                 "get", "items", "values", "keys")

    def __init__(self, items: Mapping[int, V] | Iterable[tuple[int, V]] = ()) -> None:
        self._memo = None
        self._bind(dict(items))

    def _bind(self, items: dict[int, V]) -> None:
        """Make this map flat over ``items``."""
        self._items = items
        self._top: dict[int, V] | None = None
        self._hash: int | None = None
        self._read(items)

    def _read(self, items: dict[int, V]) -> None:
        """Serve reads from ``items`` (the map's entries, in order)."""
        self.get = items.get  # type: ignore[method-assign]
        self.items = items.items  # type: ignore[method-assign]
        self.values = items.values  # type: ignore[method-assign]
        self.keys = items.keys  # type: ignore[method-assign]

    @classmethod
    def _adopt(cls, items: dict[int, V]) -> IntMap[V]:
        """Wrap a dict that nobody else holds (no copy)."""
        new = cls.__new__(cls)
        new._memo = None
        new._bind(items)
        return new

    @classmethod
    def _overlay(cls, base: dict[int, V], top: dict[int, V], gone: frozenset[int],
                 length: int) -> IntMap[V]:
        if len(top) + len(gone) > max(64, isqrt(len(base))):
            return cls._adopt(_merge(base, top, gone))
        new = cls.__new__(cls)
        new._memo = None
        new._items, new._top, new._gone, new._len = base, top, gone, length
        new._merged = new._hash = None
        new.get = new._overlay_get  # type: ignore[method-assign]
        new.items = new._flat_items  # type: ignore[method-assign]
        new.values = new._flat_values  # type: ignore[method-assign]
        new.keys = new._flat_keys  # type: ignore[method-assign]
        return new

    def _overlay_get(self, key: int, default: object = None) -> object:
        value = self._top.get(key, MISSING)  # type: ignore[union-attr]
        if value is not MISSING:
            return value
        return default if key in self._gone else self._items.get(key, default)

    def _flat(self) -> dict[int, V]:
        """The entries as one dict in iteration order.  An overlay merges them
        once and then reads from the merged dict; it stays an overlay for its
        updates and for ``changed_since``."""
        if self._top is None:
            return self._items
        if self._merged is None:
            self._merged = _merge(self._items, self._top, self._gone)
            self._read(self._merged)
        return self._merged

    def _flat_items(self):  # type: ignore[no-untyped-def]
        return self._flat().items()

    def _flat_values(self):  # type: ignore[no-untyped-def]
        return self._flat().values()

    def _flat_keys(self):  # type: ignore[no-untyped-def]
        return self._flat().keys()

    def __reduce__(self) -> tuple:
        return (IntMap, (self._flat(),))

    def set(self, key: int, value: V) -> IntMap[V]:
        top = self._top
        if top is None and len(self._items) < LARGE:
            items = self._items.copy()
            items[key] = value
            new = IntMap._adopt(items)
        else:
            gone = frozenset() if top is None else self._gone
            top = {} if top is None else top.copy()
            top[key] = value
            new = IntMap._overlay(self._items, top, gone, len(self) + (key not in self))
        if self._memo is not None:
            self._hand_over(new, key, self.get(key, MISSING), value)
        return new

    def remove(self, key: int) -> IntMap[V]:
        if key not in self:
            return self
        top = self._top
        if top is None and len(self._items) < LARGE:
            items = self._items.copy()
            del items[key]
            new = IntMap._adopt(items)
        else:
            gone = frozenset() if top is None else self._gone
            top = {} if top is None else top.copy()
            top.pop(key, None)
            if key in self._items:   # its place in the dict is dropped for good
                gone = gone | {key}
            new = IntMap._overlay(self._items, top, gone, len(self) - 1)
        if self._memo is not None:
            self._hand_over(new, key, self.get(key, MISSING), MISSING)
        return new

    def changed_since(self, older: IntMap[V]) -> set[int] | None:
        """Keys at which this map may differ from ``older`` (a superset), when
        that is cheap to tell: both are overlays of, or one is, the same dict.
        None otherwise."""
        if self._items is not older._items:
            return None
        keys: set[int] = set()
        for m in (self, older):
            if m._top is not None:
                keys.update(m._top)
                keys.update(m._gone)
        return keys

    def _hand_over(self, new: IntMap[V], key: int, old: object, value: object) -> None:
        """Pass this map's derived indexes (``memo``) on to ``new``, which
        differs from it at ``key`` only (``MISSING``: absent)."""
        memo = self._memo
        if memo is not None:
            self._memo = None
            for index in memo.values():
                index.follow(key, old, value)
            new._memo = memo

    def memo(self, kind: type[IndexT]) -> IndexT:
        """This map's index of class ``kind``, built from the map on first use
        (``kind(map)``).  An index follows the map's updates: ``set`` and
        ``remove`` hand it, updated in place by ``follow``, to the new map, so
        that a sequence of updates keeps one index; the old map, if asked
        again, builds a new one.  (Indexes are caches: invisible in the map's
        value, equality and pickling.  The hand-over is not atomic: threads
        should not update one map concurrently while it carries indexes.)"""
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
        index = memo.get(kind)
        if index is None:
            index = memo[kind] = kind(self)
        return index  # type: ignore[return-value]

    def __getitem__(self, key: int) -> V:
        if self._top is None:
            return self._items[key]
        value = self.get(key, MISSING)
        if value is MISSING:
            raise KeyError(key)
        return value  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        if self._top is None:
            return key in self._items
        return self.get(key, MISSING) is not MISSING  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[int]:
        return iter(self._flat())

    def __len__(self) -> int:
        return len(self._items) if self._top is None else self._len

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IntMap):
            return self is other or self._flat() == other._flat()
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._flat().items()))
        return self._hash

    def __repr__(self) -> str:
        return f"IntMap({self._flat()!r})"


def _merge(base: dict[int, V], top: dict[int, V], gone: frozenset[int]) -> dict[int, V]:
    """An overlay's entries in order: the keys of ``top`` that are in ``base``
    (and not ``gone``) keep their place, the others follow in ``top``'s order."""
    merged = {k: v for k, v in base.items() if k not in gone} if gone else base.copy()
    merged.update(top)
    return merged


IndexT = TypeVar("IndexT", bound="Index")


class Index(Protocol):
    """A derived index of an ``IntMap`` (see ``IntMap.memo``)."""

    def __init__(self, m: IntMap) -> None: ...

    def follow(self, key: int, old: object, new: object) -> None:
        """Update for the map's entry at ``key`` going from ``old`` to ``new``
        (either may be ``MISSING``)."""


_record = dataclass(frozen=True, slots=True)


# --- Context -------------------------------------------------------------------


@_record
class Context:
    COQ_NAME: ClassVar[str] = "context"
    hyp_window: tuple[Vadd, ...] = ()
    trusted_oss: tuple[OsIdent, ...] = ()

    def accessible(self, va: Vadd) -> bool:
        return va not in self.hyp_window

    def trusted(self, o: OsIdent) -> bool:
        return o in self.trusted_oss


# --- Guests --------------------------------------------------------------------


class Ptype(Enum):
    T_RW = "T_RW"
    T_PT = "T_PT"


@_record
class HC_new:
    TAG: ClassVar[str] = "HC_new"
    va: Vadd
    pa: Padd


@_record
class HC_del:
    TAG: ClassVar[str] = "HC_del"
    va: Vadd


@_record
class HC_lswitch:
    TAG: ClassVar[str] = "HC_lswitch"
    pa: Padd


@_record
class HC_pin:
    TAG: ClassVar[str] = "HC_pin"
    pa: Padd
    t: Ptype


@_record
class HC_unpin:
    TAG: ClassVar[str] = "HC_unpin"
    pa: Padd


HyperCall = Union[HC_new, HC_del, HC_lswitch, HC_pin, HC_unpin]


@_record
class OsInfo:
    COQ_NAME: ClassVar[str] = "os_info"
    curr_page: Padd
    hcall: HyperCall | None = None


class Mode(Enum):
    Usr = "Usr"
    Svc = "Svc"


class OsActivity(Enum):
    """``Waiting`` means the hypervisor is executing."""

    Running = "Running"
    Waiting = "Waiting"


# --- Memory --------------------------------------------------------------------


@_record
class RW:
    TAG: ClassVar[str] = "RW"
    v: Value | None


@_record
class PT:
    """A page table: virtual to machine addresses."""

    TAG: ClassVar[str] = "PT"
    m: IntMap[Madd]


@_record
class Other:
    TAG: ClassVar[str] = "Other"


PageContent = Union[RW, PT, Other]


@_record
class Hyp:
    TAG: ClassVar[str] = "Hyp"


@_record
class Os:
    TAG: ClassVar[str] = "Os"
    o: OsIdent


@_record
class No_Owner:
    TAG: ClassVar[str] = "No_Owner"


PageOwner = Union[Hyp, Os, No_Owner]


@_record
class Page:
    COQ_NAME: ClassVar[str] = "page"
    content: PageContent
    owner: PageOwner


# --- State ---------------------------------------------------------------------


@_record
class State:
    COQ_NAME: ClassVar[str] = "state"
    active_os: OsIdent
    exec_mode: Mode
    activity: OsActivity
    oss: IntMap[OsInfo]
    hyp: IntMap[IntMap[Madd]]
    mem: IntMap[Page]


# --- Actions -------------------------------------------------------------------


@_record
class Read:
    TAG: ClassVar[str] = "Read"
    va: Vadd


@_record
class Write:
    TAG: ClassVar[str] = "Write"
    va: Vadd
    v: Value


@_record
class Read_hyper:
    TAG: ClassVar[str] = "Read_hyper"
    va: Vadd


@_record
class Write_hyper:
    TAG: ClassVar[str] = "Write_hyper"
    va: Vadd
    v: Value


@_record
class Hcall:
    TAG: ClassVar[str] = "Hcall"
    h: HyperCall


@_record
class New:
    TAG: ClassVar[str] = "New"
    o: OsIdent
    va: Vadd
    pa: Padd


@_record
class Del:
    TAG: ClassVar[str] = "Del"
    o: OsIdent
    va: Vadd


@_record
class Lswitch:
    TAG: ClassVar[str] = "Lswitch"
    o: OsIdent
    pa: Padd


@_record
class Switch:
    TAG: ClassVar[str] = "Switch"
    o: OsIdent


@_record
class Ret_ctrl:
    TAG: ClassVar[str] = "Ret_ctrl"


@_record
class Chmod:
    TAG: ClassVar[str] = "Chmod"


@_record
class Page_pin:
    TAG: ClassVar[str] = "Page_pin"
    o: OsIdent
    pa: Padd
    t: Ptype


@_record
class Page_unpin:
    TAG: ClassVar[str] = "Page_unpin"
    o: OsIdent
    pa: Padd


@_record
class Silent:
    TAG: ClassVar[str] = "Silent"


Action = Union[
    Read, Write, Read_hyper, Write_hyper, Hcall, New, Del, Lswitch, Switch,
    Ret_ctrl, Chmod, Page_pin, Page_unpin, Silent,
]

# --- Errors and results --------------------------------------------------------


class ErrorCode(Enum):
    Unknown_os = "Unknown_os"
    Wrong_os_activity = "Wrong_os_activity"
    Not_active_os = "Not_active_os"
    Wrong_hcall = "Wrong_hcall"
    No_access_va_os = "No_access_va_os"
    Invalid_vadd = "Invalid_vadd"
    Wrong_page_type = "Wrong_page_type"
    No_access_va_hyp = "No_access_va_hyp"
    Trusted_os_hcall = "Trusted_os_hcall"
    Invalid_padd = "Invalid_padd"
    Pending_hcall = "Pending_hcall"
    Padd_in_use = "Padd_in_use"
    No_free_memory = "No_free_memory"
    Page_in_use = "Page_in_use"


@_record
class Ok:
    TAG: ClassVar[str] = "Ok"


@_record
class Error:
    TAG: ClassVar[str] = "Error"
    ec: ErrorCode


Outcome = Union[Ok, Error]


@_record
class Result:
    COQ_NAME: ClassVar[str] = "result"
    response: Outcome
    result_state: State


# --- valid_state properties (ValidDec.v) ---------------------------------------


class VsProperty(Enum):
    """The eight valid_state properties of MODEL.md section 3, in order."""

    Trusted_no_hcall = "Trusted_no_hcall"
    Running_no_hcall = "Running_no_hcall"
    Svc_when_privileged = "Svc_when_privileged"
    Usr_when_untrusted = "Usr_when_untrusted"
    Hyp_maps_owned = "Hyp_maps_owned"
    Page_tables_owned = "Page_tables_owned"
    Os_tables_exist = "Os_tables_exist"
    Accessible_mappings_physical = "Accessible_mappings_physical"

    @property
    def number(self) -> int:
        """The property's number in MODEL.md (1 to 8)."""
        return list(VsProperty).index(self) + 1


# --- Singletons and the Coq registry -------------------------------------------

OTHER = Other()
HYP = Hyp()
NO_OWNER = No_Owner()
RET_CTRL = Ret_ctrl()
CHMOD = Chmod()
SILENT = Silent()
OK = Ok()

#: Coq inductive type name -> its constructor classes, in Coq order.
INDUCTIVES: dict[str, tuple[type, ...]] = {
    "hyper_call": (HC_new, HC_del, HC_lswitch, HC_pin, HC_unpin),
    "page_content": (RW, PT, Other),
    "page_owner": (Hyp, Os, No_Owner),
    "action": (
        Read, Write, Read_hyper, Write_hyper, Hcall, New, Del, Lswitch, Switch,
        Ret_ctrl, Chmod, Page_pin, Page_unpin, Silent,
    ),
    "outcome": (Ok, Error),
}

#: Coq enumeration type name -> its Enum (members in Coq order).
ENUMS: dict[str, type[Enum]] = {
    "ptype": Ptype,
    "mode": Mode,
    "os_activity": OsActivity,
    "error_code": ErrorCode,
    "vs_property": VsProperty,
}

#: Coq record type name -> its dataclass.
RECORDS: dict[str, type] = {
    cls.COQ_NAME: cls for cls in (Context, OsInfo, Page, State, Result)
}

#: Every Coq type of the model -> its Python counterpart (class, Enum or union).
COQ_TYPES: dict[str, object] = {
    **RECORDS,
    **ENUMS,
    "hyper_call": HyperCall,
    "page_content": PageContent,
    "page_owner": PageOwner,
    "action": Action,
    "outcome": Outcome,
}
