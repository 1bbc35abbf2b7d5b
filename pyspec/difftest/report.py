"""Campaign reports: `report.html`, a pure function of the campaign's summary
and its findings, with a page per finding next to the finding's file.

The page is self-contained (styles and charts inline, no script, no URL):
the action x response heat map, charts of the run's timeline, the other
coverage obligations as tables, and each finding with its trace and diagrams.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from pyspec.viz.charts import line_chart

from .campaign import CampaignConfig, CampaignResult
from .coverage import ACTION_NAMES, HCALL_KINDS, RESPONSES, VS_PROPERTIES, possible_cells
from .finding_page import FindingView, finding_view, render_page
from .findings import Finding, load_finding, write_atomic
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


def _rates(timeline: list[dict]) -> list[tuple[float, float]]:
    """Steps per second over each interval between samples."""
    out = []
    prev = {"seconds": 0.0, "steps": 0}
    for t in timeline:
        dt = t["seconds"] - prev["seconds"]
        if dt > 0:
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


def _finding_entries(findings: list[tuple[str, Finding]], out: Path) -> list[FindingEntry]:
    entries = []
    (out / "findings").mkdir(parents=True, exist_ok=True)
    for name, f in findings:
        try:
            v = finding_view(name, f)
            write_atomic(out / "findings" / f"{name}.html", render_page(v))
            entries.append(FindingEntry(v, f"findings/{name}.html"))
        except ValueError as exc:
            entries.append(FindingEntry(None, None, str(exc)))
    return entries


def write_report(summary: dict, findings: list[tuple[str, Finding]], out: Path) -> Path:
    """Write `out/report.html` and `out/findings/<name>.html` for each finding;
    return the report's path.  `findings` are (name, finding) of the finding
    files `out/findings/<name>.json`."""
    out = Path(out)
    entries = _finding_entries(findings, out)
    pages = {e.view.name: e.page for e in entries if e.view is not None}
    coverage = summary["coverage"]
    html = environment().get_template("report.html.j2").render(
        s=summary, responses=RESPONSES, heat=heatmap(coverage.get("cells", {})),
        legend=heat_legend(), charts=charts(summary.get("timeline", [])),
        counts=count_tables(coverage), missed=coverage.get("missed", {}),
        entries=entries, pages=pages)
    path = out / "report.html"
    write_atomic(path, html)
    return path


# ---------------------------------------------------------------------------
# Today's campaign (campaign.py's CampaignResult): summary.json and the report.

def summary(cfg: CampaignConfig, res: CampaignResult) -> dict:
    return {
        "mode": "campaign", "seed": cfg.seed, "scope": cfg.scope.to_json(),
        "jobs_requested": cfg.jobs, "workers": res.workers,
        "sequences": res.sequences, "length": cfg.length, "steps": res.steps,
        "seconds": res.seconds, "steps_per_second": round(res.rate, 1),
        "interrupted": res.interrupted,
        "findings": res.findings, "suppressed_findings": res.suppressed,
        "os_isolation": {"paired_runs": res.pairs, "steps": res.pair_events,
                         "synchronised_o_actions": res.pair_syncs},
        "first_finding": {"steps": res.first_finding_steps,
                          "seconds": res.first_finding_seconds},
        "coverage": res.coverage.to_json(),
    }


def command_line(cfg: CampaignConfig) -> str:
    scope = ",".join(f"{k}={v}" for k, v in cfg.scope.to_json().items())
    words = ["vcert", "diff", "--seed", str(cfg.seed), "--sequences", str(cfg.sequences),
             "--length", str(cfg.length), "--jobs", str(cfg.jobs), "--scope", scope,
             "--out", str(cfg.out)]
    if cfg.driver:
        words += ["--driver", cfg.driver]
    if cfg.stop_on_finding:
        words.append("--stop-on-finding")
    return shlex.join(words)


def report_summary(cfg: CampaignConfig, res: CampaignResult,
                   findings: list[tuple[str, Finding]]) -> dict:
    """The report's summary for today's campaign (which records no timeline)."""
    steps = {name: f.step for name, f in findings}
    return {
        "mode": "campaign", "seed": cfg.seed, "scope": cfg.scope.to_json(),
        "status": "interrupted" if res.interrupted else "complete",
        "exit_status": 1 if res.findings else 0,
        "sequences_announced": cfg.sequences, "sequences_checked": res.sequences,
        "steps": res.steps, "seconds": res.seconds, "rate": round(res.rate, 1),
        "workers": res.workers, "jobs_requested": cfg.jobs, "command": command_line(cfg),
        "findings": [{**e, "name": Path(e["path"]).stem, "step": steps.get(Path(e["path"]).stem)}
                     for e in res.findings],
        "suppressed_findings": res.suppressed,
        "os_isolation": {"paired_runs": res.pairs, "events": res.pair_events,
                         "synchronised": res.pair_syncs},
        "coverage": res.coverage.to_json(), "timeline": [],
    }


def write_reports(cfg: CampaignConfig, res: CampaignResult) -> tuple[Path, Path]:
    json_path = cfg.out / "summary.json"
    write_atomic(json_path, json.dumps(summary(cfg, res), indent=1))
    findings = []
    for entry in res.findings:
        try:
            findings.append((Path(entry["path"]).stem, load_finding(Path(entry["path"]))))
        except ValueError:
            continue
    return json_path, write_report(report_summary(cfg, res, findings), findings, cfg.out)
