"""``--participant-audio``: exact names from Zoom's per-participant audio files (opt-in).

Plugged into the engine's seams, not into the engine:

- *trigger* (:meth:`ParticipantAudio.expand`): a meeting instance with participant audio
  becomes one :class:`~.recording.Recording` per participant file, each its own ledger row (paid
  once, resumed after a crash like any recording); a meeting without any is passed on
  unchanged (the default mode: the mixed audio, names from the timeline) with a notice.
- *decision* (:meth:`ParticipantAudio.policy`): a participant file is always transcribed by
  AssemblyAI (Zoom's own text cannot be split by participant).
- *enricher* (:meth:`ParticipantAudio.label`): every word of a participant's transcript gets
  that participant's label (A, B, ...) and the label its name (source ``participant_audio``).
- *writer* (:meth:`ParticipantAudio.write`): each participant's transcript is staged under the
  meeting's folder (``participants/<file id>/transcript.json``); once all of a meeting's
  participants are in, they are merged (:mod:`zoom_assembly.participant_merge`) into the
  meeting's four files.
- :meth:`ParticipantAudio.settle`, after the run: a meeting whose participants all ended but
  some failed is merged from those that finished, with a warning naming who is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..assembly import AssemblyClient
from ..errors import NotFound, TranscribeZoomError, UsageError
from ..events import EventSink, Notice, RecordingStage, discard
from ..ledger import Ledger
from ..models import MeetingInfo, SpeakerName, Transcript
from ..outputs import read_transcript_json, recording_folder_name, rewrite_outputs, write_outputs
from ..participant_merge import SOURCE, Part, merge_parts
from ..zoom import MeetingRecordings, ZoomClient
from ..zoom.participant_files import (
    ParticipantTrack,
    participant_emails,
    participant_tracks,
    participants_processing,
    with_emails,
)
from .engine import Pipeline
from .options import RunOptions
from .pay_policy import PayRules
from .recording import PAID_SOURCE, Decision, Policy, Recording, write_recording
from .results import RecordingResult
from .sources import ZoomSettings, label_of, zoom_source

MEETING_FILE_ID = "participant_audio"  # the merged transcript's recording_file_id
MERGED_PREFIX = "participant-audio:"  # the merged transcript's id: this + participants' ids
STAGED = "participants"  # sub-folder of the meeting's folder holding each participant's json


@dataclass(frozen=True)
class _Meeting:
    recordings: MeetingRecordings
    tracks: tuple[ParticipantTrack, ...]


class ParticipantAudio:
    """The per-participant audio mode of one run (see the module docstring)."""

    def __init__(
        self,
        zoom: ZoomClient,
        assembly: AssemblyClient,
        options: RunOptions,
        *,
        refetch: bool = False,
        sink: EventSink = discard,
    ) -> None:
        """``refetch``: the items come from a listing (backfill), which never carries
        participant files: ask Zoom for each meeting's recordings (one call per meeting)."""
        self.zoom = zoom
        self.assembly = assembly
        self.options = options
        self.refetch = refetch
        self.sink = sink
        self.settings = ZoomSettings(via=options.via, handoff_ttl=options.handoff_ttl)
        self._meetings: dict[str, _Meeting] = {}  # by meeting uuid
        self._tracks: dict[str, ParticipantTrack] = {}  # by participant file id
        self._merged: dict[str, dict[str, Path]] = {}  # meeting uuid -> files written
        self._lock = threading.Lock()

    def attach(self, pipeline: Pipeline) -> None:
        """Plug the mode's decision, enricher and writer into ``pipeline``'s seams."""
        pipeline.policy = self.policy(pipeline.policy)
        pipeline.enrichers = (self.label, *pipeline.enrichers)
        pipeline.writer = self.write

    # -- trigger --------------------------------------------------------------------------------
    def expand(
        self, items: Iterable[MeetingRecordings]
    ) -> Iterator[MeetingRecordings | Recording]:
        """One recording per participant file of each meeting that has them; the meeting
        itself (default mode) for the others."""
        for item in items:
            recordings = self._with_participants(item)
            tracks = participant_tracks(recordings)
            if not tracks or participants_processing(recordings):
                why = ("Zoom is still processing its participant audio"
                       if tracks else "it has no per-participant audio")
                self.sink(Notice(f"{label_of(item.meeting)}: {why}; transcribing the meeting's "
                                 "audio instead, as without --participant-audio.", warning=True))
                yield item
                continue
            tracks = with_emails(tracks, self._emails(recordings.meeting))
            with self._lock:
                self._meetings[recordings.meeting.uuid] = _Meeting(recordings, tuple(tracks))
                self._tracks.update((t.file.id, t) for t in tracks)
            self.sink(RecordingStage("", label_of(recordings.meeting), "participants",
                                     f"{len(tracks)} participant audio files"))
            for track in tracks:
                yield Recording(
                    meeting=recordings.meeting, file_id=track.file.id, origin="zoom",
                    audio=zoom_source(self.zoom, self.assembly, recordings, track.file,
                                      self.settings),
                    file_type=track.file.file_type or "M4A", file_size=track.file.file_size,
                    duration_seconds=track.file.duration_seconds, zoom=recordings,
                )

    def _emails(self, meeting: MeetingInfo) -> dict[str, str]:
        """The participants' emails (one Zoom call); none when Zoom will not say: the names
        are exact anyway."""
        try:
            return participant_emails(self.zoom, meeting.uuid)
        except TranscribeZoomError as exc:  # missing scope, no such past meeting, Zoom down
            self.sink(Notice(f"{label_of(meeting)}: participants' emails left out "
                             f"({exc.message})", warning=False))
            return {}

    def _with_participants(self, item: MeetingRecordings) -> MeetingRecordings:
        if item.participant_files or not self.refetch:
            return item
        try:
            return self.zoom.meeting_recordings(item.meeting.uuid,
                                                download_token_ttl=self.options.handoff_ttl)
        except NotFound:
            return item

    # -- decision -------------------------------------------------------------------------------
    def policy(self, inner: Policy) -> Policy:
        """Participant files are paid for (what the mode is for); the rest as ``inner`` says."""

        def decide(recording: Recording) -> Decision:
            track = self._tracks.get(recording.file_id)
            if track is None:
                return inner(recording)
            return Decision(PAID_SOURCE, f"participant audio of {track.name} "
                                         "(--participant-audio)")

        return decide

    # -- enricher -------------------------------------------------------------------------------
    def label(self, transcript: Transcript, recording: Recording) -> Transcript:
        """A participant's words all carry the participant's label, named exactly."""
        track = self._tracks.get(recording.file_id)
        if track is None or transcript.id.startswith(MERGED_PREFIX):
            return transcript
        words = tuple(replace(w, speaker=track.label) for w in transcript.words)
        speakers = ({track.label: SpeakerName(track.name, SOURCE, 1.0, track.email)}
                    if words else {})
        # Its turns exist only in the meeting's transcript, where the other voices are.
        return replace(transcript, words=words, utterances=None, speakers=speakers)

    # -- writer ---------------------------------------------------------------------------------
    def write(self, out_dir: Path, recording: Recording, transcript: Transcript,
              formats: Sequence[str]) -> dict[str, Path]:
        """Stage a participant's transcript; the meeting's files once every participant is
        in (then those files are returned, else the staged json)."""
        track = self._tracks.get(recording.file_id)
        if track is None:
            return write_recording(out_dir, recording, transcript, formats)
        meeting = recording.meeting
        if transcript.id.startswith(MERGED_PREFIX):
            # The meeting's own transcript.json read back by a rerun: render it again.
            return self._write_meeting(out_dir, meeting, transcript, formats)
        folder = meeting_folder(out_dir, meeting)
        staged = rewrite_outputs(folder / STAGED / _safe(track.file.id), meeting,
                                 track.file.id, transcript, ["json"])
        with self._lock:
            entry = self._meetings[meeting.uuid]
            parts = self._staged_parts(out_dir, entry)
            if len(parts) < len(entry.tracks):
                return staged
            merged = merge_parts(parts, transcript_id=_merged_id(parts))
            return self._write_meeting(out_dir, meeting, merged, formats)

    def _write_meeting(self, out_dir: Path, meeting: MeetingInfo, transcript: Transcript,
                       formats: Sequence[str]) -> dict[str, Path]:
        files = write_outputs(out_dir, meeting, MEETING_FILE_ID, transcript, formats)
        self._merged[meeting.uuid] = files
        named = ", ".join(s.name for _, s in sorted(transcript.speakers.items()))
        self.sink(RecordingStage("", label_of(meeting), "speakers",
                                 f"merged participant audio: {named or 'nobody spoke'}"))
        return files

    def _staged_parts(self, out_dir: Path, entry: _Meeting) -> list[Part]:
        folder = meeting_folder(out_dir, entry.recordings.meeting) / STAGED
        parts = []
        for track in entry.tracks:
            transcript = read_transcript_json(folder / _safe(track.file.id) / "transcript.json")
            if transcript is not None:
                parts.append(Part(track.label, track.name, transcript, track.offset_ms,
                                  track.email))
        return parts

    # -- after the run --------------------------------------------------------------------------
    def settle(self, ledger: Ledger) -> None:
        """Point every participant row of a merged meeting at the meeting's files (a rerun
        then has nothing to do), and merge a meeting whose participants all ended but not all
        finished, from those that did, saying who is missing."""
        out_dir = self.options.out_dir
        for uuid, entry in self._meetings.items():
            rows = {t.file.id: ledger.get(t.file.id) for t in entry.tracks}
            if uuid not in self._merged:
                if any(r is None or r.state not in ("completed", "failed", "skipped")
                       for r in rows.values()):
                    continue  # still running at AssemblyAI: a later run merges it
                parts = self._staged_parts(out_dir, entry)
                if not parts:
                    continue
                have = {p.label for p in parts}
                missing = [t.name for t in entry.tracks if t.label not in have]
                self.sink(Notice(f"{label_of(entry.recordings.meeting)}: no transcript of "
                                 f"{', '.join(missing)}'s audio; the meeting's transcript "
                                 "leaves their words out.", warning=True))
                merged = merge_parts(parts, transcript_id=_merged_id(parts))
                self._write_meeting(out_dir, entry.recordings.meeting, merged,
                                    self.options.formats)
            files = self._merged[uuid]
            for file_id, row in rows.items():
                if row is not None and row.state == "completed":
                    ledger.mark_completed(file_id, files, language_code=row.language_code,
                                          audio_duration=row.audio_duration)


    def reported(self, result: RecordingResult) -> RecordingResult:
        """A participant's result names the meeting's files once they are written (each
        participant's own transcript stays in the meeting folder's ``participants/``)."""
        track = self._tracks.get(result.recording_file_id)
        files = self._merged.get(result.meeting.uuid) if track is not None else None
        if files is None or not result.ok:
            return result
        return replace(result, files=dict(files))


