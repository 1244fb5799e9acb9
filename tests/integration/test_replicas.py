"""Replicas on one PostgreSQL ledger: two backfills over the same archive at once, one killed
with SIGKILL mid-run; the survivor and a rerun finish everything, nothing is paid twice.
(The same scenario as benchmarks/replicas.py, which prints the figures.)"""

from __future__ import annotations

from pathlib import Path

from benchmarks.replicas import run_replicas


def test_two_replicas_one_killed_mid_run_pay_once_for_every_recording_and_lose_none(
    postgres_url: str, tmp_path: Path
) -> None:
    figures = run_replicas(postgres_url, tmp_path, recordings=20, replicas=2, kill_after=5,
                           lease_seconds=2.0, slow_submit=0.5)
    assert figures["victim_exit"] == -9 and figures["killed_after_submissions"] >= 5
    assert figures["survivor_exits"] == [0] and figures["rerun_exit"] == 0
    assert figures["duplicates"] == 0, figures
    assert figures["never_submitted"] == 0 and figures["lost"] == 0, figures
    assert figures["ledger_counts"]["completed"] == 20
