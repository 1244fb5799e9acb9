"""Streaming uploads to AssemblyAI over a mocked httpx transport: headers, retries, refusals."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import cast

import httpx
import pytest

from zoom_assembly.assembly import upload as upload_module
from zoom_assembly.assembly.upload import (
    UPLOAD_LIMIT_BYTES,
    UploadSizeChanged,
    UploadTooLarge,
    upload_stream,
)
from zoom_assembly.errors import AuthError, RateLimited, RequestRejected, ServiceError
from zoom_assembly.events import Event, RetryScheduled
from zoom_assembly.redact import Secret
from zoom_assembly.retry import RetryPolicy
from zoom_assembly.zoom.download import DownloadInterrupted

API_KEY = "aai-upload-key-987654"
BASE = "https://api.assemblyai.test"
DATA = bytes(range(256)) * 1000  # 256 kB
UPLOAD_URL = "https://cdn.assemblyai.test/upload/abc"

Handler = Callable[[httpx.Request], httpx.Response]


class Source:
    """``open_body`` for the tests: counts openings and closings; may break on given tries."""

    def __init__(self, data: bytes = DATA, chunk: int = 10_000,
                 break_on: dict[int, Exception] | None = None) -> None:
        self.data, self.chunk = data, chunk
        self.break_on = break_on or {}
        self.opened = 0
        self.closed = 0

    def __call__(self) -> Iterator[bytes]:
        self.opened += 1
        return self._gen(self.opened)

    def _gen(self, attempt: int) -> Iterator[bytes]:
        try:
            for i in range(0, len(self.data), self.chunk):
                if i >= len(self.data) // 2 and attempt in self.break_on:
                    raise self.break_on[attempt]
                yield self.data[i : i + self.chunk]
        finally:
            self.closed += 1


def run(handler: Handler, source: Callable[[], Iterator[bytes]], *, size: int | None = len(DATA),
        sleeps: list[float] | None = None, events: list[Event] | None = None,
        attempts: int = 4) -> str:
    return upload_stream(
        BASE,
        Secret(API_KEY),
        source,
        size=size,
        policy=RetryPolicy(max_attempts=attempts, rng=random.Random(0)),
        sleep=sleeps.append if sleeps is not None else (lambda s: None),
        timeout=5.0,
        transport=httpx.MockTransport(handler),
        sink=events.append if events is not None else (lambda e: None),
    )


def ok(request: httpx.Request) -> httpx.Response:
    request.read()
    return httpx.Response(200, json={"upload_url": UPLOAD_URL})


def test_streams_with_the_raw_key_and_content_length_when_size_is_known() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(request)

    assert run(handler, Source()) == UPLOAD_URL
    request = seen[0]
    assert request.method == "POST" and str(request.url) == f"{BASE}/v2/upload"
    assert request.headers["authorization"] == API_KEY  # no "Bearer"
    assert request.headers["content-type"] == "application/octet-stream"
    assert request.headers["content-length"] == str(len(DATA))
    assert "transfer-encoding" not in request.headers
    assert request.content == DATA


def test_unknown_size_goes_chunked() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(request)

    run(handler, Source(), size=None)
    assert seen[0].headers["transfer-encoding"] == "chunked"
    assert "content-length" not in seen[0].headers
    assert seen[0].content == DATA


def test_a_failed_upload_is_retried_from_the_first_byte_with_a_reopened_body() -> None:
    bodies: list[bytes] = []
    answers = iter([
        httpx.Response(503, json={"error": "Service Unavailable"}),
        httpx.Response(429, json={"error": "Too Many Requests"}, headers={"Retry-After": "7"}),
        httpx.Response(200, json={"upload_url": UPLOAD_URL}),
    ])  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return next(answers)

    source, sleeps, events = Source(), [], []  # type: ignore[var-annotated]
    assert run(handler, source, sleeps=sleeps, events=events) == UPLOAD_URL
    assert source.opened == 3 and source.closed == 3
    assert bodies == [DATA, DATA, DATA]  # every try from the start, the last one complete
    assert sleeps[1] == 7.0  # Retry-After honoured
    assert [type(e) for e in events] == [RetryScheduled, RetryScheduled]


def test_a_network_error_mid_body_is_retried_from_the_start() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not bodies:
            first = next(iter(cast(httpx.SyncByteStream, request.stream)))
            bodies.append(first)
            raise httpx.WriteError("connection reset by peer")
        bodies.append(request.read())
        return httpx.Response(200, json={"upload_url": UPLOAD_URL})

    source = Source()
    assert run(handler, source) == UPLOAD_URL
    assert source.opened == 2 and source.closed == 2
    assert bodies[-1] == DATA


def test_a_source_that_breaks_off_is_reopened() -> None:
    broke = DownloadInterrupted("The download broke off.", bytes_read=5, size=10)
    source = Source(break_on={1: broke})
    events: list[Event] = []
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return httpx.Response(200, json={"upload_url": UPLOAD_URL})

    assert run(handler, source, events=events) == UPLOAD_URL
    assert source.opened == 2 and bodies == [DATA]
    assert isinstance(events[0], RetryScheduled) and "download_interrupted" in events[0].reason


def test_a_source_that_fails_to_open_with_a_retryable_error_is_retried() -> None:
    calls = {"n": 0}

    def flaky() -> Iterator[bytes]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ServiceError("Zoom answered HTTP 500.", status=500)
        return iter([DATA])

    assert run(ok, flaky) == UPLOAD_URL and calls["n"] == 2


def test_oversize_is_refused_before_anything_is_sent() -> None:
    source = Source()

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    with pytest.raises(UploadTooLarge) as caught:
        run(handler, source, size=UPLOAD_LIMIT_BYTES + 1)
    assert source.opened == 0
    err = caught.value
    assert err.code == "upload_too_large" and err.exit_code == 2
    assert "--via url" in err.message and "2.2 GB" in err.message
    assert UPLOAD_LIMIT_BYTES == 2_200_000_000


def test_unknown_size_is_cut_off_once_it_passes_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(upload_module, "UPLOAD_LIMIT_BYTES", 50_000)
    source = Source()
    with pytest.raises(UploadTooLarge):
        run(ok, source, size=None)
    assert source.opened == 1  # not retried


@pytest.mark.parametrize("delivered", [DATA[:1000], DATA + b"extra"])
def test_a_body_that_differs_from_its_size_is_a_typed_error(delivered: bytes) -> None:
    source = Source(data=delivered)
    with pytest.raises(UploadSizeChanged) as caught:
        run(ok, source, size=len(DATA))
    assert caught.value.code == "upload_size_mismatch" and source.opened == 1


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(RequestRejected) as caught:
        run(ok, Source(), size=0)
    assert caught.value.code == "upload_empty"


def test_401_is_an_auth_error_without_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(401, json={"error": f"Invalid API key {API_KEY}"})

    source = Source()
    with pytest.raises(AuthError) as caught:
        run(handler, source)
    assert caught.value.code == "assemblyai_auth" and source.opened == 1
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value)


@pytest.mark.parametrize(("status", "code"), [(400, "upload_rejected"), (413, "upload_too_large")])
def test_400_and_413_carry_assemblyai_text(status: int, code: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(status, json={"error": "Upload failed: the request body is bad."})

    with pytest.raises(RequestRejected) as caught:
        run(handler, Source())
    assert caught.value.code == code
    assert "Upload failed: the request body is bad." in caught.value.message


def test_5xx_that_persists_is_a_service_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(502, json={"error": "Bad Gateway"})

    source, sleeps = Source(), []  # type: ignore[var-annotated]
    with pytest.raises(ServiceError) as caught:
        run(handler, source, sleeps=sleeps, attempts=3)
    assert caught.value.status == 502 and source.opened == 3 and len(sleeps) == 2


def test_429_that_persists_is_rate_limited() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(
            429, json={"error": "Too Many Requests"}, headers={"Retry-After": "1"}
        )

    with pytest.raises(RateLimited):
        run(handler, Source(), attempts=2)


def test_network_errors_that_persist_name_no_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(ServiceError) as caught:
        run(handler, Source(), attempts=2)
    assert API_KEY not in str(caught.value) and "ConnectError" in str(caught.value)


def test_progress_is_reported() -> None:
    seen: list[tuple[int, int | None]] = []
    upload_stream(BASE, Secret(API_KEY), Source(), size=len(DATA),
                  policy=RetryPolicy(), sleep=lambda s: None, timeout=5.0,
                  transport=httpx.MockTransport(ok), progress=lambda n, t: seen.append((n, t)))
    assert seen[-1] == (len(DATA), len(DATA)) and len(seen) == 26
