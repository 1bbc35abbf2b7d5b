"""The campaign report: `report.html`, a pure function of the run's summary
and the findings it lists."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from .coverage import ACTION_NAMES, RESPONSES, Coverage, possible_cells
from .findings import Finding, write_atomic


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("pyspec.difftest", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def write_report(summary: dict, findings: list[tuple[str, Finding]], out: Path) -> Path:
    """Render `summary` (a campaign's summary.json) and its findings, given as
    (name, finding) pairs, to `out` (an HTML file)."""
    coverage = Coverage.from_json(summary["coverage"])
    possible = set(possible_cells())
    matrix = [[(coverage.cells[(a, r)], (a, r) in possible) for r in RESPONSES]
              for a in ACTION_NAMES]
    html = _env().get_template("report.html.j2").render(
        s=summary, actions=ACTION_NAMES, responses=RESPONSES, matrix=matrix,
        findings=[f for _, f in findings], dumps=json.dumps)
    write_atomic(out, html)
    return out
