"""Streaming a Zoom recording file: bytes flow through, never held in memory or on disk.

- :func:`open_download` GETs ``download_url`` with ``Authorization: Bearer <token>`` and follows
  redirects **by hand**, so the token only ever goes to Zoom hosts (the download URL's own host and
  ``zoom_hosts``); the hop to a storage CDN goes without it.
- Zoom answers a refused download with HTTP 200 and an HTML page: refused here (``download_html``)
  by ``Content-Type`` or by the first bytes, before a single byte is forwarded.
- A ``Content-Length`` that disagrees with the listed ``file_size`` is refused up front; a stream
  that breaks or ends short raises a typed error naming how far it got.
- :func:`tee_to` copies a stream into a file while it is forwarded (``--keep-audio``), through the
  one atomic writer (:func:`~zoom_assembly.atomic.atomic_file`): renamed into place only when
  the whole stream arrived.

Messages never hold the token or the URL's query (:func:`redact_url`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Collection, Generator, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import requests

from ..atomic import atomic_file
from ..errors import (
    DownloadError,
    DownloadInterrupted,
    DownloadRefused,
    DownloadSizeMismatch,
    OutputError,
)
from ..redact import Secret, redact_url
from .api import map_zoom_error, zoom_error_fields

DEFAULT_CHUNK_SIZE = 1 << 20  # 1 MiB
MAX_REDIRECTS = 5
# Zoom's own hosts: the token may follow a redirect to these (a leading dot matches subdomains).
ZOOM_HOSTS: tuple[str, ...] = (".zoom.us", ".zoomgov.com")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ERROR_BODY_LIMIT = 64 * 1024
_STREAM_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ConnectionError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.Timeout,
    OSError,
)


def looks_like_html(head: bytes, content_type: str = "") -> bool:
    """True for an HTML page, by ``Content-Type`` or first bytes (``<!DOCTYPE``, ``<html``)."""
    mime = content_type.split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return True
    start = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype", b"<html"))


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _host_port(url: str) -> tuple[str, int | None, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return (parts.hostname or "").lower(), port, scheme


def _host_matches(host: str, pattern: str) -> bool:
    pattern = pattern.strip().lower()
    if not pattern:
        return False
    if pattern.startswith("."):
        return host == pattern[1:] or host.endswith(pattern)
    return host == pattern


def may_carry_token(url: str, origin: str, zoom_hosts: Collection[str]) -> bool:
    """Whether the Zoom token may be sent to ``url`` when the download started at ``origin``.

    Only to the origin's own host and port, or to a host in ``zoom_hosts`` (``.zoom.us`` matches
    every subdomain); never over plain HTTP once the download started over HTTPS.
    """
    host, port, scheme = _host_port(url)
    o_host, o_port, o_scheme = _host_port(origin)
    if o_scheme == "https" and scheme != "https":
        return False
    if host == o_host and port == o_port:
        return True
    return any(_host_matches(host, pattern) for pattern in zoom_hosts)


class DownloadStream:
    """An open recording download: iterate it once for its ``bytes`` chunks.

    ``size`` is the server's ``Content-Length`` (None when it sent none), ``bytes_read`` counts
    what has been delivered so far. Close it (or use it as a context manager) to free the
    connection when not reading to the end.
    """

    def __init__(
        self,
        response: requests.Response,
        *,
        url: str,
        what: str,
        chunk_size: int,
        expected_size: int | None,
        first: bytes,
        chunks: Iterator[bytes],
    ) -> None:
        self._response = response
        self.url = redact_url(url)  # safe to show: the final (storage) URL, query masked
        self._what = what
        self.chunk_size = chunk_size
        self.size = _content_length(response)
        self.content_type = response.headers.get("Content-Type", "")
        self._expected = self.size if self.size is not None else expected_size
        self._first = first
        self._chunks = chunks
        self.bytes_read = 0
        self._started = False
        self._closed = False

    def __repr__(self) -> str:
        return f"DownloadStream(url={self.url!r}, size={self.size}, bytes_read={self.bytes_read})"

    def __iter__(self) -> Iterator[bytes]:
        if self._started:
            raise RuntimeError("a DownloadStream can be iterated only once; open it again")
        self._started = True
        return self._iterate()

    def _iterate(self) -> Iterator[bytes]:
        try:
            if self._first:
                self.bytes_read += len(self._first)
                first, self._first = self._first, b""
                yield first
            while True:
                try:
                    chunk = next(self._chunks)
                except StopIteration:
                    break
                except _STREAM_ERRORS as exc:
                    raise self._interrupted(exc) from None
                if chunk:
                    self.bytes_read += len(chunk)
                    yield chunk
            self._check_complete()
        finally:
            self.close()

    def _interrupted(self, exc: BaseException) -> DownloadInterrupted:
        of = f" of {_mb(self._expected)}" if self._expected is not None else ""
        return DownloadInterrupted(
            f"The download of {self._what} broke off after {_mb(self.bytes_read)}{of} "
            f"({type(exc).__name__}); run the same command again to start it over.",
            bytes_read=self.bytes_read,
            size=self._expected,
        )

    def _check_complete(self) -> None:
        expected = self._expected
        if expected is None or self.bytes_read == expected:
            return
        if self.bytes_read < expected:
            raise DownloadSizeMismatch(
                f"The download of {self._what} ended after {_mb(self.bytes_read)} of the "
                f"{_mb(expected)} announced; run the same command again to start it over.",
                expected=expected,
                actual=self.bytes_read,
                retryable=True,
            )
        raise DownloadSizeMismatch(
            f"The download of {self._what} delivered {_mb(self.bytes_read)}, more than the "
            f"{_mb(expected)} announced; run the same command again, and report it if it "
            "happens again.",
            expected=expected,
            actual=self.bytes_read,
            retryable=True,
        )

    def tee_to(self, path: str | os.PathLike[str]) -> TeeStream:
        """This stream's chunks, also written to ``path`` (see :func:`tee_to`)."""
        return tee_to(self, path)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._response.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> DownloadStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        size = int(value) if value is not None else None
    except ValueError:
        return None
    return size if size is not None and size >= 0 else None


