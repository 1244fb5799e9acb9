"""Replicas on one PostgreSQL ledger: two backfills over the same archive at once, one killed
with SIGKILL mid-run; the survivor and a rerun finish everything, nothing is paid twice.
(The same scenario as benchmarks/replicas.py, which prints the figures.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.replicas import run_replicas


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_two_replicas_one_killed_mid_run_pay_once_for_every_recording_and_lose_none(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # SQLite: two processes on one machine sharing the ledger file; the same leases apply.
    url = (request.getfixturevalue("postgres_url") if backend == "postgresql"
           else str(tmp_path / "ledger.sqlite"))
    figures = run_replicas(url, tmp_path, recordings=20, replicas=2, kill_after=5,
                           lease_seconds=2.0, slow_submit=0.5)
    assert figures["victim_exit"] == -9 and figures["killed_after_submissions"] >= 5
    assert figures["survivor_exits"] == [0] and figures["rerun_exit"] == 0
    assert figures["duplicates"] == 0, figures
    assert figures["never_submitted"] == 0 and figures["lost"] == 0, figures
    assert figures["ledger_counts"]["completed"] == 20


def test_serve_and_a_backfill_on_one_postgresql_pay_once_for_every_recording(
    postgres_url: str, tmp_path: Path
) -> None:
    """``serve`` (its start-up sweep and a Zoom event) and a ``backfill`` of the whole
    archive run at once on one PostgreSQL ledger, each with its own output folder."""
    import os
    import signal
    import subprocess
    import sys
    from datetime import UTC, datetime, timedelta

    from zoom_assembly.emulator import Emulator, Scenario
    from zoom_assembly.ledger import open_ledger

    from .conftest import SPEED
    from .test_serve_command import SECRET, _free_port, _healthy, _until

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    fast = ["--poll-speed", str(SPEED), "--poll-interval", "0.05", "--pay-for", "all"]
    today = datetime.now(UTC).date()
    with Emulator(scenario=Scenario.builtin(processing_ready_after=0.0), speed=SPEED) as emu:
        # Slow submit answers (as under load) widen the window in which one process finds
        # the other's row in 'submitting'.
        emu.inject("POST /assemblyai/v2/transcript$", "slow", count=200, seconds=0.5)
        env = {**os.environ, **emu.env(), "ZOOM_WEBHOOK_SECRET_TOKEN": SECRET,
               "TRANSCRIBE_ZOOM_LEDGER": postgres_url}
        serve = subprocess.Popen(
            [sys.executable, "-m", "zoom_assembly", "serve", "--port", str(port), "--out",
             str(tmp_path / "served"), "--public-url", url, *fast], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _until(lambda: _healthy(url)), "the service did not come up"
            emu.subscribe_zoom_webhooks(f"{url}/zoom/webhook", SECRET, time_scale=0.001)
            assert emu.validate_zoom_endpoint()
            emu.complete_recording("spanish")
            backfill = subprocess.run(
                [sys.executable, "-m", "zoom_assembly", "backfill", "--all-users", "--from",
                 (today - timedelta(days=420)).isoformat(), "--to", today.isoformat(),
                 "--out", str(tmp_path / "backfilled"), *fast], env=env,
                capture_output=True, text=True, timeout=300)
            assert backfill.returncode in (0, 1), backfill.stderr[-2000:]

            def settled() -> bool:
                with open_ledger(postgres_url, tmp_path) as ledger:
                    counts = ledger.counts()
                return counts["submitting"] == counts["submitted"] == counts["pending"] == 0

            assert _until(settled, timeout=120)
        finally:
            serve.send_signal(signal.SIGTERM)
            assert serve.wait(60) == 0
        submissions = emu.stats()["submissions"]
    assert submissions and set(submissions.values()) == {1}, submissions
