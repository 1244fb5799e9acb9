"""Local recordings: magic-byte sniffing, folder expansion, hashing, and refusals before upload."""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly import media
from zoom_assembly.errors import EXIT_USAGE, UsageError
from zoom_assembly.events import Event, Notice
from zoom_assembly.media import (
    MEDIA_EXTENSIONS,
    collect,
    file_sha256,
    iter_file,
    sniff,
    sniff_bytes,
)


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


HEADERS: dict[str, bytes] = {
    "m4a": box(b"ftyp", b"M4A \x00\x00\x00\x00M4A mp42isom"),
    "mp4": box(b"ftyp", b"mp42\x00\x00\x00\x00mp42isommp41"),
    "mov": box(b"ftyp", b"qt  \x00\x00\x02\x00qt  "),
    "3gp": box(b"ftyp", b"3gp4\x00\x00\x00\x00isom3gp4"),
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00",
    "avi": b"RIFF\x24\x00\x00\x00AVI LIST",
    "ogg": b"OggS\x00\x02" + bytes(20),
    "flac": b"fLaC\x00\x00\x00\x22",
    "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
    "mkv": b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska",
    "aac": b"\xff\xf1\x50\x80\x02\x1f\xfc",
    "amr": b"#!AMR\n\x3c",
    "asf": bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + bytes(8),
    "aiff": b"FORM\x00\x00\x00\x00AIFFCOMM",
}
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(20)  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz

NOT_MEDIA: dict[str, bytes] = {
    "text": b"Meeting notes: agree on the roadmap\n",
    "html": b"<!DOCTYPE html><html><body>Only the host can download</body></html>",
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "json": b'{"timeline": []}',
    "utf16": "\ufeffAgenda".encode("utf-16-le"),
    "zip": b"PK\x03\x04\x14\x00",
    "empty": b"",
}


@pytest.mark.parametrize(("kind", "head"), sorted(HEADERS.items()))
def test_each_format_is_recognised_by_its_magic_bytes(
    kind: str, head: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "no-extension"
    path.write_bytes(head + bytes(100))
    assert sniff(path) == kind
    assert sniff_bytes(head) == kind


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "media"
REAL_FILES = {  # tests/fixtures/media/README.md says how each was made
    "tone.m4a": "m4a", "tone.mp4": "mp4", "tone.wav": "wav", "tone.mp3": "mp3",
    "tone.flac": "flac", "tone.webm": "webm", "tone.aac": "aac", "tone.opus": "ogg",
    "tone.ogg": "ogg",
}  # fmt: skip


@pytest.mark.parametrize(("name", "kind"), sorted(REAL_FILES.items()))
def test_real_files_of_each_kind_are_recognised(name: str, kind: str) -> None:
    assert sniff(FIXTURES / name) == kind
    assert Path(name).suffix in MEDIA_EXTENSIONS  # and found in a folder


def test_mp3_without_id3_by_frame_sync() -> None:
    assert sniff_bytes(MP3_FRAME) == "mp3"
    assert sniff_bytes(b"\xff\xfb\xf0\x64") is None  # bitrate index 15 is invalid


def test_old_quicktime_without_ftyp() -> None:
    assert sniff_bytes(box(b"moov", bytes(16))) == "mov"


@pytest.mark.parametrize(("name", "head"), sorted(NOT_MEDIA.items()))
def test_non_media_is_not_recognised(name: str, head: bytes) -> None:
    assert sniff_bytes(head) is None


def test_extensions_cover_the_common_recordings() -> None:
    assert {".m4a", ".mp4", ".mp3", ".wav", ".webm", ".mov"} <= MEDIA_EXTENSIONS


def write(path: Path, kind: str = "m4a", size: int = 5000) -> Path:
    head = HEADERS[kind]
    path.write_bytes(head + bytes(size - len(head)))
    return path


def test_a_folder_expands_to_its_media_files_sorted(tmp_path: Path) -> None:
    write(tmp_path / "b.mp3", "mp3")
    write(tmp_path / "a.m4a", "m4a")
    write(tmp_path / "C.WAV", "wav")
    (tmp_path / "notes.txt").write_text("not audio")
    (tmp_path / ".hidden.m4a").write_bytes(b"junk")
    (tmp_path / "sub.mp4").mkdir()  # a folder with a media name is not a file
    found = collect([tmp_path])
    assert [m.path.name for m in found] == ["a.m4a", "b.mp3", "C.WAV"]
    assert [m.kind for m in found] == ["m4a", "mp3", "wav"]
    assert all(m.size == 5000 for m in found)


def test_files_and_folders_mix_and_duplicates_are_listed_once(tmp_path: Path) -> None:
    one = write(tmp_path / "one.m4a")
    folder = tmp_path / "more"
    folder.mkdir()
    write(folder / "two.mp4", "mp4", 6000)
    found = collect([one, folder, one, folder / "two.mp4"])
    assert [m.path.name for m in found] == ["one.m4a", "two.mp4"]


def test_an_explicit_file_is_judged_by_content_not_name(tmp_path: Path) -> None:
    odd = write(tmp_path / "recording.bin", "m4a")
    assert collect([odd])[0].kind == "m4a"
    fake = tmp_path / "meeting.m4a"
    fake.write_bytes(NOT_MEDIA["html"])
    with pytest.raises(UsageError) as caught:
        collect([fake])
    assert caught.value.code == "not_media" and "meeting.m4a" in caught.value.message
    assert caught.value.exit_code == EXIT_USAGE


def test_a_fake_media_file_inside_a_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "a.m4a")
    (tmp_path / "b.mp4").write_bytes(NOT_MEDIA["html"])
    events: list[Event] = []
    assert [m.path.name for m in collect([tmp_path], sink=events.append)] == ["a.m4a"]
    assert [(type(e), e.warning) for e in events] == [(Notice, True)]
    assert isinstance(events[0], Notice) and "b.mp4" in events[0].message


