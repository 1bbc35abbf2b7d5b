"""State diagrams (pyspec.viz), `vcert show`, the report's charts and the
terminal progress display."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path

import pytest

from pyspec.builders import StateBuilder
from pyspec.cli import main as vcert
from pyspec.difftest import progress as progress_mod
from pyspec.difftest.progress import Progress
from pyspec.viz import draw_diff, draw_state
from pyspec.viz.charts import line_chart, nice_ticks
from report_data import EXAMPLES, diverging_finding

CTX = json.loads((EXAMPLES / "sample_context.json").read_text())
STATE = json.loads((EXAMPLES / "sample_state.json").read_text())


def edges(source: str) -> dict[tuple[str, str], str]:
    """Graphviz edges of a graph's source: (tail, head) -> attributes."""
    return {(m[1], m[2]): m[3] for m in re.finditer(r"\t(\S+) -> (\S+) \[(.*)\]", source)}


def test_state_diagram_shows_guests_pages_and_mappings() -> None:
    d = draw_state(CTX, STATE)
    text = d.text()
    assert "Guest 1: untrusted, active, Running in Usr mode" in text
    assert "Guest 2: untrusted, inactive" in text
    assert ("Machine page 0: guest 1, page table: va 10 ↦ ma 1, "
            "va 100 ↦ ma 3 (hypervisor window)") in text
    assert "Machine page 3: hypervisor, RW (no value)." in text
    assert "Machine page 4: free, Other." in text
    e = edges(d.graph.source)
    # Guest 1's map points at its pages; the window mapping is dashed, the other solid.
    assert ("g1:pa0:e", "ma0") in e and ("g1:pa1:e", "ma1") in e and ("g2:pa0:e", "ma2") in e
    assert "dashed" in e[("ma0:va100:e", "ma3")] and "dashed" not in e[("ma0:va10:e", "ma1")]


def test_svg_carries_its_text_alternative() -> None:
    d = draw_state(CTX, STATE)
    svg = d.svg()
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title>state: active guest 1, Running, Usr mode</title>" in svg
    assert "Machine page 4: free, Other." in svg       # in <desc>
    for ma in range(6):
        assert f">ma {ma}" in svg or f">ma {ma}:" in svg
    inline = d.svg(inline=True)
    assert "http" not in inline and "<?xml" not in inline
    assert d._repr_svg_() == svg


def test_diff_marks_owner_value_and_mapping_changes() -> None:
    after = copy.deepcopy(STATE)
    mem = dict(after["mem"])
    mem[1]["content"] = ["RW", 42]
    mem[4]["owner"] = ["Os", 2]
    mem[0]["content"][1].append([11, 4])
    d = draw_diff(CTX, STATE, after, ("pyspec", "driver"))
    assert d.description[:4] == [
        "Differences between pyspec and driver:",
        "page table at ma 0 maps va 11: nothing in pyspec, ma 4 in driver",
        "machine page 1 content: RW 7 in pyspec, RW 42 in driver",
        "machine page 4 owner: free in pyspec, guest 2 in driver"]
    assert d.title == "pyspec → driver: 3 difference(s)"
    assert "penwidth=2.2" in edges(d.graph.source)[("ma0:va11:e", "ma4")]   # the added arrow
    assert "RW 7 → RW 42" in d.svg()


def test_diff_of_a_state_with_itself_says_so() -> None:
    d = draw_diff(CTX, STATE, STATE)
    assert d.description[0] == "before and after are the same state."
    assert d.title == "before → after: 0 difference(s)"


def test_model_values_are_drawn_too() -> None:
    ctx, s = (StateBuilder(hyp_window=[100]).guest(1).page_table(1, pa=0, ma=0, maps={10: 1})
              .rw_page(1, pa=1, ma=1, value=7).free_page(2).active(1).build())
    assert "Machine page 1: guest 1, RW 7." in draw_state(ctx, s).text()


def test_a_dangling_mapping_is_drawn_as_a_missing_page() -> None:
    broken = copy.deepcopy(STATE)
    broken["hyp"][0][1].append([2, 9])
    svg = draw_state(CTX, broken).svg()
    assert "ma 9: no such page" in svg


# ---------------------------------------------------------------------------
# vcert show

