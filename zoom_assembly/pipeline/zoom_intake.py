"""From a Zoom meeting instance to the recording to transcribe.

Which file (the audio-only M4A, else the smallest MP4; the file an earlier run already paid
for, if any), waiting while Zoom is still processing it (``--wait``), and the audio source
that hands it to AssemblyAI. A recording paused and resumed gives one recording per segment
(:mod:`zoom_assembly.zoom.segments`), each chosen, waited for and paid for on its own.
Nothing here knows about jobs, the scheduler or outputs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..assembly import AssemblyClient
from ..errors import NoAudio, StillProcessing
from ..events import EventSink, Notice
from ..ledger import Ledger
from ..models import MeetingInfo
from ..outputs import recording_folder_name
from ..zoom import MeetingRecordings, RecordingFile, ZoomClient, choose_audio_file
from ..zoom.segments import split_segments
from ..zoom.transcript_files import zoom_text_files
from .options import RunOptions
from .recording import Recording
from .results import RecordingResult
from .sources import NoAudioFile, ZoomSettings, label_of, zoom_source


@dataclass(frozen=True)
class Recheck:
    """A meeting instance whose audio Zoom was still processing: look again later."""

    meeting: MeetingInfo
    deadline: float
    # The segment still processing, by its start, when the recording has several: only that
    # one is looked at again (the others are already on their way).
    segment_start: datetime | None = None


Outcome = Recording | Recheck | RecordingResult


class ZoomIntake:
    """Turns meeting instances into recordings (or a recheck, or a final result)."""

    def __init__(
        self,
        zoom: ZoomClient,
        assembly: AssemblyClient,
        ledger: Ledger,
        options: RunOptions,
        *,
        clock: Callable[[], float],
        sink: EventSink,
    ) -> None:
        self.zoom = zoom
        self.assembly = assembly
        self.ledger = ledger
        self.options = options
        self.clock = clock
        self.sink = sink
        self.settings = ZoomSettings(
            via=options.via, handoff_ttl=options.handoff_ttl,
            keep_audio_to=self._keep_path if options.keep_audio else None,
        )
        self._started_files: dict[str, set[str]] | None = None  # meeting uuid -> file ids
        self._lock = threading.Lock()

    def take_all(self, item: MeetingRecordings, deadline: float | None = None,
                 only: datetime | None = None) -> list[Outcome]:
        """One outcome per recorded segment of ``item`` (one for a recording never paused),
        in time order; ``only``: just the segment starting then (a recheck)."""
        parts = split_segments(item)
        by_part = len(parts) > 1 or only is not None  # a recheck waits for its part only
        if only is not None:  # (never set for a recording that had one part)
            parts = [p for p in parts if p.meeting.segment and p.meeting.segment.start == only]
            if not parts:
                gone = StillProcessing(
                    f"Zoom no longer lists the part of '{label_of(item.meeting)}' it was "
                    "processing; run again later to transcribe whatever it lists then.")
                return [RecordingResult.failure(item.meeting, "", gone, status="processing")]
        outcomes = []
        for part in parts:
            outcome = self.take(part, deadline)
            if by_part and isinstance(outcome, Recheck) and part.meeting.segment:
                outcome = Recheck(outcome.meeting, outcome.deadline,
                                  part.meeting.segment.start)
            outcomes.append(outcome)
        return outcomes

    def take(self, item: MeetingRecordings, deadline: float | None = None) -> Outcome:
        """The recording to transcribe for ``item``; a :class:`Recheck` while Zoom is still
        processing it and ``--wait`` allows; else the final result (skipped, processing)."""
        meeting = item.meeting
        try:
            file = choose_audio_file(item)
        except StillProcessing as exc:
            if deadline is None and self.options.wait_processing > 0:
                deadline = self.clock() + self.options.wait_processing
            if deadline is not None and self.clock() < deadline:
                return Recheck(meeting, deadline)
            return RecordingResult.failure(meeting, "", exc, status="processing")
        except NoAudio as exc:
            text = zoom_text_files(item)
            if not text:
                return RecordingResult.failure(meeting, "", exc, status="skipped")
            # Zoom's own text is all there is: a free source may still serve the meeting.
            file = text[0].file
            return Recording(
                meeting=meeting, file_id=file.id, origin="zoom", audio=NoAudioFile(exc),
                file_type=file.file_type, file_size=file.file_size,
                duration_seconds=file.duration_seconds, zoom=item,
            )
        earlier = self._earlier_files(meeting.uuid)
        if earlier and file.id not in earlier:
            # An earlier run started on another file of this instance (e.g. the MP4 while the
            # M4A was processing): finish that one rather than paying for the meeting twice.
            # ``item`` holds one segment's files: another segment's file is never taken.
            file = next((f for f in item.files if f.id in earlier), file)
        if file.is_video:
            self.sink(Notice(f"{label_of(meeting)}: no audio-only file, using the "
                             f"{file.recording_type or 'video'} MP4 instead.", warning=True))
        return Recording(
            meeting=meeting, file_id=file.id, origin="zoom",
            audio=zoom_source(self.zoom, self.assembly, item, file, self.settings),
            file_type=file.file_type, file_size=file.file_size,
            duration_seconds=file.duration_seconds, zoom=item,
        )

    def recheck(self, recheck: Recheck) -> list[Outcome]:
        """Ask Zoom again about a meeting (or segment of one) it was still processing."""
        recordings = self.zoom.meeting_recordings(
            recheck.meeting.uuid, download_token_ttl=self.options.handoff_ttl
        )
        return self.take_all(recordings, recheck.deadline, only=recheck.segment_start)

    def delay(self, recheck: Recheck) -> float:
        """How long until the next look: the recheck interval, never past the deadline."""
        remaining = recheck.deadline - self.clock()
        return max(0.0, min(self.options.processing_recheck, remaining))

    def _keep_path(self, meeting: MeetingInfo, file: RecordingFile) -> Path:
        folder = self.options.out_dir / recording_folder_name(meeting, file.id)
        folder.mkdir(parents=True, exist_ok=True)
        extension = (file.file_extension or file.file_type or "bin").lower()
        return folder / f"audio.{extension}"

    def _earlier_files(self, meeting_uuid: str) -> set[str]:
        with self._lock:
            if self._started_files is None:
                self._started_files = {}
                for row in self.ledger.rows(["submitting", "submitted", "completed"]):
                    if row.meeting_uuid:
                        self._started_files.setdefault(row.meeting_uuid, set()).add(
                            row.recording_file_id)
            return self._started_files.get(meeting_uuid, set())
