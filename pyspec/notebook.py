"""Run the Coq notebook tour (notebooks/tour.ipynb) headless on coq-jupyter.

The coq-jupyter kernel drives `coqidetop` and answers `ok` even when Coq
rejects a sentence, so success is read from the outputs: a cell failed when
the kernel marks it not evaluated or its output has an `Error:` line.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode

REPO = Path(__file__).resolve().parent.parent
COQ_DIR = REPO / "coq"
TOUR = REPO / "notebooks" / "tour.ipynb"
KERNEL_NAME = "virtualcert-coq"
KERNEL_DISPLAY_NAME = "Coq (VirtualCert)"
CELL_TIMEOUT_SECONDS = 120

_REQUIRE = re.compile(r"From\s+VirtualCert\s+Require\s+(?:Import\s+|Export\s+)?([^.]*)\.")


class NotebookError(Exception):
    """The notebook could not be run; the message says why."""


@dataclass(frozen=True)
class CellFailure:
    """A code cell that Coq rejected."""

    index: int
    source: str
    message: str


def coqidetop() -> str | None:
    """The coqidetop executable coq-jupyter will use, or None without Coq."""
    return shutil.which("coqidetop.opt") or shutil.which("coqidetop")


def kernel_spec(coq_dir: Path = COQ_DIR) -> dict[str, object]:
    """coq-jupyter's kernel.json, loading the library from `coq_dir`."""
    coqtop_args = f"-Q {shlex.quote(str(coq_dir.resolve()))} VirtualCert"
    return {
        "argv": [
            sys.executable, "-m", "coq_jupyter", "-f", "{connection_file}",
            f'--CoqKernel.coqtop_args="{coqtop_args}"',
        ],
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "coq",
    }


def kernels_dir(prefix: Path) -> Path:
    """Where Jupyter looks for kernel specs under an environment prefix."""
    return prefix / "share" / "jupyter" / "kernels"


def install_kernel(prefix: Path, coq_dir: Path = COQ_DIR) -> Path:
    """Install (or refresh) the kernel spec under `prefix`; returns its folder."""
    try:
        import coq_jupyter
    except ImportError as exc:
        raise NotebookError("coq-jupyter is not installed: run scripts/bootstrap.sh") from exc
    target = kernels_dir(prefix) / KERNEL_NAME
    target.mkdir(parents=True, exist_ok=True)
    (target / "kernel.json").write_text(json.dumps(kernel_spec(coq_dir), indent=1) + "\n")
    # kernel.js gives the Jupyter UI coq-jupyter's rollback buttons.
    shutil.copyfile(Path(coq_jupyter.__file__).parent / "kernel.js", target / "kernel.js")
    return target


def required_modules(nb: NotebookNode) -> list[str]:
    """The VirtualCert modules the notebook's code cells require."""
    modules: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for match in _REQUIRE.finditer(cell.source):
            modules.extend(match.group(1).split())
    return modules


def check_library_built(nb: NotebookNode, coq_dir: Path = COQ_DIR) -> None:
    """Fail clearly when a required module has not been compiled."""
    missing = [m for m in required_modules(nb) if not (coq_dir / f"{m}.vo").exists()]
    if missing:
        names = ", ".join(f"{m}.vo" for m in missing)
        raise NotebookError(f"{coq_dir} lacks {names}: build the library with `make coq`")


def read_notebook(path: Path) -> NotebookNode:
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError as exc:
        raise NotebookError(f"no notebook at {path}") from exc
    except (ValueError, nbformat.ValidationError) as exc:
        raise NotebookError(f"{path} is not a valid notebook: {exc}") from exc


def execute(path: Path = TOUR, kernel_dirs: list[Path] | None = None,
            coq_dir: Path = COQ_DIR) -> NotebookNode:
    """Run every cell of the notebook at `path`; returns the executed notebook.

    `kernel_dirs` are extra folders to find the kernel spec in (the tests
    install it in a temporary folder); by default Jupyter's usual places.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if coqidetop() is None:
        raise NotebookError("Coq is not installed (no coqidetop.opt or coqidetop on PATH)")
    if importlib.util.find_spec("coq_jupyter") is None:
        raise NotebookError("coq-jupyter is not installed: run scripts/bootstrap.sh")
    nb = read_notebook(path)
    check_library_built(nb, coq_dir)
    specs = KernelSpecManager()
    if kernel_dirs:
        specs.kernel_dirs = [str(d) for d in kernel_dirs] + list(specs.kernel_dirs)
    try:
        specs.get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel as exc:
        raise NotebookError(
            f"no Jupyter kernel named {KERNEL_NAME}: run `make notebook-kernel`") from exc
    manager = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
    client = NotebookClient(nb, km=manager, timeout=CELL_TIMEOUT_SECONDS,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellTimeoutError as exc:
        raise NotebookError(f"a cell ran over {CELL_TIMEOUT_SECONDS} s: {exc}") from exc
    except (CellExecutionError, DeadKernelError) as exc:
        raise NotebookError(f"the kernel failed: {exc}") from exc
    except RuntimeError as exc:  # the kernel did not start or answer
        raise NotebookError(f"the {KERNEL_NAME} kernel did not start: {exc}") from exc
    finally:
        # nbclient leaves its exit hook behind when the kernel fails to start.
        atexit.unregister(client._cleanup_kernel)
    return nb


def output_text(cell: NotebookNode) -> str:
    """The plain-text outputs of a code cell, joined."""
    parts: list[str] = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.data.get("text/plain", ""))
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
    return "\n".join(parts)


def coq_failures(nb: NotebookNode) -> list[CellFailure]:
    """Every code cell that Coq rejected (or that reported an error)."""
    failures: list[CellFailure] = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        text = output_text(cell)
        not_evaluated = any(
            out.get("metadata", {}).get("coq_kernel_evaluated") is False
            for out in cell.outputs)
        errored = any(out.output_type == "error" for out in cell.outputs)
        error_line = re.search(r"^\s*Error:", text, re.MULTILINE)
        if not_evaluated or errored or error_line:
            failures.append(CellFailure(index, cell.source, text.strip()))
    return failures


def tagged_output(nb: NotebookNode, tag: str) -> str:
    """The text output of the code cell tagged `tag`."""
    for cell in nb.cells:
        if cell.cell_type == "code" and tag in cell.metadata.get("tags", []):
            return output_text(cell)
    raise NotebookError(f"no code cell is tagged {tag!r}")
