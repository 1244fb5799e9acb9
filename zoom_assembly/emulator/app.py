"""The one ASGI app: Zoom + AssemblyAI routes, the fault/stats middleware, control endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import assembly_api as aai
from . import zoom_api, zoom_download, zoom_meetings
from .faults import Plan
from .state import EmulatorState
from .zoom_common import iso
from .zoom_files import NO_PERMISSION_HTML


def _zoom_routes(prefix: str) -> list[Route]:
    """Zoom's routes under ``prefix``: ``/zoom`` (what ``Emulator.env()`` hands out) or the root,
    Zoom's own layout (``/oauth/token``, ``/v2/...``, ``/rec/download/...``), so that a client that
    derives the token URL from the API host finds it. Answers are the same under both."""
    v2 = f"{prefix}/v2"
    return [
        Route(f"{prefix}/oauth/token", zoom_api.oauth_token, methods=["POST"]),
        Route(f"{v2}/users", zoom_api.list_users),
        Route(f"{v2}/users/{{user_id}}", zoom_api.get_user),
        Route(f"{v2}/users/{{user_id}}/recordings", zoom_api.user_recordings),
        Route(f"{v2}/accounts/{{account_id}}/recordings", zoom_api.account_recordings),
        Route(f"{v2}/meetings/{{meeting_id:path}}/recordings", zoom_api.meeting_recordings),
        Route(f"{v2}/meetings/{{meeting_id}}", zoom_meetings.get_meeting),
        Route(f"{v2}/past_meetings/{{meeting_id:path}}/instances", zoom_api.past_instances),
        Route(f"{v2}/past_meetings/{{meeting_id:path}}/participants",
              zoom_meetings.past_participants),
        Route(f"{v2}/past_meetings/{{meeting_id:path}}", zoom_meetings.past_meeting),
        # Everything else under the API answers like Zoom does for a route it does not know.
        Route(f"{v2}/{{rest:path}}", zoom_api.unknown_route,
              methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route(f"{prefix}/rec/download/{{file_token}}", zoom_download.download),
        # What webhook payloads link to; the same authorization (the event's download_token).
        Route(f"{prefix}/rec/webhook_download/{{file_token}}", zoom_download.download),
        Route(f"{prefix}/storage/{{file_token}}", zoom_download.storage),
    ]


ROUTES = [
    *_zoom_routes("/zoom"),
    *_zoom_routes(""),
    Route("/assemblyai/v2/upload", aai.upload, methods=["POST"]),
    Route("/assemblyai/v2/transcript", aai.create_transcript, methods=["POST"]),
    Route("/assemblyai/v2/transcript", aai.list_transcripts, methods=["GET"]),
    Route("/assemblyai/v2/transcript/{transcript_id}", aai.get_transcript, methods=["GET"]),
    Route("/assemblyai/v2/transcript/{transcript_id}", aai.delete_transcript, methods=["DELETE"]),
    Route("/assemblyai/v2/transcript/{transcript_id}/sentences", aai.sentences),
    Route("/assemblyai/v2/transcript/{transcript_id}/paragraphs", aai.paragraphs),
    Route("/assemblyai/v2/transcript/{transcript_id}/word-search", aai.word_search),
    Route("/assemblyai/v2/transcript/{transcript_id}/{subtitle_format}", aai.subtitle),
]


class DroppedConnection(Exception):
    """Raised mid-body to make the server close the connection (the ``drop`` fault)."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        seen = 0
        while exc is not None and seen < 10:
            if isinstance(exc, DroppedConnection):
                return False
            group = getattr(exc, "exceptions", None)
            exc = group[0] if group else exc.__cause__ or exc.__context__
            seen += 1
        return True


_QUIET = _QuietDrops()


def install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _QUIET not in logger.filters:
        logger.addFilter(_QUIET)


def side_of(path: str) -> tuple[str, str]:
    """(stats side, fault side) of a request path (Zoom under ``/zoom`` or at the root)."""
    if path.startswith("/assemblyai/"):
        return "assemblyai", "assemblyai"
    if path.startswith("/_emulator"):
        return "control", "control"
    zoom_path = path[len("/zoom"):] if path.startswith("/zoom/") else path
    if zoom_path.startswith("/v2/"):
        return "zoom", "zoom_api"
    if zoom_path.startswith("/oauth"):
        return "zoom", "zoom_oauth"
    if path.startswith("/zoom/") or zoom_path.startswith(("/rec/", "/storage/")):
        return "zoom", "zoom_download"
    return "other", "other"


