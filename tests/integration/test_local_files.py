"""`transcribe-zoom file` with real small files of every kind the README promises."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly import media

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


def test_a_folder_is_searched_recursively_skipping_unreadable_hidden_and_output_files(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "Zoom"
    for relative, kind in (("standup/tone.wav", "wav"), ("tone.mp3", "mp3"),
                           ("locked.flac", "flac"), (".cache/tone.ogg", "ogg"),
                           ("transcripts/old/audio.m4a", "m4a"), ("notes/.tone.opus", "opus")):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(MEDIA / f"tone.{kind}", folder / relative)
    real_open = open

    def guarded(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name == "locked.flac":  # as root, chmod 000 would still read
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(media, "open", guarded, raising=False)
    result = harness.run("file", str(folder), "--json", "--out", str(folder / "transcripts"),
                         *FAST_POLLING)
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(line["meeting"]["topic"] for line in lines) == ["tone", "tone"]
    assert all(line["status"] == "completed" for line in lines)
    assert harness.emu.stats()["uploads"]["count"] == 2  # standup/tone.wav and tone.mp3
    assert "Skipped: Cannot read" in result.stderr and "locked.flac" in result.stderr
