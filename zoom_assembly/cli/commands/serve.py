"""``serve``: the webhook service (Zoom's recording events and a periodic sweep, transcribed
with AssemblyAI's callbacks)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ...errors import UsageError
from ..exits import errors_to_exit
from ..options import (
    CREDENTIALS,
    OUTPUT,
    PAY_POLICY,
    SELECTION,
    SPEAKER_NAMES,
    TRANSCRIPTION,
    ZOOM_AUDIO,
    Flags,
    shared,
)
from .base import make_renderer


@shared(OUTPUT, TRANSCRIPTION, ZOOM_AUDIO, PAY_POLICY, SPEAKER_NAMES, SELECTION, CREDENTIALS)
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to bind (behind a reverse "
                                      "proxy, keep the loopback default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8080,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", envvar="TRANSCRIBE_ZOOM_PUBLIC_URL", help="The https URL Zoom and "
        "AssemblyAI reach this service at (without it AssemblyAI is polled, not asked to "
        "call back).")] = None,
    ledger: Annotated[str | None, typer.Option(
        "--ledger", envvar="TRANSCRIBE_ZOOM_LEDGER",
        help="Ledger file (default <out>/.transcribe-zoom/ledger.sqlite).")] = None,
    sweep_every: Annotated[float, typer.Option(
        "--sweep-every", min=0, help="Minutes between sweeps that list the last days' "
        "recordings to catch missed events (0: only at start).")] = 10.0,
    sweep_days: Annotated[int, typer.Option(
        "--sweep-days", min=1, max=30, help="Days back each sweep looks.")] = 2,
    safety_poll: Annotated[float, typer.Option(
        "--safety-poll", min=1, help="Seconds between status checks of a job whose "
        "callback has not come.")] = 300.0,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", min=1, max=1000,
        help="AssemblyAI jobs processed at once per batch: your account's limit (free tier: "
        "5); as many more wait in its queue.")] = 50,
    *,
    flags: Flags,
) -> None:
    """Run as a service: Zoom's recording events (and a periodic sweep) transcribed by
    themselves, with AssemblyAI's callbacks."""
    renderer = make_renderer(flags.verbose, flags.quiet)
    with errors_to_exit(renderer, json_out=flags.json_out):
        from ...pipeline import compile_topic
        from ...service import ServiceConfig, ServiceScope, serve
        from ...service.run import webhook_secret
        from ..service_log import JsonLog, stderr_log

        if flags.participant_audio:
            raise UsageError("serve does not take --participant-audio yet; use it with "
                             "`transcribe-zoom MEETING` or `backfill`.",
                             code="bad_participant_audio")
        scope = ServiceScope(
            users=tuple(flags.user or ()), account=flags.account,
            all_users=flags.all_users or not (flags.user or flags.account),
            topic=compile_topic(flags.topic), min_duration_minutes=flags.min_duration,
        )
        if public_url is not None and not public_url.startswith(("https://", "http://")):
            raise UsageError(f"--public-url {public_url!r} is not a URL; give the https "
                             "address Zoom and AssemblyAI reach this service at.",
                             code="bad_public_url")
        config = ServiceConfig(
            zoom_secret=webhook_secret(flags.env_file), public_url=public_url, scope=scope,
            sweep_every=sweep_every * 60, sweep_days=sweep_days, safety_poll=safety_poll,
        )
        settings = flags.settings(renderer)
        run_options = flags.run_options("the service resumes it at its next start",
                                        concurrency=concurrency)
        serve(settings, run_options, config, host=host, port=port, ledger=ledger,
              sink=JsonLog(sys.stderr), engine_log=stderr_log, rules=flags.pay_rules(),
              speaker_names=flags.speaker_names)
