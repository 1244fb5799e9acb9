"""AssemblyAI's speaker identification: asked for with the participants' names, its answer
turned back into labels on the words and names in ``speakers`` (only the trustworthy ones)."""

from __future__ import annotations

from typing import Any

from zoom_assembly.assembly.options import TranscriptionOptions
from zoom_assembly.assembly.transcripts import transcript_from_json


def test_candidates_are_sent_as_speaker_identification_by_name() -> None:
    body = TranscriptionOptions(speaker_candidates=("Ana", "Ben")).request("https://x/a.m4a")
    sent = body.model_dump(mode="json", exclude_none=True)["speech_understanding"]
    asked = sent["request"]["speaker_identification"]
    assert asked["speaker_type"] == "name"
    assert asked["speakers"] == [{"name": "Ana"}, {"name": "Ben"}]


def test_no_identification_without_candidates_or_without_speaker_labels() -> None:
    assert TranscriptionOptions().request("https://x/a").speech_understanding is None
    quiet = TranscriptionOptions(speaker_labels=False, speaker_candidates=("Ana", "Ben"))
    assert quiet.request("https://x/a").speech_understanding is None


def answer(mapping: dict[str, str], candidates: list[str] | None = None) -> dict[str, Any]:
    names = {**{k: k for k in "ABC"}, **mapping}
    words = [{"text": f"w{i}", "start": i * 100, "end": i * 100 + 80, "confidence": 0.9,
              "speaker": names[label]} for i, label in enumerate("AABBC")]
    utterances = [{"speaker": names[label], "start": 0, "end": 1, "text": "x",
                   "confidence": 0.9, "words": [w for w in words if w["speaker"] == names[label]]}
                  for label in "ABC"]
    asked: dict[str, Any] = {"speaker_type": "name"}
    if candidates is not None:
        asked["speakers"] = [{"name": n} for n in candidates]
    return {"id": "t", "status": "completed", "words": words, "utterances": utterances,
            "speech_understanding": {
                "request": {"speaker_identification": asked},
                "response": {"speaker_identification": {"status": "success",
                                                        "mapping": mapping}}}}


def test_names_on_the_words_go_back_to_labels_and_into_speakers() -> None:
    t = transcript_from_json(answer({"A": "Ana", "B": "Ben"}, ["Ana", "Ben", "Cy"]))
    assert [w.speaker for w in t.words] == ["A", "A", "B", "B", "C"]
    assert [u.speaker for u in t.utterances or ()] == ["A", "B", "C"]
    assert {k: (v.name, v.source, v.confidence) for k, v in t.speakers.items()} == {
        "A": ("Ana", "assemblyai_identification", 0.5),
        "B": ("Ben", "assemblyai_identification", 0.5)}


def test_a_name_nobody_was_called_or_two_labels_share_is_not_trusted() -> None:
    t = transcript_from_json(answer({"A": "Zed", "B": "Ana", "C": "Ana"}, ["Ana", "Ben"]))
    assert t.speakers == {}
    assert {w.speaker for w in t.words} <= {"A", "B", "C"}


def test_a_label_left_as_a_label_gets_no_name() -> None:
    t = transcript_from_json(answer({"A": "Ana", "B": "B"}, ["Ana", "Ben"]))
    assert set(t.speakers) == {"A"}


def test_a_transcript_without_identification_is_unchanged() -> None:
    body = answer({})
    del body["speech_understanding"]
    t = transcript_from_json(body)
    assert t.speakers == {} and [w.speaker for w in t.words] == list("AABBC")
