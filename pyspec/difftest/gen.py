"""Bounded-exhaustive action sets: `relevant_actions`, every action worth
trying from one state (`vcert diff --exhaustive`).  Random actions come from
the one generator, `pyspec.generate`."""

from __future__ import annotations

from .jstate import Json, as_dict, physical_map
from .scope import Scope

PTYPES = ("T_RW", "T_PT")


def relevant_actions(scope: Scope, ctx: Json, state: Json) -> list[Json]:
    """Every action worth trying from `state` in bounded-exhaustive mode: the
    guests plus one unknown id, the vas in scope, the physical pages each
    guest has plus one it has not, one written value."""
    known = sorted(as_dict(state["oss"]))
    guests = known + [max(known) + 1]
    vas = list(range(scope.vadds))
    held = {pa for o in known for pa in physical_map(state, o)}
    pas = sorted(held | {min(set(range(len(held) + 1)) - held)})
    hcalls: list[Json] = ([["HC_new", va, pa] for va in vas for pa in pas]
                          + [["HC_del", va] for va in vas] + [["HC_lswitch", pa] for pa in pas]
                          + [["HC_pin", pa, t] for pa in pas for t in PTYPES]
                          + [["HC_unpin", pa] for pa in pas])
    acts: list[Json] = []
    acts += [["Read", va] for va in vas] + [["Write", va, 1] for va in vas]
    acts += [["Read_hyper", va] for va in vas] + [["Write_hyper", va, 1] for va in vas]
    acts += [["Hcall", h] for h in hcalls]
    for o in guests:
        acts += [["New", o, va, pa] for va in vas for pa in pas]
        acts += [["Del", o, va] for va in vas] + [["Lswitch", o, pa] for pa in pas]
        acts += [["Switch", o]]
        acts += [["Page_pin", o, pa, t] for pa in pas for t in PTYPES]
        acts += [["Page_unpin", o, pa] for pa in pas]
    return acts + ["Ret_ctrl", "Chmod", "Silent"]