def _next_midnight(now: float) -> str:
    day = datetime.fromtimestamp(now, UTC).date() + timedelta(days=1)
    return iso(datetime(day.year, day.month, day.day, tzinfo=UTC))


_ZOOM_5XX = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
             504: "Gateway Timeout"}


def fault_response(st: EmulatorState, plan: Plan, side: str, path: str) -> Response:
    kind = plan.error or "500"
    if kind == "html":
        return HTMLResponse(NO_PERMISSION_HTML)
    retry = str(int(plan.params.get("retry_after", st.faults.faults.retry_after_seconds)))
    if side == "assemblyai":
        if kind in ("429", "daily_limit"):
            return JSONResponse({"error": "Too Many Requests"}, 429, {"Retry-After": retry})
        return JSONResponse({"error": _ZOOM_5XX[int(kind)]}, int(kind))
    category = "Light" if path.endswith("/recordings") and "/meetings/" in path else "Medium"
    if kind == "429":
        headers = {"Retry-After": retry, "X-RateLimit-Category": category,
                   "X-RateLimit-Type": "QPS", "X-RateLimit-Limit": "20",
                   "X-RateLimit-Remaining": "0"}
        message = (
            "You have reached the maximum per-second rate limit for this API. Try again later."
        )
        return JSONResponse({"code": 429, "message": message}, 429, headers)
    if kind == "daily_limit":
        headers = {"Retry-After": plan.params.get("retry_at") or _next_midnight(st.clock()),
                   "X-RateLimit-Category": category, "X-RateLimit-Type": "Daily-limit",
                   "X-RateLimit-Limit": "30000", "X-RateLimit-Remaining": "0"}
        message = ("You have reached the maximum daily rate limit for this API. Refer to the "
                   "response header for details on when you can make another request.")
        return JSONResponse({"code": 429, "message": message}, 429, headers)
    return JSONResponse({"code": int(kind), "message": _ZOOM_5XX[int(kind)]}, int(kind))


class EmulatorMiddleware:
    """Applies faults, counts requests per side, endpoint and status."""

    def __init__(self, app: ASGIApp, st: EmulatorState) -> None:
        self.app = app
        self.st = st

    def _template(self, scope: Scope) -> str:
        for route in (*ROUTES, *CONTROL_ROUTES):
            match, _ = route.matches(scope)
            if match != Match.NONE:
                return route.path.replace(":path}", "}")
        return "unmatched"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        st = self.st
        method, path = scope["method"], scope["path"]
        side, fault_side = side_of(path)
        endpoint = f"{method} {self._template(scope)}"
        plan = st.faults.plan(method, path, fault_side, st.clock())
        for kind in plan.kinds:
            st.stats.fault(kind)
        status = 0

        async def counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if plan.revoke_tokens:
                st.stats.token("revoked", st.zoom_tokens.revoke_all())
            if plan.delay:
                await asyncio.sleep(plan.delay)
            if plan.error:
                await fault_response(st, plan, fault_side, path)(scope, receive, counting)
                return
            if plan.job_server_error:
                scope["emulator.job_server_error"] = True
            outgoing: Send = counting
            if plan.drop:
                outgoing = _dropping(counting, plan.params.get("after_bytes"))
            await self.app(scope, receive, outgoing)
        finally:
            st.stats.request(side, endpoint, status)


def _dropping(send: Send, after_bytes: int | None) -> Send:
    """Send the headers and part of the body, then break the connection."""
    sent, limit = 0, 0

    async def wrapped(message: Message) -> None:
        nonlocal sent, limit
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            total = next((int(v) for k, v in headers if k.lower() == b"content-length"), None)
            if total is None or total < 2:
                # Nothing to cut: promise more than will come, so the client sees a short body.
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str((total or 0) + 64).encode()))
                limit = total or 0
            else:
                limit = total // 2 if after_bytes is None else min(int(after_bytes), total - 1)
            await send({**message, "headers": headers})
            return
        if message["type"] == "http.response.body":
            body = message.get("body", b"")
            if sent + len(body) >= limit:
                part = body[: max(0, limit - sent)]
                if part:
                    await send({"type": "http.response.body", "body": part, "more_body": True})
                raise DroppedConnection("connection dropped by the emulator (fault injection)")
            sent += len(body)
        await send(message)

    return wrapped


