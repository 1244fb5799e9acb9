"""A recording paused and resumed: its segments found, each one's audio chosen, transcribed,
paid for and written on its own."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.errors import StillProcessing
from zoom_assembly.ledger import Ledger
from zoom_assembly.models import Transcript, Word
from zoom_assembly.outputs import read_recording_json, recording_folder_name, write_outputs
from zoom_assembly.pipeline import Pipeline, PollPlan, RunOptions
from zoom_assembly.pipeline.results import RecordingResult
from zoom_assembly.pipeline.sources import label_of
from zoom_assembly.zoom import MeetingRecordings, choose_audio_file, parse_meeting
from zoom_assembly.zoom.segments import planned_audio_seconds, split_segments
from zoom_assembly.zoom.timeline import timeline_files

from .factories import meeting, recording_file
from .test_engine import FakeAssembly, FakeClock, FakeZoom, recordings

# Recorded 23:00-23:20, paused, 23:25-23:40, paused, 23:50-00:00.
SPANS = [("23:00:00", "23:20:00"), ("23:25:00", "23:40:00"), ("23:50:00", "23:59:59")]


def at(hms: str) -> str:
    return f"2024-08-16T{hms}Z"


def part(kind: str, n: int, *, status: str = "completed", size: int = 1000,
         recording_type: str = "") -> dict[str, Any]:
    types = {"M4A": "audio_only", "MP4": "shared_screen_with_speaker_view",
             "TIMELINE": "timeline"}
    f = recording_file(kind, recording_type or types[kind], file_id=f"{kind.lower()}-{n}",
                       status=status, size=size)
    f["recording_start"], f["recording_end"] = (at(t) for t in SPANS[n - 1])
    return f


def paused(*files: dict[str, Any]) -> MeetingRecordings:
    return parse_meeting(meeting(list(files), start=at("23:00:00")))


def test_a_paused_recording_splits_into_one_segment_per_recorded_span() -> None:
    chat = recording_file("CHAT", "chat_file", file_id="chat")
    chat["recording_start"], chat["recording_end"] = at("23:00:00"), at("23:59:59")
    undated = recording_file("CC", "closed_caption", file_id="cc")
    del undated["recording_start"], undated["recording_end"]
    rec = paused(part("TIMELINE", 3), part("M4A", 2), part("M4A", 1), part("MP4", 1),
                 part("TIMELINE", 1), part("M4A", 3), part("MP4", 3), part("TIMELINE", 2),
                 chat, undated)
    segments = split_segments(rec)
    assert [{f.id for f in s.files} for s in segments] == [
        {"m4a-1", "mp4-1", "timeline-1", "chat", "cc"},  # undated and whole-meeting: the first
        {"m4a-2", "timeline-2"},
        {"m4a-3", "mp4-3", "timeline-3"},
    ]
    stamps = [s.meeting.segment for s in segments]
    assert [(s.index, s.count) for s in stamps if s] == [(1, 3), (2, 3), (3, 3)]
    assert stamps[1] and stamps[1].start == datetime(2024, 8, 16, 23, 25, tzinfo=UTC)
    assert all(s.meeting.uuid == rec.meeting.uuid for s in segments)
    # Each segment's speaker evidence is its own TIMELINE.
    assert [[t.id for t in timeline_files(s, choose_audio_file(s).id)] for s in segments] == [
        ["timeline-1"], ["timeline-2"], ["timeline-3"]]


def test_files_of_one_part_may_disagree_on_its_start_by_a_moment_but_a_pause_splits() -> None:
    late_mp4 = {**part("MP4", 1), "recording_start": at("23:00:01")}
    resumed = {**part("M4A", 2), "recording_start": at("23:20:00"),  # no gap at all
               "recording_end": at("23:30:00")}
    segments = split_segments(paused(part("M4A", 1), late_mp4, resumed))
    assert [[f.id for f in s.files] for s in segments] == [["m4a-1", "mp4-1"], ["m4a-2"]]


def test_a_recording_never_paused_is_one_segment_holding_every_file() -> None:
    rec = parse_meeting(meeting([recording_file("M4A"), recording_file("MP4"),
                                 recording_file("TIMELINE", "timeline")]))
    [only] = split_segments(rec)
    assert only.files == rec.files
    assert only.meeting.segment is not None
    assert (only.meeting.segment.index, only.meeting.segment.count) == (1, 1)


def test_each_segment_gets_its_own_audio_by_the_same_rule() -> None:
    rec = paused(part("M4A", 1, size=500), part("MP4", 1, size=10),
                 part("MP4", 2, size=900, recording_type="gallery_view"),
                 {**part("MP4", 2, size=300), "id": "mp4-2-small"})
    chosen = [choose_audio_file(s).id for s in split_segments(rec)]
    assert chosen == ["m4a-1", "mp4-2-small"]  # the M4A; else the smallest completed MP4


def test_a_segment_still_processing_holds_up_only_itself() -> None:
    rec = paused(part("M4A", 1), part("M4A", 2, status="processing"), part("M4A", 3))
    first, second, third = split_segments(rec)
    assert choose_audio_file(first).id == "m4a-1" and choose_audio_file(third).id == "m4a-3"
    with pytest.raises(StillProcessing, match="Weekly sync part 2 of 3"):
        choose_audio_file(second)
    assert label_of(second.meeting) == "Weekly sync (2024-08-16 23:00) part 2 of 3"
    assert label_of(rec.meeting) == "Weekly sync (2024-08-16 23:00)"


def test_a_plan_counts_the_audio_of_every_segment() -> None:
    rec = paused(part("M4A", 1), part("MP4", 1), part("M4A", 2), part("M4A", 3))
    assert planned_audio_seconds(rec) == 20 * 60 + 15 * 60 + 9 * 60 + 59
    # Parts a run already began (their files in the ledger) are not counted again.
    assert planned_audio_seconds(rec, {"mp4-1", "m4a-3"}) == 15 * 60
    one = parse_meeting(meeting([recording_file("M4A")]))
    assert planned_audio_seconds(one) == choose_audio_file(one).duration_seconds


def test_each_segment_gets_a_folder_named_as_today_plus_its_part() -> None:
    rec = paused(part("M4A", 1), part("M4A", 2), part("M4A", 3))
    plain = parse_meeting(meeting([recording_file("M4A")]))
    [only] = split_segments(plain)
    today = recording_folder_name(plain.meeting, "m4a-1")
    assert recording_folder_name(only.meeting, "m4a-1") == today  # never paused: unchanged
    segments = split_segments(rec)
    names = [recording_folder_name(s.meeting, choose_audio_file(s).id) for s in segments]
    assert [n.rsplit("_part-", 1)[1] for n in names] == ["1-of-3", "2-of-3", "3-of-3"]
    unsuffixed = recording_folder_name(replace(segments[1].meeting, segment=None), "m4a-2")
    assert names[1] == unsuffixed + "_part-2-of-3"  # today's name, plus the part
    long = split_segments(parse_meeting(meeting(
        [part("M4A", 1), part("M4A", 2)], topic="x" * 400)))[1].meeting
    assert len(recording_folder_name(long, "m4a-2").encode()) <= 255


def _transcript() -> Transcript:
    return Transcript(id="tr-1", status="completed", text="Hola", language_code="es",
                      audio_duration=60.0, words=(Word("Hola", 250, 650, 0.9, "A"),))


def test_transcript_json_says_which_part_and_rename_keeps_it(tmp_path: Path) -> None:
    second = split_segments(paused(part("M4A", 1), part("M4A", 2)))[1]
    files = write_outputs(tmp_path, second.meeting, "m4a-2", _transcript())
    doc = json.loads(files["json"].read_text(encoding="utf-8"))
    assert doc["segment"] == {"index": 2, "count": 2, "recording_start": at("23:25:00")}
    assert doc["words"][0]["start"] == 250  # still from the start of this part's audio
    assert "Part: 2 of 2" in files["txt"].read_text(encoding="utf-8")
    read = read_recording_json(files["json"])
    assert read is not None and read[1].segment == second.meeting.segment
    [only] = split_segments(parse_meeting(meeting([recording_file("M4A")])))
    plain = write_outputs(tmp_path, only.meeting, "m4a", _transcript())
    assert "segment" not in json.loads(plain["json"].read_text(encoding="utf-8"))
    assert "Part:" not in plain["txt"].read_text(encoding="utf-8")


def test_each_json_line_says_which_segment_it_is() -> None:
    segments = split_segments(paused(part("M4A", 1), part("M4A", 2), part("M4A", 3)))
    line = RecordingResult.completed(segments[1].meeting, "m4a-2", _transcript(), {}).to_json()
    assert (line["segment"], line["segments"]) == (2, 3)
    plain = parse_meeting(meeting([recording_file("M4A")]))
    local = RecordingResult.completed(plain.meeting, "m4a", _transcript(), {}).to_json()
    assert (local["segment"], local["segments"]) == (None, None)


class PausedZoom(FakeZoom):
    """Zoom answering a recheck with the paused meeting, its second part now completed."""

    def meeting_recordings(self, meeting_ref: Any, *, download_token_ttl: int | None = None
                           ) -> MeetingRecordings:
        self.fetches += 1
        return recordings(token=f"scoped-{self.fetches}",
                          files=[part("M4A", 1), part("M4A", 2), part("TIMELINE", 2)])


def _run(tmp_path: Path, assembly: FakeAssembly, item: MeetingRecordings, **overrides: Any
         ) -> tuple[list[RecordingResult], PausedZoom]:
    clock = FakeClock()
    zoom = PausedZoom()
    options = RunOptions(out_dir=tmp_path, poll=PollPlan(min_interval=1, max_interval=5),
                         workers=0, **overrides)
    with Ledger.open(tmp_path) as ledger:
        pipeline = Pipeline(zoom, assembly, ledger, options,  # type: ignore[arg-type]
                            clock=clock, sleep=clock.sleep)
        return pipeline.run([item]), zoom


def test_every_segment_is_transcribed_once_and_a_rerun_pays_nothing(tmp_path: Path) -> None:
    item = recordings(files=[part("M4A", 1), part("MP4", 1), part("M4A", 2), part("M4A", 3)])
    assembly = FakeAssembly()
    results, _ = _run(tmp_path, assembly, item)
    assert sorted((r.recording_file_id, r.status) for r in results) == [
        ("m4a-1", "completed"), ("m4a-2", "completed"), ("m4a-3", "completed")]
    assert sorted(u.split("/rec/download/")[1].split("?")[0] for u in assembly.submits) == [
        "m4a-1", "m4a-2", "m4a-3"]
    folders = {r.files["json"].parent.name.rsplit("_part-", 1)[1] for r in results}
    assert folders == {"1-of-3", "2-of-3", "3-of-3"}
    again, _ = _run(tmp_path, assembly, item)
    assert len(assembly.submits) == 3 and all(r.cached for r in again) and len(again) == 3


def test_a_run_that_paid_for_one_segment_before_this_fix_pays_only_for_the_others(
        tmp_path: Path) -> None:
    assembly = FakeAssembly()
    _run(tmp_path, assembly, recordings(files=[part("M4A", 1)]))  # as if only that was chosen
    _run(tmp_path, assembly, recordings(files=[part("M4A", 1), part("M4A", 2)]))
    assert sorted(u.split("/rec/download/")[1].split("?")[0] for u in assembly.submits) == [
        "m4a-1", "m4a-2"]


def test_a_segment_zoom_is_still_processing_does_not_hold_up_the_others(
        tmp_path: Path) -> None:
    item = recordings(files=[part("M4A", 1), part("M4A", 2, status="processing")])
    assembly = FakeAssembly()
    results, zoom = _run(tmp_path, assembly, item)
    assert sorted((r.recording_file_id, r.status, r.meeting.segment.index if r.meeting.segment
                   else 0) for r in results) == [("", "processing", 2), ("m4a-1", "completed", 1)]
    assert zoom.fetches == 0
    # With --wait, only the segment still processing is looked at again.
    waited, zoom = _run(tmp_path / "w", FakeAssembly(), item, wait_processing=60.0)
    assert sorted((r.recording_file_id, r.status) for r in waited) == [
        ("m4a-1", "completed"), ("m4a-2", "completed")]
    assert zoom.fetches == 1


def test_a_recheck_of_a_part_zoom_no_longer_lists_says_so(tmp_path: Path) -> None:
    from zoom_assembly.events import discard
    from zoom_assembly.pipeline.zoom_intake import Recheck, ZoomIntake

    class Shrunk(PausedZoom):
        def meeting_recordings(self, meeting_ref: Any, *, download_token_ttl: int | None = None
                               ) -> MeetingRecordings:
            return recordings(files=[part("M4A", 1), part("M4A", 3)])

    clock = FakeClock()
    options = RunOptions(out_dir=tmp_path, workers=0)
    item = recordings(files=[part("M4A", 1), part("M4A", 2, status="processing")])
    with Ledger.open(tmp_path) as ledger:
        intake = ZoomIntake(Shrunk(), FakeAssembly(), ledger, options,  # type: ignore[arg-type]
                            clock=clock, sink=discard)
        first, waiting = intake.take_all(item, deadline=60.0)
        assert isinstance(waiting, Recheck) and waiting.segment_start is not None
        assert not isinstance(first, Recheck)
        [outcome] = intake.recheck(waiting)
    assert isinstance(outcome, RecordingResult) and outcome.status == "processing"
    assert "no longer lists the part" in (outcome.error_message or "")
