"""Audio sources: what AssemblyAI is handed for a recording, and for its one resubmission."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.errors import NoDownloadToken
from zoom_assembly.media import LocalMedia
from zoom_assembly.pipeline.sources import (
    LocalFile,
    ZoomHandoff,
    ZoomSettings,
    ZoomStreamUpload,
    zoom_source,
)
from zoom_assembly.redact import Secret
from zoom_assembly.zoom import MeetingRecordings, parse_meeting

from .factories import meeting


class Zoom:
    def __init__(self, token: str | None) -> None:
        self.token = token
        self.fetches = 0

    def meeting_recordings(self, ref: Any, *, download_token_ttl: int | None = None
                           ) -> MeetingRecordings:
        self.fetches += 1
        return recordings(self.token and f"{self.token}-{self.fetches}")

    def open_download(self, file: Any, *, what: str) -> list[bytes]:
        return [b"audio"]


class Assembly:
    def __init__(self) -> None:
        self.uploaded: list[bytes] = []

    def upload(self, open_body: Any, *, size: int | None) -> str:
        self.uploaded.append(b"".join(open_body()))
        return f"https://cdn.assemblyai.test/upload/{len(self.uploaded)}"


def recordings(token: str | None) -> MeetingRecordings:
    parsed = parse_meeting(meeting())
    return MeetingRecordings(parsed.meeting, parsed.files, (),
                             Secret(token) if token else None)


def notes() -> tuple[list[tuple[str, str]], Any]:
    seen: list[tuple[str, str]] = []
    return seen, lambda stage, detail: seen.append((stage, detail))


def handoff(zoom: Zoom, via: str, token: str | None = None) -> ZoomHandoff:
    rec = recordings(token)
    return ZoomHandoff(zoom, Assembly(), rec, rec.files[0],  # type: ignore[arg-type]
                       ZoomSettings(via=via))


def test_handoff_url_carries_the_scoped_token_and_its_key_carries_none() -> None:
    source = handoff(Zoom("scoped"), "auto", token="scoped-0")
    _, note = notes()
    assert source.audio_url(note).endswith("?access_token=scoped-0")
    assert source.lookup_key() == "https://us06web.zoom.us/rec/download/m4a-audio_only-file"


def test_listing_without_a_token_asks_zoom_for_one_before_handing_over() -> None:
    zoom = Zoom("scoped")
    url = handoff(zoom, "url").audio_url(notes()[1])
    assert zoom.fetches == 1 and url.endswith("access_token=scoped-1")


def test_no_scoped_token_with_auto_streams_the_file_instead() -> None:
    source = handoff(Zoom(None), "auto")
    seen, note = notes()
    assert source.audio_url(note) == "https://cdn.assemblyai.test/upload/1"
    assert seen[0][0] == "streaming"


def test_no_scoped_token_with_url_refuses_rather_than_use_the_account_token() -> None:
    with pytest.raises(NoDownloadToken, match="--via upload"):
        handoff(Zoom(None), "url").audio_url(notes()[1])


def test_download_error_under_auto_resubmits_by_streaming() -> None:
    assert isinstance(handoff(Zoom("s"), "auto", "s-0").for_resubmission("download"),
                      ZoomStreamUpload)


def test_download_error_under_url_resubmits_with_a_fresh_token() -> None:
    zoom = Zoom("fresh")
    again = handoff(zoom, "url", "old").for_resubmission("download")
    assert isinstance(again, ZoomHandoff)
    assert again.audio_url(notes()[1]).endswith("access_token=fresh-1")


def test_keep_audio_or_via_upload_start_with_the_stream() -> None:
    rec = recordings("t")
    keep = ZoomSettings(via="auto", keep_audio_to=lambda m, f: Path("audio.m4a"))
    for settings in (ZoomSettings(via="upload"), keep):
        source = zoom_source(Zoom("t"), Assembly(), rec, rec.files[0],  # type: ignore[arg-type]
                             settings)
        assert isinstance(source, ZoomStreamUpload) and source.lookup_key() is None


def test_local_file_is_uploaded_and_resubmitted_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF....WAVE")
    assembly = Assembly()
    source = LocalFile(assembly, LocalMedia(path, 12, "wav", "ab" * 32))  # type: ignore[arg-type]
    assert source.audio_url(notes()[1]).startswith("https://cdn.assemblyai.test/upload/")
    assert assembly.uploaded == [b"RIFF....WAVE"]
    assert source.for_resubmission("server") is source and source.lookup_key() is None
