"""Every fault knob of the emulator: the tool must still finish correctly, exactly once."""

from __future__ import annotations

import json

import pytest

from zoom_assembly.emulator import Faults, Scenario

from .conftest import Harness, start_emulator


def transcribe(h: Harness, tag: str = "english", *args: str) -> dict[str, object]:
    result = h.run(h.emu.scenario.find(tag).uuid, "--json", *args)
    assert result.code == 0, result.stderr
    line: dict[str, object] = json.loads(result.stdout)
    return line


def submitted_once(h: Harness) -> bool:
    return list(h.stats()["submissions"].values()) == [1]


def test_token_revoked_mid_run_is_replaced_once(harness: Harness) -> None:
    harness.emu.inject("/zoom/v2/meetings", "revoke_token", count=1)
    transcribe(harness)
    assert harness.stats()["tokens"]["issued"] == 2 and submitted_once(harness)


def test_zoom_429_with_retry_after_is_waited_out(harness: Harness) -> None:
    harness.emu.inject("/zoom/v2/meetings", "429", count=2)
    transcribe(harness)
    statuses = harness.stats()["requests"]["by_status"]
    assert statuses.get("429", 0) == 2 and submitted_once(harness)


def test_zoom_daily_limit_stops_with_the_resume_time(harness: Harness) -> None:
    harness.emu.inject("/zoom/v2/meetings", "daily_limit", count=1)
    result = harness.run(harness.emu.scenario.find("english").uuid)
    assert result.code == 1
    assert "daily API limit" in result.stderr and "run the same command again after" in \
        result.stderr
    assert harness.stats()["submissions"] == {}


@pytest.mark.parametrize("kind", ["500", "503", "drop"])
def test_zoom_server_errors_and_dropped_connections_are_retried(harness: Harness,
                                                                kind: str) -> None:
    harness.emu.inject("/zoom/v2/meetings", kind, count=2)
    transcribe(harness)
    assert submitted_once(harness)


@pytest.mark.parametrize("kind", ["429", "500", "drop"])
def test_assemblyai_status_check_faults_are_retried(harness: Harness, kind: str) -> None:
    harness.emu.inject("GET /assemblyai/v2/transcript/", kind, count=2)
    transcribe(harness)
    assert submitted_once(harness)


@pytest.mark.parametrize("kind", ["429", "503"])
def test_assemblyai_submit_rejections_are_retried_without_double_paying(
    harness: Harness, kind: str
) -> None:
    harness.emu.inject("POST /assemblyai/v2/transcript", kind, count=2)
    transcribe(harness)
    assert submitted_once(harness)


def test_dropped_submit_answer_is_reconciled_not_paid_twice(harness: Harness) -> None:
    harness.emu.inject("POST /assemblyai/v2/transcript", "drop", count=1)
    transcribe(harness)
    assert sum(harness.stats()["submissions"].values()) == 1


def test_job_server_error_is_resubmitted_once(harness: Harness) -> None:
    harness.emu.inject("POST /assemblyai/v2/transcript", "job_server_error", count=1)
    line = transcribe(harness)
    assert line["status"] == "completed"
    assert list(harness.stats()["submissions"].values()) == [2]


def test_slow_responses_still_finish(harness: Harness) -> None:
    harness.emu.inject("/zoom/v2/meetings", "slow", count=1, seconds=0.5)
    transcribe(harness)


def test_short_token_lifetime_and_invalidation_are_survived(tmp_path: object) -> None:
    from pathlib import Path

    faults = Faults(token_lifetime=61, invalidate_previous_tokens=True, retry_after_seconds=1)
    with start_emulator(scenario=Scenario.builtin(), faults=faults) as emu:
        h = Harness(emu, Path(str(tmp_path)) / "out")
        recurring = emu.scenario.find("recurring")
        result = h.run(str(recurring.id), "--json")
        assert result.code == 0, result.stderr
        assert all(n == 1 for n in emu.stats()["submissions"].values())


def test_random_fault_storm_finishes_every_recording_exactly_once(tmp_path: object) -> None:
    from pathlib import Path

    faults = Faults(seed=7, zoom_429_rate=0.1, error_5xx_rate=0.1, assembly_429_rate=0.1,
                    drop_rate=0.05, retry_after_seconds=1)
    with start_emulator(scenario=Scenario.builtin(), faults=faults) as emu:
        h = Harness(emu, Path(str(tmp_path)) / "out")
        recurring = emu.scenario.find("recurring")
        result = h.run(str(recurring.id), "--json")
        assert result.code == 0, result.stderr
        lines = [json.loads(x) for x in result.stdout.splitlines()]
        assert all(x["status"] == "completed" for x in lines)
        completed = emu.stats()["jobs"]["by_status"]["completed"]
        assert completed == len(lines)
