"""The enricher that names speakers from Zoom's evidence (``--speaker-names auto``), and the
one that forgets names (``off``).

Evidence, best first: the TIMELINE (:mod:`zoom_assembly.zoom.timeline`), then Zoom's own
transcript or captions (:mod:`zoom_assembly.zoom.transcript_files`), each fetched through the
Zoom client; the mapping is :mod:`zoom_assembly.speakers`' and
:mod:`zoom_assembly.speaker_evidence`' (pure). Whatever goes wrong with the evidence, the
transcript is still written, with its speakers' letters: names are a bonus, never a reason to
fail.
"""

from __future__ import annotations

from dataclasses import replace

from ..assembly.identification import SOURCE_IDENTIFICATION
from ..assembly.options import TranscriptionOptions
from ..errors import TranscribeZoomError, UsageError
from ..events import EventSink, Notice, RecordingStage, discard
from ..models import Transcript
from ..speaker_evidence import combine, names_from_cues
from ..speakers import (
    NameMapping,
    merge_timelines,
    names_from_timeline,
    parse_timeline,
    speech_by_label,
)
from ..zoom import ZoomClient
from ..zoom.participants import past_participants
from ..zoom.timeline import fetch_timelines, offset_in_audio, timeline_files
from ..zoom.transcript_files import download_text, parse_vtt, zoom_text_files
from .recording import Enricher, Recording
from .sources import label_of

MODES = ("auto", "off")
# AssemblyAI's speaker identification is asked to choose among the participants only when
# there is a choice to make (2+) and the list is a meeting's, not a webinar audience's.
MIN_CANDIDATES = 2
MAX_CANDIDATES = 30
TEXT_NAMES = {"zoom_transcript": "Zoom's transcript", "zoom_captions": "Zoom's captions"}


def check_mode(mode: str) -> str:
    """``auto`` or ``off`` (any case); a UsageError for anything else."""
    value = mode.strip().lower()
    if value not in MODES:
        raise UsageError(f"--speaker-names must be auto or off, not '{mode}'.",
                         code="bad_speaker_names")
    return value


def zoom_enrichers(zoom: ZoomClient, speaker_names: str, sink: EventSink) -> list[Enricher]:
    """What runs on a Zoom recording's finished transcript: naming speakers (``auto``), or
    forgetting names stored by an earlier run (``off``)."""
    if check_mode(speaker_names) == "auto":
        return [SpeakerNames(zoom, sink)]
    return [forget_names]


class ForgetNames:
    """``--speaker-names off``: no names, whatever an earlier run (or ``rename``) stored; the
    speakers are "Speaker A", "Speaker B" again. It revisits completed recordings (see
    :data:`~.recording.Enricher`): a rerun with ``off`` rewrites their files without names."""

    revisits_completed = True

    def __call__(self, transcript: Transcript, recording: Recording) -> Transcript:
        return replace(transcript, speakers={}) if transcript.speakers else transcript


forget_names = ForgetNames()