def _error_body(response: requests.Response) -> tuple[int | None, str]:
    """Zoom's ``{"code", "message"}`` from an error response, reading at most 64 KiB of it."""
    data = b""
    with contextlib.suppress(*_STREAM_ERRORS):
        for chunk in response.iter_content(8192):
            data += chunk
            if len(data) >= _ERROR_BODY_LIMIT:
                break
    try:
        body = json.loads(data[:_ERROR_BODY_LIMIT])
    except ValueError:
        return None, ""
    return zoom_error_fields(body)


def open_download(
    session: requests.Session,
    url: str,
    token: Secret,
    *,
    expected_size: int | None,
    timeout: float,
    zoom_hosts: Collection[str] = ZOOM_HOSTS,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    what: str = "the recording file",
) -> DownloadStream:
    """Start downloading ``url`` and return the open stream (nothing forwarded yet).

    Raises before any byte is forwarded when Zoom answers an error status, a web page, or a
    ``Content-Length`` other than ``expected_size`` (when both are known). ``what`` names the
    file in error messages.
    """
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    current = url
    response: requests.Response | None = None
    for _hop in range(MAX_REDIRECTS + 1):
        # None removes a session-wide Authorization header too (requests merges and drops Nones).
        headers: dict[str, str | None] = {"Accept-Encoding": "identity", "Authorization": None}
        if may_carry_token(current, url, zoom_hosts):
            headers["Authorization"] = f"Bearer {token.reveal()}"
        try:
            response = session.get(
                current, headers=headers, stream=True, allow_redirects=False, timeout=timeout
            )
        except requests.RequestException as exc:
            host = urlsplit(current).hostname or "?"
            raise DownloadError(
                f"Cannot reach {host} to download {what} ({type(exc).__name__}); check the "
                "network and run the same command again.",
                code="download_unreachable",
                retryable=True,
            ) from None
        if response.status_code not in _REDIRECTS:
            break
        location = response.headers.get("Location")
        response.close()
        if not location:
            raise DownloadError(
                f"Zoom redirected the download of {what} without saying where to "
                f"(HTTP {response.status_code}); run the same command again.",
                status=response.status_code,
            )
        current = urljoin(current, location)
        response = None
    if response is None:
        raise DownloadError(
            f"The download of {what} was redirected more than {MAX_REDIRECTS} times (last to "
            f"{redact_url(current)}); run the same command again later.",
            code="download_redirects",
        )
    try:
        return _checked_stream(response, current, what, expected_size, chunk_size)
    except BaseException:
        response.close()
        raise


