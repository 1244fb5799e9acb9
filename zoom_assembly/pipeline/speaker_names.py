"""The enricher that names speakers from Zoom's evidence (``--speaker-names auto``).

Evidence is fetched through the Zoom client (:mod:`zoom_assembly.zoom.timeline`), the mapping
is :mod:`zoom_assembly.speakers`' (pure). Whatever goes wrong with the evidence, the transcript
is still written, with its speakers' letters: names are a bonus, never a reason to fail.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import TranscribeZoomError, UsageError
from ..events import EventSink, Notice, RecordingStage, discard
from ..models import Transcript
from ..speakers import merge_timelines, names_from_timeline, parse_timeline, speech_by_label
from ..zoom import ZoomClient
from ..zoom.timeline import fetch_timelines, timeline_files
from .recording import Enricher, Recording
from .sources import label_of

MODES = ("auto", "off")


def check_mode(mode: str) -> str:
    """``auto`` or ``off`` (any case); a UsageError for anything else."""
    value = mode.strip().lower()
    if value not in MODES:
        raise UsageError(f"--speaker-names must be auto or off, not '{mode}'.",
                         code="bad_speaker_names")
    return value


def zoom_enrichers(zoom: ZoomClient, speaker_names: str, sink: EventSink) -> list[Enricher]:
    """What runs on a Zoom recording's finished transcript: naming speakers unless ``off``."""
    return [TimelineSpeakerNames(zoom, sink)] if check_mode(speaker_names) == "auto" else []


class TimelineSpeakerNames:
    """Names a Zoom recording's speaker labels from the meeting's TIMELINE files (one extra
    download per TIMELINE, no AssemblyAI call). Local files and recordings without a TIMELINE
    keep their letters; a transcript already carrying names (``rename``, an earlier run) is
    left as it is."""

    def __init__(self, zoom: ZoomClient, sink: EventSink = discard) -> None:
        self.zoom = zoom
        self.sink = sink

    def __call__(self, transcript: Transcript, recording: Recording) -> Transcript:
        if transcript.speakers or recording.zoom is None:
            return transcript
        labels = speech_by_label(transcript)
        if not labels:
            return transcript
        if not timeline_files(recording.zoom, recording.file_id):
            self._say(recording, "Zoom has no speaker timeline for this recording; speakers "
                      "keep their letters")
            return transcript
        try:
            fetched = fetch_timelines(self.zoom, recording.zoom, recording.file_id)
        except TranscribeZoomError as exc:
            self.sink(Notice(f"{recording.label}: speakers keep their letters: {exc.message}",
                             warning=True))
            return transcript
        end_ms = round(transcript.audio_duration * 1000) if transcript.audio_duration else None
        timeline = merge_timelines(
            parse_timeline(t.body, offset_ms=t.offset_ms, end_ms=end_ms) for t in fetched)
        result = names_from_timeline(transcript, timeline)
        self._say(recording, f"named {len(result.names)} of {len(labels)} speakers from "
                  "Zoom's timeline")
        if not result.names:
            return transcript
        return replace(transcript, speakers=result.names)

    def _say(self, recording: Recording, detail: str) -> None:
        self.sink(RecordingStage(recording.file_id, label_of(recording.meeting), "speakers",
                                 detail))
