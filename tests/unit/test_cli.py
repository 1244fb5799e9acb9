"""The command line without any server: routing, usage errors and credential errors."""

from __future__ import annotations

import json
import logging
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import zoom_assembly.pipeline
from zoom_assembly.cli import app, route_default_command
from zoom_assembly.cli.app import _configure_logging

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
    (["-o", "check", "81234567890"], ["transcribe", "-o", "check", "81234567890"]),
    (["--out", "status", "--json", "81234567890"],
     ["transcribe", "--out", "status", "--json", "81234567890"]),
    (["--", "-81234567890"], ["transcribe", "--", "-81234567890"]),
    (["-vv", "check"], ["-vv", "check"]),
])
def test_meeting_argument_routes_to_transcribe(argv: list[str], expected: list[str]) -> None:
    assert route_default_command(argv) == expected


def test_help_lists_every_command() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for command in ("transcribe", "file", "backfill", "status", "check", "demo", "emulate"):
        assert command in out


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


def test_missing_credential_message_names_flags_that_exist() -> None:
    code, _, err = invoke("81234567890")
    assert code == 3
    import re

    flags = re.findall(r"--[a-z-]+", err)
    _, out, _ = invoke("transcribe", "--help", env={"COLUMNS": "250"})
    assert flags and all(flag in out for flag in flags), flags


# -- what reaches the library: observed by replacing the one pipeline function a command calls --

class Captured:
    settings: Any = None
    options: Any = None


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Captured]:
    seen = Captured()

    def fake_transcribe(refs: list[str], settings: Any, options: Any, **_: Any) -> list[Any]:
        seen.settings, seen.options = settings, options
        return []

    monkeypatch.setattr(zoom_assembly.pipeline, "transcribe_meetings", fake_transcribe)
    monkeypatch.chdir(tmp_path)
    yield seen


def test_credential_flags_win_over_the_environment(captured: Captured) -> None:
    code, _, err = invoke("81234567890", "--zoom-account-id", "flag-acc", "--zoom-client-id",
                          "flag-cid", "--zoom-client-secret", "flag-secret",
                          "--assemblyai-api-key", "flag-key", env=CREDS)
    assert code == 0, err
    settings = captured.settings
    assert (settings.zoom_account_id, settings.zoom_client_id) == ("flag-acc", "flag-cid")
    assert settings.zoom_client_secret.reveal() == "flag-secret"
    assert settings.assemblyai_api_key.reveal() == "flag-key"


def test_environment_credentials_are_used_without_flags(captured: Captured) -> None:
    code, _, err = invoke("81234567890", env=CREDS)
    assert code == 0, err
    assert captured.settings.zoom_client_secret.reveal() == "secret-1234"


def test_resume_hint_is_the_full_command_with_an_absolute_out_and_no_secret(
    captured: Captured, tmp_path: Path
) -> None:
    code, _, err = invoke("81234567890", "--latest", "-o", "my out", "--language", "es",
                          "--keyterm", "Kubernetes", "--keyterm", "a b",
                          "--zoom-client-secret", "flag-secret-value", env=CREDS)
    assert code == 0, err
    hint = captured.options.resume_hint
    assert hint.startswith("run `") and hint.endswith("` again")
    words = shlex.split(hint[len("run `"):-len("` again")])
    assert words[:3] == ["transcribe-zoom", "transcribe", "81234567890"]
    assert words[words.index("--out") + 1] == str(tmp_path / "my out")
    assert "--latest" in words and words[words.index("--language") + 1] == "es"
    assert [words[i + 1] for i, w in enumerate(words) if w == "--keyterm"] == [
        "Kubernetes", "a b"]
    assert "flag-secret-value" not in hint and "--zoom-client-secret" not in hint


def test_option_value_that_names_a_command_is_not_taken_for_the_command(
    captured: Captured,
) -> None:
    code, _, err = invoke("-o", "check", "81234567890", env=CREDS)
    assert code == 0, err
    assert captured.options.out_dir == Path("check")


def test_meeting_id_with_a_leading_minus_is_refused() -> None:
    code, out, err = invoke("--", "-87519152902", env=CREDS)
    assert code == 2 and out == ""
    assert "minus sign" in err and err.count("\n") == 1


@pytest.mark.parametrize("link", [
    "zoommtg://zoom.us/join?action=join&confno=87519152902&pwd=xyz",
    "https://zoom.us/recording/detail?meeting_id=%2Fab%2BcDEF%2F%2FghijkLMNop%3D%3D",
])
def test_links_users_paste_are_accepted(link: str) -> None:
    from zoom_assembly.zoom import parse_meeting_ref

    ref = parse_meeting_ref(link)
    assert ref.meeting_id == 87519152902 or ref.uuid == "/ab+cDEF//ghijkLMNop=="


@pytest.mark.parametrize("args", [
    ("81234567890", "-o", ""),
    ("81234567890", "--out", " "),
    ("backfill", "--all-users", "--from", ""),
    ("backfill", "--all-users", "--to", ""),
])
def test_empty_option_values_are_refused(args: tuple[str, ...]) -> None:
    code, out, err = invoke(*args, env=CREDS)
    assert code == 2 and out == "", err


