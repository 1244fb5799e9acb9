"""The library's entry points: what each command does, callable from Python too."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..assembly import AssemblyClient
from ..config import Settings
from ..errors import OutputError
from ..events import EventSink, RecordingStage, discard
from ..ledger import Ledger
from ..media import LocalMedia, collect
from ..models import MeetingInfo
from ..zoom import ZoomClient, build_zoom_client, parse_meeting_ref
from .backfill import PlanItem, Selection, list_recordings, plan
from .engine import Pipeline
from .meeting import meeting_instances
from .options import RunOptions
from .recording import Enricher, Recording
from .results import RecordingResult
from .sources import LocalFile, label_of
from .speaker_names import TimelineSpeakerNames, check_mode


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


def zoom_enrichers(zoom: ZoomClient, speaker_names: str, sink: EventSink) -> list[Enricher]:
    """What runs on a Zoom recording's finished transcript: naming speakers unless ``off``."""
    return [TimelineSpeakerNames(zoom, sink)] if check_mode(speaker_names) == "auto" else []


def transcribe_meetings(
    refs: list[str],
    settings: Settings,
    options: RunOptions,
    *,
    latest: bool = False,
    sink: EventSink = discard,
    sleep: Callable[[float], None] = time.sleep,
    speaker_names: str = "auto",
) -> list[RecordingResult]:
    """Transcribe MEETING arguments (IDs, UUIDs, links) in one run, so their jobs overlap.

    ``speaker_names``: ``auto`` names speakers from Zoom's evidence, ``off`` keeps letters."""
    check_mode(speaker_names)
    parsed = [parse_meeting_ref(ref) for ref in refs]
    ensure_out_dir(options.out_dir)
    with open_clients(settings, sink) as clients, Ledger.open(options.out_dir) as ledger:
        instances = []
        for ref in parsed:
            instances.extend(meeting_instances(
                ref, clients.zoom, latest=latest, ttl=options.handoff_ttl, sink=sink))
        starts = [i.meeting.start_time for i in instances if i.meeting.start_time is not None]
        pipeline = Pipeline(clients.zoom, clients.assembly, ledger, options, sink=sink,
                            sleep=sleep, jobs_since=min(starts, default=None),
                            enrichers=zoom_enrichers(clients.zoom, speaker_names, sink))
        return pipeline.run(instances)


def backfill(
    selection: Selection,
    settings: Settings,
    options: RunOptions,
    *,
    sink: EventSink = discard,
    sleep: Callable[[float], None] = time.sleep,
    speaker_names: str = "auto",
) -> list[RecordingResult]:
    """Transcribe every recording the selection lists; resumable and exactly once per file."""
    check_mode(speaker_names)
    ensure_out_dir(options.out_dir)

    def listed(recordings: object) -> None:
        meeting = getattr(recordings, "meeting", None)
        if meeting is not None:
            sink(RecordingStage("", label_of(meeting), "listed"))

    with open_clients(settings, sink) as clients, Ledger.open(options.out_dir) as ledger:
        since = datetime.combine(selection.start, datetime.min.time(), tzinfo=UTC)
        pipeline = Pipeline(clients.zoom, clients.assembly, ledger, options, sink=sink,
                            sleep=sleep, jobs_since=since,
                            enrichers=zoom_enrichers(clients.zoom, speaker_names, sink))
        return pipeline.run(list_recordings(clients.zoom, selection, sink=sink,
                                            on_listed=listed))


def backfill_plan(
    selection: Selection, settings: Settings, out_dir: Path, *, sink: EventSink = discard
) -> tuple[list[PlanItem], set[str]]:
    """What a backfill would do (``--dry-run``): items, and the meeting UUIDs already done."""
    settings.require_zoom()
    zoom = build_zoom_client(settings, sink=sink)
    items = plan(list_recordings(zoom, selection, sink=sink))
    done: set[str] = set()
    if (out_dir / ".transcribe-zoom" / "ledger.sqlite").exists():
        with Ledger.open(out_dir) as ledger:
            done = {r.meeting_uuid for r in ledger.rows(["completed", "submitted"])
                    if r.meeting_uuid}
    return items, done


def local_recordings(files: list[LocalMedia], assembly: AssemblyClient) -> list[Recording]:
    """Local files as recordings: topic from the name, time from the mtime, keyed by content."""
    items = []
    for media in files:
        when = datetime.fromtimestamp(media.path.stat().st_mtime, tz=UTC)
        items.append(Recording(
            meeting=MeetingInfo(uuid=media.key, topic=media.path.stem, start_time=when),
            file_id=media.key, audio=LocalFile(assembly, media), origin="file",
            file_type=media.kind.upper(), file_size=media.size,
        ))
    return items


def transcribe_files(
    paths: list[Path],
    settings: Settings,
    options: RunOptions,
    *,
    sink: EventSink = discard,
    sleep: Callable[[float], None] = time.sleep,
) -> list[RecordingResult]:
    """Transcribe local audio/video files (a folder means every media file under it, the
    output folder and hidden entries left out; see :func:`~zoom_assembly.media.collect`).

    The ledger key is the content hash, so a rerun, a renamed copy or a second path to the
    same recording never pays twice.
    """
    # Every bad path is reported before anything is uploaded; a file found in a folder that
    # cannot be transcribed is skipped with a warning on the sink.
    files = collect(paths, exclude=[options.out_dir], sink=sink)
    settings.require_assemblyai()
    ensure_out_dir(options.out_dir)
    assembly = AssemblyClient(settings, sink=sink)
    try:
        with Ledger.open(options.out_dir) as ledger:
            pipeline = Pipeline(None, assembly, ledger, options, sink=sink, sleep=sleep)
            return pipeline.run(local_recordings(files, assembly))
    finally:
        assembly.close()
