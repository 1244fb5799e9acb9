"""The benchmark harness runs end to end in its smallest mode (figures are never asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.integration


def test_quick_mode_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--n", "6", "--concurrency", "3",
         "--json", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    (section,) = report["configs"]
    contenders = {row["contender"]: row for row in section["contenders"]}
    assert {"ours", "SDK transcribe_group", "tutorial, 1 at a time"} <= set(contenders)
    ours = contenders["ours"]
    assert ours["completed"] == 6
    assert ours["requests_per_recording"]["assemblyai"] > 0
    assert ours["latency_s"]["count"] == 6
    assert {row["contender"] for row in report["cli_check"]["contenders"]} == {
        "ours, library (CLI poll plan)", "ours, CLI"}
    assert report["cli_startup"]["runs"] > 0
    assert report["transcript_cpu"]["words"] > 0
    assert "streaming" in report
    assert {goal["goal"].split(" (")[0] for goal in report["goals"]} >= {
        "makespan / bound", "client requests / recording", "transcribe-zoom --help"}
    assert "Goals" in done.stdout


def test_pay_policy_benchmark_runs_every_policy(tmp_path: Path) -> None:
    out = tmp_path / "pay.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.pay_policy", "--n", "10", "--json", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    from benchmarks.pay_policy import POLICIES

    assert [row["policy"] for row in rows] == [name for name, _ in POLICIES]
    assert all(row["completed"] == row["recordings"] == 10 for row in rows)
    assert all(row["ideal_hours"] > 0 and row["billed_hours"] > 0 for row in rows)
    # The dry run's estimate (Zoom's text read, probes predicted, nothing paid) is the bill.
    assert all(abs(row["dry_run_error_pct"]) <= 2.0 for row in rows)
    assert "detector_by_length" in json.loads(out.read_text(encoding="utf-8"))
