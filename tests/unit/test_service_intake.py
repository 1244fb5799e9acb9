"""``serve``'s HTTP side: deliveries recorded in groups, handed to an engine elsewhere, and
``recording.transcript_completed`` meaning "Zoom's own transcript arrived"."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tests.unit.factories import meeting, recording_file
from tests.unit.test_service import NOW, Harness, _wait_for, completed_event
from zoom_assembly.events import Event, Notice
from zoom_assembly.ledger import Ledger, LedgerEntry
from zoom_assembly.models import MeetingInfo
from zoom_assembly.service.intake import EventRecorder
from zoom_assembly.service.signatures import ASSEMBLYAI_AUTH_HEADER
from zoom_assembly.service.zoom_transcript import LEFT_ALONE_NOTE, TRANSCRIPT_COMPLETED

UUID = "UaOnHojhRZueVNCVcK8lEA=="
FILE = f"m4a-{UUID}"


def transcript_event(*, only_text: bool = False) -> dict[str, Any]:
    files = [recording_file(meeting_uuid=UUID, file_id=FILE),
             recording_file("TRANSCRIPT", "audio_transcript", file_id=f"vtt-{UUID}",
                            meeting_uuid=UUID)]
    if only_text:  # the event may list the new transcript file alone
        files = files[1:]
    obj = meeting(files, uuid=UUID)
    obj["host_email"] = "host@example.com"
    return {"event": TRANSCRIPT_COMPLETED, "event_ts": int(NOW * 1000),
            "download_token": "dl", "payload": {"account_id": "acc", "object": obj}}


# -- group commit -------------------------------------------------------------------------------
def test_deliveries_arriving_while_a_commit_runs_are_recorded_in_one_transaction(
        tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    groups: list[list[str]] = []
    first_in = threading.Event()
    release = threading.Event()
    real = ledger.record_events

    def slow_record(rows: Any) -> list[bool]:
        groups.append([r[0] for r in rows])
        first_in.set()
        release.wait(10)
        return real(rows)

    ledger.record_events = slow_record  # type: ignore[method-assign]
    recorder = EventRecorder(ledger)
    results: dict[str, bool] = {}

    def deliver(name: str, key: str) -> None:
        results[name] = recorder.record((key, "recording.completed", "u", None))

    threads = [threading.Thread(target=deliver, args=("a", "k1"))]
    threads[0].start()
    assert first_in.wait(10)
    for name, key in (("b", "k2"), ("c", "k3"), ("d", "k2")):  # d: b's event again
        threads.append(threading.Thread(target=deliver, args=(name, key)))
        threads[-1].start()
    assert _wait_for(lambda: recorder._queue.qsize() == 3)
    release.set()
    for thread in threads:
        thread.join(10)
    recorder.close()
    assert [sorted(g) for g in groups] == [["k1"], ["k2", "k2", "k3"]]
    assert results["a"] and results["c"]
    assert sorted([results["b"], results["d"]]) == [False, True]  # one first, one duplicate
    assert ledger.event_deliveries() == {"k1": 1, "k2": 2, "k3": 1}


# -- the engine elsewhere -----------------------------------------------------------------------
class FakeRemote:
    def __init__(self) -> None:
        self.offers: list[tuple[str, str]] = []
        self.callbacks: list[str] = []
        self.started = self.stopped = False

    def offer(self, event: str, recordings: Any, announced: float) -> None:
        self.offers.append((event, recordings.meeting.uuid))

    def callback(self, transcript_id: str, received: float) -> None:
        self.callbacks.append(transcript_id)

    def in_work(self) -> int:
        return len(self.offers)

    def problem(self) -> str | None:
        return None if self.started else "the engine's process is starting"

    def start(self) -> None:
        self.started = True

    def stop(self, timeout: float | None = 30.0) -> None:
        self.stopped = True


def test_with_the_engine_in_another_process_the_http_side_records_and_hands_over(
        tmp_path: Path) -> None:
    h = Harness(tmp_path)
    remote = FakeRemote()
    h.service.remote = remote
    assert h.client.get("/healthz").json()["problems"] == {
        "engine": "the engine's process is starting"}
    h.service.start()
    assert h.client.get("/healthz").status_code == 200
    assert h.post_zoom(completed_event()).json() == {"status": "accepted"}
    assert h.post_zoom(completed_event()).json() == {"status": "duplicate"}
    reply = h.client.post("/assemblyai/webhook", json={"transcript_id": "t1",
                                                       "status": "completed"},
                          headers={ASSEMBLYAI_AUTH_HEADER: h.service.callback_secret.reveal()})
    assert reply.status_code == 200
    h.service.stop()
    assert remote.offers == [("recording.completed", UUID)]
    assert remote.callbacks == ["t1"]
    assert remote.started and remote.stopped
    assert h.runs == [] and h.engines == []  # no engine ran in this process
    assert "transcribe_zoom_meetings_in_work 1" in h.client.get("/metrics").text


def test_ack_stages_are_timed_in_the_metrics(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    harness.post_zoom(completed_event())
    text = harness.client.get("/metrics").text
    for stage in ("read_body", "check", "record", "hand_over", "in_app"):
        assert f'transcribe_zoom_ack_seconds_count{{stage="{stage}"}} 1' in text
    assert 'transcribe_zoom_ack_seconds_bucket{stage="in_app",le="+Inf"} 1' in text


# -- recording.transcript_completed ---------------------------------------------------------------
def _row(ledger: Ledger, state: str) -> None:
    info = MeetingInfo(uuid=UUID, topic="Weekly sync")
    ledger.ensure(LedgerEntry.for_meeting(info, FILE))
    if state == "pending":
        return
    assert ledger.claim_for_submit(FILE, "https://example.com/a.m4a")
    assert ledger.mark_submitted(FILE, "t-1")
    if state == "completed":
        assert ledger.mark_completed(FILE, {"txt": "/out/a.txt"})
        assert ledger.record_decision(FILE, "assemblyai", "policy: pay for every recording")


class Log:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def notices(self) -> list[str]:
        return [e.message for e in self.events if isinstance(e, Notice)]


def _logged(h: Harness) -> Log:
    log = Log()
    h.service._sink = log
    return log


def test_zoom_transcript_of_a_written_recording_is_left_alone_and_the_ledger_says_why(
        tmp_path: Path) -> None:
    h = Harness(tmp_path)
    log = _logged(h)
    _row(h.ledger, "completed")
    assert h.post_zoom(transcript_event()).json() == {"status": "accepted"}
    assert h.service.worker.in_work() == 0  # nothing to do: no batch
    row = h.ledger.get(FILE)
    assert row is not None and row.state == "completed" and row.transcript_source == "assemblyai"
    assert row.decision_reason == f"policy: pay for every recording; {LEFT_ALONE_NOTE}"
    assert any("was already written: left alone" in n for n in log.notices())
    assert h.service.metrics.value("zoom_transcript_events", outcome="left_alone") == 1


def test_zoom_transcript_of_a_recording_already_paid_for_is_left_alone(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    log = _logged(h)
    _row(h.ledger, "submitted")
    h.post_zoom(transcript_event())
    assert h.service.worker.in_work() == 0
    assert any("already paid for" in n for n in log.notices())


def test_zoom_transcript_of_a_recording_not_yet_transcribed_runs_it_through_the_policy(
        tmp_path: Path) -> None:
    h = Harness(tmp_path, hold=threading.Event())
    _row(h.ledger, "pending")
    h.service.start()
    try:
        h.post_zoom(transcript_event())
        assert _wait_for(lambda: h.runs == [[UUID]])
    finally:
        h.hold.set()  # type: ignore[union-attr]
        h.service.stop()
    assert h.service.metrics.value("zoom_transcript_events", outcome="zoom_text_may_serve") == 1


def test_zoom_transcript_arriving_while_its_meeting_runs_runs_it_once_more_after(
        tmp_path: Path) -> None:
    hold = threading.Event()
    h = Harness(tmp_path, hold=hold)
    h.service.start()
    try:
        h.post_zoom(completed_event())
        assert _wait_for(lambda: len(h.runs) == 1)
        h.post_zoom(transcript_event())  # the running batch may have decided without it
        hold.set()
        assert _wait_for(lambda: len(h.runs) == 2)
        assert h.service.worker.wait_idle(timeout=10)
    finally:
        h.service.stop()
    assert h.runs == [[UUID], [UUID]]


def test_a_meeting_offered_again_while_it_runs_without_news_is_not_run_again(
        tmp_path: Path) -> None:
    from zoom_assembly.zoom.recordings import parse_meeting

    hold = threading.Event()
    h = Harness(tmp_path, hold=hold)
    h.service.start()
    try:
        h.post_zoom(completed_event())
        assert _wait_for(lambda: len(h.runs) == 1)
        again = parse_meeting(completed_event()["payload"]["object"])
        h.service.accept("recording.completed", again, 0.0)  # e.g. the sweep lists it
        hold.set()
        assert h.service.worker.wait_idle(timeout=10)
    finally:
        h.service.stop()
    assert h.runs == [[UUID]]


def test_transcript_only_event_runs_the_meeting_with_the_files_announced_before(
        tmp_path: Path) -> None:
    hold = threading.Event()
    h = Harness(tmp_path, hold=hold)
    offered: list[Any] = []
    original = h.service.worker.offer
    h.service.worker.offer = (  # type: ignore[method-assign]
        lambda rec, **kw: offered.append(rec) or original(rec, **kw))
    _row(h.ledger, "pending")  # e.g. waiting for Zoom's text under --source zoom
    h.post_zoom(completed_event())
    h.post_zoom(transcript_event(only_text=True))
    assert [sorted(f.id for f in r.files) for r in offered] == [
        [FILE], [FILE, f"vtt-{UUID}"]]  # the audio file kept, Zoom's transcript added


def test_transcript_only_event_before_any_announcement_waits_for_the_recording(
        tmp_path: Path) -> None:
    h = Harness(tmp_path)
    log = _logged(h)
    h.post_zoom(transcript_event(only_text=True))
    assert h.service.worker.in_work() == 0
    assert any("before its recording was announced" in n for n in log.notices())
    assert h.service.metrics.value("zoom_transcript_events", outcome="waiting_for_audio") == 1
