"""Zoom REST endpoints: users, recording listings (windows, pages, trash), meeting recordings
(UUID encoding rules, download_access_token), past instances."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from zoom_assembly.emulator import Emulator, ManualClock, Scenario

from .conftest import Zoom, double_encode


def _window(scenario: Scenario, days_back: int, days: int = 30) -> dict[str, str]:
    end = scenario.anchor - timedelta(days=days_back)
    return {"from": str(end - timedelta(days=days)), "to": str(end)}


def test_list_users_defaults_to_active(zoom: Zoom) -> None:
    body = zoom.get("/users").json()
    assert {u["status"] for u in body["users"]} == {"active"}
    assert body["total_records"] == len(body["users"]) == 4
    assert body["page_size"] == 30 and body["next_page_token"] == ""
    assert all(u["id"] and u["email"] and u["type"] for u in body["users"])


def test_list_users_by_status(zoom: Zoom) -> None:
    inactive = zoom.get("/users", status="inactive").json()["users"]
    assert [u["email"] for u in inactive] == ["omar.haddad@example.com"]
    pending = zoom.get("/users", status="pending").json()["users"]
    assert len(pending) == 1 and "id" not in pending[0]
    assert zoom.get("/users", status="deleted").status_code == 400


def test_list_users_pages(zoom: Zoom) -> None:
    first = zoom.get("/users", page_size=3).json()
    assert len(first["users"]) == 3 and first["page_count"] == 2 and first["next_page_token"]
    second = zoom.get("/users", page_size=3, next_page_token=first["next_page_token"]).json()
    assert len(second["users"]) == 1 and second["next_page_token"] == ""


def test_user_recordings_by_me_email_and_id(zoom: Zoom) -> None:
    scenario = zoom.emu.scenario
    window = _window(scenario, 0)
    maya = scenario.user("me")
    assert maya is not None
    by_me = zoom.get("/users/me/recordings", **window).json()
    by_email = zoom.get(f"/users/{maya.email}/recordings", **window).json()
    by_id = zoom.get(f"/users/{maya.id}/recordings", **window).json()
    assert by_me == by_email == by_id
    assert by_me["from"] == window["from"] and by_me["to"] == window["to"]
    assert {m["host_id"] for m in by_me["meetings"]} == {maya.id}
    starts = [m["start_time"] for m in by_me["meetings"]]
    assert starts == sorted(starts, reverse=True) and len(starts) > 5


def test_unknown_user_is_1001(zoom: Zoom) -> None:
    response = zoom.get("/users/nobody@example.com/recordings")
    assert response.status_code == 404
    assert response.json() == {"code": 1001, "message": "User does not exist: nobody@example.com."}


def test_window_longer_than_a_month_is_clamped_like_zoom(zoom: Zoom) -> None:
    anchor = zoom.emu.scenario.anchor
    month_before = str(anchor.replace(month=anchor.month - 1) if anchor.month > 1
                       else anchor.replace(year=anchor.year - 1, month=12))
    wide = zoom.get("/users/me/recordings", **{"from": str(anchor - timedelta(days=400)),
                                               "to": str(anchor)})
    assert wide.status_code == 200
    body = wide.json()
    # Zoom moves `from` to one month before `to` and says so in the answer, nothing else.
    assert body["from"] == month_before and body["to"] == str(anchor)
    month = zoom.get("/users/me/recordings", **{"from": month_before, "to": str(anchor)}).json()
    assert body["meetings"] == month["meetings"] and body["total_records"] < 20
    assert zoom.emu.scenario.find("long").uuid not in {m["uuid"] for m in body["meetings"]}


def test_clamp_matches_the_public_report(zoom: Zoom) -> None:
    # zoom/api#36: from=2017-08-02&to=2018-04-09 came back with from 2018-03-09.
    body = zoom.get("/users/me/recordings", **{"from": "2017-08-02", "to": "2018-04-09"}).json()
    assert (body["from"], body["to"]) == ("2018-03-09", "2018-04-09")
    body = zoom.get("/accounts/me/recordings", **{"from": "2025-01-01", "to": "2025-03-31"}).json()
    assert body["from"] == "2025-02-28"


def test_strict_month_window_knob_refuses_long_ranges(zoom: Zoom) -> None:
    zoom.emu.faults.strict_month_window = True
    ok = zoom.get("/users/me/recordings", **{"from": "2025-01-31", "to": "2025-02-28"})
    assert ok.status_code == 200
    response = zoom.get("/users/me/recordings", **{"from": "2025-01-01", "to": "2025-03-01"})
    assert response.status_code == 400
    assert response.json()["code"] == 300
    assert "one month" in response.json()["message"]


def test_to_before_from_is_refused(zoom: Zoom) -> None:
    backwards = zoom.get("/users/me/recordings", **{"from": "2025-03-01", "to": "2025-01-01"})
    assert backwards.status_code == 400 and backwards.json()["code"] == 300


def test_date_time_from_and_to_are_read_as_their_dates(zoom: Zoom) -> None:
    window = _window(zoom.emu.scenario, 0)
    by_date = zoom.get("/users/me/recordings", **window).json()
    stamped = {name: f"{value}T00:00:00Z" for name, value in window.items()}
    by_date_time = zoom.get("/users/me/recordings", **stamped)
    assert by_date_time.status_code == 200, by_date_time.text
    assert by_date_time.json() == by_date
    assert zoom.get("/users/me/recordings", **{"from": "yesterday"}).status_code == 400


def test_omitted_from_means_today_only(zoom: Zoom) -> None:
    body = zoom.get("/users/me/recordings").json()
    today = zoom.emu.scenario.find("today")
    assert [m["uuid"] for m in body["meetings"]] == [today.uuid]
    assert body["from"] == str(today.start_time.date())


def test_trash_is_listed_only_on_request(zoom: Zoom) -> None:
    scenario = zoom.emu.scenario
    trashed = scenario.find("trash")
    window = _window(scenario, 0)
    listed = zoom.get("/users/me/recordings", **window).json()["meetings"]
    assert trashed.uuid not in {m["uuid"] for m in listed}
    in_trash = zoom.get("/users/me/recordings", trash="true").json()["meetings"]
    assert [m["uuid"] for m in in_trash] == [trashed.uuid]
    assert all("deleted_time" in f for f in in_trash[0]["recording_files"])
    assert zoom.recordings(trashed.uuid).status_code == 404


def test_inactive_users_recordings_are_listed(zoom: Zoom) -> None:
    omar = zoom.emu.scenario.find("over_a_year")
    day = omar.start_time.date()
    window = {"from": str(day - timedelta(days=3)), "to": str(day + timedelta(days=3))}
    body = zoom.get("/users/omar.haddad@example.com/recordings", **window).json()
    assert [m["uuid"] for m in body["meetings"]] == [omar.uuid]


def test_account_listing_spans_users(zoom: Zoom) -> None:
    scenario = zoom.emu.scenario
    body = zoom.get("/accounts/me/recordings", **_window(scenario, 0)).json()
    hosts = {m["host_id"] for m in body["meetings"]}
    assert len(hosts) >= 4
    assert all("host_email" in m for m in body["meetings"])
    assert zoom.get("/accounts/elsewhere/recordings").status_code == 400


def test_page_size_is_capped_at_300() -> None:
    scenario = Scenario.generate(700, n_users=1, seed=3, end=date(2025, 1, 31),
                                 start=date(2025, 1, 2))
    with Emulator(scenario) as emu:
        zoom = Zoom(emu)
        window = {"from": "2025-01-01", "to": "2025-01-31"}
        first = zoom.get("/accounts/me/recordings", page_size=1000, **window).json()
        assert len(first["meetings"]) == 300 and first["page_size"] == 300
        uuids = [m["uuid"] for m in first["meetings"]]
        token = first["next_page_token"]
        while token:
            page = zoom.get("/accounts/me/recordings", next_page_token=token, page_size=300).json()
            uuids += [m["uuid"] for m in page["meetings"]]
            token = page["next_page_token"]
        assert len(uuids) == len(set(uuids)) == 700


def test_page_token_expires_after_15_minutes() -> None:
    clock = ManualClock()
    scenario = Scenario.builtin(date(2025, 3, 15))
    with Emulator(scenario, clock=clock) as emu:
        zoom = Zoom(emu)
        window = {"from": "2025-02-15", "to": "2025-03-15"}
        first = zoom.get("/users/me/recordings", page_size=2, **window).json()
        token = first["next_page_token"]
        clock.advance(14 * 60)
        assert zoom.get("/users/me/recordings", next_page_token=token).status_code == 200
        clock.advance(61)
        expired = zoom.get("/users/me/recordings", next_page_token=token)
        assert expired.status_code == 400
        assert expired.json() == {
            "code": 300, "message": "The next page token is invalid or expired.",
        }
        assert zoom.get("/users/me/recordings", next_page_token="made-up").status_code == 400


def test_recording_file_fields(zoom: Zoom) -> None:
    body = zoom.recordings(zoom.emu.scenario.find("english").uuid).json()
    m4a = next(f for f in body["recording_files"] if f["file_type"] == "M4A")
    assert m4a["recording_type"] == "audio_only" and m4a["file_extension"] == "M4A"
    assert m4a["status"] == "completed" and m4a["meeting_id"] == body["uuid"]
    assert m4a["download_url"].startswith(zoom.emu.base_url + "/zoom/rec/download/")
    assert body["total_size"] == sum(f["file_size"] for f in body["recording_files"])
    timeline = next(f for f in body["recording_files"] if f["file_type"] == "TIMELINE")
    assert "play_url" not in timeline and timeline["file_extension"] == "JSON"


def test_double_encoded_uuids_work_for_every_uuid(zoom: Zoom) -> None:
    for tag in ("uuid_leading_slash", "uuid_double_slash", "english"):
        uuid = zoom.emu.scenario.find(tag).uuid
        response = zoom.get(f"/meetings/{double_encode(uuid)}/recordings")
        assert response.status_code == 200, tag
        assert response.json()["uuid"] == uuid


def test_single_encoding_works_for_a_single_inner_slash(zoom: Zoom) -> None:
    uuid = next(m.uuid for m in zoom.emu.scenario.meetings
                if "/" in m.uuid and not m.uuid.startswith("/") and "//" not in m.uuid)
    response = zoom.get(f"/meetings/{quote(uuid, safe='')}/recordings")
    assert response.status_code == 200 and response.json()["uuid"] == uuid


def test_single_encoding_fails_for_leading_or_double_slash(zoom: Zoom) -> None:
    plain = zoom.emu.scenario.find("english").uuid
    assert zoom.get(f"/meetings/{quote(plain, safe='')}/recordings").status_code == 200
    for tag in ("uuid_leading_slash", "uuid_double_slash"):
        uuid = zoom.emu.scenario.find(tag).uuid
        response = zoom.get(f"/meetings/{quote(uuid, safe='')}/recordings")
        assert response.status_code == 404
        assert response.json() == {"code": 3301, "message": "This recording does not exist."}


def test_raw_uuid_with_slash_is_404(zoom: Zoom) -> None:
    for tag in ("uuid_leading_slash", "uuid_double_slash"):
        uuid = zoom.emu.scenario.find(tag).uuid
        assert zoom.get(f"/meetings/{uuid}/recordings").status_code == 404


def test_numeric_id_gives_the_latest_instance(zoom: Zoom) -> None:
    latest = zoom.emu.scenario.find("recurring")
    body = zoom.get(f"/meetings/{latest.id}/recordings").json()
    assert body["uuid"] == latest.uuid and body["id"] == latest.id


def test_unrecorded_instance_and_unknown_meeting_are_3301(zoom: Zoom) -> None:
    unrecorded = zoom.emu.scenario.find("recurring_unrecorded")
    assert zoom.recordings(unrecorded.uuid).json()["code"] == 3301
    assert zoom.get("/meetings/12345678901/recordings").status_code == 404


def test_download_access_token_on_request(zoom: Zoom) -> None:
    uuid = zoom.emu.scenario.find("english").uuid
    assert "download_access_token" not in zoom.recordings(uuid).json()
    body = zoom.recordings(uuid, include_fields="download_access_token", ttl=600).json()
    assert body["download_access_token"].count(".") == 2
    bad = zoom.recordings(uuid, include_fields="download_access_token", ttl=604801)
    assert bad.status_code == 400 and bad.json()["code"] == 300


def test_participant_audio_files_only_where_enabled(zoom: Zoom) -> None:
    scenario = zoom.emu.scenario
    body = zoom.recordings(scenario.find("participant_audio").uuid).json()
    files = body["participant_audio_files"]
    assert len(files) == 3 and all(f["file_name"].startswith("Audio only - ") for f in files)
    assert body["recording_count"] == len(body["recording_files"]) + 3
    assert "participant_audio_files" not in zoom.recordings(scenario.find("english").uuid).json()


def test_processing_files_complete_after_the_configured_delay() -> None:
    clock = ManualClock()
    with Emulator(clock=clock) as emu:
        zoom = Zoom(emu)
        meeting = emu.scenario.find("processing")
        statuses = {f["status"] for f in zoom.recordings(meeting.uuid).json()["recording_files"]
                    if f["file_type"] in ("M4A", "MP4")}
        assert statuses == {"processing"}
        clock.advance(emu.scenario.processing_ready_after)
        files = zoom.recordings(meeting.uuid).json()["recording_files"]
        assert {f["status"] for f in files} == {"completed"}
        assert all(f["file_size"] > 0 for f in files)


def test_past_instances_of_a_recurring_meeting(zoom: Zoom) -> None:
    scenario = zoom.emu.scenario
    meeting = scenario.find("recurring")
    body = zoom.get(f"/past_meetings/{meeting.id}/instances").json()
    assert [m["uuid"] for m in body["meetings"]] == [m.uuid for m in scenario.instances(meeting.id)]
    assert len(body["meetings"]) == 5
    unknown = zoom.get("/past_meetings/12345678901/instances")
    assert unknown.status_code == 404
    assert unknown.json() == {"code": 3001, "message": "Meeting does not exist: 12345678901."}
