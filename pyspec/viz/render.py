"""State diagrams drawn by Graphviz: one state, or two states over one layout.

Guests (left) list their physical-to-machine map; each entry points at its
machine page, filled with its owner's colour; a page table lists its
mappings, each pointing at the page it maps (solid: accessible, dashed: the
hypervisor window).  In a diff every element shows both states: `+` and
green for what only the second has, `−`, red and dashed for what only the
first has, purple and `old → new` for what changed.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field

import graphviz

from pyspec.difftest.jstate import Json

from .picture import Comparison, GuestView, PageView, Pair, changes, describe, pair_maps, view

FONT = "DejaVu Sans"           # wide: labels measured with it fit narrower fallbacks too
GUEST_FILL = ("#cfe3f5", "#fde2c0", "#d4eed9", "#f6d4e6", "#fff1a8", "#ddd5ef", "#d2f0f0")
GUEST_LINE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#9a8400", "#6a51a3", "#2a9bbf")
HYP_FILL, FREE_FILL = "#d9d9d9", "#ffffff"
ADDED, REMOVED, CHANGED = "#1a7f37", "#cf222e", "#8250df"
STATUS_COLOUR = {"added": ADDED, "removed": REMOVED, "changed": CHANGED}
SWATCH = 'WIDTH="18" HEIGHT="14" FIXEDSIZE="TRUE"'      # a legend's colour sample: an empty cell
STATUS_SIGN = {"added": "+ ", "removed": "− ", "changed": "", "same": ""}


@dataclass
class Diagram:
    """A drawn state: the Graphviz graph, a title and the text alternative.

    In a notebook, `_repr_svg_` shows it; `svg()` is a standalone SVG file,
    `svg(inline=True)` an `<svg>` element for an HTML page (no XML prolog,
    no namespace URLs)."""
    graph: graphviz.Digraph
    title: str
    description: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([self.title, *self.description])

    @functools.cached_property
    def _dot_svg(self) -> str:
        # One Graphviz run per diagram: a report shows each one twice (inline, own page).
        return self.graph.pipe(format="svg", encoding="utf-8")

    def svg(self, inline: bool = False) -> str:
        svg = self._dot_svg
        svg = svg[svg.index("<svg"):]
        svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
        if inline:
            svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg, count=2)
        head_end = svg.index(">") + 1
        alt = (f"<title>{html.escape(self.title)}</title>"
               f"<desc>{html.escape(' '.join(self.description))}</desc>")
        head = svg[:head_end - 1] + f' role="img" aria-label="{html.escape(self.title)}">'
        return head + "\n" + alt + svg[head_end:]

    def png(self) -> bytes:
        return self.graph.pipe(format="png")

    def _repr_svg_(self) -> str:
        return self.svg()


def _guest_colour(o: int, order: list[int]) -> tuple[str, str]:
    i = order.index(o) % len(GUEST_FILL)
    return GUEST_FILL[i], GUEST_LINE[i]


def _cell(text: str, status: str = "same", port: str | None = None, bold: bool = False,
          align: str = "LEFT") -> str:
    body = html.escape(STATUS_SIGN[status] + text)
    if bold:
        body = f"<B>{body}</B>"
    if status in STATUS_COLOUR:
        body = f'<FONT COLOR="{STATUS_COLOUR[status]}">{body}</FONT>'
    if status == "removed":
        body = f"<S>{body}</S>"
    port_attr = f' PORT="{port}"' if port else ""
    return f'<TR><TD ALIGN="{align}"{port_attr}>{body}</TD></TR>'


def _changed(label: str, a: object, b: object) -> tuple[str, str]:
    return (f"{label}{a}", "same") if a == b else (f"{label}{a} → {b}", "changed")


def _table(rows: list[str], fill: str, border: str, dashed: bool = False,
           width: int = 1) -> str:
    style = ' STYLE="DASHED"' if dashed else ""
    return (f'<<TABLE BORDER="{width}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
            f'BGCOLOR="{fill}" COLOR="{border}"{style}>{"".join(rows)}</TABLE>>')


def _guest_label(o: int, g: Pair[GuestView], fill: str) -> str:
    x = g.either
    rows = [_cell(f"guest {o}", g.status if g.status != "changed" else "same", bold=True,
                  align="CENTER")]
    a, b = g.a or x, g.b or x
    for text, status in (_changed("", "trusted" if a.trusted else "untrusted",
                                  "trusted" if b.trusted else "untrusted"),
                         _changed("", a.status, b.status),
                         _changed("page table: pa ", a.curr_page, b.curr_page),
                         _changed("hypercall: ", a.hcall, b.hcall)):
        rows.append(_cell(text, status if g.status in ("same", "changed") else "same"))
    rows.append(_cell("physical ↦ machine", bold=True))
    pm = pair_maps(a.pm if g.a else {}, b.pm if g.b else {})
    for pa, m in pm.items():
        rows.append(_cell(_entry(f"pa {pa}", m), m.status, port=f"pa{pa}"))
    if not pm:
        rows.append(_cell("(empty)"))
    border = CHANGED if g.status == "changed" else STATUS_COLOUR.get(g.status, "#333333")
    # The active guest (in the second state) has a thick border.
    return _table(rows, fill, border, dashed=g.status == "removed", width=3 if b.active else 1)


def _page_fill(owner: str, order: list[int]) -> str:
    if owner == "hypervisor":
        return HYP_FILL
    if owner == "free":
        return FREE_FILL
    return _guest_colour(int(owner.split()[1]), order)[0]


def _page_label(ma: int, p: Pair[PageView], window: set[int], order: list[int]) -> str:
    a, b = p.a or p.either, p.b or p.either
    rows = [_cell(f"ma {ma}", p.status if p.status in ("added", "removed") else "same",
                  bold=True, align="CENTER"),
            _cell(*_changed("", a.owner, b.owner)),
            _cell(*_changed("", a.content, b.content))]
    for va, m in pair_maps(a.maps, b.maps).items():
        hyp = " (window)" if va in window else ""
        rows.append(_cell(_entry(f"va {va}", m) + hyp, m.status, port=f"va{va}"))
    changed = p.status == "changed"
    border = CHANGED if changed else STATUS_COLOUR.get(p.status, "#333333")
    fill = _page_fill(b.owner, order)
    return _table(rows, fill, border, dashed=p.status == "removed" or b.owner == "free")


def _entry(key: str, m: Pair[int]) -> str:
    """One map entry: `va 10 ↦ ma 1`, or `va 10 ↦ ma 1 → ma 5` when the target changed."""
    if m.status == "changed":
        return f"{key} ↦ ma {m.a} → ma {m.b}"
    return f"{key} ↦ ma {m.either}"


def _group_label(title: str, pages: list[int], cmp: Comparison, order: list[int],
                 owner: bool) -> str:
    """Pages that need no node of their own, one row each in their owner's colour."""
    rows = [_cell(title, bold=True, align="CENTER")]
    for ma in pages:
        p = cmp.pages[ma].either
        text = f"ma {ma}: {p.owner}, {p.content}" if owner else f"ma {ma}: {p.content}"
        rows.append(_cell(text, port=f"ma{ma}").replace(
            "<TD ", f'<TD BGCOLOR="{_page_fill(p.owner, order)}" ', 1))
    return _table(rows, FREE_FILL, "#333333", dashed=not owner)


