"""Campaign reports: `summary.json` (machine-readable) and `report.html`."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from .campaign import CampaignConfig, CampaignResult
from .coverage import ACTION_NAMES, RESPONSES, possible_cells
from .findings import load_finding, write_atomic


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


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("pyspec.difftest", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def write_reports(cfg: CampaignConfig, res: CampaignResult) -> tuple[Path, Path]:
    data = summary(cfg, res)
    out = cfg.out
    json_path, html_path = out / "summary.json", out / "report.html"
    write_atomic(json_path, json.dumps(data, indent=1))
    possible = set(possible_cells())
    matrix = [[(res.coverage.cells[(a, r)], (a, r) in possible) for r in RESPONSES]
              for a in ACTION_NAMES]
    findings = []
    for entry in res.findings:
        try:
            findings.append(load_finding(Path(entry["path"])))
        except ValueError:
            continue
    html = _env().get_template("report.html.j2").render(
        s=data, actions=ACTION_NAMES, responses=RESPONSES, matrix=matrix, findings=findings,
        dumps=lambda v: json.dumps(v))
    write_atomic(html_path, html)
    return json_path, html_path