@pytest.mark.parametrize("rate", ["0", "-1", "nan", "inf", "fast"])
def test_a_request_rate_that_is_not_a_positive_number_is_a_configuration_error(
    rate: str,
) -> None:
    code, _, err = invoke("81234567890", env={**CREDS, "ZOOM_MAX_REQUESTS_PER_SECOND": rate})
    assert code == 3 and "ZOOM_MAX_REQUESTS_PER_SECOND" in err and err.count("\n") == 1


@pytest.mark.parametrize(("name", "value"), [
    ("ZOOM_API_BASE_URL", "htps:/api.zoom.us/v2"),
    ("ZOOM_API_BASE_URL", "api.zoom.us/v2"),
    ("ZOOM_OAUTH_URL", "https://zoom.us:99999/oauth/token"),
    ("ASSEMBLYAI_BASE_URL", "https:///v2"),
    ("ASSEMBLYAI_BASE_URL", "https://api.assembly ai.com"),
])
def test_a_malformed_endpoint_url_is_a_configuration_error(name: str, value: str) -> None:
    code, _, err = invoke("81234567890", env={**CREDS, name: value})
    assert code == 3 and name in err and "Unexpected" not in err
    assert err.count("\n") == 1


def test_backfill_to_a_future_day_is_clamped_to_today_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def fake_backfill(selection: Any, settings: Any, options: Any, **_: Any) -> list[Any]:
        seen["selection"], seen["options"] = selection, options
        return []

    monkeypatch.setattr(zoom_assembly.pipeline, "backfill", fake_backfill)
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()
    code, _, err = invoke("backfill", "--all-users", "--from", "2026-01-01", "--to",
                          "2999-12-31", "-o", str(tmp_path), env=CREDS)
    assert code == 0, err
    assert seen["selection"].end == today
    assert "2999-12-31 is in the future" in err and str(today) in err
    # the resume command pins the dates actually covered
    assert f"--to {today}" in seen["options"].resume_hint


def test_backfill_from_after_to_is_refused() -> None:
    code, _, err = invoke("backfill", "--all-users", "--from", "2026-02-01", "--to",
                          "2026-01-01", env=CREDS)
    assert code == 2 and "is after --to" in err


def test_binary_env_file_says_what_is_wrong(tmp_path: Path) -> None:
    env_file = tmp_path / "tokens.env"
    env_file.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    env_file.chmod(0o600)
    code, _, err = invoke("81234567890", "--env-file", str(env_file))
    assert code == 3 and "binary file" in err and "permission" not in err


def test_non_utf8_env_file_says_what_is_wrong(tmp_path: Path) -> None:
    env_file = tmp_path / "tokens.env"
    env_file.write_bytes("ZOOM_ACCOUNT_ID=caf\u00e9\n".encode("latin-1"))
    env_file.chmod(0o600)
    code, _, err = invoke("81234567890", "--env-file", str(env_file))
    assert code == 3 and "not UTF-8" in err and "permission" not in err


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_everything() -> None:
    logging.getLogger("zoom_assembly.zoom.api").debug("ours-debug")
    for name in ("urllib3.connectionpool", "httpx", "httpcore.http11", "asyncio", "uvicorn"):
        logging.getLogger(name).debug(f"{name}-debug")
    logging.getLogger("urllib3.connectionpool").warning("theirs-warning")


def test_one_v_shows_our_debug_lines_but_keeps_third_party_loggers_at_warning(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure_logging(1)
    _log_everything()
    err = capsys.readouterr().err
    assert "ours-debug" in err and "theirs-warning" in err
    assert "-debug" not in err.replace("ours-debug", "")


def test_two_v_show_third_party_debug_lines(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure_logging(2)
    _log_everything()
    err = capsys.readouterr().err
    assert "urllib3.connectionpool-debug" in err and "httpcore.http11-debug" in err


def test_fatal_error_with_json_also_writes_one_json_object_on_stdout() -> None:
    code, out, err = invoke("not-a-meeting!", "--json", env=CREDS)
    assert code == 2 and err.startswith("error: ")
    doc = json.loads(out)
    assert doc == {"error": {"code": "bad_meeting_id", "message": doc["error"]["message"]},
                   "exit": 2}
    assert "is not a Zoom meeting ID" in doc["error"]["message"]


def test_fatal_error_without_json_leaves_stdout_empty() -> None:
    code, out, _ = invoke("not-a-meeting!", env=CREDS)
    assert code == 2 and out == ""


def test_a_single_meeting_run_off_a_terminal_prints_plain_progress_lines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import zoom_assembly.cli.progress
    from zoom_assembly.events import RecordingStage

    def fake_transcribe(refs: list[str], settings: Any, options: Any, *, sink: Any,
                        **_: Any) -> list[Any]:
        sink(RecordingStage("f1", "Weekly sync", "submitted"))
        return []

    monkeypatch.setattr(zoom_assembly.pipeline, "transcribe_meetings", fake_transcribe)
    monkeypatch.setattr(zoom_assembly.cli.progress, "PLAIN_PROGRESS_EVERY", 0.0)
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("81234567890", env=CREDS)
    assert code == 0, err
    assert "progress: listed 0  submitted 1" in err
