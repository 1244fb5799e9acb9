"""`backfill --dry-run` against what the backfill then does and bills (issue 12).

The dry run reads Zoom's text (free) and predicts each probe; its estimate must be the bill,
plan and run must agree meeting by meeting, and a transcript Zoom adds later is picked up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.emulator import Scenario
from zoom_assembly.pipeline.pay_policy import DEFAULT_PROBE_SECONDS, probe_window

from .conftest import Harness, start_emulator

pytestmark = pytest.mark.integration

ANCHOR = date(2026, 11, 22)
FROM, TO = (ANCHOR - timedelta(days=420)).isoformat(), ANCHOR.isoformat()


@pytest.fixture
def builtin(tmp_path: Path) -> Iterator[Harness]:
    scenario = Scenario.builtin(anchor=ANCHOR, processing_ready_after=0.0,
                                m4a_bytes_per_second=500, mp4_bytes_per_second=1000)
    with start_emulator(scenario=scenario, concurrency=5) as emu:
        yield Harness(emu, tmp_path / "out")


def dry_run(h: Harness, *args: str) -> dict[str, dict[str, Any]]:
    result = h.run("backfill", "--from", FROM, "--to", TO, "--all-users", "--dry-run", "--json",
                   *args)
    assert result.code == 0, result.stderr
    return {x["meeting"]["uuid"]: x for x in map(json.loads, result.stdout.splitlines())}


def run(h: Harness, *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    result = h.run("backfill", "--from", FROM, "--to", TO, "--all-users", "--json", *args)
    return result.code, {x["meeting"]["uuid"]: x for x in map(json.loads,
                                                                result.stdout.splitlines())}


def probe_seconds(audio: float) -> float:
    start, end = probe_window(audio, DEFAULT_PROBE_SECONDS)
    return (end - start) / 1000


def test_dry_run_reads_zoom_text_and_predicts_the_bill_the_backfill_runs_up(
    builtin: Harness,
) -> None:
    h = builtin
    plan = dry_run(h, "--source", "auto")  # and the default --pay-for: non-english
    scenario = h.emu.scenario
    garbled = {m.uuid for m in scenario.find_all("garbled_zoom_transcript")}
    assert {plan[u]["pay"] for u in garbled} == {"probe"}
    assert {plan[u]["predicted"] for u in garbled} == {"paid"}
    assert plan[scenario.find("english").uuid]["predicted"] == "free"
    # Spanish captions read as Spanish: paid without a probe, as the run decides.
    assert plan[scenario.find("spanish_captions").uuid]["pay"] == "paid"
    assert h.stats()["jobs"]["total"] == 0 and h.stats()["billing"]["audio_seconds"] == 0
    todo = [x for x in plan.values() if x["action"] == "transcribe"]
    predicted = sum(x["audio_seconds"] for x in todo if x["pay"] == "paid") + sum(
        probe_seconds(x["audio_seconds"]) + x["audio_seconds"] * (x["predicted"] == "paid")
        for x in todo if x["pay"] == "probe")
    code, _ = run(h, "--source", "auto")
    assert code == 0
    assert h.stats()["billing"]["audio_seconds"] == predicted


def test_a_dry_run_after_dry_run_probe_reuses_its_probes_and_still_predicts_the_bill(
    builtin: Harness,
) -> None:
    h = builtin
    dry_run(h, "--source", "auto", "--probe")
    probes = h.stats()["billing"]["audio_seconds"]
    assert probes > 0
    plan = dry_run(h, "--source", "auto")
    assert h.stats()["billing"]["audio_seconds"] == probes  # the plain dry run paid nothing
    todo = [x for x in plan.values() if x["action"] == "transcribe"]
    assert not [x for x in todo if x["pay"] == "probe"]  # every probe is known already
    assert any("probed before" in (x["decision_reason"] or "") for x in todo)
    predicted = sum(x["audio_seconds"] for x in todo if x["pay"] == "paid")
    code, _ = run(h, "--source", "auto")
    assert code == 0
    assert h.stats()["billing"]["audio_seconds"] - probes == predicted


def test_dry_run_table_states_the_estimate_and_its_range(builtin: Harness) -> None:
    result = builtin.run("backfill", "--from", FROM, "--to", TO, "--all-users", "--dry-run",
                         "--source", "auto", env={"COLUMNS": "200"})
    assert result.code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "whose Zoom text reads garbled" in out
    assert "if every probe accepts Zoom's text" in out and "if none does" in out
    garbled = [line for line in result.stdout.splitlines() if "likely paid" in line]
    assert len(garbled) == len(builtin.emu.scenario.find_all("garbled_zoom_transcript"))


@pytest.mark.parametrize("source", ["auto", "zoom", "assemblyai"])
def test_plan_and_run_agree_on_every_kind_of_meeting(builtin: Harness, source: str) -> None:
    """Paid, free from Zoom's text, probed (garbled or English), Zoom's text without audio,
    nothing to transcribe: the dry run says what the run then does."""
    h = builtin
    plan = dry_run(h, "--source", source)
    kinds = {"zoom_transcript_only", "spanish", "english", "garbled_zoom_transcript",
             "english_captions", "spanish_captions"}
    assert all(h.emu.scenario.find(kind).uuid in plan for kind in kinds)
    _, done = run(h, "--source", source)
    assert set(done) == set(plan)
    for uuid, item in plan.items():
        result = done[uuid]
        topic = item["meeting"]["topic"]
        if item["action"] == "skip":
            assert result["status"] != "completed", topic
            continue
        assert result["status"] == "completed", topic
        paid = result["transcript_source"] == "assemblyai"
        expected = item["predicted"] if item["pay"] == "probe" else item["pay"]
        assert ("paid" if paid else "free") == expected, topic


@pytest.fixture
def late(tmp_path: Path) -> Iterator[Harness]:
    scenario = Scenario.builtin(anchor=ANCHOR, processing_ready_after=3600.0,
                                m4a_bytes_per_second=500, mp4_bytes_per_second=1000)
    with start_emulator(scenario=scenario, concurrency=5) as emu:
        yield Harness(emu, tmp_path / "out")


def test_a_backfill_picks_up_a_zoom_transcript_added_later_and_never_pays_twice(
    late: Harness,
) -> None:
    h = late
    meeting = h.emu.scenario.find("late_zoom_transcript")
    topic = f"--topic=^{re.escape(meeting.topic)}$"
    code, first = run(h, "--source", "zoom", topic)
    assert code == 1
    line = first[meeting.uuid]
    assert line["status"] == "failed" and line["error"]["code"] == "no_zoom_transcript"
    assert "run again once Zoom has made one" in line["error"]["message"]
    h.emu.state.started_at -= 7200  # Zoom finishes the transcript (recording.transcript_completed)
    code, second = run(h, "--source", "zoom", topic)
    assert code == 0 and second[meeting.uuid]["status"] == "completed"
    assert second[meeting.uuid]["transcript_source"] == "zoom_transcript"
    assert h.stats()["jobs"]["total"] == 0
    # A meeting already paid for stays paid for once, Zoom's later text or not.
    other = h.emu.scenario.find("spanish")
    code, paid = run(h, "--source", "assemblyai", f"--topic=^{re.escape(other.topic)}$")
    assert code == 0 and paid[other.uuid]["transcript_source"] == "assemblyai"
    billed = h.stats()["billing"]["audio_seconds"]
    for source in ("auto", "zoom", "assemblyai"):
        run(h, "--source", source, f"--topic=^{re.escape(other.topic)}$")
    assert h.stats()["billing"]["audio_seconds"] == billed
