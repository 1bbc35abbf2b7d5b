"""The campaign report and the finding pages: a pure function of the summary
and the findings, self-contained, with tables instead of dictionaries."""

from __future__ import annotations

import json
import re
from markupsafe import escape as html_escape
import subprocess
import sys
from pathlib import Path

import pytest

from pyspec.cli import main as vcert
from pyspec.difftest.coverage import ACTION_NAMES, RESPONSES, possible_cells
from pyspec.difftest.findings import Finding
from pyspec.difftest.report import heat_bin, heatmap, write_report
from pyspec.driver import default_binary
from report_data import campaign, diverging_finding

REPO = Path(__file__).resolve().parent.parent


def external_references(html: str) -> list[str]:
    """Anything that would make the browser fetch: URLs, scripts, style sheets, fonts."""
    found = re.findall(r"(?i)(?:https?:|ftp:|//[a-z0-9.-]+\.[a-z]{2,}/)[^\s\"'<>]*", html)
    found += re.findall(r"(?i)<script|<link|<iframe|<img|@import|url\((?!#)", html)
    return found


@pytest.fixture
def report(tmp_path: Path) -> tuple[Path, dict, list[tuple[str, Finding]]]:
    summary, findings = campaign(tmp_path)
    return write_report(summary, findings, tmp_path / "report.html"), summary, findings


def test_report_and_finding_pages_are_self_contained(report) -> None:
    path, summary, findings = report
    assert path == path.parent / "report.html"
    pages = [path] + [path.parent / "findings" / f"{name}.html" for name, _ in findings]
    for page in pages:
        html = page.read_text()
        assert external_references(html) == [], page


def test_report_is_a_pure_function_of_its_data(tmp_path: Path, report) -> None:
    path, summary, findings = report
    first = path.read_text()
    assert write_report(summary, findings, path).read_text() == first


def test_a_report_elsewhere_links_the_same_finding_pages(tmp_path: Path, report) -> None:
    """A run's own report (out/runs/RUN/report.html) links the pages next to the findings."""
    path, summary, findings = report
    (tmp_path / "runs" / "r1").mkdir(parents=True)
    html = write_report(summary, findings, tmp_path / "runs" / "r1" / "report.html").read_text()
    for name, _ in findings:
        assert f'<a href="../../findings/{name}.html">{name}</a>' in html


def test_every_finding_is_linked_to_its_page(report) -> None:
    path, summary, findings = report
    html = path.read_text()
    for name, f in findings:
        assert f'<a href="findings/{name}.html">{name}</a>' in html
        page = (path.parent / "findings" / f"{name}.html").read_text()
        assert f"<h1>{html_escape(f.oracle + ': ' + f.detail)}</h1>" in page


def test_first_divergent_step_is_marked(report) -> None:
    path, _, findings = report
    for name, f in findings:
        page = (path.parent / "findings" / f"{name}.html").read_text()
        rows = re.findall(r'<tr class="(\w*)"[^>]*>\s*<td class="mark">[^<]*</td>\s*'
                          r'<td class="num">(\d+)</td>', page)
        assert [int(i) for cls, i in rows if cls == "first"] == [f.step]
        # Steps after it differ too (the faulty driver answers Invalid_vadd), before it not.
        assert {cls for cls, i in rows if int(i) < f.step} == {""}
        assert {cls for cls, i in rows if int(i) > f.step} == {"differs"}
        assert f"after step {f.step}: pyspec&#39;s state → the driver&#39;s" in page
        assert f"the state before step {f.step}" in page


def test_heat_map_colours_cells_by_count_and_marks_missed_and_impossible() -> None:
    cells = {"Read/Ok": 12, "Write/Ok": 20000, "Read/Invalid_vadd": 1}
    rows = dict(heatmap(cells))
    read = dict(zip(RESPONSES, rows["Read"]))
    assert read["Ok"].count == 12 and read["Ok"].kind == "hit"
    assert read["Ok"].fill != dict(zip(RESPONSES, rows["Write"]))["Ok"].fill
    assert read["Wrong_page_type"].kind == "missed"          # possible, never hit
    assert read["Pending_hcall"].kind == "impossible"
    assert [heat_bin(n) for n in (1, 9, 10, 999, 1000, 10**6)] == [0, 0, 1, 2, 3, 4]
    kinds = [c.kind for _, row in heatmap({}) for c in row]
    assert kinds.count("missed") == len(possible_cells())
    assert len(kinds) == len(ACTION_NAMES) * len(RESPONSES)


def test_report_shows_tables_not_dictionaries(report) -> None:
    path, summary, _ = report
    html = path.read_text()
    assert "{&#39;" not in html and "{'" not in html and '{"' not in html.split("<code>")[0]
    assert 'id="heatmap"' in html and html.count('<svg class="chart"') == 4
    # Hypercall kinds, close calls and the extra obligation group, with their zeros.
    assert re.search(r"<td>HC_pin</td><td class=\"num\">300</td>", html)
    assert re.search(r"<td>HC_unpin</td><td class=\"num\"><b>0 \(never\)</b></td>", html)
    assert re.search(r"<td>step_consistent</td><td class=\"num\"><b>0 \(never\)</b></td>", html)
    assert "<td>isolation</td><td class=\"num\">1</td><td>step_consistent</td>" in html
    assert summary["command"] in html


def test_report_without_timeline_says_so(tmp_path: Path) -> None:
    summary, findings = campaign(tmp_path, findings=0)
    summary["timeline"] = []
    html = write_report(summary, findings, tmp_path / "report.html").read_text()
    assert html.count(">no samples recorded</text>") == 4 and "<p>None.</p>" in html


