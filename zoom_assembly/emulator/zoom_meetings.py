"""Zoom's meeting and past-meeting routes: ``GET /meetings/{meetingId}``,
``GET /past_meetings/{meetingUUID}`` and its paged ``/participants`` (the scripted speakers)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .scenario import Meeting, User
from .zoom_common import authorize, emu, iso, path_id, zoom_error, zoom_prefix
from .zoom_paging import page_of, paging

SCOPE_MEETING = "meeting:read:meeting:admin"
SCOPE_PAST_MEETING = "meeting:read:past_meeting:admin"
SCOPE_PARTICIPANTS = "meeting:read:list_past_participants:admin"
PAST_MEETING_MISSING = "This meeting is not available or the meeting ID is invalid."


def _latest(st_meetings: list[Meeting]) -> Meeting | None:
    return st_meetings[-1] if st_meetings else None


async def get_meeting(request: Request) -> Response:
    """``GET /meetings/{meetingId}``: the meeting (its latest instance) by numeric ID."""
    denied = authorize(request, SCOPE_MEETING)
    if denied:
        return denied
    st = emu(request)
    key = request.path_params["meeting_id"]
    meeting = _latest(st.scenario.instances(int(key))) if key.isdigit() else None
    if meeting is None:
        return zoom_error(404, 3001, f"Meeting does not exist: {key}.")
    host = st.scenario.user(meeting.host_id)
    prefix = f"{st.base_url}{zoom_prefix(request)}"
    data: dict[str, Any] = {
        "uuid": meeting.uuid, "id": meeting.id, "host_id": meeting.host_id,
        "host_email": host.email if host else "", "topic": meeting.topic, "type": meeting.type,
        "status": "waiting", "start_time": iso(meeting.start_time),
        "duration": max(1, round(meeting.duration_s / 60)), "timezone": meeting.timezone,
        "agenda": "", "created_at": iso(meeting.start_time - timedelta(days=1)),
        "join_url": f"{prefix}/j/{meeting.id}", "password": meeting.password,
        "pre_schedule": False,
        "settings": {"host_video": False, "participant_video": False, "join_before_host": False,
                     "mute_upon_entry": False, "auto_recording": "cloud",
                     "waiting_room": True, "meeting_authentication": False},
    }  # fmt: skip
    if meeting.type == 8:
        data["recurrence"] = {"type": 2, "repeat_interval": 1,
                              "weekly_days": str(meeting.start_time.isoweekday() % 7 + 1)}
    return JSONResponse(data)


def _past_instance(request: Request, after: str | None) -> Meeting | None:
    """The instance a ``/past_meetings/{meetingUUID}`` path names: a UUID (double-encoded when it
    starts with ``/`` or holds ``//``, as for recordings) or a numeric ID (its latest instance)."""
    scenario = emu(request).scenario
    key = path_id(request, "past_meetings", after)
    if not key:
        return None
    if key.isdigit():
        return _latest(scenario.instances(int(key)))
    return scenario.meeting_by_uuid(key)


def _participant_minutes(meeting: Meeting) -> int:
    return max(1, round(meeting.duration_s / 60))


async def past_meeting(request: Request) -> Response:
    """``GET /past_meetings/{meetingUUID}``: details of one ended instance."""
    denied = authorize(request, SCOPE_PAST_MEETING)
    if denied:
        return denied
    st = emu(request)
    meeting = _past_instance(request, None)
    if meeting is None:
        return zoom_error(404, 3001, PAST_MEETING_MISSING)
    host = st.scenario.user(meeting.host_id)
    minutes = _participant_minutes(meeting)
    return JSONResponse(
        {
            "id": meeting.id, "uuid": meeting.uuid, "host_id": meeting.host_id,
            "type": meeting.type, "topic": meeting.topic,
            "user_name": host.display_name if host else "",
            "user_email": host.email if host else "", "dept": host.dept if host else "",
            "start_time": iso(meeting.start_time), "end_time": iso(meeting.end_time),
            "duration": minutes, "total_minutes": minutes * len(meeting.speakers),
            "participants_count": len(meeting.speakers), "source": "Zoom",
        }
    )  # fmt: skip


def _participants(st_users: dict[str, User], meeting: Meeting) -> list[dict[str, Any]]:
    """One participant per scripted speaker, named exactly as the script names them (non-Latin
    names included). A speaker who is a user of the account (same display name) carries that
    user's id and email; a guest has neither, as in Zoom."""
    result = []
    for n, name in enumerate(meeting.speakers):
        user = st_users.get(name)
        result.append({
            "id": user.id if user else "",
            "name": name,
            "user_id": str(16778240 + 1024 * n),
            "user_email": user.email if user else "",
            "join_time": iso(meeting.start_time),
            "leave_time": iso(meeting.end_time),
            "duration": meeting.duration_s,
            "failover": False,
            "status": "in_meeting",
            "internal_user": user is not None,
        })  # fmt: skip
    return result


async def past_participants(request: Request) -> Response:
    """``GET /past_meetings/{meetingUUID}/participants``, paged (``page_size`` <= 300)."""
    denied = authorize(request, SCOPE_PARTICIPANTS)
    if denied:
        return denied
    st = emu(request)
    paged = paging(request, "participants")
    if isinstance(paged, Response):
        return paged
    size, cursor = paged
    if cursor is None:
        meeting = _past_instance(request, "participants")
        if meeting is None:
            return zoom_error(404, 3001, PAST_MEETING_MISSING)
        cursor = {"uuid": meeting.uuid, "offset": 0}
    found = st.scenario.meeting_by_uuid(cursor["uuid"])
    assert found is not None  # a cursor only ever names a meeting of this scenario
    users = {u.display_name: u for u in st.scenario.users}
    everyone = _participants(users, found)
    page, token = page_of(request, "participants", everyone, size, cursor)
    return JSONResponse(
        {
            "page_count": math.ceil(len(everyone) / size),
            "page_size": size,
            "total_records": len(everyone),
            "next_page_token": token,
            "participants": page,
        }
    )
