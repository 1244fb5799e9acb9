"""Pausing the cyclic garbage collector while a transcript is decoded, parsed or rendered."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0  # pauses in progress (worker threads parse concurrently)
_was_enabled = False
_lock = threading.Lock()


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a transcript is decoded, parsed or rendered.

    An hour of words is tens of thousands of new dicts and :class:`Word` objects that all
    survive, so the collector runs hundreds of times per transcript for nothing (none of them
    can form a cycle), and its full passes walk every object of a long run. Nested and
    concurrent uses (worker threads) share one pause; the last one out switches the collector
    back on, and only if it was on before.
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
