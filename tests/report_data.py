"""Campaign data built for the report tests: a finding whose driver trace
diverges from pyspec's at a chosen step, and a summary with a timeline."""

from __future__ import annotations

import copy
from pathlib import Path

from pyspec import codec
from pyspec.commands.run import load_actions, load_state
from pyspec.difftest.coverage import Coverage, possible_cells
from pyspec.difftest.findings import Finding, FindingStore

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def sample_case() -> tuple[dict, dict, list, list]:
    """The examples' context, state and actions, and pyspec's trace of them."""
    from pyspec.semantics import trace
    ctx, s = load_state(EXAMPLES / "sample_state.json", EXAMPLES / "sample_context.json")
    actions = load_actions(EXAMPLES / "sample_actions.json")
    py = [[codec.encode(r.response), codec.encode(r.result_state)]
          for r in trace(ctx, s, actions)]
    return codec.encode(ctx), codec.encode(s), [codec.encode(a) for a in actions], py


def diverging_finding(k: int = 2, stolen_page: int = 4, length: int = 26) -> Finding:
    """The sample run (its first `length` actions) where the driver, at step `k`,
    also gives free page `stolen_page` to guest 1, then answers Invalid_vadd."""
    ctx, s, actions, py = sample_case()
    actions, py = actions[:length], py[:length]
    dr = copy.deepcopy(py)
    mem = dict((ma, pg) for ma, pg in dr[k][1]["mem"])
    assert mem[stolen_page]["owner"] == "No_Owner"
    mem[stolen_page]["owner"] = ["Os", 1]
    for entry in dr[k + 1:]:
        entry[0] = ["Error", "Invalid_vadd"]
    return Finding(oracle="agreement", detail=f"step {k}: the driver's state differs",
                   seed=5, scope={}, context=ctx, initial_state=s, actions=actions, step=k,
                   pyspec_trace=py, driver_trace=dr)


def coverage_json() -> dict:
    cov = Coverage()
    for n, cell in enumerate(possible_cells()):
        if n % 7:                                  # every seventh possible cell never hit
            cov.cells[cell] = 3 ** (n % 11)
    cov.hcalls.update({"HC_new": 40, "HC_pin": 300})
    cov.close_calls.update({"Hyp_maps_owned": 3})
    data = cov.to_json()
    data["obligations"] = {"isolation": {"locally_respects": 120, "step_consistent": 0}}
    data["missed"]["isolation"] = ["step_consistent"]
    return data


def campaign(out: Path, findings: int = 2) -> tuple[dict, list[tuple[str, Finding]]]:
    """A summary and its findings, the finding files written under out/findings."""
    store = FindingStore(out / "findings")
    pairs = []
    for i in range(findings):
        f = diverging_finding(k=2 + i, stolen_page=4 + i % 2, length=20 + i)   # distinct names
        path, _ = store.save(f)
        pairs.append((path.stem, f))
    timeline = [{"seconds": 2.0 * t, "sequences": 40 * t, "steps": 2000 * t + 37 * (t % 3),
                 "findings": min(t // 4, findings), "covered": min(60 + 4 * t, 120)}
                for t in range(1, 21)]
    summary = {
        "mode": "campaign", "seed": 5,
        "scope": {"guests": 3, "pages": 16, "vadds": 8, "padds": 16, "window": 2},
        "status": "complete", "exit_status": 1, "sequences_announced": 800,
        "sequences_checked": 800, "steps": 40000, "seconds": 40.0, "rate": 1000.0,
        "workers": 2, "command": "vcert diff --seed 5 --sequences 800 --out out",
        "findings": [{"name": name, "path": str(out / "findings" / f"{name}.json"),
                      "oracle": f.oracle, "detail": f.detail, "step": f.step,
                      "shrunk_length": None} for name, f in pairs],
        "suppressed_findings": 4,
        "os_isolation": {"paired_runs": 100, "events": 2400, "synchronised": 300},
        "coverage": coverage_json(), "timeline": timeline,
    }
    return summary, pairs
