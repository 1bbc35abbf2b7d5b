"""Initial states for a scope, and o-equivalent variants for paired runs.

`initial_state` builds a random valid state in JSON: each guest gets a
current page table, a few data pages mapped at accessible addresses, the
hypervisor window mapped to hypervisor pages, and perhaps a spare page
table; the rest of memory is free.  Control (active guest, activity, mode,
pending hypercalls) is drawn among the combinations valid_state allows.
"""

from __future__ import annotations

import random

from .gen import PTYPES
from .jstate import Json, accessible, owner_os, trusted
from .scope import Scope


def initial_state(rng: random.Random, scope: Scope) -> Json:
    ctx = scope.context()
    free = list(range(scope.pages))
    rng.shuffle(free)
    mem: dict[int, Json] = {}
    oss: list = []
    hyp: list = []
    guests = scope.guest_ids

    def take(page: Json) -> int | None:
        if not free:
            return None
        ma = free.pop()
        mem[ma] = page
        return ma

    budget = max(1, (scope.pages - 1) // max(1, len(guests)))
    for o in guests:
        pas = list(range(scope.pas))
        rng.shuffle(pas)
        table: list = []
        pt_ma = take({"content": ["PT", table], "owner": ["Os", o]})
        if pt_ma is None:
            raise ValueError(f"scope {scope} has too few pages for {len(guests)} guests")
        pm = [[pas.pop(), pt_ma]]
        for _ in range(rng.randint(0, min(budget - 1, len(pas)))):
            if not free or not pas:
                break
            if rng.random() < 0.2:
                ma = take({"content": ["PT", []], "owner": ["Os", o]})
            else:
                ma = take({"content": ["RW", rng.choice([None, rng.randrange(scope.values)])],
                           "owner": ["Os", o]})
            pm.append([pas.pop(), ma])
        data = [ma for _, ma in pm if mem[ma]["content"][0] == "RW"]
        own = [ma for _, ma in pm]
        for va in range(scope.vas):
            if accessible(ctx, va):
                if data and rng.random() < 0.5:
                    table.append([va, rng.choice(data)])
                elif rng.random() < 0.1:   # a table mapping a page table: Wrong_page_type
                    table.append([va, rng.choice(own)])
            elif free and rng.random() < 0.5:
                content = ["RW", None] if rng.random() < 0.8 else "Other"
                table.append([va, take({"content": content, "owner": "Hyp"})])
        oss.append([o, {"curr_page": pm[0][0], "hcall": None}])
        hyp.append([o, pm])
    for ma in free:
        mem[ma] = {"content": "Other", "owner": "No_Owner"}
    active = rng.choice(guests)
    running = rng.random() < 0.6
    for o, info in oss:
        if not trusted(ctx, o) and not (running and o == active) and rng.random() < 0.3:
            info["hcall"] = _some_hcall(rng, scope)
    mode = "Svc" if not running or trusted(ctx, active) else "Usr"
    return {"active_os": active, "exec_mode": mode,
            "activity": "Running" if running else "Waiting",
            "oss": oss, "hyp": hyp, "mem": sorted([[ma, pg] for ma, pg in mem.items()])}


def _some_hcall(rng: random.Random, scope: Scope) -> Json:
    va, pa = rng.randrange(scope.vas), rng.randrange(scope.pas)
    return rng.choice([["HC_new", va, pa], ["HC_del", va], ["HC_lswitch", pa],
                       ["HC_pin", pa, rng.choice(PTYPES)], ["HC_unpin", pa]])


def relabel_machine(rng: random.Random, state: Json) -> Json:
    """The same state with machine addresses permuted: invisible to every
    guest, which only observes physical addresses."""
    mas = [ma for ma, _ in state["mem"]]
    perm = dict(zip(mas, rng.sample(mas, len(mas))))

    def page(pg: Json) -> Json:
        c = pg["content"]
        if isinstance(c, list) and c[0] == "PT":
            c = ["PT", [[va, perm.get(ma, ma)] for va, ma in c[1]]]
        return {"content": c, "owner": pg["owner"]}

    return {**state,
            "hyp": [[o, [[pa, perm.get(ma, ma)] for pa, ma in pm]] for o, pm in state["hyp"]],
            "mem": sorted([[perm[ma], page(pg)] for ma, pg in state["mem"]])}


def vary_others(rng: random.Random, scope: Scope, state: Json, o: int) -> Json:
    """`o`-equivalent variant: other guests' data changed, machine pages relabelled."""
    mem = []
    for ma, pg in state["mem"]:
        c = pg["content"]
        if owner_os(pg) not in (o, None) and isinstance(c, list) and c[0] == "RW":
            pg = {**pg, "content": ["RW", rng.choice([None, rng.randrange(scope.values)])]}
        mem.append([ma, pg])
    return relabel_machine(rng, {**state, "mem": mem})
