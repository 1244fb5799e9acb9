"""``recording.transcript_completed``: Zoom's own transcript of a meeting has arrived.

Under the pay policy Zoom's text may stand in for a paid transcript, so the news matters only
to a recording nobody has paid for or transcribed yet: that one runs through the engine again
and the policy, now seeing Zoom's transcript, decides afresh. A recording already written,
or already paid for at AssemblyAI (its transcript on the way), is left alone; the log says
why, and for a written one the ledger's decision reason says so too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..events import EventSink, Notice
from ..ledger import Ledger, Row
from ..zoom import MeetingRecordings

TRANSCRIPT_COMPLETED = "recording.transcript_completed"
LEFT_ALONE_NOTE = "Zoom's transcript arrived after this transcript was written: left alone"
# States in which Zoom's text can no longer change anything: written, or paid for and coming.
_SETTLED = {"completed": "was already written", "submitting": "is already paid for",
            "submitted": "is already paid for (AssemblyAI's transcript is on its way)"}


@dataclass(frozen=True)
class Verdict:
    """What to do with the meeting: ``run`` it through the engine again, or not."""

    run: bool
    left_alone: tuple[str, ...] = ()  # recording file ids left as they are


def zoom_transcript_arrived(
    ledger: Ledger, recordings: MeetingRecordings, sink: EventSink,
    count: Callable[[str], None] = lambda outcome: None,
) -> Verdict:
    """Decide about a meeting whose Zoom transcript just arrived (see the module docstring).
    ``count`` is told ``zoom_text_may_serve`` or ``left_alone``."""
    rows: list[Row] = []
    for file in (*recordings.files, *recordings.participant_files):
        row = ledger.get(file.id)
        if row is not None:
            rows.append(row)
    open_rows = [r for r in rows if r.state not in _SETTLED]
    if open_rows or not rows:  # never recorded, or pending / failed / skipped (no audio)
        count("zoom_text_may_serve")
        return Verdict(run=True)
    label = recordings.meeting.topic or recordings.meeting.uuid
    for row in rows:
        if row.state == "completed" and row.transcript_source is not None and \
                LEFT_ALONE_NOTE not in (row.decision_reason or ""):
            reason = f"{row.decision_reason}; {LEFT_ALONE_NOTE}" if row.decision_reason \
                else LEFT_ALONE_NOTE
            ledger.record_decision(row.recording_file_id, row.transcript_source, reason)
        sink(Notice(f"Zoom's transcript of '{label}' arrived, but recording file "
                    f"{row.recording_file_id} {_SETTLED[row.state]}: left alone."))
    count("left_alone")
    return Verdict(run=False, left_alone=tuple(r.recording_file_id for r in rows))
