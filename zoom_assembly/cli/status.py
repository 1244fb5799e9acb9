"""``transcribe-zoom status``: what the ledger in an output folder says, without any API call."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ..ledger import Ledger, ledger_path
from .render import json_line, terminal_safe


def print_status(out: Path, *, json_out: bool) -> None:
    """Counts by state, audio hours, and every failure with its reason."""
    if not ledger_path(out).exists():
        raise UsageError(
            f"No ledger in {out}: nothing was transcribed there yet (or pass the right --out).",
            code="no_ledger",
        )
    with Ledger.open_readonly(out) as ledger:
        summary = ledger.summary()
    counts, failed, hours = summary.counts, summary.failures, summary.completed_audio_hours
    if json_out:
        doc = {
            "counts": counts,
            "audio_hours": round(hours, 3),
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
    lines = [f"{total} recordings in {ledger_path(out)}: {parts or 'none'}",
             f"Transcribed audio: {hours:.2f} h"]
    lines += [f"  failed: {row.topic or row.meeting_uuid} ({row.start_time}) "
              f"[{row.error_code}] {row.error_message}" for row in failed]
    for line in lines:
        sys.stdout.write(terminal_safe(line) + "\n")
