"""Zoom download → AssemblyAI upload streamed over real loopback, against the emulator."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from zoom_assembly.assembly.upload import upload_stream
from zoom_assembly.config import load_settings
from zoom_assembly.emulator import Emulator
from zoom_assembly.errors import TranscribeZoomError
from zoom_assembly.media import collect, iter_file
from zoom_assembly.redact import Secret
from zoom_assembly.retry import RetryPolicy
from zoom_assembly.zoom import build_zoom_client
from zoom_assembly.zoom.download import DownloadRefused, DownloadStream, open_download
from zoom_assembly.zoom.recordings import RecordingFile

pytestmark = pytest.mark.integration


@dataclass
class Mover:
    emu: Emulator
    session: requests.Session
    token: Secret
    file: RecordingFile
    api_key: Secret
    assembly_base: str
    opened: int = 0

    def open(self, **kwargs: object) -> DownloadStream:
        self.opened += 1
        return open_download(
            self.session, self.file.download_url, self.token,
            expected_size=self.file.file_size, timeout=10.0, zoom_hosts=(),
            chunk_size=256 * 1024, **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip

    def upload(self, open_body: object, size: int | None) -> str:
        return upload_stream(
            self.assembly_base, self.api_key, open_body,  # type: ignore[arg-type]
            size=size, policy=RetryPolicy(max_attempts=4, rng=random.Random(0)),
            sleep=lambda s: None, timeout=10.0,
        )  # fmt: skip


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(speed=3000) as emu:
        yield emu


@pytest.fixture
def mover(emulator: Emulator) -> Iterator[Mover]:
    emulator.reset()
    settings = load_settings(environ=emulator.env(), use_env_file=False)
    zoom = build_zoom_client(settings, sleep=lambda s: None)
    meeting = emulator.scenario.find("english")
    recordings = zoom.meeting_recordings(meeting.uuid)
    m4a = next(f for f in recordings.files if f.file_type == "M4A")
    assert m4a.id in {f.id for f in meeting.files}
    token = Secret(zoom.api.tokens.token())
    yield Mover(emulator, zoom.api.session, token, m4a, settings.assemblyai_api_key,
                settings.assemblyai_base_url)
    zoom.api.session.close()


def test_a_zoom_recording_streams_into_an_upload(mover: Mover) -> None:
    size = mover.file.file_size
    assert size is not None and size > 1_000_000

    def open_body() -> DownloadStream:
        return mover.open()

    upload_url = mover.upload(open_body, size)
    assert upload_url.startswith(mover.emu.base_url)
    stats = mover.emu.stats()
    assert stats["uploads"] == {"count": 1, "bytes": size}
    assert stats["downloads"]["bytes"] == size and mover.opened == 1


def test_kept_audio_is_saved_while_streaming(mover: Mover, tmp_path: Path) -> None:
    target = tmp_path / "meeting.m4a"
    size = mover.file.file_size
    mover.upload(lambda: mover.open().tee_to(target), size)
    assert target.stat().st_size == size
    assert collect([target])[0].kind == "m4a"


def test_html_answer_is_refused_before_uploading(mover: Mover) -> None:
    mover.emu.inject("/zoom/rec/download", "html")
    with pytest.raises(DownloadRefused) as caught:
        mover.upload(lambda: mover.open(), mover.file.file_size)
    assert caught.value.code == "download_html"
    assert mover.token.reveal() not in str(caught.value)
    assert mover.emu.stats()["uploads"]["count"] == 0


def test_a_dropped_download_is_restarted_and_the_upload_gets_every_byte(mover: Mover) -> None:
    size = mover.file.file_size
    assert size is not None
    mover.emu.inject("/zoom/storage", "drop", after_bytes=size // 3)
    mover.upload(lambda: mover.open(), size)
    assert mover.opened == 2
    assert mover.emu.stats()["uploads"] == {"count": 1, "bytes": size}


def test_zoom_500_on_download_is_retried(mover: Mover) -> None:
    mover.emu.inject("/zoom/rec/download", "500")
    mover.upload(lambda: mover.open(), mover.file.file_size)
    assert mover.opened == 2 and mover.emu.stats()["uploads"]["count"] == 1


def test_a_dropped_download_surfaces_as_interrupted(mover: Mover) -> None:
    size = mover.file.file_size
    assert size is not None
    mover.emu.inject("/zoom/storage", "drop", after_bytes=size // 2)
    with pytest.raises(TranscribeZoomError) as caught, mover.open() as stream:
        for _chunk in stream:
            pass
    assert caught.value.code == "download_interrupted"
    assert 0 < stream.bytes_read < size


def test_an_assemblyai_500_restarts_the_upload_from_a_fresh_download(mover: Mover) -> None:
    mover.emu.inject("/assemblyai/v2/upload", "500")
    size = mover.file.file_size
    mover.upload(lambda: mover.open(), size)
    assert mover.opened == 2 and mover.emu.stats()["uploads"] == {"count": 1, "bytes": size}


def test_a_local_file_uploads_by_streaming(mover: Mover, tmp_path: Path) -> None:
    path = tmp_path / "local.m4a"
    with mover.open() as stream, path.open("wb") as handle:
        for chunk in stream:
            handle.write(chunk)
    (local,) = collect([tmp_path])
    mover.upload(lambda: iter_file(local.path), local.size)
    assert mover.emu.stats()["uploads"]["bytes"] == local.size
