"""Turning library events and results into what a person (or a script) sees.

Progress and notices go to stderr; stdout carries only results: the summary table, or with
``--json`` one JSON object per recording and nothing else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from .events import Event, Notice, RecordingDone, RecordingStage, RetryScheduled
from .redact import redact

if TYPE_CHECKING:
    from .pipeline import RecordingResult

_STAGE_WORDS = {
    "submitted": "submitted to AssemblyAI",
    "queued": "queued at AssemblyAI",
    "processing": "transcribing",
    "completed": "done",
    "failed": "FAILED",
    "skipped": "skipped",
    "timeout": "still running",
    "resumed": "resuming",
    "resubmitting": "resubmitting",
    "waiting": "waiting for Zoom",
}


class Renderer:
    """An event sink writing one plain line per event to stderr (nothing with ``quiet``)."""

    def __init__(self, *, quiet: bool = False, verbose: bool = False, err: IO[str] | None = None):
        self.quiet = quiet
        self.verbose = verbose
        self.err = err or sys.stderr

    def __call__(self, event: Event) -> None:
        line = self.describe(event)
        if line is None:
            return
        if isinstance(event, Notice) and event.warning:
            self._write(f"warning: {line}", always=True)
        else:
            self._write(line)

    def describe(self, event: Event) -> str | None:
        if isinstance(event, Notice):
            return event.message
        if isinstance(event, RetryScheduled):
            if not self.verbose:
                return None
            return (f"{event.service}: {event.reason}, retry {event.attempt} "
                    f"in {event.delay:.1f} s")
        if isinstance(event, RecordingDone):
            words = _STAGE_WORDS.get(event.status, event.status)
            if event.status == "processing":
                words = "still processing at Zoom"
            detail = f": {event.detail}" if event.detail else ""
            return f"{event.label} — {words}{detail}"
        if isinstance(event, RecordingStage):
            if event.stage == "listed" and not self.verbose:
                return None
            words = _STAGE_WORDS.get(event.stage, event.stage)
            detail = f": {event.detail}" if event.detail else ""
            return f"{event.label} — {words}{detail}"
        return None

    def _write(self, line: str, *, always: bool = False) -> None:
        if self.quiet and not always:
            return
        print(redact(line), file=self.err, flush=True)

    def error(self, message: str) -> None:
        print(f"error: {redact(message)}", file=self.err, flush=True)


def print_json_lines(results: Sequence[RecordingResult], out: IO[str] | None = None) -> None:
    """The ``--json`` contract: one object per recording on stdout."""
    stream = out or sys.stdout
    for result in results:
        stream.write(redact(json.dumps(result.to_json(), ensure_ascii=False)) + "\n")
    stream.flush()


def _hours(seconds: float | None) -> str:
    if not seconds:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"


def print_summary(results: Sequence[RecordingResult], out: IO[str] | None = None) -> None:
    """A table of what happened to each recording, then where the files are."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out or sys.stdout, highlight=False, soft_wrap=False)
    table = Table(title=None, show_lines=False)
    for column in ("meeting", "start (UTC)", "status", "lang", "audio"):
        table.add_column(column, overflow="fold", no_wrap=column != "meeting")
    table.add_column("note", overflow="fold", ratio=1)
    for r in results:
        when = r.meeting.start_time.strftime("%Y-%m-%d %H:%M") if r.meeting.start_time else "-"
        note = "finished by an earlier run" if r.cached and r.ok else (r.error_message or "")
        table.add_row(
            r.meeting.topic or r.meeting.uuid,
            when,
            r.status,
            r.language_code or "-",
            _hours(r.audio_duration),
            redact(note),
        )
    console.print(table)
    done = [r for r in results if r.files]
    if done:
        root = next(iter(done[0].files.values())).parent.parent
        console.print(f"{len(done)} of {len(results)} transcribed; one folder per recording "
                      f"under {root}")
