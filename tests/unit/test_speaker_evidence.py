"""Speaker names from Zoom's own transcript or captions (``Name: text`` cues), and several
sources of evidence combined: confirm, tiebreak, and no name where they disagree."""

from __future__ import annotations

from typing import cast

from zoom_assembly.events import Event, RecordingStage
from zoom_assembly.models import SpeakerName, Transcript, Word
from zoom_assembly.pipeline.speaker_names import SpeakerNames, forget_names, zoom_enrichers
from zoom_assembly.speaker_evidence import combine, cue_timeline, names_from_cues
from zoom_assembly.speakers import NameMapping
from zoom_assembly.zoom import ZoomClient
from zoom_assembly.zoom.transcript_files import parse_vtt

from .factories import recording_file
from .test_speaker_names_enricher import (
    AUDIO,
    NAMES,
    TURNS,
    FakeZoom,
    clock,
    recording,
    timeline_body,
    transcript,
)


def vtt(cues: list[tuple[str, int, int]], lag: int = 0) -> str:
    lines = ["WEBVTT", ""]
    for n, (name, start, end) in enumerate(cues, 1):
        lines += [str(n), f"{clock(start + lag)} --> {clock(end + lag)}", f"{name}: words", ""]
    return "\n".join(lines)


def cues_of(turns: list[tuple[str, int, int]], lag: int = 0,
            source: str = "zoom_transcript") -> Transcript:
    return parse_vtt(vtt(turns, lag), transcript_id="zoom:x", source=source)


def named(mapping: NameMapping) -> dict[str, str]:
    return {label: given.name for label, given in mapping.names.items()}


def test_caption_cues_name_the_labels_even_when_they_lag_the_voice() -> None:
    cues = cues_of([(NAMES[label], s, e) for label, s, e in TURNS], lag=1800,
                   source="zoom_captions")
    result = names_from_cues(transcript(), cues)
    assert named(result) == NAMES
    assert {g.source for g in result.names.values()} == {"zoom_captions"}


def test_cues_of_a_label_zoom_named_wrongly_half_the_time_give_it_no_name() -> None:
    # Zoom put B's words under Ana half the time: B's evidence is split, B gets no name (and
    # Ana, wanted by two labels, goes to A alone).
    turns = [(NAMES[label], s, e) for label, s, e in TURNS]
    turns[3] = ("ana", turns[3][1], turns[3][2])
    result = names_from_cues(transcript(), cues_of(turns))
    assert result.names.get("A") is None or result.names["A"].name == "ana"
    assert "B" not in result.names


def test_cues_without_a_name_and_an_offset_place_the_evidence_in_the_audio() -> None:
    cues = parse_vtt("WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nno name here\n\n"
                     "2\n00:00:05.000 --> 00:00:09.000\nAna: hello there\n",
                     transcript_id="z", source="zoom_transcript")
    timeline = cue_timeline(cues, offset_ms=60_000)
    assert [p.name for p in timeline.people.values()] == ["Ana"]
    assert list(timeline.segments.values()) == [((65_000, 69_000),)]


def _mapping(source: str, **names: str) -> NameMapping:
    return NameMapping({label: SpeakerName(name, source, 0.8) for label, name in names.items()},
                       1000)


def test_a_second_source_agreeing_confirms_and_one_disagreeing_takes_the_name_away() -> None:
    timeline = _mapping("timeline", A="ana", B="ben")
    text = NameMapping({"A": SpeakerName("ana", "zoom_transcript", 0.95),
                        "B": SpeakerName("bea", "zoom_transcript", 0.9)}, 0)
    result = combine([timeline, text])
    assert named(result) == {"A": "ana"}
    assert result.names["A"].source == "timeline" and result.names["A"].confidence == 0.95
    assert "disagrees" in result.abstained["B"]


def test_a_second_source_names_a_label_the_first_abstained_on_but_never_a_taken_name() -> None:
    timeline = NameMapping({"A": SpeakerName("ana", "timeline", 0.9)}, 1000,
                           {"B": "weak", "C": "weak"})
    text = _mapping("zoom_transcript", B="ben", C="ana")
    result = combine([timeline, text])
    assert named(result) == {"A": "ana", "B": "ben"}
    assert result.names["B"].source == "zoom_transcript"
    assert "C" in result.abstained


def test_the_enricher_names_from_zoom_text_when_there_is_no_timeline() -> None:
    body = vtt([(NAMES[label], s, e) for label, s, e in TURNS]).encode()
    zoom = FakeZoom({"vtt": body})
    events: list[Event] = []
    text_file = recording_file("TRANSCRIPT", "audio_transcript", file_id="vtt")
    out = SpeakerNames(cast(ZoomClient, zoom), events.append)(
        transcript(), recording([AUDIO, text_file]))
    assert named(NameMapping(out.speakers, None)) == NAMES
    assert {g.source for g in out.speakers.values()} == {"zoom_transcript"}
    assert zoom.downloads == ["vtt"]
    assert any(isinstance(e, RecordingStage) and "Zoom's transcript" in e.detail
               for e in events)


def test_with_a_timeline_and_zoom_text_the_timeline_names_and_the_text_confirms() -> None:
    turns = [(NAMES[label], s, e) for label, s, e in TURNS]
    zoom = FakeZoom({"tl": timeline_body(turns), "vtt": vtt(turns).encode()})
    out = SpeakerNames(cast(ZoomClient, zoom))(transcript(), recording([
        AUDIO, recording_file("TIMELINE", "timeline", file_id="tl"),
        recording_file("CC", "closed_caption", file_id="vtt")]))
    assert named(NameMapping(out.speakers, None)) == NAMES
    assert {g.source for g in out.speakers.values()} == {"timeline"}
    assert sorted(zoom.downloads) == ["tl", "vtt"]


def test_speaker_names_off_forgets_names_an_earlier_run_stored() -> None:
    stored = Transcript("t", "completed", words=(Word("hi", 0, 100, 0.9, "A"),),
                        speakers={"A": SpeakerName("Ana", "timeline", 0.9)})
    [enrich] = zoom_enrichers(cast(ZoomClient, FakeZoom({})), "off", lambda e: None)
    assert enrich is forget_names
    assert forget_names(stored, recording([AUDIO])).speakers == {}


def test_zoom_evidence_found_later_replaces_assemblyais_guesses_and_keeps_the_rest() -> None:
    turns = [(NAMES[label], s, e) for label, s, e in TURNS]
    guessed = {"A": SpeakerName("ben", "assemblyai_identification", 0.5),
               "C": SpeakerName("cy", "assemblyai_identification", 0.5)}
    zoom = FakeZoom({"tl": timeline_body(turns)})
    out = SpeakerNames(cast(ZoomClient, zoom))(
        Transcript("t1", "completed", words=transcript().words, speakers=guessed),
        recording([AUDIO, recording_file("TIMELINE", "timeline", file_id="tl")]))
    assert {k: (v.name, v.source) for k, v in out.speakers.items()} == {
        "A": ("ana", "timeline"), "B": ("ben", "timeline"),
        "C": ("cy", "assemblyai_identification")}


def test_assemblyais_guesses_stay_when_zoom_still_has_no_evidence() -> None:
    guessed = {"A": SpeakerName("ana", "assemblyai_identification", 0.5)}
    zoom = FakeZoom({})
    given = Transcript("t1", "completed", words=transcript().words, speakers=guessed)
    assert SpeakerNames(cast(ZoomClient, zoom))(given, recording([AUDIO])) is given
