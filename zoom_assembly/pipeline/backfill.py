"""Backfill: every recording of some users, all users or the whole account over a date range.

The listing (``list_recordings``) is the trigger; ``backfill`` runs it through the engine and
``backfill_plan`` says what a run would do (``--dry-run``) without submitting anything.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ..config import Settings
from ..errors import NoAudio, TranscribeZoomError, UsageError
from ..events import EventSink, Notice, RecordingStage, discard
from ..ledger import LedgerEntry, is_postgres, ledger_path, open_ledger
from ..zoom import MeetingRecordings, ZoomClient, build_zoom_client
from ..zoom.segments import planned_audio_seconds, split_segments, started
from ..zoom.transcript_files import fetch_zoom_text, zoom_text_files
from .clients import ensure_out_dir, open_clients
from .options import RunOptions
from .participant_audio import ParticipantAudio, check_participant_rules, run_zoom
from .pay_estimate import (
    PROBE,
    SKIP,
    Prediction,
    after_earlier_probe,
    planned_action,
    predict_from_text,
    unreadable,
)
from .pay_policy import PayRules
from .pay_runs import policy_pipeline
from .recording import Decision, Recording
from .results import RecordingResult
from .sources import label_of
from .speaker_names import check_mode, zoom_enrichers
from .zoom_intake import ZoomIntake


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


def backfill(
    selection: Selection,
    settings: Settings,
    options: RunOptions,
    *,
    rules: PayRules | None = None,
    sink: EventSink = discard,
    sleep: Callable[[float], None] = time.sleep,
    speaker_names: str = "auto",
    participant_audio: bool = False,
) -> list[RecordingResult]:
    """Transcribe every recording the selection lists; resumable and exactly once per file
    (``rules``: the pay policy, as for :func:`~.runs.transcribe_meetings`; ``speaker_names``:
    ``auto`` names speakers from Zoom's evidence, ``off`` keeps letters; ``participant_audio``:
    each participant's own audio file where Zoom has them, one extra Zoom call per meeting)."""
    check_mode(speaker_names)
    check_participant_rules(participant_audio, rules, speaker_names)
    ensure_out_dir(options.out_dir)

    def listed(recordings: object) -> None:
        meeting = getattr(recordings, "meeting", None)
        if meeting is not None:
            sink(RecordingStage("", label_of(meeting), "listed"))

    with open_clients(settings, sink) as clients, open_ledger(options.ledger,
                                                                 options.out_dir) as ledger:
        since = datetime.combine(selection.start, datetime.min.time(), tzinfo=UTC)
        pipeline = policy_pipeline(rules or PayRules(), clients, ledger, options, sink=sink,
                                   sleep=sleep, jobs_since=since,
                                   enrichers=zoom_enrichers(clients.zoom, speaker_names, sink))
        mode = ParticipantAudio(clients.zoom, clients.assembly, options, refetch=True,
                                sink=sink) if participant_audio else None
        return run_zoom(pipeline, list_recordings(clients.zoom, selection, sink=sink,
                                                  on_listed=listed), ledger, mode)


def backfill_plan(
    selection: Selection, settings: Settings, out_dir: Path, *, sink: EventSink = discard,
    rules: PayRules | None = None,
    ledger_url: str | None = None,
) -> tuple[list[PlanItem], set[str]]:
    """What a backfill would do (``--dry-run``): items, and the meeting UUIDs already done."""
    settings.require_zoom()
    zoom = build_zoom_client(settings, sink=sink)
    rules = rules or PayRules()
    rows = []
    if is_postgres(ledger_url) or ledger_path(out_dir).exists():
        with open_ledger(ledger_url, out_dir) as ledger:
            rows = ledger.rows(["completed", "submitted"])
    begun = {r.recording_file_id for r in rows}
    items = [_plan_item(rec, rules, begun)
             for rec in list_recordings(zoom, selection, sink=sink)]
    # A recording paused and resumed is done when every part is (a run before parts were
    # transcribed did only one); the parts left are what its plan item counts.
    done = {r.meeting_uuid for r in rows if r.meeting_uuid} - {
        i.recordings.meeting.uuid for i in items if _parts_left(i.recordings, begun)}
    return items, done


def _parts_left(recordings: MeetingRecordings, begun: set[str]) -> bool:
    parts = split_segments(recordings)
    return len(parts) > 1 and not all(started(part, begun) for part in parts)


def predict_plan(
    items: list[PlanItem], settings: Settings, rules: PayRules, *,
    sink: EventSink = discard, sleep: Callable[[float], None] = time.sleep,
    out_dir: Path | None = None, ledger_url: str | None = None,
) -> dict[str, Prediction]:
    """``backfill --dry-run``: for every meeting the run would probe, read Zoom's text (free,
    downloaded with the run's care) and predict the run's decision; nothing is submitted.
    A probe recorded in the ledger of ``out_dir`` (``--dry-run --probe``, an interrupted run)
    is reused as the run reuses it. Predictions by meeting UUID."""
    todo = [i.recordings for i in items
            if not i.reason and planned_action(i.recordings, rules) == PROBE]
    if not todo:
        return {}
    reasons: dict[str, str] = {}
    if out_dir is not None and (is_postgres(ledger_url) or ledger_path(out_dir).exists()):
        with open_ledger(ledger_url, out_dir) as ledger:
            reasons = {r.meeting_uuid: r.decision_reason for r in ledger.rows()
                       if r.meeting_uuid and r.decision_reason}
    zoom = build_zoom_client(settings, sink=sink)
    predictions: dict[str, Prediction] = {}
    for recordings in todo:
        found = zoom_text_files(recordings)[0].source
        try:
            text = fetch_zoom_text(zoom, recordings, sleep=sleep).text
        except TranscribeZoomError as exc:
            predictions[recordings.meeting.uuid] = unreadable(found, exc.code)
            continue
        predictions[recordings.meeting.uuid] = after_earlier_probe(
            predict_from_text(text, found, rules), reasons.get(recordings.meeting.uuid), rules)
    return predictions


def probe_plan(
    items: list[PlanItem],
    settings: Settings,
    options: RunOptions,
    rules: PayRules,
    *,
    sink: EventSink = discard,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Decision]:
    """``backfill --dry-run --probe``: decide now, for every meeting whose Zoom transcript
    needs a probe, and keep each decision in the ledger of ``options.out_dir`` so that the
    backfill itself reuses it (a probe is paid once). Decisions by meeting UUID."""
    todo = [i.recordings for i in items
            if not i.reason and planned_action(i.recordings, rules) == PROBE]
    decisions: dict[str, Decision] = {}
    if not todo:
        return decisions
    ensure_out_dir(options.out_dir)
    with open_clients(settings, sink) as clients, open_ledger(options.ledger,
                                                                 options.out_dir) as ledger:
        pipeline = policy_pipeline(rules, clients, ledger, options, sink=sink, sleep=sleep,
                                   jobs_since=None)
        intake = ZoomIntake(clients.zoom, clients.assembly, ledger, options,
                            clock=time.monotonic, sink=sink)
        for recording in (r for rs in todo for r in intake.take_all(rs)):
            if not isinstance(recording, Recording):
                continue  # still processing, or nothing to transcribe: the run will say
            ledger.ensure(LedgerEntry.for_meeting(
                recording.meeting, recording.file_id, file_type=recording.file_type,
                file_size=recording.file_size, source=recording.origin))
            decision = pipeline.policy(recording)
            ledger.record_decision(recording.file_id, decision.source, decision.reason)
            decisions[recording.meeting.uuid] = decision
    return decisions


def _plan_item(recordings: MeetingRecordings, rules: PayRules, begun: set[str]
               ) -> PlanItem:
    """What a backfill would do with one instance: the chosen file's duration, or why not.
    A meeting with Zoom's text but no audio is written from that text when the rules take
    it, and one without Zoom's text is skipped under ``--source zoom``
    (:func:`~.pay_estimate.planned_action`, the same decisions as the run's)."""
    try:
        seconds = planned_audio_seconds(recordings, begun)  # every part not yet begun
    except NoAudio as exc:
        if planned_action(recordings, rules) == SKIP:
            return PlanItem(recordings, None, exc.message)
        minutes = recordings.meeting.duration_minutes
        return PlanItem(recordings, minutes * 60.0 if minutes else None)
    except TranscribeZoomError as exc:
        return PlanItem(recordings, None, exc.message)
    if planned_action(recordings, rules) == SKIP:
        label = recordings.meeting.topic or recordings.meeting.uuid
        return PlanItem(recordings, seconds,
                        f"'{label}' has no Zoom transcript or captions yet (--source zoom)")
    return PlanItem(recordings, seconds)
