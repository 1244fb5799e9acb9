"""Entry points for one meeting and for local files (a backfill's are in ``backfill``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..assembly import AssemblyClient
from ..config import Settings
from ..events import EventSink, discard
from ..ledger import open_ledger
from ..media import LocalMedia, collect
from ..models import MeetingInfo
from ..zoom import parse_meeting_ref
from .clients import ensure_out_dir, open_clients
from .engine import Pipeline
from .meeting import meeting_instances
from .options import RunOptions
from .participant_audio import ParticipantAudio, check_participant_rules, run_zoom
from .pay_policy import PayRules
from .pay_runs import policy_pipeline
from .recording import Recording
from .results import RecordingResult
from .sources import LocalFile
from .speaker_names import check_mode, zoom_enrichers


def transcribe_meetings(
    refs: list[str],
    settings: Settings,
    options: RunOptions,
    *,
    latest: bool = False,
    rules: PayRules | None = None,
    sink: EventSink = discard,
    sleep: Callable[[float], None] = time.sleep,
    speaker_names: str = "auto",
    participant_audio: bool = False,
) -> list[RecordingResult]:
    """Transcribe MEETING arguments (IDs, UUIDs, links) in one run, so their jobs overlap.

    ``rules``: which source each recording gets (default: Zoom's own text for English
    meetings that have it, AssemblyAI for the rest; see :mod:`.pay_policy`).
    ``speaker_names``: ``auto`` names speakers from Zoom's evidence, ``off`` keeps letters.
    ``participant_audio``: transcribe each participant's own audio file where Zoom has them
    (exact names, one job per participant; see :mod:`.participant_audio`)."""
    check_mode(speaker_names)
    check_participant_rules(participant_audio, rules, speaker_names)
    parsed = [parse_meeting_ref(ref) for ref in refs]
    ensure_out_dir(options.out_dir)
    with open_clients(settings, sink) as clients, open_ledger(options.ledger,
                                                             options.out_dir) as ledger:
        instances = []
        for ref in parsed:
            instances.extend(meeting_instances(
                ref, clients.zoom, latest=latest, ttl=options.handoff_ttl, sink=sink))
        starts = [i.meeting.start_time for i in instances if i.meeting.start_time is not None]
        pipeline = policy_pipeline(rules or PayRules(), clients, ledger, options, sink=sink,
                                   sleep=sleep, jobs_since=min(starts, default=None),
                                   enrichers=zoom_enrichers(clients.zoom, speaker_names, sink))
        mode = ParticipantAudio(clients.zoom, clients.assembly, options,
                                sink=sink) if participant_audio else None
        return run_zoom(pipeline, instances, ledger, mode)


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
        with open_ledger(options.ledger, options.out_dir) as ledger:
            pipeline = Pipeline(None, assembly, ledger, options, sink=sink, sleep=sleep)
            return pipeline.run(local_recordings(files, assembly))
    finally:
        assembly.close()
