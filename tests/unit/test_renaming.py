"""`rename` at library level: the assignments it reads and the transcript.json it keeps."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zoom_assembly.errors import UsageError
from zoom_assembly.models import MeetingInfo, Transcript, Utterance, Word
from zoom_assembly.outputs import write_outputs
from zoom_assembly.renaming import parse_assignments, rename_speakers

MEETING = MeetingInfo(uuid="u1==", id=81234567890, topic="Sync",
                      start_time=datetime(2026, 3, 14, 15, 30, tzinfo=UTC))


def folder(tmp_path: Path) -> Path:
    words = (Word("Hello.", 0, 400, 0.9, "A"), Word("Hi.", 1000, 1400, 0.9, "B"))
    transcript = Transcript("tr_1", "completed", text="Hello. Hi.", words=words, utterances=(
        Utterance("A", 0, 400, "Hello.", 0.9), Utterance("B", 1000, 1400, "Hi.", 0.9)))
    return write_outputs(tmp_path, MEETING, "file-1", transcript)["json"].parent


def test_assignments_accept_letters_and_speaker_labels_and_empty_names() -> None:
    assert parse_assignments(["A=Maya  Chen", "Speaker B=佐藤", "C="]) == \
        {"A": "Maya Chen", "B": "佐藤", "C": None}


@pytest.mark.parametrize("pairs", [[], ["Maya"], ["=Maya"]])
def test_malformed_assignments_are_usage_errors(pairs: list[str]) -> None:
    with pytest.raises(UsageError):
        parse_assignments(pairs)


def test_rename_keeps_every_other_field_of_transcript_json(tmp_path: Path) -> None:
    where = folder(tmp_path)
    path = where / "transcript.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["timing"] = "word"  # a field another feature added
    path.write_text(json.dumps(doc), encoding="utf-8")
    rename_speakers(where, {"B": "Ben"})
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after.pop("speakers") == {"B": {"name": "Ben", "source": "manual",
                                           "confidence": None, "email": None}}
    assert after == doc
    assert "Ben: Hi." in (where / "transcript.txt").read_text(encoding="utf-8")


def test_rename_writes_only_the_formats_the_folder_has(tmp_path: Path) -> None:
    where = folder(tmp_path)
    (where / "transcript.srt").unlink()
    renamed = rename_speakers(where, {"A": "Ana"})
    assert sorted(renamed.files) == ["json", "txt", "vtt"]
    assert not (where / "transcript.srt").exists()
