"""The one atomic writer: a file is replaced whole or not at all.

Used for every file the library writes (``transcript.*``, the audio ``--keep-audio`` keeps):
an exclusive temporary file beside the target, fsync, ``os.replace``, then the folder synced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from zoom_assembly.errors import OutputError


def output_error(folder: Path, exc: OSError) -> OutputError:
    """The one-sentence error for a folder we cannot write to (disk full gets its own advice)."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        advice = "free some space or choose another --out folder"
    else:
        advice = "choose another --out folder"
    reason = (exc.strerror or type(exc).__name__).lower()
    return OutputError(f"Cannot write to {folder}: {reason}; {advice}.")


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable too. Best effort: Windows and some network file systems refuse
    # to sync a directory, and the file's own data is already on disk.
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicFile:
    """The temporary file :func:`atomic_file` yields: what is written becomes the file."""

    __slots__ = ("_error", "_handle")

    def __init__(self, handle: BinaryIO, error: Callable[[OSError], Exception]) -> None:
        self._handle = handle
        self._error = error

    def write(self, data: bytes) -> None:
        try:
            self._handle.write(data)
        except OSError as exc:
            raise self._error(exc) from exc


@contextmanager
def atomic_file(
    path: str | os.PathLike[str], *, error: Callable[[OSError], Exception] | None = None
) -> Iterator[AtomicFile]:
    """Write ``path`` whole or not at all: the one atomic writer (outputs, ``--keep-audio``).

    Yields a temporary file beside ``path`` (``.<name>.<random>.tmp``, created exclusively with
    ordinary permissions). When the block ends normally the data is fsynced and renamed onto
    ``path`` (and the folder synced); when it raises (the consumer stopped early, the source
    broke, Ctrl-C) the temporary file is removed and ``path`` is left as it was. Our own I/O
    failures (create, write, sync, rename) become ``error(exc)`` (default: :class:`OutputError`
    naming the folder); exceptions from the block pass through unchanged.
    """
    target = Path(path)
    folder = target.parent
    to_error = error or (lambda exc: output_error(folder, exc))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        # 0o666 so the umask decides the final permissions, as for any ordinary file.
        handle = os.fdopen(os.open(tmp, flags, 0o666), "wb")
    except OSError as exc:
        raise to_error(exc) from exc

    def discard() -> None:
        with contextlib.suppress(OSError):
            handle.close()
        tmp.unlink(missing_ok=True)

    try:
        yield AtomicFile(handle, to_error)
    except BaseException:
        discard()
        raise
    try:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(tmp, target)
    except OSError as exc:
        discard()
        raise to_error(exc) from exc
    except BaseException:
        discard()
        raise
    _fsync_dir(folder)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once; raises OutputError, leaving no temp file."""
    with atomic_file(path) as file:
        file.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 :func:`atomic_write_bytes`; newlines are written as ``\\n`` on every platform."""
    atomic_write_bytes(path, text.encode("utf-8"))
