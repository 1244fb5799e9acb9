"""Meetings whose cloud recording was paused and resumed: several segments.

Each segment has its own files (audio, TIMELINE, ...) with its own ``recording_start`` /
``recording_end``; a segment's TIMELINE ``ts`` is relative to *its* start, and its audio holds
only what was said while recording (what was said during a pause is in no file).
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import replace

from .scenario import Meeting, RecordingFile

_KINDS = {"M4A": ("audio_only", "M4A"), "MP4": ("shared_screen_with_speaker_view", "MP4"),
          "TIMELINE": ("timeline", "JSON")}


def segments(duration_ms: int, pauses: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The recorded spans of a meeting ``duration_ms`` long, paused during ``pauses``."""
    spans, start = [], 0
    for pause_start, pause_end in sorted(pauses):
        if pause_start > start:
            spans.append((start, pause_start))
        start = max(start, pause_end)
    if start < duration_ms:
        spans.append((start, duration_ms))
    return spans


def with_pauses(meeting: Meeting, pauses: Sequence[tuple[int, int]],
                kinds: str = "M4A TIMELINE") -> Meeting:
    """``meeting`` recorded in segments: for each span between ``pauses`` (ms from its start),
    one file of each of ``kinds``, ids derived from the meeting's seed (stable)."""
    files = []
    for n, span in enumerate(segments(meeting.duration_s * 1000, pauses)):
        for kind in kinds.split():
            recording_type, extension = _KINDS[kind]
            file_id = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL,
                                        f"pause:{meeting.seed}:{n}:{kind}"))
            files.append(RecordingFile(file_id, kind, recording_type, extension, span_ms=span))
    return replace(meeting, files=tuple(files))
