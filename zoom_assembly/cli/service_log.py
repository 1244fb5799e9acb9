"""``serve``'s structured log: one JSON object per event on stderr (secrets redacted)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime
from typing import IO

from ..events import Event
from .render import json_line


class JsonLog:
    """An event sink writing JSON lines: ``{"ts", "event", ...the event's fields}``."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        doc = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
               "event": type(event).__name__, **dataclasses.asdict(event)}
        line = json_line(doc)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


def stderr_log() -> JsonLog:
    """The log of ``serve``'s engine process (built there: a stream cannot be pickled)."""
    import sys

    return JsonLog(sys.stderr)
