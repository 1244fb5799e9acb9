"""The emulated AssemblyAI calls ``webhook_url`` late, twice or never when its knobs say so."""

from __future__ import annotations

import threading
from typing import Any

from tests.emulator.conftest import Assembly, Zoom, handoff_url


def _calls(aai: Assembly) -> list[dict[str, Any]]:
    return list(aai.http.get(f"{aai.emu.base_url}/_emulator/webhook-sink").json())


def _until(condition: Any, timeout: float = 20.0) -> bool:
    pause = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        pause.wait(0.02)
    return bool(condition())


def _transcribe(aai: Assembly, zoom: Zoom, tag: str) -> dict[str, Any]:
    return aai.transcribe(handoff_url(zoom, tag),
                          webhook_url=f"{aai.emu.base_url}/_emulator/webhook-sink",
                          webhook_auth_header_name="X-Secret", webhook_auth_header_value="s")


def test_callback_comes_twice_with_the_duplicate_knob(zoom: Zoom, aai: Assembly) -> None:
    aai.emu.settings.webhook_duplicate_rate = 1.0
    done = _transcribe(aai, zoom, "spanish")
    assert _until(lambda: len(_calls(aai)) == 2)
    assert [c["body"]["transcript_id"] for c in _calls(aai)] == [done["id"], done["id"]]


def test_callback_never_comes_with_the_drop_knob(zoom: Zoom, aai: Assembly) -> None:
    aai.emu.settings.webhook_drop_rate = 1.0
    dropped = _transcribe(aai, zoom, "spanish")
    aai.emu.settings.webhook_drop_rate = 0.0
    kept = _transcribe(aai, zoom, "german")  # submitted after the first one had ended
    assert _until(lambda: len(_calls(aai)) == 1)
    assert [c["body"]["transcript_id"] for c in _calls(aai)] == [kept["id"]]
    assert dropped["id"] != kept["id"]


def test_callback_comes_after_the_job_ended_with_the_delay_knob(zoom: Zoom,
                                                               aai: Assembly) -> None:
    aai.emu.settings.webhook_delay_seconds = 2.0
    done = _transcribe(aai, zoom, "spanish")
    assert done["status"] == "completed"
    assert _calls(aai) == []  # the job is done, its callback still on its way
    assert _until(lambda: len(_calls(aai)) == 1)
