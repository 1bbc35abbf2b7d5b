"""Fixtures shared by the campaign tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def bad_driver(tmp_path_factory) -> Path:
    """A driver built with the `ml-free-page-first` mutant: its Page_pin takes
    the first free page in list order, a divergence most campaigns meet."""
    from pyspec.difftest.mutants import by_id, prepare

    _, binary = prepare(by_id(["ml-free-page-first"])[0], tmp_path_factory.mktemp("mutant"))
    return binary
