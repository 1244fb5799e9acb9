"""What the service does with each delivery, apart from HTTP: verify, record, hand to the engine.

Zoom events and AssemblyAI callbacks are verified (see :mod:`.signatures`), recorded in the
ledger and answered at once; the transcription happens on the :class:`~.worker.ServiceWorker`.
A sweep over the last days, through backfill's listing, catches what no event announced.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta

from ..errors import TranscribeZoomError
from ..events import Event, EventSink, Notice, RecordingDone, discard
from ..ledger import Ledger, Row
from ..redact import Secret
from ..zoom import MeetingRecordings
from ..zoom.recordings import parse_meeting
from .config import (
    ANNOUNCED_MEMORY,
    ASSEMBLYAI_PATH,
    RECORDING_EVENTS,
    URL_VALIDATION,
    ZOOM_PATH,
    Announced,
    EngineFactory,
    EngineLink,
    Listing,
    Reply,
    ServiceConfig,
    ServiceScope,
    _Hidden,
    event_key,
)
from .intake import EventRecorder
from .metrics import Metrics
from .signatures import (
    ASSEMBLYAI_AUTH_HEADER,
    assemblyai_authentic,
    encrypted_token,
    new_callback_secret,
    zoom_rejection,
)
from .worker import ServiceWorker
from .zoom_transcript import TRANSCRIPT_COMPLETED, zoom_transcript_arrived

__all__ = ["ASSEMBLYAI_PATH", "ZOOM_PATH", "Announced", "EngineLink", "Reply", "Service",
           "ServiceConfig", "ServiceScope", "event_key"]


class Service:
    """The webhooks' handlers, the sweep, and the state ``/``, ``/healthz`` and ``/metrics``
    show. The engine and the ledger do the work; this class only routes to them.

    With ``remote`` (what ``serve`` runs) this is the HTTP side only: it verifies, records
    the event and hands the meeting to the engine's process, which runs a Service of its own
    (no ``remote``) whose worker and sweep do the work. Without it, both sides run here."""

    def __init__(
        self,
        config: ServiceConfig,
        ledger: Ledger,
        make_engine: EngineFactory,
        *,
        list_meetings: Listing | None = None,
        check_credentials: Callable[[], str | None] = lambda: None,
        sink: EventSink = discard,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
        callback_secret: Secret | None = None,
        remote: EngineLink | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.metrics = metrics if metrics is not None else Metrics()
        self.callback_secret = callback_secret or new_callback_secret()
        self.remote = remote
        self.recorder = EventRecorder(
            ledger, observe=lambda stage, seconds: self.metrics.histogram(
                "event_group", seconds, stage=stage))
        self._list_meetings = list_meetings
        self._check_credentials = check_credentials
        self._credentials: tuple[float, str | None] | None = None
        self._sink = sink
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._announced: dict[str, float] = {}  # meeting uuid -> when its event came
        self._last_announced: dict[str, MeetingRecordings] = {}  # uuid -> its last event
        self._called_back: dict[str, float] = {}  # file id -> when its callback came
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        self.worker = ServiceWorker(lambda sleep: make_engine(sleep, self._observe),
                                    max_batches=config.max_batches, sink=self._observe)

    # -- what the engine is asked to send AssemblyAI -------------------------------------------
    def request_fields(self) -> dict[str, object]:
        """``webhook_url`` and its auth header for every job (none without ``public_url``)."""
        url = self.config.callback_url
        if url is None:
            return {}
        return {"webhook_url": url, "webhook_auth_header_name": ASSEMBLYAI_AUTH_HEADER,
                "webhook_auth_header_value": _Hidden(self.callback_secret.reveal())}

    # -- Zoom -----------------------------------------------------------------------------------
    def zoom_delivery(self, body: bytes, timestamp: str | None, signature: str | None) -> Reply:
        """One POST to the Zoom endpoint: 401 and nothing recorded unless genuine and fresh.
        (The app runs the same steps without a thread: :meth:`zoom_check`, the recorder's
        ``arecord``, :meth:`zoom_recorded`.)"""
        step = self.zoom_check(body, timestamp, signature)
        if isinstance(step, Reply):
            return step
        return self.zoom_recorded(step, self.recorder.record(step.row))

    def zoom_check(self, body: bytes, timestamp: str | None,
                   signature: str | None) -> Reply | Announced:
        """Verify and read a delivery: the reply when there is nothing to record, else the
        announced meeting and the ledger row of its event."""
        reason = zoom_rejection(self.config.zoom_secret, timestamp, signature, body,
                                now=self._clock)
        if reason is not None:
            self.metrics.count("webhook_events_rejected", reason=reason)
            return Reply(401, {"error": reason})
        try:
            payload = json.loads(body)
            event = payload["event"]
            assert isinstance(event, str)
        except (ValueError, KeyError, TypeError, AssertionError):
            self.metrics.count("webhook_events_rejected", reason="bad_body")
            return Reply(400, {"error": "bad_body"})
        known = event if event in (URL_VALIDATION, *RECORDING_EVENTS) else "other"
        self.metrics.count("webhook_events_received", event=known)
        if event == URL_VALIDATION:
            plain = (payload.get("payload") or {}).get("plainToken")
            if not isinstance(plain, str) or not plain:
                return Reply(400, {"error": "bad_body"})
            return Reply(200, {"plainToken": plain,
                               "encryptedToken": encrypted_token(self.config.zoom_secret, plain)})
        if event not in RECORDING_EVENTS:
            return Reply(200, {"status": "ignored"})
        meeting = (payload.get("payload") or {}).get("object")
        if not isinstance(meeting, Mapping) or not meeting.get("uuid"):
            return Reply(400, {"error": "bad_body"})
        token = payload.get("download_token")
        recordings = parse_meeting({**meeting, "download_access_token": token})
        event_ts = payload.get("event_ts")
        return Announced(event, recordings, (
            event_key(event, recordings), event, recordings.meeting.uuid,
            event_ts if isinstance(event_ts, int) else None))

    def zoom_recorded(self, announced: Announced, first: bool) -> Reply:
        """The answer once the event is in the ledger: the meeting handed to the engine
        unless this was a duplicate delivery or the meeting is out of scope."""
        if not first:
            self.metrics.count("webhook_events_duplicate")
            return Reply(200, {"status": "duplicate"})
        recordings = announced.recordings
        if not self.config.scope.accepts(recordings):
            self.metrics.count("webhook_events_out_of_scope")
            return Reply(200, {"status": "out_of_scope"})
        if self.remote is not None:
            self.remote.offer(announced.event, recordings, self._monotonic())
        else:
            self.accept(announced.event, recordings, self._monotonic())
        return Reply(200, {"status": "accepted"})

    def accept(self, event: str, recordings: MeetingRecordings, announced: float) -> None:
        """The engine's side of an announced meeting (``announced``: when its event came,
        on the monotonic clock, which processes on one machine share)."""
        again = False
        uuid = recordings.meeting.uuid
        if event == TRANSCRIPT_COMPLETED:
            with self._lock:
                earlier = self._last_announced.get(uuid)
            verdict = zoom_transcript_arrived(
                self.ledger, recordings, self._sink,
                lambda outcome: self.metrics.count("zoom_transcript_events", outcome=outcome),
                earlier=earlier)
            if not verdict.run or verdict.recordings is None:
                return
            recordings = verdict.recordings
            again = True  # a batch running it now may have decided before Zoom's text came
        else:
            with self._lock:  # what a transcript-only event later runs with
                self._last_announced.pop(uuid, None)  # the newest last, the oldest dropped
                self._last_announced[uuid] = recordings
                while len(self._last_announced) > ANNOUNCED_MEMORY:
                    self._last_announced.pop(next(iter(self._last_announced)))
        with self._lock:
            self._announced.setdefault(recordings.meeting.uuid, announced)
        self.worker.offer(recordings, again=again)

    def in_work(self) -> int:
        """Meetings queued or being transcribed (by the engine's process, with ``remote``)."""
        return self.remote.in_work() if self.remote is not None else self.worker.in_work()

    # -- AssemblyAI -----------------------------------------------------------------------------
    def assemblyai_callback(self, body: bytes, auth: str | None) -> Reply:
        """``{transcript_id, status}`` with our header: the job's batch checks it now. 401
        (AssemblyAI stops retrying on 4xx) for a missing or wrong header."""
        if not assemblyai_authentic(self.callback_secret, auth):
            self.metrics.count("assemblyai_callbacks", result="rejected")
            return Reply(401, {"error": "bad_auth"})
        try:
            payload = json.loads(body)
            transcript_id = payload["transcript_id"]
            assert isinstance(transcript_id, str) and transcript_id
        except (ValueError, KeyError, TypeError, AssertionError):
            self.metrics.count("assemblyai_callbacks", result="bad_body")
            return Reply(400, {"error": "bad_body"})
        if self.remote is not None:
            self.remote.callback(transcript_id, self._monotonic())
        else:
            self.engine_callback(transcript_id, self._monotonic())
        return Reply(200, {"status": "ok"})

    def engine_callback(self, transcript_id: str, received: float) -> None:
        """The engine's side of a callback: the batch following the job checks it now."""
        file_id = self.worker.callback(transcript_id)
        if file_id is None:
            # Not followed here (another replica's, or before a restart): the sweep resumes it.
            self.metrics.count("assemblyai_callbacks", result="unmatched")
        else:
            self.metrics.count("assemblyai_callbacks", result="matched")
            with self._lock:
                self._called_back.setdefault(file_id, received)

    # -- the reconciliation sweep ---------------------------------------------------------------
    def sweep(self, today: date | None = None) -> int:
        """Offer every meeting of the last ``sweep_days`` days the listing shows (what is done
        costs nothing: the ledger knows it). How many meetings were queued."""
        if self._list_meetings is None:
            return 0
        today = today or datetime.now(UTC).date()
        selection = self.config.scope.selection(
            today - timedelta(days=self.config.sweep_days), today)
        queued = 0
        try:
            for recordings in self._list_meetings(selection):
                queued += self.worker.offer(recordings)
        except TranscribeZoomError as exc:
            self.metrics.count("sweeps", result="failed")
            self._sink(Notice(f"The reconciliation sweep stopped: {exc.message}", warning=True))
            return queued
        self.metrics.count("sweeps", result="ok")
        self.metrics.count("sweep_meetings_queued", queued)
        return queued

    def _sweep_loop(self) -> None:
        delay = 0.0  # a first sweep at start resumes what a previous process left in flight
        while not self._stop.wait(delay):
            self.sweep()
            delay = self.config.sweep_every
            if delay <= 0:
                return

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        if self.remote is not None:
            self.remote.start()
            return
        self.worker.start()
        if self._list_meetings is not None:
            self._sweeper = threading.Thread(target=self._sweep_loop, name="serve-sweep",
                                             daemon=True)
            self._sweeper.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        self.recorder.close()
        if self.remote is not None:
            self.remote.stop(timeout)
            return
        self.worker.stop(timeout)
        if self._sweeper is not None:
            self._sweeper.join(timeout)

    # -- what the operator sees -----------------------------------------------------------------
    def health(self) -> Reply:
        """200 when the ledger answers, the credentials work (checked once a minute) and the
        engine's process is up."""
        problems: dict[str, str] = {}
        try:
            self.ledger.counts()
        except TranscribeZoomError as exc:
            problems["ledger"] = exc.message
        now = self._monotonic()
        if self._credentials is None or now - self._credentials[0] > 60.0:
            self._credentials = (now, self._check_credentials())
        if self._credentials[1]:
            problems["credentials"] = self._credentials[1]
        engine = self.remote.problem() if self.remote is not None else None
        if engine:
            problems["engine"] = engine
        if problems:
            return Reply(503, {"status": "unhealthy", "problems": problems})
        return Reply(200, {"status": "ok"})

    def metrics_text(self) -> str:
        summary = self.ledger.summary()
        return self.metrics.render(summary.counts, summary.completed_audio_hours,
                                   self.in_work())

    def recent(self, limit: int = 50) -> list[Row]:
        rows = self.ledger.rows()
        return sorted(rows, key=lambda r: r.updated_at, reverse=True)[:limit]

    # -- events from the engine -----------------------------------------------------------------
    def _observe(self, event: Event) -> None:
        if isinstance(event, RecordingDone) and not event.cached:
            self.metrics.count("recordings_done", status=event.status)
            if event.status == "completed":
                self._time_completion(event.recording_file_id)
        self._sink(event)

    def _time_completion(self, file_id: str) -> None:
        row = self.ledger.get(file_id)
        now = self._monotonic()
        with self._lock:
            announced = self._announced.pop(row.meeting_uuid or "", None) if row else None
            called_back = self._called_back.pop(file_id, None)
        if announced is not None:
            self.metrics.observe("event_to_transcript", now - announced)
        if called_back is not None:
            self.metrics.observe("callback_lag", now - called_back)
