"""Bad credentials and refused requests: one sentence, the documented exit code, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

from zoom_assembly.emulator import ALL_SCOPES, Scenario

from .conftest import Harness, start_emulator


def assert_one_sentence(stderr: str) -> None:
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in stderr


def test_wrong_client_secret_exits_3(harness: Harness) -> None:
    result = harness.run(harness.emu.scenario.find("english").uuid,
                         env={"ZOOM_CLIENT_SECRET": "not-the-secret"})
    assert result.code == 3 and "ZOOM_CLIENT_SECRET" in result.stderr
    assert_one_sentence(result.stderr)


def test_wrong_account_id_exits_3(harness: Harness) -> None:
    result = harness.run(harness.emu.scenario.find("english").uuid,
                         env={"ZOOM_ACCOUNT_ID": "someone-else"})
    assert result.code == 3
    assert_one_sentence(result.stderr)


def test_wrong_assemblyai_key_exits_3_after_nothing_is_paid(harness: Harness) -> None:
    result = harness.run(harness.emu.scenario.find("english").uuid,
                         env={"ASSEMBLYAI_API_KEY": "wrong-key-123"})
    assert result.code == 3 and "ASSEMBLYAI_API_KEY" in result.stderr
    assert_one_sentence(result.stderr)


def test_retired_model_exits_2_with_assemblyais_text(harness: Harness) -> None:
    result = harness.run(harness.emu.scenario.find("english").uuid, "--model", "nano")
    assert result.code == 2 and "nano" in result.stderr
    assert "AssemblyAI refused the request" in result.stderr
    assert_one_sentence(result.stderr)


def test_missing_scope_exits_3_naming_it(tmp_path: Path) -> None:
    scopes = [s for s in ALL_SCOPES if s != "cloud_recording:read:list_recording_files:admin"]
    with start_emulator(scenario=Scenario.builtin(), granted_scopes=scopes) as emu:
        h = Harness(emu, tmp_path / "out")
        result = h.run(emu.scenario.find("english").uuid)
    assert result.code == 3
    assert "cloud_recording:read:list_recording_files:admin" in result.stderr
    assert_one_sentence(result.stderr)


def test_missing_instances_scope_falls_back_to_the_latest_instance(tmp_path: Path) -> None:
    scopes = [s for s in ALL_SCOPES if s != "meeting:read:list_past_instances:admin"]
    with start_emulator(scenario=Scenario.builtin(), granted_scopes=scopes) as emu:
        h = Harness(emu, tmp_path / "out")
        result = h.run(str(emu.scenario.find("recurring").id), "--json")
    assert result.code == 0 and len(result.stdout.splitlines()) == 1
    assert "meeting:read:list_past_instances:admin" in result.stderr


def test_download_answering_html_is_refused_then_retried_with_a_fresh_url(
    harness: Harness,
) -> None:
    harness.emu.inject("/zoom/rec/download", "html", count=1)
    result = harness.run(harness.emu.scenario.find("english").uuid, "--json", "--via", "url")
    assert result.code == 0, result.stderr
    assert list(harness.stats()["submissions"].values()) == [2]


def test_download_answering_html_twice_fails_with_a_clear_reason(harness: Harness) -> None:
    harness.emu.inject("/zoom/rec/download", "html", count=5)
    result = harness.run(harness.emu.scenario.find("english").uuid, "--json", "--via", "url")
    line = json.loads(result.stdout)
    assert result.code == 1 and line["status"] == "failed"
    assert "HTML page instead of audio" in line["error"]["message"]


def test_html_from_zoom_on_the_upload_fallback_fails_only_that_recording(
    harness: Harness,
) -> None:
    harness.emu.inject("/zoom/rec/download", "html", count=5)
    result = harness.run(harness.emu.scenario.find("english").uuid, "--json")
    line = json.loads(result.stdout)
    assert result.code == 1 and line["status"] == "failed"
    assert line["error"]["code"] == "download_html"
    assert "web page instead of the recording" in line["error"]["message"]


def test_check_reports_scopes_and_key(harness: Harness) -> None:
    result = harness.run("check")
    assert result.code == 0, result.stdout + result.stderr
    assert "credentials accepted" in result.stdout and "API key accepted" in result.stdout


def test_check_exits_3_on_a_bad_key(harness: Harness) -> None:
    result = harness.run("check", env={"ASSEMBLYAI_API_KEY": "nope-nope"})
    assert result.code == 3 and "AssemblyAI rejected the API key" in result.stdout
