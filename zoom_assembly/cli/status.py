"""``transcribe-zoom status``: what the ledger in an output folder says, without any API call."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ..ledger import Row, ledger_location, open_ledger
from .render import json_line, terminal_safe


def print_status(out: Path, *, json_out: bool, ledger: str | None = None) -> None:
    """Counts by state, audio hours, and every failure with its reason. ``ledger``: the
    --ledger URL (default: the file in ``out``); read only, nothing is created."""
    location = ledger_location(ledger, out)
    if isinstance(location, Path) and not location.exists():
        raise UsageError(
            f"No ledger in {out}: nothing was transcribed there yet (or pass the right --out).",
            code="no_ledger",
        )
    with open_ledger(ledger, out, readonly=True) as opened:
        summary = opened.summary()
        rows: list[Row] = opened.rows()
        where = opened.where
    completed = [r for r in rows if r.state == "completed"]
    counts, failed, hours = summary.counts, summary.failures, summary.completed_audio_hours
    by_source: dict[str, dict[str, float]] = {}
    for row in completed:
        entry = by_source.setdefault(row.transcript_source or "assemblyai",
                                     {"recordings": 0, "audio_hours": 0.0})
        entry["recordings"] += 1
        entry["audio_hours"] += (row.audio_duration or 0) / 3600
    for entry in by_source.values():
        entry["audio_hours"] = round(entry["audio_hours"], 3)
    if json_out:
        doc = {
            "counts": counts,
            "audio_hours": round(hours, 3),
            # Added: completed recordings by transcript source (assemblyai is the paid one).
            "by_source": by_source,
            "decisions": [
                {"recording_file_id": r.recording_file_id, "topic": r.topic,
                 "state": r.state, "source": r.transcript_source, "reason": r.decision_reason}
                for r in rows if r.decision_reason
            ],
            "failures": [
                {"recording_file_id": r.recording_file_id, "topic": r.topic,
                 "code": r.error_code, "message": r.error_message}
                for r in failed
            ],
        }
        sys.stdout.write(json_line(doc) + "\n")
        return
    total = summary.total
    parts = ", ".join(f"{state} {n}" for state, n in counts.items() if n)
    lines = [f"{total} recordings in {where}: {parts or 'none'}",
             f"Transcribed audio: {hours:.2f} h"]
    lines += [f"  {source}: {v['recordings']:.0f} recordings, {v['audio_hours']:.2f} h"
              f"{' (paid)' if source == 'assemblyai' else ' (free)'}"
              for source, v in sorted(by_source.items())]
    lines += [f"  failed: {row.topic or row.meeting_uuid} ({row.start_time}) "
              f"[{row.error_code}] {row.error_message}" for row in failed]
    lines += [f"  waiting: {row.topic or row.meeting_uuid} ({row.start_time}) "
              f"{row.decision_reason}" for row in rows
              if row.state == "pending" and row.decision_reason]
    for line in lines:
        sys.stdout.write(terminal_safe(line) + "\n")
