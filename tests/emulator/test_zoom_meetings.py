"""Zoom read endpoints third-party clients call by default (one user, one meeting, one past
instance and its participants), unknown API paths answered like Zoom, and Zoom's own path layout
served at the root beside ``/zoom``."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

from zoom_assembly.emulator import ALL_SCOPES, Emulator

from .conftest import Zoom, double_encode


class RootZoom(Zoom):
    """The same client, configured the way Zoom's clients are: only the API base, token URL on
    the same host (``/oauth/token``), no ``/zoom`` anywhere."""

    def __init__(self, emu: Emulator) -> None:
        super().__init__(emu)
        self.env = {**self.env, "ZOOM_OAUTH_URL": f"{emu.base_url}/oauth/token",
                    "ZOOM_API_BASE_URL": f"{emu.base_url}/v2"}


# -- users and meetings ------------------------------------------------------------------------


def test_get_user_by_me_email_and_id(zoom: Zoom) -> None:
    owner = zoom.emu.scenario.user("me")
    assert owner is not None
    by_me = zoom.get("/users/me")
    assert by_me.status_code == 200, by_me.text
    assert by_me.json() == zoom.get(f"/users/{owner.email}").json()
    assert by_me.json() == zoom.get(f"/users/{owner.id}").json()
    body = by_me.json()
    assert (body["id"], body["email"], body["display_name"]) == (owner.id, owner.email,
                                                                 owner.display_name)
    assert body["account_id"] == zoom.emu.credentials.account_id and body["status"] == "active"


def test_unknown_user_is_404_code_1001(zoom: Zoom) -> None:
    response = zoom.get("/users/nobody@example.com")
    assert response.status_code == 404
    assert response.json() == {"code": 1001, "message": "User does not exist: nobody@example.com."}


def test_get_meeting_by_id_is_its_latest_instance(zoom: Zoom) -> None:
    recurring = zoom.emu.scenario.find("recurring")
    body = zoom.get(f"/meetings/{recurring.id}").json()
    assert (body["id"], body["uuid"], body["topic"]) == (recurring.id, recurring.uuid,
                                                         recurring.topic)
    assert body["type"] == 8 and "recurrence" in body
    host = zoom.emu.scenario.user(recurring.host_id)
    assert host is not None and body["host_email"] == host.email


def test_unknown_meeting_is_404_code_3001(zoom: Zoom) -> None:
    response = zoom.get("/meetings/12345678901")
    assert response.status_code == 404 and response.json()["code"] == 3001


# -- past meetings -----------------------------------------------------------------------------


def test_past_meeting_by_double_encoded_uuid(zoom: Zoom) -> None:
    for tag in ("uuid_double_slash", "uuid_leading_slash", "spanish"):
        meeting = zoom.emu.scenario.find(tag)
        response = zoom.get(f"/past_meetings/{double_encode(meeting.uuid)}")
        assert response.status_code == 200, (tag, response.text)
        body = response.json()
        assert (body["uuid"], body["id"], body["topic"]) == (meeting.uuid, meeting.id,
                                                             meeting.topic)
        assert body["participants_count"] == len(meeting.speakers)
        assert body["end_time"] > body["start_time"]


def test_past_meeting_uuid_with_slashes_single_encoded_is_404(zoom: Zoom) -> None:
    meeting = zoom.emu.scenario.find("uuid_double_slash")
    response = zoom.get(f"/past_meetings/{quote(meeting.uuid, safe='')}")
    assert response.status_code == 404 and response.json()["code"] == 3001


def test_past_meeting_by_numeric_id_is_the_latest_instance(zoom: Zoom) -> None:
    instances = zoom.emu.scenario.instances(zoom.emu.scenario.find("recurring").id)
    body = zoom.get(f"/past_meetings/{instances[-1].id}").json()
    assert body["uuid"] == instances[-1].uuid


def test_past_participants_are_the_scripted_speakers_named_as_scripted(zoom: Zoom) -> None:
    for tag in ("japanese", "spanish", "english"):
        meeting = zoom.emu.scenario.find(tag)
        body = zoom.get(f"/past_meetings/{double_encode(meeting.uuid)}/participants").json()
        names = [p["name"] for p in body["participants"]]
        assert names == list(meeting.speakers), tag
        assert body["total_records"] == len(meeting.speakers)
    japanese = zoom.emu.scenario.find("japanese").speakers
    assert any(ord(ch) > 0x3000 for ch in japanese[0])  # the check above covered kanji names
    english = zoom.emu.scenario.find("english")
    people = zoom.get(f"/past_meetings/{double_encode(english.uuid)}/participants").json()
    first = people["participants"][0]
    host = zoom.emu.scenario.user(english.host_id)
    assert host is not None and first["name"] == host.display_name
    assert (first["id"], first["user_email"]) == (host.id, host.email)
    guest = people["participants"][1]
    assert guest["user_email"] == "" and guest["id"] == ""
    for person in people["participants"]:
        assert set(person) >= {"id", "user_id", "name", "user_email", "join_time", "leave_time",
                               "duration", "status"}
        assert person["duration"] == english.duration_s and person["status"] == "in_meeting"


def test_past_participants_page_with_next_page_token(zoom: Zoom) -> None:
    meeting = zoom.emu.scenario.find("video_only")  # five speakers
    path = f"/past_meetings/{double_encode(meeting.uuid)}/participants"
    seen: list[str] = []
    body = zoom.get(path, page_size=2).json()
    assert body["page_count"] == 3 and body["page_size"] == 2
    seen += [p["name"] for p in body["participants"]]
    while body["next_page_token"]:
        body = zoom.get(path, page_size=2, next_page_token=body["next_page_token"]).json()
        seen += [p["name"] for p in body["participants"]]
    assert seen == list(meeting.speakers)
    assert zoom.get(path, page_size=1000).json()["page_size"] == 300
    stale = zoom.get(path, next_page_token="nonsense")
    assert stale.status_code == 400 and stale.json()["code"] == 300


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        ("user:read:user:admin", "/users/me"),
        ("meeting:read:meeting:admin", "/meetings/{id}"),
        ("meeting:read:past_meeting:admin", "/past_meetings/{uuid}"),
        ("meeting:read:list_past_participants:admin", "/past_meetings/{uuid}/participants"),
    ],
)
def test_a_token_without_the_routes_scope_gets_4711(scope: str, path: str) -> None:
    with Emulator(granted_scopes=[s for s in ALL_SCOPES if s != scope]) as emu:
        zoom = Zoom(emu)
        meeting = emu.scenario.find("english")
        response = zoom.get(path.format(id=meeting.id, uuid=double_encode(meeting.uuid)))
        assert response.status_code == 400
        assert response.json()["code"] == 4711 and scope in response.json()["message"]


# -- unknown routes ----------------------------------------------------------------------------


def test_unknown_api_paths_answer_zoom_json_in_both_layouts(zoom: Zoom) -> None:
    root = RootZoom(zoom.emu)
    for client in (zoom, root):
        for path in ("/report/meetings/1/participants", "/nope", "/users/me/meetings/extra/x"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("application/json")
            assert response.json() == {"code": 2300,
                                       "message": "This API endpoint is not recognized."}
        wrong_method = client.http.post(client.env["ZOOM_API_BASE_URL"] + "/users",
                                        headers={"Authorization": f"Bearer {client.token()}"})
        assert wrong_method.status_code == 404 and wrong_method.json()["code"] == 2300


def test_unknown_api_path_without_a_token_is_401_code_124(zoom: Zoom) -> None:
    response = requests.get(zoom.env["ZOOM_API_BASE_URL"] + "/nope", timeout=10)
    assert response.status_code == 401 and response.json()["code"] == 124


# -- Zoom's layout at the root -----------------------------------------------------------------


def test_root_layout_serves_token_api_and_downloads(zoom: Zoom) -> None:
    root = RootZoom(zoom.emu)
    base = zoom.emu.base_url
    token = root.token_response()
    assert token.status_code == 200 and token.json()["api_url"] == base
    meeting = zoom.emu.scenario.find("english")
    body = root.recordings(meeting.uuid).json()
    m4a = next(f for f in body["recording_files"] if f["file_type"] == "M4A")
    assert m4a["download_url"].startswith(f"{base}/rec/download/")
    download = root.http.get(m4a["download_url"], allow_redirects=False,
                             headers={"Authorization": f"Bearer {root.token()}"})
    assert download.status_code == 302
    assert download.headers["location"].startswith(f"{base}/storage/")
    media = root.http.get(download.headers["location"])
    assert media.status_code == 200 and len(media.content) == m4a["file_size"]
    assert zoom.emu.stats()["requests"]["by_side"]["zoom"] >= 4


def test_prefixed_layout_keeps_prefixed_urls(zoom: Zoom) -> None:
    base = zoom.emu.base_url
    assert zoom.env["ZOOM_API_BASE_URL"] == f"{base}/zoom/v2"
    assert zoom.token_response().json()["api_url"] == f"{base}/zoom"
    m4a = zoom.file("english")
    assert m4a["download_url"].startswith(f"{base}/zoom/rec/download/")
    download = zoom.http.get(m4a["download_url"], allow_redirects=False,
                             headers={"Authorization": f"Bearer {zoom.token()}"})
    assert download.headers["location"].startswith(f"{base}/zoom/storage/")
