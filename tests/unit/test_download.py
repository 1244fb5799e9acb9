"""Streaming a Zoom recording download: where the token goes, HTML refused, sizes, breaks."""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses
from urllib3.exceptions import ProtocolError

from zoom_assembly.errors import (
    NotFound,
    OutputError,
    PermissionDenied,
    RateLimited,
    ScopeError,
    StillProcessing,
)
from zoom_assembly.models import MeetingInfo, Transcript
from zoom_assembly.outputs import write_outputs
from zoom_assembly.redact import Secret
from zoom_assembly.zoom.download import (
    DownloadError,
    DownloadInterrupted,
    DownloadRefused,
    DownloadSizeMismatch,
    DownloadStream,
    looks_like_html,
    may_carry_token,
    open_download,
    tee_to,
)

TOKEN = Secret("s2s-token-abcdef123456")
ZOOM_URL = "https://us02web.zoom.us/rec/download/FILE-TOKEN"
CDN_URL = "https://storage.cdn.example.net/rec/FILE?Signature=sekrit-sig&Expires=99"
AUDIO = b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + bytes(range(256)) * 40


def open_(url: str = ZOOM_URL, **kwargs: object) -> DownloadStream:
    options: dict[str, object] = {
        "expected_size": len(AUDIO),
        "timeout": 5.0,
        "zoom_hosts": (".zoom.us",),
    }
    options.update(kwargs)
    return open_download(requests.Session(), url, TOKEN, **options)  # type: ignore[arg-type]


def auth_of(call: responses.Call) -> str | None:
    return call.request.headers.get("Authorization")


@responses.activate
def test_token_goes_to_zoom_hosts_only_across_a_cross_host_redirect() -> None:
    responses.get(ZOOM_URL, status=302, headers={"Location": "https://ssrweb.zoom.us/hop"})
    responses.get("https://ssrweb.zoom.us/hop", status=302, headers={"Location": CDN_URL})
    responses.get(CDN_URL, body=AUDIO, content_type="audio/mp4", auto_calculate_content_length=True)
    with open_() as stream:
        data = b"".join(stream)
    assert data == AUDIO and stream.bytes_read == len(AUDIO) == stream.size
    calls = responses.calls
    assert [auth_of(c) for c in calls] == [f"Bearer {TOKEN.reveal()}"] * 2 + [None]
    assert stream.content_type == "audio/mp4"
    assert "sekrit-sig" not in stream.url and "sekrit-sig" not in repr(stream)


@responses.activate
def test_relative_redirect_on_the_same_host_keeps_the_token() -> None:
    responses.get(ZOOM_URL, status=302, headers={"Location": "/storage/abc"})
    responses.get("https://us02web.zoom.us/storage/abc", body=AUDIO)
    with open_(zoom_hosts=()) as stream:
        assert b"".join(stream) == AUDIO
    assert [auth_of(c) for c in responses.calls] == [f"Bearer {TOKEN.reveal()}"] * 2


def test_token_rules() -> None:
    origin = "https://us02web.zoom.us/rec/download/x"
    assert may_carry_token("https://us02web.zoom.us/other", origin, ())
    assert may_carry_token("https://ssrweb.zoom.us/x", origin, (".zoom.us",))
    assert may_carry_token("https://zoom.us/x", origin, (".zoom.us",))
    assert not may_carry_token("https://evilzoom.us/x", origin, (".zoom.us",))
    assert not may_carry_token("https://zoom.us.evil.com/x", origin, (".zoom.us",))
    assert not may_carry_token("https://ssrweb.zoom.us/x", origin, ("zoom.us",))
    assert not may_carry_token("http://us02web.zoom.us/x", origin, (".zoom.us",))  # downgrade
    assert not may_carry_token("http://127.0.0.1:9/x", "http://127.0.0.1:8/y", ())  # other port
    assert may_carry_token("http://127.0.0.1:8/x", "http://127.0.0.1:8/y", ())


@responses.activate
def test_too_many_redirects() -> None:
    for n in range(7):
        responses.get(f"https://zoom.us/r{n}", status=302, headers={"Location": f"/r{n + 1}"})
    with pytest.raises(DownloadError) as caught:
        open_("https://zoom.us/r0")
    assert caught.value.code == "download_redirects"
    assert len(responses.calls) == 6  # the first request and 5 redirects


@responses.activate
def test_html_by_content_type_is_refused() -> None:
    page = b"<!DOCTYPE html><html><body>Only the host can download</body></html>"
    responses.get(ZOOM_URL, body=page, content_type="text/html; charset=utf-8")
    with pytest.raises(DownloadRefused) as caught:
        open_()
    assert caught.value.code == "download_html"
    assert isinstance(caught.value, PermissionDenied)
    assert "web page" in caught.value.message
    assert TOKEN.reveal() not in caught.value.message


