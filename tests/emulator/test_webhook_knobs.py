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


def _transcribe_to(aai: Assembly, zoom: Zoom, tag: str, answers: str) -> dict[str, Any]:
    return aai.transcribe(handoff_url(zoom, tag),
                          webhook_url=f"{aai.emu.base_url}/_emulator/webhook-sink?answer="
                                      f"{answers}",
                          webhook_auth_header_name="X-Secret", webhook_auth_header_value="s")


def test_failed_callback_is_sent_again_until_a_2xx(zoom: Zoom, aai: Assembly) -> None:
    aai.emu.settings.webhook_time_scale = 0.001  # AssemblyAI's 10 s apart -> 10 ms
    done = _transcribe_to(aai, zoom, "spanish", "500,503")
    assert _until(lambda: len(_calls(aai)) == 3)
    assert [c["answered"] for c in _calls(aai)] == [500, 503, 200]
    assert {c["body"]["transcript_id"] for c in _calls(aai)} == {done["id"]}
    assert _until(lambda: aai.get(f"/v2/transcript/{done['id']}").json()["webhook_status_code"]
                  == 200)


def test_callback_answered_4xx_is_not_sent_again(zoom: Zoom, aai: Assembly) -> None:
    aai.emu.settings.webhook_time_scale = 0.001
    done = _transcribe_to(aai, zoom, "spanish", "503,401")
    assert _until(lambda: len(_calls(aai)) == 2)
    later = _transcribe(aai, zoom, "german")  # ends after any third attempt would have come
    assert _until(lambda: len(_calls(aai)) == 3)
    assert [c["body"]["transcript_id"] for c in _calls(aai)] == [done["id"], done["id"],
                                                               later["id"]]


def test_callback_gives_up_after_ten_attempts(zoom: Zoom, aai: Assembly) -> None:
    aai.emu.settings.webhook_time_scale = 0.001
    done = _transcribe_to(aai, zoom, "spanish", ",".join(["503"] * 12))
    assert _until(lambda: len(_calls(aai)) == 10)
    later = _transcribe(aai, zoom, "german")
    assert _until(lambda: len(_calls(aai)) == 11)
    assert [c["body"]["transcript_id"] for c in _calls(aai)].count(done["id"]) == 10
    assert later["id"] != done["id"]
