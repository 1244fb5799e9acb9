"""A local, faithful stand-in for Zoom's cloud-recording API and AssemblyAI's transcription API.

One loopback HTTP server (Starlette + uvicorn) serves ``/zoom/oauth/token``, ``/zoom/v2/...``,
``/zoom/rec/download/...`` (and the same at the root, Zoom's own layout: ``/oauth/token``,
``/v2/...``) and ``/assemblyai/v2/...`` with the vendors' shapes and traps
(double-encoded UUIDs, one-month listing windows, HTML answered with 200 on a bad download token,
jobs failing with 200 + ``status: error``, queueing beyond a concurrency limit), scripted meetings
in several languages, seeded fault injection, and ``/_emulator/stats`` for tests and benchmarks::

    from zoom_assembly.emulator import Emulator
    with Emulator(speed=1000) as emu:
        env = emu.env()            # ZOOM_*, ASSEMBLYAI_* pointing at the emulator
        meeting = emu.scenario.find("spanish")
        ...
        emu.stats()["jobs"]["peak_processing"]

The library never imports this package; it imports nothing from the rest of ``zoom_assembly``.
"""

from .faults import KINDS as FAULT_KINDS
from .faults import Faults
from .scenario import Meeting, RecordingFile, Scenario, User
from .server import Emulator, serve_forever
from .state import ALL_SCOPES, KNOWN_SPEECH_MODELS, Credentials
from .tokens import ManualClock

__all__ = [
    "ALL_SCOPES",
    "FAULT_KINDS",
    "KNOWN_SPEECH_MODELS",
    "Credentials",
    "Emulator",
    "Faults",
    "ManualClock",
    "Meeting",
    "RecordingFile",
    "Scenario",
    "User",
    "serve_forever",
]
