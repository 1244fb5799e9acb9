"""Mapping AssemblyAI's speaker labels to names from Zoom's TIMELINE (pure, no network)."""

from __future__ import annotations

import json

from zoom_assembly.models import Transcript, Utterance, Word
from zoom_assembly.speakers import (
    merge_timelines,
    names_from_timeline,
    parse_timeline,
    parse_ts,
)


def clock(ms: int) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def user(name: str, email: str | None = None) -> dict[str, object]:
    return {"username": name, "zoom_userid": f"id-{name}", "user_id": 1,
            "email_address": email or f"{name.split()[0].lower()}@example.com",
            "multiple_people": False}


def transcript(turns: list[tuple[str, int, int]]) -> Transcript:
    """Words every 400 ms (350 ms long) through each (label, start, end) turn."""
    words = []
    utterances = []
    for label, start, end in turns:
        these = [Word("w", t, min(t + 350, end), 0.9, label) for t in range(start, end, 400)]
        words.extend(these)
        utterances.append(Utterance(label, start, end, "w " * len(these), 0.9, tuple(these)))
    return Transcript("t1", "completed", words=tuple(words), utterances=tuple(utterances))


def timeline_doc(turns: list[tuple[str | None, int, int]], lag: int, key: str = "timeline"
                 ) -> dict[str, object]:
    """Zoom's view of who spoke: each turn shown ``lag`` ms late, silence (``users: []``) after."""
    entries: list[dict[str, object]] = []
    for name, start, end in turns:
        entries.append({"ts": clock(start + lag), "users": [user(name)] if name else []})
        entries.append({"ts": clock(end + lag), "users": []})
    return {key: entries}


MEETING = [("A", 1000, 9000), ("B", 9800, 16000), ("A", 16500, 21000), ("C", 22000, 30000),
           ("B", 30600, 36000), ("C", 36500, 44000)]
NAMES = {"A": "Maya Chen", "B": "佐藤 陽翔", "C": "Jordan Blake"}


def zoom_view(turns: list[tuple[str, int, int]]) -> list[tuple[str | None, int, int]]:
    return [(NAMES[label], start, end) for label, start, end in turns]


def test_timestamps_are_read_in_every_shape_zoom_writes() -> None:
    assert parse_ts("00:01:02.345") == 62_345
    assert parse_ts("01:00:00.5") == 3_600_500
    assert parse_ts("1:02") == 62_000
    assert parse_ts("00:00:07,250") == 7_250
    assert parse_ts("soon") is None
    assert parse_ts(12) is None
    assert parse_ts("00:61:00.000") is None


def test_timeline_refine_is_preferred_over_the_raw_timeline() -> None:
    doc = {**timeline_doc([("Raw Name", 0, 5000)], 0),
           **timeline_doc([("Refined Name", 0, 5000)], 0, key="timeline_refine")}
    parsed = parse_timeline(json.dumps(doc).encode())
    assert [p.name for p in parsed.people.values()] == ["Refined Name"]


def test_same_speaker_gaps_are_merged_and_blips_dropped() -> None:
    doc = {"timeline": [
        {"ts": "00:00:01.000", "users": [user("Ana")]},
        {"ts": "00:00:04.000", "users": []},
        {"ts": "00:00:05.000", "users": [user("Ana")]},    # 1 s gap: same turn
        {"ts": "00:00:09.000", "users": [user("Ben")]},    # a 400 ms blip to Ben
        {"ts": "00:00:09.400", "users": [user("Ana")]},
        {"ts": "00:00:12.000", "users": []},
    ]}
    parsed = parse_timeline(doc)
    segments = {parsed.people[k].name: v for k, v in parsed.segments.items()}
    assert segments == {"Ana": ((1000, 12000),)}


def test_an_instant_with_several_users_counts_for_each_of_them() -> None:
    doc = {"timeline": [
        {"ts": "00:00:01.000", "users": [user("Ana"), user("Ben")]},
        {"ts": "00:00:03.000", "users": []},
    ]}
    parsed = parse_timeline(doc)
    assert sorted(parsed.segments.values()) == [((1000, 3000),), ((1000, 3000),)]


def test_segments_of_a_paused_recording_are_placed_at_their_offsets() -> None:
    first = parse_timeline(timeline_doc([("Ana", 1000, 4000)], 0))
    second = parse_timeline(timeline_doc([("Ana", 1000, 4000)], 0), offset_ms=60_000)
    merged = merge_timelines([first, second])
    assert list(merged.segments.values()) == [((1000, 4000), (61000, 64000))]


def test_garbage_gives_an_empty_timeline_not_an_error() -> None:
    assert parse_timeline(b"<html>").empty
    assert parse_timeline({"timeline": [{"ts": "x"}, "y", {"ts": "00:00:01", "users": 5}]}).empty


def test_labels_get_the_names_of_a_lagging_timeline() -> None:
    for lag in (500, 1300, 2000):
        result = names_from_timeline(transcript(MEETING), parse_timeline(
            timeline_doc(zoom_view(MEETING), lag)))
        assert {k: v.name for k, v in result.names.items()} == NAMES
        assert result.lag_ms is not None and abs(result.lag_ms - lag) <= 100
        assert result.names["A"].source == "timeline"
        assert result.names["A"].email == "maya@example.com"
        assert all(0.7 <= v.confidence <= 1.0 for v in result.names.values()
                   if v.confidence is not None)


def test_a_label_the_timeline_never_shows_is_not_given_someone_elses_name() -> None:
    # C speaks (e.g. dialled in by phone) but Zoom's layout keeps showing whoever spoke before.
    zoom = [(NAMES[label] if label != "C" else None, start, end) for label, start, end in MEETING]
    result = names_from_timeline(transcript(MEETING), parse_timeline(timeline_doc(zoom, 1000)))
    assert {k: v.name for k, v in result.names.items()} == {"A": "Maya Chen", "B": "佐藤 陽翔"}
    assert "C" in result.abstained


