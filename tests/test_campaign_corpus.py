"""Coverage-guided campaigns: the corpus, the regression phase before
exploring, results that do not depend on the workers, and resume."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from campaign_helpers import (batches_done, corpus_entry, same_work, start_vcert, summary,
                              vcert, wait_for)
from pyspec.difftest.campaign import CampaignConfig, report_campaign, run_campaign
from pyspec.difftest.journal import RunJournal
from pyspec.driver import default_binary

pytestmark = pytest.mark.skipif(not default_binary().is_file(),
                                reason="the driver is not built (make driver)")


SHRINK_CALLS = 60     # shrinking is not what these tests are about


def resume(out: Path) -> dict:
    """`vcert diff --resume OUT --jobs 2`, with a small shrinking budget."""
    journal = RunJournal.latest(out)
    cfg = journal.config()
    cfg.jobs, cfg.progress, cfg.shrink_calls = 2, False, SHRINK_CALLS
    return report_campaign(cfg, run_campaign(cfg, journal))


def guided(out: Path, driver: Path, **kw) -> dict:
    cfg = CampaignConfig(seed=2, sequences=256, length=20, out=out, driver=str(driver),
                         progress=False, shrink_calls=SHRINK_CALLS, guided_fraction=0.5, lag=2,
                         **kw)
    return report_campaign(cfg, run_campaign(cfg))


def test_a_guided_campaign_does_not_depend_on_the_workers(tmp_path, bad_driver):
    one = guided(tmp_path / "one", bad_driver, jobs=1)
    two = guided(tmp_path / "two", bad_driver, jobs=2)
    same_work(one, two)
    assert one["corpus"] == two["corpus"]
    assert one["corpus"]["derived_sequences"] > 50 and one["corpus"]["added"] > 10
    assert one["findings"]
    pytest.importorskip("distributed")
    dask = guided(tmp_path / "dask", bad_driver, cluster="local:2")
    same_work(one, dask)
    assert one["corpus"] == dask["corpus"]
    # Guidance changes what is drawn: the unguided campaign checks other steps.
    plain = CampaignConfig(seed=2, sequences=256, length=20, out=tmp_path / "plain",
                           driver=str(bad_driver), progress=False, shrink_calls=SHRINK_CALLS,
                           jobs=2)
    unguided = report_campaign(plain, run_campaign(plain))
    assert unguided["steps"] != one["steps"] and unguided["corpus"]["derived_sequences"] == 0


def test_a_second_run_replays_the_corpus_and_the_findings_first(tmp_path, bad_driver):
    out, corpus = tmp_path / "out", tmp_path / "corpus"
    args = ["diff", "--sequences", "96", "--length", "30", "--jobs", "2", "--no-progress",
            "--out", str(out), "--corpus", str(corpus)]
    first = vcert(*args, "--driver", str(bad_driver))
    assert first.returncode == 1, first.stdout + first.stderr
    s1 = summary(out)
    entries = len(list(corpus.glob("*.json")))
    assert s1["corpus"]["added"] == entries > 0 and s1["findings"]
    assert json.loads((out / "runs" / s1["run"] / "config.json").read_text())["corpus"] \
        == str(corpus.resolve())
    # The same faulty driver: every earlier finding fails again, under its own name.
    again = vcert(*args, "--driver", str(bad_driver), "--seed", "5")
    assert again.returncode == 1, again.stdout + again.stderr
    s2 = summary(out)
    reg = s2["regression"]
    assert reg["corpus_entries"] == entries and reg["earlier_findings"] == len(s1["findings"])
    assert reg["replayed"] == entries + len(s1["findings"]) and reg["complete"]
    assert sum(reg["still_failing"].values()) >= len(s1["findings"]) and reg["now_passing"] == 0
    replayed = {f["name"] for f in reg["findings"]}
    assert {f["name"] for f in s1["findings"]} <= replayed
    assert all(f["seen_before"] for f in reg["findings"] if f["replayed"].startswith("finding"))
    assert s2["corpus"]["entries_at_start"] == entries and "regression: replayed" in again.stdout
    report = (out / "report.html").read_text()
    assert 'id="regression"' in report and 'id="corpus"' in report
    assert all(f["name"] in report for f in reg["findings"])
    # The correct driver: they all pass now, and the run exits 0.
    before = len(list((out / "findings").glob("*.json")))
    fixed = vcert(*args, "--seed", "6")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    reg = summary(out)["regression"]
    assert reg["still_failing"] == {} and reg["corpus_failing"] == {}
    earlier = len([p for p in (out / "findings").glob("*.json")
                   if not p.name.endswith(".shrunk.json")])
    assert reg["now_passing"] == reg["earlier_findings"] == earlier
    assert len(list((out / "findings").glob("*.json"))) == before


def test_no_guidance_draws_as_before(tmp_path):
    base = ["diff", "--sequences", "64", "--length", "10", "--jobs", "1", "--no-progress"]
    off = vcert(*base, "--no-guidance", "--out", str(tmp_path / "off"))
    zero = vcert(*base, "--guided-fraction", "0", "--out", str(tmp_path / "zero"))
    assert off.returncode == zero.returncode == 0
    same_work(summary(tmp_path / "off"), summary(tmp_path / "zero"))
    assert summary(tmp_path / "off")["corpus"]["derived_sequences"] == 0
    both = vcert(*base, "--no-guidance", "--guided-fraction", "0.3", "--out", str(tmp_path))
    assert both.returncode == 2 and "choose one" in both.stderr


def test_a_corrupt_corpus_file_is_a_one_line_error(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "0123.json").write_text('{"format": "vcert-corpus/1", "context": {}')
    out = vcert("diff", "--sequences", "4", "--no-progress", "--out", str(tmp_path / "out"),
                "--corpus", str(corpus))
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert str(corpus / "0123.json") in out.stderr
    assert not (tmp_path / "out" / "runs").exists()


def test_an_interrupt_during_the_regression_phase_loses_nothing(tmp_path, bad_driver):
    (tmp_path / "corpus").mkdir()
    for e in (corpus_entry(11 + i, 30) for i in range(600)):     # the files Corpus.add writes, without its fsyncs
        (tmp_path / "corpus" / f"{e.name}.json").write_text(json.dumps(e.to_json()))
    out = tmp_path / "out"
    proc = start_vcert("diff", "--sequences", "64", "--length", "10", "--jobs", "2",
                       "--no-progress", "--out", str(out), "--corpus", str(tmp_path / "corpus"),
                       "--driver", str(bad_driver))
    wait_for(lambda: len(list((out / "findings").glob("*.json"))) >= 1 if
             (out / "findings").is_dir() else False, timeout=120, what="a regression finding")
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stdout + stderr     # divergences found before the interrupt
    cut = summary(out)
    reg = cut["regression"]
    assert cut["status"] == "interrupted" and not reg["complete"]
    assert reg["replayed"] < reg["corpus_entries"] == 600 and cut["sequences_checked"] == 0
    on_disk = {p.name[:-len(".json")] for p in (out / "findings").glob("*.json")}
    assert on_disk and on_disk == {f["name"] for f in reg["findings"]}
    done = resume(out)
    assert done["exit_status"] == 1 and done["status"] == "complete"
    assert done["regression"]["replayed"] == 600 + done["regression"]["earlier_findings"]
    assert done["regression"]["complete"] and done["sequences_checked"] == 64


def test_resume_of_a_guided_run_gives_the_uninterrupted_summary(tmp_path, bad_driver):
    args = ["--sequences", "800", "--length", "20", "--seed", "3", "--no-progress",
            "--driver", str(bad_driver)]
    proc = start_vcert("diff", "--jobs", "2", *args, "--out", str(tmp_path / "run"))
    wait_for(lambda: batches_done(tmp_path / "run") >= 4, what="four batches")
    os.killpg(proc.pid, signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode in (1, 130)
    assert summary(tmp_path / "run")["status"] == "interrupted"
    done = resume(tmp_path / "run")
    cfg = CampaignConfig(seed=3, sequences=800, length=20, jobs=1, out=tmp_path / "full",
                         driver=str(bad_driver), progress=False, shrink_calls=SHRINK_CALLS,
                         guided_fraction=0.5)
    reference = report_campaign(cfg, run_campaign(cfg))
    assert done["exit_status"] == reference["exit_status"] == 1
    same_work(done, reference)
    assert done["corpus"] == reference["corpus"] and done["corpus"]["derived_sequences"] > 0
    assert done["resumed_batches"] >= 4


def test_until_there_is_feedback_a_guided_campaign_draws_as_an_unguided_one(tmp_path):
    """Batches 0 .. LAG of a run whose corpus starts empty have no feedback
    yet: they are the unguided draws (so `vcert mutate`'s pinned, unguided
    cases are what a guided campaign checks up to then); the next batch
    derives."""
    def run(fraction: float, sequences: int, name: str) -> dict:
        cfg = CampaignConfig(seed=4, sequences=sequences, length=10, jobs=1, lag=1,
                             out=tmp_path / name, progress=False, guided_fraction=fraction)
        return report_campaign(cfg, run_campaign(cfg))

    same_work(run(0.5, 64, "guided"), run(0.0, 64, "unguided"))
    later = run(0.5, 96, "later")
    assert later["corpus"]["derived_sequences"] > 0
    assert later["steps"] != run(0.0, 96, "plain")["steps"]
