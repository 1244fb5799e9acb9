"""Server-to-Server OAuth, Bearer checks, token lifetime and revocation, scopes."""

from __future__ import annotations

import requests

from zoom_assembly.emulator import ALL_SCOPES, Emulator, Faults, ManualClock

from .conftest import Zoom


def test_token_response_shape(zoom: Zoom) -> None:
    response = zoom.token_response()
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == set(ALL_SCOPES)
    assert body["access_token"].count(".") == 2


def test_bad_client_secret_is_invalid_client(zoom: Zoom) -> None:
    response = zoom.http.post(
        zoom.env["ZOOM_OAUTH_URL"],
        auth=(zoom.env["ZOOM_CLIENT_ID"], "wrong"),
        data={"grant_type": "account_credentials", "account_id": zoom.env["ZOOM_ACCOUNT_ID"]},
    )
    assert response.status_code == 400
    assert response.json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }


def test_missing_basic_auth_is_invalid_client(zoom: Zoom) -> None:
    response = zoom.http.post(zoom.env["ZOOM_OAUTH_URL"], data={"grant_type": "x"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_client"


def test_grant_in_query_string_is_accepted_like_zoom(zoom: Zoom) -> None:
    # zoom-python-client and PSZoom send it this way, as Zoom's own Postman collection does.
    params = {"grant_type": "account_credentials", "account_id": zoom.env["ZOOM_ACCOUNT_ID"]}
    auth = (zoom.env["ZOOM_CLIENT_ID"], zoom.env["ZOOM_CLIENT_SECRET"])
    response = zoom.http.post(zoom.env["ZOOM_OAUTH_URL"], params=params, auth=auth)
    assert response.status_code == 200, response.text
    assert zoom.get("/users/me", token=response.json()["access_token"]).status_code == 200
    wrong = zoom.http.post(zoom.env["ZOOM_OAUTH_URL"], auth=auth,
                           params={**params, "account_id": "someone-else"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_request"


def test_wrong_grant_and_wrong_account(zoom: Zoom) -> None:
    assert zoom.token_response(grant_type="client_credentials").json()["error"] == (
        "unsupported_grant_type"
    )
    wrong = zoom.token_response(account_id="someone-else")
    assert wrong.status_code == 400
    assert wrong.json()["reason"] == "Invalid account_id"


def test_api_needs_a_bearer_token(zoom: Zoom) -> None:
    url = zoom.env["ZOOM_API_BASE_URL"] + "/users"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": zoom.token()}):
        response = zoom.http.get(url, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"code": 124, "message": "Invalid access token."}


def test_token_in_query_string_is_refused_on_api_calls(zoom: Zoom) -> None:
    url = zoom.env["ZOOM_API_BASE_URL"] + "/users"
    response = zoom.http.get(url, params={"access_token": zoom.token()})
    assert response.status_code == 401 and response.json()["code"] == 124


def test_token_expires_with_the_clock() -> None:
    clock = ManualClock()
    with Emulator(clock=clock, faults=Faults(token_lifetime=60)) as emu:
        zoom = Zoom(emu)
        assert zoom.token_response().json()["expires_in"] == 60
        assert zoom.get("/users").status_code == 200
        clock.advance(61)
        expired = zoom.get("/users")
        assert expired.status_code == 401
        assert expired.json()["code"] == 124
        assert zoom.get("/users", token=zoom.token(fresh=True)).status_code == 200


def test_new_token_can_invalidate_the_previous_one(zoom: Zoom) -> None:
    first = zoom.token()
    assert zoom.get("/users", token=zoom.token(fresh=True)).status_code == 200
    assert zoom.get("/users", token=first).status_code == 200  # several tokens coexist
    zoom.emu.faults.invalidate_previous_tokens = True
    second = zoom.token(fresh=True)
    assert zoom.get("/users", token=first).status_code == 401
    assert zoom.get("/users", token=second).status_code == 200


def test_revoke_tokens_mid_run(zoom: Zoom) -> None:
    token = zoom.token()
    assert zoom.emu.revoke_tokens() >= 1
    assert zoom.get("/users", token=token).status_code == 401
    assert zoom.get("/users", token=zoom.token(fresh=True)).status_code == 200
    revoked = requests.post(zoom.emu.base_url + "/_emulator/revoke-tokens").json()["revoked"]
    assert revoked >= 1
    assert zoom.get("/users").status_code == 401


def test_missing_scope_is_4711_naming_it() -> None:
    granted = [s for s in ALL_SCOPES if s != "user:read:list_users:admin"]
    with Emulator(granted_scopes=granted) as emu:
        zoom = Zoom(emu)
        assert "user:read:list_users:admin" not in zoom.token_response().json()["scope"]
        response = zoom.get("/users")
        assert response.status_code == 400
        message = "Invalid access token, does not contain scopes:[user:read:list_users:admin]."
        assert response.json() == {"code": 4711, "message": message}
        assert zoom.get("/users/me/recordings").status_code == 200


def test_every_endpoint_checks_its_own_scope() -> None:
    meeting_paths = {
        "cloud_recording:read:list_user_recordings:admin": "/users/me/recordings",
        "cloud_recording:read:list_account_recordings:admin": "/accounts/me/recordings",
        "meeting:read:list_past_instances:admin": "/past_meetings/{id}/instances",
        "cloud_recording:read:list_recording_files:admin": "/meetings/{id}/recordings",
    }
    with Emulator(granted_scopes=["user:read:list_users:admin"]) as emu:
        zoom = Zoom(emu)
        meeting_id = emu.scenario.find("recurring").id
        for scope, path in meeting_paths.items():
            response = zoom.get(path.format(id=meeting_id))
            assert response.status_code == 400
            assert response.json()["message"].endswith(f"scopes:[{scope}].")
