"""What we ask Zoom: meetings, their instances, users, recordings over any date range.

Also the two traps of addressing a meeting: UUIDs that start with ``/`` or contain ``//`` must be
double URL-encoded, and listings accept at most one month per request (walked here in UTC month
windows, every page, de-duplicated across window edges by instance UUID).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ..errors import NotFound, UsageError
from ..redact import Secret
from .api import ZoomApi
from .download import DownloadStream, open_download
from .recordings import MeetingRecordings, RecordingFile, parse_meeting, parse_time

PAGE_SIZE = 300
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NUMERIC_ID = re.compile(r"^\d{9,12}$")
_UUID = re.compile(r"^[A-Za-z0-9+/=_-]{16,64}$")
_JOIN_LINK = re.compile(r"/(?:j|wc/join|s|w)/(\d{9,12})")
_LINK_SCHEMES = ("http://", "https://", "zoommtg://", "zoomus://")


@dataclass(frozen=True)
class MeetingRef:
    """A parsed MEETING argument: a numeric meeting ID or one instance UUID."""

    meeting_id: int | None = None
    uuid: str | None = None

    def __str__(self) -> str:
        return str(self.meeting_id) if self.meeting_id is not None else str(self.uuid)


def parse_meeting_ref(text: str) -> MeetingRef:
    """Read what a user typed: ``812 3456 7890``, a UUID as Zoom prints it, or a link (a join
    link, a ``zoommtg://`` app link or a recording-detail page)."""
    value = text.strip()
    if value.lower().startswith(_LINK_SCHEMES):
        return _parse_link(value)
    if value.startswith("-") and _NUMERIC_ID.match(re.sub(r"[\s-]", "", value)):
        raise UsageError(
            f"'{text}' starts with a minus sign, which no Zoom meeting ID has; pass the ID "
            "without it (e.g. 81234567890).",
            code="bad_meeting_id",
        )
    digits = re.sub(r"[\s-]", "", value)
    if _NUMERIC_ID.match(digits):
        return MeetingRef(meeting_id=int(digits))
    if "%" in value:
        value = unquote(unquote(value))
    if _UUID.match(value) and not value.isdigit():
        return MeetingRef(uuid=value)
    raise UsageError(
        f"'{text}' is not a Zoom meeting ID (9 to 12 digits), an instance UUID "
        "(like 4444AAAiAAAAAiAiAiiAii==) or a meeting link; check what you copied.",
        code="bad_meeting_id",
    )


def _query(url: str) -> dict[str, str]:
    """Query parameters, each percent-decoded once; ``+`` stays ``+`` (UUIDs carry it)."""
    params: dict[str, str] = {}
    for pair in urlsplit(url).query.split("&"):
        name, _, value = pair.partition("=")
        params.setdefault(name.lower(), unquote(value))
    return params


def _parse_link(url: str) -> MeetingRef:
    parts = urlsplit(url)
    path = parts.path
    params = _query(url)
    confno = re.sub(r"[\s-]", "", params.get("confno", ""))
    if _NUMERIC_ID.match(confno):  # zoommtg://zoom.us/join?confno=..., zoom.us/join?confno=...
        return MeetingRef(meeting_id=int(confno))
    meeting = params.get("meeting_id", "").strip()
    if meeting:  # zoom.us/recording/detail?meeting_id=<URL-encoded UUID>
        return parse_meeting_ref(meeting)
    if "/rec/share/" in path or "/rec/play/" in path:
        raise UsageError(
            "Recording share links cannot be resolved to a meeting through Zoom's API; pass the "
            "meeting ID or UUID instead (Zoom web portal > Recordings > the meeting).",
            code="share_link",
        )
    match = _JOIN_LINK.search(path)
    if match:
        return MeetingRef(meeting_id=int(match.group(1)))
    raise UsageError(
        f"Cannot find a meeting ID in the link {url.split('?')[0]}; pass the meeting ID or UUID.",
        code="bad_meeting_id",
    )


def encode_meeting_path_id(value: str | int) -> str:
    """A meeting ID or UUID ready for a URL path; ``/``-bearing UUIDs are double-encoded."""
    text = str(value)
    if text.startswith("/") or "//" in text:
        return quote(quote(text, safe=""), safe="")
    return quote(text, safe="")


def month_windows(start: date, end: date) -> list[tuple[date, date]]:
    """Inclusive ``[from, to]`` windows covering ``start..end`` that each stay in one month."""
    if end < start:
        raise UsageError(
            f"The date range {start}..{end} ends before it starts; swap --from and --to.",
            code="bad_date_range",
        )
    windows = []
    cursor = start
    while cursor <= end:
        next_month = (cursor.replace(day=1) + timedelta(days=32)).replace(day=1)
        window_end = min(end, next_month - timedelta(days=1))
        windows.append((cursor, window_end))
        cursor = window_end + timedelta(days=1)
    return windows


@dataclass(frozen=True)
class Instance:
    uuid: str
    start_time: str


@dataclass(frozen=True)
class ZoomUser:
    id: str
    email: str
    status: str


class ZoomClient:
    """High-level calls against Zoom's recording, meeting and user endpoints."""

    def __init__(self, api: ZoomApi) -> None:
        self.api = api

    def __repr__(self) -> str:
        return f"ZoomClient({self.api!r})"

    def meeting_recordings(
        self, meeting: str | int, *, download_token_ttl: int | None = None
    ) -> MeetingRecordings:
        """Recording files of one instance (a UUID) or the latest instance (a numeric ID).

        With ``download_token_ttl`` the answer carries a download-scoped token valid that long.
        """
        params: dict[str, Any] = {}
        if download_token_ttl is not None:
            params = {"include_fields": "download_access_token", "ttl": download_token_ttl}
        payload = self.api.get(
            f"/meetings/{encode_meeting_path_id(meeting)}/recordings",
            params or None,
            what=f"meeting {meeting}",
        )
        return parse_meeting(payload)

    def granted_scopes(self) -> frozenset[str]:
        """The scopes Zoom granted the app, as reported with its access token."""
        return self.api.tokens.scopes()

    def open_download(self, file: RecordingFile, *, what: str) -> DownloadStream:
        """Start streaming a recording file with the app's Bearer token (a fresh one for each
        call, so a retry after a refresh works); the token never leaves Zoom's hosts."""
        return open_download(
            self.api.session,
            file.download_url,
            Secret(self.api.tokens.token()),
            expected_size=file.file_size,
            timeout=self.api.timeout,
            what=what,
        )

    def past_instances(self, meeting_id: int) -> list[Instance]:
        """Every ended instance of a meeting ID (recurring meetings and PMIs have several)."""
        try:
            payload = self.api.get(
                f"/past_meetings/{meeting_id}/instances", what=f"meeting {meeting_id}"
            )
        except NotFound as exc:
            if exc.code == "meeting_not_found":
                return []
            raise
        instances = []
        for item in payload.get("meetings") or []:
            if isinstance(item, dict) and item.get("uuid"):
                instances.append(Instance(str(item["uuid"]), str(item.get("start_time", ""))))
        # Newest first, like every other listing.
        instances.sort(key=lambda i: parse_time(i.start_time) or _EPOCH, reverse=True)
        return instances

    def users(self, status: str = "active") -> Iterator[ZoomUser]:
        """Every user with ``status`` (active, inactive or pending), all pages."""
        for page in self._pages("/users", {"status": status}, what=f"{status} users"):
            for raw in page.get("users") or []:
                if isinstance(raw, dict) and raw.get("id"):
                    yield ZoomUser(
                        id=str(raw["id"]),
                        email=str(raw.get("email", "")),
                        status=str(raw.get("status", status)),
                    )

    def user_recordings(self, user: str, start: date, end: date) -> Iterator[MeetingRecordings]:
        """Every meeting recorded by ``user`` (id or email) between ``start`` and ``end``."""
        path = f"/users/{quote(user, safe='@')}/recordings"
        yield from self._recordings(path, start, end, what=f"the recordings of user {user}")

    def account_recordings(self, start: date, end: date) -> Iterator[MeetingRecordings]:
        """Every meeting recorded on the account between ``start`` and ``end``."""
        yield from self._recordings(
            "/accounts/me/recordings", start, end, what="the account's recordings"
        )

    def _recordings(
        self, path: str, start: date, end: date, *, what: str
    ) -> Iterator[MeetingRecordings]:
        seen: set[str] = set()
        for window_start, window_end in month_windows(start, end):
            params = {"from": window_start.isoformat(), "to": window_end.isoformat()}
            for page in self._pages(path, params, what=what):
                for raw in page.get("meetings") or []:
                    if not isinstance(raw, dict):
                        continue
                    recordings = parse_meeting(raw)
                    if recordings.meeting.uuid in seen:
                        continue
                    seen.add(recordings.meeting.uuid)
                    yield recordings

    def _pages(self, path: str, params: dict[str, Any], *, what: str) -> Iterator[dict[str, Any]]:
        token = ""
        while True:
            query = {**params, "page_size": PAGE_SIZE}
            if token:
                query["next_page_token"] = token
            page = self.api.get(path, query, what=what)
            if not isinstance(page, dict):
                return
            yield page
            token = str(page.get("next_page_token") or "")
            if not token:
                return


def handoff_url(file: RecordingFile, token: Secret) -> str:
    """``download_url?access_token=<token>``: a URL AssemblyAI can fetch without headers.

    The result carries a secret: never log, store or print it (``redact_url`` it first).
    """
    separator = "&" if "?" in file.download_url else "?"
    return f"{file.download_url}{separator}access_token={quote(token.reveal(), safe='')}"
