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
    from .cli import check_out_dir
    from .emulator import Emulator

    check_out_dir(out)
    with Emulator(concurrency=5, speed=DEMO_SPEED) as emu:
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
        return transcribe_refs(refs, settings_for(emu.env()), options, renderer)


def transcribe_refs(
    refs: list[str], settings: Settings, options: RunOptions, renderer: EventSink
) -> list[RecordingResult]:
    """Transcribe several MEETING arguments in one pipeline run, so their jobs overlap."""
    from .assembly import AssemblyClient
    from .ledger import Ledger
    from .pipeline import Pipeline, meeting_instances
    from .zoom import build_zoom_client, parse_meeting_ref

    zoom = build_zoom_client(settings, sink=renderer)
    assembly = AssemblyClient(settings, sink=renderer)
    try:
        with Ledger.open(options.out_dir) as ledger:
            instances = []
            for ref in refs:
                instances.extend(meeting_instances(
                    parse_meeting_ref(ref), zoom, ttl=options.handoff_ttl, sink=renderer))
            return Pipeline(zoom, assembly, ledger, options, sink=renderer).run(instances)
    finally:
        assembly.close()
