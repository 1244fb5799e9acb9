"""``transcribe`` (one meeting: every recorded instance of an ID, or one instance UUID) and
``file`` (local recordings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..exits import errors_to_exit
from ..options import (
    CREDENTIALS,
    LEDGER,
    OUTPUT,
    PAY_POLICY,
    SPEAKER_NAMES,
    TRANSCRIPTION,
    ZOOM_AUDIO,
    Flags,
    shared,
)
from ..resume import resume_command
from .base import make_renderer, plain_progress, report


@shared(OUTPUT, LEDGER, TRANSCRIPTION, ZOOM_AUDIO, PAY_POLICY, SPEAKER_NAMES, CREDENTIALS)
def transcribe(
    ctx: typer.Context,
    meeting: Annotated[str, typer.Argument(help="Meeting ID, instance UUID or meeting link.")],
    latest: Annotated[
        bool, typer.Option("--latest", help="Only the newest instance of a meeting ID.")
    ] = False,
    *,
    flags: Flags,
) -> None:
    """Transcribe one meeting: every recorded instance of a meeting ID, or one instance UUID."""
    renderer = make_renderer(flags.verbose, flags.quiet)
    again = f"run `{resume_command(ctx)}` again"
    with errors_to_exit(renderer, json_out=flags.json_out, resume=again):
        settings = flags.settings(renderer)
        run_options = flags.run_options(again)
        rules = flags.pay_rules()
        from ...pipeline import transcribe_meetings

        with plain_progress(renderer) as sink:
            results = transcribe_meetings([meeting], settings, run_options, latest=latest,
                                          rules=rules, sink=sink,
                                          speaker_names=flags.speaker_names,
                                          participant_audio=flags.participant_audio)
        code = report(results, json_out=flags.json_out, quiet=flags.quiet)
    raise typer.Exit(code)


@shared(OUTPUT, LEDGER, TRANSCRIPTION, CREDENTIALS)
def file_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(
        help="Audio/video files, or folders searched with their subfolders (hidden entries "
             "and the --out folder left out; unreadable files skipped with a warning).")],
    *,
    flags: Flags,
) -> None:
    """Transcribe local recordings (Zoom local recordings, m4a, mp4, wav, mp3, ...)."""
    renderer = make_renderer(flags.verbose, flags.quiet)
    again = f"run `{resume_command(ctx)}` again"
    with errors_to_exit(renderer, json_out=flags.json_out, resume=again):
        from ...pipeline import transcribe_files

        settings = flags.settings(renderer)
        run_options = flags.run_options(again, ttl=3600, wait=0.0, via="upload")
        with plain_progress(renderer) as sink:
            results = transcribe_files(list(paths), settings, run_options, sink=sink)
        code = report(results, json_out=flags.json_out, quiet=flags.quiet)
    raise typer.Exit(code)
