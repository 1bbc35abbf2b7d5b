"""Print an OCaml AST back to source that parses to the same AST.

Every compound sub-term in operand position is parenthesised, so the output
does not depend on precedence; it is for round trips and generated code, not
for beauty.  The printer is a `walk.fold`, so it handles any nesting depth.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from . import ocaml_ast as A
from .walk import fold

# A printed fragment and whether it can stand as an operand without parentheses.
Printed = tuple[str, bool]
Gen = Generator[Any, Printed, Printed]

def _each(nodes: Any) -> Generator[Any, Printed, list[Printed]]:
    out = []
    for node in nodes:
        out.append((yield node))
    return out


def _wrap(p: Printed) -> str:
    text, atomic = p
    return text if atomic else f"({text})"


def _op_text(op: str) -> str:
    return f"( {op} )"


def _visit(node: Any) -> Gen:
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise TypeError(f"cannot print {type(node).__name__}")
    return handler(node)


# ---- types ------------------------------------------------------------------


def _tvar(t: A.TVar) -> Gen:
    return t.name, True
    yield


def _tconstr(t: A.TConstr) -> Gen:
    args = (yield from _each(t.args))
    if not args:
        return t.name, True
    if len(args) == 1:
        return f"{_wrap(args[0])} {t.name}", True
    return "(" + ", ".join(a[0] for a in args) + f") {t.name}", True


def _ttuple(t: A.TTuple) -> Gen:
    items = (yield from _each(t.items))
    return " * ".join(_wrap(i) for i in items), False


def _tarrow(t: A.TArrow) -> Gen:
    arg = yield t.arg
    res = yield t.result
    return f"{_wrap(arg)} -> {_wrap(res)}", False


# ---- patterns ---------------------------------------------------------------


def _pvar(p: A.PVar) -> Gen:
    return p.name, True
    yield


def _pconstr(p: A.PConstr) -> Gen:
    if p.arg is None:
        return p.name, True
    arg = yield p.arg
    return f"{p.name} {_wrap(arg)}", False


def _ptuple(p: A.PTuple) -> Gen:
    items = (yield from _each(p.items))
    return "(" + ", ".join(_wrap(i) for i in items) + ")", True


def _pcons(p: A.PCons) -> Gen:
    head = yield p.head
    tail = yield p.tail
    return f"{_wrap(head)} :: {_wrap(tail)}", False


def _precord(p: A.PRecord) -> Gen:
    parts = []
    for name, sub in p.fields:
        parts.append(f"{name} = {_wrap((yield sub))}")
    if p.open:
        parts.append("_")
    return "{ " + "; ".join(parts) + " }", True


def _plit(p: A.PLit) -> Gen:
    text = p.value.text
    return (f"({text})", True) if text.startswith("-") else (text, True)
    yield


def _por(p: A.POr) -> Gen:
    left = yield p.left
    right = yield p.right
    return f"{_wrap(left)} | {_wrap(right)}", False


def _palias(p: A.PAlias) -> Gen:
    inner = yield p.pattern
    return f"{_wrap(inner)} as {p.name}", False


def _ptyped(p: A.PTyped) -> Gen:
    inner = yield p.pattern
    ty = yield p.type
    return f"({inner[0]} : {ty[0]})", True


def _plazy(p: A.PLazy) -> Gen:
    inner = yield p.pattern
    return f"lazy {_wrap(inner)}", False


# ---- expressions --------------------------------------------------------------


def _lit(e: A.Lit) -> Gen:
    return e.text, True
    yield


def _var(e: A.Var) -> Gen:
    return e.name, True
    yield


def _opsection(e: A.OpSection) -> Gen:
    return _op_text(e.op), True
    yield


def _constr(e: A.Constr) -> Gen:
    if e.arg is None:
        return e.name, True
    arg = yield e.arg
    return f"{e.name} {_wrap(arg)}", False


def _app(e: A.App) -> Gen:
    func = yield e.func
    args = (yield from _each(e.args))
    return " ".join([_wrap(func)] + [_wrap(a) for a in args]), False


def _infix(e: A.Infix) -> Gen:
    left = yield e.left
    right = yield e.right
    return f"{_wrap(left)} {e.op} {_wrap(right)}", False


def _prefix(e: A.Prefix) -> Gen:
    arg = yield e.arg
    return f"{e.op} {_wrap(arg)}", False


def _tuple(e: A.Tuple) -> Gen:
    items = (yield from _each(e.items))
    return "(" + ", ".join(_wrap(i) for i in items) + ")", True


def _listlit(e: A.ListLit) -> Gen:
    items = (yield from _each(e.items))
    return "[" + "; ".join(_wrap(i) for i in items) + "]", True


def _record(e: A.Record) -> Gen:
    parts = []
    for name, value in e.fields:
        parts.append(f"{name} = {_wrap((yield value))}")
    body = "; ".join(parts)
    if e.base is not None:
        base = yield e.base
        return "{ " + _wrap(base) + " with " + body + " }", True
    return "{ " + body + " }", True


def _field(e: A.Field) -> Gen:
    rec = yield e.record
    return f"{_wrap(rec)}.{e.name}", True


def _fun(e: A.Fun) -> Gen:
    params = (yield from _each(e.params))
    body = yield e.body
    return "fun " + " ".join(_wrap(p) for p in params) + f" -> {_wrap(body)}", False


def _cases(cases: tuple[A.Case, ...]) -> Generator[Any, Printed, str]:
    parts = []
    for c in cases:
        pat = yield c.pattern
        guard = "" if c.guard is None else f" when {_wrap((yield c.guard))}"
        body = yield c.body
        parts.append(f"\n| {pat[0]}{guard} -> {_wrap(body)}")
    return "".join(parts)


def _function(e: A.Function) -> Gen:
    cases = yield from _cases(e.cases)
    return "function" + cases, False


def _match(e: A.Match) -> Gen:
    scrut = yield e.scrutinee
    cases = yield from _cases(e.cases)
    return f"match {_wrap(scrut)} with" + cases, False


def _bindings(rec: bool, bindings: tuple[A.Binding, ...], comments: bool) -> Generator[Any, Printed, str]:
    parts = []
    for i, b in enumerate(bindings):
        comment = ""
        if comments and b.declared_type is not None and b.name is not None:
            comment = f"(** val {b.name} : {(yield b.declared_type)[0]} **)\n"
        keyword = ("let rec " if rec else "let ") if i == 0 else "and "
        if b.name is not None:
            head = b.name if b.name[0].isalpha() or b.name[0] == "_" else _op_text(b.name)
        else:
            head = _wrap((yield b.pattern))
        params = (yield from _each(b.params))
        annot = "" if b.annotation is None else f" : {(yield b.annotation)[0]}"
        body = yield b.body
        parts.append(comment + keyword + " ".join([head] + [_wrap(p) for p in params]) + annot + " =\n" + _wrap(body))
    return "\n".join(parts)


def _let(e: A.Let) -> Gen:
    text = yield from _bindings(e.rec, e.bindings, comments=False)
    body = yield e.body
    return f"{text} in\n{_wrap(body)}", False


def _if(e: A.If) -> Gen:
    cond = yield e.cond
    then = yield e.then
    if e.orelse is None:
        return f"if {_wrap(cond)} then {_wrap(then)}", False
    orelse = yield e.orelse
    return f"if {_wrap(cond)} then {_wrap(then)} else {_wrap(orelse)}", False


def _assert(e: A.Assert) -> Gen:
    return f"assert {_wrap((yield e.arg))}", False


def _lazy(e: A.Lazy) -> Gen:
    return f"lazy {_wrap((yield e.arg))}", False


def _typed(e: A.Typed) -> Gen:
    inner = yield e.expr
    ty = yield e.type
    return f"({inner[0]} : {ty[0]})", True


# ---- declarations and modules -------------------------------------------------


def _params(params: tuple[str, ...]) -> str:
    if not params:
        return ""
    if len(params) == 1:
        return params[0] + " "
    return "(" + ", ".join(params) + ") "


def _typedecl(d: A.TypeDecl) -> Gen:
    parts = []
    for i, td in enumerate(d.defs):
        head = ("type " if i == 0 else "and ") + _params(td.params) + td.name
        if td.manifest is not None:
            head += f" = {(yield td.manifest)[0]}"
        kind = td.kind
        if isinstance(kind, A.Abstract):
            parts.append(head)
        elif isinstance(kind, A.Alias):
            parts.append(f"{head} = {(yield kind.type)[0]}")
        elif isinstance(kind, A.RecordDecl):
            fields = []
            for f in kind.fields:
                fields.append(("mutable " if f.mutable else "") + f"{f.name} : {(yield f.type)[0]}")
            parts.append(f"{head} = {{ " + "; ".join(fields) + " }")
        else:
            if not kind.constructors:
                parts.append(f"{head} = |")
                continue
            lines = []
            for c in kind.constructors:
                args = (yield from _each(c.args))
                lines.append(f"| {c.name}" + (" of " + " * ".join(_wrap(a) for a in args) if args else ""))
            parts.append(f"{head} =\n" + "\n".join(lines))
    return "\n".join(parts), True


def _letdecl(d: A.LetDecl) -> Gen:
    return (yield from _bindings(d.rec, d.bindings, comments=True)), True


def _valspec(d: A.ValSpec) -> Gen:
    return f"val {d.name if d.name[0].isalpha() or d.name[0] == '_' else _op_text(d.name)} : {(yield d.type)[0]}", True


def _open(d: A.Open) -> Gen:
    return f"open {d.path}", True
    yield


def _include(d: A.Include) -> Gen:
    return f"include {(yield d.module_type)[0]}", True


def _exception(d: A.ExceptionDecl) -> Gen:
    args = (yield from _each(d.args))
    return f"exception {d.name}" + (" of " + " * ".join(_wrap(a) for a in args) if args else ""), True


def _moduledecl(d: A.ModuleDecl) -> Gen:
    annot = "" if d.type_ is None else f" : {(yield d.type_)[0]}"
    return f"module {d.name}{annot} = {(yield d.expr)[0]}", True


def _modulespec(d: A.ModuleSpec) -> Gen:
    return f"module {d.name} : {(yield d.type_)[0]}", True


def _moduletypedecl(d: A.ModuleTypeDecl) -> Gen:
    body = "" if d.type_ is None else f" = {(yield d.type_)[0]}"
    return f"module type {d.name}{body}", True


def _items(items: tuple[A.Item, ...]) -> Generator[Any, Printed, str]:
    return "\n\n".join(p[0] for p in (yield from _each(items)))


def _modpath(m: A.ModPath) -> Gen:
    return m.path, True
    yield


def _struct(m: A.Struct) -> Gen:
    return "struct\n" + (yield from _items(m.items)) + "\nend", True


def _sig(m: A.Sig) -> Gen:
    return "sig\n" + (yield from _items(m.items)) + "\nend", True


def _functor(m: A.Functor) -> Gen:
    pty = yield m.param_type
    body = yield m.body
    return f"functor ({m.param} : {pty[0]}) -> {body[0]}", False


def _functortype(m: A.FunctorType) -> Gen:
    pty = yield m.param_type
    body = yield m.body
    return f"functor ({m.param} : {pty[0]}) -> {body[0]}", False


def _modapply(m: A.ModApply) -> Gen:
    func = yield m.func
    arg = yield m.arg
    return f"{_wrap(func)}({arg[0]})", True


def _modtypewith(m: A.ModTypeWith) -> Gen:
    base = yield m.base
    parts = []
    for c in m.constraints:
        if isinstance(c, A.WithType):
            parts.append(f"type {_params(c.params)}{c.name} = {(yield c.type)[0]}")
        else:
            parts.append(f"module {c.name} = {c.path}")
    return f"{_wrap(base)} with " + " and ".join(parts), False


def _module(m: A.Module) -> Gen:
    return (yield from _items(m.items)) + "\n", True


_HANDLERS: dict[type, Any] = {
    A.TVar: _tvar, A.TConstr: _tconstr, A.TTuple: _ttuple, A.TArrow: _tarrow,
    A.PVar: _pvar, A.PConstr: _pconstr, A.PTuple: _ptuple, A.PCons: _pcons, A.PRecord: _precord,
    A.PLit: _plit, A.POr: _por, A.PAlias: _palias, A.PTyped: _ptyped, A.PLazy: _plazy,
    A.Lit: _lit, A.Var: _var, A.OpSection: _opsection, A.Constr: _constr, A.App: _app,
    A.Infix: _infix, A.Prefix: _prefix, A.Tuple: _tuple, A.ListLit: _listlit, A.Record: _record,
    A.Field: _field, A.Fun: _fun, A.Function: _function, A.Match: _match, A.Let: _let, A.If: _if,
    A.Assert: _assert, A.Lazy: _lazy, A.Typed: _typed,
    A.TypeDecl: _typedecl, A.LetDecl: _letdecl, A.ValSpec: _valspec, A.Open: _open,
    A.Include: _include, A.ExceptionDecl: _exception, A.ModuleDecl: _moduledecl,
    A.ModuleSpec: _modulespec, A.ModuleTypeDecl: _moduletypedecl, A.ModPath: _modpath,
    A.Struct: _struct, A.Sig: _sig, A.Functor: _functor, A.FunctorType: _functortype,
    A.ModApply: _modapply, A.ModTypeWith: _modtypewith, A.Module: _module,
}


def print_ocaml(node: Any) -> str:
    """OCaml source for a module, item, type, pattern or expression."""
    return fold(node, _visit)[0]
