"""Actions drawn along a run, from the state reached: `next_action`.

Most draws are plausible for the current state (reads and writes of mapped
addresses on the right side of the window, hypercalls whose service would
probably succeed, `Switch`, `Ret_ctrl`, `Chmod`); a share (`Bias.error_share`)
is uniform over the whole scope, so that every error path is exercised.
Hypercalls come out as episodes: after `Hcall h` the hypervisor mostly serves
`h` (`SERVE_SHARE`), then hands the CPU back with `Chmod`.  Other draws are
on purpose on the refusing side of one precondition, where uniform draws
rarely land: `Chmod` while the active guest's hypercall is pending
(`PENDING_CHMOD_SHARE`), `Ret_ctrl` while the hypervisor runs and `Chmod`
while a guest runs (`WRONG_ACTIVITY_SHARE`), a service whose hypercall differs
from the pending one in exactly one field (`NEAR_MISS_SHARE`), a service or a
switch in the wrong activity, a trusted guest's privileged action while
another guest runs (`ODD_SERVICE_SHARE`), a trusted guest asking by hypercall
(`TRUSTED_HCALL_SHARE`), a switch to a guest that does not exist
(`UNKNOWN_SWITCH_SHARE`).  These decide at the first draw that meets them, so
they are frequent from the first action of a run, not just possible.

`Bias` re-weights the uniform share (e.g. towards actions whose coverage
obligations are still unhit); it is the only way guidance enters the draw.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pyspec.model import (
    CHMOD, RET_CTRL, SILENT, Action, Context, Del, HC_del, HC_lswitch, HC_new, HC_pin,
    HC_unpin, Hcall, HyperCall, Lswitch, New, OsActivity, OsIdent, Page_pin, Page_unpin,
    Read, Read_hyper, State, Switch, Write, Write_hyper,
)

from .plausible import PTYPES, current_table, near_miss, plausible_hcall, uniform_hcall
from .scope import Scope

ACTION_KINDS = ("Read", "Write", "Read_hyper", "Write_hyper", "Hcall", "New", "Del",
                "Lswitch", "Switch", "Ret_ctrl", "Chmod", "Page_pin", "Page_unpin", "Silent")
ERROR_SHARE = 0.15         # uniform draws
# While a guest runs: its accesses, Ret_ctrl, Chmod (WRONG_ACTIVITY_SHARE), odd
# services, else a request (a hypercall, or a trusted guest's privileged action).
ACCESS_SHARE = 0.45
RET_CTRL_SHARE = 0.1
ODD_SERVICE_SHARE = 0.04   # services (or privileged actions) in the wrong activity
# Of a running trusted guest's requests: a hypercall anyway, the refusing side
# of Hcall's precondition (Trusted_os_hcall).
TRUSTED_HCALL_SHARE = 0.3
# While the active guest's hypercall is pending: Chmod, refused with
# Pending_hcall (the state where Chmod's precondition decides), the service, or
# else what the hypervisor does otherwise (a switch leaves a refused request).
PENDING_CHMOD_SHARE = 0.3
SERVE_SHARE = 0.5
NEAR_MISS_SHARE = 0.08     # of services: the pending hypercall with one field changed
# Otherwise, while the hypervisor runs: Ret_ctrl (WRONG_ACTIVITY_SHARE), Chmod,
# Switch (about as often: the other guests get the CPU too), serving another
# guest's hypercall, else a hypervisor access.
CHMOD_SHARE = 0.35
SWITCH_SHARE = 0.3
SERVE_OTHER_SHARE = 0.15
UNKNOWN_SWITCH_SHARE = 0.1  # of plausible switches: to a guest that does not exist
# Ret_ctrl while the hypervisor runs, Chmod while a guest runs: each control
# action's activity precondition, decided the refusing way.
WRONG_ACTIVITY_SHARE = 0.08


@dataclass(frozen=True)
class Bias:
    """Weights of the draw: `error_share` of uniform draws, whose action kind is
    chosen with `weights` (kind name -> weight, 1 if absent)."""

    error_share: float = ERROR_SHARE
    weights: dict[str, float] = field(default_factory=dict)
    _cumulative: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.error_share <= 1:
            raise ValueError("bias: error_share is a probability")
        unknown = set(self.weights) - set(ACTION_KINDS)
        if unknown or any(w < 0 for w in self.weights.values()):
            raise ValueError(f"bias: weights are non-negative, per action kind "
                             f"(unknown: {sorted(unknown)})")
        total, cumulative = 0.0, []
        for kind in ACTION_KINDS:
            total += self.weights.get(kind, 1.0)
            cumulative.append(total)
        if total <= 0:
            raise ValueError("bias: some action kind needs a positive weight")
        object.__setattr__(self, "_cumulative", tuple(cumulative))

    def kind(self, rng: random.Random) -> str:
        """An action kind drawn with the weights."""
        return rng.choices(ACTION_KINDS, cum_weights=self._cumulative)[0]


NO_BIAS = Bias()


def serve(o: OsIdent, h: HyperCall) -> Action:
    """The hypervisor action that serves hypercall `h` of guest `o`."""
    match h:
        case HC_new(va, pa):
            return New(o, va, pa)
        case HC_del(va):
            return Del(o, va)
        case HC_lswitch(pa):
            return Lswitch(o, pa)
        case HC_pin(pa, t):
            return Page_pin(o, pa, t)
        case HC_unpin(pa):
            return Page_unpin(o, pa)
    raise TypeError(f"not a hypercall: {h!r}")


def uniform_action(rng: random.Random, scope: Scope, bias: Bias = NO_BIAS) -> Action:
    """Any action over the scope's ranges; guest ids 0..guests+2, one beyond the
    0..guests+1 that states draw theirs from."""
    kind = rng.choice(ACTION_KINDS) if bias is NO_BIAS else bias.kind(rng)
    o = rng.randrange(scope.guests + 3)
    va = rng.randrange(scope.vadds)
    pa = rng.randrange(scope.padds)
    if kind == "Read":
        return Read(va)
    if kind == "Write":
        return Write(va, rng.randrange(scope.values))
    if kind == "Read_hyper":
        return Read_hyper(va)
    if kind == "Write_hyper":
        return Write_hyper(va, rng.randrange(scope.values))
    if kind == "Hcall":
        return Hcall(uniform_hcall(rng, scope))
    if kind == "New":
        return New(o, va, pa)
    if kind == "Del":
        return Del(o, va)
    if kind == "Lswitch":
        return Lswitch(o, pa)
    if kind == "Switch":
        return Switch(o)
    if kind == "Page_pin":
        return Page_pin(o, pa, rng.choice(PTYPES))
    if kind == "Page_unpin":
        return Page_unpin(o, pa)
    return {"Ret_ctrl": RET_CTRL, "Chmod": CHMOD, "Silent": SILENT}[kind]


def _access(rng: random.Random, scope: Scope, ctx: Context, s: State, hyper: bool) -> Action:
    """A read or write of a mapped address on the right side of the window."""
    window = ctx.hyp_window
    vas = [va for va in current_table(s, s.active_os) if (va in window) == hyper]
    va = rng.choice(vas) if vas else rng.randrange(scope.vadds)
    if rng.random() < 0.5:
        return Read_hyper(va) if hyper else Read(va)
    v = rng.randrange(scope.values)
    return Write_hyper(va, v) if hyper else Write(va, v)


def _pending(s: State) -> list[tuple[OsIdent, HyperCall]]:
    return [(k, i.hcall) for k, i in s.oss.items() if i.hcall is not None]


def _serve_pending(rng: random.Random, scope: Scope, ctx: Context, s: State, o: OsIdent,
                   h: HyperCall) -> Action:
    """Serve `o`'s pending `h`, or (NEAR_MISS_SHARE) a near miss of it."""
    if rng.random() < NEAR_MISS_SHARE:
        return serve(o, near_miss(rng, scope, ctx, s, o, h))
    return serve(o, h)


