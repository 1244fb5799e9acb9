"""``transcribe-zoom serve`` as a process: it runs the loop with the emulator by itself and
stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from zoom_assembly.emulator import Emulator, Scenario
from zoom_assembly.ledger import Ledger

from .conftest import SPEED, Harness

SECRET = "emulated-app-secret-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(condition: object, timeout: float = 60.0) -> bool:
    pause = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():  # type: ignore[operator]
            return True
        pause.wait(0.05)
    return bool(condition())  # type: ignore[operator]


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_runs_the_whole_loop_by_itself_and_stops_on_sigterm(tmp_path: Path) -> None:
    out = tmp_path / "out"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with Emulator(scenario=Scenario.builtin(), speed=SPEED) as emu:
        env = {**os.environ, **emu.env(), "ZOOM_WEBHOOK_SECRET_TOKEN": SECRET}
        process = subprocess.Popen(
            [sys.executable, "-m", "zoom_assembly", "serve", "--port", str(port), "--out",
             str(out), "--public-url", url, "--poll-speed", str(SPEED), "--poll-interval",
             "0.05"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            assert _until(lambda: _healthy(url)), "the service did not come up"
            emu.subscribe_zoom_webhooks(f"{url}/zoom/webhook", SECRET, time_scale=0.001)
            assert emu.validate_zoom_endpoint()
            # Announced by Zoom (older than the start-up sweep's two days).
            emu.complete_recording("spanish")
            spanish = emu.scenario.find("spanish").uuid

            def done() -> set[str]:
                with Ledger.open(out) as ledger:
                    return {r.meeting_uuid or "" for r in ledger.rows(["completed"])}

            # The start-up sweep finds the last two days' recordings; the event the older one.
            english = emu.scenario.find("english").uuid
            assert _until(lambda: {spanish, english} <= done())
            page = httpx.get(url).text
            assert emu.scenario.find("spanish").topic in page
            assert SECRET not in page
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(60)
        assert process.stderr is not None
        log = process.stderr.read()
        assert code == 0, log[-2000:]
        assert '"event": "RecordingDone"' in log
        assert emu.stats()["submissions"] and max(emu.stats()["submissions"].values()) == 1


def test_serve_without_the_webhook_secret_token_says_how_to_set_it(harness: Harness) -> None:
    result = harness.run("serve", "--out", str(harness.out))
    assert result.code == 3
    assert "ZOOM_WEBHOOK_SECRET_TOKEN" in result.stderr


def test_serve_with_an_unreachable_postgresql_ledger_says_so_in_one_sentence(
    harness: Harness,
) -> None:
    result = harness.run("serve", "--out", str(harness.out),
                         env={"ZOOM_WEBHOOK_SECRET_TOKEN": SECRET,
                              "TRANSCRIBE_ZOOM_LEDGER": "postgresql://u:pw-123456@127.0.0.1:1/tz"})
    assert result.code == 2
    assert "Cannot reach the PostgreSQL ledger at postgresql://u:***@127.0.0.1:1/tz" in (
        result.stderr)
    assert "pw-123456" not in result.stderr + result.stdout


def _engine_pid(parent: int) -> int | None:
    """The pid of serve's engine process (its spawned child, not multiprocessing's tracker)."""
    children: list[str] = []
    for task in Path(f"/proc/{parent}/task").glob("*"):  # a restart spawns from a thread
        try:
            children += (task / "children").read_text().split()
        except OSError:
            continue
    for pid in children:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            return int(pid)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_engine_process_is_started_again_and_nothing_is_paid_twice(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # Jobs of a few seconds (a 9-minute meeting at 150x), so the kill lands mid-job.
    with Emulator(scenario=Scenario.builtin(), speed=150.0) as emu:
        env = {**os.environ, **emu.env(), "ZOOM_WEBHOOK_SECRET_TOKEN": SECRET}
        process = subprocess.Popen(
            [sys.executable, "-m", "zoom_assembly", "serve", "--port", str(port), "--out",
             str(out), "--public-url", url, "--poll-speed", str(SPEED), "--poll-interval",
             "0.05", "--safety-poll", "1",
             # No language probes: a probe cut short by the kill is probed again (30 s
             # billed twice, the pay policy's affair); this test is about full jobs.
             "--source", "assemblyai"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        engines: list[int] = []
        try:
            assert _until(lambda: _healthy(url)), "the service did not come up"
            engine = _engine_pid(process.pid)
            assert engine is not None
            engines.append(engine)
            emu.subscribe_zoom_webhooks(f"{url}/zoom/webhook", SECRET, time_scale=0.001)
            emu.complete_recording("spanish")
            spanish = emu.scenario.find("spanish").uuid

            def states() -> dict[str, str]:
                with Ledger.open(out) as ledger:
                    return {r.meeting_uuid or "": r.state for r in ledger.rows()}

            # Killed while its job runs at AssemblyAI (the start-up sweep's meeting not in
            # the middle of its own submit call either: that is the ledger's reconciliation).
            assert _until(lambda: states().get(spanish) == "submitted"
                          and "submitting" not in states().values())
            os.kill(engine, signal.SIGKILL)  # its job is still running at AssemblyAI
            assert _until(lambda: (_engine_pid(process.pid) or engine) != engine)
            engines.append(_engine_pid(process.pid) or 0)
            assert _until(lambda: states().get(spanish) == "completed")
            metrics = httpx.get(f"{url}/metrics").text
            assert "transcribe_zoom_engine_restarts_total 1" in metrics
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(60)
        assert process.stderr is not None
        log = process.stderr.read()
        assert code == 0, log[-2000:]
        assert "The engine's process ended unexpectedly" in log
        submissions = emu.stats()["submissions"]
        assert max(submissions.values()) == 1, submissions  # resumed, not submitted again
        assert not any(_alive(pid) for pid in engines)  # SIGTERM stopped the engine too
