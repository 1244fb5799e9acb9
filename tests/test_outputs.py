"""Folder names, txt and json rendering, and atomic writes of zoom_assembly.outputs."""

from __future__ import annotations

import errno
import json
import os
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from zoom_assembly import __version__
from zoom_assembly.errors import OutputError
from zoom_assembly.models import MeetingInfo, Transcript, Utterance, Word
from zoom_assembly.outputs import (
    atomic_write_bytes,
    atomic_write_text,
    recording_folder_name,
    render_json,
    render_txt,
    transcript_json_bytes,
    write_outputs,
)

START = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)
MEETING = MeetingInfo(uuid="abc/def==", id=81234567890, topic="Weekly sync", start_time=START)
FORBIDDEN = '<>:"/\\|?*'
RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(10)}


def words_of(text: str, speaker: str | None = None, start: int = 0, step: int = 400) -> list[Word]:
    return [
        Word(w, start + i * step, start + i * step + step - 50, 0.9, speaker)
        for i, w in enumerate(text.split())
    ]


def diarized() -> Transcript:
    first = words_of("Hello everyone.", "A")
    second = words_of("Hi there. Thanks.", "B", start=1000)
    third = words_of("Let's start.", "A", start=3000)
    utterances = (
        Utterance("A", 0, 750, "Hello everyone.", 0.9, tuple(first)),
        Utterance("B", 1000, 2550, "Hi there. Thanks.", 0.9, tuple(second)),
        Utterance("A", 3000, 3750, "Let's start.", 0.9, tuple(third)),
    )
    return Transcript(
        id="tr_1",
        status="completed",
        text="Hello everyone. Hi there. Thanks. Let's start.",
        language_code="en",
        language_confidence=0.98,
        audio_duration=4.0,
        speech_model_used="universal",
        words=tuple(first + second + third),
        utterances=utterances,
    )


def plain(text: str, step: int = 400) -> Transcript:
    return Transcript(
        id="tr_2", status="completed", text=text, words=tuple(words_of(text, None, 0, step))
    )


def is_portable_name(name: str) -> bool:
    return (
        not any(c in FORBIDDEN or ord(c) < 32 for c in name)
        and not name.endswith((".", " "))
        and name.split(".")[0].upper() not in RESERVED
        and len(name.encode("utf-8")) <= 255
    )


# --- folder names -----------------------------------------------------------------------------


def test_folder_name_has_utc_date_time_topic_id_and_hash() -> None:
    name = recording_folder_name(MEETING, "rf-1")
    date, time, topic, meeting_id, digest = name.split("_")
    assert (date, time, topic, meeting_id) == ("2026-03-14", "1530", "Weekly-sync", "81234567890")
    assert len(digest) == 8 and int(digest, 16) >= 0


def test_folder_name_converts_start_time_to_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    meeting = MeetingInfo(
        uuid="u", id=1, topic="t", start_time=datetime(2026, 3, 15, 0, 30, tzinfo=tokyo)
    )
    assert recording_folder_name(meeting, "rf").startswith("2026-03-14_1530_")


def test_folder_name_says_unknown_date_without_start_time() -> None:
    meeting = MeetingInfo(uuid="u", id=1, topic="Standup")
    assert recording_folder_name(meeting, "rf").startswith("unknown-date_Standup_1_")


@pytest.mark.parametrize("char", [*list(FORBIDDEN), "\x00", "\x1f", "\n", "\t", "\x7f"])
def test_folder_name_replaces_forbidden_and_control_characters(char: str) -> None:
    meeting = MeetingInfo(uuid="u", id=1, topic=f"a{char}b", start_time=START)
    name = recording_folder_name(meeting, "rf")
    assert char not in name
    assert "_a-b_" in name


@pytest.mark.parametrize("topic", ["CON", "nul", "COM1", "LPT9.txt", "aux."])
def test_folder_name_is_never_a_reserved_windows_name(topic: str) -> None:
    for start in (START, None):
        meeting = MeetingInfo(uuid="u", topic=topic, start_time=start)
        assert is_portable_name(recording_folder_name(meeting, "rf"))


@pytest.mark.parametrize("topic", ["Plan... ", "...", "  ", "", "---"])
def test_folder_name_has_no_empty_topic_or_trailing_dot_or_space(topic: str) -> None:
    name = recording_folder_name(MeetingInfo(uuid="u", topic=topic, start_time=START), "rf")
    assert is_portable_name(name)
    assert "__" not in name and "_." not in name and "._" not in name


