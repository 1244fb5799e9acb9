"""A live progress line for long runs (rich, on a terminal); plain lines otherwise."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ..events import Event, Notice, RecordingDone, RecordingStage
from .render import Renderer, terminal_safe

# Off a terminal, a plain counts line every this many seconds (the first after as long), so a
# log or CI job shows a long, quiet run is alive (listing empty months, waiting on jobs).
PLAIN_PROGRESS_EVERY = 10.0


class Progress:
    """Counts listed / submitted / completed / failed and audio hours as events arrive.

    On a terminal (and without ``-q``) it keeps one refreshing status line on stderr and prints
    only warnings and failures above it; elsewhere every event becomes a plain line, and the
    counts line is printed every ``every`` seconds of ``clock`` (checked on each event and by
    :meth:`tick`, which a background timer calls unless ``timer=False``).
    """

    def __init__(
        self,
        renderer: Renderer,
        *,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        every: float | None = None,
        timer: bool = True,
    ) -> None:
        self.renderer = renderer
        self.counts: Counter[str] = Counter()
        self.audio_seconds = 0.0
        use_live = live if live is not None else renderer.err.isatty()
        self._live_wanted = use_live and not renderer.quiet
        self._live: Any = None
        self._clock = clock
        self._every = PLAIN_PROGRESS_EVERY if every is None else every
        self._next_plain = clock() + self._every
        self._plain_lock = threading.Lock()
        self._timer_wanted = timer and not self._live_wanted and not renderer.quiet
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    def tick(self) -> None:
        """Off a terminal, print the counts line when ``every`` seconds have passed since the
        last one (or since the start)."""
        if self._live_wanted or self.renderer.quiet:
            return
        with self._plain_lock:
            now = self._clock()
            if now < self._next_plain:
                return
            self._next_plain = now + self._every
        self.renderer(Notice(f"progress: {self.line()}"))

    def _run_timer(self) -> None:
        while not self._stop.wait(min(1.0, self._every)):
            self.tick()

    def __enter__(self) -> Progress:
        if self._timer_wanted:
            self._timer = threading.Thread(target=self._run_timer, name="progress", daemon=True)
            self._timer.start()
        if self._live_wanted:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.renderer.err)
            self._live = Live(self.line(), console=console, refresh_per_second=4, transient=True)
            self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
            self._timer = None
        if self._live is not None:
            self._live.__exit__(exc_type, exc, tb)
            self._live = None

    def line(self) -> str:
        c = self.counts
        return (f"listed {c['listed']}  submitted {c['submitted']}  completed {c['completed']}"
                f"  failed {c['failed']}  skipped {c['skipped']}"
                f"  audio {self.audio_seconds / 3600:.1f} h")

    def __call__(self, event: Event) -> None:
        if isinstance(event, RecordingStage) and event.stage in ("listed", "submitted"):
            self.counts[event.stage] += 1
        elif isinstance(event, RecordingDone):
            bucket = event.status if event.status in ("completed", "failed", "skipped") \
                else "failed"
            self.counts[bucket] += 1
            if event.status == "completed" and event.audio_duration:
                self.audio_seconds += event.audio_duration
        if self._live is None:
            self.renderer(event)
            self.tick()
            return
        important = (isinstance(event, Notice) and event.warning) or (
            isinstance(event, RecordingDone) and event.status != "completed")
        if important:
            line = self.renderer.describe(event)
            if line:
                self._live.console.print(terminal_safe(line), markup=False, highlight=False)
        self._live.update(self.line())

