"""Coq terms for JSON values of docs/protocol.md (for the vector Examples).

Type-directed: each function prints one Coq type.  Bad input raises
ValueError naming what was expected.
"""

from __future__ import annotations

from typing import Callable

from .jstate import Json


def _nat(n: Json) -> str:
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"expected a natural number, got {n!r}")
    return str(n)


def _list(items: list, elem: Callable[[Json], str]) -> str:
    return "[" + "; ".join(elem(i) for i in items) + "]"


def _map(assoc: list, elem: Callable[[Json], str]) -> str:
    """A finite map: Coq's maps are tries, written with `Maps.of_list` (the
    map with the bindings of the list, proved by `lookup_of_list`)."""
    return "(of_list " + _list(assoc, lambda kv: f"({_nat(kv[0])}, {elem(kv[1])})") + ")"


def _option(x: Json, elem: Callable[[Json], str]) -> str:
    return "None" if x is None else f"(Some {elem(x)})"


def _name(x: Json, allowed: tuple[str, ...]) -> str:
    if x not in allowed:
        raise ValueError(f"expected one of {allowed}, got {x!r}")
    return x


def ptype(t: Json) -> str:
    return _name(t, ("T_RW", "T_PT"))


def hyper_call(h: Json) -> str:
    kind = h[0]
    if kind == "HC_new":
        return f"(HC_new {_nat(h[1])} {_nat(h[2])})"
    if kind in ("HC_del", "HC_lswitch", "HC_unpin"):
        return f"({kind} {_nat(h[1])})"
    if kind == "HC_pin":
        return f"(HC_pin {_nat(h[1])} {ptype(h[2])})"
    raise ValueError(f"unknown hyper_call {h!r}")


def page_content(c: Json) -> str:
    if c == "Other":
        return "Other"
    if c[0] == "RW":
        return f"(RW {_option(c[1], _nat)})"
    if c[0] == "PT":
        return f"(PT {_map(c[1], _nat)})"
    raise ValueError(f"unknown page_content {c!r}")


def page_owner(o: Json) -> str:
    if o in ("Hyp", "No_Owner"):
        return o
    if isinstance(o, list) and o[0] == "Os":
        return f"(Os {_nat(o[1])})"
    raise ValueError(f"unknown page_owner {o!r}")


def page(p: Json) -> str:
    return f"(mk_page {page_content(p['content'])} {page_owner(p['owner'])})"


def os_info(i: Json) -> str:
    return f"(mk_os_info {_nat(i['curr_page'])} {_option(i['hcall'], hyper_call)})"


def state(s: Json) -> str:
    return (f"(mk_state {_nat(s['active_os'])} {_name(s['exec_mode'], ('Usr', 'Svc'))} "
            f"{_name(s['activity'], ('Running', 'Waiting'))}\n"
            f"    {_map(s['oss'], os_info)}\n"
            f"    {_map(s['hyp'], lambda pm: _map(pm, _nat))}\n"
            f"    {_map(s['mem'], page)})")


def context(c: Json) -> str:
    return (f"(mk_context {_list(c['hyp_window'], _nat)} "
            f"{_list(c['trusted_oss'], _nat)})")


def action(a: Json) -> str:
    if a in ("Ret_ctrl", "Chmod", "Silent"):
        return a
    kind, args = a[0], a[1:]
    if kind == "Hcall":
        return f"(Hcall {hyper_call(args[0])})"
    if kind in ("Page_pin",):
        return f"(Page_pin {_nat(args[0])} {_nat(args[1])} {ptype(args[2])})"
    if kind in ("Read", "Write", "Read_hyper", "Write_hyper", "New", "Del", "Lswitch",
                "Switch", "Page_unpin"):
        return "(" + " ".join([kind] + [_nat(x) for x in args]) + ")"
    raise ValueError(f"unknown action {a!r}")


def response(r: Json) -> str:
    if r == "Ok":
        return "Ok"
    if isinstance(r, list) and r[0] == "Error" and isinstance(r[1], str):
        return f"(Error {r[1]})"
    raise ValueError(f"unknown response {r!r}")


def actions(acts: list) -> str:
    return _list(acts, action)


def responses(rs: list) -> str:
    return _list(rs, response)