def deny(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Refuse reading ``name`` the way a user sees it (tests run as root, where chmod 000
    still reads): opening the file, or listing the folder."""
    real_open, real_scandir = open, os.scandir

    def guarded_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name == name:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def guarded_scandir(path: Any = ".") -> Any:
        if Path(path).name == name:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(media, "open", guarded_open, raising=False)
    monkeypatch.setattr(os, "scandir", guarded_scandir)


def test_an_unreadable_file_in_a_folder_is_skipped_and_the_rest_collected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a.m4a")
    write(tmp_path / "locked.m4a")
    write(tmp_path / "z.wav", "wav")
    deny(monkeypatch, "locked.m4a")
    events: list[Event] = []
    found = collect([tmp_path], sink=events.append)
    assert [m.path.name for m in found] == ["a.m4a", "z.wav"]
    assert len(events) == 1 and isinstance(events[0], Notice) and events[0].warning
    assert "locked.m4a" in events[0].message and "Permission denied" in events[0].message


def test_an_unreadable_subfolder_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a.m4a")
    (tmp_path / "private").mkdir()
    write(tmp_path / "private" / "b.m4a")
    deny(monkeypatch, "private")
    events: list[Event] = []
    assert [m.path.name for m in collect([tmp_path], sink=events.append)] == ["a.m4a"]
    assert len(events) == 1 and isinstance(events[0], Notice) and events[0].warning
    assert "private" in events[0].message


def test_an_unreadable_folder_named_on_the_command_line_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "private"
    folder.mkdir()
    write(folder / "b.m4a")
    deny(monkeypatch, "private")
    with pytest.raises(UsageError) as caught:
        collect([folder])
    assert caught.value.code == "file_unreadable" and "private" in caught.value.message


def test_a_folder_whose_files_all_fail_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "b.mp4").write_bytes(NOT_MEDIA["html"])
    with pytest.raises(UsageError) as caught:
        collect([tmp_path])
    assert caught.value.code == "no_media_files" and caught.value.exit_code == EXIT_USAGE


def test_subfolders_are_searched_and_sorted_by_path(tmp_path: Path) -> None:
    write(tmp_path / "b.m4a")
    (tmp_path / "2026-03-14 Weekly sync").mkdir()
    write(tmp_path / "2026-03-14 Weekly sync" / "audio1.m4a")
    (tmp_path / "a" / "deep").mkdir(parents=True)
    write(tmp_path / "a" / "deep" / "x.mp3", "mp3")
    found = collect([tmp_path])
    assert [m.path.relative_to(tmp_path).as_posix() for m in found] == [
        "2026-03-14 Weekly sync/audio1.m4a", "a/deep/x.mp3", "b.m4a"]


def test_hidden_files_and_folders_are_left_out(tmp_path: Path) -> None:
    write(tmp_path / "a.m4a")
    (tmp_path / ".Trash").mkdir()
    write(tmp_path / ".Trash" / "old.m4a")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / ".partial.m4a")
    assert [m.path.name for m in collect([tmp_path])] == ["a.m4a"]


def test_the_output_folder_inside_a_searched_folder_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a.m4a")
    kept = tmp_path / "transcripts" / "Weekly sync 2026-03-14"
    kept.mkdir(parents=True)
    write(kept / "audio.m4a")  # as --keep-audio leaves it
    monkeypatch.chdir(tmp_path)  # `transcribe-zoom file .` with the default --out
    found = collect([Path(".")], exclude=[Path("transcripts")])
    assert [m.path.name for m in found] == ["a.m4a"]
    assert len(collect([Path(".")])) == 2  # without the exclusion it would be taken


def test_the_hash_is_the_content_sha256_and_stable(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    first = tmp_path / "first.m4a"
    first.write_bytes(HEADERS["m4a"] + data)
    copy = tmp_path / "renamed-copy.m4a"
    copy.write_bytes(first.read_bytes())
    expected = hashlib.sha256(first.read_bytes()).hexdigest()
    a, b = collect([first, copy])
    assert a.sha256 == b.sha256 == expected == file_sha256(first, chunk_size=4096)
    assert a.key == f"sha256:{expected}"
    assert collect([first])[0].sha256 == expected  # the same on a rerun


def test_iter_file_streams_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    path.write_bytes(b"x" * 2500)
    assert [len(c) for c in iter_file(path, 1000)] == [1000, 1000, 500]


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        collect([tmp_path / "nope.m4a"])
    assert caught.value.code == "file_not_found" and caught.value.exit_code == EXIT_USAGE


def test_no_paths() -> None:
    with pytest.raises(UsageError):
        collect([])


def test_a_folder_without_media(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UsageError) as caught:
        collect([tmp_path])
    assert caught.value.code == "no_media_files" and "m4a" in caught.value.message


def test_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.m4a"
    empty.touch()
    with pytest.raises(UsageError) as caught:
        collect([empty])
    assert caught.value.code == "not_media" and "empty" in caught.value.message


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write(tmp_path / "locked.m4a")
    real_open = open

    def guarded(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name == "locked.m4a":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    # Tests run as root, where chmod 000 still reads: refuse the open the way a user sees it.
    monkeypatch.setattr(media, "open", guarded, raising=False)
    with pytest.raises(UsageError) as caught:
        collect([locked])
    assert caught.value.code == "file_unreadable"
    assert "Permission denied" in caught.value.message and "locked.m4a" in caught.value.message


def test_a_file_over_the_upload_limit_is_refused_before_hashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "huge.mp4"
    with big.open("wb") as handle:
        handle.write(HEADERS["mp4"])
        handle.truncate(2_200_000_001)  # sparse: no real disk space used
    hashed: list[Path] = []

    def fake_hash(path: Path, chunk_size: int = 0) -> str:
        hashed.append(path)
        return ""

    monkeypatch.setattr(media, "file_sha256", fake_hash)
    small = write(tmp_path / "a.m4a")
    with pytest.raises(UsageError) as caught:
        collect([small, big])
    assert caught.value.code == "file_too_large" and "2.2 GB" in caught.value.message
    assert hashed == []  # every check runs before any file is read in full
