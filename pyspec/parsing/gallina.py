"""Parser for Gallina declarations in `.v` files.

A `.v` file is cut into sentences (a `.` followed by a blank or the end,
outside comments and strings; comments nest).  Sentences that start with
`Inductive`, `CoInductive`, `Variant`, `Record`, `Structure`, `Class`,
`Definition`, `Example`, `Let`, `Fixpoint` or `CoFixpoint` (after attributes
such as `#[local]` and modifiers such as `Local` or `Polymorphic`) are parsed
with the LALR grammar `gallina.lark`; every other sentence (proof scripts,
`Notation`, `Require`, `Ltac`, ...) is skipped and counted.  Definition and
Fixpoint bodies are kept as source text: only their headers are parsed.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import gallina_ast as G
from .errors import ParseError

GRAMMAR = Path(__file__).with_name("gallina.lark")

INDUCTIVE_KEYWORDS = {"Inductive", "CoInductive", "Variant"}
RECORD_KEYWORDS = {"Record", "Structure", "Class"}
DEFINITION_KEYWORDS = {"Definition", "Example", "Let"}
FIXPOINT_KEYWORDS = {"Fixpoint", "CoFixpoint"}
MODIFIERS = {
    "Local", "Global", "Polymorphic", "Monomorphic", "Cumulative", "NonCumulative",
    "Private", "Program", "Export",
}

# Readable names for the grammar's regex terminals in "expected ..." messages.
TERMINAL_NAMES = {
    "IDENT": "a name", "NUMBER": "a number", "STRING": "a string", "OP": "an operator",
    "ARROW": "'->'", "$END": "end of sentence",
}


class _Build(Transformer):
    """Callbacks run at each LALR reduction."""

    # ---- declarations
    def inductive(self, c: list[Any]) -> G.Inductive:
        kw = c[0]
        return G.Inductive(str(kw), tuple(c[1:]), kw.line, kw.column)

    def ind_body(self, c: list[Any]) -> G.InductiveBody:
        name = c[0]
        params, arity, ctors, notations, record_fields = [], None, (), [], None
        rest = c[1:]
        for x in rest:
            if isinstance(x, _BINDERS):
                params.append(x)
            elif isinstance(x, G.WhereNotation):
                notations.append(x)
            elif isinstance(x, _Constructors):
                ctors = x.items
            elif isinstance(x, _RecordFields):
                record_fields = x.items
            else:
                arity = x
        return G.InductiveBody(str(name), tuple(params), arity, ctors, tuple(notations),
                               record_fields, name.line, name.column)

    def constructors(self, c: list[G.Constructor]) -> _Constructors:
        return _Constructors(tuple(c))

    def record_constructors(self, c: list[Any]) -> _RecordFields:
        return _RecordFields(c[0] if c else ())

    def constructor(self, c: list[Any]) -> G.Constructor:
        name = c[0]
        binders = tuple(x for x in c[1:] if isinstance(x, _BINDERS))
        types = [x for x in c[1:] if not isinstance(x, _BINDERS)]
        return G.Constructor(str(name), binders, types[0] if types else None, name.line, name.column)

    def record(self, c: list[Any]) -> G.Record:
        kw, name = c[0], c[1]
        params = tuple(x for x in c[2:] if isinstance(x, _BINDERS))
        rest = [x for x in c[2:] if not isinstance(x, _BINDERS)]
        body = next((x for x in rest if isinstance(x, _RecordBody)), _RecordBody(None, (), False))
        sorts = [x for x in rest if not isinstance(x, (_RecordBody, G.WhereNotation))]
        return G.Record(str(kw), str(name), params, sorts[0] if sorts else None, body.constructor,
                        body.fields, body.singleton, name.line, name.column)

    def record_fields(self, c: list[Any]) -> _RecordBody:
        ctor = str(c[0]) if c and isinstance(c[0], Token) else None
        fields = c[-1] if c and isinstance(c[-1], tuple) else ()
        return _RecordBody(ctor, fields, False)

    def singleton_class(self, c: list[Any]) -> _RecordBody:
        name, sep, ty = c
        return _RecordBody(None, (G.FieldDecl(str(name), (), ty, sep, None, name.line, name.column),), True)

    def fields(self, c: list[G.FieldDecl]) -> tuple[G.FieldDecl, ...]:
        return tuple(c)

    def field(self, c: list[Any]) -> G.FieldDecl:
        name = c[0]
        binders = tuple(x for x in c[1:] if isinstance(x, _BINDERS))
        rest = [x for x in c[1:] if not isinstance(x, (*_BINDERS, G.WhereNotation, Token))]
        sep, ty = rest[0], rest[1]
        default = rest[2] if len(rest) > 2 else None
        return G.FieldDecl(str(name), binders, ty, sep, default, name.line, name.column)

    def untyped_field(self, c: list[Any]) -> G.FieldDecl:
        name = c[0]
        return G.FieldDecl(str(name), (), None, ":", None, name.line, name.column)

    def field_name(self, c: list[Token]) -> Token:
        return c[0] if c else Token("IDENT", "_")

    def defined_field(self, c: list[Any]) -> G.FieldDecl:
        name = c[0]
        binders = tuple(x for x in c[1:-1] if isinstance(x, _BINDERS))
        return G.FieldDecl(str(name), binders, None, ":=", c[-1], name.line, name.column)

    def field_sep(self, c: list[Token]) -> str:
        return str(c[0])

    def where_clause(self, c: list[Any]) -> G.WhereNotation:
        return G.WhereNotation(str(c[0]), c[1], str(c[2]) if len(c) > 2 else None)

    def definition(self, c: list[Any]) -> G.Definition:
        kw, name = c[0], c[1]
        binders = tuple(x for x in c[2:] if isinstance(x, _BINDERS))
        types = [x for x in c[2:] if not isinstance(x, (*_BINDERS, _Universe))]
        return G.Definition(str(kw), str(name), binders, types[0] if types else None, None,
                            name.line, name.column)

    def fixpoint(self, c: list[Any]) -> G.Fixpoint:
        kw, name = c[0], c[1]
        binders = tuple(x for x in c[2:] if isinstance(x, _BINDERS))
        struct = next((x.name for x in c[2:] if isinstance(x, _Struct)), None)
        types = [x for x in c[2:] if not isinstance(x, (*_BINDERS, _Struct))]
        return G.Fixpoint(str(kw), str(name), binders, struct, types[0] if types else None, None,
                          name.line, name.column)

    def fix_header(self, c: list[Any]) -> G.Fixpoint:
        return self.fixpoint([Token("FIX_KW", "")] + c)

    def struct_annot(self, c: list[Any]) -> _Struct:
        return _Struct(str(c[-1]))

    # ---- binders
    def bare_binder(self, c: list[str]) -> G.Binder:
        return G.Binder((c[0],))

    def explicit_binder(self, c: list[Any]) -> G.Binder:
        names = tuple(x for x in c if isinstance(x, str))
        terms = [x for x in c if not isinstance(x, str)]
        if len(terms) == 2:
            if len(names) != 1:
                raise _SyntaxError("a let-binder `(x : T := v)` binds exactly one name")
            return G.Binder(names, terms[0], "explicit", terms[1])
        return G.Binder(names, terms[0])

    def let_binder_untyped(self, c: list[Any]) -> G.Binder:
        return G.Binder((c[0],), None, "explicit", c[1])

    def of_binder(self, c: list[Any]) -> G.Binder:
        # ssreflect's anonymous binders: `of T` and `& T`.
        if str(c[0]) not in ("of", "&"):
            raise _SyntaxError(f"unexpected {str(c[0])!r} in binders")
        return G.Binder(("_",), c[1], str(c[0]))

    def implicit_binder(self, c: list[Any]) -> G.Binder:
        names = tuple(x for x in c if isinstance(x, str))
        terms = [x for x in c if not isinstance(x, str)]
        return G.Binder(names, terms[0] if terms else None, "implicit")

    def class_binder(self, c: list[Any]) -> G.ClassBinder:
        return G.ClassBinder(tuple(c[1:]))

    def pattern_binder(self, c: list[Any]) -> G.PatternBinder:
        return G.PatternBinder(c[0])

    def name(self, c: list[Token]) -> str:
        return str(c[0]) if c else "_"

    def binders(self, c: list[Any]) -> tuple[G.AnyBinder, ...]:
        binders = [x for x in c if isinstance(x, _BINDERS)]
        types = [x for x in c if not isinstance(x, _BINDERS)]
        if not types:
            return tuple(binders)
        if not all(isinstance(b, G.Binder) and b.type is None and b.kind == "explicit" and b.value is None
                   for b in binders):
            raise _SyntaxError("`binders : T` needs bare names before the colon")
        return (G.Binder(tuple(n for b in binders for n in b.names), types[0]),)

    def universe(self, c: list[Any]) -> _Universe:
        return _Universe()

    # ---- terms
    def arrow(self, c: list[Any]) -> G.Arrow:
        return G.Arrow(c[0], c[2])

    def notation(self, c: list[Any]) -> G.Notation:
        return G.Notation(tuple(str(x) if isinstance(x, Token) else x for x in c))

    def forall(self, c: list[Any]) -> G.Forall:
        return G.Forall(c[0], c[1])

    def fun(self, c: list[Any]) -> G.Lambda:
        return G.Lambda(c[0], c[1])

    def binder_notation(self, c: list[Any]) -> G.BinderNotation:
        return G.BinderNotation(str(c[0]), c[1], c[2])

    def let(self, c: list[Any]) -> G.LetIn:
        name, *middle, value, body = c
        binders = tuple(x for x in middle if isinstance(x, _BINDERS))
        types = [x for x in middle if not isinstance(x, _BINDERS)]
        return G.LetIn((name,), binders, types[0] if types else None, value, body)

    def let_tuple(self, c: list[Any]) -> G.LetIn:
        return G.LetIn(tuple(c[:-2]), (), None, c[-2], c[-1])

    def let_pattern(self, c: list[Any]) -> G.LetIn:
        return G.LetIn((), (), None, c[1], c[2], pattern=c[0])

    def if_(self, c: list[Any]) -> G.If:
        return G.If(c[0], c[1], c[2])

    def fix(self, c: list[Any]) -> G.Fix:
        kw = str(c[0])
        bodies = tuple(x for x in c[1:] if isinstance(x, G.FixBody))
        chosen = [str(x) for x in c[1:] if isinstance(x, Token)]
        return G.Fix(kw == "cofix", bodies, chosen[0] if chosen else None)

    def fix_body(self, c: list[Any]) -> G.FixBody:
        name = str(c[0])
        binders = tuple(x for x in c[1:] if isinstance(x, _BINDERS))
        struct = next((x.name for x in c[1:] if isinstance(x, _Struct)), None)
        terms = [x for x in c[1:] if not isinstance(x, (*_BINDERS, _Struct))]
        return G.FixBody(name, binders, struct, terms[0] if len(terms) == 2 else None, terms[-1])

    def app(self, c: list[Any]) -> G.App:
        return G.App(c[0], tuple(c[1:]))

    def ref(self, c: list[Any]) -> G.Ref:
        return G.Ref(c[0])

    def explicit_ref(self, c: list[Any]) -> G.Ref:
        return G.Ref(c[0], explicit=True)

    def qualid(self, c: list[Token]) -> str:
        return str(c[0])

    def hole(self, c: list[Any]) -> G.Hole:
        return G.Hole()

    def evar(self, c: list[Token]) -> G.Evar:
        return G.Evar(str(c[0]))

    def number(self, c: list[Token]) -> G.Num:
        return G.Num(str(c[0]))

    def string(self, c: list[Token]) -> G.Str:
        return G.Str(str(c[0]))

    def cast(self, c: list[Any]) -> G.Cast:
        return G.Cast(c[0], c[1])

    def paren_notation(self, c: list[Any]) -> G.Notation:
        return G.Notation(("(",) + tuple(str(x) if isinstance(x, Token) else x for x in c) + (")",))

    def paren_sep(self, c: list[Token]) -> str:
        return str(c[0])

    def op(self, c: list[Token]) -> str:
        return str(c[0])

    def tuple(self, c: list[Any]) -> G.Tuple:
        return G.Tuple(tuple(c))

    def named_arg(self, c: list[Any]) -> G.NamedArg:
        return G.NamedArg(str(c[0]), c[1])

    def braces(self, c: list[Any]) -> G.Braces:
        return G.Braces(tuple(c))

    def typed_bterm(self, c: list[Any]) -> G.Typed:
        return G.Typed(c[0], c[1])

    def tuple_bterm(self, c: list[Any]) -> G.Tuple:
        return G.Tuple(tuple(c))

    def brackets(self, c: list[Any]) -> G.Brackets:
        return G.Brackets(tuple(c))

    def bracket_sep(self, c: list[Token]) -> str:
        return str(c[0])

    def scoped(self, c: list[Any]) -> G.Scoped:
        return G.Scoped(c[0], str(c[1]))

    def projection(self, c: list[Any]) -> G.Projection:
        return G.Projection(c[0], c[1])

    def match(self, c: list[Any]) -> G.Match:
        items = c[0]
        ret = next((x.type for x in c[1:] if isinstance(x, _Return)), None)
        branches = tuple(x for x in c[1:] if isinstance(x, G.Branch))
        return G.Match(items, ret, branches)

    def match_items(self, c: list[G.MatchItem]) -> tuple[G.MatchItem, ...]:
        return tuple(c)

    def match_item(self, c: list[Any]) -> G.MatchItem:
        alias = next((x for x in c[1:] if isinstance(x, str)), None)
        in_type = next((x for x in c[1:] if not isinstance(x, str)), None)
        return G.MatchItem(c[0], alias, in_type)

    def return_clause(self, c: list[Any]) -> _Return:
        return _Return(c[0])

    def branch(self, c: list[Any]) -> G.Branch:
        return G.Branch(tuple(c[:-1]), c[-1])

    def patterns(self, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)


# lark's callback for the rule named `if` (a Python keyword).
setattr(_Build, "if", _Build.if_)


@dataclass(frozen=True, slots=True)
class _Constructors:
    items: tuple[G.Constructor, ...]


@dataclass(frozen=True, slots=True)
class _RecordFields:
    items: tuple[G.FieldDecl, ...]


@dataclass(frozen=True, slots=True)
class _RecordBody:
    constructor: str | None
    fields: tuple[G.FieldDecl, ...]
    singleton: bool


@dataclass(frozen=True, slots=True)
class _Struct:
    name: str


@dataclass(frozen=True, slots=True)
class _Return:
    type: Any


@dataclass(frozen=True, slots=True)
class _Universe:
    pass


_BINDERS = (G.Binder, G.ClassBinder, G.PatternBinder, tuple)


class _SyntaxError(Exception):
    """Raised by a callback for a form the grammar accepts but Gallina does not."""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
        start=["inductive", "record", "definition", "fixpoint", "fix_header", "term"],
        transformer=_Build(), maybe_placeholders=False,
    )


# ---- sentences ------------------------------------------------------------------

_SCAN = re.compile(r'\(\*|\*\)|"|\.(?=\s|\Z)')
_STRING_BODY = re.compile(r'(?:[^"]|"")*"')


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence's text (comments blanked, final `.` dropped) and its offset."""

    text: str
    start: int


