"""``--ledger`` / ``TRANSCRIBE_ZOOM_LEDGER`` reaches every command that uses a ledger, and a
ledger it cannot use is one sentence with exit 2, before any call, the password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from zoom_assembly.cli import app, route_default_command

CREDENTIALS = {"ZOOM_ACCOUNT_ID": "acct", "ZOOM_CLIENT_ID": "cid",
               "ZOOM_CLIENT_SECRET": "zoom-secret-123456", "ASSEMBLYAI_API_KEY": "aai-key-123456"}
COMMANDS = [
    ["transcribe", "81234567890"],
    ["file", "audio.wav"],
    ["backfill", "--from", "2025-01-01", "--to", "2025-01-02", "--all-users"],
    ["status"],
]


def invoke(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, route_default_command(args), env={**CREDENTIALS, **env})
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture(autouse=True)
def an_audio_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "audio.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_ledger_url_of_an_unknown_kind_is_refused_by_every_command(command: list[str]) -> None:
    code, output = invoke([*command, "--ledger", "mysql://db/tz"], {})
    assert code == 2 and "--ledger mysql://… is not a ledger this version knows" in output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_unreachable_postgresql_ledger_is_one_sentence_without_the_password(
    command: list[str],
) -> None:
    url = "postgresql://tz:pw-never-shown-123@127.0.0.1:1/tz"  # nothing listens on port 1
    code, output = invoke(command, {"TRANSCRIBE_ZOOM_LEDGER": url})
    assert code == 2, output
    assert "Cannot reach the PostgreSQL ledger at postgresql://tz:***@127.0.0.1:1/tz" in output
    assert "pw-never-shown" not in output and "Traceback" not in output
