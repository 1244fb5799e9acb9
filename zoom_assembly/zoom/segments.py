"""The segments of a recording that was paused and resumed, each a recording of its own.

A paused and resumed Zoom recording lists several audio/video files in one meeting instance,
each with its own ``recording_start``/``recording_end`` and its own TIMELINE (timed from *its*
start). Each segment's audio holds different speech, so each is transcribed on its own: this
module splits a meeting's files into one :class:`MeetingRecordings` per segment, whose meeting
carries the :class:`~zoom_assembly.models.Segment` (part *n* of *count*). Everything downstream
(choosing the file, the TIMELINE, Zoom's own text, the free source) then sees one segment only.

Segments are found from the audio and video files: files whose spans overlap are one segment
(Zoom's M4A and MP4 of a segment share its span; segments never overlap, a pause lies between
them). Every other file (TIMELINE, Zoom's transcript, captions, chat) joins the segment its
``recording_start`` falls in, else the one it overlaps most, else — without a start — the first.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..errors import TranscribeZoomError
from ..models import Segment
from .recordings import MeetingRecordings, RecordingFile, choose_audio_file

# Zoom's files of one segment may disagree on its start by a moment; a pause is longer.
TOLERANCE = timedelta(seconds=2)


@dataclass
class _Span:
    start: datetime
    end: datetime | None
    files: list[RecordingFile]

    def reaches(self, moment: datetime) -> bool:
        """``moment`` lies before this span's end (with the tolerance)."""
        return self.end is None or moment < self.end - TOLERANCE or moment <= self.start + TOLERANCE


def _media(f: RecordingFile) -> bool:
    return f.is_audio or f.is_video


def split_segments(recordings: MeetingRecordings) -> list[MeetingRecordings]:
    """One :class:`MeetingRecordings` per recorded segment, in time order, each holding only
    that segment's files and a meeting stamped with its :class:`Segment`. A recording that was
    never paused gives one segment holding every file (``Segment(1, 1)``)."""
    spans: list[_Span] = []
    for f in sorted((f for f in recordings.files if _media(f) and f.recording_start),
                    key=lambda f: f.recording_start or datetime.min):
        assert f.recording_start is not None
        if spans and spans[-1].reaches(f.recording_start):
            last = spans[-1]
            if last.end is not None and f.recording_end is not None:
                last.end = max(last.end, f.recording_end)
            last.files.append(f)
        else:
            spans.append(_Span(f.recording_start, f.recording_end, [f]))
    if len(spans) <= 1:
        return [_segment(recordings, recordings.files, 1, 1,
                         spans[0].start if spans else None)]
    placed = {id(f) for span in spans for f in span.files}
    for f in recordings.files:
        if id(f) not in placed:
            _home(spans, f).files.append(f)
    order = {id(f): n for n, f in enumerate(recordings.files)}
    return [
        _segment(recordings, sorted(span.files, key=lambda f: order[id(f)]), n, len(spans),
                 span.start)
        for n, span in enumerate(spans, start=1)
    ]


def _home(spans: list[_Span], f: RecordingFile) -> _Span:
    """The segment a non-audio file belongs to (see the module's docstring)."""
    start = f.recording_start
    if start is None:
        return spans[0]
    for span in spans:
        if span.start - TOLERANCE <= start and (span.end is None or start < span.end):
            return span
    end = f.recording_end or start

    def overlap(span: _Span) -> float:
        stop = min(end, span.end) if span.end is not None else end
        return (stop - max(start, span.start)).total_seconds()

    best = max(spans, key=overlap)
    return best if overlap(best) > 0 else min(
        spans, key=lambda s: abs((s.start - start).total_seconds()))


def _segment(recordings: MeetingRecordings, files: list[RecordingFile] | tuple[RecordingFile, ...],
             index: int, count: int, start: datetime | None) -> MeetingRecordings:
    meeting = replace(recordings.meeting, segment=Segment(index, count, start))
    participants = recordings.participant_files
    if count > 1:  # per-participant audio is per segment too, when Zoom says when it starts
        participants = tuple(p for p in participants if _belongs(p, files, start))
    return replace(recordings, meeting=meeting, files=tuple(files),
                   participant_files=participants)


def _belongs(f: RecordingFile, files: list[RecordingFile] | tuple[RecordingFile, ...],
             start: datetime | None) -> bool:
    if f.recording_start is None or start is None:
        return True
    ends = [g.recording_end for g in files if _media(g) and g.recording_end]
    end = max(ends) if ends else None
    return start - TOLERANCE <= f.recording_start and (end is None or f.recording_start < end)


def started(segment: MeetingRecordings, file_ids: Collection[str]) -> bool:
    """Whether a run already began on ``segment`` (one of its files is in ``file_ids``: the
    ledger's completed or submitted recording files)."""
    return any(f.id in file_ids for f in segment.files)


def planned_audio_seconds(recordings: MeetingRecordings,
                          done: Collection[str] = ()) -> float | None:
    """The audio a run would transcribe for ``recordings``: every segment's chosen file, summed
    (what a backfill plan counts and AssemblyAI bills), leaving out segments already
    :func:`started` (``done``: recording file ids). None when no segment has a file with a
    known duration; raises the first segment's error when none has a file to transcribe."""
    total: float | None = None
    first_error: TranscribeZoomError | None = None
    chosen = 0
    for segment in split_segments(recordings):
        if done and started(segment, done):
            chosen += 1
            continue
        try:
            file = choose_audio_file(segment)
        except TranscribeZoomError as exc:
            first_error = first_error or exc
            continue
        chosen += 1
        if file.duration_seconds is not None:
            total = (total or 0.0) + file.duration_seconds
    if not chosen and first_error is not None:
        raise first_error
    return total
