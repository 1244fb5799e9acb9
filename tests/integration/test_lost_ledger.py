"""A run whose ledger is deleted, emptied or replaced stops; the rerun, from another folder,
pays for nothing twice (AssemblyAI's own list stands in for the lost ledger)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from zoom_assembly.emulator import Scenario
from zoom_assembly.ledger import Ledger, ledger_path

from .conftest import SPEED, start_emulator

pytestmark = pytest.mark.integration


def _spawn(env: dict[str, str], out: Path, cwd: Path) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "zoom_assembly", "backfill", "--from", "2025-06-01",
            "--to", "2026-06-01", "--all-users", "--out", str(out), "--concurrency", "4",
            "--poll-speed", str(SPEED), "--poll-interval", "0.05"]
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(args, env={**os.environ, **env}, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _lose(out: Path, how: str, spare: Path) -> None:
    path = ledger_path(out)
    if how == "deleted":
        shutil.rmtree(out)  # the whole --out folder, as a user cleaning up would
    elif how == "emptied":
        path.write_bytes(b"")
    else:
        with Ledger.open(spare):
            pass
        ledger_path(spare).replace(path)


@pytest.mark.parametrize("how", ["deleted", "emptied", "replaced"])
def test_lost_ledger_stops_the_run_and_the_rerun_elsewhere_pays_nothing_twice(
    tmp_path: Path, how: str,
) -> None:
    scenario = Scenario.generate(12, n_users=2, seed=21, start=date(2025, 6, 1),
                                 end=date(2026, 6, 1), m4a_bytes_per_second=500, video=False,
                                 max_minutes=10)
    out = tmp_path / "out"
    with start_emulator(scenario=scenario, concurrency=4, speed=300.0) as emu:
        first = _spawn(emu.env(), out, tmp_path / "here")
        assert first.stderr is not None
        for line in first.stderr:
            if "submitted to AssemblyAI" in line:
                _lose(out, how, tmp_path / "spare")
                break
        tail = first.stderr.read()
        assert first.wait(timeout=120) == 2, tail
        assert "deleted, emptied or replaced" in tail and "Traceback" not in tail
        paid = dict(emu.stats()["submissions"])
        assert paid and set(paid.values()) == {1}
        # Follow the printed resume command, from another folder, as a user would.
        printed = re.search(r"To resume, run the same backfill command again \(`(.+?)`\)", tail)
        assert printed is not None, tail
        words = shlex.split(printed.group(1))
        assert words[0] == "transcribe-zoom" and str(out) in words
        elsewhere = tmp_path / "somewhere-else"
        elsewhere.mkdir()
        rerun = subprocess.run([sys.executable, "-m", "zoom_assembly", *words[1:]],
                               env={**os.environ, **emu.env()}, cwd=elsewhere,
                               capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        submissions = emu.stats()["submissions"]
        assert len(submissions) == 12 and set(submissions.values()) == {1}
