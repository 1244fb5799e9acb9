"""What happened to each recording: the ``--json`` contract and the summary table's rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TranscribeZoomError
from ..ledger import Row
from ..models import MeetingInfo, Transcript
from ..outputs import FORMATS

# Statuses: completed | failed | skipped | processing | timeout
SUCCESS = frozenset({"completed"})


@dataclass(frozen=True)
class RecordingResult:
    meeting: MeetingInfo
    recording_file_id: str
    status: str
    transcript_id: str | None = None
    language_code: str | None = None
    audio_duration: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    files: dict[str, Path] = field(default_factory=dict)
    cached: bool = False  # finished by an earlier run: nothing was submitted this time
    transcript_source: str | None = None  # assemblyai | zoom_transcript | zoom_captions
    decision_reason: str | None = None  # why that source (the pay policy's words)

    @classmethod
    def completed(
        cls, meeting: MeetingInfo, file_id: str, transcript: Transcript, files: dict[str, Path],
        *, cached: bool = False,
    ) -> RecordingResult:
        return cls(
            meeting=meeting,
            recording_file_id=file_id,
            status="completed",
            transcript_id=transcript.id,
            language_code=transcript.language_code,
            audio_duration=transcript.audio_duration,
            files=files,
            cached=cached,
            transcript_source=transcript.source,
        )

    @classmethod
    def failure(
        cls,
        meeting: MeetingInfo,
        file_id: str,
        error: TranscribeZoomError,
        transcript_id: str | None = None,
        *,
        status: str = "failed",
    ) -> RecordingResult:
        return cls(
            meeting=meeting,
            recording_file_id=file_id,
            status=status,
            transcript_id=transcript_id,
            error_code=error.code,
            error_message=error.message,
        )

    @classmethod
    def from_row(cls, meeting: MeetingInfo, row: Row, *, cached: bool) -> RecordingResult:
        return cls(
            meeting=meeting,
            recording_file_id=row.recording_file_id,
            status=row.state,
            transcript_id=row.transcript_id,
            language_code=row.language_code,
            audio_duration=row.audio_duration,
            error_code=row.error_code,
            error_message=row.error_message,
            files={fmt: Path(p) for fmt, p in row.outputs.items()},
            cached=cached,
            transcript_source=row.transcript_source,
            decision_reason=row.decision_reason,
        )

    @property
    def ok(self) -> bool:
        return self.status in SUCCESS

    def detail(self) -> str:
        if self.error_message:
            return self.error_message
        if self.cached:
            return "already transcribed"
        return ""

    def to_json(self) -> dict[str, Any]:
        """One line of ``--json`` output (the contract)."""
        return {
            "meeting": self.meeting.to_json(),
            "recording_file_id": self.recording_file_id or None,
            "status": self.status,
            "transcript_id": self.transcript_id,
            "language_code": self.language_code,
            "audio_duration": self.audio_duration,
            "error": (
                {"code": self.error_code, "message": self.error_message}
                if self.error_code or self.error_message
                else None
            ),
            "files": {fmt: str(self.files[fmt]) if fmt in self.files else None for fmt in FORMATS},
            "cached": self.cached,
            # Added fields: which source transcribed it and why the pay policy chose it.
            "transcript_source": self.transcript_source,
            "decision_reason": self.decision_reason,
            # Added fields: which part of the meeting's recording this is (a recording paused
            # and resumed has several, each its own line); null for local files.
            "segment": self.meeting.segment.index if self.meeting.segment else None,
            "segments": self.meeting.segment.count if self.meeting.segment else None,
        }
