"""The exit-status contract shared by every `vcert` command.

    0   nothing found: the work announced was done in full and every check held
    1   a divergence was found (or, for `replay`, the finding still fails)
    2   bad input: a file, option, path or state the command cannot use
    3   the tool itself failed: a worker died for good, a batch was lost, the
        driver could not be kept alive, or a result could not be produced
    130 interrupted (Ctrl-C or SIGTERM) before the work was complete

A found divergence outranks every other outcome (it is a verdict whatever
else happened); then a failure of the tool, then an interruption.  Only a
complete and clean run exits 0.
"""

from __future__ import annotations

from enum import IntEnum

EPILOG = ("exit status: 0 nothing found; 1 divergence found (replay: still fails); "
          "2 bad input; 3 the tool itself failed; 130 interrupted")


class Exit(IntEnum):
    OK = 0
    FOUND = 1
    BAD_INPUT = 2
    TOOL_FAILED = 3
    INTERRUPTED = 130


class BadInput(Exception):
    """Input the command cannot use; `vcert` prints it on one line, exit 2."""


class ToolFailed(Exception):
    """The tool could not do the work; `vcert` prints it on one line, exit 3."""


def verdict(*, found: bool, failed: bool, interrupted: bool) -> Exit:
    """The one mapping from a run's outcome to its exit status."""
    if found:
        return Exit.FOUND
    if failed:
        return Exit.TOOL_FAILED
    if interrupted:
        return Exit.INTERRUPTED
    return Exit.OK
