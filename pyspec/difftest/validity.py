"""pyspec's `valid_state` along a sequence, re-evaluating only the properties
whose inputs changed.

`first_invalid` runs the eight property checks of `pyspec.semantics.valid`
(`CHECKS`) in MODEL.md's order.  Each check is a pure function of a few
parts of the (immutable) state:

  1 Trusted_no_hcall              ctx, oss
  2 Running_no_hcall              active_os, activity, oss
  3 Svc_when_privileged           ctx, active_os, activity, exec_mode
  4 Usr_when_untrusted            ctx, active_os, activity, exec_mode
  5 Hyp_maps_owned                hyp, and the owner of every page
  6 Page_tables_owned             ctx, and the owner and page-table contents of every page
  7 Os_tables_exist               active_os, the guests of oss and their current
                                  pages, hyp, and every page's owner and whether
                                  it is a page table
  8 Accessible_mappings_physical  ctx, hyp, and the owner and page-table contents of
                                  every page

(by reading `valid.py`: a page's `content` is only tested for being a `PT`, and
only a `PT`'s table is read).  So given a state `prev` whose eight verdicts are
known and a state `s`, a property whose inputs are the same objects in both, or
(for `mem`) whose reads of every page agree, has the same verdict in `s`: it
need not be rerun.  Properties 6 and 8 are moreover conjunctions over the page
tables, one conjunct per table page; when they held in `prev` and only some
table pages changed (owners, and for 8 `hyp`, unchanged), the check itself is
run over the changed pages only.  Every other property is rerun on `s`.  The
result is therefore exactly `first_invalid(ctx, s)` (by induction along a
sequence from a fully checked initial state); tests/test_difftest_gen.py
compares the two on random valid and invalid states.
"""

from __future__ import annotations

from pyspec.model import PT, VsProperty
from pyspec.semantics.valid import CHECKS

PROPS = tuple(VsProperty)
_CHECKS = tuple(CHECKS[p] for p in PROPS)
Flags = tuple  # eight booleans: property i is violated


def full_flags(ctx: object, s: object) -> Flags:
    """The verdict of every property on `s` (True: violated)."""
    return tuple(next(check(ctx, s), None) is not None for check in _CHECKS)


def first_of(flags: Flags) -> VsProperty | None:
    for prop, bad in zip(PROPS, flags):
        if bad:
            return prop
    return None


def _mem_diff(m0: object, m1: object) -> tuple[list, bool] | None:
    """None unless the two `mem` maps have the same addresses and, at each, the
    same owner and the same page-table-ness.  Then: the addresses whose page
    changed, and whether every page table is unchanged."""
    if m0 is m1:
        return [], True
    if len(m0) != len(m1):
        return None
    keys = m1.changed_since(m0)   # a large mem: the few addresses a step may have set
    pages = m1.items() if keys is None else [(ma, m1.get(ma)) for ma in keys]
    changed = []
    tables = True
    get = m0.get
    for ma, p1 in pages:
        p0 = get(ma)
        if p0 is p1:
            continue
        if p0 is None or p1 is None or p0.owner != p1.owner:
            return None
        c0, c1 = p0.content, p1.content
        pt0 = isinstance(c0, PT)
        if pt0 != isinstance(c1, PT):
            return None
        if pt0 and c0.m != c1.m:
            tables = False
        changed.append(ma)
    return changed, tables


class _MemSubset:
    """`mem` for a check that iterates over it: only the pages at `keys` are
    iterated, lookups see every page.  (Nothing else is provided, so a check
    that used `mem` otherwise would fail loudly, not silently.)"""

    __slots__ = ("_mem", "_keys")

    def __init__(self, mem: object, keys: list) -> None:
        self._mem, self._keys = mem, keys

    def items(self) -> list:
        mem = self._mem
        return [(k, mem[k]) for k in self._keys]

    def get(self, key: int, default: object = None) -> object:
        return self._mem.get(key, default)

    def __getitem__(self, key: int) -> object:
        return self._mem[key]

    def __contains__(self, key: object) -> bool:
        return key in self._mem


class _PagesOf:
    """The state `s` seen by a per-page check limited to the pages at `keys`."""

    __slots__ = ("_s", "mem")

    def __init__(self, s: object, keys: list) -> None:
        self._s, self.mem = s, _MemSubset(s.mem, keys)

    def __getattr__(self, name: str) -> object:
        return getattr(self._s, name)


def next_flags(ctx: object, prev: object, prev_flags: Flags, s: object) -> Flags:
    """`full_flags(ctx, s)` given `prev_flags == full_flags(ctx, prev)`.

    Properties 6 and 8 are conjunctions over the page tables in `mem`, each
    conjunct reading one table page, the owners of pages (6) or `hyp` (8).
    When owners and `hyp` are unchanged and the property held in `prev`, every
    unchanged table still passes, so only the changed pages are checked."""
    if s is prev:
        return prev_flags
    checks = _CHECKS
    same_oss = s.oss is prev.oss
    same_hyp = s.hyp is prev.hyp
    diff = _mem_diff(prev.mem, s.mem)

    def run(i: int) -> bool:
        return next(checks[i](ctx, s), None) is not None

    def per_page(i: int) -> bool:
        """Property 6 or 8 (owners agree; for 8 also `hyp`)."""
        changed, tables = diff
        if tables:
            return prev_flags[i]
        if prev_flags[i]:
            return run(i)
        return next(checks[i](ctx, _PagesOf(s, changed)), None) is not None

    kinds = diff is not None
    same_control = (s.active_os == prev.active_os and s.activity is prev.activity)
    same_mode = same_control and s.exec_mode is prev.exec_mode
    return (
        prev_flags[0] if same_oss else run(0),
        prev_flags[1] if same_oss and same_control else run(1),
        prev_flags[2] if same_mode else run(2),
        prev_flags[3] if same_mode else run(3),
        prev_flags[4] if same_hyp and kinds else run(4),
        per_page(5) if kinds else run(5),
        (prev_flags[6] if same_hyp and kinds and s.active_os == prev.active_os
         and _same_pages(prev.oss, s.oss) else run(6)),
        per_page(7) if same_hyp and kinds else run(7),
    )


def _same_pages(o0: object, o1: object) -> bool:
    """The same guests with the same current pages (all that property 7 reads
    of `oss`; a served or issued hypercall changes only `hcall`)."""
    if o0 is o1:
        return True
    if len(o0) != len(o1):
        return False
    get = o0.get
    for o, i1 in o1.items():
        i0 = get(o)
        if i0 is None or i0.curr_page != i1.curr_page:
            return False
    return True
