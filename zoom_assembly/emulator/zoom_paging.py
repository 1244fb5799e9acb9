"""Zoom's paging: ``page_size`` (default 30, at most 300) and ``next_page_token`` cursors that
expire after 15 minutes."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .zoom_common import emu, zoom_error


def page_size(request: Request) -> int | Response:
    raw = request.query_params.get("page_size")
    if raw is None or raw == "":
        return 30
    try:
        size = int(raw)
    except ValueError:
        return zoom_error(400, 300, f"Invalid field: page_size ({raw}).")
    return 30 if size < 1 else min(size, 300)


def cursor_of(request: Request, kind: str) -> dict[str, Any] | Response | None:
    token = request.query_params.get("next_page_token")
    if not token:
        return None
    cursor = emu(request).page_tokens.get(token)
    if cursor is None or cursor.get("kind") != kind:
        return zoom_error(400, 300, "The next page token is invalid or expired.")
    return cursor


def page_of(
    request: Request, kind: str, items: list[Any], size: int, cursor: dict[str, Any]
) -> tuple[list[Any], str]:
    offset = int(cursor.get("offset", 0))
    page = items[offset : offset + size]
    token = ""
    if offset + size < len(items):
        token = emu(request).page_tokens.new({**cursor, "kind": kind, "offset": offset + size})
    return page, token


def paging(request: Request, kind: str) -> tuple[int, dict[str, Any] | None] | Response:
    """``page_size`` and the cursor a ``next_page_token`` names (None on a first page), or
    Zoom's 400 for either."""
    size = page_size(request)
    if isinstance(size, Response):
        return size
    cursor = cursor_of(request, kind)
    if isinstance(cursor, Response):
        return cursor
    return size, cursor
