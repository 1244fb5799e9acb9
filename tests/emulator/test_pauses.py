"""Paused and resumed recordings in the emulator: one set of files per recorded segment, each
timed from its own start."""

from __future__ import annotations

import json

from zoom_assembly.emulator import Scenario
from zoom_assembly.emulator.pauses import segments, with_pauses
from zoom_assembly.speakers import parse_ts


def test_pauses_split_the_meeting_into_the_spans_recorded() -> None:
    assert segments(60_000, [(10_000, 20_000), (40_000, 45_000)]) == [
        (0, 10_000), (20_000, 40_000), (45_000, 60_000)]
    assert segments(60_000, [(0, 5_000)]) == [(5_000, 60_000)]
    assert segments(60_000, []) == [(0, 60_000)]


def test_each_segment_has_its_own_audio_and_timeline_timed_from_its_start() -> None:
    base = Scenario.builtin()
    long = base.find("long")
    paused = with_pauses(long, [(20 * 60_000, 24 * 60_000)])
    scenario = Scenario(base.users, [paused], account_id=base.account_id, anchor=base.anchor)
    audio = [f for f in paused.files if f.file_type == "M4A"]
    timelines = [f for f in paused.files if f.file_type == "TIMELINE"]
    assert [f.span_ms for f in audio] == [(0, 1_200_000), (1_440_000, 3_600_000)]
    assert [f.span_ms for f in timelines] == [f.span_ms for f in audio]
    second = scenario.file_words(audio[1].id)
    assert second[0].start < 60_000 and second[-1].end <= 2_160_000  # from the segment's start
    said = {w.text for w in scenario.script(paused) if 1_200_000 <= w.start < 1_440_000}
    assert said and len(scenario.file_words(audio[0].id)) + len(second) < len(
        scenario.script(paused))  # the pause is in no file
    entries = json.loads(scenario.text_content(timelines[1].id))["timeline"]
    stamps = [parse_ts(e["ts"]) or 0 for e in entries]
    assert min(stamps) >= 0 and max(stamps) <= 2_160_000 + 5_000
    assert scenario.file_size(audio[0], paused) < scenario.file_size(audio[1], paused)


def test_a_paused_meeting_survives_a_scenario_file_round_trip() -> None:
    base = Scenario.builtin()
    paused = with_pauses(base.find("long"), [(60_000, 120_000)])
    scenario = Scenario(base.users, [paused], account_id=base.account_id, anchor=base.anchor)
    again = Scenario.from_json(json.loads(json.dumps(scenario.to_json())))
    assert again.meetings[0].files == paused.files
