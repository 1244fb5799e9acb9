"""The ASGI app of ``transcribe-zoom serve``: thin HTTP around :class:`~.core.Service`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .core import ASSEMBLYAI_PATH, ZOOM_PATH, Reply, Service
from .page import status_page
from .signatures import (
    ASSEMBLYAI_AUTH_HEADER,
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)


class _TooLarge(Exception):
    pass


async def _raw_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body exactly as sent (signatures are over these bytes), refused past ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class _Laps:
    """Times the stages of one acknowledgement into the ``ack`` histogram."""

    def __init__(self, service: Service) -> None:
        self._metrics = service.metrics
        self._start = self._last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self._metrics.histogram("ack", now - self._last, stage=stage)
        self._last = now

    def total(self) -> None:
        self._metrics.histogram("ack", time.perf_counter() - self._start, stage="in_app")


def _json(reply: Reply) -> JSONResponse:
    return JSONResponse(dict(reply.body), status_code=reply.status)


def build_app(service: Service, *, manage_lifecycle: bool = True) -> Starlette:
    """The app; with ``manage_lifecycle`` its lifespan starts the service and, on shutdown
    (SIGTERM included, via uvicorn), stops it after the last request was answered."""

    async def zoom_webhook(request: Request) -> Response:
        """On the event loop, no thread hop: verifying and reading take a fraction of a
        millisecond; recording waits (without blocking the loop) for its group's commit.
        Where the time goes is kept in the ``ack`` histogram, by stage."""
        lap = _Laps(service)
        try:
            body = await _raw_body(request)
        except _TooLarge:
            service.metrics.count("webhook_events_rejected", reason="too_large")
            return JSONResponse({"error": "too_large"}, status_code=413)
        lap("read_body")
        step = service.zoom_check(body, request.headers.get(TIMESTAMP_HEADER),
                                  request.headers.get(SIGNATURE_HEADER))
        lap("check")
        if not isinstance(step, Reply):
            first = await service.recorder.arecord(step.row)
            lap("record")
            step = service.zoom_recorded(step, first)
            lap("hand_over")
        response = _json(step)
        lap.total()
        return response

    async def assemblyai_webhook(request: Request) -> Response:
        try:
            body = await _raw_body(request)
        except _TooLarge:
            return JSONResponse({"error": "too_large"}, status_code=413)
        reply = await run_in_threadpool(
            service.assemblyai_callback, body, request.headers.get(ASSEMBLYAI_AUTH_HEADER))
        return _json(reply)

    async def healthz(request: Request) -> Response:
        return _json(await run_in_threadpool(service.health))

    async def metrics(request: Request) -> Response:
        text = await run_in_threadpool(service.metrics_text)
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    async def index(request: Request) -> Response:
        rows = await run_in_threadpool(service.recent)
        return HTMLResponse(status_page(rows, service.in_work()))

    async def transcript(request: Request) -> Response:
        """One output of a finished recording, as listed in the ledger (never another path)."""
        file_id, fmt = request.path_params["file_id"], request.path_params["fmt"]
        row = await run_in_threadpool(service.ledger.get, file_id)
        path = row.outputs.get(fmt) if row is not None else None
        if path is None or not Path(path).is_file():
            return JSONResponse({"error": "not_found"}, status_code=404)
        return FileResponse(path)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_lifecycle:
            service.start()
        try:
            yield
        finally:
            if manage_lifecycle:
                await run_in_threadpool(service.stop)

    return Starlette(
        routes=[
            Route(ZOOM_PATH, zoom_webhook, methods=["POST"]),
            Route(ASSEMBLYAI_PATH, assemblyai_webhook, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/metrics", metrics),
            Route("/", index),
            Route("/transcripts/{file_id:path}/{fmt}", transcript),
        ],
        lifespan=lifespan,
    )
