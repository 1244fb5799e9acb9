"""Zoom: Server-to-Server OAuth, recordings, users, and the URL handed to AssemblyAI."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from ..config import Settings
from ..events import EventSink, discard
from ..retry import RetryPolicy
from .api import USER_AGENT, ZoomApi, rate_limiters
from .auth import ZoomTokenProvider
from .client import (
    MeetingRef,
    ZoomClient,
    encode_meeting_path_id,
    handoff_url,
    month_windows,
    parse_meeting_ref,
)
from .recordings import MeetingRecordings, RecordingFile, choose_audio_file, parse_meeting

__all__ = [
    "MeetingRecordings",
    "MeetingRef",
    "RecordingFile",
    "ZoomApi",
    "ZoomClient",
    "ZoomTokenProvider",
    "build_zoom_client",
    "choose_audio_file",
    "encode_meeting_path_id",
    "handoff_url",
    "month_windows",
    "parse_meeting",
    "parse_meeting_ref",
]


def build_zoom_client(
    settings: Settings,
    *,
    sink: EventSink = discard,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    pool_size: int = 16,
) -> ZoomClient:
    """A :class:`ZoomClient` for ``settings`` sharing one pooled session (thread-safe use)."""
    settings.require_zoom()
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    policy = policy or RetryPolicy()
    tokens = ZoomTokenProvider(
        session,
        oauth_url=settings.zoom_oauth_url,
        account_id=settings.zoom_account_id,
        client_id=settings.zoom_client_id,
        client_secret=settings.zoom_client_secret,
        policy=policy,
        sleep=sleep,
        clock=clock,
        timeout=settings.http_timeout,
        sink=sink,
    )
    api = ZoomApi(
        base_url=settings.zoom_api_base_url,
        tokens=tokens,
        session=session,
        policy=policy,
        sleep=sleep,
        timeout=settings.http_timeout,
        sink=sink,
        limiters=rate_limiters(settings.zoom_requests_per_second, clock=clock, sleep=sleep),
    )
    return ZoomClient(api)
