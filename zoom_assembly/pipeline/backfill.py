"""Finding every recording of some users, all users or the whole account over a date range."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ..errors import UsageError
from ..events import EventSink, Notice, discard
from ..zoom import MeetingRecordings, ZoomClient, choose_audio_file


@dataclass(frozen=True)
class Selection:
    """Which recordings a backfill covers."""

    start: date
    end: date
    users: tuple[str, ...] = ()
    all_users: bool = False
    account: bool = False
    topic: re.Pattern[str] | None = None
    min_duration_minutes: int = 0
    user_statuses: tuple[str, ...] = field(default=("active", "inactive"))

    def __post_init__(self) -> None:
        chosen = sum([bool(self.users), self.all_users, self.account])
        if chosen != 1:
            raise UsageError(
                "Say whose recordings to backfill: --user EMAIL_OR_ID (repeatable), "
                "--all-users or --account (exactly one of these).",
                code="bad_selection",
            )

    def accepts(self, recordings: MeetingRecordings) -> bool:
        meeting = recordings.meeting
        if self.topic is not None and not self.topic.search(meeting.topic or ""):
            return False
        minutes = meeting.duration_minutes
        return not (self.min_duration_minutes and minutes is not None
                    and minutes < self.min_duration_minutes)


def parse_day(value: str, flag: str) -> date:
    """A ``YYYY-MM-DD`` date from a flag, or one clear sentence."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a date like 2026-01-31.",
                         code="bad_date") from None


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last 30 days, today included (UTC)."""
    today = today or datetime.now(UTC).date()
    return today - timedelta(days=30), today


def clamp_to_today(start: date, end: date, today: date | None = None) -> tuple[date, str]:
    """The range's last day, no later than today (UTC), and a sentence when it was moved.

    Zoom has no recording from the future; walking its empty months one request per month
    and user would only spend the API quota. A range that starts after it ends is refused.
    """
    today = today or datetime.now(UTC).date()
    notice = ""
    if end > today:
        notice = f"--to {end} is in the future; backfilling up to today, {today} (UTC)."
        end = today
    if start > end:
        raise UsageError(
            f"--from {start} is after --to {end}; give a first day on or before the last.",
            code="bad_date",
        )
    return end, notice


def compile_topic(pattern: str | None) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise UsageError(f"--topic {pattern!r} is not a valid regular expression ({exc}).",
                         code="bad_topic") from None


def list_recordings(
    zoom: ZoomClient,
    selection: Selection,
    *,
    sink: EventSink = discard,
    on_listed: Callable[[MeetingRecordings], None] | None = None,
) -> Iterator[MeetingRecordings]:
    """Every matching meeting instance, newest first per user, each instance once."""
    seen: set[str] = set()
    for recordings in _raw_listing(zoom, selection, sink):
        uuid = recordings.meeting.uuid
        if uuid in seen or not selection.accepts(recordings):
            continue
        seen.add(uuid)
        if on_listed is not None:
            on_listed(recordings)
        yield recordings


def _raw_listing(
    zoom: ZoomClient, selection: Selection, sink: EventSink
) -> Iterator[MeetingRecordings]:
    if selection.account:
        yield from zoom.account_recordings(selection.start, selection.end)
        return
    if selection.users:
        users = list(selection.users)
    else:
        users = []
        for status in selection.user_statuses:
            found = [u.id for u in zoom.users(status)]
            sink(Notice(f"{len(found)} {status} users"))
            users.extend(found)
    for user in users:
        yield from zoom.user_recordings(user, selection.start, selection.end)


@dataclass(frozen=True)
class PlanItem:
    recordings: MeetingRecordings
    audio_seconds: float | None
    reason: str = ""  # why it would be skipped, when it would


def plan(recordings: Iterator[MeetingRecordings]) -> list[PlanItem]:
    """What a backfill would transcribe (``--dry-run``): the chosen file's duration each."""
    from ..errors import TranscribeZoomError

    items = []
    for rec in recordings:
        try:
            file = choose_audio_file(rec)
        except TranscribeZoomError as exc:
            items.append(PlanItem(rec, None, exc.message))
            continue
        items.append(PlanItem(rec, file.duration_seconds))
    return items
