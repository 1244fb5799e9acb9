"""A recording paused and resumed, end to end against the emulator: every segment transcribed,
each paid for once, a rerun paying nothing, each named from its own TIMELINE, and the backfill
plan counting every segment's audio."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.emulator import Scenario
from zoom_assembly.emulator.pauses import with_pauses
from zoom_assembly.emulator.scenario import Meeting, span_words

from .conftest import Harness, start_emulator

PAUSES = [(15 * 60_000, 18 * 60_000), (40 * 60_000, 41 * 60_000)]  # ms from the start


@pytest.fixture
def paused(tmp_path: Path) -> Iterator[tuple[Harness, Meeting]]:
    base = Scenario.builtin(processing_ready_after=1.0)
    long = base.find("long")  # 60 minutes, four speakers
    meeting = with_pauses(long, PAUSES, kinds="M4A MP4 TIMELINE")
    meetings = [meeting if m is long else m for m in base.meetings]
    scenario = Scenario(base.users, meetings, account_id=base.account_id, anchor=base.anchor,
                        processing_ready_after=1.0)
    with start_emulator(scenario=scenario, concurrency=5) as emu:
        yield Harness(emu, tmp_path / "out"), meeting


def lines(h: Harness, *args: str) -> list[dict[str, Any]]:
    result = h.run(*args, "--json")
    assert result.code == 0, result.stderr
    return [json.loads(x) for x in result.stdout.splitlines()]


def test_every_segment_is_transcribed_paid_once_and_named_from_its_own_timeline(
        paused: tuple[Harness, Meeting]) -> None:
    h, meeting = paused
    got = sorted(lines(h, meeting.uuid), key=lambda x: x["segment"])
    audio = [f for f in meeting.files if f.file_type == "M4A"]
    assert [(x["segment"], x["segments"], x["status"]) for x in got] == [
        (1, 3, "completed"), (2, 3, "completed"), (3, 3, "completed")]
    assert [x["recording_file_id"] for x in got] == [f.id for f in audio]  # the M4A of each
    assert h.stats()["submissions"] == {f.id: 1 for f in audio}  # no MP4, nothing twice
    script = h.emu.scenario.script(meeting)
    for line, file in zip(got, audio, strict=True):
        folder = Path(line["files"]["json"]).parent
        assert folder.name.endswith(f"_part-{line['segment']}-of-3")
        doc = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
        assert file.span_ms is not None
        said = span_words(script, file.span_ms)
        assert [w["text"] for w in doc["words"]] == [w.text for w in said]  # its audio only
        assert doc["segment"]["index"] == line["segment"]
        labels: dict[str, str] = {}
        for w in said:
            labels.setdefault(w.speaker, chr(65 + len(labels)))
        expected = {label: name for name, label in labels.items()}
        assert doc["speakers"], f"nobody named in part {line['segment']}"
        assert all(s["name"] == expected[label] and s["source"] == "timeline"
                   for label, s in doc["speakers"].items())
    by_file = h.stats()["downloads"]["by_file"]
    assert all(by_file.get(f.id) == 1 for f in meeting.files if f.file_type == "TIMELINE")

    again = lines(h, meeting.uuid)
    assert len(again) == 3 and all(x["cached"] and x["status"] == "completed" for x in again)
    assert h.stats()["submissions"] == {f.id: 1 for f in audio}  # the rerun paid nothing


def test_the_backfill_plan_counts_every_segments_audio_as_billed(
        paused: tuple[Harness, Meeting]) -> None:
    h, meeting = paused
    anchor = meeting.start_time.date()
    window = ("--from", (anchor - timedelta(days=1)).isoformat(),
              "--to", (anchor + timedelta(days=1)).isoformat())
    plan = {x["meeting"]["uuid"]: x
            for x in lines(h, "backfill", *window, "--all-users", "--dry-run")}
    recorded = sum(end - start for start, end in
                   (f.span_ms for f in meeting.files if f.file_type == "M4A" and f.span_ms))
    assert plan[meeting.uuid]["audio_seconds"] == pytest.approx(recorded / 1000, abs=3)
    lines(h, meeting.uuid)
    assert h.stats()["billing"]["audio_seconds"] == pytest.approx(
        plan[meeting.uuid]["audio_seconds"], abs=3)

    def planned() -> dict[str, Any]:
        return next(x for x in lines(h, "backfill", *window, "--all-users", "--dry-run")
                    if x["meeting"]["uuid"] == meeting.uuid)

    assert planned()["action"] == "done"
    # A ledger from before parts were transcribed knows one part: the plan counts the others.
    first, *others = [f for f in meeting.files if f.file_type == "M4A" and f.span_ms]
    with sqlite3.connect(h.out / ".transcribe-zoom" / "ledger.sqlite") as db:
        db.execute("DELETE FROM recordings WHERE recording_file_id != ?", (first.id,))
    left = planned()
    assert left["action"] == "transcribe"
    assert left["audio_seconds"] == pytest.approx(
        sum(f.span_ms[1] - f.span_ms[0] for f in others if f.span_ms) / 1000, abs=3)


def test_a_recording_never_paused_keeps_one_line_and_its_folder(
        paused: tuple[Harness, Meeting]) -> None:
    h, _ = paused
    [line] = lines(h, h.emu.scenario.find("japanese").uuid)
    assert (line["segment"], line["segments"]) == (1, 1)
    assert "_part-" not in Path(line["files"]["json"]).parent.name
    doc = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
    assert "segment" not in doc