def test_two_labels_for_one_voice_are_not_both_named() -> None:
    # AssemblyAI split Maya into A and D (about as much each); the timeline only knows Maya.
    turns = [("A", 1000, 9000), ("B", 9800, 16000), ("D", 16500, 24000), ("B", 24500, 30000)]
    zoom = [("Maya Chen" if label in "AD" else NAMES[label], s, e) for label, s, e in turns]
    result = names_from_timeline(transcript(turns), parse_timeline(timeline_doc(zoom, 800)))
    assert "A" not in result.names and "D" not in result.names
    assert result.names["B"].name == "佐藤 陽翔"


def test_a_short_interjection_is_not_named_from_the_floor_holder() -> None:
    turns = [("A", 1000, 12000), ("B", 12200, 13000), ("A", 13300, 25000)]
    # Zoom missed B's "yes": the layout stayed on Maya.
    zoom: list[tuple[str | None, int, int]] = [("Maya Chen", 1000, 25000)]
    result = names_from_timeline(transcript(turns), parse_timeline(timeline_doc(zoom, 1000)))
    assert result.names["A"].name == "Maya Chen"
    assert "B" not in result.names


def test_no_timeline_entries_means_no_names() -> None:
    result = names_from_timeline(transcript(MEETING), parse_timeline({"timeline": []}))
    assert result.names == {}
    assert set(result.abstained) == {"A", "B", "C"}


def test_utterances_are_used_when_words_carry_no_labels() -> None:
    full = transcript(MEETING)
    bare = Transcript("t1", "completed", words=tuple(Word(w.text, w.start, w.end, w.confidence)
                                                     for w in full.words),
                      utterances=full.utterances)
    result = names_from_timeline(bare, parse_timeline(timeline_doc(zoom_view(MEETING), 1200)))
    assert {k: v.name for k, v in result.names.items()} == NAMES


def test_a_moment_of_overlap_is_too_little_evidence_for_a_name() -> None:
    turns = [*MEETING, ("D", 45000, 46500)]
    zoom = [*zoom_view(MEETING), ("Elena Ruiz", 45000, 46500)]
    result = names_from_timeline(transcript(turns), parse_timeline(timeline_doc(zoom, 1000)))
    assert "D" not in result.names
    assert {k: v.name for k, v in result.names.items()} == NAMES


def test_a_person_shown_for_a_small_part_of_a_labels_speech_is_not_its_name() -> None:
    turns = [*MEETING, ("D", 45000, 65000)]
    # Zoom showed Elena for 5 s of D's 20 s, nobody for the rest.
    zoom = [*zoom_view(MEETING), ("Elena Ruiz", 45000, 50000)]
    result = names_from_timeline(transcript(turns), parse_timeline(timeline_doc(zoom, 1000)))
    assert "D" not in result.names
    assert "shown during only" in result.abstained["D"]


def test_a_guest_who_rejoined_is_still_one_person() -> None:
    # Guests have no zoom_userid or email, and user_id changes with every join.
    def guest(user_id: int) -> dict[str, object]:
        return {"username": "Guest Kim", "zoom_userid": "", "user_id": user_id,
                "email_address": ""}

    turns = [("A", 1000, 9000), ("B", 9800, 16000), ("A", 16500, 24000), ("B", 24600, 32000)]
    entries: list[dict[str, object]] = []
    for n, (label, start, end) in enumerate(turns):
        who = user("Maya Chen") if label == "A" else guest(100 + n)  # rejoined between turns
        entries += [{"ts": clock(start + 1000), "users": [who]},
                    {"ts": clock(end + 1000), "users": []}]
    result = names_from_timeline(transcript(turns), parse_timeline({"timeline": entries}))
    assert result.names["B"].name == "Guest Kim" and result.names["B"].email is None


def alternating(turn_ms: int, count: int) -> list[tuple[str, int, int]]:
    return [("AB"[i % 2], 1000 + i * (turn_ms + 500), 1000 + i * (turn_ms + 500) + turn_ms)
            for i in range(count)]


def test_a_back_and_forth_that_fits_two_lags_names_nobody() -> None:
    # Equal turns: shifted by one turn the timeline fits as well, with the names swapped.
    turns = alternating(4000, 30)
    result = names_from_timeline(transcript(turns), parse_timeline(
        timeline_doc(zoom_view(turns), 1000)))
    assert result.names == {}
    assert "fits the timeline almost as well" in result.abstained["A"]


def test_a_lag_beyond_the_searched_range_names_nobody() -> None:
    turns = [("AB"[i % 2], 1000 + i * 4300 + (i % 3) * 200, 1000 + i * 4300 + 3600)
             for i in range(40)]
    result = names_from_timeline(transcript(turns), parse_timeline(
        timeline_doc(zoom_view(turns), 20_000)))
    assert result.names == {}


def test_several_thresholds_passed_narrowly_together_are_not_enough() -> None:
    from zoom_assembly.speakers import Person, Timeline, assign_names

    people = {"m": Person("m", "Maya Chen"), "b": Person("b", "Ben Ode")}
    # A spoke 20 s: Maya shown for 9 s of it (45%), Ben for 3.4 s, nobody for the rest.
    speech = {"A": [(0, 20_000)], "B": [(30_000, 60_000)]}
    timeline = Timeline(people, {"m": ((0, 9_000),), "b": ((9_000, 12_400), (30_000, 60_000))})
    result = assign_names(speech, timeline, 0)
    assert result.names["B"].name == "Ben Ode"
    assert "A" not in result.names and "confidence" in result.abstained["A"]