def plausible_action(rng: random.Random, scope: Scope, ctx: Context, s: State) -> Action:
    if s.activity is OsActivity.Running:
        return _while_running(rng, scope, ctx, s)
    return _while_waiting(rng, scope, ctx, s)


def _while_running(rng: random.Random, scope: Scope, ctx: Context, s: State) -> Action:
    """The running guest's accesses and requests, a few odd services."""
    o = s.active_os
    trusted = ctx.trusted_oss
    r = rng.random()
    if r < ACCESS_SHARE:
        return _access(rng, scope, ctx, s, hyper=False)
    r -= ACCESS_SHARE
    if r < RET_CTRL_SHARE:
        return RET_CTRL
    r -= RET_CTRL_SHARE
    if r < WRONG_ACTIVITY_SHARE:
        return CHMOD
    r -= WRONG_ACTIVITY_SHARE
    if r < ODD_SERVICE_SHARE:
        # The hypervisor acting while a guest runs: Wrong_os_activity
        # (untrusted, or a switch) or Not_active_os (another trusted guest).
        waiting = _pending(s)
        odd = rng.random()
        if odd < 0.25:
            # To a trusted guest if there is one: let through, the switch
            # would leave a trusted guest active in user mode.
            return Switch(rng.choice([g for g in trusted if g in s.oss] or list(s.oss)))
        if waiting and odd < 0.6:
            k, h = rng.choice(waiting)
            return serve(k, h)
        others = [g for g in trusted if g != o and g in s.oss]
        if others:
            g = rng.choice(others)
            return serve(g, plausible_hcall(rng, scope, ctx, s, g))
    if o in trusted and rng.random() >= TRUSTED_HCALL_SHARE:
        return serve(o, plausible_hcall(rng, scope, ctx, s, o))
    return Hcall(plausible_hcall(rng, scope, ctx, s, o))


