"""``serve``'s handlers: Zoom's signed events, AssemblyAI's callbacks, sweep, health, metrics."""

from __future__ import annotations

import json
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.unit.factories import meeting, recording_file
from zoom_assembly.errors import ConfigError, UsageError
from zoom_assembly.ledger import Ledger, LedgerEntry
from zoom_assembly.models import MeetingInfo
from zoom_assembly.redact import Secret
from zoom_assembly.service import (
    Service,
    ServiceConfig,
    ServiceScope,
    build_app,
    encrypted_token,
    resolve_ledger,
    zoom_signature,
)
from zoom_assembly.service.run import webhook_secret
from zoom_assembly.service.signatures import ASSEMBLYAI_AUTH_HEADER, MAX_BODY_BYTES

SECRET = Secret("zoom-webhook-secret-token")
NOW = 1_765_000_000.0


class FakeFollower:
    def __init__(self, followed: dict[str, str]) -> None:
        self.followed = followed
        self.checked: list[str] = []

    def check_now(self, transcript_id: str) -> str | None:
        self.checked.append(transcript_id)
        return self.followed.get(transcript_id)


class FakeEngine:
    """Stands in for a Pipeline: records the batches it was given, sleeps until woken."""

    def __init__(self, sleep: Any, followed: dict[str, str], runs: list[list[str]],
                 hold: threading.Event | None) -> None:
        self.sleep = sleep
        self.follower = FakeFollower(followed)
        self.runs = runs
        self.hold = hold

    def run(self, batch: list[Any]) -> list[Any]:
        self.runs.append([r.meeting.uuid for r in batch])
        while self.hold is not None and not self.hold.is_set():
            self.sleep(0.02)  # woken early by a callback, ended by a stop
        return []


class Harness:
    def __init__(self, tmp_path: Path, *, scope: ServiceScope | None = None,
                 public_url: str | None = "https://serve.example.com",
                 listing: list[Any] | None = None, hold: threading.Event | None = None,
                 max_batches: int = 4) -> None:
        self.ledger = Ledger.open(tmp_path / "out")
        self.runs: list[list[str]] = []
        self.followed: dict[str, str] = {}
        self.engines: list[FakeEngine] = []
        self.hold = hold
        self.listed_selections: list[Any] = []

        def make_engine(sleep: Any, sink: Any) -> FakeEngine:
            engine = FakeEngine(sleep, self.followed, self.runs, self.hold)
            self.engines.append(engine)
            return engine

        def list_meetings(selection: Any) -> list[Any]:
            self.listed_selections.append(selection)
            return listing or []

        config = ServiceConfig(zoom_secret=SECRET, public_url=public_url,
                               scope=scope or ServiceScope(all_users=True),
                               max_batches=max_batches)
        self.service = Service(config, self.ledger, make_engine,  # type: ignore[arg-type]
                               list_meetings=list_meetings, clock=lambda: NOW)
        self.client = TestClient(build_app(self.service, manage_lifecycle=False))

    def post_zoom(self, payload: dict[str, Any] | bytes, *, timestamp: str | None = None,
                  signature: str | None = None, sign: bool = True) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        ts = timestamp if timestamp is not None else str(int(NOW))
        headers = {"content-type": "application/json", "x-zm-request-timestamp": ts}
        if sign:
            headers["x-zm-signature"] = signature or zoom_signature(SECRET, ts, body)
        return self.client.post("/zoom/webhook", content=body, headers=headers)


def completed_event(uuid: str = "UaOnHojhRZueVNCVcK8lEA==", token: str = "dl-token-123",
                    host_email: str = "host@example.com") -> dict[str, Any]:
    obj = meeting([recording_file(meeting_uuid=uuid, file_id=f"m4a-{uuid}")], uuid=uuid)
    obj["host_email"] = host_email
    return {"event": "recording.completed", "event_ts": int(NOW * 1000),
            "download_token": token, "payload": {"account_id": "acc", "object": obj}}


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def event_rows(ledger: Ledger) -> dict[str, int]:
    return ledger.event_deliveries()


