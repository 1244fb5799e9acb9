"""Plain value types shared by the Zoom side, the AssemblyAI side, outputs and the ledger.

They hold no secrets: a download URL with a token never lives here (see ``zoom.handoff``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class Segment:
    """Which part of a paused and resumed recording a transcript covers: part ``index`` of
    ``count``, recorded from ``start`` (its words are timed from there)."""

    index: int  # 1-based
    count: int
    start: datetime | None = None  # the segment's recording_start (UTC)

    @property
    def several(self) -> bool:
        return self.count > 1

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "count": self.count, "recording_start": iso_utc(self.start)}


@dataclass(frozen=True)
class MeetingInfo:
    """What we know about one meeting instance; the metadata of every output."""

    uuid: str
    id: int | None = None
    topic: str = ""
    start_time: datetime | None = None  # timezone-aware (UTC)
    timezone: str | None = None
    duration_minutes: int | None = None
    host_id: str | None = None
    host_email: str | None = None
    # The part of a paused and resumed recording this is about (None: not from a Zoom
    # recording's file list, e.g. a local file). Not part of ``to_json``: see outputs/results.
    segment: Segment | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "uuid": self.uuid,
            "topic": self.topic,
            "start_time": iso_utc(self.start_time),
        }


@dataclass(frozen=True)
class Word:
    text: str
    start: int  # milliseconds from the start of the audio file
    end: int
    confidence: float
    speaker: str | None = None


@dataclass(frozen=True)
class Utterance:
    speaker: str
    start: int
    end: int
    text: str
    confidence: float
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class SpeakerName:
    """The name given to one speaker label, where it came from and how sure we are."""

    name: str
    source: str  # timeline | manual | ...
    confidence: float | None = None  # 0..1; None when not measured
    email: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "source": self.source, "confidence": self.confidence,
                "email": self.email}


@dataclass(frozen=True)
class Transcript:
    """A finished (or failed) AssemblyAI transcript, reduced to what we write."""

    id: str
    status: str
    text: str = ""
    language_code: str | None = None
    language_confidence: float | None = None
    audio_duration: float | None = None  # seconds
    speech_model_used: str | None = None
    confidence: float | None = None
    words: tuple[Word, ...] = ()
    utterances: tuple[Utterance, ...] | None = None
    error: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    source: str = "assemblyai"  # assemblyai | zoom_transcript | zoom_captions
    timing: str = "word"  # word: one entry per word; cue: one per caption cue (Zoom's text)
    # Label -> name for labels we could name (the rest stay "Speaker A"); words keep labels.
    speakers: dict[str, SpeakerName] = field(default_factory=dict)

    def speaker_names(self) -> dict[str, str]:
        """Label -> display name, what the renderers take."""
        return {label: s.name for label, s in self.speakers.items() if s.name}


def iso_utc(value: datetime | None) -> str | None:
    """``2026-03-14T15:30:00Z`` for an aware datetime, None for None."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
