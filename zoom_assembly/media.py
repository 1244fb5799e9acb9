"""Local recordings (``transcribe-zoom file``): finding them, recognising them, hashing them.

Everything that can be wrong with a path is said **before** anything is uploaded: missing,
unreadable, not audio or video (by its first bytes, whatever its name), or over AssemblyAI's
upload limit. A named file with such a problem stops the run (exit 2); a file found while
searching a folder (subfolders included) is skipped with a warning event instead. The SHA-256
of the content, computed in 1 MiB chunks, is the ledger key, so a renamed or re-run file is
not paid for twice.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .assembly.upload import UPLOAD_LIMIT_BYTES
from .errors import UsageError
from .events import EventSink, Notice, discard

CHUNK_SIZE = 1 << 20  # 1 MiB
SNIFF_BYTES = 64

# Extensions looked for when a folder is given (explicitly named files are judged by content).
MEDIA_EXTENSIONS = frozenset(
    {
        ".m4a", ".mp4", ".m4v", ".mov", ".3gp", ".3g2",  # ISO-BMFF (ftyp)
        ".mp3", ".wav", ".aac", ".ogg", ".oga", ".opus", ".flac",
        ".webm", ".mkv", ".mka", ".amr", ".aiff", ".aif", ".avi", ".wma", ".wmv", ".asf",
    }
)  # fmt: skip

# ISO-BMFF boxes a file may start with (old QuickTime files have no ftyp).
_BMFF_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")


@dataclass(frozen=True)
class LocalMedia:
    """A local audio/video file ready to upload; ``sha256`` (hex) identifies its content."""

    path: Path
    size: int
    kind: str
    sha256: str

    @property
    def key(self) -> str:
        """A stable ledger key for the content: ``sha256:<hex>``."""
        return f"sha256:{self.sha256}"


def _bmff_kind(head: bytes) -> str | None:
    if len(head) < 8 or head[4:8] not in _BMFF_FIRST_BOXES:
        return None
    box_size = int.from_bytes(head[:4], "big")
    if box_size not in (0, 1) and box_size < 8:
        return None
    if head[4:8] != b"ftyp":
        return "mov"
    brand = head[8:12]
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return "m4a"
    if brand == b"qt  ":
        return "mov"
    if brand.startswith(b"3g"):
        return "3gp"
    return "mp4"


def _mpeg_audio_kind(head: bytes) -> str | None:
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0 or head[1] == 0xFE:
        return None  # (FF FE is a UTF-16 byte order mark: text)
    layer = (head[1] >> 1) & 0b11
    if layer == 0b00:
        # Layer bits 00 after a 12-bit sync: an AAC ADTS frame header.
        return "aac" if head[1] & 0xF0 == 0xF0 else None
    version = (head[1] >> 3) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    if version == 0b01 or bitrate == 0xF or sample_rate == 0b11:
        return None
    return "mp3"


def sniff_bytes(head: bytes) -> str | None:
    """The media format named by a file's first bytes (``"m4a"``, ``"mp3"``, ``"wav"``...),
    or None when they are not audio or video (text, HTML, PDF, images, empty...)."""
    if head.startswith(b"ID3"):
        return "mp3"
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WAVE": "wav", b"AVI ": "avi"}.get(head[8:12])
    if head[:4] == b"RF64" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "mkv"
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return "amr"
    if head.startswith(_ASF_GUID):
        return "asf"
    if head.startswith(b"caff"):
        return "caf"
    return _bmff_kind(head) or _mpeg_audio_kind(head)


def sniff(path: str | os.PathLike[str]) -> str | None:
    """The media format of the file at ``path`` by its magic bytes (see :func:`sniff_bytes`).

    Raises ``OSError`` when the file cannot be read.
    """
    with open(path, "rb") as handle:
        return sniff_bytes(handle.read(SNIFF_BYTES))


def iter_file(path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The file's bytes in chunks of ``chunk_size``, read as they are consumed."""
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            yield chunk