def split_sentences(source: str) -> list[Sentence]:
    """Cut a `.v` file into sentences, blanking comments (positions kept)."""
    out: list[Sentence] = []
    buf: list[str] = []
    depth = 0
    seg = 0  # start of the not yet copied text
    sentence_start = 0
    comment_start = 0
    i = 0
    while True:
        m = _SCAN.search(source, i)
        if m is None:
            break
        tok = m.group()
        if tok == '"':
            end = _STRING_BODY.match(source, m.end())
            if end is None:
                raise _Located(m.start(), "unterminated string")
            i = end.end()
        elif tok == "(*":
            if depth == 0:
                buf.append(source[seg:m.start()])
                comment_start = m.start()
            depth += 1
            i = m.end()
        elif tok == "*)":
            if depth > 0:
                depth -= 1
                if depth == 0:
                    buf.append(re.sub(r"[^\n]", " ", source[comment_start:m.end()]))
                    seg = m.end()
            i = m.end()
        else:  # a sentence-ending dot
            i = m.end()
            if depth == 0:
                buf.append(source[seg:m.start()])
                out.append(Sentence("".join(buf), sentence_start))
                buf = []
                seg = sentence_start = m.end()
    if depth:
        raise _Located(comment_start, "unterminated comment")
    rest = "".join(buf) + source[seg:]
    if rest.strip():
        raise _Located(sentence_start + len(rest) - len(rest.lstrip()), "sentence without a final '.'")
    return out


