"""Pictures of states: `draw_state` and `draw_diff` return a `Diagram` (a
Graphviz graph with a title and a text alternative) that notebooks show
directly and that `svg()`/`png()` render.  See docs/viz.md."""

from .render import Diagram, draw_diff, draw_state

__all__ = ["Diagram", "draw_diff", "draw_state"]
