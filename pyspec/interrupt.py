"""Ctrl-C and SIGTERM, remembered as well as raised.

Python raises a signal's KeyboardInterrupt wherever the main thread happens to
be, and that can be a weakref callback or a `__del__`, whose exceptions it
prints ("Exception ignored in ...") and drops. A long loop that only waited for
the exception would then run on to its end. So the handler also records the
signal, and long loops call `check()` between units of work.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ContextManager

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_requested = False
_depth = 0    # contexts entered and not left


def _raise(signum: int, frame: object) -> None:
    global _requested
    _requested = True
    raise KeyboardInterrupt


def _record(signum: int, frame: object) -> None:
    global _requested
    _requested = True


@contextmanager
def _handled(handler: Callable[[int, object], None]) -> Iterator[None]:
    global _requested, _depth
    if _depth == 0:
        _requested = False    # a signal of an earlier command was acted on by it
    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        for sig, old in previous.items():
            signal.signal(sig, old)


def raising() -> ContextManager[None]:
    """Within, Ctrl-C and SIGTERM raise KeyboardInterrupt and are remembered.
    This also undoes SIGINT ignored at start (a background job of a script),
    which Python would otherwise keep."""
    return _handled(_raise)


def polled() -> ContextManager[None]:
    """Within, the signals are only remembered: for a loop that polls
    `requested()` and winds down in its own time (a campaign's workers)."""
    return _handled(_record)


def requested() -> bool:
    return _requested


def check() -> None:
    """Raise KeyboardInterrupt if a signal came, even if its first raise was lost."""
    if _requested:
        raise KeyboardInterrupt
