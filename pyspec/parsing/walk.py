"""Iterative folds over deep trees.

A fold is driven by a `visit(node)` generator: it yields each child it wants
folded and receives the child's result back, then returns the node's result.
`fold` runs these generators on an explicit stack, so the depth of the tree
never touches Python's recursion limit (extracted terms nest 10,000 deep).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Iterator
from typing import Any

Visitor = Callable[[Any], Generator[Any, Any, Any]]


def fold(root: Any, visit: Visitor) -> Any:
    stack: list[Generator[Any, Any, Any]] = [visit(root)]
    sent: Any = None
    while stack:
        try:
            child = stack[-1].send(sent)
        except StopIteration as done:
            stack.pop()
            sent = done.value
        else:
            stack.append(visit(child))
            sent = None
    return sent


def children(node: Any) -> Iterator[Any]:
    """The direct sub-nodes of a dataclass node (through tuples and pairs)."""
    if dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            yield from _flatten(getattr(node, f.name))
    elif isinstance(node, tuple):
        yield from _flatten(node)


def _flatten(value: Any) -> Iterator[Any]:
    if dataclasses.is_dataclass(value):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _flatten(item)


def nodes(root: Any) -> Iterator[Any]:
    """Every dataclass node under `root`, parents before children (iterative)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if dataclasses.is_dataclass(node):
            yield node
        stack.extend(reversed(list(children(node))))


def depth(root: Any) -> int:
    """The number of nodes on the longest root-to-leaf path."""
    def visit(node: Any) -> Generator[Any, Any, int]:
        deepest = 0
        for child in children(node):
            deepest = max(deepest, (yield child))
        return deepest + 1
    return fold(root, visit)


def to_data(root: Any) -> Any:
    """A plain nested-list form (`[ClassName, field...]`, positions left out)."""
    def visit(node: Any) -> Generator[Any, Any, Any]:
        if dataclasses.is_dataclass(node):
            out: list[Any] = [type(node).__name__]
            for f in dataclasses.fields(node):
                if f.compare:  # positions are not structure
                    out.append((yield getattr(node, f.name)))
            return out
        if isinstance(node, tuple):
            items = []
            for item in node:
                items.append((yield item))
            return items
        return node
    return fold(root, visit)
