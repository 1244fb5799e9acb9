"""Merging participants' own transcripts into the meeting's (pure: no network, no files)."""

from __future__ import annotations

from zoom_assembly.models import Transcript, Word
from zoom_assembly.participant_merge import SOURCE, Part, merge_parts


def said(*words: tuple[str, int, int], confidence: float = 0.9) -> Transcript:
    """A participant file's transcript: AssemblyAI labels its one voice 'A' (or nothing)."""
    return Transcript("t", "completed", words=tuple(
        Word(text, start, end, confidence, "A") for text, start, end in words),
        language_code="en", audio_duration=60.0)


def test_every_word_carries_its_participants_label_and_the_label_its_name() -> None:
    merged = merge_parts([
        Part("A", "Maya Chen", said(("Hello", 0, 400), ("all.", 450, 800))),
        Part("B", "佐藤 陽翔", said(("Hi", 2000, 2300), ("Maya.", 2350, 2700))),
    ], transcript_id="m")
    assert [(w.text, w.speaker) for w in merged.words] == [
        ("Hello", "A"), ("all.", "A"), ("Hi", "B"), ("Maya.", "B")]
    assert {k: (v.name, v.source, v.confidence) for k, v in merged.speakers.items()} == {
        "A": ("Maya Chen", SOURCE, 1.0), "B": ("佐藤 陽翔", SOURCE, 1.0)}


def test_crosstalk_keeps_both_voices_ordered_by_time() -> None:
    merged = merge_parts([
        Part("A", "Maya Chen", said(("I", 0, 200), ("think", 250, 600), ("so.", 650, 900))),
        Part("B", "Sam Rivera", said(("Right.", 300, 700))),
    ], transcript_id="m")
    assert [(w.text, w.speaker) for w in merged.words] == [
        ("I", "A"), ("think", "A"), ("Right.", "B"), ("so.", "A")]
    # Turns stay whole: Maya's sentence is one utterance, Sam's interjection another.
    assert [(u.speaker, u.text) for u in merged.utterances or ()] == [
        ("A", "I think so."), ("B", "Right.")]


def test_a_participant_who_never_spoke_appears_nowhere() -> None:
    merged = merge_parts([
        Part("A", "Maya Chen", said(("Hello.", 0, 400))),
        Part("B", "Taylor Brooks", said()),
    ], transcript_id="m")
    assert set(merged.speakers) == {"A"}
    assert {w.speaker for w in merged.words} == {"A"}
    assert {u.speaker for u in merged.utterances or ()} == {"A"}


def test_a_file_starting_later_is_moved_onto_the_meetings_clock() -> None:
    merged = merge_parts([
        Part("A", "Maya Chen", said(("Hello.", 1000, 1400))),
        Part("B", "Sam Rivera", said(("Hi.", 100, 400)), offset_ms=5000),
    ], transcript_id="m")
    assert [(w.text, w.start, w.end) for w in merged.words] == [
        ("Hello.", 1000, 1400), ("Hi.", 5100, 5400)]
    assert merged.audio_duration == 65.0


def test_a_turn_ends_when_someone_else_spoke_in_the_gap_or_after_a_long_pause() -> None:
    merged = merge_parts([
        Part("A", "Maya Chen", said(("One.", 0, 300), ("Two.", 1000, 1300),
                                    ("Three.", 4000, 4300))),
        Part("B", "Sam Rivera", said(("Yes.", 500, 800))),
    ], transcript_id="m")
    assert [(u.speaker, u.text) for u in merged.utterances or ()] == [
        ("A", "One."), ("B", "Yes."), ("A", "Two."), ("A", "Three.")]


def test_a_fainter_copy_of_another_voice_is_dropped_as_an_echo() -> None:
    merged = merge_parts([
        Part("A", "Maya Chen", said(("Budget", 0, 400), confidence=0.95)),
        Part("B", "Sam Rivera", said(("budget", 60, 430), confidence=0.55)),
    ], transcript_id="m")
    assert [(w.text, w.speaker) for w in merged.words] == [("Budget", "A")]
    assert set(merged.speakers) == {"A"}


def test_two_people_saying_the_same_word_at_once_are_both_kept() -> None:
    merged = merge_parts([
        Part("A", "Maya Chen", said(("Yes.", 0, 300))),
        Part("B", "Sam Rivera", said(("Yes.", 50, 350))),
    ], transcript_id="m")
    assert [w.speaker for w in merged.words] == ["A", "B"]


def test_the_language_is_the_one_most_participants_spoke() -> None:
    parts = [Part(label, label, Transcript("t", "completed", words=(Word("x", 0, 1, 1.0),),
                                           language_code=code))
             for label, code in (("A", "ja"), ("B", "ja"), ("C", "en"))]
    assert merge_parts(parts, transcript_id="m").language_code == "ja"
