"""A small builder for writing states by hand (tests, docs, examples).

    ctx, s = (StateBuilder(hyp_window=[100])
              .guest(1)                                  # untrusted guest 1
              .page_table(1, pa=0, ma=0, maps={10: 1, 100: 5})
              .rw_page(1, pa=1, ma=1, value=7)
              .hyp_page(5, value=0)                      # the hypervisor window page
              .free_page(2)
              .active(1)                                 # running, mode from trust
              .build())

Page tables map virtual addresses to *machine* addresses, as in the model.  A
guest's current page is the first page table added for it unless ``guest`` says
otherwise.  ``build`` checks ``valid_state`` (raising ``InvalidState``) unless
``check=False``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Self

from pyspec.model import (
    HYP, NO_OWNER, OTHER, PT, RW, Context, HyperCall, IntMap, Madd, Mode, Os,
    OsActivity, OsIdent, OsInfo, Padd, Page, PageContent, PageOwner, State, Vadd, Value,
)
from pyspec.semantics.valid import require_valid


class StateBuilder:
    def __init__(self, hyp_window: Iterable[Vadd] = (),
                 trusted: Iterable[OsIdent] = ()) -> None:
        self._window = tuple(hyp_window)
        self._trusted = list(trusted)
        self._curr_page: dict[OsIdent, Padd | None] = {}
        self._hcall: dict[OsIdent, HyperCall | None] = {}
        self._hyp: dict[OsIdent, dict[Padd, Madd]] = {}
        self._mem: dict[Madd, Page] = {}
        self._active: OsIdent | None = None
        self._activity = OsActivity.Running
        self._mode: Mode | None = None

    def context(self) -> Context:
        return Context(self._window, tuple(self._trusted))

    def guest(self, o: OsIdent, *, trusted: bool = False, hcall: HyperCall | None = None,
              curr_page: Padd | None = None) -> Self:
        """Add guest ``o`` (with an empty physical map)."""
        if trusted and o not in self._trusted:
            self._trusted.append(o)
        self._curr_page[o] = curr_page
        self._hcall[o] = hcall
        self._hyp.setdefault(o, {})
        return self

    def page(self, ma: Madd, content: PageContent, owner: PageOwner) -> Self:
        """Put an arbitrary page at machine address ``ma``."""
        self._mem[ma] = Page(content, owner)
        return self

    def pin(self, o: OsIdent, pa: Padd, ma: Madd) -> Self:
        """Set ``hyp[o][pa] = ma``."""
        self._hyp.setdefault(o, {})[pa] = ma
        return self

    def page_table(self, o: OsIdent, pa: Padd, ma: Madd,
                   maps: Mapping[Vadd, Madd] | None = None) -> Self:
        """A page table of ``o`` at ``ma``, physical ``pa``, mapping ``va -> ma'``."""
        if self._curr_page.get(o) is None:
            self._curr_page[o] = pa
        return self.page(ma, PT(IntMap(maps or {})), Os(o)).pin(o, pa, ma)

    def rw_page(self, o: OsIdent, pa: Padd, ma: Madd, value: Value | None = None) -> Self:
        return self.page(ma, RW(value), Os(o)).pin(o, pa, ma)

    def other_page(self, o: OsIdent, pa: Padd, ma: Madd) -> Self:
        return self.page(ma, OTHER, Os(o)).pin(o, pa, ma)

    def hyp_page(self, ma: Madd, value: Value | None = None) -> Self:
        """A read/write page of the hypervisor (reached through the window)."""
        return self.page(ma, RW(value), HYP)

    def free_page(self, *mas: Madd) -> Self:
        for ma in mas:
            self.page(ma, OTHER, NO_OWNER)
        return self

    def active(self, o: OsIdent, activity: OsActivity = OsActivity.Running,
               mode: Mode | None = None) -> Self:
        """Make ``o`` the active guest.  The mode defaults to what valid_state
        requires: ``Svc`` while waiting or for a trusted guest, else ``Usr``."""
        self._active, self._activity, self._mode = o, activity, mode
        return self

    def waiting(self, o: OsIdent) -> Self:
        """The hypervisor runs, on behalf of active guest ``o``."""
        return self.active(o, OsActivity.Waiting)

    def build(self, check: bool = True) -> tuple[Context, State]:
        ctx = self.context()
        guests = list(self._curr_page)
        if self._active is None and not guests:
            raise ValueError("StateBuilder: add a guest or call active() before build()")
        active = self._active if self._active is not None else guests[0]
        mode = self._mode
        if mode is None:
            privileged = self._activity is OsActivity.Waiting or ctx.trusted(active)
            mode = Mode.Svc if privileged else Mode.Usr
        oss = {o: OsInfo(self._curr_page[o] if self._curr_page[o] is not None else 0,
                         self._hcall[o]) for o in guests}
        state = State(active, mode, self._activity, IntMap(oss),
                      IntMap({o: IntMap(pm) for o, pm in self._hyp.items()}),
                      IntMap(self._mem))
        if check:
            require_valid(ctx, state)
        return ctx, state