def meeting_folder(out_dir: Path, meeting: MeetingInfo) -> Path:
    """The folder of a meeting transcribed from its participants' audio."""
    return Path(out_dir).absolute() / recording_folder_name(meeting, MEETING_FILE_ID)


def _merged_id(parts: Sequence[Part]) -> str:
    return MERGED_PREFIX + ",".join(p.transcript.id for p in parts)


def _safe(file_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in file_id)[:120]


def run_zoom(
    pipeline: Pipeline, items: Iterable[MeetingRecordings], ledger: Ledger,
    mode: ParticipantAudio | None,
) -> list[RecordingResult]:
    """Run Zoom meeting instances through ``pipeline``, in participant-audio ``mode`` when
    one is given (``--participant-audio``)."""
    if mode is None:
        return pipeline.run(items)
    mode.attach(pipeline)
    results = pipeline.run(mode.expand(items))
    mode.settle(ledger)
    return [mode.reported(r) for r in results]


def check_participant_rules(participant_audio: bool, rules: PayRules | None,
                            speaker_names: str = "auto") -> None:
    """``--participant-audio`` pays AssemblyAI for each participant to name them: not with
    ``--source zoom`` (free text only) nor ``--speaker-names off`` (letters only)."""
    if participant_audio and speaker_names.strip().lower() == "off":
        raise UsageError("--participant-audio names every speaker and --speaker-names off "
                         "keeps letters; drop one of the two.", code="bad_participant_audio")
    if participant_audio and rules is not None and rules.source == "zoom":
        raise UsageError("--participant-audio transcribes each participant's audio with "
                         "AssemblyAI (paid) and --source zoom allows only Zoom's own text; "
                         "drop one of the two.", code="bad_participant_audio")
