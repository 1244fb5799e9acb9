"""What is left when ``--timeout`` runs out, as results: jobs still running at AssemblyAI,
recordings another process was submitting, meetings Zoom was still processing. Nothing is
lost: each result says how to pick the work up again without paying twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import StillProcessing, WaitTimeout
from .follow import Job
from .recording import Recording
from .results import RecordingResult
from .sources import label_of
from .zoom_intake import Recheck


@dataclass(frozen=True)
class HeldElsewhere:
    """A recording another live process is submitting: looked at again later (it is then
    submitted and followed, or its owner died and its claim is taken over)."""

    recording: Recording


def timed_out(left: Iterable[object], resume_hint: str) -> list[RecordingResult]:
    """One result per unfinished piece of work the scheduler still held."""
    results: list[RecordingResult] = []
    reported: set[int] = set()
    for item in left:
        if isinstance(item, Job):
            if item.claimed or id(item) in reported:
                continue  # finished, or a second entry of the same job
            reported.add(id(item))
            exc = WaitTimeout(
                f"Still transcribing '{item.recording.label}' when --timeout ran out; the "
                f"job keeps running at AssemblyAI ({item.transcript_id}): "
                f"{resume_hint} to pick it up without paying twice."
            )
            results.append(RecordingResult.failure(
                item.recording.meeting, item.recording.file_id, exc, item.transcript_id,
                status="timeout",
            ))
        elif isinstance(item, HeldElsewhere):
            held = WaitTimeout(
                f"Another process was still submitting '{item.recording.label}' when "
                f"--timeout ran out; {resume_hint} to pick it up without paying twice."
            )
            results.append(RecordingResult.failure(
                item.recording.meeting, item.recording.file_id, held, status="timeout"))
        elif isinstance(item, Recheck):
            late = StillProcessing(
                f"Zoom was still processing '{label_of(item.meeting)}' when --timeout ran "
                f"out; {resume_hint} later."
            )
            results.append(RecordingResult.failure(item.meeting, "", late,
                                                   status="processing"))
    return results
