"""The emulator's TIMELINE is as imperfect as Zoom's: lag, late start, missed interjections,
several users at once, blips. (A perfectly aligned one makes any naive mapping look right.)"""

from __future__ import annotations

from zoom_assembly.emulator.scripts import ScriptWord
from zoom_assembly.emulator.timeline import active_speaker_entries
from zoom_assembly.speakers import parse_ts


def person(name: str) -> dict[str, object]:
    return {"username": name, "zoom_userid": name.lower(), "email_address": "", "user_id": 1}


def script(turns: list[tuple[str, int, int]]) -> list[ScriptWord]:
    return [ScriptWord("w", t, t + 300, who, 0.9) for who, start, end in turns
            for t in range(start, end - 299, 400)]


TURNS = [(("Ana", "Ben", "Chen")[i % 3], 2000 + i * 7000, 8000 + i * 7000) for i in range(40)]


def shown(entries: list[dict[str, object]]) -> list[tuple[int, list[str]]]:
    result = []
    for entry in entries:
        ts = parse_ts(entry["ts"])
        assert ts is not None
        users = entry["users"]
        assert isinstance(users, list)
        result.append((ts, [u["username"] for u in users]))
    return result


def test_timeline_lags_the_voice_by_half_a_second_to_two() -> None:
    lags = set()
    for seed in range(20):
        entries = shown(active_speaker_entries(script(TURNS), person, seed))
        for who, start, _ in TURNS[5:]:
            first = next(ts for ts, users in entries if users == [who] and ts >= start)
            assert 500 - 250 <= first - start <= 2000 + 800 + 250
            lags.add(first - start)
    assert max(lags) - min(lags) > 1000


def test_timeline_starts_late() -> None:
    starts = [shown(active_speaker_entries(script(TURNS), person, seed))[0][0]
              for seed in range(20)]
    assert max(starts) > 2000 + 2000


def test_short_interjections_never_reach_the_timeline() -> None:
    turns = [("Ana", 1000, 9000), ("Ben", 9200, 10000), ("Ana", 10200, 20000)]
    for seed in range(10):
        entries = shown(active_speaker_entries(script(turns), person, seed, lag_ms=1000))
        # (Blips to Ben may happen elsewhere; where his lagged turn would show, nothing.)
        assert all("Ben" not in users for ts, users in entries if 9900 <= ts <= 11300)


def test_some_speaker_changes_list_two_users_at_once() -> None:
    turns = [(("Ana", "Ben")[i % 2], i * 5000, i * 5000 + 4500) for i in range(40)]
    entries = shown(active_speaker_entries(script(turns), person, 7))
    assert any(len(users) == 2 for _, users in entries)


def test_the_same_seed_gives_the_same_timeline() -> None:
    assert active_speaker_entries(script(TURNS), person, 3) == \
        active_speaker_entries(script(TURNS), person, 3)


def test_builtin_meetings_timelines_give_right_names_or_none() -> None:
    from zoom_assembly.emulator.scenario import Scenario
    from zoom_assembly.models import Transcript, Word
    from zoom_assembly.speakers import names_from_timeline, parse_timeline

    scenario = Scenario.builtin()
    named = 0
    for meeting in scenario.meetings:
        timeline_file = next((f for f in meeting.files if f.file_type == "TIMELINE"), None)
        if timeline_file is None or meeting.silent:
            continue
        words = scenario.script(meeting)
        labels: dict[str, str] = {}
        for w in words:
            labels.setdefault(w.speaker, chr(65 + len(labels)))
        transcript = Transcript("t", "completed", words=tuple(
            Word(w.text, w.start, w.end, w.confidence, labels[w.speaker]) for w in words))
        result = names_from_timeline(
            transcript, parse_timeline(scenario.text_content(timeline_file.id)))
        truth = {label: name for name, label in labels.items()}
        for label, given in result.names.items():
            assert given.name == truth[label], meeting.topic
        named += len(result.names)
    assert named >= 10
