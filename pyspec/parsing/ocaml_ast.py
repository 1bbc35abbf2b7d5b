"""The AST of extracted OCaml: frozen dataclasses, one per syntactic form.

Names keep their source spelling; qualified names stay dotted
(`Stdlib.Int.succ`, `OrderedType.LT`).  A constructor applied in the source
keeps its one syntactic argument (`Node (l, x, r)` has a `Tuple` argument),
because OCaml's syntax alone cannot tell `C of a * b` from `C of (a * b)`.
Trees can be very deep (extraction writes a literal 100 as 100 nested
successors), so nothing here recurses: walk them with `pyspec.parsing.walk`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

# ---- types -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TVar:
    """A type variable such as `'a`; `name` keeps the quote."""

    name: str


@dataclass(frozen=True, slots=True)
class TConstr:
    """A type constructor applied to arguments: `int`, `'a list`, `(k, v) M.t`."""

    name: str
    args: tuple[Type, ...] = ()


@dataclass(frozen=True, slots=True)
class TTuple:
    items: tuple[Type, ...]


@dataclass(frozen=True, slots=True)
class TArrow:
    arg: Type
    result: Type


Type = Union[TVar, TConstr, TTuple, TArrow]

# ---- patterns --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PVar:
    """A variable pattern; `_` is the wildcard."""

    name: str


@dataclass(frozen=True, slots=True)
class PConstr:
    name: str
    arg: Pattern | None = None


@dataclass(frozen=True, slots=True)
class PTuple:
    items: tuple[Pattern, ...]


@dataclass(frozen=True, slots=True)
class PCons:
    head: Pattern
    tail: Pattern


@dataclass(frozen=True, slots=True)
class PRecord:
    fields: tuple[tuple[str, Pattern], ...]
    open: bool = False  # ends with `; _`


@dataclass(frozen=True, slots=True)
class PLit:
    value: Lit


@dataclass(frozen=True, slots=True)
class POr:
    left: Pattern
    right: Pattern


@dataclass(frozen=True, slots=True)
class PAlias:
    pattern: Pattern
    name: str


@dataclass(frozen=True, slots=True)
class PTyped:
    pattern: Pattern
    type: Type


@dataclass(frozen=True, slots=True)
class PLazy:
    pattern: Pattern


Pattern = Union[PVar, PConstr, PTuple, PCons, PRecord, PLit, POr, PAlias, PTyped, PLazy]

# ---- expressions -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal; `kind` is int, float, string, char, bool or unit, `text` its source."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class OpSection:
    """An operator used as a function: `(+)`, `( * )`, `(~-)`."""

    op: str


@dataclass(frozen=True, slots=True)
class Constr:
    """A constructor, with its syntactic argument when applied (`[]` has none)."""

    name: str
    arg: Expr | None = None


@dataclass(frozen=True, slots=True)
class App:
    func: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Infix:
    """A binary operator, including `::` and the comparison `=`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Prefix:
    """A prefix operator: `-x` (op `-`), `~-x`, `!r`."""

    op: str
    arg: Expr


@dataclass(frozen=True, slots=True)
class Tuple:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Record:
    fields: tuple[tuple[str, Expr], ...]
    base: Expr | None = None  # `{ base with ... }`


