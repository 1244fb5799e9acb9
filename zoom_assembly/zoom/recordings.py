"""Typed, forgiving models of Zoom's recording payloads, and choosing the file to transcribe.

Every field of a recording file may be missing and ``file_type``/``recording_type`` may hold
values we have never seen: the parser never crashes on either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import NoAudio, StillProcessing
from ..models import MeetingInfo
from ..redact import Secret

AUDIO_TYPES = frozenset({"M4A"})
VIDEO_TYPES = frozenset({"MP4"})


@dataclass(frozen=True)
class RecordingFile:
    id: str
    meeting_uuid: str
    file_type: str  # upper case, "" when missing
    recording_type: str
    status: str  # "completed" | "processing" | other
    file_size: int | None
    download_url: str
    file_extension: str = ""
    recording_start: datetime | None = None
    recording_end: datetime | None = None
    file_name: str = ""  # participant audio: Zoom names the participant here

    @property
    def completed(self) -> bool:
        # Files without a status (old payloads, CC/TIMELINE per the spec) are treated as done.
        return self.status in ("completed", "")

    @property
    def is_audio(self) -> bool:
        return self.file_type in AUDIO_TYPES or self.recording_type == "audio_only"

    @property
    def is_video(self) -> bool:
        return self.file_type in VIDEO_TYPES

    @property
    def duration_seconds(self) -> float | None:
        if self.recording_start and self.recording_end:
            return max(0.0, (self.recording_end - self.recording_start).total_seconds())
        return None


@dataclass(frozen=True)
class MeetingRecordings:
    """One meeting instance with its recording files (and a download token when asked for)."""

    meeting: MeetingInfo
    files: tuple[RecordingFile, ...]
    participant_files: tuple[RecordingFile, ...] = ()
    download_access_token: Secret | None = None


def parse_time(value: Any) -> datetime | None:
    """Zoom's ``2024-08-16T23:27:36Z`` as an aware UTC datetime; None when absent or odd."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def parse_file(raw: Mapping[str, Any], meeting_uuid: str, index: int) -> RecordingFile:
    """One entry of ``recording_files`` / ``participant_audio_files``."""
    file_type = _str(raw.get("file_type")).upper()
    recording_type = _str(raw.get("recording_type"))
    # Files without an id (CC/TIMELINE in the spec) still need a stable key.
    file_id = _str(raw.get("id")) or f"{meeting_uuid}#{file_type or 'file'}-{index}"
    return RecordingFile(
        id=file_id,
        meeting_uuid=_str(raw.get("meeting_id")) or meeting_uuid,
        file_type=file_type,
        recording_type=recording_type,
        status=_str(raw.get("status")).lower(),
        file_size=_int(raw.get("file_size")),
        download_url=_str(raw.get("download_url")),
        file_extension=_str(raw.get("file_extension")).upper(),
        recording_start=parse_time(raw.get("recording_start")),
        recording_end=parse_time(raw.get("recording_end")),
        file_name=_str(raw.get("file_name")),
    )


def parse_meeting(raw: Mapping[str, Any]) -> MeetingRecordings:
    """A meeting object from any of Zoom's recording endpoints or webhooks."""
    uuid = _str(raw.get("uuid"))
    meeting = MeetingInfo(
        uuid=uuid,
        id=_int(raw.get("id")),
        topic=_str(raw.get("topic")),
        start_time=parse_time(raw.get("start_time")),
        timezone=_str(raw.get("timezone")) or None,
        duration_minutes=_int(raw.get("duration")),
        host_id=_str(raw.get("host_id")) or None,
        host_email=_str(raw.get("host_email")) or None,
    )
    files = raw.get("recording_files") or []
    participants = raw.get("participant_audio_files") or []
    token = raw.get("download_access_token")
    return MeetingRecordings(
        meeting=meeting,
        files=tuple(
            parse_file(f, uuid, i) for i, f in enumerate(files) if isinstance(f, Mapping)
        ),
        participant_files=tuple(
            parse_file(f, uuid, i) for i, f in enumerate(participants) if isinstance(f, Mapping)
        ),
        download_access_token=Secret(token) if isinstance(token, str) and token else None,
    )


def describe_files(files: tuple[RecordingFile, ...]) -> str:
    kinds = sorted({f.file_type or f.recording_type or "unknown" for f in files})
    return ", ".join(kinds) if kinds else "no files"


def choose_audio_file(recordings: MeetingRecordings) -> RecordingFile:
    """The file to transcribe: the completed audio-only M4A, else the smallest completed MP4.

    Raises :class:`StillProcessing` when the only candidates are still being processed by Zoom,
    and :class:`NoAudio` when the meeting has no audio or video file at all.
    """
    label = recordings.meeting.topic or recordings.meeting.uuid
    part = recordings.meeting.segment
    if part is not None and part.several:  # one segment of a paused and resumed recording
        label += f" part {part.index} of {part.count}"
    candidates = [f for f in recordings.files if (f.is_audio or f.is_video) and f.download_url]
    audio = [f for f in candidates if f.is_audio and f.completed]
    if audio:
        return min(audio, key=lambda f: f.file_size if f.file_size is not None else 2**62)
    video = [f for f in candidates if f.is_video and f.completed]
    if video:
        return min(video, key=lambda f: f.file_size if f.file_size is not None else 2**62)
    if any(f.status == "processing" for f in candidates):
        raise StillProcessing(
            f"Zoom is still processing the recording of '{label}'; run again later or pass "
            "--wait SECONDS to wait for it."
        )
    if any(f.file_type in ("TRANSCRIPT", "CC") for f in recordings.files):
        raise NoAudio(
            f"'{label}' has only Zoom's own transcript ({describe_files(recordings.files)}) and "
            "no audio or video to transcribe; enable cloud recording of audio for this meeting.",
            code="no_audio",
        )
    raise NoAudio(
        f"'{label}' has no audio or video file to transcribe "
        f"({describe_files(recordings.files)}).",
        code="no_audio",
    )