class SpeakerNames:
    """Names a Zoom recording's speaker labels from the meeting's TIMELINE files and Zoom's own
    transcript or captions (one extra download each, no AssemblyAI call): the TIMELINE first,
    Zoom's text confirming it or naming a label the TIMELINE could not (see
    :func:`~zoom_assembly.speaker_evidence.combine`). Local files and recordings without
    either keep their letters; a transcript already carrying names (``rename``, an earlier run)
    is left as it is, except names AssemblyAI guessed, which Zoom's evidence (found by a later
    run) replaces.

    Without either, it asks AssemblyAI to identify the speakers instead
    (:meth:`request_options`): the names come back with the transcript (source
    ``assemblyai_identification``, see :mod:`zoom_assembly.assembly.identification`)."""

    def __init__(self, zoom: ZoomClient, sink: EventSink = discard) -> None:
        self.zoom = zoom
        self.sink = sink

    def __call__(self, transcript: Transcript, recording: Recording) -> Transcript:
        if recording.zoom is None:
            return transcript
        guessed = transcript.speakers
        if any(s.source != SOURCE_IDENTIFICATION for s in guessed.values()):
            return transcript  # by hand, or from Zoom's evidence: kept
        labels = speech_by_label(transcript)
        if not labels:
            return transcript
        mappings: list[NameMapping] = []
        used: list[str] = []
        timeline = self._from_timeline(transcript, recording)
        if timeline is not None:
            mappings.append(timeline)
            used.append("Zoom's timeline")
        cues = self._from_zoom_text(transcript, recording)
        if cues is not None:
            mappings.append(cues)
            used.append(TEXT_NAMES[zoom_text_files(recording.zoom)[0].source])
        if not mappings:
            if not guessed:
                self._say(recording, "Zoom has no speaker timeline, transcript or captions "
                          "for this recording; speakers keep their letters")
            return transcript
        names = dict(combine(mappings).names)
        # Names AssemblyAI guessed (Zoom's evidence came later: a rerun) only fill labels
        # Zoom's evidence left unnamed, with names it did not give.
        given = {n.name.casefold() for n in names.values()}
        for label, guess in guessed.items():
            if label not in names and guess.name.casefold() not in given:
                names[label] = guess
        self._say(recording, f"named {len(names)} of {len(labels)} speakers from "
                  + " and ".join(used))
        return replace(transcript, speakers=names) if names != guessed else transcript

    def request_options(self, recording: Recording, options: TranscriptionOptions
                        ) -> TranscriptionOptions:
        """Ask AssemblyAI to identify the speakers among the meeting's participants, when Zoom
        has neither a TIMELINE nor a transcript or captions for the recording (decided before
        the submit, from the recording's file list; one Zoom call per page of participants)."""
        zoom = recording.zoom
        if zoom is None or not options.speaker_labels or options.speaker_candidates:
            return options
        if timeline_files(zoom, recording.file_id) or zoom_text_files(zoom):
            return options
        try:
            people = past_participants(self.zoom, zoom.meeting.uuid)
        except TranscribeZoomError as exc:
            self._warn(recording, exc)
            return options
        names = tuple(p.name for p in people)
        if not MIN_CANDIDATES <= len(names) <= MAX_CANDIDATES:
            self._say(recording, f"{len(names)} participants: not asking AssemblyAI to "
                      "identify speakers; they keep their letters")
            return options
        self._say(recording, f"no speaker evidence from Zoom: asking AssemblyAI to identify "
                  f"the speakers among {len(names)} participants")
        return replace(options, speaker_candidates=names)

    def _from_timeline(self, transcript: Transcript, recording: Recording) -> NameMapping | None:
        assert recording.zoom is not None
        if not timeline_files(recording.zoom, recording.file_id):
            return None
        try:
            fetched = fetch_timelines(self.zoom, recording.zoom, recording.file_id)
        except TranscribeZoomError as exc:
            self._warn(recording, exc)
            return None
        end_ms = round(transcript.audio_duration * 1000) if transcript.audio_duration else None
        timeline = merge_timelines(
            parse_timeline(t.body, offset_ms=t.offset_ms, end_ms=end_ms) for t in fetched)
        return names_from_timeline(transcript, timeline)

    def _from_zoom_text(self, transcript: Transcript, recording: Recording
                        ) -> NameMapping | None:
        assert recording.zoom is not None
        texts = zoom_text_files(recording.zoom)
        if not texts:
            return None
        best = texts[0]
        audio = next((f for f in recording.zoom.files if f.id == recording.file_id), None)
        try:
            body = download_text(self.zoom, best, label=recording.label)
        except TranscribeZoomError as exc:
            self._warn(recording, exc)
            return None
        cues = parse_vtt(body, transcript_id=f"zoom:{best.file.id}", source=best.source)
        return names_from_cues(transcript, cues, offset_ms=offset_in_audio(best.file, audio))

    def _warn(self, recording: Recording, exc: TranscribeZoomError) -> None:
        self.sink(Notice(f"{recording.label}: speakers keep their letters: {exc.message}",
                         warning=True))

    def _say(self, recording: Recording, detail: str) -> None:
        self.sink(RecordingStage(recording.file_id, label_of(recording.meeting), "speakers",
                                 detail))


# The name it had when the TIMELINE was its only evidence.
TimelineSpeakerNames = SpeakerNames
