"""The Jinja environment of the HTML pages (campaign report, finding pages)."""

from __future__ import annotations

import functools

import jinja2
from markupsafe import Markup

from pyspec.viz import Diagram


def _inline_svg(d: Diagram | None) -> Markup:
    """A diagram as an inline `<svg>` element (Graphviz's own markup, escaped by it)."""
    return Markup(d.svg(inline=True)) if d is not None else Markup("")


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("pyspec.difftest", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["svg"] = _inline_svg
    return env
