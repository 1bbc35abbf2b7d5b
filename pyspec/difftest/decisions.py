"""MC/DC obligations of the specification's decisions: for every action, every
condition of its precondition (pyspec/semantics/pre.py; `pre_error` in
coq/Step.v), and of the hypercall gate field by field of the pending
hypercall, seen deciding the outcome both ways with the other conditions
holding.

A precondition is a conjunction: it holds when every condition does.  The
obligation `A/cond/T` is met by a step of `A` that succeeds (every condition
holds, so `cond` alone flipping would flip the outcome); `A/cond/F` by a step
where `cond` fails and every other condition holds (so the error is `cond`'s
own, and nothing else would have refused the step).  Gated actions have two
paths, `A/trusted/...` and `A/untrusted/...` (`gate` branches on
`trusted ctx o`).  A condition that reads what an earlier failed one says is
missing (the fields of a pending hypercall of another kind, the page of an
unmapped address, anything of an unknown guest) is masked: it neither holds
nor fails.

This is measurement on the checker side: it evaluates pyspec's condition
functions, and never steers generation.  Only refused steps are evaluated
(a successful step meets its path's `T` obligations without evaluating).
"""

from __future__ import annotations

from pyspec.model import (
    PT, RW, Chmod, Context, Del, Hcall, HC_del, HC_lswitch, HC_new, HC_pin, HC_unpin,
    Lswitch, New, OsActivity, Page_pin, Page_unpin, Read, Read_hyper, Ret_ctrl,
    State, Switch, Write, Write_hyper,
)
from pyspec.semantics.derived import least_free_page, mapped_by_own_table, maps_to

RUNNING = OsActivity.Running
WAITING = OsActivity.Waiting

# The fields of each hypercall, compared one by one by the gate.
HCALL_FIELDS = {"New": ("va", "pa"), "Del": ("va",), "Lswitch": ("pa",),
                "Page_pin": ("pa", "t"), "Page_unpin": ("pa",)}
_HCALL_CLASS = {"New": HC_new, "Del": HC_del, "Lswitch": HC_lswitch, "Page_pin": HC_pin,
                "Page_unpin": HC_unpin}
_CHECKS = {"New": ("accessible", "padd", "rw_page"), "Del": ("accessible", "mapped"),
           "Lswitch": ("padd", "pt_page"), "Page_pin": ("padd_unused", "free_memory"),
           "Page_unpin": ("padd", "not_current", "not_mapped")}
_ACCESS = ("activity", "side", "mapped", "rw_page")


def conditions() -> dict[str, tuple[str, ...]]:
    """The conditions of every decision path, in pre.py's order: path ->
    condition names (a path is an action, or `action/trusted|untrusted`)."""
    out: dict[str, tuple[str, ...]] = {
        "Read": _ACCESS, "Write": _ACCESS, "Read_hyper": _ACCESS, "Write_hyper": _ACCESS,
        "Hcall": ("running", "untrusted"), "Switch": ("waiting", "known_os"),
        "Ret_ctrl": ("running",), "Chmod": ("waiting", "no_pending"),
    }
    for name, checks in _CHECKS.items():
        fields = tuple(f"hcall_{f}" for f in HCALL_FIELDS[name])
        out[f"{name}/untrusted"] = ("known_os", "waiting", "hcall_kind", *fields, *checks)
        out[f"{name}/trusted"] = ("known_os", "running", "active_os", *checks)
    return out


CONDITIONS = conditions()
OBLIGATIONS: tuple[str, ...] = tuple(f"{path}/{c}/{v}" for path, conds in CONDITIONS.items()
                                     for c in conds for v in ("T", "F"))
_OK_HITS = {path: tuple(f"{path}/{c}/T" for c in conds) for path, conds in CONDITIONS.items()}
_GATED = {Del: "Del", New: "New", Lswitch: "Lswitch", Page_pin: "Page_pin",
          Page_unpin: "Page_unpin"}
_NAME = {Read: "Read", Write: "Write", Read_hyper: "Read_hyper", Write_hyper: "Write_hyper",
         Hcall: "Hcall", Switch: "Switch", Ret_ctrl: "Ret_ctrl", Chmod: "Chmod", **_GATED}


