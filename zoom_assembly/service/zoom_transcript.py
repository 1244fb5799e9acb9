"""``recording.transcript_completed``: Zoom's own transcript of a meeting has arrived.

Under the pay policy Zoom's text may stand in for a paid transcript, so the news matters only
to a recording nobody has paid for or transcribed yet: that one runs through the engine again
and the policy, now seeing Zoom's transcript, decides afresh. A recording already written,
or already paid for at AssemblyAI (its transcript on the way), is left alone; the log says
why, and for a written one the ledger's decision reason says so too.

The event may list only the transcript file (Zoom's samples disagree): the ledger rows are
found by meeting, and the meeting runs with the files its ``recording.completed`` announced
(``earlier``) plus the new text files. When neither an audio file nor an earlier announcement
is at hand, the meeting's own event or the next sweep (which lists every file) takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..events import EventSink, Notice
from ..ledger import Ledger
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
    recordings: MeetingRecordings | None = None  # what to run (the files merged)


def zoom_transcript_arrived(
    ledger: Ledger, recordings: MeetingRecordings, sink: EventSink,
    count: Callable[[str], None] = lambda outcome: None,
    earlier: MeetingRecordings | None = None,
) -> Verdict:
    """Decide about a meeting whose Zoom transcript just arrived (see the module docstring).
    ``count`` is told ``zoom_text_may_serve``, ``left_alone`` or ``waiting_for_audio``."""
    uuid = recordings.meeting.uuid
    ids = {f.id for f in (*recordings.files, *recordings.participant_files)}
    rows = [r for r in ledger.rows() if r.meeting_uuid == uuid or r.recording_file_id in ids]
    label = recordings.meeting.topic or uuid
    if rows and all(r.state in _SETTLED for r in rows):
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
    merged = _with_audio(recordings, earlier)
    if merged is None:
        sink(Notice(f"Zoom's transcript of '{label}' arrived before its recording was "
                    "announced: the recording's own event or the next sweep takes both."))
        count("waiting_for_audio")
        return Verdict(run=False)
    count("zoom_text_may_serve")  # never recorded, or pending / failed / skipped (no audio)
    return Verdict(run=True, recordings=merged)


def _with_audio(recordings: MeetingRecordings,
                earlier: MeetingRecordings | None) -> MeetingRecordings | None:
    """The meeting with an audio or video file to run: the event's own, else the earlier
    announcement's files plus the event's new ones; None without either."""
    if any(f.is_audio or f.is_video for f in recordings.files):
        return recordings
    if earlier is None:
        return None
    known = {f.id for f in earlier.files}
    files = (*earlier.files, *(f for f in recordings.files if f.id not in known))
    token = recordings.download_access_token or earlier.download_access_token
    return replace(earlier, files=files, download_access_token=token)
