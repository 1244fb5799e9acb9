"""AssemblyAI's REST API under ``/assemblyai/v2`` (``Authorization: <API key>``, no Bearer)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from .assembly_validation import validate_transcript_request
from .audio import SNIFF_BYTES, read_marker
from .jobs import Job, Upload
from .state import EmulatorState
from .transcripts import (
    deleted_json,
    list_item,
    paragraphs_json,
    sentences_json,
    subtitles,
    transcript_json,
)  # fmt: skip

AUTH_ERROR = "Authentication error, API token missing/invalid"
NOT_FOUND = "Transcript not found"
STATUSES = ("queued", "processing", "completed", "error")


def _emu(request: Request) -> EmulatorState:
    return cast(EmulatorState, request.app.state.emu)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _api_key(request: Request) -> str | None:
    key = request.headers.get("authorization", "").strip()
    return key if key and key in _emu(request).credentials.api_keys() else None


def _job(request: Request, key: str) -> Job | None:
    job = _emu(request).jobs.jobs.get(request.path_params["transcript_id"])
    return job if job is not None and job.api_key == key else None


def _file_named(st: EmulatorState, url: str) -> str:
    """The recording file an audio_url points at (for submission stats), else the bare URL."""
    for download in (f"{st.base_url}/zoom/rec/download/", f"{st.base_url}/rec/download/"):
        if url.startswith(download):
            file_id = st.signer.file_from_token(url[len(download) :].split("?")[0])
            if file_id:
                return file_id
    if url.startswith(st.upload_prefix):
        upload = st.jobs.uploads.get(url[len(st.upload_prefix) :].split("?")[0])
        marker = read_marker(upload.head) if upload else None
        if marker:
            return marker
    return url.split("?")[0]


async def create_transcript(request: Request) -> Response:
    key = _api_key(request)
    if key is None:
        return _error(401, AUTH_ERROR)
    st = _emu(request)
    try:
        body: Any = json.loads(await request.body() or b"null")
    except ValueError:
        return _error(400, "Request body is not valid JSON.")
    problem = validate_transcript_request(body, st.settings)
    if problem:
        return _error(400, problem)
    url = str(body["audio_url"])
    if url.startswith(st.upload_prefix):
        upload = st.jobs.uploads.get(url[len(st.upload_prefix) :].split("?")[0])
        if upload is not None and upload.api_key != key:
            return _error(403, "Cannot access uploaded file")
    file_key = _file_named(st, url)
    st.stats.submission(file_key)
    job = st.jobs.new_job(key, body, file_key if st.scenario.file(file_key) else None)
    job.server_error = bool(request.scope.get("emulator.job_server_error"))
    return JSONResponse(transcript_json(job))


async def get_transcript(request: Request) -> Response:
    key = _api_key(request)
    if key is None:
        return _error(401, AUTH_ERROR)
    job = _job(request, key)
    if job is None:
        return _error(404, NOT_FOUND)
    if job.deleted:
        return JSONResponse(deleted_json(job))
    # An hour of words is ~2 MB of JSON: orjson renders it ~5x faster than JSONResponse's
    # json.dumps (same compact form and values), which keeps this loop free for the jobs' own
    # timers and audio fetches (benchmarks with speech otherwise measure the emulator).
    return Response(_json_bytes(transcript_json(job)), media_type="application/json")


def _json_bytes(body: Any) -> bytes:
    try:
        return orjson.dumps(body)
    except (orjson.JSONEncodeError, TypeError):  # what orjson refuses, the standard way
        return json.dumps(body, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")


async def delete_transcript(request: Request) -> Response:
    key = _api_key(request)
    if key is None:
        return _error(401, AUTH_ERROR)
    job = _job(request, key)
    if job is None:
        return _error(404, NOT_FOUND)
    if job.status in ("queued", "processing"):
        return _error(400, "Transcript is still being processed; delete it once it is done.")
    job.deleted, job.words = True, None
    return JSONResponse(deleted_json(job))


def _completed_job(request: Request) -> Job | Response:
    key = _api_key(request)
    if key is None:
        return _error(401, AUTH_ERROR)
    job = _job(request, key)
    if job is None or job.deleted:
        return _error(404, NOT_FOUND)
    if job.status != "completed":
        return _error(400, f"Transcript is not completed (status: {job.status}).")
    return job


async def sentences(request: Request) -> Response:
    job = _completed_job(request)
    return job if isinstance(job, Response) else JSONResponse(sentences_json(job))


async def paragraphs(request: Request) -> Response:
    job = _completed_job(request)
    return job if isinstance(job, Response) else JSONResponse(paragraphs_json(job))


async def subtitle(request: Request) -> Response:
    fmt = request.path_params["subtitle_format"]
    if fmt not in ("srt", "vtt"):
        return _error(404, "Not found")
    job = _completed_job(request)
    if isinstance(job, Response):
        return job
    raw = request.query_params.get("chars_per_caption")
    try:
        chars = int(raw) if raw else None
    except ValueError:
        return _error(400, "chars_per_caption must be an Integer")
    return PlainTextResponse(subtitles(job, fmt, chars))


async def word_search(request: Request) -> Response:
    job = _completed_job(request)
    if isinstance(job, Response):
        return job
    wanted = [w.strip() for w in request.query_params.get("words", "").split(",") if w.strip()]
    words = job.words or []
    plain = [re.sub(r"[^\w'-]", "", w.text).lower() for w in words]
    matches = []
    for term in wanted:
        indexes = [i for i, text in enumerate(plain) if text == term.lower()]
        timestamps = [[words[i].start, words[i].end] for i in indexes]
        matches.append({"text": term, "count": len(indexes), "timestamps": timestamps,
                        "indexes": indexes})
    total = sum(m["count"] for m in matches)  # type: ignore[misc]
    return JSONResponse({"id": job.id, "total_count": total, "matches": matches})


async def list_transcripts(request: Request) -> Response:
    key = _api_key(request)
    if key is None:
        return _error(401, AUTH_ERROR)
    st = _emu(request)
    q = request.query_params
    try:
        limit = int(q.get("limit") or 10)
    except ValueError:
        return _error(400, "limit must be an Integer")
    if not 1 <= limit <= 200:
        return _error(400, "limit must be between 1 and 200")
    status = q.get("status")
    if status and status not in STATUSES:
        return _error(400, f"status must be one of {', '.join(STATUSES)}")
    jobs = [j for j in st.jobs.order if j.api_key == key]
    positions = {j.id: n for n, j in enumerate(jobs)}
    before, after = q.get("before_id"), q.get("after_id")
    for name, value in (("before_id", before), ("after_id", after)):
        if value and value not in positions:
            return _error(400, f"{name} {value} is not a transcript of this account")
    if before and after and positions[after] >= positions[before]:
        return _error(400, "'after_id' must be a newer transcript than 'before_id'")
    selected = [
        j for j in jobs
        if (not status or j.status == status)
        and (not before or positions[j.id] < positions[before])
        and (not after or positions[j.id] > positions[after])
        and (not q.get("created_on") or _day(j.created) == q.get("created_on"))
    ]  # fmt: skip
    page = selected[:limit] if after and not before else selected[-limit:]
    page.reverse()
    base = f"{st.base_url}/assemblyai"
    extra = {"status": status} if status else {}
    prev_url = next_url = None
    if page:
        older = urlencode({"limit": limit, **extra, "before_id": page[-1].id})
        newer = urlencode({"limit": limit, **extra, "after_id": page[0].id})
        prev_url, next_url = f"{base}/v2/transcript?{older}", f"{base}/v2/transcript?{newer}"
    details: dict[str, Any] = {
        "limit": limit, "result_count": len(page), "current_url": str(request.url),
        "prev_url": prev_url, "next_url": next_url,
    }  # fmt: skip
    return JSONResponse(
        {"page_details": details, "transcripts": [list_item(j, base) for j in page]}
    )


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).date().isoformat()


async def upload(request: Request) -> Response:
    """Streams the body (any size) without keeping it: only its first bytes and its length."""
    key = _api_key(request)
    if key is None:
        return _error(401, AUTH_ERROR)
    st = _emu(request)
    head, size = bytearray(), 0
    async for chunk in request.stream():
        size += len(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
    if size == 0:
        return _error(400, "Upload failed: the request body is empty.")
    upload_id = str(uuid.uuid4())
    st.jobs.uploads[upload_id] = Upload(upload_id, key, size, bytes(head))
    st.stats.upload(size)
    return JSONResponse({"upload_url": f"{st.upload_prefix}{upload_id}"})