def path_of(ctx: Context, a: object) -> str | None:
    """The decision path of action `a` (None: `Silent`, no condition)."""
    kind = type(a)
    name = _NAME.get(kind)
    if name is None or kind not in _GATED:
        return name
    return f"{name}/{'trusted' if a.o in ctx.trusted_oss else 'untrusted'}"


def hits(ctx: Context, s: State, a: object, ok: bool) -> tuple[str, ...]:
    """The obligations a step of `a` from `s` meets (`ok`: it succeeded)."""
    path = path_of(ctx, a)
    if path is None:
        return ()
    if ok:
        return _OK_HITS[path]
    values = _evaluate(ctx, s, a, path)
    failed = [c for c, v in values if v is False]
    return (f"{path}/{failed[0]}/F",) if len(failed) == 1 else ()


def _page_kind(s: State, ma: int | None) -> type | None:
    page = None if ma is None else s.mem.get(ma)
    return None if page is None else type(page.content)


def _evaluate(ctx: Context, s: State, a: object, path: str
              ) -> list[tuple[str, bool | None]]:
    """Each condition of `path` on its own: True, False, or None (masked)."""
    kind = type(a)
    if kind in (Read, Write, Read_hyper, Write_hyper):
        guest = kind in (Read, Write)
        ma = maps_to(s, s.active_os, a.va)
        return [("activity", s.activity is (RUNNING if guest else WAITING)),
                ("side", ctx.accessible(a.va) == guest), ("mapped", ma is not None),
                ("rw_page", None if ma is None else _page_kind(s, ma) is RW)]
    if kind is Hcall:
        return [("running", s.activity is RUNNING),
                ("untrusted", s.active_os not in ctx.trusted_oss)]
    if kind is Switch:
        return [("waiting", s.activity is WAITING), ("known_os", a.o in s.oss)]
    if kind is Ret_ctrl:
        return [("running", s.activity is RUNNING)]
    if kind is Chmod:
        info = s.oss.get(s.active_os)
        return [("waiting", s.activity is WAITING),
                ("no_pending", info is not None and info.hcall is None)]
    return _gate(ctx, s, a, path) + _checks(ctx, s, a)


def _gate(ctx: Context, s: State, a: object, path: str) -> list[tuple[str, bool | None]]:
    info = s.oss.get(a.o)
    known = info is not None
    if path.endswith("/trusted"):
        return [("known_os", known), ("running", s.activity is RUNNING),
                ("active_os", s.active_os == a.o)]
    name = _GATED[type(a)]
    pending = info.hcall if known else None
    same_kind = None if not known else type(pending) is _HCALL_CLASS[name]
    out: list[tuple[str, bool | None]] = [("known_os", known),
                                          ("waiting", s.activity is WAITING),
                                          ("hcall_kind", same_kind)]
    for f in HCALL_FIELDS[name]:
        out.append((f"hcall_{f}", getattr(pending, f) == getattr(a, f) if same_kind else None))
    return out


def _checks(ctx: Context, s: State, a: object) -> list[tuple[str, bool | None]]:
    known = a.o in s.oss
    pm = s.hyp.get(a.o) if known else None
    kind = type(a)
    if kind is Page_pin:
        return [("padd_unused", None if pm is None else a.pa not in pm),
                ("free_memory", least_free_page(s) is not None)]
    if kind is Del:
        return [("accessible", ctx.accessible(a.va)),
                ("mapped", None if not known else maps_to(s, a.o, a.va) is not None)]
    ma = None if pm is None else pm.get(a.pa)
    padd = None if pm is None else ma is not None
    if kind is New:
        return [("accessible", ctx.accessible(a.va)), ("padd", padd),
                ("rw_page", None if ma is None else _page_kind(s, ma) is RW)]
    if kind is Lswitch:
        return [("padd", padd), ("pt_page", None if ma is None else _page_kind(s, ma) is PT)]
    return [("padd", padd),
            ("not_current", None if not known else s.oss[a.o].curr_page != a.pa),
            ("not_mapped", None if ma is None else not mapped_by_own_table(s, a.o, ma))]