# -- Zoom: URL validation -------------------------------------------------------------------
def test_url_validation_answers_plain_token_and_its_hmac(harness: Harness) -> None:
    reply = harness.post_zoom({"event": "endpoint.url_validation",
                               "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}})
    assert reply.status_code == 200
    assert reply.json() == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": encrypted_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw"),
    }
    # Zoom's documented computation: hex HMAC-SHA256(secret token, plainToken).
    import hashlib
    import hmac
    assert reply.json()["encryptedToken"] == hmac.new(
        b"zoom-webhook-secret-token", b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()


def test_unsigned_url_validation_is_refused_so_it_cannot_sign_forged_bodies(
        harness: Harness) -> None:
    forged = "v0:1765000000:" + json.dumps(completed_event())
    reply = harness.post_zoom({"event": "endpoint.url_validation",
                               "payload": {"plainToken": forged}}, sign=False)
    assert reply.status_code == 401
    assert "encryptedToken" not in reply.text


# -- Zoom: signatures ------------------------------------------------------------------------
def test_event_with_wrong_signature_is_401_and_nothing_recorded(harness: Harness) -> None:
    reply = harness.post_zoom(completed_event(), signature="v0=" + "0" * 64)
    assert reply.status_code == 401
    assert event_rows(harness.ledger) == {}
    assert harness.ledger.rows() == []
    assert harness.service.worker.in_work() == 0


def test_event_without_signature_is_401_and_nothing_recorded(harness: Harness) -> None:
    reply = harness.post_zoom(completed_event(), sign=False)
    assert reply.status_code == 401
    assert reply.json() == {"error": "missing_signature"}
    assert event_rows(harness.ledger) == {}


def test_signature_is_checked_over_the_raw_bytes_not_reserialised_json(
        harness: Harness) -> None:
    raw = b'{ "event" : "recording.completed",\n "payload": {"object": {"uuid": "u1"}}}'
    ts = str(int(NOW))
    signed_over_compact = zoom_signature(SECRET, ts, json.dumps(json.loads(raw)).encode())
    assert harness.post_zoom(raw, signature=signed_over_compact).status_code == 401
    assert harness.post_zoom(raw).status_code == 200


@pytest.mark.parametrize("age", [301, -301])
def test_stale_or_future_timestamp_is_refused_even_when_signed(harness: Harness,
                                                                age: int) -> None:
    reply = harness.post_zoom(completed_event(), timestamp=str(int(NOW) - age))
    assert reply.status_code == 401
    assert reply.json() == {"error": "stale_timestamp"}
    assert event_rows(harness.ledger) == {}


def test_timestamp_in_milliseconds_is_accepted(harness: Harness) -> None:
    reply = harness.post_zoom(completed_event(), timestamp=str(int(NOW * 1000) - 2000))
    assert reply.status_code == 200


def test_stale_timestamp_in_milliseconds_is_refused(harness: Harness) -> None:
    reply = harness.post_zoom(completed_event(), timestamp=str(int((NOW - 600) * 1000)))
    assert reply.status_code == 401


def test_body_over_the_size_limit_is_refused_unread(harness: Harness) -> None:
    body = b'{"event": "recording.completed", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    reply = harness.post_zoom(body)
    assert reply.status_code == 413
    assert event_rows(harness.ledger) == {}
    assert harness.service.metrics.value("webhook_events_rejected", reason="too_large") == 1


# -- Zoom: recording events --------------------------------------------------------------------
def test_recording_completed_is_recorded_and_queued_with_its_download_token(
        tmp_path: Path) -> None:
    hold = threading.Event()
    h = Harness(tmp_path, hold=hold)
    offered: list[Any] = []
    original = h.service.worker.offer
    h.service.worker.offer = lambda rec, **kw: offered.append(rec) or original(rec, **kw)  # type: ignore
    reply = h.post_zoom(completed_event(token="dl-token-123"))
    assert reply.status_code == 200
    assert reply.json() == {"status": "accepted"}
    assert list(event_rows(h.ledger).values()) == [1]
    [recordings] = offered
    assert recordings.download_access_token == Secret("dl-token-123")
    assert recordings.files[0].id == "m4a-UaOnHojhRZueVNCVcK8lEA=="
    assert h.service.worker.in_work() == 1


def test_duplicate_delivery_is_counted_but_not_queued_again(tmp_path: Path) -> None:
    h = Harness(tmp_path, hold=threading.Event())
    h.service.start()
    try:
        assert h.post_zoom(completed_event()).json() == {"status": "accepted"}
        assert h.post_zoom(completed_event()).json() == {"status": "duplicate"}
        assert list(event_rows(h.ledger).values()) == [2]
        assert h.service.metrics.value("webhook_events_duplicate") == 1
    finally:
        h.hold.set()  # type: ignore[union-attr]
        h.service.stop()
    assert h.runs == [["UaOnHojhRZueVNCVcK8lEA=="]]


def test_event_for_a_host_outside_the_users_is_recorded_not_queued(tmp_path: Path) -> None:
    h = Harness(tmp_path, scope=ServiceScope(users=("alice@example.com",)))
    reply = h.post_zoom(completed_event(host_email="bob@example.com"))
    assert reply.json() == {"status": "out_of_scope"}
    assert h.service.worker.in_work() == 0


def test_event_for_a_topic_outside_the_filter_is_not_queued(tmp_path: Path) -> None:
    h = Harness(tmp_path, scope=ServiceScope(all_users=True, topic=re.compile("standup")))
    assert h.post_zoom(completed_event()).json() == {"status": "out_of_scope"}


def test_other_events_are_acknowledged_and_ignored(harness: Harness) -> None:
    reply = harness.post_zoom({"event": "meeting.started", "payload": {}})
    assert reply.json() == {"status": "ignored"}
    assert event_rows(harness.ledger) == {}


# -- the worker -------------------------------------------------------------------------------
def test_meetings_arriving_while_slots_are_busy_run_as_one_batch(tmp_path: Path) -> None:
    hold = threading.Event()
    h = Harness(tmp_path, hold=hold, max_batches=1)
    h.service.start()
    try:
        h.post_zoom(completed_event(uuid="first"))
        assert _wait_for(lambda: len(h.runs) == 1)
        h.post_zoom(completed_event(uuid="second"))
        h.post_zoom(completed_event(uuid="third"))
        hold.set()
        assert h.service.worker.wait_idle(timeout=10)
    finally:
        h.service.stop()
    assert h.runs == [["first"], ["second", "third"]]


def test_stop_ends_a_waiting_batch_and_frees_its_meetings(tmp_path: Path) -> None:
    h = Harness(tmp_path, hold=threading.Event())  # never set: the batch waits forever
    h.service.start()
    h.post_zoom(completed_event())
    assert _wait_for(lambda: len(h.runs) == 1)
    h.service.stop(timeout=10)
    assert h.service.worker.in_work() == 0


def _wait_for(condition: Any, timeout: float = 10.0) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return True
        done.wait(0.01)
    return bool(condition())


# -- AssemblyAI callbacks ---------------------------------------------------------------------
def test_callback_url_and_secret_header_are_requested_for_every_job(harness: Harness) -> None:
    fields = harness.service.request_fields()
    assert fields["webhook_url"] == "https://serve.example.com/assemblyai/webhook"
    assert fields["webhook_auth_header_name"] == ASSEMBLYAI_AUTH_HEADER
    assert fields["webhook_auth_header_value"] == harness.service.callback_secret.reveal()
    assert harness.service.callback_secret.reveal() not in repr(fields)


def test_no_callback_is_requested_without_a_public_url(tmp_path: Path) -> None:
    assert Harness(tmp_path, public_url=None).service.request_fields() == {}


def test_callback_without_our_header_is_401_and_checks_nothing(tmp_path: Path) -> None:
    h = Harness(tmp_path, hold=threading.Event())
    h.service.start()
    try:
        h.post_zoom(completed_event())
        assert _wait_for(lambda: len(h.engines) == 1)
        reply = h.client.post("/assemblyai/webhook", json={"transcript_id": "t1",
                                                           "status": "completed"},
                              headers={ASSEMBLYAI_AUTH_HEADER: "guess"})
        assert reply.status_code == 401
        assert h.engines[0].follower.checked == []
    finally:
        h.hold.set()  # type: ignore[union-attr]
        h.service.stop()


def test_callback_with_our_header_has_the_job_checked_now(tmp_path: Path) -> None:
    h = Harness(tmp_path, hold=threading.Event())
    h.followed["t1"] = "m4a-file"
    h.service.start()
    try:
        h.post_zoom(completed_event())
        assert _wait_for(lambda: len(h.engines) == 1)
        reply = h.client.post(
            "/assemblyai/webhook", json={"transcript_id": "t1", "status": "completed"},
            headers={ASSEMBLYAI_AUTH_HEADER: h.service.callback_secret.reveal()})
        assert reply.status_code == 200
        assert h.engines[0].follower.checked == ["t1"]
        assert h.service.metrics.value("assemblyai_callbacks", result="matched") == 1
    finally:
        h.hold.set()  # type: ignore[union-attr]
        h.service.stop()


# -- sweep, health, metrics, page ----------------------------------------------------------------
def test_sweep_offers_what_the_listing_shows_over_the_last_days(tmp_path: Path) -> None:
    from zoom_assembly.zoom.recordings import parse_meeting

    listed = [parse_meeting(meeting(uuid="a")), parse_meeting(meeting(uuid="b"))]
    h = Harness(tmp_path, listing=listed, hold=threading.Event())
    assert h.service.sweep(today=date(2026, 12, 2)) == 2
    [selection] = h.listed_selections
    assert (selection.start, selection.end) == (date(2026, 11, 30), date(2026, 12, 2))
    assert h.service.sweep(today=date(2026, 12, 2)) == 0  # still in work: not queued twice


def test_metrics_count_received_rejected_and_jobs_by_state(harness: Harness) -> None:
    harness.post_zoom(completed_event())
    harness.post_zoom(completed_event(), signature="v0=bad")
    harness.ledger.ensure(LedgerEntry.for_meeting(MeetingInfo(uuid="u"), "f1"))
    text = harness.client.get("/metrics").text
    assert 'transcribe_zoom_webhook_events_received_total{event="recording.completed"} 1' in text
    assert 'transcribe_zoom_webhook_events_rejected_total{reason="bad_signature"} 1' in text
    assert 'transcribe_zoom_jobs{state="pending"} 1' in text
    assert "transcribe_zoom_audio_hours 0" in text


def test_healthz_reports_a_credentials_problem(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    assert h.client.get("/healthz").json() == {"status": "ok"}
    h.service._check_credentials = lambda: "Zoom refused the credentials."
    h.service._credentials = None
    reply = h.client.get("/healthz")
    assert reply.status_code == 503
    assert reply.json()["problems"] == {"credentials": "Zoom refused the credentials."}


def test_status_page_lists_recordings_escaped_and_without_the_token(harness: Harness) -> None:
    harness.ledger.ensure(LedgerEntry.for_meeting(
        MeetingInfo(uuid="u", topic="<script>x</script> sync"), "f1"))
    harness.ledger.mark_failed("f1", "download", "AssemblyAI could not download it.")
    harness.post_zoom(completed_event(token="dl-token-123"))
    page = harness.client.get("/").text
    assert "&lt;script&gt;x&lt;/script&gt; sync" in page
    assert "AssemblyAI could not download it." in page
    assert "dl-token-123" not in page
    assert SECRET.reveal() not in page


def test_transcript_links_serve_only_outputs_the_ledger_lists(harness: Harness,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "t.txt"
    out.write_text("hello")
    harness.ledger.ensure(LedgerEntry.for_meeting(MeetingInfo(uuid="u"), "f/1"))
    harness.ledger.claim_for_submit("f/1", "https://x/a")
    harness.ledger.mark_completed("f/1", {"txt": out}, transcript_id="t")
    assert harness.client.get("/transcripts/f%2F1/txt").text == "hello"
    assert harness.client.get("/transcripts/f%2F1/json").status_code == 404


# -- configuration ------------------------------------------------------------------------------
def test_ledger_defaults_to_the_output_folder(tmp_path: Path) -> None:
    assert resolve_ledger(None, tmp_path) == tmp_path / ".transcribe-zoom" / "ledger.sqlite"
    assert resolve_ledger("sqlite:////var/lib/tz/l.sqlite", tmp_path) == Path(
        "/var/lib/tz/l.sqlite")


def test_a_postgresql_ledger_is_taken_and_a_url_without_a_server_refused(
    tmp_path: Path,
) -> None:
    assert resolve_ledger("postgresql://u@db/tz", tmp_path) == "postgresql://u@db/tz"
    with pytest.raises(UsageError, match="names no server"):
        resolve_ledger("postgresql:///tz", tmp_path)


def test_webhook_secret_comes_from_environment_then_env_file(tmp_path: Path) -> None:
    env = tmp_path / "tokens.env"
    env.write_text("ZOOM_WEBHOOK_SECRET_TOKEN=from-file\n")
    assert webhook_secret(env, {}).reveal() == "from-file"
    assert webhook_secret(env, {"ZOOM_WEBHOOK_SECRET_TOKEN": "from-env"}).reveal() == "from-env"
    with pytest.raises(ConfigError, match="ZOOM_WEBHOOK_SECRET_TOKEN"):
        webhook_secret(None, {})


def test_chunked_body_over_the_size_limit_is_refused(harness: Harness) -> None:
    def chunks() -> Any:
        yield b'{"event": "recording.completed", "pad": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 1):
            yield b"x" * 65536
        yield b'"}'

    reply = harness.client.post("/zoom/webhook", content=chunks(), headers={
        "x-zm-request-timestamp": str(int(NOW)), "x-zm-signature": "v0=x"})
    assert "content-length" not in reply.request.headers
    assert reply.status_code == 413


def test_callback_before_the_job_is_followed_is_matched_when_the_batch_next_sleeps(
        tmp_path: Path) -> None:
    h = Harness(tmp_path, hold=threading.Event())
    h.service.start()
    try:
        h.post_zoom(completed_event())
        assert _wait_for(lambda: len(h.engines) == 1)
        follower = h.engines[0].follower
        reply = h.client.post(
            "/assemblyai/webhook", json={"transcript_id": "t1", "status": "completed"},
            headers={ASSEMBLYAI_AUTH_HEADER: h.service.callback_secret.reveal()})
        assert reply.status_code == 200
        assert follower.checked.count("t1") >= 1  # not followed yet: kept for later
        h.followed["t1"] = "m4a-file"  # the submit call returned: the engine follows it now
        assert _wait_for(lambda: "t1" not in h.service.worker._early)
        assert follower.checked[-1] == "t1"
    finally:
        h.hold.set()  # type: ignore[union-attr]
        h.service.stop()
