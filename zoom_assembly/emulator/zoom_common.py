"""Helpers shared by the Zoom routes: errors, Bearer authorization, JSON shapes of meetings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .scenario import Meeting, RecordingFile
from .state import EmulatorState

INVALID_TOKEN = "Invalid access token."
EXPIRED_TOKEN = "Access token is expired."
NO_RECORDING = "This recording does not exist."


def emu(request: Request) -> EmulatorState:
    return cast(EmulatorState, request.app.state.emu)


def zoom_prefix(request: Request) -> str:
    """``/zoom`` when the request came through the prefixed layout, ``""`` at the root: the URLs
    an answer hands out (downloads, share links) stay in the layout the client is using."""
    return "/zoom" if request.url.path.startswith("/zoom/") else ""


def zoom_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def missing_scope(scope: str) -> JSONResponse:
    return zoom_error(400, 4711, f"Invalid access token, does not contain scopes:[{scope}].")


def authorize(request: Request, scope: str | None) -> Response | None:
    """None when the request carries a live Bearer token with ``scope`` (any live token when
    ``scope`` is None), else Zoom's error."""
    st = emu(request)
    if "access_token" in request.query_params:
        return zoom_error(401, 124, INVALID_TOKEN)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return zoom_error(401, 124, INVALID_TOKEN)
    status, record = st.zoom_tokens.check(token.strip())
    if record is None:
        return zoom_error(401, 124, EXPIRED_TOKEN if status == "expired" else INVALID_TOKEN)
    if scope is not None and scope not in record.scopes:
        return missing_scope(scope)
    return None


def path_id(request: Request, before: str, after: str | None) -> str | None:
    """The meeting ID/UUID path segment, decoded the way Zoom decodes it.

    Zoom percent-decodes a segment twice. From the raw path: one segment exactly (a raw ``/``
    splits it: 404), decoded once; a leading ``/`` or a ``//`` now means a UUID Zoom documents
    as needing double encoding was single-encoded: 404 (a single inner ``/`` is fine, as Zoom's
    docs say); a remaining ``%`` means it was double-encoded: decode again. ``after`` None: the
    ID is the last segment.
    """
    raw = cast(bytes, request.scope.get("raw_path") or request.url.path.encode())
    parts = raw.split(b"/")
    try:
        i = parts.index(before.encode())
    except ValueError:
        return None
    tail = [] if after is None else [after.encode()]
    if len(parts) < i + 2 or parts[i + 2 :] != tail or not parts[i + 1]:
        return None
    once = unquote(parts[i + 1].decode("latin-1"))
    if once.startswith("/") or "//" in once:
        return None
    return unquote(once) if "%" in once else once


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def file_json(
    st: EmulatorState, meeting: Meeting, f: RecordingFile, *, trash: bool = False,
    prefix: str = "/zoom",
) -> dict[str, Any]:
    base = st.base_url + prefix
    token = st.signer.file_token(f.id)
    processing = f.processing and not st.processing_done()
    data: dict[str, Any] = {"id": f.id}
    if not f.file_name:
        data["meeting_id"] = meeting.uuid
    start, end = meeting.start_time, meeting.end_time
    if f.span_ms is not None:  # one segment of a paused and resumed recording
        start, end = (meeting.start_time + timedelta(milliseconds=ms) for ms in f.span_ms)
    data.update(recording_start=iso(start), recording_end=iso(end))
    if f.file_name:
        data["file_name"] = f.file_name
    data.update(
        file_type=f.file_type,
        file_extension=f.file_extension,
        file_size=0 if processing else st.scenario.file_size(f, meeting),
    )
    if f.file_type != "TIMELINE":
        data["play_url"] = f"{base}/rec/play/{token}"
    data["download_url"] = f"{base}/rec/download/{token}"
    data["status"] = "processing" if processing else "completed"
    if not f.file_name:
        data["recording_type"] = f.recording_type
    if trash:
        data["deleted_time"] = iso(meeting.end_time + timedelta(days=1))
    return data


def meeting_json(
    st: EmulatorState, meeting: Meeting, *, detail: bool = False, host_email: bool = False,
    trash: bool = False, prefix: str = "/zoom",
) -> dict[str, Any]:
    files = [file_json(st, meeting, f, trash=trash, prefix=prefix) for f in meeting.files
             if not f.late or st.processing_done()]
    participants = [file_json(st, meeting, f, prefix=prefix) for f in meeting.participant_files]
    data: dict[str, Any] = {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "account_id": st.credentials.account_id,
        "host_id": meeting.host_id,
    }
    host = st.scenario.user(meeting.host_id)
    if host_email and host is not None:
        data["host_email"] = host.email
    data.update(
        topic=meeting.topic,
        type=meeting.type,
        start_time=iso(meeting.start_time),
        timezone=meeting.timezone,
        duration=max(1, round(meeting.duration_s / 60)),
        total_size=sum(f["file_size"] for f in files + participants),
        recording_count=len(files) + len(participants),
        share_url=f"{st.base_url}{prefix}/rec/share/{st.signer.sign('share:' + meeting.uuid, 48)}",
        recording_files=files,
    )
    if detail:
        data["password"] = meeting.password
        if participants:
            data["participant_audio_files"] = participants
    data["recording_play_passcode"] = meeting.passcode
    return data
