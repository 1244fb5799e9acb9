"""The built-in data set, the generator, persistence and content consistency (no HTTP)."""

from __future__ import annotations

import itertools
import json
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from zoom_assembly.emulator import Scenario
from zoom_assembly.emulator.audio import iter_media, read_marker
from zoom_assembly.emulator.scripts import join_words, turns

REQUIRED_TAGS = (
    "english", "spanish", "german", "japanese", "recurring", "uuid_leading_slash",
    "uuid_double_slash", "video_only", "processing", "zoom_transcript_only", "silent",
    "participant_audio", "participant_audio_ja", "trash",
)  # fmt: skip


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.builtin(date(2025, 3, 15))


def test_builtin_has_every_required_tag(scenario: Scenario) -> None:
    for tag in REQUIRED_TAGS:
        assert scenario.find(tag).tags.count(tag) == 1


def test_unknown_tag_names_the_known_ones(scenario: Scenario) -> None:
    with pytest.raises(KeyError, match="spanish"):
        scenario.find("no-such-tag")


def test_ids_are_stable_and_dates_follow_the_anchor(scenario: Scenario) -> None:
    later = Scenario.builtin(date(2025, 3, 25))
    for tag in REQUIRED_TAGS:
        a, b = scenario.find(tag), later.find(tag)
        assert (a.uuid, a.id) == (b.uuid, b.id)
        assert b.start_time - a.start_time == timedelta(days=10)


def test_data_spans_more_than_a_year_with_users_of_every_status(scenario: Scenario) -> None:
    oldest = min(m.start_time.date() for m in scenario.meetings)
    assert (scenario.anchor - oldest).days > 365
    assert {u.status for u in scenario.users} == {"active", "inactive", "pending"}
    assert 25 <= len(scenario.meetings) <= 60


def test_special_uuids(scenario: Scenario) -> None:
    assert scenario.find("uuid_leading_slash").uuid.startswith("/")
    assert "//" in scenario.find("uuid_double_slash").uuid
    assert "/" not in scenario.find("english").uuid


def test_recurring_meeting_has_several_instances_of_one_id(scenario: Scenario) -> None:
    meeting = scenario.find("recurring")
    instances = scenario.instances(meeting.id)
    assert len(instances) >= 3
    assert len({m.uuid for m in instances}) == len(instances)
    assert meeting == max((m for m in instances if m.recorded), key=lambda m: m.start_time)


def test_meeting_languages(scenario: Scenario) -> None:
    expected = {"english": "en", "spanish": "es", "german": "de", "japanese": "ja"}
    for tag, language in expected.items():
        assert scenario.meeting_language(tag) == language
        meeting = scenario.find(tag)
        assert 2 <= len(meeting.speakers) <= 5
        assert scenario.meeting_language(meeting.uuid) == language
        assert scenario.meeting_language(meeting.files[0].id) == language


def test_file_kinds_of_special_meetings(scenario: Scenario) -> None:
    def kinds(tag: str) -> set[str]:
        return {f.file_type for f in scenario.find(tag).files}

    assert kinds("video_only") == {"MP4"}
    assert kinds("zoom_transcript_only") == {"TRANSCRIPT", "CHAT"}
    assert all(f.processing for f in scenario.find("processing").files if f.is_media)
    assert len(scenario.find("participant_audio").participant_files) == 3
    assert scenario.find("trash").trashed


def test_expected_words_are_deterministic_integer_ms(scenario: Scenario) -> None:
    f = scenario.find("german").files[1]
    words = scenario.expected_words(f.id)
    assert words == Scenario.builtin(date(2025, 1, 1)).expected_words(f.id)
    assert len(words) > 100
    assert all(isinstance(w[1], int) and isinstance(w[2], int) and w[1] < w[2] for w in words)
    assert all(a[2] <= b[1] for a, b in itertools.pairwise(words))
    assert {w[3] for w in words} <= set(scenario.find("german").speakers)
    assert words[-1][2] <= scenario.find("german").duration_s * 1000