def test_show_writes_svg_and_png(tmp_path: Path) -> None:
    args = [str(EXAMPLES / "sample_state.json"), "--context", str(EXAMPLES / "sample_context.json")]
    assert vcert(["show", *args, "--svg", str(tmp_path / "s.svg")]) == 0
    assert "<title>state: active guest 1" in (tmp_path / "s.svg").read_text()
    assert vcert(["show", *args, "--png", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_prints_the_text_alternative(capsys: pytest.CaptureFixture[str]) -> None:
    assert vcert(["show", str(EXAMPLES / "sample_state.json")]) == 0
    assert "Machine page 1: guest 1, RW 7." in capsys.readouterr().out


def test_show_diff_of_two_state_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = copy.deepcopy(STATE)
    other["active_os"] = 2
    (tmp_path / "after.json").write_text(json.dumps(other))
    assert vcert(["show", str(EXAMPLES / "sample_state.json"), "--diff",
                  str(tmp_path / "after.json")]) == 0
    assert "active guest: 1 in sample_state, 2 in after" in capsys.readouterr().out


def test_show_draws_a_finding_s_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(diverging_finding(k=3).to_json()))
    assert vcert(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("after step 3: pyspec's state → the driver's")
    assert "machine page 4 owner: free in pyspec, guest 1 in driver" in out


@pytest.mark.parametrize("content, extra, message", [
    (None, [], "cannot read state file"),
    ("{not json", [], "expected well-formed JSON"),
    ('[1, 2]', [], "expected a state object"),
    ('{"format": "other/1"}', [], "not a state, nor a finding"),
    ("FINDING", ["--diff", "x.json"], "not used with a finding"),
    ('{"format": "vcert-finding/1", "oracle": "x"}', [], "finding lacks fields"),
])
def test_show_rejects_bad_input_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            content, extra, message) -> None:
    path = tmp_path / "in.json"
    if content == "FINDING":
        content = json.dumps(diverging_finding().to_json())
    if content is not None:
        path.write_text(content)
    assert vcert(["show", str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vcert show: ") and message in err and err.count("\n") == 1


# ---------------------------------------------------------------------------
# Charts

def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    assert nice_ticks(1000) == [0, 250, 500, 750, 1000]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(2, integer=True) == [0, 1, 2]
    assert nice_ticks(0) == [0.0, 1.0]


def test_chart_has_title_axes_and_one_point_per_sample() -> None:
    svg = line_chart([(1, 5), (2, 7), (3, 6)], "Throughput", "seconds", "steps/s", "three samples")
    assert svg.count("<circle") == 3 and "<title>Throughput</title>" in svg
    assert ">seconds</text>" in svg and ">steps/s</text>" in svg and "three samples" in svg
    assert "no samples recorded" in line_chart([], "T", "x", "y", "none")


# ---------------------------------------------------------------------------
# Progress

class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(progress_mod.time, "monotonic", c)
    return c


def test_log_progress_is_a_line_every_few_seconds(clock: Clock) -> None:
    log = io.StringIO()
    p = Progress(100, stream=log, obligations=140)
    for _ in range(4):                     # 4 updates within a second: nothing printed
        clock.now += 0.25
        p.update(sequences=5, steps=250, covered=30)
    assert log.getvalue() == ""
    clock.now += 5
    p.update(sequences=5, steps=250, findings=1, covered=31)
    p.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[-1] == "25/100 seq  1,250 steps  208 steps/s  1 findings  31/140 covered"


def test_disabled_progress_prints_nothing(clock: Clock) -> None:
    log = Terminal()
    p = Progress(10, enabled=False, stream=log)
    clock.now += 6
    p.update(sequences=3, steps=30, covered=4)
    p.close()
    assert log.getvalue() == ""


def test_terminal_progress_is_drawn_by_rich(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    term = Terminal()
    p = Progress(50, stream=term)
    clock.now += 1
    p.update(sequences=20, steps=400, findings=2, covered=12)
    p.close()
    out = term.getvalue()
    assert "\x1b[" in out                                  # drawn in place, with colours
    assert "20/50" in out and "400 steps" in out and "400 steps/s" in out
    assert "2 findings" in out and "12 covered" in out


# ---------------------------------------------------------------------------
# Committed pictures (make pictures / pictures-check)

def test_committed_pictures_are_current() -> None:
    from pyspec.viz import pictures
    assert pictures.stale() == []


def test_a_stale_picture_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyspec.viz import pictures
    pic = pictures.Picture(EXAMPLES / "sample_state.json", EXAMPLES / "sample_context.json",
                           pictures.REPO / "docs" / "img" / "sample_state.svg")
    stale = pictures.Picture(pic.state, pic.context, tmp_path / "old.svg")
    stale.svg.write_text(pic.svg.read_text().replace("RW 7", "RW 8"))
    monkeypatch.setattr(pictures, "PICTURES", [pic, stale])
    monkeypatch.setattr(pictures, "REPO", tmp_path)
    assert pictures.stale() == ["old.svg is stale"]


def test_the_examples_of_docs_viz_run() -> None:
    text = (EXAMPLES.parent / "docs" / "viz.md").read_text(encoding="utf-8")
    examples = re.findall(r"```python\n(.*?)```", text, re.S)
    assert examples
    for code in examples:
        exec(compile(code, "docs/viz.md example", "exec"), {})


def test_a_page_owned_by_an_unknown_guest_gets_a_colour_and_a_legend_entry() -> None:
    broken = copy.deepcopy(STATE)
    dict(broken["mem"])[5]["owner"] = ["Os", 7]
    d = draw_state(CTX, broken)
    assert "Machine page 5: guest 7, Other." in d.description
    assert "owned by guest 7" in d.svg()
