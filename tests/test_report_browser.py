"""The report, a finding page and a state diagram in headless Chromium.

Each test copies the page, appends a small script that measures it (page
overflow, heat map and charts, links, the marked step, diagram labels inside
their boxes) and writes the result into the DOM; `--dump-dom` prints it.
Screenshots go to out/test-artefacts/ (look at them: readability is checked
by eye too).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pyspec.cli import main as vcert
from pyspec.difftest.campaign import CampaignConfig, report_campaign, run_campaign
from pyspec.difftest.mutants import by_id, prepare
from pyspec.difftest.report import write_report
from pyspec.driver import default_binary
from report_data import EXAMPLES, campaign

REPO = Path(__file__).resolve().parent.parent
ARTEFACTS = REPO / "out" / "test-artefacts"
CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 90

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/bootstrap.sh installs it)")

MEASURE = """<script>
(function () {
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 &&
                           a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const r = {innerWidth: innerWidth, scrollWidth: document.documentElement.scrollWidth};
  r.heatmap = document.querySelectorAll('#heatmap td').length;
  r.charts = [...document.querySelectorAll('svg.chart')].map(s => {
    const b = s.getBoundingClientRect();
    return {width: b.width, height: b.height, label: s.getAttribute('aria-label')}; });
  r.links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  r.first = [...document.querySelectorAll('tr.first')].map(tr => ({
    step: tr.children[1].textContent, mark: tr.children[0].textContent,
    background: getComputedStyle(tr.children[1]).backgroundColor}));
  r.diagrams = [...document.querySelectorAll('svg[role=img]:not(.chart)')].map(s => ({
    label: s.getAttribute('aria-label'), desc: (s.querySelector('desc') || {}).textContent || '',
    width: s.getBoundingClientRect().width}));
  // Every label of a diagram lies inside its node's box, every text inside its svg.
  r.cut = [];
  document.querySelectorAll('svg').forEach(svg => {
    const box = svg.getBoundingClientRect();
    svg.querySelectorAll('text').forEach(t => {
      if (!inside(t.getBoundingClientRect(), box)) r.cut.push(t.textContent); });
    svg.querySelectorAll('g.node').forEach(n => {
      const shapes = [...n.querySelectorAll('polygon, path')].map(p => p.getBoundingClientRect());
      if (!shapes.length) return;
      const outer = shapes.reduce((a, b) => ({left: Math.min(a.left, b.left),
        right: Math.max(a.right, b.right), top: Math.min(a.top, b.top),
        bottom: Math.max(a.bottom, b.bottom)}));
      n.querySelectorAll('text').forEach(t => {
        if (!inside(t.getBoundingClientRect(), outer)) r.cut.push(t.textContent); }); });
  });
  const out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify(r);
  document.body.appendChild(out);
})();
</script>"""


def chromium(url: str, *args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, url],
                             capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def measure(page: Path, width: int) -> dict:
    """Load a copy of `page` (next to it, so relative links still resolve) with
    the measuring script, at `width` px, and return what it measured."""
    probe = page.with_name(f".probe-{width}-{page.name}")
    probe.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    try:
        dom = chromium(probe.as_uri(), "--dump-dom", f"--window-size={width},900",
                       "--virtual-time-budget=3000")
    finally:
        probe.unlink()
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run"
    return json.loads(html.unescape(found[1]))


def screenshot(page: Path, name: str, width: int, height: int = 2400) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / name
    shot.unlink(missing_ok=True)
    chromium(page.as_uri(), f"--screenshot={shot}", f"--window-size={width},{height}",
             "--hide-scrollbars")
    assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot {shot}"
    return shot


def local_file(href: str) -> Path:
    url = urlparse(href)
    assert url.scheme == "file", f"a link out of the report: {href}"
    return Path(unquote(url.path))


@pytest.fixture(scope="module")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("report")
    summary, findings = campaign(out)
    return write_report(summary, findings, out / "report.html"), summary


@pytest.mark.parametrize("width", [1280, 1024])
def test_report_fits_and_shows_heat_map_charts_and_findings(built_report, width: int) -> None:
    path, summary = built_report
    m = measure(path, width)
    assert m["innerWidth"] == width
    assert m["scrollWidth"] <= m["innerWidth"], "the page scrolls horizontally"
    assert m["heatmap"] == 14 * 15
    assert len(m["charts"]) == 4
    for chart in m["charts"]:
        assert chart["width"] >= 300 and chart["height"] >= 150 and chart["label"]
    findings = [local_file(h) for h in m["links"] if h.endswith(".html")]
    names = {f["name"] for f in summary["findings"]}
    assert {p.stem for p in findings} == names
    assert all(p.is_file() for p in findings)
    assert [f["step"] for f in m["first"]] == [str(f["step"]) for f in summary["findings"]]
    assert all(f["mark"] == "▶ first" for f in m["first"])
    assert m["cut"] == [], "labels outside their boxes"
    assert len(m["diagrams"]) == 2 * len(names)
    assert all(d["label"] and d["desc"] for d in m["diagrams"])
    screenshot(path, f"report-{width}.png", width, 5200)


@pytest.mark.parametrize("width", [1280, 1024])
def test_finding_page_marks_the_first_divergent_step(built_report, width: int) -> None:
    path, summary = built_report
    f = summary["findings"][0]
    page = path.parent / "findings" / f"{f['name']}.html"
    m = measure(page, width)
    assert m["scrollWidth"] <= m["innerWidth"], "the page scrolls horizontally"
    assert [x["step"] for x in m["first"]] == [str(f["step"])]
    assert m["first"][0]["background"] not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    assert [d["label"] for d in m["diagrams"]] == [
        f"the state before step {f['step']}",
        f"after step {f['step']}: pyspec's state → the driver's"]
    assert "machine page 4 owner: free in pyspec, guest 1 in driver" in m["diagrams"][1]["desc"]
    assert m["cut"] == []
    screenshot(page, f"finding-{width}.png", width, 2600)


def test_state_svg_from_vcert_show(tmp_path: Path) -> None:
    svg = tmp_path / "state.svg"
    assert vcert(["show", str(EXAMPLES / "sample_state.json"), "--context",
                  str(EXAMPLES / "sample_context.json"), "--svg", str(svg)]) == 0
    page = tmp_path / "state.html"
    page.write_text(f"<!DOCTYPE html><html><body>{svg.read_text()}</body></html>")
    m = measure(page, 1280)
    assert m["cut"] == [] and m["scrollWidth"] <= m["innerWidth"]
    assert m["diagrams"][0]["label"] == "state: active guest 1, Running, Usr mode"
    assert "Machine page 0: guest 1, page table" in m["diagrams"][0]["desc"]
    screenshot(svg, "state.png", 1280, 700)


@pytest.mark.skipif(not default_binary().is_file(), reason="the driver is not built (make driver)")
def test_report_of_a_real_finding(tmp_path: Path) -> None:
    """A campaign against a driver whose Page_pin takes the first free page in
    list order: the report links its shrunk finding, whose page marks the step."""
    _, binary = prepare(by_id(["ml-free-page-first"])[0], tmp_path / "mutant")
    cfg = CampaignConfig(seed=0, sequences=40, length=40, jobs=1, out=tmp_path / "out",
                         driver=str(binary), progress=False, stop_on_finding=True)
    res = run_campaign(cfg)
    report_campaign(cfg, res)
    path = cfg.out / "report.html"
    m = measure(path, 1024)
    assert m["scrollWidth"] <= m["innerWidth"] and m["cut"] == []
    pages = sorted({local_file(h) for h in m["links"] if h.endswith(".html")})
    assert [p.stem for p in pages] == [Path(res.findings[0]["path"]).stem] and pages[0].is_file()
    page = measure(pages[0], 1024)
    steps = [int(x["step"]) for x in page["first"]]
    assert len(steps) == 1 and page["diagrams"][1]["label"].startswith(f"after step {steps[0]}")
    screenshot(pages[0], "real-finding-1024.png", 1024, 2400)