def test_participant_file_holds_only_its_speaker(scenario: Scenario) -> None:
    meeting = scenario.find("participant_audio")
    everyone = scenario.expected_words(meeting.files[1].id)
    for f in meeting.participant_files:
        words = scenario.expected_words(f.id)
        assert words and {w[3] for w in words} == {f.speaker}
        assert set(words) <= set(everyone)


def test_participant_audio_in_a_non_latin_script_has_a_participant_who_never_spoke(
        scenario: Scenario) -> None:
    meeting = scenario.find("participant_audio_ja")
    heard = {f.file_name: scenario.expected_words(f.id) for f in meeting.participant_files}
    silent = [name for name, words in heard.items() if not words]
    assert len(silent) == 1 and silent[0] == "伊藤 大輔.m4a"
    assert all(name.removesuffix(".m4a") in meeting.speakers
               for name, words in heard.items() if words)


def test_silent_meeting_says_nothing(scenario: Scenario) -> None:
    assert scenario.expected_words(scenario.find("silent").files[0].id) == []


def test_timeline_names_the_scripts_speakers_late_and_with_pauses(scenario: Scenario) -> None:
    meeting = scenario.find("english")
    timeline_file = next(f for f in meeting.files if f.file_type == "TIMELINE")
    entries = json.loads(scenario.text_content(timeline_file.id))["timeline"]
    spoken = turns(scenario.script(meeting))
    with_users = [e for e in entries if e["users"]]
    assert {u["username"] for e in with_users for u in e["users"]} <= set(meeting.speakers)
    h, m, s = with_users[0]["ts"].split(":")
    # Zoom's active speaker lags the voice: never ahead of the first word.
    assert int(h) * 3_600_000 + int(m) * 60_000 + round(float(s) * 1000) > spoken[0].start
    assert any(e["users"] == [] for e in entries)


def test_zoom_vtt_transcript_matches_the_script(scenario: Scenario) -> None:
    meeting = scenario.find("english")
    vtt_file = next(f for f in meeting.files if f.file_type == "TRANSCRIPT")
    vtt = scenario.text_content(vtt_file.id).decode()
    assert vtt.startswith("WEBVTT\n")
    words = scenario.script(meeting)
    first_line = vtt.split("\n\n")[1].splitlines()[2]
    assert first_line.startswith(f"{words[0].speaker}: {words[0].text}")


def test_japanese_text_is_joined_without_spaces(scenario: Scenario) -> None:
    words = scenario.script(scenario.find("japanese"))
    assert " " not in join_words([w.text for w in words[:20]], "ja")


def test_media_bytes_carry_the_marker_and_exact_size(scenario: Scenario) -> None:
    meeting = scenario.find("spanish")
    f = next(f for f in meeting.files if f.file_type == "M4A")
    size = scenario.file_size(f, meeting)
    body = b"".join(iter_media(f.id, f.file_type, size))
    assert len(body) == size == meeting.duration_s * scenario.m4a_bytes_per_second
    assert body[4:8] == b"ftyp" and body[8:12] == b"M4A "
    assert read_marker(body[:4096]) == f.id
    assert b"".join(iter_media(f.id, f.file_type, size, 1000, 300_000)) == body[1000:300_000]


def test_dump_and_load_round_trip(scenario: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    scenario.dump(path)
    loaded = Scenario.load(path)
    assert loaded.meetings == scenario.meetings
    assert loaded.users == scenario.users
    assert loaded.find("uuid_double_slash") == scenario.find("uuid_double_slash")


def test_generate_ten_thousand_meetings_quickly() -> None:
    started = time.perf_counter()
    scenario = Scenario.generate(10_000, n_users=40, seed=7, end=date(2025, 6, 30))
    elapsed = time.perf_counter() - started
    assert len(scenario.meetings) == 10_000 and len(scenario.users) == 40
    assert elapsed < 2.0
    again = Scenario.generate(10_000, n_users=40, seed=7, end=date(2025, 6, 30))
    assert again.meetings[1234] == scenario.meetings[1234]
    span = {m.start_time.date() for m in scenario.meetings}
    assert min(span) >= date(2024, 6, 30) and max(span) <= date(2025, 6, 30)
