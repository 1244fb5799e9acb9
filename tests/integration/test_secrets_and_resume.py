"""No secret leaks anywhere; an interrupted wait resumes without paying twice."""

from __future__ import annotations

import json
import re
from pathlib import Path

from zoom_assembly.emulator import Scenario

from .conftest import Harness, start_emulator

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+")


def everything_written(out: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_a_whole_meeting_leaks_no_secret_anywhere(harness: Harness) -> None:
    emu = harness.emu
    harness.emu.inject("/zoom/v2/meetings", "revoke_token", count=1)  # two access tokens
    harness.emu.inject("GET /assemblyai/v2/transcript/", "500", count=1)
    recurring = emu.scenario.find("recurring")
    result = harness.run(str(recurring.id), "--json", "-v")
    assert result.code == 0, result.stderr
    access_tokens = list(emu.state.zoom_tokens._tokens)
    assert len(access_tokens) == 2
    secrets = [emu.credentials.client_secret, emu.credentials.api_key, *access_tokens]
    places = {"stdout": result.stdout.encode(), "stderr": result.stderr.encode(),
              **everything_written(harness.out)}
    assert any(name.endswith("ledger.sqlite") for name in places)
    for name, content in places.items():
        for secret in secrets:
            assert secret.encode() not in content, f"a secret leaked into {name}"
        text = content.decode("utf-8", errors="replace")
        assert not JWT.search(text), f"a token leaked into {name}"
        assert "access_token=" not in text or "access_token=[REDACTED]" in text, name


def test_download_error_messages_are_redacted_in_json_and_ledger(harness: Harness) -> None:
    harness.emu.inject("/zoom/rec/download", "500", count=10)
    result = harness.run(harness.emu.scenario.find("english").uuid, "--json", "--via", "url")
    line = json.loads(result.stdout)
    assert result.code == 1 and "Download error" in line["error"]["message"]
    for name, content in {"stdout": result.stdout.encode(),
                          **everything_written(harness.out)}.items():
        assert not JWT.search(content.decode("utf-8", errors="replace")), name


def test_timeout_then_rerun_resumes_the_same_job(tmp_path: Path) -> None:
    with start_emulator(scenario=Scenario.builtin(), speed=100.0) as emu:
        h = Harness(emu, tmp_path / "out")
        meeting = emu.scenario.find("english")
        first = h.run(meeting.uuid, "--json", "--timeout", "1", fast=False)
        line = json.loads(first.stdout)
        assert first.code == 1 and line["status"] == "timeout"
        assert "run `transcribe-zoom" in line["error"]["message"]
        second = h.run(meeting.uuid, "--json", "--poll-interval", "0.2")
        assert second.code == 0, second.stderr
        assert json.loads(second.stdout)["transcript_id"] == line["transcript_id"]
        assert list(emu.stats()["submissions"].values()) == [1]
