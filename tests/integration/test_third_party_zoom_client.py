"""A Zoom client someone else wrote for the real Zoom (``zoomus`` from PyPI) against the emulator,
through its public API only, configured the way its users configure it for Zoom: an API base and
a token URL on the same host (the emulator's root layout, no ``/zoom`` prefix).

If it passes, the emulator answers like Zoom for more than our own client: S2S token, users, a
month of recordings paged with ``next_page_token`` (zoomus sends ``from``/``to`` as date-times),
one meeting by a ``//`` UUID, its past instance and participants, and a download.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from zoomus import ZoomClient, util

from zoom_assembly.emulator import Emulator, Scenario

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(Scenario.builtin(processing_ready_after=0.0)) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def client(emu: Emulator) -> ZoomClient:
    c = emu.credentials
    return ZoomClient(c.client_id, c.client_secret, c.account_id,
                      base_uri=f"{emu.base_url}/v2", oauth_uri=f"{emu.base_url}/oauth/token")


def _ok(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_zoomus_gets_an_account_credentials_token(emu: Emulator, client: ZoomClient) -> None:
    token = client.config["token"]
    assert token
    assert emu.stats()["tokens"]["issued"] >= 1


def test_zoomus_lists_users_and_reads_me(emu: Emulator, client: ZoomClient) -> None:
    users = _ok(client.user.list())["users"]
    assert sorted(u["email"] for u in users) == sorted(
        u.email for u in emu.scenario.users if u.status == "active"
    )
    owner = emu.scenario.user("me")
    assert owner is not None
    me = _ok(client.user.me())
    assert (me["id"], me["email"]) == (owner.id, owner.email)
    assert _ok(client.user.get(id=owner.email))["id"] == owner.id


def test_zoomus_pages_through_a_month_of_recordings(emu: Emulator, client: ZoomClient) -> None:
    owner = emu.scenario.user("me")
    assert owner is not None
    end = emu.scenario.anchor
    start = end - timedelta(days=30)
    expected = {
        m.uuid for m in emu.scenario.meetings
        if m.host_id == owner.id and m.recorded and not m.trashed
        and start <= m.start_time.date() <= end
    }  # fmt: skip
    seen: list[str] = []
    pages = 0
    token = ""
    while True:
        options: dict[str, Any] = {"user_id": "me", "start": start, "end": end, "page_size": 3}
        if token:
            options["next_page_token"] = token
        body = _ok(client.recording.list(**options))
        assert (body["from"], body["to"]) == (str(start), str(end))
        seen += [m["uuid"] for m in body["meetings"]]
        pages += 1
        token = body["next_page_token"]
        if not token:
            break
    assert pages >= 3
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_zoomus_reads_a_double_slash_meeting_and_downloads_its_audio(
    emu: Emulator, client: ZoomClient
) -> None:
    meeting = emu.scenario.find("uuid_double_slash")
    assert "//" in meeting.uuid
    body = _ok(client.recording.get(meeting_id=util.encode_uuid(meeting.uuid)))
    assert body["uuid"] == meeting.uuid
    past = _ok(client.past_meeting.get(meeting_id=meeting.uuid))  # zoomus encodes it itself
    assert past["uuid"] == meeting.uuid
    people = _ok(client.past_meeting.get_participants(meeting_id=meeting.uuid))["participants"]
    assert [p["name"] for p in people] == list(meeting.speakers)

    m4a = next(f for f in body["recording_files"] if f["file_type"] == "M4A")
    headers = {"Authorization": f"Bearer {client.config['token']}"}
    audio = requests.get(m4a["download_url"], headers=headers, timeout=30)
    assert audio.status_code == 200
    assert audio.headers["content-type"].startswith("audio/")
    assert len(audio.content) == m4a["file_size"] > 0
    assert audio.content[4:8] == b"ftyp"  # an MP4 container, not Zoom's HTML error page


def test_zoomus_sees_zoom_json_errors(client: ZoomClient) -> None:
    missing = client.recording.get(meeting_id="12345678901")
    assert missing.status_code == 404 and missing.json()["code"] == 3301
    # A route the emulator does not model: Zoom's JSON answer, which zoomus hands back as is.
    day = date(2026, 11, 1)
    unknown = client.report.get_account_report(start_time=day, end_time=day)
    assert unknown.status_code == 404 and unknown.json()["code"] == 2300