def file_sha256(path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> str:
    """SHA-256 (hex) of the file's content, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    for chunk in iter_file(path, chunk_size):
        digest.update(chunk)
    return digest.hexdigest()


def _gb(size: int) -> str:
    return f"{size / 1e9:.2f} GB"


def _unreadable(path: Path, exc: OSError) -> UsageError:
    reason = exc.strerror or type(exc).__name__
    return UsageError(
        f"Cannot read {path} ({reason}); check its permissions (e.g. `chmod u+r`) or copy it "
        "somewhere readable.",
        code="file_unreadable",
    )


def _check_file(path: Path, size: int) -> str:
    """The file's media kind, or a UsageError saying why it cannot be transcribed."""
    try:
        kind = sniff(path)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if kind is None:
        if size == 0:
            raise UsageError(f"{path} is empty; check the file.", code="not_media")
        raise UsageError(
            f"{path} is not an audio or video file (its first bytes match no known format); "
            "give a recording such as .m4a, .mp4, .mp3 or .wav.",
            code="not_media",
        )
    if size > UPLOAD_LIMIT_BYTES:
        raise UsageError(
            f"{path} is {_gb(size)}, over AssemblyAI's {UPLOAD_LIMIT_BYTES / 1e9:.1f} GB upload "
            "limit; split it or keep only the audio track (e.g. "
            "`ffmpeg -i in.mp4 -vn -c:a copy out.m4a`) and transcribe that.",
            code="file_too_large",
        )
    return kind


def _skipped(exc: UsageError) -> Notice:
    return Notice(f"Skipped: {exc.message}", warning=True)


def _search(folder: Path, exclude: frozenset[Path], sink: EventSink) -> list[tuple[Path, int]]:
    """(file, size) of the media files under ``folder``, subfolders included, sorted by path.

    Hidden files and folders (``.name``) and the ``exclude`` folders (the output folder) are
    left out; symbolic links to folders are not followed (no loops). A subfolder or file that
    cannot be read is skipped with a warning.
    """
    def unreadable_folder(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        if where == folder:
            raise _unreadable(folder, exc)
        sink(_skipped(_unreadable(where, exc)))

    found = []
    for here, dirs, files in os.walk(folder, onerror=unreadable_folder):
        base = Path(here)
        dirs[:] = [d for d in dirs
                   if not d.startswith(".") and (base / d).resolve() not in exclude]
        for name in files:
            entry = base / name
            if name.startswith(".") or entry.suffix.lower() not in MEDIA_EXTENSIONS:
                continue
            try:
                info = entry.stat()
            except OSError as exc:
                sink(_skipped(_unreadable(entry, exc)))
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((entry, info.st_size))
    if not found:
        raise UsageError(
            f"{folder} holds no audio or video files (looked for "
            f"{', '.join(sorted(e.lstrip('.') for e in MEDIA_EXTENSIONS))}, subfolders "
            "included); name the files themselves instead.",
            code="no_media_files",
        )
    return sorted(found, key=lambda item: (
        [part.lower() for part in item[0].relative_to(folder).parts], str(item[0])))


def _expand(
    path: Path, exclude: frozenset[Path], sink: EventSink
) -> tuple[list[tuple[Path, int]], bool]:
    """(file, size) pairs a command-line path stands for — itself, or the media files under a
    folder — and whether they came from a folder search."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UsageError(
            f"{path} does not exist; check the path (quote names with spaces).",
            code="file_not_found",
        ) from None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if stat.S_ISREG(info.st_mode):
        return [(path, info.st_size)], False
    if not stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path} is not a regular file or folder.", code="not_media")
    return _search(path, exclude, sink), True


def collect(
    paths: Sequence[Path],
    *,
    exclude: Sequence[Path] = (),
    sink: EventSink = discard,
    chunk_size: int = CHUNK_SIZE,
) -> list[LocalMedia]:
    """The local recordings ``paths`` name: files as given, folders searched with their
    subfolders (by extension, sorted by path; hidden entries and ``exclude`` folders, such as
    the output folder, left out).

    Every file is checked — exists, readable, audio or video by content, under the upload
    limit — before any file is hashed. A problem with a file named in ``paths`` raises a
    :class:`~zoom_assembly.errors.UsageError` (exit 2); a file found in a folder that cannot
    be transcribed is skipped with a warning :class:`~zoom_assembly.events.Notice` on
    ``sink``. A file named twice is listed once.
    """
    if not paths:
        raise UsageError("Name at least one audio or video file or folder.", code="no_files")
    excluded = frozenset(Path(p).resolve() for p in exclude)
    checked: list[tuple[Path, int, str, bool]] = []
    seen: set[Path] = set()
    for given in paths:
        found, searched = _expand(Path(given), excluded, sink)
        for path, size in found:
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            try:
                checked.append((path, size, _check_file(path, size), searched))
            except UsageError as exc:
                if not searched:
                    raise
                sink(_skipped(exc))
    media = []
    for path, size, kind, searched in checked:
        try:
            digest = file_sha256(path, chunk_size)
        except OSError as exc:
            if not searched:
                raise _unreadable(path, exc) from None
            sink(_skipped(_unreadable(path, exc)))
            continue
        media.append(LocalMedia(path=path, size=size, kind=kind, sha256=digest))
    if not media:
        raise UsageError(
            "None of the files found can be transcribed (each was skipped with a warning); "
            "fix or remove them, or name other files.",
            code="no_media_files",
        )
    return media


__all__ = [
    "CHUNK_SIZE",
    "MEDIA_EXTENSIONS",
    "LocalMedia",
    "collect",
    "file_sha256",
    "iter_file",
    "sniff",
    "sniff_bytes",
]