def _html_error(what: str) -> DownloadRefused:
    return DownloadRefused(
        f"Zoom answered a web page instead of {what} — usually the token was refused or the "
        "recording may not be downloaded (only the host can) — so check the app's scopes with "
        "`transcribe-zoom check` and the recording's sharing settings in the Zoom web portal.",
    )


def _checked_stream(
    response: requests.Response,
    url: str,
    what: str,
    expected_size: int | None,
    chunk_size: int,
) -> DownloadStream:
    if not 200 <= response.status_code < 300:
        raise map_zoom_error(response, what, download=True, body=_error_body(response))
    content_type = response.headers.get("Content-Type", "")
    if looks_like_html(b"", content_type):
        raise _html_error(what)
    chunks = response.iter_content(chunk_size)
    stream = DownloadStream(
        response, url=url, what=what, chunk_size=chunk_size, expected_size=expected_size,
        first=b"", chunks=chunks,
    )  # fmt: skip
    try:
        first = next(chunks, b"")
    except _STREAM_ERRORS as exc:
        raise stream._interrupted(exc) from None
    if looks_like_html(first):
        raise _html_error(what)
    size = _content_length(response)
    if size is not None and expected_size is not None and size != expected_size:
        raise DownloadSizeMismatch(
            f"Zoom is sending {_mb(size)} for {what} but listed it as {_mb(expected_size)}; "
            "the file may still be changing, so run the same command again later.",
            expected=expected_size,
            actual=size,
        )
    stream._first = first
    return stream


class TeeStream(Iterator[bytes]):
    """The iterator :func:`tee_to` returns; ``close()`` also closes the source stream."""

    def __init__(self, chunks: Iterable[bytes], path: Path) -> None:
        self._source = chunks
        self.path = path
        self._chunks = _tee(chunks, path)

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()
        close = getattr(self._source, "close", None)
        if callable(close):
            close()


def tee_to(chunks: Iterable[bytes], path: str | os.PathLike[str]) -> TeeStream:
    """Forward ``chunks`` unchanged while writing them to ``path``.

    The bytes go to a temporary file in ``path``'s folder, renamed onto ``path`` only when
    ``chunks`` ran to its end without error; otherwise (error, or the consumer stopped early)
    the temporary file is deleted and ``path`` is left as it was.
    """
    return TeeStream(chunks, Path(path))


def _tee(chunks: Iterable[bytes], target: Path) -> Generator[bytes, None, None]:
    # Stopping early closes this generator: GeneratorExit leaves atomic_file, which discards.
    with atomic_file(target, error=lambda exc: _write_error(target, exc)) as file:
        for chunk in chunks:
            file.write(chunk)
            yield chunk


def _write_error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(
        f"Cannot save the audio to {path} ({reason}); free some disk space or choose another "
        "folder with --out.",
        code="keep_audio_unwritable",
    )


__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_REDIRECTS",
    "ZOOM_HOSTS",
    "DownloadError",
    "DownloadInterrupted",
    "DownloadRefused",
    "DownloadSizeMismatch",
    "DownloadStream",
    "TeeStream",
    "looks_like_html",
    "may_carry_token",
    "open_download",
    "tee_to",
]
