"""Bad input gets one line and exit 2, never a traceback (and never a false
success): paths, driver arguments, binary and deeply nested files, finding
files edited by hand, impossible counts.  Each case gave a traceback, a hang
or a wrong answer before (issue: "a verdict users can trust")."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from campaign_helpers import FAKES, REPO, vcert
from pyspec.driver import default_binary

pytestmark = pytest.mark.skipif(not default_binary().is_file(),
                                reason="the driver is not built (make driver)")

SAMPLE_STATE = str(REPO / "examples" / "sample_state.json")
SAMPLE_CONTEXT = str(REPO / "examples" / "sample_context.json")
SAMPLE_ACTIONS = str(REPO / "examples" / "sample_actions.json")


def refused(out, *words: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    for w in words:
        assert w in out.stderr, out.stderr


@pytest.fixture
def binary_file(tmp_path) -> Path:
    p = tmp_path / "binary.json"
    p.write_bytes(bytes(range(256)) * 8)
    return p


@pytest.fixture
def deep_file(tmp_path) -> Path:
    p = tmp_path / "deep.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    return p


# -- paths -----------------------------------------------------------------------------


def test_out_that_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    refused(vcert("diff", "--sequences", "1", "--out", str(f)), str(f), "not a directory")
    refused(vcert("diff", "--sequences", "1", "--out", str(f / "sub")), "parent of it is a file")
    refused(vcert("vectors", "--out", str(f)), "not a directory")


def test_out_where_nothing_can_be_written():
    refused(vcert("diff", "--sequences", "1", "--out", "/sys/vcert-out"), "/sys/vcert-out",
            "cannot write there")


def _plain_file(d: Path) -> Path:
    (d / "plain").write_text("x")
    return d / "plain"


@pytest.mark.parametrize("make, words", [
    (lambda d: d, "is a directory"),
    (_plain_file, "is not executable"),
    (lambda d: d / "absent", "does not exist"),
])
def test_bad_driver_arguments(tmp_path, make, words):
    driver = make(tmp_path)
    refused(vcert("diff", "--sequences", "1", "--driver", str(driver), "--out",
                  str(tmp_path / "o")), words)


def test_a_driver_given_as_a_bare_name(tmp_path):
    refused(vcert("diff", "--sequences", "1", "--driver", "no-such-vcert-driver",
                  "--out", str(tmp_path / "o")), "nor on PATH")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shutil.copy(default_binary(), bindir / "my-driver")
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    out = vcert("diff", "--sequences", "2", "--length", "3", "--jobs", "1", "--no-progress",
                "--driver", "my-driver", "--out", str(tmp_path / "o"), env=env)
    assert out.returncode == 0, out.stderr


# -- files that are not what they claim to be ------------------------------------------


@pytest.mark.parametrize("command", [
    lambda f: ["step", "--state", f, "--actions", SAMPLE_ACTIONS],
    lambda f: ["step", "--state", SAMPLE_STATE, "--context", SAMPLE_CONTEXT, "--actions", f],
    lambda f: ["run", "--state", f, "--actions", SAMPLE_ACTIONS],
    lambda f: ["check-state", f],
    lambda f: ["replay", f],
    lambda f: ["schema", "--from", "coq", f],
    lambda f: ["schema", "--from", "ocaml", f],
])
@pytest.mark.parametrize("kind", ["binary_file", "deep_file"])
def test_binary_and_deeply_nested_files(request, command, kind):
    path = str(request.getfixturevalue(kind))
    refused(vcert(*command(path)))


# -- findings edited by hand -------------------------------------------------------------


@pytest.fixture(scope="module")
def finding_file(tmp_path_factory) -> Path:
    """A real finding, from a driver that answers runs without their responses."""
    out = tmp_path_factory.mktemp("finding")
    done = vcert("diff", "--sequences", "2", "--length", "4", "--jobs", "1", "--no-progress",
                 "--driver", str(FAKES / "missing_field_driver.py"), "--out", str(out))
    assert done.returncode == 1, done.stderr
    return Path(json.loads((out / "summary.json").read_text())["findings"][0]["path"])


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.update(seed="seven"), "'seed' is a str"),
    (lambda d: d.update(actions=5), "'actions' is a int"),
    (lambda d: d.update(step=True), "'step' is a bool"),
    (lambda d: d.update(colour="blue"), "unknown finding fields"),
    (lambda d: d.pop("context"), "lacks fields"),
    (lambda d: d.update(shrunk={"actions": []}), "lacks"),
    (lambda d: d.update(scope={"guests": "many"}), ""),
    (lambda d: d["initial_state"].update(active_os="x"), "malformed"),
])
def test_hand_edited_findings_are_refused(tmp_path, finding_file, edit, words):
    data = json.loads(finding_file.read_text())
    edit(data)
    data["shrunk"] = data["shrunk"] if "shrunk" in data else None
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    refused(vcert("replay", str(path)), words)


def test_replaying_a_finding_whose_initial_state_is_invalid_is_refused(tmp_path, finding_file):
    """Before: "no longer fails", exit 0, for a case that cannot even start."""
    data = json.loads(finding_file.read_text())
    data["shrunk"] = None
    data["initial_state"]["exec_mode"] = "Usr"
    data["initial_state"]["activity"] = "Waiting"
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(data))
    refused(vcert("replay", str(path)), "initial state is invalid")


# -- vectors: impossible counts, a dead driver, vectors already there --------------------


@pytest.mark.parametrize("args", [["--sequences", "-1"], ["--sequences", "0"],
                                  ["--length", "0"]])
def test_vectors_refuses_impossible_counts(tmp_path, args):
    refused(vcert("vectors", *args, "--out", str(tmp_path)), ">= 1")


def test_vectors_fails_when_the_driver_dies(tmp_path):
    """Before: exit 0 with 0 vectors.  Each sequence the dead driver could not
    run is a driver_crash finding (at most 3 written), so the verdict is 1."""
    dead = tmp_path / "dead-driver"
    dead.write_text("#!/bin/sh\nexit 3\n")
    dead.chmod(0o755)
    out = vcert("vectors", "--sequences", "5", "--length", "5", "--driver", str(dead),
                "--out", str(tmp_path / "v"))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "no vector made from 5 sequence(s)" in out.stderr
    assert not (tmp_path / "v" / "vectors.jsonl").exists()
    crashes = sorted((tmp_path / "v" / "findings").glob("driver_crash-*.json"))
    assert len(crashes) == 3


def test_vectors_never_replaces_vectors_without_force(tmp_path):
    (tmp_path / "vectors.jsonl").write_text("precious\n")
    refused(vcert("vectors", "--sequences", "3", "--out", str(tmp_path)), "--force")
    assert (tmp_path / "vectors.jsonl").read_text() == "precious\n"


def test_help_documents_the_exit_statuses():
    out = vcert("diff", "--help")
    assert out.returncode == 0 and "130 interrupted" in out.stdout
    assert "3 the tool itself failed" in vcert("--help").stdout