def _edge_attrs(status: str, colour: str, dashed: bool) -> dict[str, str]:
    attrs = {"color": STATUS_COLOUR.get(status, colour), "arrowsize": "0.7"}
    if status in ("added", "removed", "changed"):
        attrs["penwidth"] = "2.2"
    if dashed or status == "removed":
        attrs["style"] = "dashed"
    return attrs


def _legend(cmp: Comparison, order: list[int], labels: tuple[str, str] | None) -> str:
    def swatch(fill: str, text: str, dashed: bool = False) -> str:
        style = ' STYLE="DASHED"' if dashed else ""
        return (f'<TR><TD BGCOLOR="{fill}" BORDER="1"{style} {SWATCH}></TD>'
                f'<TD ALIGN="LEFT">{html.escape(text)}</TD></TR>')

    def line(colour: str, text: str, arrow: str = "⟶") -> str:
        return (f'<TR><TD><FONT COLOR="{colour}"><B>{arrow}</B></FONT></TD>'
                f'<TD ALIGN="LEFT">{html.escape(text)}</TD></TR>')

    owners = {p.owner for pair in cmp.pages.values() for p in (pair.a, pair.b) if p}
    rows = ['<TR><TD COLSPAN="2"><B>legend</B></TD></TR>']
    rows += [swatch(_guest_colour(o, order)[0], f"owned by guest {o}") for o in order]
    if "hypervisor" in owners:
        rows.append(swatch(HYP_FILL, "owned by the hypervisor"))
    if "free" in owners:
        rows.append(swatch(FREE_FILL, "free (no owner)", dashed=True))
    rows.append(f'<TR><TD BORDER="3" {SWATCH}></TD><TD ALIGN="LEFT">the active guest</TD></TR>')
    rows.append(line("#555555", "guest map: pa ↦ ma (guest's colour)"))
    rows.append(line("#222222", "page table: va ↦ ma, accessible"))
    rows.append(line("#222222", "va in the hypervisor window", "⇢"))
    if labels is not None:
        a, b = labels
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>{html.escape(a)} → '
                    f'{html.escape(b)}</B></TD></TR>')
        rows.append(line(ADDED, f"+ only in {b}"))
        rows.append(line(REMOVED, f"− only in {a} (struck out)", "⇢"))
        rows.append(line(CHANGED, f"changed: {a} value → {b} value"))
    return (f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2" '
            f'BGCOLOR="#ffffff" COLOR="#999999">{"".join(rows)}</TABLE>>')


