"""Running the emulator: the Python API's lifecycle and ``serve_forever`` in a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from zoom_assembly.emulator import Emulator, Scenario

SERVE = """
import json, sys
from zoom_assembly.emulator import serve_forever
def ready(emu):
    print(json.dumps(emu.env()), flush=True)
serve_forever("127.0.0.1", 0, sys.argv[1] if len(sys.argv) > 1 else None, speed=1000.0,
              on_ready=ready)
print("stopped", flush=True)
"""


def test_env_points_at_the_emulator() -> None:
    with Emulator() as emu:
        env = emu.env()
        assert emu.base_url.startswith("http://127.0.0.1:")
        assert env["ZOOM_OAUTH_URL"] == f"{emu.base_url}/zoom/oauth/token"
        assert env["ZOOM_API_BASE_URL"] == f"{emu.base_url}/zoom/v2"
        assert env["ASSEMBLYAI_BASE_URL"] == f"{emu.base_url}/assemblyai"
        assert {"ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET",
                "ASSEMBLYAI_API_KEY"} <= set(env)
        assert requests.get(f"{emu.base_url}/_emulator/health").json() == {"ok": True}
    assert not emu.running


def test_credentials_are_random_per_instance_unless_given() -> None:
    assert Emulator().credentials != Emulator().credentials
    given = Emulator(credentials={"ZOOM_CLIENT_ID": "cid", "api_key": "key"}).credentials
    assert (given.client_id, given.api_key) == ("cid", "key")


def test_explicit_start_and_stop() -> None:
    emu = Emulator().start()
    try:
        assert emu.running and requests.get(f"{emu.base_url}/_emulator/health").ok
    finally:
        emu.stop()
    assert not emu.running


def _as_at_a_terminal() -> None:
    """Ctrl-C in the child as at a terminal: a shell's background job (CI started with ``&``)
    hands its children SIGINT *ignored*, which Python then honours; this test is about Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_serve_forever_runs_until_interrupted(tmp_path: Path) -> None:
    scenario_path = tmp_path / "scenario.json"
    Scenario.generate(50, seed=1).dump(scenario_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(scenario_path)], stdout=subprocess.PIPE, text=True,
        env=env, preexec_fn=_as_at_a_terminal,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        base = ready["ZOOM_OAUTH_URL"].removesuffix("/zoom/oauth/token")
        scenario = requests.get(f"{base}/_emulator/scenario").json()
        assert scenario["meetings"] == 50
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read().strip() == "stopped"
    finally:
        process.kill()
