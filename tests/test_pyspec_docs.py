"""The Python examples of docs/pyspec.md and README.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "pyspec.md", ROOT / "README.md")
EXAMPLES = [(doc.name, code) for doc in DOCS
            for code in re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)]


def test_the_guide_and_the_readme_have_examples():
    assert {name for name, _ in EXAMPLES} == {doc.name for doc in DOCS}
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index, capsys):
    name, code = EXAMPLES[index]
    exec(compile(code, f"{name} example {index}", "exec"), {})
