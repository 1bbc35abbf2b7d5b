"""Parse errors that say where (file, line, column) and what was expected."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ParseError(Exception):
    """A syntax error, or a construct the parser does not model."""

    path: str
    line: int
    column: int
    message: str
    expected: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.message}"
        if self.expected:
            text += "; expected " + describe_expected(self.expected)
        return text


def describe_expected(names: tuple[str, ...]) -> str:
    shown = sorted(set(names))
    if len(shown) > 8:
        return ", ".join(shown[:8]) + f", ... ({len(shown)} in all)"
    return " or ".join(shown) if len(shown) <= 2 else ", ".join(shown[:-1]) + " or " + shown[-1]
