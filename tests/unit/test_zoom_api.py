"""Zoom's HTTP layer: tokens, retries and error mapping, with HTTP mocked by `responses`."""

from __future__ import annotations

import base64
import random
import threading
from urllib.parse import parse_qs

import pytest
import responses

from zoom_assembly.config import Settings
from zoom_assembly.errors import AuthError, NotFound, PermissionDenied, RateLimited, ScopeError
from zoom_assembly.redact import Secret
from zoom_assembly.retry import RetryPolicy
from zoom_assembly.zoom import ZoomClient, build_zoom_client

from .factories import BASE, OAUTH, meeting, token_body

SECRET = "zoom-client-secret-value"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_client(clock: FakeClock | None = None, sleeps: list[float] | None = None) -> ZoomClient:
    settings = Settings(
        zoom_account_id="acct-123",
        zoom_client_id="client-abc",
        zoom_client_secret=Secret(SECRET),
        assemblyai_api_key=Secret("aai-key-0000"),
        zoom_requests_per_second=0,  # no pacing: the fake clock never moves
    )
    return build_zoom_client(
        settings,
        policy=RetryPolicy(rng=random.Random(0)),
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        clock=clock or FakeClock(),
    )


def add_token(token: str = "zoom-access-token-1", expires_in: int = 3600) -> None:
    responses.add(responses.POST, OAUTH, json=token_body(token, expires_in))


@responses.activate
def test_token_request_uses_basic_auth_and_a_form_body() -> None:
    add_token()
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", json=meeting())
    make_client().meeting_recordings(123456789)
    token_call = responses.calls[0].request
    expected = base64.b64encode(f"client-abc:{SECRET}".encode()).decode()
    assert token_call.headers["Authorization"] == f"Basic {expected}"
    assert parse_qs(token_call.body) == {  # type: ignore[type-var]
        "grant_type": ["account_credentials"], "account_id": ["acct-123"]}
    assert "?" not in token_call.url


@responses.activate
def test_api_calls_send_the_token_as_bearer_header() -> None:
    add_token("tok-A")
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", json=meeting())
    make_client().meeting_recordings(123456789)
    api_call = responses.calls[1].request
    assert api_call.headers["Authorization"] == "Bearer tok-A"
    assert "access_token" not in (api_call.url or "")


@responses.activate
def test_token_is_cached_between_calls() -> None:
    add_token()
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", json=meeting())
    client = make_client()
    client.meeting_recordings(123456789)
    client.meeting_recordings(123456789)
    assert client.api.tokens.fetch_count == 1


@responses.activate
def test_token_is_refreshed_a_minute_before_it_expires() -> None:
    clock = FakeClock()
    add_token("tok-A", expires_in=3600)
    add_token("tok-B", expires_in=3600)
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", json=meeting())
    client = make_client(clock)
    client.meeting_recordings(123456789)
    clock.now += 3600 - 61
    client.meeting_recordings(123456789)
    assert client.api.tokens.fetch_count == 1
    clock.now += 2
    client.meeting_recordings(123456789)
    assert client.api.tokens.fetch_count == 2
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer tok-B"


@responses.activate
def test_revoked_token_is_replaced_once_and_the_call_retried() -> None:
    add_token("tok-A")
    add_token("tok-B")
    url = f"{BASE}/meetings/123456789/recordings"
    responses.add(responses.GET, url, status=401,
                  json={"code": 124, "message": "Invalid access token."})
    responses.add(responses.GET, url, json=meeting())
    result = make_client().meeting_recordings(123456789)
    assert result.meeting.id == 87287728097
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer tok-B"


@responses.activate
def test_second_rejection_of_a_fresh_token_is_an_auth_error() -> None:
    add_token("tok-A")
    add_token("tok-B")
    url = f"{BASE}/meetings/123456789/recordings"
    responses.add(responses.GET, url, status=401,
                  json={"code": 124, "message": "Invalid access token."})
    with pytest.raises(AuthError) as info:
        make_client().meeting_recordings(123456789)
    assert info.value.exit_code == 3
    token_calls = [c for c in responses.calls if c.request.url == OAUTH]
    assert len(token_calls) == 2


@responses.activate
def test_concurrent_callers_share_one_token_fetch() -> None:
    add_token()
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", json=meeting())
    client = make_client()
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        client.api.tokens.token()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client.api.tokens.fetch_count == 1


@responses.activate
def test_invalid_client_is_a_credentials_error_naming_the_variables() -> None:
    responses.add(responses.POST, OAUTH, status=400, json={
        "reason": "Invalid client_id or client_secret", "error": "invalid_client"})
    with pytest.raises(AuthError) as info:
        make_client().meeting_recordings(123456789)
    assert info.value.code == "invalid_client"
    assert "ZOOM_CLIENT_SECRET" in info.value.message
    assert SECRET not in repr(info.value) + str(info.value)


