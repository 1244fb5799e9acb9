"""The command line without any server: routing, usage errors and credential errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from zoom_assembly.cli import app, route_default_command

runner = CliRunner()
CREDS = {"ZOOM_ACCOUNT_ID": "acc", "ZOOM_CLIENT_ID": "cid", "ZOOM_CLIENT_SECRET": "secret-1234",
         "ASSEMBLYAI_API_KEY": "aai-key-1234"}


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, route_default_command(list(args)), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("argv", "expected"), [
    (["81234567890"], ["transcribe", "81234567890"]),
    (["--json", "81234567890"], ["transcribe", "--json", "81234567890"]),
    (["/abc//def=="], ["transcribe", "/abc//def=="]),
    (["status"], ["status"]),
    (["backfill", "--all-users"], ["backfill", "--all-users"]),
    (["--help"], ["--help"]),
])
def test_meeting_argument_routes_to_transcribe(argv: list[str], expected: list[str]) -> None:
    assert route_default_command(argv) == expected


def test_help_lists_every_command() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for command in ("transcribe", "file", "backfill", "status", "check", "demo", "emulate"):
        assert command in out


def test_every_command_has_help_text() -> None:
    for command in ("transcribe", "file", "backfill", "status", "check", "demo", "emulate"):
        code, out, _ = invoke(command, "--help")
        assert code == 0 and "Usage" in out


def test_malformed_meeting_id_exits_2_with_one_sentence() -> None:
    code, out, err = invoke("not-a-meeting!", env=CREDS)
    assert code == 2 and out == ""
    assert err.startswith("error: 'not-a-meeting!' is not a Zoom meeting ID")
    assert "Traceback" not in err and err.count("\n") == 1


def test_missing_credentials_exit_3_naming_every_way() -> None:
    code, _, err = invoke("81234567890")
    assert code == 3
    assert "ZOOM_ACCOUNT_ID" in err and "tokens.env" in err and "--zoom-client-secret" in err


def test_missing_env_file_exits_3() -> None:
    code, _, err = invoke("81234567890", "--env-file", "nope.env", env=CREDS)
    assert code == 3 and "nope.env does not exist" in err


def test_unknown_format_exits_2() -> None:
    code, _, err = invoke("81234567890", "--format", "txt,docx", env=CREDS)
    assert code == 2 and "docx" in err


def test_unwritable_out_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = invoke("81234567890", "--out", str(blocker / "sub"), env=CREDS)
    assert code == 2 and "--out" in err


def test_status_without_ledger_exits_2(tmp_path: Path) -> None:
    code, _, err = invoke("status", "--out", str(tmp_path))
    assert code == 2 and "No ledger" in err


def test_backfill_needs_exactly_one_selection() -> None:
    code, _, err = invoke("backfill", "--from", "2026-01-01", env=CREDS)
    assert code == 2 and "--all-users" in err


def test_backfill_rejects_a_malformed_date() -> None:
    code, _, err = invoke("backfill", "--all-users", "--from", "01/02/2026", env=CREDS)
    assert code == 2 and "is not a date" in err


def test_version_is_printed() -> None:
    code, out, _ = invoke("--version")
    assert code == 0 and out.startswith("transcribe-zoom ")


def test_env_file_readable_by_others_is_warned_about(tmp_path: Path) -> None:
    env_file = tmp_path / "tokens.env"
    env_file.write_text("ZOOM_ACCOUNT_ID=x\n")
    env_file.chmod(0o644)
    _, _, err = invoke("not-a-meeting!", "--env-file", str(env_file))
    assert "chmod 600" in err


def test_credential_flags_are_accepted_and_win_over_the_environment() -> None:
    # Every credential given as a flag: the run gets past configuration to the meeting id.
    code, _, err = invoke("not-a-meeting!", "--zoom-account-id", "a", "--zoom-client-id", "b",
                          "--zoom-client-secret", "c-secret", "--assemblyai-api-key", "d-key")
    assert code == 2 and "is not a Zoom meeting ID" in err


def test_missing_credential_message_names_flags_that_exist() -> None:
    code, _, err = invoke("81234567890")
    assert code == 3
    import re

    flags = re.findall(r"--[a-z-]+", err)
    _, out, _ = invoke("transcribe", "--help", env={"COLUMNS": "250"})
    assert flags and all(flag in out for flag in flags), flags
