"""`transcribe-zoom MEETING` end to end against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import srt
import webvtt

from .conftest import Harness


def submissions(h: Harness) -> dict[str, int]:
    return dict(h.stats()["submissions"])


def test_one_meeting_writes_four_files_with_the_services_word_timings(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("spanish")
    result = h.run(meeting.uuid, "--json")
    assert result.code == 0, result.stderr
    line = json.loads(result.stdout.strip())
    assert line["status"] == "completed" and line["language_code"] == "es"
    assert line["meeting"]["uuid"] == meeting.uuid and line["error"] is None
    files = {fmt: Path(path) for fmt, path in line["files"].items()}
    assert all(path.is_absolute() and path.exists() for path in files.values())
    doc = json.loads(files["json"].read_text())
    expected = h.emu.scenario.expected_words(line["recording_file_id"])
    assert [(w["text"], w["start"], w["end"]) for w in doc["words"]] == \
        [(text, start, end) for text, start, end, _ in expected]
    assert all(isinstance(w["start"], int) for w in doc["words"])
    assert doc["utterances"] and doc["transcript_id"] == line["transcript_id"]
    cues = list(srt.parse(files["srt"].read_text()))
    assert cues and cues[0].start.total_seconds() * 1000 == doc["words"][0]["start"]
    assert len(webvtt.from_string(files["vtt"].read_text()).captions) == len(cues)
    txt = files["txt"].read_text()  # named from the TIMELINE by default
    assert any(f"{name}:" in txt for name in meeting.speakers)


def test_json_output_has_nothing_else_on_stdout(harness: Harness) -> None:
    h = harness
    result = h.run(h.emu.scenario.find("german").uuid, "--json")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["language_code"] == "de"


def test_numeric_id_transcribes_every_recorded_instance(harness: Harness) -> None:
    h = harness
    recurring = h.emu.scenario.find("recurring")
    instances = [m for m in h.emu.scenario.instances(recurring.id) if m.recorded]
    result = h.run(str(recurring.id), "--json")
    assert result.code == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert {x["meeting"]["uuid"] for x in lines} == {m.uuid for m in instances}
    assert len({x["files"]["txt"] for x in lines}) == len(instances)


def test_latest_transcribes_only_the_newest_instance(harness: Harness) -> None:
    h = harness
    recurring = h.emu.scenario.find("recurring")
    recorded = [m for m in h.emu.scenario.instances(recurring.id) if m.recorded]
    newest = max(recorded, key=lambda m: m.start_time)
    result = h.run(str(recurring.id), "--latest", "--json")
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["meeting"]["uuid"] for x in lines] == [newest.uuid]


def test_uuid_with_double_slash_is_found(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("uuid_double_slash")
    assert "//" in meeting.uuid
    assert h.run(meeting.uuid).code == 0


def test_uuid_with_leading_slash_is_found(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("uuid_leading_slash")
    assert meeting.uuid.startswith("/")
    assert h.run(meeting.uuid).code == 0


def test_japanese_meeting_falls_back_to_a_model_that_speaks_it(harness: Harness) -> None:
    h = harness
    result = h.run(h.emu.scenario.find("japanese").uuid, "--json")
    line = json.loads(result.stdout)
    doc = json.loads(Path(line["files"]["json"]).read_text())
    assert line["language_code"] == "ja" and doc["speech_model_used"] == "universal-2"


def test_rerun_is_a_no_op_that_submits_nothing(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("english")
    assert h.run(meeting.uuid).code == 0
    before = dict(submissions(h))
    assert sum(before.values()) == 1
    again = h.run(meeting.uuid, "--json")
    assert again.code == 0 and json.loads(again.stdout)["status"] == "completed"
    assert submissions(h) == before


def test_video_only_meeting_is_transcribed_from_the_smallest_mp4(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("video_only")
    result = h.run(meeting.uuid, "--json")
    assert result.code == 0, result.stderr
    mp4s = [f for f in meeting.files if f.file_type == "MP4"]
    used = json.loads(result.stdout)["recording_file_id"]
    assert used in {f.id for f in mp4s} and "MP4" in result.stderr


def test_zoom_transcript_only_is_skipped_with_exit_0_saying_there_is_no_audio(
    harness: Harness,
) -> None:
    # "skipped" does not fail a run, alone or in a backfill (README, exit codes).
    h = harness
    result = h.run(h.emu.scenario.find("zoom_transcript_only").uuid)
    assert result.code == 0 and "only Zoom's own transcript" in result.stdout + result.stderr


def test_zoom_transcript_only_is_written_from_zooms_text_under_the_default_policy(
    harness: Harness,
) -> None:
    h = harness
    meeting = h.emu.scenario.find("zoom_transcript_only")
    result = h.run(meeting.uuid, "--json", "--pay-for", "non-english")
    assert result.code == 0, result.stderr
    line = json.loads(result.stdout.splitlines()[0])
    assert line["status"] == "completed" and line["files"]["txt"]
    doc = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
    assert doc["source"] == "zoom_transcript" and doc["timing"] == "cue"
    assert h.stats()["submissions"] == {}  # nothing paid: there is no audio to pay for


def test_file_still_processing_exits_1_and_suggests_wait(harness: Harness) -> None:
    h = harness
    with_delay = h.emu.scenario.find("processing")
    h.emu.state.started_at = h.emu.state.clock() + 3600  # keep it processing
    result = h.run(with_delay.uuid, "--json")
    line = json.loads(result.stdout)
    assert result.code == 1 and line["status"] == "processing"
    assert "--wait" in line["error"]["message"]


def test_wait_picks_up_a_file_once_zoom_finishes_processing(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("processing")
    result = h.run(meeting.uuid, "--wait", "30", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "completed"


def test_silent_meeting_completes_with_empty_text(harness: Harness) -> None:
    h = harness
    result = h.run(h.emu.scenario.find("silent").uuid, "--json")
    assert result.code == 0, result.stderr
    doc = json.loads(Path(json.loads(result.stdout)["files"]["json"]).read_text())
    assert doc["words"] == []


def test_participant_audio_does_not_replace_the_mixed_audio(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("participant_audio")
    result = h.run(meeting.uuid, "--json")
    used = json.loads(result.stdout)["recording_file_id"]
    assert used in {f.id for f in meeting.files}


def test_unknown_meeting_exits_2(harness: Harness) -> None:
    h = harness
    result = h.run("99999999999")
    assert result.code == 2 and "error:" in result.stderr and "Traceback" not in result.stderr


def test_only_requested_formats_are_written(harness: Harness) -> None:
    h = harness
    result = h.run(h.emu.scenario.find("english").uuid, "--format", "txt,vtt", "--json")
    files = json.loads(result.stdout)["files"]
    assert files["json"] is None and files["srt"] is None
    assert Path(files["txt"]).exists() and Path(files["vtt"]).exists()


def test_status_summarises_the_ledger(harness: Harness) -> None:
    h = harness
    h.run(h.emu.scenario.find("english").uuid)
    result = h.run("status", "--out", str(h.out), "--json")
    doc = json.loads(result.stdout)
    assert doc["counts"]["completed"] == 1 and doc["audio_hours"] > 0


def test_uuid_with_one_inner_slash_gets_a_scoped_download_token(harness: Harness) -> None:
    h = harness
    meeting = next(m for m in h.emu.scenario.meetings
                   if "/" in m.uuid[1:] and "//" not in m.uuid and not m.uuid.startswith("/")
                   and any(f.file_type == "M4A" for f in m.files))
    result = h.run(meeting.uuid, "--json")
    assert result.code == 0, result.stderr
    assert "account-wide access token" not in result.stderr