@responses.activate
def test_unsupported_grant_type_says_the_app_type_is_wrong() -> None:
    responses.add(responses.POST, OAUTH, status=400, json={
        "error": "unsupported_grant_type", "reason": "Unsupported grant type"})
    with pytest.raises(AuthError, match="Server-to-Server"):
        make_client().meeting_recordings(123456789)


@responses.activate
def test_rate_limit_honours_retry_after_seconds() -> None:
    add_token()
    url = f"{BASE}/meetings/123456789/recordings"
    responses.add(responses.GET, url, status=429, headers={
        "Retry-After": "2", "X-RateLimit-Type": "QPS"}, json={"code": 429, "message": "slow"})
    responses.add(responses.GET, url, json=meeting())
    sleeps: list[float] = []
    make_client(sleeps=sleeps).meeting_recordings(123456789)
    assert sleeps == [2.0]


@responses.activate
def test_daily_limit_stops_with_the_resume_time_instead_of_sleeping() -> None:
    add_token()
    url = f"{BASE}/meetings/123456789/recordings"
    responses.add(responses.GET, url, status=429, headers={
        "Retry-After": "2099-01-02T00:00:00Z", "X-RateLimit-Type": "Daily-limit"},
        json={"code": 429, "message": "You have reached the maximum daily rate limit"})
    sleeps: list[float] = []
    with pytest.raises(RateLimited) as info:
        make_client(sleeps=sleeps).meeting_recordings(123456789)
    assert sleeps == []
    assert info.value.code == "daily_limit"
    assert "2099-01-02 00:00 UTC" in info.value.message


@responses.activate
def test_server_errors_back_off_then_succeed() -> None:
    add_token()
    url = f"{BASE}/meetings/123456789/recordings"
    responses.add(responses.GET, url, status=503)
    responses.add(responses.GET, url, status=500)
    responses.add(responses.GET, url, json=meeting())
    sleeps: list[float] = []
    make_client(sleeps=sleeps).meeting_recordings(123456789)
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] / 2


@responses.activate
def test_connection_errors_are_retried() -> None:
    import requests

    add_token()
    url = f"{BASE}/meetings/123456789/recordings"
    responses.add(responses.GET, url, body=requests.ConnectionError("reset"))
    responses.add(responses.GET, url, json=meeting())
    assert make_client().meeting_recordings(123456789).meeting.topic == "Weekly sync"


@responses.activate
def test_missing_scopes_error_names_the_scopes() -> None:
    add_token()
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", status=400, json={
        "code": 4711, "message": "Invalid access token, does not contain scopes:"
        "[cloud_recording:read:list_recording_files:admin]."})
    with pytest.raises(ScopeError) as info:
        make_client().meeting_recordings(123456789)
    assert info.value.scopes == ["cloud_recording:read:list_recording_files:admin"]
    assert "cloud_recording:read:list_recording_files:admin" in info.value.message
    assert info.value.exit_code == 3


@responses.activate
def test_no_recording_is_not_found_with_code_3301() -> None:
    add_token()
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", status=404,
                  json={"code": 3301, "message": "This recording does not exist."})
    with pytest.raises(NotFound) as info:
        make_client().meeting_recordings(123456789)
    assert info.value.code == "no_recording"
    assert info.value.exit_code == 2


@pytest.mark.parametrize(("status", "code"), [(404, 1001), (400, 1010)])
@responses.activate
def test_unknown_user_is_not_found(status: int, code: int) -> None:
    from datetime import date

    add_token()
    responses.add(responses.GET, f"{BASE}/users/nobody@example.com/recordings", status=status,
                  json={"code": code, "message": "User does not exist: nobody@example.com."})
    with pytest.raises(NotFound) as info:
        list(make_client().user_recordings("nobody@example.com", date(2026, 1, 1),
                                           date(2026, 1, 5)))
    assert info.value.code == "user_not_found"


@responses.activate
def test_permission_code_200_is_permission_denied() -> None:
    add_token()
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", status=400,
                  json={"code": 200, "message": "No permission."})
    with pytest.raises(PermissionDenied) as info:
        make_client().meeting_recordings(123456789)
    assert info.value.exit_code == 3


@responses.activate
def test_client_repr_and_errors_hold_no_secret() -> None:
    add_token("tok-visible-nowhere")
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings", status=500)
    client = make_client()
    with pytest.raises(Exception) as info:
        client.meeting_recordings(123456789)
    text = repr(client) + repr(client.api) + repr(client.api.tokens) + str(info.value)
    assert SECRET not in text and "tok-visible-nowhere" not in text


def test_recordings_of_a_meeting_are_light_and_listings_medium() -> None:
    from zoom_assembly.zoom.api import rate_category

    assert rate_category("/meetings/abc%253D%253D/recordings") == "light"
    assert rate_category("/users/me/recordings") == "medium"
    assert rate_category("/past_meetings/123/instances") == "medium"


def test_zoom_rate_can_be_set_from_the_environment() -> None:
    from zoom_assembly.config import load_settings

    settings = load_settings(environ={"ZOOM_MAX_REQUESTS_PER_SECOND": "7.5"})
    assert settings.zoom_requests_per_second == 7.5