def _while_waiting(rng: random.Random, scope: Scope, ctx: Context, s: State) -> Action:
    """The hypervisor's turn: serve, hand back the CPU, switch, its own accesses."""
    o = s.active_os
    info = s.oss.get(o)
    pending = info.hcall if info is not None else None
    r = rng.random()
    if pending is not None:
        if r < PENDING_CHMOD_SHARE:
            return CHMOD
        r -= PENDING_CHMOD_SHARE
        if r < SERVE_SHARE:
            return _serve_pending(rng, scope, ctx, s, o, pending)
        r = rng.random()
    if r < WRONG_ACTIVITY_SHARE:
        return RET_CTRL
    r -= WRONG_ACTIVITY_SHARE
    if r < CHMOD_SHARE:
        return CHMOD
    r -= CHMOD_SHARE
    if r < SWITCH_SHARE:
        return _switch(rng, scope, s)
    r -= SWITCH_SHARE
    waiting = _pending(s)
    if r < SERVE_OTHER_SHARE and waiting:
        k, h = rng.choice(waiting)
        return _serve_pending(rng, scope, ctx, s, k, h)
    if r < SERVE_OTHER_SHARE + ODD_SERVICE_SHARE and o in ctx.trusted_oss:
        # A trusted guest's privileged action while it waits: Wrong_os_activity.
        return serve(o, plausible_hcall(rng, scope, ctx, s, o))
    return _access(rng, scope, ctx, s, hyper=True)


def _switch(rng: random.Random, scope: Scope, s: State) -> Action:
    if rng.random() < UNKNOWN_SWITCH_SHARE:
        # A guest that does not exist (ids go one beyond the scope's).
        unknown = [g for g in range(scope.guests + 3) if g not in s.oss]
        if unknown:
            return Switch(rng.choice(unknown))
    return Switch(rng.choice(list(s.oss)))


def next_action(rng: random.Random, scope: Scope, ctx: Context, s: State,
                bias: Bias = NO_BIAS) -> Action:
    """The next action of a run that has reached `s`."""
    if rng.random() < bias.error_share:
        return uniform_action(rng, scope, bias)
    return plausible_action(rng, scope, ctx, s)
