"""``transcribe-zoom demo``: the real pipeline against the built-in emulator, in one command.

It starts the emulator in-process on a free loopback port, points a fresh :class:`Settings` at
it (the user's tokens.env and environment are not read), and transcribes a handful of meetings
that show the hard cases: a non-English meeting, every instance of a recurring meeting, a UUID
containing ``//`` and a recording Zoom is still processing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import Settings
from .events import EventSink, Notice
from .pipeline import PollPlan, RecordingResult, RunOptions

DEMO_SPEED = 120.0  # the emulator transcribes 120x faster than real time
DEMO_PROCESSING_SECONDS = 6.0  # Zoom 'finishes processing' the last meeting after this
DEMO_PICKS = (
    ("spanish", "uuid", "a Spanish meeting (language detected)"),
    ("recurring", "id", "every instance of a recurring meeting"),
    ("uuid_double_slash", "uuid", "an instance whose UUID contains //"),
    ("processing", "uuid", "a recording Zoom is still processing"),
)


def settings_for(env: dict[str, str]) -> Settings:
    """Settings pointing at an emulator, built only from its variables."""
    from .config import load_settings

    return load_settings(env_file=None, environ=env, use_env_file=False)


def run_demo(out: Path, *, renderer: EventSink) -> list[RecordingResult]:
    """Run the demo and return one result per recording."""
    from .emulator import Emulator, Scenario
    from .pipeline import ensure_out_dir, transcribe_meetings

    ensure_out_dir(out)
    scenario = Scenario.builtin(processing_ready_after=DEMO_PROCESSING_SECONDS)
    with Emulator(scenario, concurrency=5, speed=DEMO_SPEED) as emu:
        renderer(Notice(f"Emulated Zoom and AssemblyAI listening on {emu.base_url}"))
        refs: list[str] = []
        for tag, kind, what in DEMO_PICKS:
            meeting: Any = emu.scenario.find(tag)
            ref = str(meeting.id) if kind == "id" else meeting.uuid
            renderer(Notice(f"  {what}: {meeting.topic} ({ref})"))
            refs.append(ref)
        options = RunOptions(
            out_dir=out,
            wait_processing=60.0,
            processing_recheck=1.0,
            poll=PollPlan(realtime_factor=DEMO_SPEED, overhead=0.3, min_interval=0.2,
                          max_interval=1.0),
            resume_hint="run `transcribe-zoom demo` again",
        )
        return transcribe_meetings(refs, settings_for(emu.env()), options, sink=renderer)