def _draw(ctx: Json, cmp: Comparison, title: str,
          labels: tuple[str, str] | None) -> graphviz.Digraph:
    g = graphviz.Digraph("state")
    g.attr(rankdir="LR", fontname=FONT, fontsize="13", label=title, labelloc="t",
           labeljust="l", nodesep="0.25", ranksep="0.7", bgcolor="white", pad="0.3")
    g.attr("node", shape="plaintext", fontname=FONT, fontsize="11", margin="0")
    g.attr("edge", fontname=FONT, fontsize="10")
    # Colours go to guests in order, and to owners that are not guests (an invalid state).
    owners = {int(v.owner.split()[1]) for p in cmp.pages.values() for v in (p.a, p.b)
              if v and v.owner.startswith("guest ")}
    order = sorted(set(cmp.guests) | owners)
    window = set(ctx["hyp_window"])
    with g.subgraph(name="cluster_guests") as sub:
        sub.attr(label="guests", style="rounded", color="#999999")
        for o, gp in cmp.guests.items():
            sub.node(f"g{o}", _guest_label(o, gp, _guest_colour(o, order)[0]))
    # Unchanged pages that are free, or that no map points to and that map
    # nothing, share two nodes; they and the legend go to the right.
    same = [ma for ma, p in cmp.pages.items() if p.status == "same"]
    free = [ma for ma in same if cmp.pages[ma].either.owner == "free"]
    reached = {t for gp in cmp.guests.values() for v in (gp.a, gp.b) if v for t in v.pm.values()}
    reached |= {t for p in cmp.pages.values() for v in (p.a, p.b) if v for t in v.maps.values()}
    alone = [ma for ma in same if ma not in free and ma not in reached
             and not cmp.pages[ma].either.maps]
    for ma, p in cmp.pages.items():
        if ma not in free and ma not in alone:
            g.node(f"ma{ma}", _page_label(ma, p, window, order))
    with g.subgraph(name="side") as sub:
        sub.attr(rank="sink")
        sub.node("legend", _legend(cmp, order, labels))
        if free:
            sub.node("free", _group_label("free pages", free, cmp, order, owner=False))
        if alone:
            sub.node("alone", _group_label("pages no map points to", alone, cmp, order,
                                           owner=True))
    nodes = {ma: f"free:ma{ma}" if ma in free else f"ma{ma}" for ma in cmp.pages}

    def target(ma: int) -> str:
        if ma not in nodes:          # a dangling map entry: draw the missing page
            nodes[ma] = f"ma{ma}"
            g.node(f"ma{ma}", _table([_cell(f"ma {ma}: no such page", bold=True)],
                                     "#ffffff", REMOVED, dashed=True))
        return nodes[ma]

    for o, gp in cmp.guests.items():
        _, line = _guest_colour(o, order)
        pm = pair_maps(gp.a.pm if gp.a else {}, gp.b.pm if gp.b else {})
        for pa, m in pm.items():
            for ma, status in _ends(m):
                g.edge(f"g{o}:pa{pa}:e", target(ma), **_edge_attrs(status, line, False))
    for ma, p in cmp.pages.items():
        pm = pair_maps(p.a.maps if p.a else {}, p.b.maps if p.b else {})
        for va, m in pm.items():
            for t, status in _ends(m):
                g.edge(f"ma{ma}:va{va}:e", target(t),
                       **_edge_attrs(status, "#222222", va in window))
    return g


def _ends(m: Pair[int]) -> list[tuple[int, str]]:
    """The arrows of one map entry: one, or for a changed target the lost one and the new one."""
    if m.status == "changed":
        return [(m.a, "removed"), (m.b, "added")]   # type: ignore[list-item]
    return [(m.either, m.status)]


def draw_state(ctx: Json, state: Json, title: str | None = None) -> Diagram:
    """The diagram of one state (JSON or pyspec model values)."""
    ctx, state = _json(ctx), _json(state)
    v = view(ctx, state)
    cmp = Comparison(v, v)
    title = title or (f"state: active guest {v.active_os}, {state['activity']}, "
                      f"{state['exec_mode']} mode")
    return Diagram(_draw(ctx, cmp, title, None), title, describe(ctx, v))


def draw_diff(ctx: Json, a: Json, b: Json, labels: tuple[str, str] = ("before", "after"),
              title: str | None = None) -> Diagram:
    """Two states of the same run over one layout, with what differs marked."""
    ctx, a, b = _json(ctx), _json(a), _json(b)
    cmp = Comparison(view(ctx, a), view(ctx, b))
    diffs = changes(cmp, labels)
    title = title or f"{labels[0]} → {labels[1]}: {len(diffs)} difference(s)"
    text = [f"Differences between {labels[0]} and {labels[1]}:", *diffs] if diffs else \
        [f"{labels[0]} and {labels[1]} are the same state."]
    text += [f"The state in {labels[1]}:", *describe(ctx, cmp.b)]
    return Diagram(_draw(ctx, cmp, title, labels), title, text)


def _json(value: object) -> Json:
    """JSON as is; pyspec model values (Context, State) through the codec."""
    if isinstance(value, dict):
        return value
    from pyspec import codec
    return codec.encode(value)