# -- control endpoints -------------------------------------------------------------------------


def _st(request: Request) -> EmulatorState:
    st: EmulatorState = request.app.state.emu
    return st


async def reset_state(st: EmulatorState) -> None:
    """Forget jobs, uploads, stats and scripted faults; knobs back to their initial values."""
    await st.jobs.reset()
    st.webhooks.clear()
    st.stats.reset()
    st.faults.faults.update(asdict(st.initial_faults))
    st.faults.reset()


async def control_stats(request: Request) -> Response:
    st = _st(request)
    return JSONResponse(st.stats.snapshot(st.jobs.counts()))


async def control_reset(request: Request) -> Response:
    await reset_state(_st(request))
    return JSONResponse({"reset": True})


def faults_json(st: EmulatorState) -> dict[str, Any]:
    return {"faults": st.faults.faults.to_json(), "injections": st.faults.pending()}


async def control_faults(request: Request) -> Response:
    st = _st(request)
    if request.method == "POST":
        body = await request.json()
        if not isinstance(body, dict):
            return JSONResponse({"error": "expected a JSON object"}, 400)
        knobs = dict(body.pop("faults", {}))
        injections = body.pop("inject", [])
        knobs.update(body)
        try:
            st.faults.faults.update(knobs)
            for item in injections if isinstance(injections, list) else [injections]:
                item = dict(item)
                st.faults.inject(item.pop("pattern"), item.pop("kind"), item.pop("count", 1),
                                 **item)
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
    return JSONResponse(faults_json(st))


async def control_revoke(request: Request) -> Response:
    st = _st(request)
    revoked = st.zoom_tokens.revoke_all()
    st.stats.token("revoked", revoked)
    return JSONResponse({"revoked": revoked})


async def control_scenario(request: Request) -> Response:
    scenario = _st(request).scenario
    tags = {
        tag: [
            {"uuid": m.uuid, "id": m.id, "topic": m.topic, "start_time": iso(m.start_time),
             "language": m.language,
             "files": [{"id": f.id, "file_type": f.file_type} for f in m.all_files()]}
            for m in scenario.find_all(tag)
        ]
        for tag in scenario.tags()
    }
    users = [{"id": u.id, "email": u.email, "status": u.status} for u in scenario.users]
    return JSONResponse({"anchor": str(scenario.anchor), "meetings": len(scenario.meetings),
                         "users": users, "tags": tags})


async def control_webhook_sink(request: Request) -> Response:
    """A webhook receiver for tests: POST records the call, GET lists the calls. With
    ``?answer=503,401`` the first POSTs are answered with those codes (then 200)."""
    st = _st(request)
    if request.method == "POST":
        answers = [int(c) for c in request.query_params.get("answer", "").split(",") if c]
        code = answers[len(st.webhooks)] if len(st.webhooks) < len(answers) else 200
        st.webhooks.append({"headers": dict(request.headers), "body": await request.json(),
                            "answered": code})
        return JSONResponse({"received": code < 300}, status_code=code)
    return JSONResponse(st.webhooks)


async def control_health(request: Request) -> Response:
    return JSONResponse({"ok": True})


CONTROL_ROUTES = [
    Route("/_emulator/stats", control_stats),
    Route("/_emulator/reset", control_reset, methods=["POST"]),
    Route("/_emulator/faults", control_faults, methods=["GET", "POST"]),
    Route("/_emulator/revoke-tokens", control_revoke, methods=["POST"]),
    Route("/_emulator/scenario", control_scenario),
    Route("/_emulator/webhook-sink", control_webhook_sink, methods=["GET", "POST"]),
    Route("/_emulator/health", control_health),
]


def build_app(st: EmulatorState) -> ASGIApp:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await st.jobs.shutdown()

    app = Starlette(routes=[*ROUTES, *CONTROL_ROUTES], lifespan=lifespan)
    app.state.emu = st
    install_log_filter()
    return EmulatorMiddleware(app, st)