@pytest.mark.parametrize(
    "start", [b"<!DOCTYPE html>\n<html>", b"\n  <html lang='en'>", b"<!doctype"]
)
@responses.activate
def test_html_by_first_bytes_is_refused(start: bytes) -> None:
    responses.get(ZOOM_URL, body=start + b" rest of page", content_type="audio/mp4")
    with pytest.raises(DownloadRefused):
        open_(expected_size=None)


def test_looks_like_html() -> None:
    assert looks_like_html(b"", "text/html")
    assert looks_like_html(b"\xef\xbb\xbf<HTML>")
    assert not looks_like_html(AUDIO, "audio/mp4")
    assert not looks_like_html(b"", "")


@responses.activate
def test_content_length_disagreeing_with_the_listing_is_refused_before_forwarding() -> None:
    responses.get(ZOOM_URL, body=AUDIO, auto_calculate_content_length=True)
    with pytest.raises(DownloadSizeMismatch) as caught:
        open_(expected_size=len(AUDIO) + 1)
    err = caught.value
    assert err.code == "download_size_mismatch" and not err.retryable
    assert (err.expected, err.actual) == (len(AUDIO) + 1, len(AUDIO))


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (404, {"code": 3301, "message": "This recording does not exist."}, NotFound,
         "download_not_found"),
        (404, {"code": 3301, "message": "This recording is still being processed."},
         StillProcessing, "processing"),
        (401, {"code": 124, "message": "Invalid access token."}, PermissionDenied,
         "download_forbidden"),
        (403, None, PermissionDenied, "download_forbidden"),
        (400, {"code": 4711, "message": "does not contain scopes:[x]"}, ScopeError,
         "missing_scopes"),
        (503, None, DownloadError, "download_failed"),
    ],
)
@responses.activate
def test_error_statuses_are_typed(
    status: int, body: dict[str, object] | None, error: type[Exception], code: str
) -> None:
    if body is None:
        responses.get(ZOOM_URL, status=status, body="<Error>AccessDenied</Error>")
    else:
        responses.get(ZOOM_URL, status=status, json=body)
    with pytest.raises(error) as caught:
        open_()
    assert getattr(caught.value, "code", None) == code
    assert TOKEN.reveal() not in str(caught.value)
    if status == 503:
        assert getattr(caught.value, "retryable", False)


