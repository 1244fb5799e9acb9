"""Speaker names in the outputs: names in txt/srt/vtt, labels kept and a ``speakers`` map added
in transcript.json, and the names read back from it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from zoom_assembly.models import MeetingInfo, SpeakerName, Transcript, Utterance, Word
from zoom_assembly.outputs import (
    read_recording_json,
    read_transcript_json,
    recording_folder_name,
    write_outputs,
)

MEETING = MeetingInfo(uuid="abc/def==", id=81234567890, topic="Weekly sync",
                      start_time=datetime(2026, 3, 14, 15, 30, tzinfo=UTC))


def words_of(text: str, speaker: str, start: int) -> list[Word]:
    return [Word(w, start + i * 400, start + i * 400 + 350, 0.9, speaker)
            for i, w in enumerate(text.split())]


def named() -> Transcript:
    first = words_of("Hello everyone.", "A", 0)
    second = words_of("Hi there.", "B", 1000)
    return Transcript(
        id="tr_1", status="completed", text="Hello everyone. Hi there.", language_code="en",
        words=tuple(first + second),
        utterances=(Utterance("A", 0, 750, "Hello everyone.", 0.9, tuple(first)),
                    Utterance("B", 1000, 1750, "Hi there.", 0.9, tuple(second))),
        speakers={"A": SpeakerName("佐藤 陽翔", "timeline", 0.93, "sato@example.com")},
    )


def test_named_speakers_show_in_txt_srt_and_vtt(tmp_path: Path) -> None:
    paths = write_outputs(tmp_path, MEETING, "file-1", named())
    txt = paths["txt"].read_text(encoding="utf-8")
    assert "佐藤 陽翔: Hello everyone." in txt
    assert "Speaker B: Hi there." in txt  # an unnamed label keeps its label
    assert "佐藤 陽翔: Hello everyone." in paths["srt"].read_text(encoding="utf-8")
    vtt = paths["vtt"].read_text(encoding="utf-8")
    assert "<v 佐藤 陽翔>Hello everyone." in vtt and "<v Speaker B>Hi there." in vtt


def test_transcript_json_keeps_labels_and_adds_a_speakers_map(tmp_path: Path) -> None:
    doc = json.loads(write_outputs(tmp_path, MEETING, "file-1", named())["json"].read_text(
        encoding="utf-8"))
    assert [w["speaker"] for w in doc["words"]] == ["A", "A", "B", "B"]
    assert [u["speaker"] for u in doc["utterances"]] == ["A", "B"]
    assert doc["speakers"] == {"A": {"name": "佐藤 陽翔", "source": "timeline",
                                     "confidence": 0.93, "email": "sato@example.com"}}


def test_transcript_json_without_names_has_no_speakers_map(tmp_path: Path) -> None:
    plain = replace(named(), speakers={})
    doc = json.loads(write_outputs(tmp_path, MEETING, "file-1", plain)["json"].read_text(
        encoding="utf-8"))
    assert "speakers" not in doc


def test_speaker_names_are_read_back_from_transcript_json(tmp_path: Path) -> None:
    path = write_outputs(tmp_path, MEETING, "file-1", named())["json"]
    back = read_transcript_json(path)
    assert back is not None and back.speakers == named().speakers


def test_the_meeting_and_file_id_read_back_name_the_same_folder(tmp_path: Path) -> None:
    path = write_outputs(tmp_path, MEETING, "file-1", named())["json"]
    found = read_recording_json(path)
    assert found is not None
    _, meeting, file_id = found
    assert file_id == "file-1"
    assert recording_folder_name(meeting, file_id) == path.parent.name
