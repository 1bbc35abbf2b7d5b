"""The committed pictures: `make pictures` redraws them, `make pictures-check`
fails when one is stale.

- docs/img/sample_state.svg, the README's picture: the sample state of examples/;
- notebooks/tour_state.svg, the notebook tour's state, with the tour's Coq cell
  (tagged `pictured`) stating that the pictured state is `tour_state`: the
  kernel proves it each time the tour runs, so the picture cannot drift from
  the Coq definition unnoticed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from pyspec import codec
from pyspec.commands.run import load_state
from pyspec.difftest import coqterm

from .render import draw_state

REPO = Path(__file__).resolve().parent.parent.parent
TOUR = REPO / "notebooks" / "tour.ipynb"
TOUR_STATE = REPO / "notebooks" / "tour_state.json"
TOUR_TAG = "pictured"


@dataclass(frozen=True)
class Picture:
    state: Path
    context: Path | None
    svg: Path

    def render(self) -> str:
        ctx, s = load_state(self.state, self.context)
        return draw_state(codec.encode(ctx), codec.encode(s)).svg()


PICTURES = [
    Picture(REPO / "examples" / "sample_state.json", REPO / "examples" / "sample_context.json",
            REPO / "docs" / "img" / "sample_state.svg"),
    Picture(TOUR_STATE, None, REPO / "notebooks" / "tour_state.svg"),
]


def tour_cell() -> str:
    """The tour's Coq cell: the pictured context and state are the tour's."""
    ctx, s = load_state(TOUR_STATE, None)
    return (f"Example tour_pictured :\n  tour_ctx = {coqterm.context(codec.encode(ctx))} /\\\n"
            f"  tour_state = {coqterm.state(codec.encode(s))}.\n"
            "Proof. split; reflexivity. Qed.")


def _tour_code_cell(nb):      # the cell tagged `pictured`
    cells = [c for c in nb.cells if TOUR_TAG in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise SystemExit(f"{TOUR}: expected one cell tagged {TOUR_TAG!r}, found {len(cells)}")
    return cells[0]


def stale() -> list[str]:
    import nbformat
    out = [f"{p.svg.relative_to(REPO)} is stale" for p in PICTURES
           if not p.svg.is_file() or p.svg.read_text(encoding="utf-8") != p.render()]
    if _tour_code_cell(nbformat.read(str(TOUR), as_version=4)).source != tour_cell():
        out.append(f"{TOUR.relative_to(REPO)}: the cell tagged {TOUR_TAG!r} is stale")
    return out


def regenerate() -> None:
    import nbformat
    for p in PICTURES:
        p.svg.parent.mkdir(parents=True, exist_ok=True)
        p.svg.write_text(p.render(), encoding="utf-8")
    nb = nbformat.read(str(TOUR), as_version=4)
    cell = _tour_code_cell(nb)
    if cell.source != tour_cell():
        cell.source = tour_cell()
        nbformat.write(nb, str(TOUR))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyspec.viz.pictures", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a picture is stale")
    args = parser.parse_args(argv)
    if not args.check:
        regenerate()
        return 0
    problems = stale()
    for p in problems:
        print(f"pictures-check: {p}; run make pictures", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
