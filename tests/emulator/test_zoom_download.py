"""Recording downloads: which tokens open them, the HTML-200 trap, redirects, ranges, types."""

from __future__ import annotations

import json
import resource
import time

import httpx
import pytest

from zoom_assembly.emulator import ALL_SCOPES, Emulator, ManualClock
from zoom_assembly.emulator.audio import read_marker

from .conftest import Zoom


def _is_no_permission_page(response: httpx.Response) -> bool:
    return (
        response.status_code == 200
        and response.headers["content-type"] == "text/html; charset=utf-8"
        and "Only the host" in response.text
    )


def test_bearer_download_redirects_to_storage(zoom: Zoom) -> None:
    f = zoom.file("english")
    first = zoom.http.get(f["download_url"], headers={"Authorization": f"Bearer {zoom.token()}"},
                          allow_redirects=False)
    assert first.status_code == 302
    location = first.headers["location"]
    assert "/zoom/storage/" in location and "Signature=" in location and "Expires=" in location
    body = zoom.http.get(location)
    assert body.status_code == 200
    assert body.headers["content-type"] == "audio/mp4"
    assert int(body.headers["content-length"]) == f["file_size"] == len(body.content)
    assert read_marker(body.content[:4096]) == f["id"]


def test_query_string_s2s_token_downloads(zoom: Zoom) -> None:
    f = zoom.file("english", "MP4")
    response = httpx.get(f["download_url"], params={"access_token": zoom.token()},
                         follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert len(response.content) == f["file_size"]


def test_download_access_token_opens_only_its_meeting(zoom: Zoom) -> None:
    f = zoom.file("spanish", include_fields="download_access_token", ttl=60)
    token = f["_meeting"]["download_access_token"]
    ok = httpx.get(f["download_url"], params={"access_token": token}, follow_redirects=True)
    assert ok.status_code == 200 and ok.headers["content-type"] == "audio/mp4"
    other = zoom.file("german")
    refused = httpx.get(other["download_url"], params={"access_token": token},
                        follow_redirects=True)
    assert _is_no_permission_page(refused)
    as_bearer = httpx.get(f["download_url"], headers={"Authorization": f"Bearer {token}"},
                          follow_redirects=True)
    assert _is_no_permission_page(as_bearer)


def test_expired_download_access_token_gets_html_200() -> None:
    clock = ManualClock()
    with Emulator(clock=clock) as emu:
        zoom = Zoom(emu)
        f = zoom.file("english", include_fields="download_access_token", ttl=120)
        url = f"{f['download_url']}?access_token={f['_meeting']['download_access_token']}"
        assert httpx.get(url, follow_redirects=True).headers["content-type"] == "audio/mp4"
        clock.advance(121)
        assert _is_no_permission_page(httpx.get(url, follow_redirects=True))


def test_bad_or_missing_token_gets_html_200(zoom: Zoom) -> None:
    f = zoom.file("english")
    for params in ({}, {"access_token": "expired-or-made-up"}):
        response = httpx.get(f["download_url"], params=params, follow_redirects=True)
        assert _is_no_permission_page(response)


def test_revoked_token_gets_html_200(zoom: Zoom) -> None:
    f = zoom.file("english")
    token = zoom.token()
    zoom.emu.revoke_tokens()
    response = httpx.get(f["download_url"], params={"access_token": token}, follow_redirects=True)
    assert _is_no_permission_page(response)


def test_download_needs_the_recording_scope() -> None:
    scopes = [s for s in ALL_SCOPES if s != "cloud_recording:read:recording:admin"]
    with Emulator(granted_scopes=scopes) as emu:
        zoom = Zoom(emu)
        f = zoom.file("english")
        response = httpx.get(f["download_url"], headers={"Authorization": f"Bearer {zoom.token()}"})
        assert response.status_code == 400 and response.json()["code"] == 4711


def test_processing_file_cannot_be_downloaded_yet() -> None:
    clock = ManualClock()
    with Emulator(clock=clock) as emu:
        zoom = Zoom(emu)
        f = zoom.file("processing")
        headers = {"Authorization": f"Bearer {zoom.token()}"}
        response = httpx.get(f["download_url"], headers=headers)
        assert response.status_code == 404 and response.json()["code"] == 3301
        clock.advance(emu.scenario.processing_ready_after)
        done = httpx.get(f["download_url"], headers=headers, follow_redirects=True)
        assert done.status_code == 200 and done.headers["content-type"] == "audio/mp4"


@pytest.mark.parametrize(
    ("file_type", "content_type"),
    [("TRANSCRIPT", "text/vtt"), ("TIMELINE", "application/json"), ("CHAT", "text/plain"),
     ("SUMMARY", "application/json")],
)
def test_text_files_have_their_content_type(zoom: Zoom, file_type: str, content_type: str) -> None:
    f = zoom.file("english", file_type)
    response = httpx.get(f["download_url"], params={"access_token": zoom.token()},
                         follow_redirects=True)
    assert response.headers["content-type"].split(";")[0] == content_type
    assert len(response.content) == f["file_size"]
    if content_type == "application/json":
        json.loads(response.content)


def test_range_requests(zoom: Zoom) -> None:
    f = zoom.file("german")
    whole = httpx.get(f["download_url"], params={"access_token": zoom.token()},
                      follow_redirects=True).content
    storage = httpx.get(f["download_url"], params={"access_token": zoom.token()}).headers[
        "location"
    ]
    part = httpx.get(storage, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(whole)}"
    assert part.content == whole[1000:2000]
    tail = httpx.get(storage, headers={"Range": "bytes=-10"})
    assert tail.content == whole[-10:]
    assert httpx.get(storage, headers={"Range": f"bytes={len(whole)}-"}).status_code == 416


def test_storage_urls_are_signed(zoom: Zoom) -> None:
    f = zoom.file("german")
    storage = httpx.get(f["download_url"], params={"access_token": zoom.token()}).headers[
        "location"
    ]
    tampered = storage.replace("Expires=", "Expires=9")
    response = httpx.get(tampered)
    assert response.status_code == 403 and b"AccessDenied" in response.content


def test_download_stats(zoom: Zoom) -> None:
    f = zoom.file("english")
    httpx.get(f["download_url"], params={"access_token": zoom.token()}, follow_redirects=True)
    stats = zoom.emu.stats()["downloads"]
    assert stats == {"count": 1, "bytes": f["file_size"], "by_file": {f["id"]: 1}}


def test_large_download_streams_with_flat_memory(zoom: Zoom) -> None:
    f = zoom.file("long", "MP4")  # an hour of video: 230 MB at the default byte rate
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    received = 0
    with zoom.http.get(f["download_url"], params={"access_token": zoom.token()},
                       stream=True) as response:
        for chunk in response.iter_content(1 << 20):
            received += len(chunk)
    assert received == f["file_size"] > 200_000_000
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 60 * 1024


def test_abandoned_download_stops_streaming(zoom: Zoom) -> None:
    f = zoom.file("long", "MP4")
    response = zoom.http.get(f["download_url"], params={"access_token": zoom.token()},
                             stream=True)
    next(response.iter_content(1 << 16))
    response.close()
    time.sleep(0.2)
    sent = zoom.emu.stats()["downloads"]["bytes"]
    assert sent < f["file_size"] // 2


def test_injected_html_answer_even_with_a_good_token(zoom: Zoom) -> None:
    f = zoom.file("english")
    zoom.emu.inject("/zoom/rec/download", "html")
    params = {"access_token": zoom.token()}
    assert _is_no_permission_page(httpx.get(f["download_url"], params=params))
    assert httpx.get(f["download_url"], params=params).status_code == 302


def test_a_participant_file_named_in_japanese_downloads_with_a_utf8_filename(
        zoom: Zoom) -> None:
    meeting = zoom.emu.scenario.find("participant_audio_ja")
    body = zoom.recordings(meeting.uuid).json()
    f = body["participant_audio_files"][0]
    assert f["file_name"] == f"{meeting.speakers[0]}.m4a"
    response = httpx.get(f["download_url"], params={"access_token": zoom.token()},
                         follow_redirects=True)
    assert response.status_code == 200 and read_marker(response.content[:4096]) == f["id"]
    disposition = response.headers["content-disposition"]
    assert "filename*=UTF-8''" in disposition and disposition.endswith(".m4a")
    assert ".m4a.m4a" not in disposition
