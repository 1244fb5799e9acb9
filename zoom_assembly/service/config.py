"""``serve``'s settings and the small types its HTTP side and engine side share."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from ..events import EventSink
from ..pipeline import Pipeline, Selection
from ..redact import Secret
from ..zoom import MeetingRecordings
from .intake import EventRow
from .zoom_transcript import TRANSCRIPT_COMPLETED

URL_VALIDATION = "endpoint.url_validation"
RECORDING_EVENTS = ("recording.completed", TRANSCRIPT_COMPLETED)
ZOOM_PATH = "/zoom/webhook"
ANNOUNCED_MEMORY = 5000  # meetings whose last recording.completed is kept (the newest)
ASSEMBLYAI_PATH = "/assemblyai/webhook"

# Builds the engine for one batch from the sleep its scheduler uses and the sink it reports to.
EngineFactory = Callable[[Callable[[float], None], EventSink], Pipeline]
Listing = Callable[[Selection], Iterable[MeetingRecordings]]


class EngineLink(Protocol):
    """The engine running elsewhere (its own process, :mod:`.engine_process`): the HTTP side
    hands it announced meetings and AssemblyAI's callbacks, and does nothing else."""

    def offer(self, event: str, recordings: MeetingRecordings, announced: float) -> None: ...
    def callback(self, transcript_id: str, received: float) -> None: ...
    def in_work(self) -> int: ...
    def problem(self) -> str | None: ...  # why it cannot work right now (for /healthz)
    def start(self) -> None: ...
    def stop(self, timeout: float | None = 30.0) -> None: ...


@dataclass(frozen=True)
class ServiceScope:
    """Whose recordings the service transcribes: the same filters as backfill."""

    users: tuple[str, ...] = ()
    all_users: bool = False
    account: bool = False
    topic: re.Pattern[str] | None = None
    min_duration_minutes: int = 0

    def __post_init__(self) -> None:
        self.selection(date(2000, 1, 1), date(2000, 1, 1))  # one clear error for a bad scope

    def selection(self, start: date, end: date) -> Selection:
        return Selection(start=start, end=end, users=self.users, all_users=self.all_users,
                         account=self.account, topic=self.topic,
                         min_duration_minutes=self.min_duration_minutes)

    def accepts(self, recordings: MeetingRecordings) -> bool:
        """An announced meeting is in scope: its host among ``users`` (when given), its
        topic and duration passing the filters."""
        if self.users:
            host = {(recordings.meeting.host_email or "").lower(),
                    (recordings.meeting.host_id or "").lower()} - {""}
            if not host & {u.lower() for u in self.users}:
                return False
        return self.selection(date(2000, 1, 1), date(2000, 1, 1)).accepts(recordings)


@dataclass(frozen=True)
class ServiceConfig:
    zoom_secret: Secret
    public_url: str | None = None  # where Zoom and AssemblyAI reach this service
    scope: ServiceScope = field(default_factory=lambda: ServiceScope(all_users=True))
    sweep_every: float = 600.0  # seconds between reconciliation sweeps (0: never)
    sweep_days: int = 2  # how many days back a sweep looks
    safety_poll: float = 300.0  # seconds between status checks when callbacks are expected
    # Batches running at once: a meeting announced while every slot is busy waits for one
    # job's time (measured: 4 slots put 2.25 s on a trickle of 10 events, 16 slots 0.15 s).
    max_batches: int = 16

    @property
    def callback_url(self) -> str | None:
        return f"{self.public_url.rstrip('/')}{ASSEMBLYAI_PATH}" if self.public_url else None


@dataclass(frozen=True)
class Reply:
    status: int
    body: Mapping[str, Any]


class _Hidden(str):
    """A request field value that never shows itself in a repr (the callback secret)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"


def event_key(event: str, recordings: MeetingRecordings) -> str:
    """The identity of one event, the same for every delivery of it."""
    files = sorted(f.id for f in (*recordings.files, *recordings.participant_files))
    text = "\n".join([event, recordings.meeting.uuid, *files])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Announced:
    """A genuine recording event, read and ready to be recorded."""

    event: str
    recordings: MeetingRecordings
    row: EventRow

