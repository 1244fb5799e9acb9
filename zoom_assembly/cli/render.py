"""Turning library events and results into what a person (or a script) sees.

Progress and notices go to stderr; stdout carries only results: the summary table, or with
``--json`` one JSON object per recording and nothing else.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from ..events import Event, Notice, RecordingDone, RecordingStage, RetryScheduled
from ..redact import redact

if TYPE_CHECKING:
    from ..pipeline import RecordingResult

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


# C0 and C1 controls, DEL, and the bidirectional overrides/isolates ("Trojan source"): a meeting
# topic is chosen by any meeting host, and raw ESC/BEL/CSI sequences would drive the terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile("[\t\n\r\x0b\x0c\u2028\u2029]+")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object) -> str:
    """``text`` with line breaks and tabs folded to one space and every other control
    character shown as an escape (``\\x1b``), so no input can move the cursor, ring the bell,
    retitle the window or reorder what is shown. Everything printed to a terminal goes
    through here (secrets are redacted too)."""
    value = _WHITESPACE.sub(" ", str(text))
    return redact(_CONTROL.sub(_escape, value))


# json.dumps(ensure_ascii=False) escapes C0 controls but leaves DEL, C1 controls and the
# Unicode separators/bidi controls raw; they are escaped here (still the same JSON value).
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_line(doc: Any) -> str:
    """One JSON document on one line, safe to show on a terminal, secrets redacted."""
    text = json.dumps(doc, ensure_ascii=False)
    return redact(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


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
        print(terminal_safe(line), file=self.err, flush=True)

    def error(self, message: str) -> None:
        print(f"error: {terminal_safe(message)}", file=self.err, flush=True)


def print_json_lines(results: Sequence[RecordingResult], out: IO[str] | None = None) -> None:
    """The ``--json`` contract: one object per recording on stdout."""
    stream = out or sys.stdout
    for result in results:
        stream.write(json_line(result.to_json()) + "\n")
    stream.flush()


def _hours(seconds: float | None) -> str:
    if not seconds:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"


def print_summary(results: Sequence[RecordingResult], out: IO[str] | None = None) -> None:
    """A table of what happened to each recording, oldest meeting first, then where the files
    are. Every cell is plain text (no rich markup) with control characters escaped."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out or sys.stdout, highlight=False, soft_wrap=False)
    table = Table(title=None, show_lines=False)
    table.add_column("meeting", overflow="fold", ratio=1)
    for column in ("id", "start (UTC)", "status", "lang", "audio"):
        table.add_column(column, overflow="fold", no_wrap=column in ("id", "status"))
    table.add_column("note", overflow="fold", ratio=1)
    for r in sorted(results, key=_start_order):
        when = r.meeting.start_time.strftime("%Y-%m-%d %H:%M") if r.meeting.start_time else "-"
        note = "finished by an earlier run" if r.cached and r.ok else (r.error_message or "")
        cells = (
            r.meeting.topic or r.meeting.uuid,
            r.meeting.id if r.meeting.id is not None else "-",
            when,
            r.status,
            r.language_code or "-",
            _hours(r.audio_duration),
            note,
        )
        table.add_row(*(Text(terminal_safe(cell)) for cell in cells))
    console.print(table)
    done = [r for r in results if r.files]
    if done:
        root = next(iter(done[0].files.values())).parent.parent
        console.print(Text(terminal_safe(
            f"{len(done)} of {len(results)} transcribed; one folder per recording under {root}")))


def _start_order(result: RecordingResult) -> tuple[int, float, str]:
    """Oldest first; recordings without a start time last, by topic."""
    start = result.meeting.start_time
    return (0 if start else 1, start.timestamp() if start else 0.0, result.meeting.topic)
