"""Parser for the OCaml that Coq's extraction emits (`.ml` and `.mli`).

The grammar (`ocaml.lark`) is LALR(1).  The AST is built by lark's inline
transformer: each callback runs when the LALR automaton reduces a rule, so
construction follows the parser's own explicit stack and never recurses per
nesting level.  Ordinary comments nest, so they are blanked out (keeping line
and column positions) before lexing; `(** val name : type **)` comments are
kept and their types attached to the bindings they describe.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import ocaml_ast as A
from .errors import ParseError

GRAMMAR = Path(__file__).with_name("ocaml.lark")

_TYPE_CLASSES = (A.TVar, A.TConstr, A.TTuple, A.TArrow)

# Readable names for the grammar's regex terminals in "expected ..." messages
# (keywords and symbols are shown as themselves).
TERMINAL_NAMES = {
    "LIDENT": "a lowercase name", "UIDENT": "a capitalised name", "UPATH": "a constructor or module path",
    "LONG_LIDENT": "a qualified name", "TYVAR": "a type variable", "INT": "an integer",
    "FLOAT": "a float", "STRING": "a string", "CHAR": "a character", "VAL_COMMENT": "a (** val **) comment",
    "AND_VAL_COMMENT": "a (** val **) comment", "$END": "end of file",
}


def _terminal_name(name: str, parser: Lark) -> str:
    if name in TERMINAL_NAMES:
        return TERMINAL_NAMES[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return name
    if pattern.type == "str":
        return repr(pattern.value)
    return name.lower().replace("_", " ")


class _Build(Transformer):
    """Callbacks run at each LALR reduction; children are already AST nodes."""

    # ---- items
    def start(self, items: list[Any]) -> tuple[A.Item, ...]:
        return _attach_val_comments(items)

    def val_comment(self, c: list[Token]) -> _ValComment:
        return _ValComment(c[0])

    def open_item(self, c: list[Any]) -> A.Open:
        return A.Open(c[1], c[0].line)

    def include_item(self, c: list[Any]) -> A.Include:
        return A.Include(c[1], c[0].line)

    def exception_item(self, c: list[Any]) -> A.ExceptionDecl:
        return A.ExceptionDecl(str(c[1]), c[2] if len(c) > 2 else (), c[0].line)

    def val_spec(self, c: list[Any]) -> A.ValSpec:
        return A.ValSpec(c[1], c[2], c[0].line)

    def upath(self, c: list[Token]) -> str:
        return str(c[0])

    # ---- type declarations
    def type_item(self, c: list[Any]) -> A.TypeDecl:
        return A.TypeDecl(tuple(c[1:]), c[0].line)

    def type_def(self, c: list[Any]) -> A.TypeDef:
        kind = c[2] if len(c) > 2 else A.Abstract()
        return A.TypeDef(str(c[1]), c[0], kind)

    def type_def_manifest(self, c: list[Any]) -> A.TypeDef:
        return A.TypeDef(str(c[1]), c[0], c[3], c[2])

    def no_params(self, c: list[Any]) -> tuple[str, ...]:
        return ()

    def one_param(self, c: list[Token]) -> tuple[str, ...]:
        return (str(c[0]),)

    def many_params(self, c: list[Token]) -> tuple[str, ...]:
        return tuple(str(t) for t in c)

    def alias_rhs(self, c: list[Any]) -> A.Alias:
        return A.Alias(c[0])

    def variant_rhs(self, c: list[Any]) -> A.Variant:
        return A.Variant(c[0])

    def empty_variant_rhs(self, c: list[Any]) -> A.Variant:
        return A.Variant(())

    def record_rhs(self, c: list[Any]) -> A.RecordDecl:
        return A.RecordDecl(tuple(c))

    def constr_decls(self, c: list[A.ConstrDecl]) -> tuple[A.ConstrDecl, ...]:
        return tuple(c)

    def constr_decl(self, c: list[Any]) -> A.ConstrDecl:
        return A.ConstrDecl(str(c[0]), c[1] if len(c) > 1 else ())

    def constr_args(self, c: list[A.Type]) -> tuple[A.Type, ...]:
        return tuple(c)

    def field_decl(self, c: list[Any]) -> A.FieldDecl:
        if len(c) == 3:
            return A.FieldDecl(str(c[1]), c[2], mutable=True)
        return A.FieldDecl(str(c[0]), c[1])

    # ---- types
    def arrow_type(self, c: list[A.Type]) -> A.TArrow:
        return A.TArrow(c[0], c[1])

    def tuple_type(self, c: list[A.Type]) -> A.TTuple:
        return A.TTuple(tuple(c))

    def type_app1(self, c: list[Any]) -> A.TConstr:
        return A.TConstr(c[1], (c[0],))

    def type_appn(self, c: list[Any]) -> A.TConstr:
        return A.TConstr(c[-1], tuple(c[:-1]))

    def type_var(self, c: list[Token]) -> A.TVar:
        return A.TVar(str(c[0]))

    def type_const(self, c: list[str]) -> A.TConstr:
        return A.TConstr(c[0])

    def type_name(self, c: list[Token]) -> str:
        return str(c[0])

    def applied_type_name(self, c: list[Any]) -> str:
        # `F(X).t`: a type of a functor application, as ocamlc prints them.
        return str(c[0]) + "".join(f"({x})" for x in c[1:-1]) + "." + str(c[-1])

    # ---- bindings
    def let_item(self, c: list[Any]) -> A.LetDecl:
        # Comments between `and`s describe the binding that follows them.
        bindings: list[A.Binding] = []
        types: dict[str, A.Type] = {}
        for x in c[2:]:
            if isinstance(x, Token):
                name, ty = _val_comment_type(x)
                types[name] = ty
            elif x.name in types:
                bindings.append(A.Binding(x.pattern, x.params, x.body, x.annotation, types.pop(x.name)))
            else:
                bindings.append(x)
        if types:
            raise ParseError("", c[0].line, c[0].column,
                             f"(** val {next(iter(types))} **) comment inside a let group names no binding of it")
        return A.LetDecl(c[1], tuple(bindings), c[0].line)

    def nonrec(self, c: list[Any]) -> bool:
        return False

    def rec(self, c: list[Any]) -> bool:
        return True

    def fun_binding(self, c: list[Any]) -> A.Binding:
        name, *middle, body = c
        annotation = None
        if middle and isinstance(middle[-1], _TYPE_CLASSES):
            annotation = middle.pop()
        return A.Binding(A.PVar(name), tuple(middle), body, annotation)

    def pattern_binding(self, c: list[Any]) -> A.Binding:
        return A.Binding(c[0], (), c[1])

    def value_name(self, c: list[Any]) -> str:
        return str(c[0])

    # ---- expressions
    def let_in(self, c: list[Any]) -> A.Let:
        return A.Let(c[0], tuple(c[1:-1]), c[-1])

    def match(self, c: list[Any]) -> A.Match:
        return A.Match(c[0], c[1])

    def function(self, c: list[Any]) -> A.Function:
        return A.Function(c[0])

    def fun(self, c: list[Any]) -> A.Fun:
        return A.Fun(tuple(c[:-1]), c[-1])

    def if_else(self, c: list[Any]) -> A.If:
        return A.If(c[0], c[1], c[2])

    def if_then(self, c: list[Any]) -> A.If:
        return A.If(c[0], c[1], None)

    def tuple(self, c: list[Any]) -> A.Tuple:
        return A.Tuple(tuple(c))

    def cases(self, c: list[A.Case]) -> tuple[A.Case, ...]:
        return tuple(c)

    def case(self, c: list[Any]) -> A.Case:
        if len(c) == 3:
            return A.Case(c[0], c[1], c[2])
        return A.Case(c[0], None, c[1])

    def infix(self, c: list[Any]) -> A.Infix:
        return A.Infix(str(c[1]), c[0], c[2])

    def _op(self, c: list[Token]) -> str:
        return str(c[0])

    or_op = cmp_op = cons_op = add_op = mul_op = pow_op = operator = _op

    def neg(self, c: list[Any]) -> A.Prefix:
        return A.Prefix("-", c[0])

    def prefix(self, c: list[Any]) -> A.Prefix:
        return A.Prefix(str(c[0]), c[1])

    def app(self, c: list[Any]) -> A.App:
        return A.App(c[0], tuple(c[1:]))

    def constr_app(self, c: list[Any]) -> A.Constr:
        return A.Constr(str(c[0]), c[1])

    def assert_(self, c: list[Any]) -> A.Assert:
        return A.Assert(c[0])

    def lazy(self, c: list[Any]) -> A.Lazy:
        return A.Lazy(c[0])

    def var(self, c: list[Token]) -> A.Var:
        return A.Var(str(c[0]))

    def constr(self, c: list[Token]) -> A.Constr:
        return A.Constr(str(c[0]))

    def typed(self, c: list[Any]) -> A.Typed:
        return A.Typed(c[0], c[1])

    def op_section(self, c: list[str]) -> A.OpSection:
        return A.OpSection(c[0])

    def nil(self, c: list[Any]) -> A.Constr:
        return A.Constr("[]")

    def list_lit(self, c: list[Any]) -> A.ListLit:
        return A.ListLit(tuple(c))

    def record(self, c: list[Any]) -> A.Record:
        return A.Record(tuple(c))

    def record_with(self, c: list[Any]) -> A.Record:
        return A.Record(tuple(c[1:]), c[0])

    def field(self, c: list[Any]) -> A.Field:
        return A.Field(c[0], c[1])

    def field_expr(self, c: list[Any]) -> tuple[str, Any]:
        return (c[0], c[1])

    def field_name(self, c: list[Token]) -> str:
        return str(c[0])

    def int_lit(self, c: list[Token]) -> A.Lit:
        return A.Lit("int", str(c[0]))

    def float_lit(self, c: list[Token]) -> A.Lit:
        return A.Lit("float", str(c[0]))

    def string_lit(self, c: list[Token]) -> A.Lit:
        return A.Lit("string", str(c[0]))

    def char_lit(self, c: list[Token]) -> A.Lit:
        return A.Lit("char", str(c[0]))

    def true_lit(self, c: list[Any]) -> A.Lit:
        return A.Lit("bool", "true")

    def false_lit(self, c: list[Any]) -> A.Lit:
        return A.Lit("bool", "false")

    def unit_lit(self, c: list[Any]) -> A.Lit:
        return A.Lit("unit", "()")

    # ---- patterns
    def por(self, c: list[Any]) -> A.POr:
        return A.POr(c[0], c[1])

    def palias(self, c: list[Any]) -> A.PAlias:
        return A.PAlias(c[0], str(c[1]))

    def ptuple(self, c: list[Any]) -> A.PTuple:
        return A.PTuple(tuple(c))

    def pcons(self, c: list[Any]) -> A.PCons:
        return A.PCons(c[0], c[1])

    def pconstr_app(self, c: list[Any]) -> A.PConstr:
        return A.PConstr(str(c[0]), c[1])

    def plazy(self, c: list[Any]) -> A.PLazy:
        return A.PLazy(c[0])

    def pvar(self, c: list[Token]) -> A.PVar:
        return A.PVar(str(c[0]))

    def pconstr(self, c: list[Token]) -> A.PConstr:
        return A.PConstr(str(c[0]))

    def plit(self, c: list[A.Lit]) -> A.PLit:
        return A.PLit(c[0])

    def pneg_int(self, c: list[Token]) -> A.PLit:
        return A.PLit(A.Lit("int", "-" + str(c[0])))

    def ptyped(self, c: list[Any]) -> A.PTyped:
        return A.PTyped(c[0], c[1])

    def pnil(self, c: list[Any]) -> A.PConstr:
        return A.PConstr("[]")

    def precord(self, c: list[tuple[str, A.Pattern | None]]) -> A.PRecord:
        closed = [(name, p if p is not None else A.PVar(name)) for name, p in c if name != "_"]
        return A.PRecord(tuple(closed), open=len(closed) != len(c))

    def field_pattern(self, c: list[Any]) -> tuple[str, A.Pattern | None]:
        return (c[0], c[1] if len(c) > 1 else None)

    # ---- modules
    def module_item(self, c: list[Any]) -> A.ModuleDecl:
        return A.ModuleDecl(str(c[1]), _functor(c[2], c[3]), None, c[0].line)

    def module_item_typed(self, c: list[Any]) -> A.ModuleDecl:
        return A.ModuleDecl(str(c[1]), _functor(c[2], c[4]), _functor_type(c[2], c[3]), c[0].line)

    def module_spec(self, c: list[Any]) -> A.ModuleSpec:
        return A.ModuleSpec(str(c[1]), _functor_type(c[2], c[3]), c[0].line)

    def modtype_item(self, c: list[Any]) -> A.ModuleTypeDecl:
        rest = [x for x in c[1:] if not (isinstance(x, Token) and x.type == "TYPE")]
        return A.ModuleTypeDecl(str(rest[0]), rest[1] if len(rest) > 1 else None, c[0].line)

    def functor_params(self, c: list[Any]) -> list[tuple[str, A.ModType]]:
        return [(str(c[i]), c[i + 1]) for i in range(0, len(c), 2)]

    def mod_struct(self, c: list[Any]) -> A.Struct:
        return A.Struct(_attach_val_comments(c))

    def mod_functor(self, c: list[Any]) -> A.ModExpr:
        return _functor(c[0], c[1])

    def mod_path(self, c: list[str]) -> A.ModPath:
        return A.ModPath(c[0])

    def mod_apply(self, c: list[Any]) -> A.ModApply:
        return A.ModApply(c[0], c[1])

    def mty_sig(self, c: list[Any]) -> A.Sig:
        return A.Sig(_attach_val_comments(c))

    def mty_functor(self, c: list[Any]) -> A.ModType:
        return _functor_type(c[0], c[1])

    def mty_path(self, c: list[str]) -> A.ModPath:
        return A.ModPath(c[0])

    def mty_with(self, c: list[Any]) -> A.ModTypeWith:
        return A.ModTypeWith(c[0], tuple(c[1:]))

    def with_type(self, c: list[Any]) -> A.WithType:
        rest = [x for x in c if not (isinstance(x, Token) and x.type == "TYPE")]
        return A.WithType(rest[1], rest[0], rest[2])

    def with_module(self, c: list[Any]) -> A.WithModule:
        rest = [x for x in c if not (isinstance(x, Token) and x.type == "MODULE")]
        return A.WithModule(rest[0], rest[1])


def _functor(params: list[tuple[str, A.ModType]], body: A.ModExpr) -> A.ModExpr:
    for name, mty in reversed(params):
        body = A.Functor(name, mty, body)
    return body


def _functor_type(params: list[tuple[str, A.ModType]], body: A.ModType) -> A.ModType:
    for name, mty in reversed(params):
        body = A.FunctorType(name, mty, body)
    return body


class _ValComment:
    """A `(** val name : type **)` comment awaiting its binding."""

    __slots__ = ("token",)

    def __init__(self, token: Token) -> None:
        self.token = token


_VAL_COMMENT = re.compile(r"\(\*\*\s+val\s+(\S+|\([^)]*\))\s*:(.*)\*\*\)\Z", re.S)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(
        GRAMMAR.read_text(), parser="lalr", lexer="contextual", start=["start", "type"],
        transformer=_Build(), maybe_placeholders=False, cache=False,
    )


def _val_comment_type(token: Token) -> tuple[str, A.Type]:
    m = _VAL_COMMENT.match(str(token))
    if m is None:
        raise _located(token, "malformed (** val name : type **) comment")
    text = str(token)
    before = text[: m.start(2)]
    line = token.line + before.count("\n")
    col = (len(before) - before.rfind("\n")) if "\n" in before else token.column + len(before)
    padded = "\n" * (line - 1) + " " * (col - 1) + m.group(2)
    try:
        return m.group(1), _parser().parse(padded, start="type")
    except UnexpectedInput as e:
        raise _translate(e, "<comment>", padded) from None


def _attach_val_comments(items: list[Any]) -> tuple[A.Item, ...]:
    """Give each binding the type of its `(** val **)` comment.

    Extraction writes the comments of a whole `let rec ... and ...` group
    before the group; a comment that no binding claims becomes a `ValSpec`.
    """
    out: list[A.Item] = []
    pending: dict[str, tuple[A.Type, int]] = {}
    for item in items:
        if isinstance(item, _ValComment):
            name, ty = _val_comment_type(item.token)
            pending[name] = (ty, item.token.line)
            continue
        if isinstance(item, A.LetDecl) and pending:
            bindings = []
            for b in item.bindings:
                found = pending.pop(b.name, None) if b.name and b.declared_type is None else None
                bindings.append(A.Binding(b.pattern, b.params, b.body, b.annotation, found[0]) if found else b)
            item = A.LetDecl(item.rec, tuple(bindings), item.line)
        out.extend(_orphans(pending))
        pending.clear()
        out.append(item)
    out.extend(_orphans(pending))
    return tuple(out)


def _orphans(pending: dict[str, tuple[A.Type, int]]) -> list[A.ValSpec]:
    return [A.ValSpec(name, ty, line) for name, (ty, line) in pending.items()]


# ---- comments ---------------------------------------------------------------

_COMMENT_SCAN = re.compile(
    r"""\(\*\*[ \t\r\n]+val[ \t\r\n]|\(\*|\*\)|"|'(?:[^\\'\n]|\\[\\'"ntbr ]|\\[0-9]{3}|\\x[0-9A-Fa-f]{2})'"""
)
_STRING_END = re.compile(r'(?:[^"\\]|\\.|\\\n)*"', re.S)
_VAL_END = re.compile(r"\*\*\)")


