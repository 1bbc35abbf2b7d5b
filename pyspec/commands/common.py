"""Input checks shared by the commands: each turns a problem with a path,
a file or an option into `BadInput`, one line naming what is wrong."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from pyspec.driver import DriverNotFound, default_binary, resolve_binary
from pyspec.exit_status import BadInput


def read_json(path: Path, what: str) -> Any:
    """The JSON value in `path` (`what`: "state file", ...)."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise BadInput(f"{what} {path}: is a directory") from None
    except OSError as exc:
        raise BadInput(f"{what} {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput(f"{what} {path}: not text (not UTF-8); expected JSON") from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"{what} {path}: not JSON ({exc})") from None
    except RecursionError:
        raise BadInput(f"{what} {path}: JSON nested too deeply") from None


def output_dir(path: Path, what: str = "--out") -> Path:
    """`path` as a folder this process can write in (created if missing)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise BadInput(f"{what} {path}: exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except NotADirectoryError:
        raise BadInput(f"{what} {path}: a parent of it is a file, not a directory") from None
    except OSError as exc:
        raise BadInput(f"{what} {path}: cannot write there ({exc.strerror or exc})") from None
    return path


def driver_binary(arg: str | None) -> str:
    """The driver to run: `arg` (a path, or a bare name: a file here, else a
    command on PATH), else $VCERT_DRIVER or the built extract/vcert-driver."""
    try:
        return str(resolve_binary(default_binary() if arg is None else arg))
    except DriverNotFound as exc:
        raise BadInput(str(exc)) from None


def cluster_address(address: str | None) -> str | None:
    """A --cluster argument checked: local:N (N >= 1) or a scheduler address."""
    if address is None:
        return None
    if address.startswith("local:"):
        n = address.split(":", 1)[1]
        if not n.isdigit() or int(n) < 1:
            raise BadInput(f"--cluster {address}: expected local:N with N >= 1")
    elif "://" not in address and ":" not in address:
        raise BadInput(f"--cluster {address}: expected a scheduler address "
                       "(tcp://HOST:PORT) or local:N")
    return address
