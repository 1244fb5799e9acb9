"""The unit of work the engine handles, and the seams features plug into.

A trigger (one meeting, a backfill listing, local files, later webhook events) yields either a
Zoom meeting instance (:class:`~zoom_assembly.zoom.MeetingRecordings`: the engine picks its
audio file, waiting for Zoom when asked) or a ready :class:`Recording`. A recording then flows
one way: **decision → transcript → enrich → outputs**, the ledger recording each step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..models import MeetingInfo, Transcript
from ..outputs import write_outputs
from ..zoom import MeetingRecordings
from .sources import AudioSource, label_of

PAID_SOURCE = "assemblyai"


@dataclass(frozen=True)
class Recording:
    """One recording file to transcribe, with where its audio comes from."""

    meeting: MeetingInfo
    file_id: str  # the ledger key: Zoom's recording file id, or sha256:<hex> for local files
    audio: AudioSource
    origin: str = "zoom"  # the ledger's ``source`` column: zoom | file
    file_type: str | None = None
    file_size: int | None = None
    duration_seconds: float | None = None
    zoom: MeetingRecordings | None = None  # the Zoom instance it belongs to, when from Zoom

    @property
    def label(self) -> str:
        return label_of(self.meeting)


@dataclass(frozen=True)
class Decision:
    """Which transcript source a recording gets, and why (recorded in the ledger)."""

    source: str
    reason: str


# The pay policy: AssemblyAI for every recording is today's only source; Zoom's own
# transcripts (free) plug in here with a policy choosing between them.
Policy = Callable[[Recording], Decision]


def pay_for_all(recording: Recording) -> Decision:
    """Every recording is transcribed by AssemblyAI."""
    return Decision(PAID_SOURCE, "policy: pay for every recording")


# Runs on a finished transcript before rendering (e.g. naming speakers); returns the
# transcript to render. Evidence it needs comes through the vendor clients (e.g. the TIMELINE
# through ZoomClient); the judgement itself lives in network-free modules (speakers.py).
# An enricher may also shape the request of the recording it will enrich: a method
# ``request_options(recording, options) -> options`` is called before each submit (e.g. to ask
# AssemblyAI to identify speakers when Zoom has no evidence of its own).
# An enricher with a true ``revisits_completed`` attribute also runs on recordings an earlier
# run completed, even when no format is missing (``--speaker-names off`` forgetting stored
# names); the files are rewritten when it changes the speakers.
Enricher = Callable[[Transcript, Recording], Transcript]


# Writes a recording's finished (enriched) transcript in the formats asked under the output
# folder; returns the files written, by format. The default writes the recording's own folder;
# per-participant audio (pipeline/participant_audio.py) stages each participant and writes
# the meeting's folder once all are in.
OutputWriter = Callable[[Path, Recording, Transcript, Sequence[str]], dict[str, Path]]


def write_recording(
    out_dir: Path, recording: Recording, transcript: Transcript, formats: Sequence[str]
) -> dict[str, Path]:
    """The recording's own folder: ``out_dir/<date_topic_id_hash>/transcript.<fmt>``."""
    return write_outputs(out_dir, recording.meeting, recording.file_id, transcript, formats)
