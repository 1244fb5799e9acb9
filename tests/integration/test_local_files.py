"""`transcribe-zoom file` with real small files of every kind the README promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import FAST_POLLING, Harness

MEDIA = Path(__file__).resolve().parent.parent / "fixtures" / "media"
KINDS = ("m4a", "mp4", "wav", "mp3", "flac", "webm", "aac", "opus", "ogg")


@pytest.mark.parametrize("kind", KINDS)
def test_each_local_audio_kind_is_transcribed(kind: str, harness: Harness) -> None:
    result = harness.run("file", str(MEDIA / f"tone.{kind}"), "--json",
                         "--out", str(harness.out), *FAST_POLLING)
    assert result.code == 0, result.stderr
    line = json.loads(result.stdout)
    assert line["status"] == "completed" and line["error"] is None
    assert Path(line["files"]["txt"]).exists()
    assert "MP4 instead" not in result.stderr  # a local file is not judged by Zoom's rules
    assert harness.emu.stats()["uploads"]["count"] == 1


def test_a_keyterm_over_six_words_exits_2_before_any_request(harness: Harness) -> None:
    meeting = harness.emu.scenario.find("english")
    for args in (("file", str(MEDIA / "tone.wav"), "--out", str(harness.out)),
                 (meeting.uuid,)):
        result = harness.run(*args, "--keyterm", "one two three four five six seven")
        assert result.code == 2, result.stderr
        assert "'one two three four five six seven' has 7 words" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert harness.emu.stats()["requests"]["total"] == 0
