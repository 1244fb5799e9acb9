"""``serve`` and the emulator run the whole loop by themselves: Zoom's signed events (some
twice, some lost), AssemblyAI's callbacks, the sweep, every recording paid for once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from zoom_assembly.config import load_settings
from zoom_assembly.emulator import Emulator, Scenario
from zoom_assembly.ledger import Ledger
from zoom_assembly.pipeline import RunOptions
from zoom_assembly.pipeline.clients import open_clients
from zoom_assembly.redact import Secret
from zoom_assembly.service import Service, ServiceConfig
from zoom_assembly.service.run import BackgroundServer, build_service

from .conftest import SPEED

SECRET = "emulated-app-secret-token"
MEETINGS = ("english", "spanish", "german")  # three recorded meetings of the built-in scenario


@dataclass
class Loop:
    emu: Emulator
    service: Service
    server: BackgroundServer
    ledger: Ledger
    out: Path

    def completed(self) -> list[Any]:
        return self.ledger.rows(["completed"])

    def until(self, condition: Callable[[], bool], timeout: float = 60.0) -> bool:
        """Wait for the service to get there (not a timing assertion: a generous bound)."""
        pause = threading.Event()
        for _ in range(int(timeout / 0.02)):
            if condition():
                return True
            pause.wait(0.02)
        return condition()

    def submissions(self) -> dict[str, int]:
        return dict(self.emu.stats()["submissions"])


@pytest.fixture
def start_loop(tmp_path: Path) -> Iterator[Callable[..., Loop]]:
    stack: list[Any] = []

    def start(*, public_url: bool = True, safety_poll: float = 300.0, sweep: bool = False,
              rules: Any = None, **subscription: Any) -> Loop:
        emu = Emulator(scenario=Scenario.builtin(), speed=SPEED, concurrency=5).start()
        stack.append(emu.stop)
        settings = load_settings(environ=emu.env(), use_env_file=False)
        clients_cm = open_clients(settings, lambda e: None)
        clients = clients_cm.__enter__()
        stack.append(lambda: clients_cm.__exit__(None, None, None))
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        ledger = Ledger.open(out)
        stack.append(ledger.close)
        options = RunOptions.from_flags(out, poll_speed=SPEED, poll_interval=0.05)
        holder: dict[str, BackgroundServer] = {}

        # The public URL is only known once the socket is bound: the config reads it late.
        config = ServiceConfig(zoom_secret=Secret(SECRET), public_url=None,
                               safety_poll=safety_poll, sweep_every=0)
        service = build_service(clients, ledger, options, config, sweep=sweep, rules=rules)
        server = BackgroundServer(service)
        holder["server"] = server
        if public_url:
            service.config = ServiceConfig(
                zoom_secret=Secret(SECRET), public_url=server.url, safety_poll=safety_poll,
                sweep_every=0)
        server.start()
        stack.append(server.stop)
        subscription.setdefault("time_scale", 0.001)
        emu.subscribe_zoom_webhooks(f"{server.url}/zoom/webhook", SECRET, **subscription)
        return Loop(emu, service, server, ledger, out)

    yield start
    for undo in reversed(stack):
        undo()


def test_zoom_validates_the_endpoint_with_the_secret_token(start_loop: Any) -> None:
    loop = start_loop()
    assert loop.emu.validate_zoom_endpoint()


def test_announced_recordings_are_transcribed_once_each_through_callbacks(
        start_loop: Any) -> None:
    loop = start_loop(duplicate_rate=1.0)  # every event delivered twice
    for tag in MEETINGS:
        loop.emu.complete_recording(tag)
    assert loop.until(lambda: len(loop.completed()) == len(MEETINGS))
    assert loop.until(lambda: loop.service.worker.in_work() == 0)
    rows = loop.completed()
    assert sorted(r.meeting_uuid for r in rows) == sorted(
        loop.emu.scenario.find(t).uuid for t in MEETINGS)
    assert sorted(loop.submissions().values()) == [1, 1, 1]
    for row in rows:
        assert Path(row.outputs["json"]).is_file()
    metrics = loop.service.metrics
    assert metrics.value("webhook_events_received", event="recording.completed") == 6
    assert metrics.value("webhook_events_duplicate") == 3
    # Each job ended through its callback (the safety poll is 300 s away).
    assert metrics.value("assemblyai_callbacks", result="matched") == 3
    # AssemblyAI fetched the audio from the event's webhook download URLs (its download_token).
    requests = loop.emu.stats()["requests"]["by_endpoint"]
    assert any("webhook_download" in path for path in requests), requests
    text = httpx.get(f"{loop.server.url}/metrics").text
    assert "transcribe_zoom_callback_lag_seconds_count 3" in text


def test_a_failed_delivery_is_retried_on_zooms_schedule(start_loop: Any) -> None:
    loop = start_loop()
    original = loop.service.zoom_check
    calls: list[int] = []

    def flaky(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            from zoom_assembly.service import Reply
            return Reply(503, {"error": "busy"})
        return original(*args)

    loop.service.zoom_check = flaky  # type: ignore[method-assign]
    loop.emu.complete_recording("english")
    assert loop.until(lambda: len(loop.completed()) == 1)
    attempts = [(d["attempt"], d["status_code"]) for d in loop.emu.zoom_webhook_deliveries()]
    assert attempts == [(0, 503), (1, 200)]


def test_a_lost_zoom_event_is_picked_up_by_the_sweep(start_loop: Any) -> None:
    loop = start_loop(drop_rate=1.0, sweep=False)
    loop.emu.complete_recording("english")
    assert loop.emu.zoom_webhook_deliveries() == []
    english = loop.emu.scenario.find("english")
    listed = [english]

    from zoom_assembly.zoom import build_zoom_client

    zoom = build_zoom_client(load_settings(environ=loop.emu.env(), use_env_file=False))
    loop.service._list_meetings = lambda selection: [
        zoom.meeting_recordings(m.uuid) for m in listed]
    assert loop.service.sweep() == 1
    assert loop.until(lambda: len(loop.completed()) == 1)
    assert loop.submissions() and sorted(loop.submissions().values()) == [1]


def test_a_lost_callback_is_recovered_by_the_safety_poll(start_loop: Any) -> None:
    loop = start_loop(safety_poll=1.0)
    loop.emu.settings.webhook_drop_rate = 1.0
    loop.emu.complete_recording("english")
    assert loop.until(lambda: len(loop.completed()) == 1)
    assert loop.service.metrics.value("assemblyai_callbacks", result="matched") == 0


def test_a_bad_signature_is_refused_and_nothing_is_transcribed(start_loop: Any) -> None:
    loop = start_loop()
    body = loop.emu.state.zoom_webhooks.event_body(loop.emu.scenario.find("english"))
    reply = httpx.post(f"{loop.server.url}/zoom/webhook", content=body, headers={
        "x-zm-request-timestamp": "1765000000000", "x-zm-signature": "v0=" + "ab" * 32})
    assert reply.status_code == 401
    assert loop.ledger.event_deliveries() == {}
    assert loop.ledger.rows() == []


def test_callbacks_sent_again_after_failures_and_twice_are_harmless(start_loop: Any) -> None:
    """AssemblyAI sends a failed callback again (10 s apart, time-scaled here) and sometimes
    twice: the recording is still paid for and written once."""
    loop = start_loop(safety_poll=300.0)
    loop.emu.settings.webhook_time_scale = 0.001
    loop.emu.settings.webhook_duplicate_rate = 1.0
    original = loop.service.assemblyai_callback
    answered: list[int] = []

    def failing_twice(*args: Any) -> Any:
        from zoom_assembly.service import Reply

        reply = Reply(503, {"error": "busy"}) if len(answered) < 2 else original(*args)
        answered.append(reply.status)
        return reply

    loop.service.assemblyai_callback = failing_twice  # type: ignore[method-assign]
    loop.emu.complete_recording("english")
    assert loop.until(lambda: len(loop.completed()) == 1)
    assert loop.until(lambda: len(answered) == 4)  # 503, 503, 200 and the duplicate's 200
    assert answered == [503, 503, 200, 200]
    assert sorted(loop.submissions().values()) == [1]
    assert loop.service.metrics.value("recordings_done", status="completed") == 1
    # The safety poll is 300 s: only a callback sent again can have finished it this soon.
    assert loop.service.metrics.value("assemblyai_callbacks", result="matched") >= 1


def _post_event(loop: Loop, body: bytes) -> httpx.Response:
    import time

    from zoom_assembly.emulator.zoom_webhooks import sign

    timestamp = str(int(time.time() * 1000))
    return httpx.post(f"{loop.server.url}/zoom/webhook", content=body, headers={
        "content-type": "application/json", "x-zm-request-timestamp": timestamp,
        "x-zm-signature": sign(SECRET, timestamp, body)})


def _event(loop: Loop, tag: str, event: str, *, without_transcript: bool = False) -> bytes:
    import json

    body = json.loads(loop.emu.state.zoom_webhooks.event_body(loop.emu.scenario.find(tag),
                                                               event))
    if without_transcript:  # Zoom's transcript is made after the recording: not there yet
        files = body["payload"]["object"]["recording_files"]
        body["payload"]["object"]["recording_files"] = [
            f for f in files if f["file_type"] not in ("TRANSCRIPT", "CC")]
    return json.dumps(body).encode()


def test_zoom_transcript_arriving_later_is_used_for_a_recording_waiting_for_it(
        start_loop: Any) -> None:
    from zoom_assembly.pipeline.pay_policy import PayRules

    loop = start_loop(rules=PayRules.from_flags(source="zoom"))
    english = loop.emu.scenario.find("english")
    assert _event_reply(loop, _event(loop, "english", "recording.completed",
                                     without_transcript=True)) == "accepted"
    assert loop.until(lambda: any(r.decision_reason == "waiting for Zoom's transcript or "
                                  "captions" for r in loop.ledger.rows(["pending"])))
    assert loop.until(lambda: loop.service.worker.in_work() == 0)
    assert _event_reply(loop, _event(loop, "english", "recording.transcript_completed")) \
        == "accepted"
    assert loop.until(lambda: len(loop.completed()) == 1)
    [row] = loop.completed()
    assert row.meeting_uuid == english.uuid and row.transcript_source == "zoom_transcript"
    assert loop.submissions() == {}  # nothing paid for


def test_zoom_transcript_of_a_recording_already_transcribed_is_left_alone(
        start_loop: Any) -> None:
    from zoom_assembly.pipeline.pay_policy import PayRules
    from zoom_assembly.service.zoom_transcript import LEFT_ALONE_NOTE

    loop = start_loop(rules=PayRules.from_flags(source="assemblyai"))
    loop.emu.complete_recording("english")
    assert loop.until(lambda: len(loop.completed()) == 1)
    assert loop.until(lambda: loop.service.worker.in_work() == 0)
    assert _event_reply(loop, _event(loop, "english", "recording.transcript_completed")) \
        == "accepted"
    assert loop.until(lambda: LEFT_ALONE_NOTE in (loop.completed()[0].decision_reason or ""))
    [row] = loop.completed()
    assert row.transcript_source == "assemblyai"
    assert sorted(loop.submissions().values()) == [1]
    assert loop.service.metrics.value("zoom_transcript_events", outcome="left_alone") == 1


def _event_reply(loop: Loop, body: bytes) -> str:
    reply = _post_event(loop, body)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["status"])
