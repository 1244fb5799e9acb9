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
