"""A live progress line for long runs (rich, on a terminal); plain lines otherwise."""

from __future__ import annotations

from collections import Counter
from types import TracebackType
from typing import Any

from .events import Event, Notice, RecordingDone, RecordingStage
from .redact import redact
from .render import Renderer


class Progress:
    """Counts listed / submitted / completed / failed and audio hours as events arrive.

    On a terminal (and without ``-q``) it keeps one refreshing status line on stderr and prints
    only warnings and failures above it; elsewhere every event becomes a plain line.
    """

    def __init__(self, renderer: Renderer, *, live: bool | None = None) -> None:
        self.renderer = renderer
        self.counts: Counter[str] = Counter()
        self.audio_seconds = 0.0
        use_live = live if live is not None else renderer.err.isatty()
        self._live_wanted = use_live and not renderer.quiet
        self._live: Any = None

    def __enter__(self) -> Progress:
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
            return
        important = (isinstance(event, Notice) and event.warning) or (
            isinstance(event, RecordingDone) and event.status != "completed")
        if important:
            line = self.renderer.describe(event)
            if line:
                self._live.console.print(redact(line), markup=False, highlight=False)
        self._live.update(self.line())

