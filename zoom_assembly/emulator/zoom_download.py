"""Recording downloads: ``/zoom/rec/download/<file token>`` authorizes and redirects to a signed
storage URL, ``/zoom/storage/<file token>`` streams the bytes (ranges supported). The same routes
answer at the root (``/rec/download/...``), Zoom's own layout.

A bad or expired token is answered like Zoom does: HTTP 200 with an HTML page.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from .audio import iter_media
from .scenario import Meeting, RecordingFile
from .state import EmulatorState
from .tokens import STORAGE_URL_LIFETIME
from .zoom_common import emu, missing_scope, zoom_error, zoom_prefix
from .zoom_files import NO_PERMISSION_HTML, content_type

SCOPE_DOWNLOAD = "cloud_recording:read:recording:admin"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def _no_permission() -> HTMLResponse:
    return HTMLResponse(NO_PERMISSION_HTML, status_code=200)


def _authorize(st: EmulatorState, request: Request, meeting: Meeting | None) -> Response | None:
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    token = bearer.strip() if scheme.lower() == "bearer" else ""
    from_query = not token
    token = token or request.query_params.get("access_token", "")
    if not token:
        return _no_permission()
    _, record = st.zoom_tokens.check(token)
    if record is not None:
        return None if SCOPE_DOWNLOAD in record.scopes else missing_scope(SCOPE_DOWNLOAD)
    if from_query and meeting is not None:
        claims = st.signer.verify_jwt(token)
        if (
            claims is not None
            and claims.get("aud") == "WebRecDownload"
            and claims.get("mid") == meeting.uuid
            and st.clock() < float(claims.get("exp", 0))
        ):
            return None
    return _no_permission()


async def download(request: Request) -> Response:
    st = emu(request)
    file_token = request.path_params["file_token"]
    file_id = st.signer.file_from_token(file_token)
    hit = st.scenario.file(file_id) if file_id else None
    denied = _authorize(st, request, hit[0] if hit else None)
    if denied:
        return denied
    if hit is None or hit[0].trashed:
        return zoom_error(404, 3301, "This recording does not exist.")
    if hit[1].processing and not st.processing_done():
        return zoom_error(404, 3301, "This recording is still being processed.")
    expires = int(st.clock()) + STORAGE_URL_LIFETIME
    query = st.signer.storage_query(file_token, expires)
    location = f"{st.base_url}{zoom_prefix(request)}/storage/{file_token}?{query}"
    return RedirectResponse(location, status_code=302)


def _denied_xml() -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        "<Message>Access denied</Message></Error>"
    )
    return Response(body, status_code=403, media_type="text/xml")


def _filename(meeting: Meeting, f: RecordingFile) -> str:
    stamp = meeting.start_time.strftime("GMT%Y%m%d-%H%M%S")
    if f.file_name:
        ext = f".{f.file_extension.lower()}"
        name = f.file_name.removesuffix(ext).removesuffix(ext.upper())
        return f"{stamp}_{name.replace(' ', '_')}{ext}"
    return f"{stamp}_Recording_{f.recording_type}.{f.file_extension.lower()}"


def _disposition(filename: str) -> str:
    """An ASCII ``filename`` and, for names in other scripts, RFC 6266's UTF-8 ``filename*``
    (HTTP headers are Latin-1: a participant named in Japanese must not break the download)."""
    plain = filename.encode("ascii", "replace").decode().replace('"', "_")
    if plain == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


def _chunks(st: EmulatorState, meeting: Meeting, f: RecordingFile, start: int, end: int,
            size: int) -> Iterator[bytes]:
    if f.is_media:
        return iter_media(f.id, f.file_type, size, start, end)
    return iter([st.scenario.text_content(f.id)[start:end]])


async def storage(request: Request) -> Response:
    st = emu(request)
    file_token = request.path_params["file_token"]
    query = request.query_params
    try:
        expires = int(query.get("Expires", ""))
    except ValueError:
        return _denied_xml()
    signature = query.get("Signature", "")
    if not st.signer.check(f"{file_token}:{expires}", signature) or st.clock() >= expires:
        return _denied_xml()
    file_id = st.signer.file_from_token(file_token)
    hit = st.scenario.file(file_id) if file_id else None
    if hit is None:
        return _denied_xml()
    meeting, f = hit
    size = st.scenario.file_size(f, meeting)
    start, end, status = 0, size, 200
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": _disposition(_filename(meeting, f)),
        "ETag": f'"{st.signer.sign("etag:" + f.id, 32)}"',
    }
    wanted = request.headers.get("range")
    if wanted:
        match = _RANGE.match(wanted.strip())
        first, last = (match.group(1), match.group(2)) if match else ("", "")
        if not match or (first == "" and last == ""):
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        if first == "":
            start = max(0, size - int(last))
        else:
            start, end = int(first), min(size, int(last) + 1) if last else size
        if start >= size or start >= end:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=content_type(f))

    async def body() -> AsyncIterator[bytes]:
        # Counted as they go: a dropped connection leaves this generator suspended, not closed.
        st.stats.download(f.id)
        for chunk in _chunks(st, meeting, f, start, end, size):
            st.stats.download_bytes(len(chunk))
            yield chunk
            # Let the loop notice a client that went away (writes to a dead socket never block).
            await asyncio.sleep(0)

    return StreamingResponse(body(), status_code=status, headers=headers,
                             media_type=content_type(f))