class _Located(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset, self.message = offset, message


_WORD = re.compile(r"\s*([^\W\d][\w']*)")


def _skip_attributes(text: str, pos: int) -> int:
    """Skip `#[...]` attribute groups (brackets balanced) and blanks."""
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not text.startswith("#[", pos):
            return pos
        depth, pos = 0, pos + 1
        while pos < len(text):
            if text[pos] == "[":
                depth += 1
            elif text[pos] == "]":
                depth -= 1
                if depth == 0:
                    pos += 1
                    break
            pos += 1


def _keyword(text: str) -> tuple[str | None, int]:
    """The sentence's command word after attributes and modifiers, and where it starts."""
    pos = 0
    while True:
        pos = _skip_attributes(text, pos)
        m = _WORD.match(text, pos)
        if m is None:
            return None, pos
        word = m.group(1)
        if word in MODIFIERS:
            pos = m.end()
            continue
        return word, m.start(1)


_LET = re.compile(r"let(?![\w'])")
_IDENT_CHAR = re.compile(r"[\w'.]")
_BLANK_ATTRS = re.compile(r"#\[[^\]]*\]")


def _header_end(text: str, start: int) -> int | None:
    """Offset of the first `:=` outside brackets and strings, if any."""
    depth = 0
    lets = 0  # `let x := v in` owns a `:=` of its own
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "l" and depth == 0 and _LET.match(text, i) and (i == 0 or not _IDENT_CHAR.match(text[i - 1])):
            lets += 1
            i += 3
            continue
        if ch == '"':
            end = _STRING_BODY.match(text, i + 1)
            i = end.end() if end else n
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ":" and depth == 0 and text.startswith(":=", i):
            if not lets:
                return i
            lets -= 1
        i += 1
    return None


def _position(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    return line, offset - (source.rfind("\n", 0, offset) + 1) + 1


def _terminal_name(name: str) -> str:
    if name in TERMINAL_NAMES:
        return TERMINAL_NAMES[name]
    try:
        pattern = _parser().get_terminal(name).pattern
    except KeyError:
        return name
    return repr(pattern.value) if pattern.type == "str" else name.lower().replace("_", " ")


_WORD_AT = re.compile(r"[^\W\d][\w']*")


def _translate(e: UnexpectedInput, path: str, text: str) -> ParseError:
    """A `ParseError` for lark's exception; `text` is what was parsed."""
    if isinstance(e, UnexpectedToken):
        shown = "end of sentence" if e.token.type == "$END" else repr(str(e.token))
        expected = tuple(_terminal_name(n) for n in (e.accepts or e.expected))
        return ParseError(path, e.line, e.column, f"unexpected {shown}", expected)
    if isinstance(e, UnexpectedCharacters):
        word = _WORD_AT.match(text, e.pos_in_stream)
        shown = repr(word.group()) if word else f"character {e.char!r}"
        expected = tuple(_terminal_name(n) for n in (e.allowed or ()))
        return ParseError(path, e.line, e.column, f"unexpected {shown}", expected)
    if isinstance(e, UnexpectedEOF):
        return ParseError(path, 0, 0, "unexpected end of sentence",
                          tuple(_terminal_name(n) for n in e.expected))
    return ParseError(path, getattr(e, "line", 0), getattr(e, "column", 0), str(e))


def _parse_at(source: str, start: int, end: int, rule: str, path: str) -> Any:
    """Parse `source[start:end]` with `rule`, reporting file positions."""
    line, col = _position(source, start)
    # Attributes inside a sentence (on fields, constructors) carry no structure here.
    text = _BLANK_ATTRS.sub(lambda m: " " * len(m.group()), source[start:end])
    padded = "\n" * (line - 1) + " " * (col - 1) + text
    try:
        return _parser().parse(padded, start=rule)
    except UnexpectedInput as e:
        err = _translate(e, path, padded)
        if err.line <= 0:
            err.line, err.column = _position(source, end)
        raise err from None
    except _SyntaxError as e:
        raise ParseError(path, line, col, str(e)) from None


def parse_gallina(source: str, path: str = "<string>") -> G.Document:
    """Parse the declarations of a `.v` file; other sentences are skipped."""
    try:
        sentences = split_sentences(source)
    except _Located as e:
        line, col = _position(source, e.offset)
        raise ParseError(path, line, col, e.message) from None
    # The sentences' comments are blanked; rebuild a same-length source from them.
    blanked = _blanked_source(source, sentences)
    decls: list[G.Declaration] = []
    skipped = 0
    for s in sentences:
        word, pos = _keyword(s.text)
        start = s.start + pos
        end = s.start + len(s.text)
        if word in INDUCTIVE_KEYWORDS:
            decls.append(_parse_at(blanked, start, end, "inductive", path))
        elif word in RECORD_KEYWORDS:
            decls.append(_parse_at(blanked, start, end, "record", path))
        elif word in DEFINITION_KEYWORDS:
            decls.append(_definition(blanked, start, end, "definition", path))
        elif word in FIXPOINT_KEYWORDS:
            spans = _fixpoint_bodies(blanked, start, end)
            first = _definition(blanked, spans[0], spans[1], "fixpoint", path)
            decls.append(first)
            for body_start, body_end in zip(spans[1:-1], spans[2:]):
                other = _definition(blanked, body_start + len("with"), body_end, "fix_header", path)
                decls.append(dataclasses.replace(other, kind=first.kind))
        else:
            skipped += 1
    return G.Document(path, tuple(decls), skipped)


def _definition(source: str, start: int, end: int, rule: str, path: str) -> G.Definition | G.Fixpoint:
    """Parse the header before the first `:=`; keep the body after it as text."""
    split = _header_end(source[:end], start)
    head = _parse_at(source, start, end if split is None else split, rule, path)
    body = None if split is None else source[split + 2:end].strip()
    return dataclasses.replace(head, body=body)


_FIX_WORDS = re.compile(r'"|(?<![\w\'.])(match|with|fix|cofix|for)(?![\w\'])')


def _fixpoint_bodies(text: str, start: int, end: int) -> list[int]:
    """Where the bodies of a (mutual) Fixpoint sentence start, and its end.

    A body after the first begins at a `with` that no `match` (one `with`
    each) and no local `fix ... for` claims.
    """
    starts = [start]
    matches = fixes = 0
    i = start
    while True:
        m = _FIX_WORDS.search(text, i, end)
        if m is None:
            break
        word = m.group(1)
        i = m.end()
        if word is None:  # a string
            close = _STRING_BODY.match(text, m.end())
            i = close.end() if close else end
        elif word == "match":
            matches += 1
        elif word in ("fix", "cofix"):
            fixes += 1
        elif word == "for":
            fixes = max(0, fixes - 1)
        elif matches:
            matches -= 1
        elif not fixes:
            starts.append(m.start())
    return starts + [end]


def _blanked_source(source: str, sentences: list[Sentence]) -> str:
    parts = []
    pos = 0
    for s in sentences:
        parts.append(source[pos:s.start])
        parts.append(s.text)
        pos = s.start + len(s.text)
    parts.append(source[pos:])
    return "".join(parts)


def parse_gallina_term(text: str) -> G.Term:
    """Parse one Gallina term (for tests and tools)."""
    try:
        return _parser().parse(text, start="term")
    except UnexpectedInput as e:
        raise _translate(e, "<term>", text) from None
    except _SyntaxError as e:
        raise ParseError("<term>", 1, 1, str(e)) from None


def parse_gallina_file(path: str | Path) -> G.Document:
    p = Path(path)
    return parse_gallina(p.read_text(encoding="utf-8"), str(p))
