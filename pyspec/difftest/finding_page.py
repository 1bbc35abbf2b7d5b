"""One finding as a page: the (shrunk) trace with both oracles' responses side
by side, the first divergent step marked, the state before it and the diff
of the two oracles' states after it.  The campaign report shows the same
section for each finding (templates/_finding.html.j2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import graphviz

from pyspec.exit_status import BadInput
from pyspec.viz import Diagram, draw_diff, draw_state

from .findings import Finding, write_atomic
from .html import environment
from .jstate import Json, canonical, dumps


@dataclass
class Row:
    index: int
    action: str
    pyspec: str                 # the response, or for a paired run the run ("1", "2", "both")
    driver: str
    mark: str = ""              # "first" (the first divergent step), "differs", ""


@dataclass
class FindingView:
    name: str
    finding: Finding
    case: str                   # "shrunk" or "original"
    context: Json
    paired: bool
    rows: list[Row] = field(default_factory=list)
    first: int | None = None    # index of the first divergent (or failing) step
    first_kind: str = "failing step"
    before: Diagram | None = None
    after: Diagram | None = None
    note: str = ""


def _hv(state: Json) -> Json:
    """The base state of a cache-variant cstate, else the state itself."""
    return state["hv"] if isinstance(state, dict) and "hv" in state else state


def _response(entry: Json | None) -> str:
    if entry is None:
        return "-"
    r = entry[0]
    if isinstance(r, list) and len(r) == 2 and isinstance(r[1], str):
        return r[1]              # ["Error", code]: the code
    return r if isinstance(r, str) else dumps(r)


def finding_view(name: str, finding: Finding) -> FindingView:
    """The page's content; ValueError when the finding's case is malformed."""
    try:
        return _view(name, finding)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ValueError(f"finding {name}: the case is malformed ({type(exc).__name__}: {exc})") \
            from None


def _view(name: str, f: Finding) -> FindingView:
    src = f.shrunk or {"context": f.context, "initial_state": f.initial_state,
                       "actions": f.actions, "step": f.step,
                       "pyspec_trace": f.pyspec_trace, "driver_trace": f.driver_trace}
    v = FindingView(name, f, "shrunk" if f.shrunk else "original", src["context"],
                    f.paired is not None)
    if f.paired is not None:
        _paired(v, src)
    else:
        _sequence(v, src)
    return v


def _paired(v: FindingView, src: dict) -> None:
    """A paired OS-isolation run: its events, the two initial states."""
    p = v.finding.paired
    assert p is not None
    events = (src["events"] if "events" in src else src["actions"]) if v.finding.shrunk \
        else p["events"]
    v.first = src["step"] if src["step"] >= 0 else None
    v.first_kind = "failing event"
    v.rows = [Row(i, dumps(a), str(run), "", "first" if i == v.first else "")
              for i, (run, a) in enumerate(events)]
    initial = _hv(src["initial_state"])
    v.before = draw_state(v.context, initial, title="run 1 starts in this state")
    v.after = draw_diff(v.context, initial, _hv(p["state2"]), ("run 1 start", "run 2 start"),
                        title=f"the two initial states guest {p['o']} cannot tell apart")
    v.note = (f"Paired OS-isolation run for guest {p['o']}: events [run, action]; "
              "run \"both\" is a synchronised step.")


def _sequence(v: FindingView, src: dict) -> None:
    """A sequence run by both oracles: where the traces part, the states around it."""
    actions, py, dr = src["actions"], src.get("pyspec_trace", []), src.get("driver_trace", [])

    def at(trace: list, i: int) -> Json:
        return canonical(trace[i]) if i < len(trace) else None

    diverge = {i for i in range(len(actions)) if at(py, i) != at(dr, i)} if py and dr else set()
    if diverge:
        v.first, v.first_kind = min(diverge), "divergent step"
    elif actions:
        v.first = src["step"] if 0 <= src["step"] < len(actions) else len(actions) - 1
    for i, a in enumerate(actions):
        mark = "first" if i == v.first else ("differs" if i in diverge else "")
        v.rows.append(Row(i, dumps(a), _response(py[i] if i < len(py) else None),
                          _response(dr[i] if i < len(dr) else None), mark))
    initial = _hv(src["initial_state"])
    if v.first is None or not py:
        v.before = draw_state(v.context, initial, title="the initial state")
        v.note = ("No action: the finding is about the initial state itself." if v.first is None
                  else "The finding records no trace: its initial state is drawn.")
        return
    k = v.first
    before = initial if k == 0 else _hv(py[k - 1][1])
    v.before = draw_state(v.context, before, title=f"the state before step {k}")
    if k < len(py) and k < len(dr) and canonical(_hv(py[k][1])) != canonical(_hv(dr[k][1])):
        v.after = draw_diff(v.context, _hv(py[k][1]), _hv(dr[k][1]), ("pyspec", "driver"),
                            title=f"after step {k}: pyspec's state → the driver's")
    elif k < len(py):
        v.after = draw_diff(v.context, before, _hv(py[k][1]),
                            (f"before step {k}", f"after step {k}"),
                            title=f"step {k} in pyspec (both oracles reach this state)"
                            if k < len(dr) else f"step {k} in pyspec")


def render_page(v: FindingView) -> str:
    return environment().get_template("finding.html.j2").render(v=v)


def write_finding_page(finding: Finding, out: Path, name: str | None = None) -> Path:
    """Write the page of one finding to `out` (an .html file)."""
    v = finding_view(name or Path(out).stem, finding)
    write_atomic(Path(out), render_page(v))
    return Path(out)


def write_page_option(finding: Finding, source: Path, out: Path) -> None:
    """`--html OUT` of a command given the finding file `source`: write the
    page, named after the file; BadInput (exit 2) when it cannot."""
    try:
        write_finding_page(finding, out, name=Path(source).stem)
    except (ValueError, OSError, graphviz.ExecutableNotFound) as exc:
        raise BadInput(f"cannot write {out}: {exc}") from None
    print(f"finding page: {out}")
