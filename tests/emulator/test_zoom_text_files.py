"""Zoom's own text in the emulator: English-only TRANSCRIPT (garbled on other languages),
captions in the meeting's language, a transcript added late, and probes billed as slices."""

from __future__ import annotations

import dataclasses

import pytest

from zoom_assembly.emulator import Emulator, Scenario
from zoom_assembly.langid import identify
from zoom_assembly.zoom.transcript_files import parse_vtt

from .conftest import Assembly, Zoom, handoff_url


def zoom_text(zoom: Zoom, tag: str, file_type: str) -> str:
    f = zoom.file(tag, file_type)
    body = zoom.http.get(f["download_url"], headers={"Authorization": f"Bearer {zoom.token()}"})
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/vtt")
    return body.text


@pytest.mark.parametrize("tag", ["spanish_zoom_transcript", "german_zoom_transcript",
                                 "japanese_zoom_transcript"])
def test_zoom_transcript_of_a_non_english_meeting_is_english_looking_words(
    zoom: Zoom, tag: str,
) -> None:
    transcript = parse_vtt(zoom_text(zoom, tag, "TRANSCRIPT"), transcript_id="z",
                           source="zoom_transcript")
    meeting = zoom.emu.scenario.find(tag)
    assert identify(transcript.text).language == "en"  # what makes it a trap for text checks
    assert {transcript.speakers[w.speaker].name for w in transcript.words if w.speaker} <= set(
        meeting.speakers)
    said = {w.text.lower().strip(".,?!。") for w in zoom.emu.scenario.script(meeting)}
    written = [w.lower().strip(".,?!") for w in transcript.text.split()]
    assert sum(w in said for w in written) < 0.1 * len(written)  # hardly a word really said


def test_zoom_transcript_of_an_english_meeting_is_what_was_said(zoom: Zoom) -> None:
    transcript = parse_vtt(zoom_text(zoom, "english", "TRANSCRIPT"), transcript_id="z",
                           source="zoom_transcript")
    script = zoom.emu.scenario.script(zoom.emu.scenario.find("english"))
    assert transcript.text.split() == [w.text for w in script]
    assert transcript.words[0].start == script[0].start


def test_captions_are_in_the_meetings_language(zoom: Zoom) -> None:
    text = parse_vtt(zoom_text(zoom, "spanish_captions", "CC"), transcript_id="z",
                     source="zoom_captions").text
    assert identify(text).language == "es"


def test_a_late_transcript_is_listed_only_once_zoom_has_made_it() -> None:
    scenario = Scenario.builtin(processing_ready_after=3600.0)
    with Emulator(scenario=scenario) as emu:
        zoom = Zoom(emu)
        uuid = scenario.find("late_zoom_transcript").uuid
        types = {f["file_type"] for f in zoom.recordings(uuid).json()["recording_files"]}
        assert types == {"M4A", "MP4"}
        emu.state.started_at -= 7200
        types = {f["file_type"] for f in zoom.recordings(uuid).json()["recording_files"]}
        assert types == {"M4A", "MP4", "TRANSCRIPT"}


def test_a_sliced_job_is_billed_for_its_slice_only(zoom: Zoom, aai: Assembly) -> None:
    meeting = zoom.emu.scenario.find("german")
    url = handoff_url(zoom, "german")
    probe = aai.transcribe(url, language_detection=True, audio_start_from=60_000,
                           audio_end_at=120_000)
    assert probe["status"] == "completed" and probe["language_code"] == "de"
    assert all(w["start"] >= 60_000 and w["end"] <= 120_000 for w in probe["words"])
    aai.transcribe(url)
    billing = zoom.emu.stats()["billing"]
    assert billing == {"jobs": 2, "audio_seconds": 60.0 + meeting.duration_s,
                       "sliced_jobs": 1, "sliced_seconds": 60.0}


def test_scenario_files_keep_their_late_flag_through_json() -> None:
    scenario = Scenario.builtin()
    again = Scenario.from_json(scenario.to_json())
    late = again.find("late_zoom_transcript")
    assert [f.late for f in late.files if f.file_type == "TRANSCRIPT"] == [True]
    assert dataclasses.asdict(again.find("english")) == dataclasses.asdict(
        scenario.find("english"))


def test_garbled_words_follow_the_sounds_said_not_a_short_word_list() -> None:
    """What an English-only recogniser writes: for each word heard, the English words that sound
    nearest (the same each time), from a broad vocabulary, never the foreign word itself."""
    from zoom_assembly.emulator.garble import LEXICON, sound_alike, sound_key
    from zoom_assembly.emulator.scripts import SENTENCES

    assert sound_alike("todos", "es") == sound_alike("todos", "es")
    assert sound_key(sound_alike("Gracias", "es").split()[0])[:2] == "KR"  # gra- -> "gr..."
    written: set[str] = set()
    for language in ("es", "de", "ja"):
        for sentence in SENTENCES[language]:
            for word in sentence.split():
                written.update(sound_alike(word, language).split())
    assert written <= set(LEXICON)
    assert len(written) > 150  # a detector cannot learn the garble's vocabulary
