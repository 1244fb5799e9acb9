"""The emulator's speaker identification: names only for speakers the conversation would have
named, sometimes the wrong one, never a name that was not a candidate; requests refused as
AssemblyAI refuses them."""

from __future__ import annotations

from zoom_assembly.emulator.scripts import generate_script
from zoom_assembly.emulator.speaker_identification import identify, problem

NAMES = ("Ana Lima", "Ben Ode", "Chen Wu", "Dara Kim", "Eli Roth", "Fay Sun")


def labels_of(speakers: tuple[str, ...]) -> dict[str, str]:
    return {name: chr(65 + i) for i, name in enumerate(speakers)}


def test_most_speakers_are_named_right_some_not_at_all_a_few_wrongly() -> None:
    right = wrong = none = 0
    for seed in range(60):
        words = generate_script(seed, "en", NAMES, 20 * 60_000)
        labels = labels_of(NAMES)
        mapping = identify(words, labels, list(NAMES), f"file-{seed}")
        assert set(mapping.values()) <= set(NAMES)
        assert len(set(mapping.values())) == len(mapping)  # one name, one label
        for name, label in labels.items():
            given = mapping.get(label)
            right += given == name
            wrong += given is not None and given != name
            none += given is None
    total = right + wrong + none
    assert 0.55 < right / total < 0.8 and 0.15 < none / total < 0.45 and 0 < wrong / total < 0.1


def test_a_speaker_who_is_not_a_candidate_or_hardly_speaks_is_never_named() -> None:
    words = generate_script(3, "en", NAMES[:2], 10 * 60_000)
    mapping = identify(words, labels_of(NAMES[:2]), [NAMES[0]], "f")
    assert "B" not in mapping
    assert identify(words[:30], labels_of(NAMES[:2]), list(NAMES[:2]), "f") == {}


def test_the_same_audio_gets_the_same_answer() -> None:
    words = generate_script(5, "en", NAMES, 600_000)
    assert identify(words, labels_of(NAMES), list(NAMES), "x") == \
        identify(words, labels_of(NAMES), list(NAMES), "x")


def test_identification_needs_speaker_labels_and_a_known_speaker_type() -> None:
    asked = {"speech_understanding": {"request": {"speaker_identification": {
        "speaker_type": "name", "speakers": [{"name": "Ana"}]}}}}
    assert problem({**asked, "speaker_labels": True}) is None
    assert problem(asked) is not None and "speaker_labels" in (problem(asked) or "")
    bad = {"speaker_labels": True, "speech_understanding": {"request": {
        "speaker_identification": {"speaker_type": "nickname"}}}}
    assert problem(bad) is not None
    assert problem({"speech_understanding": "names please"}) is not None