def test_folder_name_keeps_japanese_and_accents_readable() -> None:
    meeting = MeetingInfo(uuid="u", id=5, topic="週次定例 Café Ñandú", start_time=START)
    assert "_週次定例-Café-Ñandú_5_" in recording_folder_name(meeting, "rf")


def test_folder_name_normalizes_decomposed_accents_to_nfc() -> None:
    meeting = MeetingInfo(uuid="u", topic="Cafe\u0301", start_time=START)
    assert "_Café_" in recording_folder_name(meeting, "rf")


def test_folder_name_of_very_long_japanese_topic_fits_255_bytes() -> None:
    meeting = MeetingInfo(uuid="u", id=99999999999, topic="長い会議の題名" * 200, start_time=START)
    name = recording_folder_name(meeting, "rf")
    assert len(name.encode("utf-8")) <= 255
    assert is_portable_name(name)
    assert "_長い会議の題名長い" in name and name.endswith(
        recording_folder_name(meeting, "rf")[-21:]
    )


def test_folder_name_truncation_never_leaves_a_dangling_combining_mark() -> None:
    # "q" + combining acute has no precomposed form, so NFC keeps two code points.
    meeting = MeetingInfo(uuid="u", id=99999999999, topic="q\u0301" * 400, start_time=START)
    topic = recording_folder_name(meeting, "rf").split("_")[2]
    assert unicodedata.category(topic[-1]) != "Mn"
    assert len(recording_folder_name(meeting, "rf").encode()) <= 255


def test_folder_name_differs_for_two_instances_of_a_recurring_meeting() -> None:
    first = MeetingInfo(uuid="instance-1==", id=1, topic="Standup", start_time=START)
    second = MeetingInfo(uuid="instance-2==", id=1, topic="Standup", start_time=START)
    assert recording_folder_name(first, "rf") != recording_folder_name(second, "rf")


def test_folder_name_differs_per_recording_file() -> None:
    assert recording_folder_name(MEETING, "rf-1") != recording_folder_name(MEETING, "rf-2")


def test_folder_name_is_deterministic() -> None:
    assert recording_folder_name(MEETING, "rf") == recording_folder_name(MEETING, "rf")
    assert recording_folder_name(MEETING, "rf").endswith("_81234567890_16eff726")


def test_folder_name_with_hostile_topic_can_be_created(tmp_path: Path) -> None:
    topic = 'a/../..\\b:c*?"<>|\x01 \u200b\u202e $HOME `rm` ; & !'
    name = recording_folder_name(MeetingInfo(uuid="u", topic=topic, start_time=START), "rf")
    (tmp_path / name).mkdir()
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert is_portable_name(name) and "\u202e" not in name


# --- text -------------------------------------------------------------------------------------


def test_txt_has_one_paragraph_per_speaker_turn() -> None:
    body = render_txt(diarized(), MEETING).split("\n\n")[1:]
    assert body == [
        "Speaker A: Hello everyone.",
        "Speaker B: Hi there. Thanks.",
        "Speaker A: Let's start.\n",
    ]


def test_txt_merges_consecutive_utterances_of_one_speaker() -> None:
    utterances = (Utterance("A", 0, 1, "One.", 0.9), Utterance("A", 2, 3, "Two.", 0.9))
    transcript = Transcript(id="t", status="completed", text="One. Two.", utterances=utterances)
    assert render_txt(transcript, MeetingInfo(uuid="u")) == "Speaker A: One. Two.\n"


def test_txt_uses_speaker_names_when_given() -> None:
    text = render_txt(diarized(), MEETING, speaker_names={"A": "Alice", "Speaker B": "Bob"})
    assert "\n\nAlice: Hello everyone.\n\nBob: Hi there. Thanks.\n\nAlice: Let's start.\n" in text


def test_txt_starts_with_short_header_and_ends_with_newline() -> None:
    text = render_txt(diarized(), MEETING)
    assert text.startswith("Topic: Weekly sync\nStart: 2026-03-14T15:30:00Z\nLanguage: en\n\n")
    assert text.endswith(".\n") and not text.endswith("\n\n")


def test_txt_without_utterances_breaks_paragraphs_on_long_pauses() -> None:
    words = (*words_of("We begin here"), *words_of("after a break", start=5000))
    transcript = Transcript(id="t", status="completed", words=words)
    assert render_txt(transcript, MeetingInfo(uuid="u")) == "We begin here\n\nafter a break\n"


