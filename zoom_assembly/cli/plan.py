"""``backfill --dry-run``: what would be transcribed, how many audio hours, what it may cost."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import Settings
from ..errors import EXIT_OK
from ..events import EventSink
from ..pipeline import PlanItem, Selection, backfill_plan
from .render import json_line, terminal_safe


def print_plan(
    selection: Selection,
    settings: Settings,
    out: Path,
    price_per_hour: float,
    *,
    json_out: bool,
    sink: EventSink,
) -> int:
    """Print the plan (table, or JSON lines) and return exit code 0."""
    items, done = backfill_plan(selection, settings, out, sink=sink)
    todo = [i for i in items if not i.reason and i.recordings.meeting.uuid not in done]
    hours = sum(i.audio_seconds or 0 for i in todo) / 3600
    if json_out:
        for item in items:
            meeting = item.recordings.meeting
            state = ("done" if meeting.uuid in done else "skip" if item.reason else "transcribe")
            sys.stdout.write(json_line({"meeting": meeting.to_json(), "action": state,
                                        "audio_seconds": item.audio_seconds,
                                        "reason": item.reason or None}) + "\n")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    table = Table()
    for column in ("meeting", "id", "start (UTC)", "audio", "action"):
        table.add_column(column, overflow="fold")
    for item in sorted(items, key=_start_order):
        meeting = item.recordings.meeting
        when = meeting.start_time.strftime("%Y-%m-%d %H:%M") if meeting.start_time else "-"
        minutes = f"{(item.audio_seconds or 0) / 60:.0f} min" if item.audio_seconds else "-"
        action = ("already done" if meeting.uuid in done
                  else f"skip: {item.reason}" if item.reason else "transcribe")
        cells = (meeting.topic or meeting.uuid, meeting.id or "-", when, minutes, action)
        table.add_row(*(Text(terminal_safe(cell)) for cell in cells))
    console.print(table)
    console.print(
        f"{len(todo)} of {len(items)} recordings to transcribe, {hours:.1f} audio hours, "
        f"about ${hours * price_per_hour:.2f} at ${price_per_hour:.2f}/h "
        f"({selection.start} to {selection.end}). Nothing was submitted."
    )
    return EXIT_OK


def _start_order(item: PlanItem) -> tuple[int, float]:
    start = item.recordings.meeting.start_time
    return (0, start.timestamp()) if start else (1, 0.0)
