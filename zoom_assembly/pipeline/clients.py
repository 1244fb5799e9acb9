"""Opening what a run needs: the output folder, and the Zoom and AssemblyAI clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..assembly import AssemblyClient
from ..config import Settings
from ..errors import OutputError
from ..events import EventSink
from ..zoom import ZoomClient, build_zoom_client


def ensure_out_dir(out: Path) -> None:
    """Fail early, with one sentence, when the output folder cannot be created or written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Cannot create the output folder {out} ({exc.strerror or exc}); choose another "
            "with --out."
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"Cannot write to the output folder {out}; choose another with --out.")


@dataclass
class Clients:
    zoom: ZoomClient
    assembly: AssemblyClient


@contextmanager
def open_clients(settings: Settings, sink: EventSink, pool_size: int = 16) -> Iterator[Clients]:
    settings.require_zoom()
    settings.require_assemblyai()
    zoom = build_zoom_client(settings, sink=sink, pool_size=pool_size)
    assembly = AssemblyClient(settings, sink=sink)
    try:
        yield Clients(zoom, assembly)
    finally:
        assembly.close()
        zoom.api.session.close()
