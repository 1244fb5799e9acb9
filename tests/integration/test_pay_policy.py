"""`--source` / `--pay-for` against the emulator: Zoom's own text is free, non-English pays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.emulator import Scenario
from zoom_assembly.pipeline.pay_policy import DEFAULT_PROBE_SECONDS

from .conftest import Harness, start_emulator

PROBE = float(DEFAULT_PROBE_SECONDS)  # seconds billed for one language probe


def one(h: Harness, tag: str, *args: str) -> tuple[int, dict[str, Any], str]:
    result = h.run(h.emu.scenario.find(tag).uuid, "--json", *args)
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 1, result.stderr
    return result.code, lines[0], result.stderr


def transcript_json(line: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
    return doc


def test_default_policy_uses_zoom_transcript_of_an_english_meeting_paying_only_a_probe(
    harness: Harness,
) -> None:
    code, line, err = one(harness, "english", "--source", "auto")  # --pay-for: the default
    assert code == 0, err
    doc = transcript_json(line)
    assert (doc["source"], doc["timing"]) == ("zoom_transcript", "cue")
    label = doc["words"][0]["speaker"]
    assert doc["speakers"][label]["name"] in harness.emu.scenario.find("english").speakers
    assert line["transcript_source"] == "zoom_transcript"
    assert line["decision_reason"].startswith("zoom transcript, probe: en ")
    billing = harness.stats()["billing"]
    assert billing["jobs"] == billing["sliced_jobs"] == 1
    assert billing["audio_seconds"] == billing["sliced_seconds"] == PROBE


@pytest.mark.parametrize("tag, language", [("spanish_zoom_transcript", "es"),
                                           ("german_zoom_transcript", "de"),
                                           ("japanese_zoom_transcript", "ja")])
def test_a_non_english_meeting_with_a_garbled_zoom_transcript_is_paid_for(
    harness: Harness, tag: str, language: str,
) -> None:
    code, line, err = one(harness, tag, "--source", "auto")  # --pay-for: the default
    assert code == 0, err
    doc = transcript_json(line)
    assert (doc["source"], doc["timing"], doc["language_code"]) == ("assemblyai", "word",
                                                                    language)
    assert line["decision_reason"].startswith(f"probe: {language} ")
    assert line["decision_reason"].endswith("→ AssemblyAI")
    meeting = harness.emu.scenario.find(tag)
    billing = harness.stats()["billing"]
    assert billing["audio_seconds"] == PROBE + meeting.duration_s


def test_captions_in_another_language_pay_without_a_probe(harness: Harness) -> None:
    code, line, err = one(harness, "spanish_captions", "--source", "auto")
    assert code == 0, err
    assert line["decision_reason"].startswith("zoom captions reads es ")
    assert harness.stats()["billing"]["sliced_jobs"] == 0


def test_pay_for_missing_takes_english_captions_without_any_job(harness: Harness) -> None:
    code, line, err = one(harness, "english_captions", "--pay-for", "missing")
    assert code == 0, err
    assert transcript_json(line)["source"] == "zoom_captions"
    assert harness.stats()["jobs"]["total"] == 0


def test_source_assemblyai_pays_even_with_a_zoom_transcript(harness: Harness) -> None:
    code, line, err = one(harness, "english", "--source", "assemblyai")
    assert code == 0, err
    assert transcript_json(line)["source"] == "assemblyai"
    assert harness.stats()["billing"]["sliced_jobs"] == 0


@pytest.fixture
def late_harness(tmp_path: Path) -> Iterator[Harness]:
    scenario = Scenario.builtin(processing_ready_after=3600.0)
    with start_emulator(scenario=scenario, concurrency=5) as emu:
        yield Harness(emu, tmp_path / "out")


def test_source_zoom_without_zoom_text_fails_in_one_sentence_and_a_later_run_picks_it_up(
    late_harness: Harness,
) -> None:
    h = late_harness
    code, line, _ = one(h, "late_zoom_transcript", "--source", "zoom")
    assert code == 1 and line["status"] == "failed"
    assert line["error"]["code"] == "no_zoom_transcript"
    assert "--source assemblyai" in line["error"]["message"]
    status = h.run("status", "--out", str(h.out))
    assert "waiting for Zoom's transcript" in status.stdout
    h.emu.state.started_at -= 7200  # Zoom finishes the transcript (recording.transcript_completed)
    code, line, err = one(h, "late_zoom_transcript", "--source", "zoom")
    assert code == 0, err
    assert transcript_json(line)["source"] == "zoom_transcript"
    assert h.stats()["jobs"]["total"] == 0


def test_status_counts_recordings_and_hours_by_source(harness: Harness) -> None:
    one(harness, "english_captions", "--pay-for", "missing")
    one(harness, "spanish", "--pay-for", "missing")
    result = harness.run("status", "--out", str(harness.out), "--json")
    doc = json.loads(result.stdout)
    assert {k: v["recordings"] for k, v in doc["by_source"].items()} == {
        "zoom_captions": 1, "assemblyai": 1}
    reasons = {d["source"]: d["reason"] for d in doc["decisions"]}
    assert reasons["assemblyai"] == "no Zoom transcript or captions → AssemblyAI"


def test_a_probe_is_never_taken_for_the_transcript_by_a_run_that_lost_its_ledger(
    harness: Harness,
) -> None:
    import shutil

    one(harness, "english", "--source", "auto")  # probed, Zoom's transcript kept
    shutil.rmtree(harness.out)
    code, line, err = one(harness, "english", "--source", "assemblyai")
    assert code == 0, err
    meeting = harness.emu.scenario.find("english")
    words = transcript_json(line)["words"]
    assert words[-1]["end"] > 120_000  # the whole meeting, not the probe's minute
    assert harness.stats()["billing"]["audio_seconds"] == PROBE + meeting.duration_s


def test_zoom_text_download_is_retried_like_audio_and_never_shows_the_token(
    harness: Harness,
) -> None:
    harness.emu.inject("/zoom/rec/download", "500", count=2)
    code, line, err = one(harness, "english", "--source", "zoom", "-v")
    assert code == 0, err
    assert transcript_json(line)["source"] == "zoom_transcript"
    env = harness.emu.env()
    for secret in (env["ZOOM_CLIENT_SECRET"], env["ASSEMBLYAI_API_KEY"]):
        assert secret not in err and secret not in json.dumps(line)
    assert "access_token=" not in err and "Bearer " not in err