def test_a_malformed_finding_does_not_stop_the_report(tmp_path: Path) -> None:
    summary, findings = campaign(tmp_path, findings=1)
    broken = diverging_finding()
    broken.pyspec_trace = [["Ok"]] * len(broken.actions)       # no states
    html = write_report(summary, findings + [("broken", broken)],
                        tmp_path / "report.html").read_text()
    assert "finding broken: the case is malformed" in html
    assert not (tmp_path / "findings" / "broken.html").exists()


# ---------------------------------------------------------------------------
# vcert replay --html, and the report of a real campaign

def test_replay_html_writes_the_finding_page(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(diverging_finding(k=4).to_json()))
    out = subprocess.run([sys.executable, "-m", "pyspec.cli", "replay", str(path), "--html",
                          str(tmp_path / "f.html")], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert f"finding page: {tmp_path / 'f.html'}" in out.stdout
    page = (tmp_path / "f.html").read_text()
    assert re.search(r'<tr class="first"[^>]*>\s*<td class="mark">▶ first</td>\s*'
                     r'<td class="num">4</td>', page)


def test_replay_html_to_an_unwritable_place_is_a_clear_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(diverging_finding().to_json()))
    assert vcert(["replay", str(path), "--html", str(tmp_path / "no" / "dir" / "f.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vcert replay: cannot write") and err.count("\n") == 1


@pytest.mark.skipif(not default_binary().is_file(), reason="the driver is not built (make driver)")
def test_vcert_diff_writes_the_report_of_a_real_campaign(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "pyspec.cli", "diff", "--sequences", "16",
                          "--length", "10", "--jobs", "1", "--no-progress", "--out",
                          str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert out.returncode == 0, out.stderr
    html = (tmp_path / "report.html").read_text()
    assert 'id="heatmap"' in html and external_references(html) == []
    assert '<span class="badge complete">complete</span>' in html
    assert "vcert diff --seed 0 --sequences 16 --length 10 --scope " in html
    hits = re.findall(r'<td class="hit"[^>]*>([\d,]+)</td>', html)
    steps = sum(int(n.replace(",", "")) for n in hits)
    assert steps == 160


def test_paired_and_generator_findings_get_pages(tmp_path: Path) -> None:
    from pyspec.difftest.finding_page import finding_view, write_finding_page
    from report_data import sample_case
    ctx, s, _, _ = sample_case()
    twin = json.loads(json.dumps(s))
    dict(twin["mem"])[1]["content"] = ["RW", 8]
    paired = Finding(oracle="os_isolation", detail="guest 2 tells the runs apart", seed=3,
                     scope={}, context=ctx, initial_state=s, actions=[], step=1,
                     paired={"o": 2, "state2": twin,
                             "events": [["both", ["Read", 10]], ["1", "Chmod"]]})
    v = finding_view("p", paired)
    assert [(r.index, r.pyspec, r.mark) for r in v.rows] == [(0, "both", ""), (1, "1", "first")]
    assert v.after is not None and v.after.description[1] == (
        "machine page 1 content: RW 7 in run 1 start, RW 8 in run 2 start")
    page = write_finding_page(paired, tmp_path / "p.html").read_text()
    assert "the failing event" in page and "of its 2 events" in page
    invalid = Finding(oracle="generator_invalid", detail="invalid", seed=3, scope={},
                      context=ctx, initial_state=s, actions=[], step=-1)
    v = finding_view("g", invalid)
    assert v.rows == [] and v.first is None and v.after is None
    assert v.before is not None and v.before.title == "the initial state"


def test_cache_findings_get_pages(tmp_path: Path) -> None:
    """Cache-variant findings: cstates, no traces; a paired one's shrunk case has events only."""
    from pyspec.difftest.finding_page import finding_view, write_finding_page
    from report_data import sample_case
    ctx, s, actions, _ = sample_case()
    cstate = {"hv": s, "cache": [], "tlb": []}
    seq = Finding(oracle="coherence", detail="stale cache", seed=1, scope={}, context=ctx,
                  initial_state=cstate, actions=actions[:3], step=2,
                  shrunk={"context": ctx, "initial_state": cstate, "actions": actions[:3],
                          "step": 2, "detail": "stale cache"}, cache={"cache_size": 2})
    v = finding_view("c", seq)
    assert v.first == 2 and v.after is None and "records no trace" in v.note
    assert "Machine page 1: guest 1, RW 7." in v.before.description
    pair = Finding(oracle="cache_isolation", detail="leak", seed=1, scope={}, context=ctx,
                   initial_state=s, actions=[], step=0, cache={"cache_size": 2},
                   paired={"o": 2, "state2": s, "events": [["1", ["Read", 10]]] * 3},
                   shrunk={"context": ctx, "initial_state": s, "events": [["1", ["Read", 10]]],
                           "step": 0, "detail": "leak"},
                   shrink_stats={"events_before": 3, "events_after": 1})
    page = write_finding_page(pair, tmp_path / "p.html").read_text()
    assert "Shrunk to 1 event(s)." in page and "reruns" not in page


def test_throughput_is_measured_over_intervals_long_enough() -> None:
    from pyspec.difftest.report import _rates
    timeline = [{"seconds": 1.0, "steps": 1000}, {"seconds": 2.0, "steps": 3000},
                {"seconds": 2.01, "steps": 3000},           # the final sample, just after
                {"seconds": 2.1, "steps": 3100}, {"seconds": 2.5, "steps": 3500}]
    assert _rates(timeline) == [(1.0, 1000.0), (2.0, 2000.0), (2.5, 1000.0)]
