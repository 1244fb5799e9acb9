"""Progress events: the library reports what it does through these; the CLI renders them.

A sink is any callable taking an :class:`Event`. Library code never prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """Base class of every progress event."""


@dataclass(frozen=True)
class Notice(Event):
    """Something the user should know that is not an error (a warning when ``warning``)."""

    message: str
    warning: bool = False


@dataclass(frozen=True)
class RetryScheduled(Event):
    service: str  # "zoom" | "assemblyai"
    reason: str
    delay: float
    attempt: int


@dataclass(frozen=True)
class RecordingStage(Event):
    """A recording moved to a new stage (found, submitted, queued, processing, completed...)."""

    recording_file_id: str
    label: str  # topic + start, for display
    stage: str
    detail: str = ""


@dataclass(frozen=True)
class RecordingDone(Event):
    """A recording reached its final state for this run (completed, failed, skipped...)."""

    recording_file_id: str
    label: str
    status: str
    detail: str = ""
    audio_duration: float | None = None
    cached: bool = False


EventSink = Callable[[Event], None]


def discard(_event: Event) -> None:
    """The sink that drops everything (library default)."""
