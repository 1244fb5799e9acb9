"""Taking what waits in a queue as one group: the intake's commit groups, the worker's batches."""

from __future__ import annotations

import queue
from typing import Any


def drain(waiting: queue.Queue[Any] | queue.SimpleQueue[Any], first: Any,
          limit: int | None = None) -> list[Any]:
    """``first`` and whatever else is queued now (up to ``limit`` in all), without waiting.
    A ``None`` (the stop mark) is put back for the consumer's next ``get``."""
    group = [first]
    while limit is None or len(group) < limit:
        try:
            more = waiting.get_nowait()
        except queue.Empty:
            break
        if more is None:
            waiting.put(None)
            break
        group.append(more)
    return group
