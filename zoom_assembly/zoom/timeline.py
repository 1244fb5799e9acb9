"""Zoom's speaker evidence for one recording: its TIMELINE files, fetched with the app's token.

What the evidence *means* (who each AssemblyAI label is) is :mod:`zoom_assembly.speakers`'
business; this module only finds and downloads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TranscribeZoomError
from .client import ZoomClient
from .recordings import MeetingRecordings, RecordingFile

# A TIMELINE of a long meeting is a few MB; anything far larger is not one.
MAX_TIMELINE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TimelineFile:
    """One TIMELINE's bytes and where its ``ts`` zero lies in the audio (ms)."""

    file: RecordingFile
    offset_ms: int
    body: bytes


def is_timeline(f: RecordingFile) -> bool:
    return f.file_type == "TIMELINE" or f.recording_type == "timeline"


def timeline_files(recordings: MeetingRecordings, audio_file_id: str) -> list[RecordingFile]:
    """The completed TIMELINE files that cover the audio file ``audio_file_id`` (a paused and
    resumed recording has one per segment: those outside the audio's span are left out)."""
    audio = next((f for f in recordings.files if f.id == audio_file_id), None)
    found = []
    for f in recordings.files:
        if not (is_timeline(f) and f.completed and f.download_url):
            continue
        if audio is not None and audio.recording_start and audio.recording_end \
                and f.recording_start and not (
                    f.recording_start < audio.recording_end
                    and (f.recording_end is None or f.recording_end > audio.recording_start)):
            continue
        found.append(f)
    return found


def offset_in_audio(timeline: RecordingFile, audio: RecordingFile | None) -> int:
    """ms from the audio's start to the timeline's ``ts`` zero (0 when either is unknown)."""
    if audio is None or audio.recording_start is None or timeline.recording_start is None:
        return 0
    return round((timeline.recording_start - audio.recording_start).total_seconds() * 1000)


def fetch_timelines(
    zoom: ZoomClient, recordings: MeetingRecordings, audio_file_id: str
) -> list[TimelineFile]:
    """Download the TIMELINE files of the recording ``audio_file_id`` (one request each).

    Raises the download's :class:`~zoom_assembly.errors.TranscribeZoomError` when one fails,
    or a ``timeline_too_large`` one past :data:`MAX_TIMELINE_BYTES`.
    """
    audio = next((f for f in recordings.files if f.id == audio_file_id), None)
    label = recordings.meeting.topic or recordings.meeting.uuid
    result = []
    for f in timeline_files(recordings, audio_file_id):
        chunks: list[bytes] = []
        size = 0
        stream = zoom.open_download(f, what=f"the speaker timeline of '{label}'")
        try:
            for chunk in stream:
                size += len(chunk)
                if size > MAX_TIMELINE_BYTES:
                    raise TranscribeZoomError(
                        f"The speaker timeline of '{label}' is larger than "
                        f"{MAX_TIMELINE_BYTES // (1024 * 1024)} MB, so it is not one; speakers "
                        "keep their letters (rename them with `transcribe-zoom rename`).",
                        code="timeline_too_large",
                    )
                chunks.append(chunk)
        finally:
            stream.close()
        result.append(TimelineFile(f, offset_in_audio(f, audio), b"".join(chunks)))
    return result