def test_txt_without_utterances_breaks_after_a_few_sentences() -> None:
    text = render_txt(plain("One. Two. Three. Four. Five. Six."), MeetingInfo(uuid="u"))
    assert text == "One. Two. Three. Four.\n\nFive. Six.\n"


def test_txt_without_words_splits_the_text_into_paragraphs() -> None:
    transcript = Transcript(id="t", status="completed", text="A. B? C! D. E.")
    assert render_txt(transcript, MeetingInfo(uuid="u")) == "A. B? C! D.\n\nE.\n"


def test_txt_joins_japanese_words_without_spaces() -> None:
    transcript = plain("今日 は 会議 です 。 Zoom を 使い ます 。")
    assert render_txt(transcript, MeetingInfo(uuid="u")) == "今日は会議です。 Zoom を使います。\n"


# --- json -------------------------------------------------------------------------------------


def test_json_has_the_contract_keys() -> None:
    doc = render_json(diarized(), MEETING, "rf-1")
    assert set(doc) == {
        "schema_version", "generator", "meeting", "recording_file_id", "transcript_id",
        "language_code", "language_confidence", "audio_duration", "speech_model_used", "text",
        "words", "utterances", "source", "timing",
    }  # fmt: skip
    assert doc["schema_version"] == 1
    assert doc["generator"] == f"transcribe-zoom {__version__}"
    assert doc["meeting"] == {
        "id": 81234567890, "uuid": "abc/def==", "topic": "Weekly sync",
        "start_time": "2026-03-14T15:30:00Z",
    }  # fmt: skip
    assert (doc["recording_file_id"], doc["transcript_id"]) == ("rf-1", "tr_1")


def test_json_words_carry_the_service_integer_milliseconds() -> None:
    transcript = diarized()
    doc = render_json(transcript, MEETING, "rf")
    words = doc["words"]
    assert isinstance(words, list)
    assert [(w["start"], w["end"]) for w in words] == [(w.start, w.end) for w in transcript.words]
    assert all(type(w["start"]) is int and type(w["end"]) is int for w in words)
    assert words[0] == {"text": "Hello", "start": 0, "end": 350, "confidence": 0.9, "speaker": "A"}


def test_json_includes_utterances_when_diarized() -> None:
    utterances = render_json(diarized(), MEETING, "rf")["utterances"]
    assert isinstance(utterances, list)
    assert utterances[1] == {
        "speaker": "B", "start": 1000, "end": 2550, "text": "Hi there. Thanks.", "confidence": 0.9,
    }  # fmt: skip


def test_json_omits_utterances_without_diarization() -> None:
    assert "utterances" not in render_json(plain("Hi."), MEETING, "rf")


def test_json_file_round_trips_non_ascii_text(tmp_path: Path) -> None:
    transcript = plain("こんにちは 世界")
    paths = write_outputs(tmp_path, MEETING, "rf", transcript, formats=["json"])
    raw = paths["json"].read_bytes()
    assert "こんにちは".encode() in raw
    assert json.loads(raw)["words"][0]["text"] == "こんにちは"


def stdlib_json(transcript: Transcript) -> bytes:
    doc = render_json(transcript, MEETING, "rf")
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def test_json_file_is_the_standard_library_rendering_byte_for_byte(tmp_path: Path) -> None:
    transcript = replace(diarized(), text="Naïve “quotes” \\ \t 日本", audio_duration=1800.123)
    paths = write_outputs(tmp_path, MEETING, "rf", transcript, formats=["json"])
    assert paths["json"].read_bytes() == stdlib_json(transcript)


@pytest.mark.parametrize("tiny", [1e-05, 3.5e-07, float("nan"), float("inf")])
def test_json_file_spells_tiny_and_non_finite_floats_as_before(tiny: float) -> None:
    words = (Word("Hi", 0, 400, tiny, "A"), Word("there.", 450, 900, 0.9, "A"))
    transcript = replace(diarized(), words=words, language_confidence=0.5)
    assert transcript_json_bytes(transcript, MEETING, "rf") == stdlib_json(transcript)
    assert transcript_json_bytes(
        replace(transcript, words=words[1:], language_confidence=tiny), MEETING, "rf"
    ) == stdlib_json(replace(transcript, words=words[1:], language_confidence=tiny))


# --- writing ----------------------------------------------------------------------------------


def test_write_outputs_writes_all_formats_into_the_recording_folder(tmp_path: Path) -> None:
    paths = write_outputs(tmp_path, MEETING, "rf", diarized())
    folder = tmp_path / recording_folder_name(MEETING, "rf")
    assert paths == {fmt: folder / f"transcript.{fmt}" for fmt in ("txt", "json", "srt", "vtt")}
    assert all(p.is_absolute() and p.is_file() for p in paths.values())
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths.values())


