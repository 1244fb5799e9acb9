"""`--participant-audio` end to end on the emulator: exact names from each participant's own
file, paid once per file across a crash, and the default mode where a meeting has none."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

import zoom_assembly.pipeline.participant_audio as participant_audio

from .conftest import Harness


def run_lines(h: Harness, *args: str) -> list[dict[str, Any]]:
    result = h.run(*args, "--json")
    assert result.code == 0, result.stderr
    return [json.loads(x) for x in result.stdout.splitlines()]


def meeting_doc(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The meeting's transcript.json: every finished participant's result names it."""
    done = [x for x in lines if x["status"] == "completed"]
    paths = {x["files"]["json"] for x in done}
    assert len(paths) == 1 and all(x["files"]["txt"] for x in done), paths
    doc: dict[str, Any] = json.loads(Path(next(iter(paths))).read_text(encoding="utf-8"))
    assert doc["recording_file_id"] == "participant_audio"
    return doc


def test_each_word_carries_the_exact_name_of_whoever_said_it(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("participant_audio_ja")
    lines = run_lines(h, meeting.uuid, "--participant-audio")
    doc = meeting_doc(lines)
    names = {label: s["name"] for label, s in doc["speakers"].items()}
    assert all(s["source"] == "participant_audio" and s["confidence"] == 1.0
               for s in doc["speakers"].values())
    said = [(w["text"], w["start"], names[w["speaker"]]) for w in doc["words"]]
    truth = [(w.text, w.start, w.speaker) for w in h.emu.scenario.script(meeting)]
    assert sorted(said) == sorted(truth)  # every word, each with its speaker's name
    silent = next(f.speaker for f in meeting.participant_files
                  if f.speaker not in meeting.speakers)
    assert silent not in names.values()
    txt = Path(next(x["files"]["txt"] for x in lines if x["files"]["txt"])).read_text(
        encoding="utf-8")
    assert all(f"{name}:" in txt for name in meeting.speakers) and silent not in txt
    # One job per participant file; the mixed audio is not paid for.
    submitted = h.stats()["submissions"]
    assert {f.id for f in meeting.participant_files} == set(submitted)
    assert set(submitted.values()) == {1}
    # The names are exact already: the meeting's TIMELINE is not even downloaded.
    timelines = {f.id for f in meeting.files if f.file_type == "TIMELINE"}
    assert timelines and not timelines & set(h.stats()["downloads"]["by_file"])
    # `rename` works on the merged folder like on any other, offline.
    folder = Path(lines[0]["files"]["json"]).parent
    assert h.run("rename", str(folder), "A=Haruto").code == 0
    assert "Haruto:" in (folder / "transcript.txt").read_text(encoding="utf-8")


def test_a_meeting_without_participant_audio_falls_back_and_says_so(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("german")
    result = h.run(meeting.uuid, "--participant-audio", "--json")
    assert result.code == 0, result.stderr
    assert "no per-participant audio" in result.stderr
    line = json.loads(result.stdout)
    doc = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
    assert {s["source"] for s in doc["speakers"].values()} == {"timeline"}


def test_a_crash_between_participant_jobs_resumes_without_paying_twice(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    h = harness
    meeting = h.emu.scenario.find("participant_audio")
    real = participant_audio.rewrite_outputs
    staged: list[object] = []

    calls = itertools.count()

    def crash_after_the_first(*args: Any, **kwargs: Any) -> Any:
        if next(calls) > 0:  # atomic: worker threads may get here at the same time
            raise KeyboardInterrupt  # the run stops here, the next jobs still in flight
        staged.append(real(*args, **kwargs))
        return staged[-1]

    monkeypatch.setattr(participant_audio, "rewrite_outputs", crash_after_the_first)
    stopped = h.run(meeting.uuid, "--participant-audio")
    assert stopped.code not in (0, 1) and "without paying twice" in stopped.stderr
    monkeypatch.setattr(participant_audio, "rewrite_outputs", real)
    assert len(staged) == 1  # one participant written before the crash, the rest not

    doc = meeting_doc(run_lines(h, meeting.uuid, "--participant-audio"))
    assert sorted(s["name"] for s in doc["speakers"].values()) == sorted(meeting.speakers)
    submitted = h.stats()["submissions"]
    assert {f.id for f in meeting.participant_files} == set(submitted)
    assert set(submitted.values()) == {1}  # nobody paid twice

    again = run_lines(h, meeting.uuid, "--participant-audio")
    assert all(x["cached"] for x in again) and h.stats()["submissions"] == submitted


def test_backfill_finds_participant_audio_the_listing_does_not_show(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("participant_audio")
    day = meeting.start_time.date().isoformat()
    lines = run_lines(h, "backfill", "--all-users", "--from", day, "--to", day,
                      "--topic", "^Podcast", "--participant-audio")
    doc = meeting_doc(lines)
    assert sorted(s["name"] for s in doc["speakers"].values()) == sorted(meeting.speakers)
    # Emails come from the meeting's participants: users of the account have one, guests not.
    emails = {s["name"]: s["email"] for s in doc["speakers"].values()}
    assert emails["Maya Chen"] == "maya.chen@example.com"
    assert [e for n, e in emails.items() if n != "Maya Chen"] == [None, None]


@pytest.mark.parametrize("contrary", [("--source", "zoom"), ("--speaker-names", "off")])
def test_participant_audio_with_a_contrary_option_is_refused(
        harness: Harness, contrary: tuple[str, str]) -> None:
    h = harness
    result = h.run(h.emu.scenario.find("participant_audio").uuid, "--participant-audio",
                   *contrary)
    assert result.code == 2 and "--participant-audio" in result.stderr
    assert h.stats()["submissions"] == {}


def test_a_participant_whose_audio_cannot_be_transcribed_is_left_out_with_a_warning(
        harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("participant_audio")
    lost = meeting.participant_files[1]
    token = h.emu.state.signer.file_token(lost.id)
    h.emu.inject(f"/zoom/rec/download/{token}", "html", count=50)  # only the host may...
    result = h.run(meeting.uuid, "--participant-audio", "--json")
    assert result.code == 1  # that participant's recording failed; the rest finished
    assert f"no transcript of {lost.speaker}'s audio" in result.stderr
    doc = meeting_doc([json.loads(x) for x in result.stdout.splitlines()])
    assert sorted(s["name"] for s in doc["speakers"].values()) == sorted(
        s for s in meeting.speakers if s != lost.speaker)


def test_a_dry_run_says_its_price_is_for_the_mixed_audio(harness: Harness) -> None:
    h = harness
    day = h.emu.scenario.find("participant_audio").start_time.date().isoformat()
    result = h.run("backfill", "--all-users", "--from", day, "--to", day, "--dry-run",
                   "--participant-audio")
    assert result.code == 0, result.stderr
    assert "billed for the whole meeting" in result.stderr
    assert h.stats()["submissions"] == {}
