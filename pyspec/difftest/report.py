"""The campaign report: `report.html`, a pure function of the run's summary
and its findings, with a page per finding next to the finding's file.

The page is self-contained (styles and charts inline, no script, no URL):
the action x response heat map, charts of the run's timeline, the other
coverage obligations as tables, and each finding with its trace and diagrams.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pyspec.viz.charts import line_chart

from .coverage import ACTION_NAMES, HCALL_KINDS, RESPONSES, VS_PROPERTIES, possible_cells
from .finding_page import FindingView, finding_view, render_page
from .findings import Finding, write_atomic
from .html import environment

# Heat map bins: a cell's count falls in the last bin whose bound it reaches.
HEAT_BOUNDS = (1, 10, 100, 1000, 10_000)
HEAT_FILL = ("#deebf7", "#b3d3ea", "#6baed6", "#2f7ebc", "#08519c")
HEAT_TEXT = ("#1f2328", "#1f2328", "#1f2328", "#ffffff", "#ffffff")


@dataclass
class Cell:
    count: int
    possible: bool
    fill: str = ""
    text: str = ""

    @property
    def kind(self) -> str:
        return "hit" if self.count else ("missed" if self.possible else "impossible")


def heat_bin(count: int) -> int:
    return max(i for i, b in enumerate(HEAT_BOUNDS) if count >= b)


def heatmap(cells: dict[str, int]) -> list[tuple[str, list[Cell]]]:
    """Rows of the action x response matrix from `coverage["cells"]` ("Action/Response": n)."""
    possible = set(possible_cells())
    rows = []
    for a in ACTION_NAMES:
        row = []
        for r in RESPONSES:
            n = int(cells.get(f"{a}/{r}", 0))
            cell = Cell(n, (a, r) in possible)
            if n:
                i = heat_bin(n)
                cell.fill, cell.text = HEAT_FILL[i], HEAT_TEXT[i]
            row.append(cell)
        rows.append((a, row))
    return rows


def heat_legend() -> list[tuple[str, str]]:
    labels = [f"{lo:,}–{hi - 1:,}" for lo, hi in zip(HEAT_BOUNDS, HEAT_BOUNDS[1:])]
    return list(zip(HEAT_FILL, labels + [f"≥ {HEAT_BOUNDS[-1]:,}"]))


@dataclass
class Chart:
    svg: str
    title: str


def _series(timeline: list[dict], key: str) -> list[tuple[float, float]]:
    return [(float(t["seconds"]), float(t[key])) for t in timeline]


RATE_MIN_SECONDS = 0.25     # shorter intervals join the next (a final one is left out)


def _rates(timeline: list[dict]) -> list[tuple[float, float]]:
    """Steps per second over the intervals between samples: a sample taken just
    after another (the last one, at the end of a run) would show noise, not a rate."""
    out = []
    prev = {"seconds": 0.0, "steps": 0}
    for t in timeline:
        dt = t["seconds"] - prev["seconds"]
        if dt >= RATE_MIN_SECONDS:
            out.append((float(t["seconds"]), (t["steps"] - prev["steps"]) / dt))
            prev = t
    return out


def _describe(points: list[tuple[float, float]], unit: str) -> str:
    if not points:
        return "no samples recorded"
    peak = max(points, key=lambda p: p[1])
    return (f"{len(points)} samples: {points[0][1]:,.0f} {unit} at {points[0][0]:,.1f} s, "
            f"{points[-1][1]:,.0f} at {points[-1][0]:,.1f} s (the end), peak {peak[1]:,.0f} "
            f"at {peak[0]:,.1f} s")


def charts(timeline: list[dict]) -> list[Chart]:
    specs = [("Throughput", _rates(timeline), "steps per second", "steps/s", False),
             ("Sequences checked", _series(timeline, "sequences"), "sequences", "sequences", True),
             ("Coverage", _series(timeline, "covered"), "obligations covered", "obligations",
              True),
             ("Findings", _series(timeline, "findings"), "findings", "findings", True)]
    return [Chart(line_chart(pts, title, "seconds since the start", y_label,
                             _describe(pts, unit), integer), title)
            for title, pts, y_label, unit, integer in specs]


def count_tables(coverage: dict) -> list[tuple[str, list[tuple[str, int]]]]:
    """Counted obligations besides the heat map: hypercall kinds, close calls
    and every group of `coverage["obligations"]`, each as (name, count) rows."""
    tables = [("Hypercall kinds issued (successful Hcall)",
               [(k, int(coverage.get("hcall_kinds", {}).get(k, 0))) for k in HCALL_KINDS]),
              ("valid_state properties close to failing (a refused step would have broken them)",
               [(p, int(coverage.get("close_calls", {}).get(p, 0))) for p in VS_PROPERTIES])]
    for group, counts in sorted(coverage.get("obligations", {}).items()):
        tables.append((group, [(str(k), int(n)) for k, n in sorted(counts.items())]))
    return tables


@dataclass
class FindingEntry:
    view: FindingView | None
    page: str | None            # relative link to the finding's page
    error: str = ""


def _finding_entries(summary: dict, findings: list[tuple[str, Finding]],
                     out: Path) -> list[FindingEntry]:
    """Write each finding's page next to its file (as the summary lists it, else in
    the report's `findings/`) and link it relative to the report `out`."""
    files = {e["name"]: Path(e["path"]) for e in summary["findings"] if e.get("path")}
    entries = []
    for name, f in findings:
        page = files[name].with_suffix(".html") if name in files \
            else out.parent / "findings" / f"{name}.html"
        try:
            v = finding_view(name, f)
            page.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(page, render_page(v))
            entries.append(FindingEntry(v, Path(os.path.relpath(page, out.parent)).as_posix()))
        except ValueError as exc:
            entries.append(FindingEntry(None, None, str(exc)))
    return entries


def write_report(summary: dict, findings: list[tuple[str, Finding]], out: Path) -> Path:
    """Render `summary` (a campaign's summary.json) and its findings, given as
    (name, finding) pairs, to `out` (an HTML file); write each finding's page
    next to its finding file.  Returns `out`."""
    out = Path(out)
    entries = _finding_entries(summary, findings, out)
    pages = {e.view.name: e.page for e in entries if e.view is not None}
    coverage = summary["coverage"]
    html = environment().get_template("report.html.j2").render(
        s=summary, responses=RESPONSES, heat=heatmap(coverage.get("cells", {})),
        legend=heat_legend(), charts=charts(summary.get("timeline", [])),
        counts=count_tables(coverage), missed=coverage.get("missed", {}),
        entries=entries, pages=pages)
    write_atomic(out, html)
    return out
