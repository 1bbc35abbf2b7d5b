"""Line charts as inline SVG (no script, no network): one series over time,
with axes, ticks, a title and a text alternative."""

from __future__ import annotations

import html
import math

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 62, 16, 34, 44
COLOUR = "#0072b2"


def nice_ticks(high: float, count: int = 4, integer: bool = False) -> list[float]:
    """Round tick values from 0 to at least `high` (whole numbers if `integer`)."""
    if high <= 0:
        return [0.0, 1.0]
    raw = max(high / count, 1.0) if integer else high / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10)
                if m * mag >= raw and (not integer or m * mag == int(m * mag)))
    return [i * step for i in range(int(math.ceil(high / step - 1e-9)) + 1)]


def _fmt(v: float) -> str:
    if v >= 10_000:
        return f"{v / 1000:,.0f}k"
    return f"{v:,.0f}" if v == int(v) else f"{v:,.1f}"


def line_chart(points: list[tuple[float, float]], title: str, x_label: str, y_label: str,
               summary: str, integer: bool = False) -> str:
    """An `<svg>` chart of `points` (x ascending); `summary` is its text alternative;
    `integer`: the values are counts (whole-number ticks)."""
    esc = html.escape
    head = (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{esc(title)}: {esc(summary)}" '
            f'font-family="system-ui, DejaVu Sans, sans-serif">'
            f"<title>{esc(title)}</title><desc>{esc(summary)}</desc>"
            f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{esc(title)}</text>')
    if not points:
        return (head + f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
                f'font-size="13" fill="#59636e">no samples recorded</text></svg>')
    xs = nice_ticks(max(p[0] for p in points))
    ys = nice_ticks(max(p[1] for p in points), integer=integer)
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + w * x / xs[-1]

    def sy(y: float) -> float:
        return TOP + h - h * y / ys[-1]

    parts = [head]
    for y in ys:
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + w}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" '
                     f'stroke="#d1d9e0" stroke-width="1"/>'
                     f'<text x="{LEFT - 6}" y="{sy(y) + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{_fmt(y)}</text>')
    for x in xs:
        parts.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{TOP + h}" y2="{TOP + h + 4}" '
                     f'stroke="#59636e"/><text x="{sx(x):.1f}" y="{TOP + h + 17}" '
                     f'text-anchor="middle" font-size="11">{_fmt(x)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + w}" y1="{TOP + h}" y2="{TOP + h}" '
                 f'stroke="#59636e"/>'
                 f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + h}" stroke="#59636e"/>'
                 f'<text x="{LEFT + w / 2}" y="{HEIGHT - 6}" text-anchor="middle" '
                 f'font-size="12">{esc(x_label)}</text>'
                 f'<text transform="translate(14 {TOP + h / 2}) rotate(-90)" '
                 f'text-anchor="middle" font-size="12">{esc(y_label)}</text>')
    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{COLOUR}" stroke-width="2"/>')
    parts += [f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{COLOUR}"/>'
              for x, y in points]
    return "".join(parts) + "</svg>"
