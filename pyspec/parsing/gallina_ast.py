"""The AST of Gallina declarations: frozen dataclasses.

Terms are Notation-free Gallina (`Ref`, `App`, `Arrow`, `Forall`, ...).  What
a notation means depends on `Notation` commands this parser does not run, so
a run of operands and operator symbols is kept flat and uninterpreted as a
`Notation` node (`A * B` is `Notation((Ref('A'), '*', Ref('B')))`); so are
bracket and brace groups (`Brackets`, `Braces`).  Declarations carry the
line and column of their name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True, slots=True)
class Ref:
    """A (possibly qualified) name; `explicit` for `@name`."""

    name: str
    explicit: bool = False


@dataclass(frozen=True, slots=True)
class Hole:
    """`_`."""


@dataclass(frozen=True, slots=True)
class Evar:
    name: str


@dataclass(frozen=True, slots=True)
class Num:
    text: str


@dataclass(frozen=True, slots=True)
class Str:
    text: str


@dataclass(frozen=True, slots=True)
class App:
    func: Term
    args: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Arrow:
    dom: Term
    cod: Term


@dataclass(frozen=True, slots=True)
class Binder:
    """`(x y : T)`, `{x}`, `[x : T]`, `(x : T := v)`, or a bare `x`."""

    names: tuple[str, ...]
    type: Term | None = None
    kind: str = "explicit"  # explicit, implicit (braces) or bracket
    value: Term | None = None


@dataclass(frozen=True, slots=True)
class ClassBinder:
    """A generalising binder: `` `{Eq A} `` or `` `(Eq A) ``."""

    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class PatternBinder:
    """`'pat`, as in `fun '(x, y) => ...`."""

    pattern: Term


AnyBinder = Union[Binder, ClassBinder, PatternBinder]


@dataclass(frozen=True, slots=True)
class Forall:
    binders: tuple[AnyBinder, ...]
    body: Term


@dataclass(frozen=True, slots=True)
class Lambda:
    binders: tuple[AnyBinder, ...]
    body: Term


@dataclass(frozen=True, slots=True)
class BinderNotation:
    """A notation that binds: `exists x, P`, `exists2`, `exists!`, `∀`, `∃`, `λ`."""

    symbol: str
    binders: tuple[AnyBinder, ...]
    body: Term


@dataclass(frozen=True, slots=True)
class LetIn:
    """`let x binders : T := v in b`; `names` holds several for `let (a, b) := ...`."""

    names: tuple[str, ...]
    binders: tuple[AnyBinder, ...]
    type: Term | None
    value: Term
    body: Term
    pattern: Term | None = None  # `let 'pat := ...`


@dataclass(frozen=True, slots=True)
class If:
    cond: Term
    then: Term
    orelse: Term


@dataclass(frozen=True, slots=True)
class FixBody:
    name: str
    binders: tuple[AnyBinder, ...]
    struct: str | None
    type: Term | None
    body: Term


@dataclass(frozen=True, slots=True)
class Fix:
    cofix: bool
    bodies: tuple[FixBody, ...]
    chosen: str | None = None  # `for name`


@dataclass(frozen=True, slots=True)
class Cast:
    term: Term
    type: Term


@dataclass(frozen=True, slots=True)
class Tuple:
    """`(a, b, ...)`: the pair notation, kept as such."""

    items: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class NamedArg:
    """`(A := t)` in an application."""

    name: str
    value: Term


@dataclass(frozen=True, slots=True)
class Typed:
    """`x : T` inside braces, as in `{x : A | P x}`."""

    term: Term
    type: Term


@dataclass(frozen=True, slots=True)
class Braces:
    """`{ a | b }` groups (sig types, sumbool...), uninterpreted; parts split at `|`."""

    parts: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Brackets:
    """`[ a ; b ]` groups (list notations), uninterpreted; separators kept."""

    parts: tuple[Term | str, ...]


@dataclass(frozen=True, slots=True)
class Scoped:
    """`t%scope`."""

    term: Term
    scope: str


@dataclass(frozen=True, slots=True)
class Projection:
    """`t.(proj)`."""

    term: Term
    name: str


@dataclass(frozen=True, slots=True)
class MatchItem:
    term: Term
    alias: str | None
    in_type: Term | None


@dataclass(frozen=True, slots=True)
class Branch:
    patterns: tuple[tuple[Term, ...], ...]
    body: Term


@dataclass(frozen=True, slots=True)
class Match:
    items: tuple[MatchItem, ...]
    return_type: Term | None
    branches: tuple[Branch, ...]


@dataclass(frozen=True, slots=True)
class Notation:
    """An uninterpreted run of operands (terms) and operator symbols (str)."""

    parts: tuple[Term | str, ...]


Term = Union[
    Ref, Hole, Evar, Num, Str, App, Arrow, Forall, Lambda, BinderNotation, LetIn, If, Fix,
    Cast, Tuple, NamedArg, Typed, Braces, Brackets, Scoped, Projection, Match, Notation,
]

# ---- declarations -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Constructor:
    name: str
    binders: tuple[AnyBinder, ...]
    type: Term | None
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class FieldDecl:
    """A record field; `sep` is `:`, the coercion `:>`, or `:=` for a defined field."""

    name: str
    binders: tuple[AnyBinder, ...]
    type: Term | None
    sep: str = ":"
    default: Term | None = None
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class WhereNotation:
    notation: str
    term: Term
    scope: str | None


@dataclass(frozen=True, slots=True)
class InductiveBody:
    """One type of an `Inductive` block; `arity` is the type after the binders."""

    name: str
    params: tuple[AnyBinder, ...]
    arity: Term | None
    constructors: tuple[Constructor, ...]
    notations: tuple[WhereNotation, ...] = ()
    record_fields: tuple[FieldDecl, ...] | None = None  # `Inductive t := { ... }`
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Inductive:
    """`Inductive` / `CoInductive` / `Variant`, with its mutual `with` bodies."""

    kind: str
    bodies: tuple[InductiveBody, ...]
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Record:
    """`Record` / `Structure` / `Class`; `constructor` is None when Coq names it."""

    kind: str
    name: str
    params: tuple[AnyBinder, ...]
    sort: Term | None
    constructor: str | None
    fields: tuple[FieldDecl, ...]
    singleton: bool = False  # `Class C := m : T` (no braces)
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Definition:
    """The header of a `Definition`/`Example`/`Let`; `body` is its source text
    (None when a proof script follows instead)."""

    kind: str
    name: str
    binders: tuple[AnyBinder, ...]
    type: Term | None
    body: str | None
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Fixpoint:
    """The header of one body of a `Fixpoint`/`CoFixpoint` (a mutual block gives
    one per body, in order); `body` is the source text after its `:=`."""

    kind: str
    name: str
    binders: tuple[AnyBinder, ...]
    struct: str | None
    type: Term | None
    body: str | None
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


Declaration = Union[Inductive, Record, Definition, Fixpoint]


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed `.v` file: its declarations and how many sentences were skipped."""

    path: str
    declarations: tuple[Declaration, ...]
    skipped: int
