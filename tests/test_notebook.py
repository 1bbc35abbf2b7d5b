"""The Coq notebook tour runs headless on coq-jupyter without a Coq error,
and its computations answer what MODEL.md prescribes.

The kernel spec is installed in a temporary folder, so the test does not
depend on `make notebook-kernel`; it needs the compiled library (`make coq`).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from pyspec import notebook
from pyspec.cli import main as vcert
from pyspec.viz import pictures

pytestmark = pytest.mark.skipif(
    notebook.coqidetop() is None, reason="Coq is not installed (no coqidetop on PATH)")


@pytest.fixture(scope="module")
def kernel_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    prefix = tmp_path_factory.mktemp("jupyter")
    notebook.install_kernel(prefix)
    return [notebook.kernels_dir(prefix)]


@pytest.fixture(scope="module")
def tour(kernel_dirs: list[Path]) -> nbformat.NotebookNode:
    return notebook.execute(notebook.TOUR, kernel_dirs=kernel_dirs)


def write_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, str(path))
    return path


def test_tour_runs_without_coq_error(tour: nbformat.NotebookNode) -> None:
    failures = notebook.coq_failures(tour)
    assert failures == [], "\n".join(f"cell {f.index}: {f.message}" for f in failures)


def test_tour_state_is_valid(tour: nbformat.NotebookNode) -> None:
    assert "= true" in notebook.tagged_output(tour, "valid")


def test_pending_hcall_of_running_guest_breaks_property_2(
        tour: nbformat.NotebookNode) -> None:
    # MODEL.md section 3, property 2: a running active guest has no pending hypercall.
    assert "= Some Running_no_hcall" in notebook.tagged_output(tour, "broken")


def test_guest_write_keeps_page_owner(tour: nbformat.NotebookNode) -> None:
    # write va v: mem[ma] := RW (Some v), with the owner of mem[ma] (guest 1's page 11).
    text = notebook.tagged_output(tour, "write")
    assert "= Ok" in text
    assert "Some {| content := RW (Some 7); owner := Os 1 |}" in text


def test_errors_follow_the_specified_codes(tour: nbformat.NotebookNode) -> None:
    # read of a window address: no_access_va_os; chmod while running: wrong_os_activity.
    text = notebook.tagged_output(tour, "errors")
    assert text.index("= Error No_access_va_os") < text.index("= Error Wrong_os_activity")


def test_hypercall_round_trip_pins_least_free_page(tour: nbformat.NotebookNode) -> None:
    # hcall, then page_pin takes the least free machine page (13 < 14), then chmod
    # gives the CPU back with the hypercall served.
    text = notebook.tagged_output(tour, "round-trip")
    assert "= [Ok; Ok; Ok]" in text
    assert "(Running, Some {| curr_page := 0; hcall := None |}, Some (Some 13))" in text


def test_pictured_state_is_the_tour_state(tour: nbformat.NotebookNode) -> None:
    # notebooks/tour_state.svg is drawn from tour_state.json; the kernel proves the
    # cell stating that this JSON state is the tour's.
    index = next(i for i, c in enumerate(tour.cells) if "pictured" in c.metadata.get("tags", []))
    assert tour.cells[index].source == pictures.tour_cell()
    assert index not in [f.index for f in notebook.coq_failures(tour)]


def test_a_coq_error_is_reported(kernel_dirs: list[Path], tmp_path: Path) -> None:
    # The kernel answers ok even when Coq fails; the failure must come from the outputs.
    path = write_notebook(tmp_path / "bad.ipynb", "Check 0.", "Check no_such_constant.")
    failures = notebook.coq_failures(notebook.execute(path, kernel_dirs=kernel_dirs))
    assert [f.index for f in failures] == [1]
    assert "no_such_constant" in failures[0].message


def test_missing_compiled_module_is_a_clear_error(
        kernel_dirs: list[Path], tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "m.ipynb", "From VirtualCert Require Import NoSuchModule.")
    with pytest.raises(notebook.NotebookError, match=r"NoSuchModule\.vo.*make coq"):
        notebook.execute(path, kernel_dirs=kernel_dirs)


def test_cli_rejects_a_missing_notebook(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert vcert(["notebook", "run", str(tmp_path / "absent.ipynb")]) == 1
    assert "no notebook at" in capsys.readouterr().err


def test_cli_rejects_a_file_that_is_not_a_notebook(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "junk.ipynb"
    path.write_text("{ not json")
    assert vcert(["notebook", "run", str(path)]) == 1
    assert "not a valid notebook" in capsys.readouterr().err


def test_kernel_that_does_not_start_is_a_clear_error(tmp_path: Path) -> None:
    spec_dir = tmp_path / "kernels" / notebook.KERNEL_NAME
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(
        '{"argv": ["false"], "display_name": "broken", "language": "coq"}')
    with pytest.raises(notebook.NotebookError, match="did not start"):
        notebook.execute(notebook.TOUR, kernel_dirs=[tmp_path / "kernels"])
