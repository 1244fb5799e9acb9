"""The serve benchmark runs end to end in its smallest mode; its correctness checks (every
valid recording transcribed exactly once, every bad signature refused with nothing recorded)
decide its exit code. Timings are reported, never asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.integration


def test_serve_benchmark_quick_mode_transcribes_each_valid_recording_once(
        tmp_path: Path) -> None:
    out = tmp_path / "serve.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.serve_webhooks", "--quick", "--json", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    burst = json.loads(out.read_text(encoding="utf-8"))["burst"]
    assert burst["exactly_once"]
    assert burst["bad_signatures_refused"] == burst["bad_signatures"] == 5
    assert burst["bad_signature_rows_recorded"] == 0
    assert burst["deliveries_recorded"] == burst["valid_recordings"] + burst["duplicates"]
