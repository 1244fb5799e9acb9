"""Zoom's Server-to-Server OAuth endpoint and the REST API routes under ``/v2`` (served both at
the root and under ``/zoom``)."""

from __future__ import annotations

import base64
import calendar
import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .scenario import Meeting, User
from .zoom_common import (
    NO_RECORDING,
    authorize,
    emu,
    meeting_json,
    path_id,
    zoom_error,
    zoom_prefix,
)
from .zoom_paging import page_of, paging

SCOPE_USERS = "user:read:list_users:admin"
SCOPE_USER_RECORDINGS = "cloud_recording:read:list_user_recordings:admin"
SCOPE_ACCOUNT_RECORDINGS = "cloud_recording:read:list_account_recordings:admin"
SCOPE_MEETING_RECORDINGS = "cloud_recording:read:list_recording_files:admin"
SCOPE_INSTANCES = "meeting:read:list_past_instances:admin"
SCOPE_USER = "user:read:user:admin"
# What Zoom answers for a path under the API that it has no route for (zoom/rivet-javascript#12
# quotes it as "[404/2300]: This API endpoint is not recognized.").
# The 404 the specs document for /past_meetings/{meetingId} (code 3001).
UNKNOWN_ROUTE = (404, 2300, "This API endpoint is not recognized.")
DEFAULT_DOWNLOAD_TTL = 86_400
MAX_DOWNLOAD_TTL = 604_800


def _oauth_error(reason: str, error: str) -> JSONResponse:
    return JSONResponse({"reason": reason, "error": error}, status_code=400)


async def oauth_token(request: Request) -> Response:
    """``POST /oauth/token``: Basic client credentials, the grant in the form body (or query)."""
    st = emu(request)
    creds = st.credentials
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        client_id = secret = ""
    if scheme.lower() != "basic" or (client_id, secret) != (creds.client_id, creds.client_secret):
        return _oauth_error("Invalid client_id or client_secret", "invalid_client")
    body = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    # Zoom also takes the grant from the query string (its own Postman collection does so; PSZoom
    # and zoom-python-client rely on it); the form body wins when both are given.
    form = {**request.query_params, **body}
    grant = form.get("grant_type")
    if grant != "account_credentials":
        return _oauth_error("Unsupported grant type", "unsupported_grant_type")
    if form.get("account_id") != creds.account_id:
        return _oauth_error("Invalid account_id", "invalid_request")
    faults = st.faults.faults
    token, revoked = st.zoom_tokens.issue(
        creds.client_id, creds.account_id, st.granted_scopes, int(faults.token_lifetime),
        faults.invalidate_previous_tokens,
    )
    st.stats.token("issued")
    st.stats.token("revoked", revoked)
    return JSONResponse(
        {
            "access_token": token.token,
            "token_type": "bearer",
            "expires_in": int(faults.token_lifetime),
            "scope": " ".join(st.granted_scopes),
            "api_url": f"{st.base_url}{zoom_prefix(request)}",
        }
    )


