"""`transcribe-zoom backfill` against the emulator: coverage, exactly once, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from zoom_assembly.emulator import Faults, Scenario
from zoom_assembly.pipeline.pay_policy import DEFAULT_PROBE_SECONDS

from .conftest import SPEED, Harness, start_emulator

ANCHOR = date(2026, 11, 22)
PROBE = float(DEFAULT_PROBE_SECONDS)  # seconds billed for one language probe
FROM, TO = (ANCHOR - timedelta(days=420)).isoformat(), ANCHOR.isoformat()


def backfill(h: Harness, *args: str) -> tuple[int, list[dict[str, object]], str]:
    result = h.run("backfill", "--from", FROM, "--to", TO, "--json", *args)
    return result.code, [json.loads(x) for x in result.stdout.splitlines()], result.stderr


def transcribable(scenario: Scenario) -> set[str]:
    """UUIDs of the meetings a full backfill must transcribe."""
    start = date.fromisoformat(FROM)
    return {
        m.uuid for m in scenario.meetings
        if m.recorded and not m.trashed and start <= m.start_time.date() <= ANCHOR
        and any(f.file_type in ("M4A", "MP4") for f in m.files)
    }


@pytest.fixture
def builtin_harness(tmp_path: Path) -> Harness:
    scenario = Scenario.builtin(anchor=ANCHOR, processing_ready_after=0.0,
                                m4a_bytes_per_second=500, mp4_bytes_per_second=1000)
    emu = start_emulator(scenario=scenario, concurrency=5)
    emu.start()
    yield Harness(emu, tmp_path / "out")  # type: ignore[misc]
    emu.stop()


def test_all_users_backfill_covers_every_meeting_including_deactivated_users(
    builtin_harness: Harness,
) -> None:
    h = builtin_harness
    code, lines, err = backfill(h, "--all-users")
    assert code == 0, err
    done = {x["meeting"]["uuid"] for x in lines if x["status"] == "completed"}
    assert done == transcribable(h.emu.scenario)
    inactive = [u for u in h.emu.scenario.users if u.status == "inactive"]
    assert inactive and any(m.host_id == inactive[0].id for m in h.emu.scenario.meetings
                            if m.uuid in done)
    assert all(n == 1 for n in h.stats()["submissions"].values())


def test_rerun_of_a_finished_backfill_submits_nothing(builtin_harness: Harness) -> None:
    h = builtin_harness
    backfill(h, "--all-users")
    before = dict(h.stats()["submissions"])
    code, lines, _ = backfill(h, "--all-users")
    assert code == 0
    assert {x["status"] for x in lines} == {"completed", "skipped"}
    assert all(x["cached"] for x in lines if x["status"] == "completed")
    assert dict(h.stats()["submissions"]) == before


def test_one_user_and_topic_filter(builtin_harness: Harness) -> None:
    h = builtin_harness
    meeting = h.emu.scenario.find("spanish")
    host = h.emu.scenario.user(meeting.host_id)
    assert host is not None
    code, lines, err = backfill(h, "--user", host.email, "--topic", "^Revisi")
    assert code == 0, err
    assert {x["meeting"]["topic"] for x in lines} == {meeting.topic}


def test_unknown_user_exits_2(builtin_harness: Harness) -> None:
    code, _, err = backfill(builtin_harness, "--user", "nobody@example.com")
    assert code == 2 and "nobody@example.com" in err


def test_dry_run_lists_hours_and_cost_and_submits_nothing(builtin_harness: Harness) -> None:
    h = builtin_harness
    result = h.run("backfill", "--from", FROM, "--to", TO, "--all-users", "--dry-run")
    assert result.code == 0, result.stderr
    assert "audio hours" in result.stdout and "$" in result.stdout
    assert h.stats()["submissions"] == {}


def one_user(h: Harness) -> str:
    """The host of the Spanish meeting: a handful of meetings, enough for one failure."""
    host = h.emu.scenario.user(h.emu.scenario.find("spanish").host_id)
    assert host is not None
    return host.email


def test_retry_failed_retries_only_failures(builtin_harness: Harness) -> None:
    h = builtin_harness
    user = one_user(h)
    # AssemblyAI's first fetches fail: the recordings they hit fail twice (first attempt and
    # resubmission). With one job running and one waiting in AssemblyAI's queue, that is the
    # first two recordings.
    h.emu.inject("/zoom/rec/download", "500", count=4)
    code, lines, _ = backfill(h, "--user", user, "--concurrency", "1", "--via", "url")
    failed = {x["recording_file_id"] for x in lines if x["status"] == "failed"}
    assert code == 1 and failed
    code, lines, _ = backfill(h, "--user", user)
    assert {x["status"] for x in lines if x["recording_file_id"] in failed} == {"failed"}
    code, lines, err = backfill(h, "--user", user, "--retry-failed")
    assert code == 0, err
    counts = Counter(h.stats()["submissions"].values())
    assert counts[3] == len(failed) and set(counts) <= {1, 3}


def test_status_reports_counts_and_failures(builtin_harness: Harness) -> None:
    h = builtin_harness
    # The first two recordings fail twice each (one runs, one waits in AssemblyAI's queue).
    h.emu.inject("/zoom/rec/download", "500", count=4)
    backfill(h, "--user", one_user(h), "--concurrency", "1", "--via", "url")
    result = h.run("status", "--out", str(h.out))
    assert result.code == 0 and "failed 2" in result.stdout and "Download error" in \
        result.stdout


def test_generated_archive_with_faults_completes_exactly_once(tmp_path: Path) -> None:
    scenario = Scenario.generate(80, n_users=4, seed=3, start=date(2025, 6, 1),
                                 end=date(2026, 6, 1), m4a_bytes_per_second=500, video=False,
                                 max_minutes=10)
    faults = Faults(seed=5, zoom_429_rate=0.03, error_5xx_rate=0.05, assembly_429_rate=0.03,
                    drop_rate=0.02, job_server_error_rate=0.05, retry_after_seconds=1)
    with start_emulator(scenario=scenario, concurrency=20, faults=faults) as emu:
        h = Harness(emu, tmp_path / "out")
        args = ("backfill", "--from", "2025-06-01", "--to", "2026-06-01", "--all-users",
                "--json", "--concurrency", "20")
        result = h.run(*args)
        lines = [json.loads(x) for x in result.stdout.splitlines()]
        assert len(lines) == 80
        # A job can meet two job errors in a row (one resubmission each is the policy):
        # those fail, the rest complete; --retry-failed then finishes them.
        failed = [x for x in lines if x["status"] != "completed"]
        assert result.code == (1 if failed else 0), result.stderr[-2000:]
        assert all(x["error"]["message"].split(": ")[-1].startswith(("Server error",
                                                                      "Download error"))
                   for x in failed)
        if failed:
            again = h.run(*args, "--retry-failed")
            assert again.code == 0, again.stderr[-2000:]
        stats = emu.stats()
        assert stats["jobs"]["by_status"]["completed"] == 80  # every file completed once
        assert max(stats["submissions"].values()) <= 3


def _as_at_a_terminal() -> None:
    """Ctrl-C in the child as at a terminal: a shell's background job (CI started with ``&``)
    hands its children SIGINT *ignored*, which Python then honours; this test is about Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _spawn(emu_env: dict[str, str], out: Path) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "zoom_assembly", "backfill", "--from", "2025-06-01",
            "--to", "2026-06-01", "--all-users", "--out", str(out), "--concurrency", "8",
            "--poll-speed", str(SPEED), "--poll-interval", "0.05"]
    return subprocess.Popen(args, env={**os.environ, **emu_env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_as_at_a_terminal)


def _kill_after(process: subprocess.Popen[str], marker: str, count: int) -> None:
    seen = 0
    assert process.stderr is not None
    for line in process.stderr:
        seen += marker in line
        if seen >= count:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()


def test_sigkill_at_any_point_never_pays_twice_nor_leaves_partial_files(tmp_path: Path) -> None:
    scenario = Scenario.generate(40, n_users=3, seed=11, start=date(2025, 6, 1),
                                 end=date(2026, 6, 1), m4a_bytes_per_second=500, video=False,
                                 max_minutes=10)
    out = tmp_path / "out"
    with start_emulator(scenario=scenario, concurrency=8, speed=600.0) as emu:
        for marker, count in [("submitted to AssemblyAI", 1), ("— done", 1),
                              ("submitted to AssemblyAI", 15), ("— done", 10)]:
            _kill_after(_spawn(emu.env(), out), marker, count)
        final = _spawn(emu.env(), out)
        assert final.wait(timeout=300) == 0
        submissions = emu.stats()["submissions"]
        assert len(submissions) == 40 and set(submissions.values()) == {1}
    folders = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(folders) == 40
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == [
            "transcript.json", "transcript.srt", "transcript.txt", "transcript.vtt"]
        json.loads((folder / "transcript.json").read_text())


def test_ctrl_c_keeps_what_is_done_and_says_how_to_resume(tmp_path: Path) -> None:
    scenario = Scenario.generate(20, n_users=2, seed=13, start=date(2025, 6, 1),
                                 end=date(2026, 6, 1), m4a_bytes_per_second=500, video=False,
                                 max_minutes=10)
    out = tmp_path / "out"
    with start_emulator(scenario=scenario, concurrency=4, speed=300.0) as emu:
        process = _spawn(emu.env(), out)
        assert process.stderr is not None
        tail = []
        for line in process.stderr:
            if "— done" in line:
                process.send_signal(signal.SIGINT)
                break
        tail = process.stderr.read()
        assert process.wait(timeout=60) == 130
        assert "run the same backfill command again" in tail
        final = _spawn(emu.env(), out)
        assert final.wait(timeout=300) == 0
        assert set(emu.stats()["submissions"].values()) == {1}
        assert len(emu.stats()["submissions"]) == 20


def test_dry_run_says_which_recordings_are_paid_free_or_probed_and_bounds_the_bill(
    builtin_harness: Harness,
) -> None:
    h = builtin_harness
    result = h.run("backfill", "--from", FROM, "--to", TO, "--all-users", "--dry-run", "--json",
                   "--source", "auto")  # --pay-for: the default, non-english
    assert result.code == 0, result.stderr
    plan = {x["meeting"]["uuid"]: x for x in map(json.loads, result.stdout.splitlines())}
    scenario = h.emu.scenario
    assert plan[scenario.find("spanish").uuid]["pay"] == "paid"
    assert plan[scenario.find("english").uuid]["pay"] == "probe"
    assert plan[scenario.find("spanish_zoom_transcript").uuid]["pay"] == "probe"
    assert h.stats()["jobs"]["total"] == 0
    todo = [x for x in plan.values() if x["action"] == "transcribe"]
    paid = sum(x["audio_seconds"] for x in todo if x["pay"] == "paid")
    probed = [x["audio_seconds"] for x in todo if x["pay"] == "probe"]
    expected = paid + sum(min(PROBE, s) for s in probed)
    code, _, err = backfill(h, "--all-users", "--source", "auto")
    assert code == 0, err
    billed = h.stats()["billing"]["audio_seconds"]
    assert expected <= billed <= expected + sum(probed)
    # On top of the least: the meetings whose Zoom transcript the probe found garbled (the
    # Spanish captions, read as Spanish by the dry run as by the run, are planned as paid).
    garbled = sum(m.duration_s for m in scenario.find_all("garbled_zoom_transcript"))
    assert billed - expected == garbled


def test_dry_run_with_probes_predicts_the_bill_the_backfill_then_runs_up(
    builtin_harness: Harness,
) -> None:
    h = builtin_harness
    result = h.run("backfill", "--from", FROM, "--to", TO, "--all-users", "--dry-run", "--json",
                   "--probe", "--source", "auto")
    assert result.code == 0, result.stderr
    plan = [json.loads(x) for x in result.stdout.splitlines()]
    todo = [x for x in plan if x["action"] == "transcribe"]
    garbled = {m.uuid for m in h.emu.scenario.find_all("garbled_zoom_transcript")}
    assert {x["meeting"]["uuid"] for x in todo if x["pay"] == "paid"} >= garbled
    probes = sum(min(PROBE, x["audio_seconds"]) for x in todo
                 if "probe: " in (x["decision_reason"] or ""))
    predicted = probes + sum(x["audio_seconds"] for x in todo if x["pay"] == "paid")
    probed_by_dry_run = h.stats()["billing"]["sliced_jobs"]
    assert probed_by_dry_run == sum("probe: " in (x["decision_reason"] or "") for x in todo)
    code, _, err = backfill(h, "--all-users", "--source", "auto")
    assert code == 0, err
    billing = h.stats()["billing"]
    assert billing["sliced_jobs"] == probed_by_dry_run  # the backfill probed nothing again
    assert billing["audio_seconds"] == predicted
