"""Streaming a file to AssemblyAI's ``POST /v2/upload``: the bytes pass through, never all held.

The body comes from ``open_body()``, called once per attempt: a retry (429 with ``Retry-After``,
5xx, a network error, or a retryable failure of the source such as a Zoom download that broke
off) starts again **from the first byte** with a freshly opened source. The API key goes in the
``Authorization`` header (no "Bearer") and never into a message.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator

import httpx

from ..errors import (
    AuthError,
    RateLimited,
    RequestRejected,
    ServiceError,
    TranscribeZoomError,
    UploadSizeChanged,
    UploadTooLarge,
)
from ..events import EventSink, RetryScheduled, discard
from ..redact import Secret, redact, redact_url
from ..retry import RetryAfter, RetryPolicy, Verdict, parse_retry_after, retry_call

# AssemblyAI refuses uploads over 2.2 GB (files handed over by URL may be up to 5 GB).
UPLOAD_LIMIT_BYTES = 2_200_000_000
_ERROR_TEXT_LIMIT = 500


def too_large_error(size: int, *, exact: bool = True) -> UploadTooLarge:
    """The one-sentence refusal for a file over :data:`UPLOAD_LIMIT_BYTES`."""
    amount = f"{size / 1e9:.2f} GB" if exact else f"more than {UPLOAD_LIMIT_BYTES / 1e9:.1f} GB"
    return UploadTooLarge(
        f"The file is {amount}, over AssemblyAI's {UPLOAD_LIMIT_BYTES / 1e9:.1f} GB upload "
        "limit; for a Zoom recording use `--via url` (AssemblyAI fetches it from Zoom, up to "
        "5 GB), for a local file split it or keep only the audio track (e.g. "
        "`ffmpeg -i in.mp4 -vn -c:a copy out.m4a`).",
        size=size,
    )


class _Retryable(Exception):
    """Internal: AssemblyAI answered 429 or 5xx."""

    def __init__(self, status: int, retry_after: RetryAfter) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def _judge(exc: Exception) -> Verdict:
    if isinstance(exc, _Retryable):
        why = "upload rate limited (429)" if exc.status == 429 else f"upload HTTP {exc.status}"
        return Verdict(retry=True, reason=why, retry_after=exc.retry_after)
    if isinstance(exc, httpx.TransportError):
        return Verdict(retry=True, reason=f"upload connection problem ({type(exc).__name__})")
    if isinstance(exc, TranscribeZoomError) and exc.retryable:
        # The source failed in a way worth another go (e.g. the Zoom download broke off).
        retry_after = getattr(exc, "retry_after", None)
        return Verdict(
            retry=True,
            reason=f"source: {exc.code}",
            retry_after=RetryAfter(seconds=retry_after) if retry_after is not None else None,
        )
    return Verdict(retry=False)


def _close(thing: object) -> None:
    close = getattr(thing, "close", None)
    if callable(close):
        with contextlib.suppress(Exception):
            close()


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    text = ""
    if isinstance(body, dict) and body.get("error"):
        text = str(body["error"])
    elif body is None:
        text = response.text.strip()
    return redact(text[:_ERROR_TEXT_LIMIT])


def upload_stream(
    base_url: str,
    api_key: Secret,
    open_body: Callable[[], Iterable[bytes]],
    *,
    size: int | None,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 60.0,
    transport: httpx.BaseTransport | None = None,
    sink: EventSink = discard,
    progress: Callable[[int, int | None], None] | None = None,
) -> str:
    """Upload the bytes ``open_body()`` yields to ``{base_url}/v2/upload``; the ``upload_url``.

    ``size`` (when known) is sent as ``Content-Length`` and checked against what the body
    delivers; unknown, the body goes with chunked transfer encoding and is cut off as soon as
    it passes the upload limit. ``progress(sent, size)`` is called after every chunk.
    A returned iterable with a ``close()`` (a download, a generator) is closed after each try.
    """
    if size is not None and size > UPLOAD_LIMIT_BYTES:
        raise too_large_error(size)
    if size is not None and size <= 0:
        raise RequestRejected(
            "The file is empty, and AssemblyAI needs at least 160 ms of audio; check the file.",
            code="upload_empty",
        )
    url = f"{base_url.rstrip('/')}/v2/upload"
    headers = {
        "Authorization": api_key.reveal(),
        "Content-Type": "application/octet-stream",
        "Accept": "application/json",
    }
    if size is not None:
        headers["Content-Length"] = str(size)

    def body(source: Iterable[bytes]) -> Iterator[bytes]:
        sent = 0
        for chunk in source:
            if not chunk:
                continue
            sent += len(chunk)
            if size is None and sent > UPLOAD_LIMIT_BYTES:
                raise too_large_error(sent, exact=False)
            if size is not None and sent > size:
                raise _size_changed(size, sent, more=True)
            yield chunk
            if progress is not None:
                progress(sent, size)
        if size is not None and sent != size:
            raise _size_changed(size, sent, more=False)

    with httpx.Client(transport=transport, timeout=httpx.Timeout(timeout)) as client:

        def attempt() -> httpx.Response:
            source = open_body()
            iterator = iter(source)
            try:
                response = client.post(url, headers=headers, content=body(iterator))
            finally:
                _close(iterator)
                if iterator is not source:
                    _close(source)
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(
                    response.status_code, parse_retry_after(response.headers.get("Retry-After"))
                )
            return response

        try:
            response = retry_call(
                attempt,
                judge=_judge,
                policy=policy,
                sleep=sleep,
                on_retry=lambda n, d, why: sink(
                    RetryScheduled("zoom" if why.startswith("source") else "assemblyai", why, d, n)
                ),
            )
        except _Retryable as exc:
            if exc.status == 429:
                raise RateLimited(
                    "AssemblyAI kept answering 'too many requests' to the upload; wait a few "
                    "minutes and run the same command again.",
                    retry_after=exc.retry_after.seconds,
                ) from None
            raise ServiceError(
                f"AssemblyAI answered HTTP {exc.status} to the upload repeatedly; try again "
                "later.",
                status=exc.status,
            ) from None
        except httpx.TransportError as exc:
            raise ServiceError(
                f"The upload to AssemblyAI at {redact_url(url)} kept failing "
                f"({type(exc).__name__}); check the network and ASSEMBLYAI_BASE_URL, then run "
                "the same command again.",
            ) from None
    return _upload_url(response, url)


def _size_changed(expected: int, actual: int, *, more: bool) -> UploadSizeChanged:
    what = "more than" if more else "only"
    return UploadSizeChanged(
        f"The file delivered {what} {actual:,} of the {expected:,} bytes announced while it "
        "was uploaded; if something is still writing it, wait until it is done and run the "
        "same command again.",
        expected=expected,
        actual=actual,
    )


def _upload_url(response: httpx.Response, url: str) -> str:
    status = response.status_code
    if status == 401:
        raise AuthError(
            "AssemblyAI rejected the API key; check ASSEMBLYAI_API_KEY (AssemblyAI dashboard > "
            "API Keys).",
            code="assemblyai_auth",
        )
    if status in (400, 413):
        text = _error_text(response) or f"HTTP {status}"
        if status == 413:
            raise RequestRejected(
                f"AssemblyAI refused the upload as too large ({text}); for a Zoom recording use "
                "`--via url`, for a local file split it or keep only the audio track.",
                code="upload_too_large",
            )
        raise RequestRejected(
            f"AssemblyAI refused the upload: {text}; check that the file is audio or video.",
            code="upload_rejected",
        )
    if status != 200:
        text = _error_text(response)
        said = f" ({text})" if text else ""
        raise ServiceError(
            f"AssemblyAI answered HTTP {status} to the upload at {redact_url(url)}{said}; check "
            "ASSEMBLYAI_BASE_URL.",
            status=status,
        )
    try:
        upload_url = response.json()["upload_url"]
    except (ValueError, KeyError, TypeError):
        upload_url = None
    if not isinstance(upload_url, str) or not upload_url:
        raise ServiceError(
            "AssemblyAI accepted the upload but answered without an upload_url; check "
            "ASSEMBLYAI_BASE_URL and try again.",
            status=status,
        )
    return upload_url


__all__ = [
    "UPLOAD_LIMIT_BYTES",
    "UploadSizeChanged",
    "UploadTooLarge",
    "too_large_error",
    "upload_stream",
]