def _user_json(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {} if user.status == "pending" else {"id": user.id}
    data.update(
        first_name=user.first_name, last_name=user.last_name, display_name=user.display_name,
        email=user.email, type=user.type, pmi=user.pmi, timezone=user.timezone, verified=1,
        dept=user.dept, user_created_at=user.created_at, created_at=user.created_at,
        last_login_time=user.last_login_time, last_client_version="6.2.5.40117(mac)",
        status=user.status, role_id="0" if user.type == 2 else "2",
    )
    return data


async def list_users(request: Request) -> Response:
    denied = authorize(request, SCOPE_USERS)
    if denied:
        return denied
    paged = paging(request, "users")
    if isinstance(paged, Response):
        return paged
    size, cursor = paged
    if cursor is None:
        status = request.query_params.get("status", "active") or "active"
        if status not in ("active", "inactive", "pending"):
            return zoom_error(400, 300, f"Invalid field: status ({status}).")
        cursor = {"status": status, "offset": 0}
    users = [u for u in emu(request).scenario.users if u.status == cursor["status"]]
    page, token = page_of(request, "users", users, size, cursor)
    return JSONResponse(
        {
            "page_count": math.ceil(len(users) / size),
            "page_number": 1,
            "page_size": size,
            "total_records": len(users),
            "next_page_token": token,
            "users": [_user_json(u) for u in page],
        }
    )


def _one_month_after(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _one_month_before(day: date) -> date:
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(raw: str) -> date:
    """A ``yyyy-mm-dd`` date, or the date part of a date-time (``2026-11-01T00:00:00Z``), which
    Zoom accepts too (see tests/emulator/spec_deviations.py)."""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return datetime.fromisoformat(raw).date()


def _window(request: Request) -> tuple[date, date] | Response:
    """``[from, to]`` of a listing. A range longer than one month is clamped the way Zoom does
    it: ``from`` moves to one month before ``to`` (200, the clamped ``from`` echoed), unless the
    ``strict_month_window`` fault knob asks for a 400."""
    st = emu(request)
    today = datetime.fromtimestamp(st.clock(), UTC).date()
    values: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = request.query_params.get(name) or ""
        try:
            values[name] = _day(raw) if raw else None
        except ValueError:
            return zoom_error(400, 300, f"Invalid field: '{name}' must be a yyyy-mm-dd date.")
    start, end = values["from"], values["to"]
    if start is None:
        start = today
        end = end or today + timedelta(days=1)
    end = end or max(start, today)
    if end < start:
        return zoom_error(400, 300, "The 'to' date cannot be earlier than the 'from' date.")
    if end > _one_month_after(start):
        if st.faults.faults.strict_month_window:
            return zoom_error(
                400, 300,
                f"The date range from {start} to {end} is longer than one month; request at "
                "most one month per call.",
            )
        start = _one_month_before(end)
    return start, end


def _at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


async def _recordings(request: Request, host: str | None, scope: str, account: bool) -> Response:
    denied = authorize(request, scope)
    if denied:
        return denied
    st = emu(request)
    paged = paging(request, "recordings")
    if isinstance(paged, Response):
        return paged
    size, cursor = paged
    if cursor is None:
        window = _window(request)
        if isinstance(window, Response):
            return window
        trash = request.query_params.get("trash", "false").lower() == "true"
        cursor = {"host": host, "from": str(window[0]), "to": str(window[1]), "trash": trash}
    start, end = date.fromisoformat(cursor["from"]), date.fromisoformat(cursor["to"])
    meetings: list[Meeting]
    if cursor["trash"]:
        meetings = st.scenario.trashed(cursor["host"])
    else:
        span = (_at_midnight(start), _at_midnight(end + timedelta(days=1)))
        meetings = st.scenario.listed(cursor["host"], *span)
    page, token = page_of(request, "recordings", meetings, size, cursor)
    prefix = zoom_prefix(request)
    items = [meeting_json(st, m, host_email=account, trash=cursor["trash"], prefix=prefix)
             for m in page]
    body: dict[str, Any] = {"from": str(start), "to": str(end)}
    if not account:
        body["page_count"] = math.ceil(len(meetings) / size)
    body["page_size"] = size
    if not account:
        body["total_records"] = len(meetings)
    body.update(next_page_token=token, meetings=items)
    return JSONResponse(body)


async def user_recordings(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    user = emu(request).scenario.user(user_id)
    if user is None:
        denied = authorize(request, SCOPE_USER_RECORDINGS)
        return denied or zoom_error(404, 1001, f"User does not exist: {user_id}.")
    return await _recordings(request, user.id, SCOPE_USER_RECORDINGS, account=False)


async def account_recordings(request: Request) -> Response:
    account_id = request.path_params["account_id"]
    if account_id not in ("me", emu(request).credentials.account_id):
        denied = authorize(request, SCOPE_ACCOUNT_RECORDINGS)
        message = f"This account does not exist or does not belong to you: {account_id}."
        return denied or zoom_error(400, 2001, message)
    return await _recordings(request, None, SCOPE_ACCOUNT_RECORDINGS, account=True)


def _ttl(request: Request) -> int | Response:
    raw = request.query_params.get("ttl")
    if raw is None or raw == "":
        return DEFAULT_DOWNLOAD_TTL
    try:
        ttl = int(raw)
    except ValueError:
        ttl = -1
    if not 0 <= ttl <= MAX_DOWNLOAD_TTL:
        return zoom_error(400, 300, f"Invalid field: ttl must be between 0 and {MAX_DOWNLOAD_TTL}.")
    return ttl


async def meeting_recordings(request: Request) -> Response:
    """Numeric ID: the latest recorded instance; UUID: that instance (double-encoded if needed)."""
    denied = authorize(request, SCOPE_MEETING_RECORDINGS)
    if denied:
        return denied
    st = emu(request)
    key = path_id(request, "meetings", "recordings")
    meeting: Meeting | None = None
    if key and key.isdigit():
        live = [m for m in st.scenario.instances(int(key)) if m.recorded and not m.trashed]
        meeting = live[-1] if live else None
    elif key:
        meeting = st.scenario.meeting_by_uuid(key)
    if meeting is None or not meeting.recorded or meeting.trashed:
        return zoom_error(404, 3301, NO_RECORDING)
    body = meeting_json(st, meeting, detail=True, prefix=zoom_prefix(request))
    fields = request.query_params.get("include_fields", "").split(",")
    if "download_access_token" in fields:
        ttl = _ttl(request)
        if isinstance(ttl, Response):
            return ttl
        now = int(st.clock())
        claims = {
            "aud": "WebRecDownload", "iss": "EmulatorRecDownload", "mid": meeting.uuid,
            "accountId": st.credentials.account_id, "userId": meeting.host_id,
            "iat": now, "exp": now + ttl, "lifetime_seconds": ttl,
        }  # fmt: skip
        body["download_access_token"] = st.signer.jwt(claims)
    return JSONResponse(body)


async def past_instances(request: Request) -> Response:
    denied = authorize(request, SCOPE_INSTANCES)
    if denied:
        return denied
    scenario = emu(request).scenario
    key = path_id(request, "past_meetings", "instances") or ""
    instances: list[Meeting] = []
    if key.isdigit():
        instances = scenario.instances(int(key))
    elif key and (hit := scenario.meeting_by_uuid(key)) is not None:
        instances = scenario.instances(hit.id)
    if not instances:
        return zoom_error(404, 3001, f"Meeting does not exist: {key}.")
    return JSONResponse(
        {"meetings": [{"uuid": m.uuid, "start_time": m.start_time.strftime("%Y-%m-%dT%H:%M:%SZ")}
                      for m in instances]}
    )


# -- users, meetings, past meetings ------------------------------------------------------------


async def get_user(request: Request) -> Response:
    """``GET /users/{userId}``: an id, an email, or ``me`` (the account owner)."""
    denied = authorize(request, SCOPE_USER)
    if denied:
        return denied
    st = emu(request)
    user_id = request.path_params["user_id"]
    user = st.scenario.user(user_id)
    if user is None:
        return zoom_error(404, 1001, f"User does not exist: {user_id}.")
    data = _user_json(user)
    data.update(
        account_id=st.credentials.account_id,
        role_name="Owner" if user.id == st.scenario.owner_id else "Member",
        use_pmi=False, language="en-US", phone_number="", login_types=[100],
        personal_meeting_url=f"{st.base_url}{zoom_prefix(request)}/j/{user.pmi}",
    )
    return JSONResponse(data)


async def unknown_route(request: Request) -> Response:
    """Any other path under the API: Zoom checks the token, then says it knows no such route."""
    denied = authorize(request, None)
    if denied:
        return denied
    return zoom_error(*UNKNOWN_ROUTE)