def test_write_outputs_returns_absolute_paths_for_a_relative_out_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths = write_outputs(Path("out"), MEETING, "rf", diarized(), formats=["txt"])
    assert paths["txt"].is_absolute() and paths["txt"].is_file()


def test_write_outputs_writes_only_requested_formats(tmp_path: Path) -> None:
    paths = write_outputs(tmp_path, MEETING, "rf", diarized(), formats=("srt", "txt"))
    assert set(paths) == {"srt", "txt"}
    assert not (paths["txt"].parent / "transcript.json").exists()


def test_write_outputs_rejects_unknown_format_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="docx"):
        write_outputs(tmp_path, MEETING, "rf", diarized(), formats=("txt", "docx"))
    assert list(tmp_path.iterdir()) == []


def test_write_outputs_matches_the_renderers(tmp_path: Path) -> None:
    paths = write_outputs(tmp_path, MEETING, "rf", diarized(), speaker_names={"A": "Ann"})
    assert paths["txt"].read_text("utf-8") == render_txt(diarized(), MEETING, {"A": "Ann"})
    assert json.loads(paths["json"].read_text("utf-8")) == render_json(diarized(), MEETING, "rf")
    assert "Ann: Hello everyone." in paths["srt"].read_text("utf-8")


def test_atomic_write_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    atomic_write_text(target, "new\nline\n")
    assert target.read_bytes() == b"new\nline\n"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_creates_files_with_ordinary_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
    finally:
        os.umask(old)
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o644


def test_failed_replace_leaves_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "transcript.txt"
    target.write_text("old")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("zoom_assembly.atomic.os.replace", refuse)
    with pytest.raises(OutputError, match="permission denied; choose another --out folder"):
        atomic_write_text(target, "new")
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_text() == "old"


def test_disk_full_raises_output_error_and_removes_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("zoom_assembly.atomic.os.fsync", full)
    with pytest.raises(OutputError) as caught:
        write_outputs(tmp_path, MEETING, "rf", diarized())
    assert "no space left on device; free some space" in caught.value.message
    folder = tmp_path / recording_folder_name(MEETING, "rf")
    assert list(folder.iterdir()) == []


def test_interrupted_write_removes_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("zoom_assembly.atomic.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(tmp_path / "a.txt", "x")
    assert list(tmp_path.iterdir()) == []


def test_out_dir_under_a_regular_file_raises_output_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(OutputError) as caught:
        write_outputs(blocker / "out", MEETING, "rf", diarized())
    assert caught.value.code == "output_unwritable"
    assert str(blocker / "out") in caught.value.message
    assert caught.value.message.endswith("choose another --out folder.")


def test_unwritable_folder_raises_output_error_with_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def deny(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr("zoom_assembly.atomic.os.open", deny)
    with pytest.raises(OutputError) as caught:
        atomic_write_text(tmp_path / "a.txt", "x")
    assert caught.value.message == (
        f"Cannot write to {tmp_path}: permission denied; choose another --out folder."
    )
    assert list(tmp_path.iterdir()) == []


def test_write_outputs_accepts_a_single_format_string(tmp_path: Path) -> None:
    assert set(write_outputs(tmp_path, MEETING, "rf", diarized(), formats="vtt")) == {"vtt"}


def test_read_only_out_dir_raises_output_error(tmp_path: Path) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        if os.access(out, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(OutputError, match="choose another --out folder"):
            write_outputs(out, MEETING, "rf", diarized())
    finally:
        out.chmod(0o700)


def test_temp_files_left_by_a_killed_run_are_swept_on_rewrite(tmp_path: Path) -> None:
    from zoom_assembly.models import MeetingInfo, Transcript, Word
    from zoom_assembly.outputs import recording_folder_name, write_outputs

    meeting = MeetingInfo(uuid="abc123456789==", id=81234567890, topic="Sync")
    folder = tmp_path / recording_folder_name(meeting, "file-1")
    folder.mkdir()
    (folder / ".transcript.vtt.68f3eddf.tmp").write_text("half a caption")
    transcript = Transcript(id="t1", status="completed", text="Hi",
                            words=(Word("Hi", 0, 400, 0.9, "A"),))
    write_outputs(tmp_path, meeting, "file-1", transcript)
    assert sorted(p.name for p in folder.iterdir()) == [
        "transcript.json", "transcript.srt", "transcript.txt", "transcript.vtt"]