class _Located(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def blank_comments(text: str) -> str:
    """Replace every comment except `(** val ... **)` by spaces (newlines kept)."""
    out: list[str] = []
    pos = 0
    depth = 0
    start = 0
    i = 0
    while True:
        m = _COMMENT_SCAN.search(text, i)
        if m is None:
            break
        tok = m.group()
        if tok == '"':
            end = _STRING_END.match(text, m.end())
            if end is None:
                raise _Located(*_position(text, m.start()), "unterminated string")
            i = end.end()
            continue
        if tok.startswith("(**") and tok.endswith(("val ", "val\n", "val\t", "val\r")) and depth == 0:
            end = _VAL_END.search(text, m.end())
            if end is None:
                raise _Located(*_position(text, m.start()), "unterminated comment")
            i = end.end()
            continue
        if tok.startswith("(*"):
            if depth == 0:
                start = m.start()
            depth += 1
            i = m.start() + 2
        elif tok == "*)":
            if depth == 0:
                i = m.end()
                continue
            depth -= 1
            i = m.end()
            if depth == 0:
                out.append(text[pos:start])
                out.append(re.sub(r"[^\n]", " ", text[start:i]))
                pos = i
        else:  # a character literal
            i = m.end()
    if depth:
        raise _Located(*_position(text, start), "unterminated comment")
    out.append(text[pos:])
    return "".join(out)


# ---- entry points ------------------------------------------------------------


def _located(token: Token, message: str) -> ParseError:
    return ParseError("", token.line, token.column, message)


_WORD_AT = re.compile(r"[^\W\d][\w']*")


def _translate(e: UnexpectedInput, path: str, text: str) -> ParseError:
    """A `ParseError` for lark's exception; `text` is what was parsed."""
    parser = _parser()
    if isinstance(e, UnexpectedToken):
        expected = tuple(_terminal_name(n, parser) for n in e.accepts or e.expected)
        tok = e.token
        shown = "end of file" if tok.type == "$END" else repr(str(tok))
        return ParseError(path, e.line if e.line != -1 else 0, e.column if e.column != -1 else 0,
                          f"unexpected {shown}", expected)
    if isinstance(e, UnexpectedCharacters):
        word = _WORD_AT.match(text, e.pos_in_stream)
        shown = repr(word.group()) if word else f"character {e.char!r}"
        expected = tuple(_terminal_name(n, parser) for n in (e.allowed or ()))
        return ParseError(path, e.line, e.column, f"unexpected {shown}", expected)
    if isinstance(e, UnexpectedEOF):
        expected = tuple(_terminal_name(n, parser) for n in e.expected)
        return ParseError(path, 0, 0, "unexpected end of file", expected)
    return ParseError(path, getattr(e, "line", 0), getattr(e, "column", 0), str(e))


def parse_ocaml(text: str, path: str = "<string>") -> A.Module:
    """Parse the text of an extracted `.ml` or `.mli` file."""
    try:
        cleaned = blank_comments(text)
        items = _parser().parse(cleaned, start="start")
    except _Located as e:
        raise ParseError(path, e.line, e.column, e.message) from None
    except UnexpectedInput as e:
        err = _translate(e, path, cleaned)
        if isinstance(e, UnexpectedToken) and e.token.type == "$END":
            err.line = 0  # lark places it at the last token; the end is after it
        raise _fix_eof(err, text) from None
    except ParseError as e:  # from a callback: a (** val **) type that does not parse
        e.path = path
        raise
    return A.Module(path, items)


def parse_ocaml_type(text: str) -> A.Type:
    """Parse an OCaml type expression such as `'a list -> int`."""
    try:
        return _parser().parse(text, start="type")
    except UnexpectedInput as e:
        raise _translate(e, "<type>", text) from None


def parse_ocaml_file(path: str | Path) -> A.Module:
    p = Path(path)
    return parse_ocaml(p.read_text(encoding="utf-8"), str(p))


def _fix_eof(err: ParseError, text: str) -> ParseError:
    if err.line <= 0:
        err.line = text.count("\n") + 1
        err.column = len(text) - (text.rfind("\n") + 1) + 1
    return err
