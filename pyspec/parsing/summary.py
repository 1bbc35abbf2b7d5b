"""One-line summaries of parsed files (what `vcert parse` prints)."""

from __future__ import annotations

from . import gallina_ast as G
from . import ocaml_ast as O


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def ocaml_counts(module: O.Module) -> dict[str, int]:
    """Types, values (bindings and `val`s) and modules, nested modules included."""
    counts = {"type": 0, "value": 0, "module": 0}
    pending: list[O.Item] = list(module.items)
    while pending:
        item = pending.pop()
        if isinstance(item, O.TypeDecl):
            counts["type"] += len(item.defs)
        elif isinstance(item, O.LetDecl):
            counts["value"] += len(item.bindings)
        elif isinstance(item, O.ValSpec):
            counts["value"] += 1
        elif isinstance(item, (O.ModuleDecl, O.ModuleSpec, O.ModuleTypeDecl)):
            counts["module"] += 1
            body = item.expr if isinstance(item, O.ModuleDecl) else item.type_
            while isinstance(body, (O.Functor, O.FunctorType, O.ModTypeWith)):
                body = body.base if isinstance(body, O.ModTypeWith) else body.body
            if isinstance(body, (O.Struct, O.Sig)):
                pending.extend(body.items)
    return counts


def ocaml_summary(module: O.Module) -> str:
    c = ocaml_counts(module)
    return ", ".join([_plural(c["type"], "type"), _plural(c["value"], "value"), _plural(c["module"], "module")])


def gallina_summary(doc: G.Document) -> str:
    kinds = [(G.Inductive, "inductive"), (G.Record, "record"), (G.Definition, "definition"),
             (G.Fixpoint, "fixpoint")]
    parts = [_plural(sum(isinstance(d, cls) for d in doc.declarations), word) for cls, word in kinds]
    parts.append(f"{doc.skipped} skipped")
    return ", ".join(parts)
