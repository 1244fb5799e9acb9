"""Bytes of emulated media files, generated on the fly, and how the transcriber recognises them.

Every media body is a believable ISO-BMFF file: an ``ftyp`` box, a ``free`` box holding the marker
``ZEMU1:<file_id>;`` (so the AssemblyAI side knows which script it "hears"), then an ``mdat`` box of
deterministic filler. Any byte range can be produced without producing what comes before it, so a
2 GB download streams with flat memory and ranged requests are cheap.
"""

from __future__ import annotations

import functools
import random
import struct
from collections.abc import Iterator

MARKER_PREFIX = b"ZEMU1:"
SNIFF_BYTES = 64 * 1024
_BLOCK = 256 * 1024


@functools.cache
def _filler() -> bytes:
    return random.Random(0x5EED_A0D1).randbytes(_BLOCK)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def media_header(file_id: str, file_type: str, size: int) -> bytes:
    """The first bytes of a media file: ftyp, free (marker), mdat header; cut to ``size``."""
    if file_type == "M4A":
        ftyp = _box(b"ftyp", b"M4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x00")
    else:
        ftyp = _box(b"ftyp", b"mp42\x00\x00\x00\x00mp42isommp41")
    free = _box(b"free", MARKER_PREFIX + file_id.encode() + b";")
    rest = size - len(ftyp) - len(free)
    if rest > 0xFFFF_FFFF:
        mdat = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", rest)
    else:
        mdat = struct.pack(">I", max(rest, 0)) + b"mdat"
    return (ftyp + free + mdat)[:size]


def iter_media(
    file_id: str, file_type: str, size: int, start: int = 0, end: int | None = None
) -> Iterator[bytes]:
    """Bytes ``[start, end)`` of the media file, in chunks of at most 256 KiB."""
    header = media_header(file_id, file_type, size)
    filler = _filler()
    pos, stop = start, size if end is None else min(end, size)
    while pos < stop:
        if pos < len(header):
            piece = header[pos : min(stop, len(header))]
        else:
            offset = (pos - len(header)) % _BLOCK
            piece = filler[offset : offset + min(stop - pos, _BLOCK - offset)]
        yield piece
        pos += len(piece)


def read_marker(head: bytes) -> str | None:
    """The recording file id named in the first bytes of a body, if any."""
    i = head.find(MARKER_PREFIX)
    if i < 0:
        return None
    j = head.find(b";", i)
    if j < 0:
        return None
    return head[i + len(MARKER_PREFIX) : j].decode("ascii", "replace")


def is_html(head: bytes, content_type: str = "") -> bool:
    if content_type.split(";")[0].strip().lower() == "text/html":
        return True
    start = head.lstrip()[:64].lower()
    return start.startswith((b"<!doctype html", b"<html"))


def html_file_type(body: bytes) -> str:
    """How libmagic (which AssemblyAI quotes) would describe an HTML body."""
    longest = max((len(line) for line in body.splitlines()), default=0)
    ascii_only = all(b < 128 for b in body)
    kind = "ASCII text" if ascii_only else "Unicode text, UTF-8 text"
    if longest > 300:
        return f"HTML document, {kind}, with very long lines ({longest})"
    return f"HTML document, {kind}"


def not_audio_error(content_type: str, description: str) -> str:
    return (
        f"File does not appear to contain audio. File type is {content_type} ({description})."
    )


def text_file_type(content_type: str) -> tuple[str, str] | None:
    """For text bodies that are clearly not media: (mime type, libmagic-style description)."""
    mime = content_type.split(";")[0].strip().lower()
    if mime == "application/json":
        return mime, "JSON text data"
    if mime.startswith("text/"):
        return "text/plain", "ASCII text"
    return None