@dataclass(frozen=True, slots=True)
class Field:
    record: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Fun:
    params: tuple[Pattern, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class Case:
    pattern: Pattern
    guard: Expr | None
    body: Expr


@dataclass(frozen=True, slots=True)
class Function:
    cases: tuple[Case, ...]


@dataclass(frozen=True, slots=True)
class Match:
    scrutinee: Expr
    cases: tuple[Case, ...]


@dataclass(frozen=True, slots=True)
class Binding:
    """`name params = body` (a function binding) or `pattern = body`.

    `pattern` is a `PVar` for a function binding; `declared_type` is the type
    given by the `(** val name : type **)` comment above a top-level binding.
    """

    pattern: Pattern
    params: tuple[Pattern, ...]
    body: Expr
    annotation: Type | None = None
    declared_type: Type | None = None

    @property
    def name(self) -> str | None:
        return self.pattern.name if isinstance(self.pattern, PVar) else None


@dataclass(frozen=True, slots=True)
class Let:
    rec: bool
    bindings: tuple[Binding, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: Expr
    orelse: Expr | None


@dataclass(frozen=True, slots=True)
class Assert:
    """`assert e`; extraction writes `assert false` for absurd cases."""

    arg: Expr


@dataclass(frozen=True, slots=True)
class Lazy:
    arg: Expr


@dataclass(frozen=True, slots=True)
class Typed:
    expr: Expr
    type: Type


Expr = Union[
    Lit, Var, OpSection, Constr, App, Infix, Prefix, Tuple, ListLit, Record, Field,
    Fun, Function, Match, Let, If, Assert, Lazy, Typed,
]

# ---- type declarations -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConstrDecl:
    """`Name of t1 * ... * tn`: `args` are the n arguments (arity n)."""

    name: str
    args: tuple[Type, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldDecl:
    name: str
    type: Type
    mutable: bool = False


@dataclass(frozen=True, slots=True)
class Variant:
    constructors: tuple[ConstrDecl, ...]


@dataclass(frozen=True, slots=True)
class RecordDecl:
    fields: tuple[FieldDecl, ...]


@dataclass(frozen=True, slots=True)
class Alias:
    type: Type


@dataclass(frozen=True, slots=True)
class Abstract:
    """`type t` with no definition (signatures, extracted parameters)."""


TypeKind = Union[Variant, RecordDecl, Alias, Abstract]


@dataclass(frozen=True, slots=True)
class TypeDef:
    """`type params name = kind`; `manifest` is the type it re-exports, as in
    `type mask = Pos.mask = IsNul | ...`."""

    name: str
    params: tuple[str, ...]
    kind: TypeKind
    manifest: Type | None = None


# ---- modules and items -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModPath:
    path: str


@dataclass(frozen=True, slots=True)
class Struct:
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Functor:
    param: str
    param_type: ModType
    body: ModExpr


@dataclass(frozen=True, slots=True)
class ModApply:
    func: ModExpr
    arg: ModExpr


ModExpr = Union[ModPath, Struct, Functor, ModApply]


@dataclass(frozen=True, slots=True)
class Sig:
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class FunctorType:
    param: str
    param_type: ModType
    body: ModType


@dataclass(frozen=True, slots=True)
class WithType:
    """`with type params name = type`."""

    name: str
    params: tuple[str, ...]
    type: Type


@dataclass(frozen=True, slots=True)
class WithModule:
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class ModTypeWith:
    base: ModType
    constraints: tuple[WithType | WithModule, ...]


ModType = Union[ModPath, Sig, FunctorType, ModTypeWith]


@dataclass(frozen=True, slots=True)
class Open:
    path: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Include:
    module_type: ModType
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ExceptionDecl:
    name: str
    args: tuple[Type, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class TypeDecl:
    """`type a = ... and b = ...`: one group of (mutually recursive) definitions."""

    defs: tuple[TypeDef, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class LetDecl:
    rec: bool
    bindings: tuple[Binding, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ValSpec:
    """`val name : type` in a signature."""

    name: str
    type: Type
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ModuleDecl:
    """`module Name = expr` (`type_` set when annotated)."""

    name: str
    expr: ModExpr
    type_: ModType | None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    """`module Name : type` in a signature."""

    name: str
    type_: ModType
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ModuleTypeDecl:
    name: str
    type_: ModType | None
    line: int = field(default=0, compare=False)


Item = Union[
    Open, Include, ExceptionDecl, TypeDecl, LetDecl, ValSpec, ModuleDecl, ModuleSpec,
    ModuleTypeDecl,
]


@dataclass(frozen=True, slots=True)
class Module:
    """A parsed `.ml` or `.mli` file."""

    path: str
    items: tuple[Item, ...]
