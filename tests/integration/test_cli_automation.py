"""The CLI under automation: pipes, signals, exit codes and machine-readable failures."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import zoom_assembly.emulator
from zoom_assembly.cli import app
from zoom_assembly.emulator import Scenario
from zoom_assembly.ledger import Ledger, ledger_path

from .conftest import FAST_POLLING, Harness, start_emulator


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "zoom_assembly", *args],
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def run_into_closed_pipe(
    args: list[str], env: dict[str, str], cwd: Path, *, stderr_too: bool = False
) -> tuple[int, str]:
    """Run the CLI with stdout (and with ``stderr_too`` stderr: ``2>&1 | head``) a pipe whose
    reader is already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "zoom_assembly", *args], stdout=write_end,
                              stderr=write_end if stderr_too else subprocess.PIPE, text=True,
                              env={**os.environ, **env}, cwd=cwd, timeout=120)
    finally:
        os.close(write_end)
    return done.returncode, done.stderr or ""


def test_json_output_into_a_closed_pipe_ends_quietly(harness: Harness, tmp_path: Path) -> None:
    uuid = harness.emu.scenario.find("spanish").uuid
    code, err = run_into_closed_pipe(
        [uuid, "--json", "-q", "--out", str(tmp_path / "out"), *FAST_POLLING],
        harness.emu.env(), tmp_path)
    assert code == 141, err
    assert err == ""


def test_output_and_progress_into_a_closed_pipe_end_quietly(
    harness: Harness, tmp_path: Path
) -> None:
    meeting = str(harness.emu.scenario.find("recurring").id)
    code, _ = run_into_closed_pipe([meeting, "--out", str(tmp_path / "out"), *FAST_POLLING],
                                   harness.emu.env(), tmp_path, stderr_too=True)
    assert code == 141


def test_status_json_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    Ledger.open(tmp_path).close()
    code, err = run_into_closed_pipe(["status", "--json", "--out", str(tmp_path)], {}, tmp_path)
    assert (code, err) == (141, "")


def test_meeting_with_only_zooms_transcript_is_skipped_and_exits_0(harness: Harness) -> None:
    # The same status and exit code as in a backfill, where it never failed the run.
    result = harness.run(harness.emu.scenario.find("zoom_transcript_only").uuid, "--json")
    line = json.loads(result.stdout)
    assert line["status"] == "skipped" and line["error"]["code"] == "no_audio"
    assert result.code == 0, result.stderr


def test_corrupt_ledger_exits_2_with_one_sentence(harness: Harness) -> None:
    path = ledger_path(harness.out)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    result = harness.run(harness.emu.scenario.find("spanish").uuid)
    assert result.code == 2, result.stderr
    assert "is unusable" in result.stderr and "a bug" not in result.stderr
    status = harness.run("status", "--out", str(harness.out))
    assert status.code == 2 and "is unusable" in status.stderr


def test_fatal_error_with_json_is_one_json_object_on_stdout(harness: Harness) -> None:
    result = harness.run(harness.emu.scenario.find("spanish").uuid, "--json",
                         env={"ZOOM_CLIENT_SECRET": "not-the-secret"})
    assert result.code == 3
    (line,) = result.stdout.splitlines()
    doc = json.loads(line)
    assert doc["exit"] == 3 and doc["error"]["code"] == "invalid_client"
    assert doc["error"]["message"] in result.stderr


def _ledger_in_rollback_mode(out: Path) -> Path:
    Ledger.open(out).close()
    path = ledger_path(out)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path


def test_status_opens_the_ledger_without_writing_to_it(tmp_path: Path) -> None:
    path = _ledger_in_rollback_mode(tmp_path)
    before = path.read_bytes()
    files = sorted(p.name for p in path.parent.iterdir())
    result = CliRunner().invoke(app, ["status", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == before  # e.g. not switched to WAL
    assert sorted(p.name for p in path.parent.iterdir()) == files


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root ignores file permissions")
def test_status_reads_a_read_only_ledger_in_a_read_only_folder(tmp_path: Path) -> None:
    Ledger.open(tmp_path).close()
    folder = ledger_path(tmp_path).parent
    ledger_path(tmp_path).chmod(0o444)
    folder.chmod(0o555)
    try:
        result = CliRunner().invoke(app, ["status", "--out", str(tmp_path)])
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_emulate_on_a_busy_port_exits_2_with_one_sentence(busy_port: int) -> None:
    result = CliRunner().invoke(app, ["emulate", "--port", str(busy_port)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: Cannot listen on 127.0.0.1:{busy_port}")
    assert result.stderr.count("\n") == 1


def test_emulate_prints_meetings_to_try(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def serve_once(host: str, port: int, *, on_ready: Any, **_: Any) -> None:
        with start_emulator(scenario=Scenario.builtin()) as emu:
            seen["scenario"] = emu.scenario
            on_ready(emu)

    monkeypatch.setattr(zoom_assembly.emulator, "serve_forever", serve_once)
    result = CliRunner().invoke(app, ["emulate", "--port", "0"])
    assert result.exit_code == 0, result.stderr
    scenario = seen["scenario"]
    out = result.stdout
    assert f"transcribe-zoom {scenario.find('recurring').id} " in out
    assert f"transcribe-zoom {shlex.quote(scenario.find('spanish').uuid)} " in out
    assert shlex.quote(scenario.find("uuid_double_slash").uuid) in out


def test_sigterm_stops_like_ctrl_c_and_the_printed_command_resumes_from_anywhere(
    tmp_path: Path,
) -> None:
    scenario = Scenario.builtin()
    (elsewhere := tmp_path / "elsewhere").mkdir()
    with start_emulator(scenario=scenario, concurrency=2, speed=150.0) as emu:
        meeting = str(emu.scenario.find("recurring").id)
        process = subprocess.Popen(
            [sys.executable, "-m", "zoom_assembly", meeting, "--out", "out", "--via", "url",
             "--poll-interval", "0.05"],
            env={**os.environ, **emu.env()}, cwd=tmp_path, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        for line in process.stderr:
            if "submitted to AssemblyAI" in line:
                process.send_signal(signal.SIGTERM)
                break
        tail = process.stderr.read()
        assert process.wait(timeout=60) == 143, tail
        assert "Stopped; finished transcripts are kept" in tail and "Traceback" not in tail
        command = re.search(r"run `([^`]+)` again", tail)
        assert command, tail
        words = shlex.split(command.group(1))
        assert words[words.index("--out") + 1] == str(tmp_path / "out")
        rerun = subprocess.run([sys.executable, "-m", "zoom_assembly", *words[1:]],
                               env={**os.environ, **emu.env()}, cwd=elsewhere,
                               capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        submissions = emu.stats()["submissions"]
        assert submissions and set(submissions.values()) == {1}
    assert not (elsewhere / "out").exists()


def test_usage_error_found_while_parsing_is_one_json_object_with_json(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "zoom_assembly", "81234567890", "--json",
                           "--format"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert done.returncode == 2
    (line,) = done.stdout.splitlines()
    assert json.loads(line) == {"error": {"code": "usage", "message": json.loads(line)[
        "error"]["message"]}, "exit": 2}
    assert "--format" in json.loads(line)["error"]["message"]
