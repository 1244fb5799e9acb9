"""Fault knobs and scripted faults, on both sides, and the control endpoints."""

from __future__ import annotations

import time
from datetime import datetime

import httpx
import pytest
import requests

from zoom_assembly.emulator import Emulator, Faults, ManualClock

from .conftest import Assembly, Zoom


def test_zoom_qps_429_with_retry_after(zoom: Zoom) -> None:
    token = zoom.token()
    zoom.emu.faults.zoom_429_rate = 1.0
    zoom.emu.faults.retry_after_seconds = 7
    response = zoom.get("/users", token=token)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-RateLimit-Type"] == "QPS"
    assert response.headers["X-RateLimit-Category"] == "Medium"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.json()["code"] == 429


def test_zoom_daily_limit_after_n_calls(zoom: Zoom) -> None:
    token = zoom.token()
    zoom.emu.faults.zoom_daily_limit_after = 2
    assert [zoom.get("/users", token=token).status_code for _ in range(2)] == [200, 200]
    limited = zoom.get("/users", token=token)
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Type"] == "Daily-limit"
    resume = datetime.fromisoformat(limited.headers["Retry-After"].replace("Z", "+00:00"))
    wait = resume.timestamp() - time.time()
    assert 0 < wait <= 24 * 3600


def test_daily_limit_restarts_at_midnight_utc() -> None:
    clock = ManualClock(start=1_750_000_000.0)  # 2025-06-15T15:06:40Z
    with Emulator(clock=clock, faults=Faults(zoom_daily_limit_after=1)) as emu:
        zoom = Zoom(emu)
        assert zoom.get("/users").status_code == 200
        limited = zoom.get("/users")
        assert limited.headers["Retry-After"] == "2025-06-16T00:00:00Z"
        clock.advance(9 * 3600)
        assert zoom.get("/users", token=zoom.token(fresh=True)).status_code == 200


def test_5xx_rate_on_both_sides(zoom: Zoom, aai: Assembly) -> None:
    token = zoom.token()
    zoom.emu.faults.error_5xx_rate = 1.0
    zoom_error = zoom.get("/users", token=token)
    assert zoom_error.status_code in (500, 503)
    assert zoom_error.json()["code"] == zoom_error.status_code
    aai_error = aai.get("/v2/transcript")
    assert aai_error.status_code in (500, 503) and "error" in aai_error.json()


def test_assemblyai_429_with_retry_after(aai: Assembly) -> None:
    aai.emu.faults.assembly_429_rate = 1.0
    aai.emu.faults.retry_after_seconds = 3
    response = aai.get("/v2/transcript")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json() == {"error": "Too Many Requests"}


@pytest.mark.parametrize("kind", ["500", "502", "503", "504"])
def test_injected_server_errors(aai: Assembly, kind: str) -> None:
    aai.emu.inject("/assemblyai/v2/transcript", kind)
    assert aai.get("/v2/transcript").status_code == int(kind)
    assert aai.get("/v2/transcript").status_code == 200


def test_injected_fault_hits_exactly_count_requests(zoom: Zoom) -> None:
    token = zoom.token()
    zoom.emu.inject("/zoom/v2/users", "429", count=2, retry_after=5)
    codes = [zoom.get("/users", token=token).status_code for _ in range(4)]
    assert codes == [429, 429, 200, 200]
    assert zoom.emu.stats()["faults"] == {"429": 2}


def test_regex_patterns_match_method_and_path(zoom: Zoom) -> None:
    token = zoom.token()
    zoom.emu.inject(r"^GET /zoom/v2/meetings/\d+/recordings$", "503")
    meeting = zoom.emu.scenario.find("recurring")
    assert zoom.get("/users", token=token).status_code == 200
    assert zoom.get(f"/meetings/{meeting.id}/recordings", token=token).status_code == 503


def test_dropped_connection_raises_in_requests_and_httpx(zoom: Zoom) -> None:
    token = zoom.token()
    url = zoom.env["ZOOM_API_BASE_URL"] + "/users"
    headers = {"Authorization": f"Bearer {token}"}
    zoom.emu.inject("/zoom/v2/users", "drop", count=2)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, headers=headers)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url, headers=headers)
    assert requests.get(url, headers=headers).status_code == 200


def test_dropped_download_mid_body(zoom: Zoom) -> None:
    f = zoom.file("english")
    zoom.emu.inject("/zoom/storage/", "drop", after_bytes=100_000)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f["download_url"], params={"access_token": zoom.token()}, follow_redirects=True)
    downloads = zoom.emu.stats()["downloads"]
    assert downloads["count"] == 1 and 100_000 <= downloads["bytes"] < f["file_size"]


