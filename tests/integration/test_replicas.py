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