@responses.activate
def test_connection_error_on_open_is_retryable() -> None:
    responses.get(ZOOM_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(DownloadError) as caught:
        open_()
    assert caught.value.code == "download_unreachable" and caught.value.retryable


class _Breaking(io.RawIOBase):
    """A raw body that delivers ``good`` bytes and then breaks like a dropped connection."""

    def __init__(self, good: bytes) -> None:
        self.good = io.BytesIO(good)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self.good.readinto(buffer)
        if n:
            return n
        raise ProtocolError("Connection broken: IncompleteRead")


@responses.activate
def test_interruption_mid_stream_names_how_far_it_got() -> None:
    half = 5 * 1024
    responses.get(ZOOM_URL, body=io.BufferedReader(_Breaking(AUDIO[:half])),
                  headers={"Content-Length": str(len(AUDIO))}, auto_calculate_content_length=False)
    stream = open_(chunk_size=1024)
    got = []
    with pytest.raises(DownloadInterrupted) as caught:
        for chunk in stream:
            got.append(chunk)
    err = caught.value
    assert err.code == "download_interrupted" and err.retryable
    assert err.bytes_read == half == len(b"".join(got)) and err.size == len(AUDIO)
    assert f"{half:,} bytes" in err.message
    assert stream.closed


def _stream_of(chunks: list[bytes], size: int | None) -> DownloadStream:
    response = requests.Response()
    response.status_code = 200
    response.raw = io.BytesIO()
    if size is not None:
        response.headers["Content-Length"] = str(size)
    return DownloadStream(response, url=ZOOM_URL + "?access_token=abcdefgh", what="the file",
                          chunk_size=4, expected_size=None, first=b"", chunks=iter(chunks))


def test_a_stream_ending_short_of_its_announced_size_is_a_mismatch() -> None:
    stream = _stream_of([b"abcd", b"ef"], size=10)
    with pytest.raises(DownloadSizeMismatch) as caught:
        list(stream)
    assert (caught.value.expected, caught.value.actual) == (10, 6)
    assert caught.value.retryable
    assert "access_token=abcdefgh" not in stream.url


def test_a_stream_longer_than_announced_is_a_mismatch() -> None:
    with pytest.raises(DownloadSizeMismatch):
        list(_stream_of([b"abcd", b"efgh"], size=5))


def test_a_stream_iterates_once() -> None:
    stream = _stream_of([b"ab"], size=2)
    assert list(stream) == [b"ab"]
    with pytest.raises(RuntimeError):
        iter(stream)


@responses.activate
def test_chunk_size_is_honoured() -> None:
    responses.get(ZOOM_URL, body=AUDIO)
    with open_(chunk_size=1000) as stream:
        sizes = [len(c) for c in stream]
    assert sizes[:-1] == [1000] * (len(sizes) - 1) and sum(sizes) == len(AUDIO)


@responses.activate
def test_tee_to_writes_the_whole_file_and_renames_it_at_the_end(tmp_path: Path) -> None:
    responses.get(ZOOM_URL, body=AUDIO)
    target = tmp_path / "meeting.m4a"
    forwarded = b""
    with open_(chunk_size=500) as stream:
        for chunk in stream.tee_to(target):
            forwarded += chunk
            assert not target.exists()  # only renamed into place when complete
    assert forwarded == AUDIO == target.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meeting.m4a"]


def test_tee_to_leaves_nothing_behind_when_the_stream_fails(tmp_path: Path) -> None:
    target = tmp_path / "meeting.m4a"
    target.write_bytes(b"previous")

    def failing() -> Iterator[bytes]:
        yield b"abc"
        raise DownloadInterrupted("broke", bytes_read=3, size=10)

    with pytest.raises(DownloadInterrupted):
        list(tee_to(failing(), target))
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meeting.m4a"]


def test_tee_to_cleans_up_when_the_consumer_stops_early(tmp_path: Path) -> None:
    target = tmp_path / "meeting.m4a"
    tee = tee_to(iter([b"a", b"b", b"c"]), target)
    assert next(tee) == b"a"
    tee.close()
    assert list(tmp_path.iterdir()) == []


def test_closing_an_unstarted_tee_closes_its_source(tmp_path: Path) -> None:
    source = _stream_of([b"ab"], size=2)
    source.tee_to(tmp_path / "x.m4a").close()
    assert source.closed and list(tmp_path.iterdir()) == []


@responses.activate
def test_a_session_wide_authorization_header_never_reaches_a_foreign_host() -> None:
    responses.get(ZOOM_URL, status=302, headers={"Location": CDN_URL})
    responses.get(CDN_URL, body=AUDIO)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer session-wide-token"
    with open_download(session, ZOOM_URL, TOKEN, expected_size=None, timeout=5.0,
                       zoom_hosts=()) as stream:
        assert b"".join(stream) == AUDIO
    assert [auth_of(c) for c in responses.calls] == [f"Bearer {TOKEN.reveal()}", None]


def test_tee_to_an_unwritable_folder_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(Exception) as caught:
        list(tee_to(iter([b"a"]), tmp_path / "missing-folder" / "x.m4a"))
    assert getattr(caught.value, "code", None) == "keep_audio_unwritable"


def test_kept_audio_gets_ordinary_permissions_like_the_transcripts(tmp_path: Path) -> None:
    # One atomic writer: the umask decides, as for transcript.txt (not a private 0600 temp file).
    old_umask = os.umask(0o022)
    try:
        list(tee_to(iter([b"ab"]), tmp_path / "kept.m4a"))
        write_outputs(tmp_path, MeetingInfo(uuid="u=="), "rf",
                      Transcript(id="t", status="completed", text="Hi."), formats=["txt"])
    finally:
        os.umask(old_umask)
    (transcript,) = tmp_path.glob("*/transcript.txt")
    assert stat.S_IMODE((tmp_path / "kept.m4a").stat().st_mode) == 0o644
    assert stat.S_IMODE(transcript.stat().st_mode) == 0o644


def test_tee_to_a_full_disk_at_the_end_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "kept.m4a"
    target.write_bytes(b"previous")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as caught:
        list(tee_to(iter([b"a", b"b"]), target))
    assert caught.value.code == "keep_audio_unwritable"
    assert "no space left" in caught.value.message.lower()
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.m4a"]


@responses.activate
def test_a_download_refused_for_the_day_says_when_to_resume() -> None:
    # The same mapping as the API calls: Zoom's daily limit is not retried, it names a time.
    responses.get(ZOOM_URL, status=429, headers={"Retry-After": "2026-03-15T00:00:00Z"},
                  json={"code": 429, "message": "You have reached the maximum daily rate limit"})
    with pytest.raises(RateLimited) as caught:
        open_()
    assert caught.value.code == "daily_limit" and not caught.value.retryable
    assert caught.value.resume_at is not None and "2026-03-15 00:00 UTC" in caught.value.message


@responses.activate
def test_a_download_missing_scopes_names_the_scopes_zoom_listed() -> None:
    responses.get(ZOOM_URL, status=400, json={
        "code": 4711, "message": "Invalid access token, does not contain scopes:"
        "[cloud_recording:read:recording:master]."})
    with pytest.raises(ScopeError) as caught:
        open_()
    assert caught.value.scopes == ["cloud_recording:read:recording:master"]
    assert "cloud_recording:read:recording:master" in caught.value.message