def test_drop_rate_applies_everywhere_but_control(zoom: Zoom, aai: Assembly) -> None:
    zoom.emu.faults.drop_rate = 1.0
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        zoom.token_response()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        aai.get("/v2/transcript")
    assert requests.get(zoom.emu.base_url + "/_emulator/stats").status_code == 200


def test_slow_responses(zoom: Zoom) -> None:
    zoom.emu.inject("/zoom/oauth/token", "slow", seconds=0.3)
    started = time.monotonic()
    assert zoom.token_response().status_code == 200
    assert time.monotonic() - started >= 0.3
    zoom.emu.faults.slow_rate = 1.0
    zoom.emu.faults.slow_seconds = 0.2
    started = time.monotonic()
    zoom.token_response()
    assert time.monotonic() - started >= 0.2


def test_injected_token_revocation(zoom: Zoom) -> None:
    token = zoom.token()
    zoom.emu.inject("/zoom/v2/users", "revoke_token")
    assert zoom.get("/users", token=token).status_code == 401
    assert zoom.get("/users", token=zoom.token(fresh=True)).status_code == 200


def test_random_faults_are_deterministic_per_seed(zoom: Zoom) -> None:
    token = zoom.token()

    def pattern(seed: int) -> list[int]:
        zoom.emu.reset()
        zoom.emu.faults.seed = seed
        zoom.emu.faults.zoom_429_rate = 0.5
        return [zoom.get("/users", token=token).status_code for _ in range(16)]

    first = pattern(11)
    assert first == pattern(11)
    assert {200, 429} == set(first)
    assert first != pattern(12)


def test_faults_given_at_start_apply_from_the_first_request() -> None:
    with Emulator(faults=Faults(seed=5, zoom_429_rate=1.0, retry_after_seconds=2)) as emu:
        zoom = Zoom(emu)
        response = zoom.get("/users")
        assert response.status_code == 429 and response.headers["Retry-After"] == "2"


def test_control_endpoint_sets_knobs_and_injections(zoom: Zoom) -> None:
    control = zoom.emu.base_url + "/_emulator/faults"
    body = {"zoom_429_rate": 0.0, "retry_after_seconds": 9,
            "inject": [{"pattern": "/zoom/v2/users", "kind": "429", "count": 1}]}
    state = requests.post(control, json=body).json()
    assert state["faults"]["retry_after_seconds"] == 9
    assert state["injections"] == [
        {"pattern": "/zoom/v2/users", "kind": "429", "count": 1}
    ]
    assert zoom.get("/users").headers["Retry-After"] == "9"
    assert requests.post(control, json={"no_such_knob": 1}).status_code == 400
    bad_kind = {"inject": {"pattern": "/x", "kind": "?"}}
    assert requests.post(control, json=bad_kind).status_code == 400


def test_reset_restores_initial_knobs(zoom: Zoom) -> None:
    zoom.emu.faults.zoom_429_rate = 1.0
    zoom.emu.inject("/zoom", "500", count=5)
    assert requests.post(zoom.emu.base_url + "/_emulator/reset").json() == {"reset": True}
    assert zoom.emu.faults.zoom_429_rate == 0.0
    assert zoom.get("/users").status_code == 200


def test_stats_shape(zoom: Zoom, aai: Assembly) -> None:
    zoom.get("/users")
    aai.get("/v2/transcript")
    stats = requests.get(zoom.emu.base_url + "/_emulator/stats").json()
    assert stats["requests"]["by_side"] == {"zoom": 2, "assemblyai": 1}
    assert stats["requests"]["by_endpoint"] == {
        "POST /zoom/oauth/token": 1, "GET /zoom/v2/users": 1, "GET /assemblyai/v2/transcript": 1,
    }
    assert stats["requests"]["by_status"] == {"200": 3}
    assert stats["tokens"] == {"issued": 1, "revoked": 0}
    assert set(stats) == {"requests", "faults", "tokens", "submissions", "jobs", "uploads",
                          "downloads", "assemblyai_fetches", "billing"}
    assert set(stats["jobs"]) >= {"total", "by_status", "peak_processing", "processing_now",
                                  "completed_at", "failed_at"}


def test_dropped_submission_still_creates_the_job(zoom: Zoom, aai: Assembly) -> None:
    url = f"{aai.emu.base_url}/missing.m4a"
    aai.emu.inject(r"^POST /assemblyai/v2/transcript$", "drop")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        aai.submit({"audio_url": url})
    assert aai.submit({"audio_url": url}).status_code == 200
    assert aai.emu.stats()["jobs"]["total"] == 2  # the lost answer hid a real job
    assert aai.emu.stats()["submissions"] == {url: 2}
