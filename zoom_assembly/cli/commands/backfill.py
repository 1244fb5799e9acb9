"""``backfill``: every recording of some users, all users or the account over a date range,
and its ``--dry-run`` plan (with ``--probe``, the language probes run first)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..exits import errors_to_exit, stdout_writes
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
from .base import make_renderer, report


@shared(OUTPUT, LEDGER, TRANSCRIPTION, ZOOM_AUDIO, PAY_POLICY, SPEAKER_NAMES, CREDENTIALS)
def backfill_command(
    ctx: typer.Context,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default: 30 days ago).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today, UTC).")
    ] = None,
    user: Annotated[
        list[str] | None, typer.Option("--user", help="A user's email or ID (repeatable).")
    ] = None,
    all_users: Annotated[
        bool, typer.Option("--all-users", help="Every active and deactivated user.")
    ] = False,
    account: Annotated[
        bool, typer.Option("--account", help="The account-wide listing (needs its scope).")
    ] = False,
    topic: Annotated[
        str | None, typer.Option("--topic", help="Only topics matching this regex.")
    ] = None,
    min_duration: Annotated[
        int, typer.Option("--min-duration", min=0, help="Skip meetings shorter (minutes).")
    ] = 0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=1000,
                          help="AssemblyAI jobs processed at once: your account's limit "
                          "(free tier: 5); as many more wait in its queue.")
    ] = 50,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Also retry recordings that failed before.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be transcribed, with cost.")
    ] = False,
    price_per_hour: Annotated[
        float, typer.Option("--price-per-hour", min=0, help="USD per audio hour, for --dry-run.")
    ] = 0.15,
    probe: Annotated[
        bool, typer.Option("--probe", help="With --dry-run: run the language probes now "
                           "(billed, ~1 min of audio each) so the estimate is the bill; the "
                           "backfill reuses their decisions.")
    ] = False,
    *,
    flags: Flags,
) -> None:
    """Transcribe every recording of some users, all users or the account over a date range."""
    renderer = make_renderer(flags.verbose, flags.quiet)
    with errors_to_exit(renderer, json_out=flags.json_out) as run:
        from ...events import Notice
        from ...pipeline import Selection, compile_topic, default_range, parse_day
        from ...pipeline.backfill import clamp_to_today

        start, end = default_range()
        if date_from is not None:
            start = parse_day(date_from, "--from")
        if date_to is not None:
            end = parse_day(date_to, "--to")
        end, notice = clamp_to_today(start, end)
        if notice:
            renderer(Notice(notice))
        cmd = resume_command(ctx, {"date_from": start.isoformat(), "date_to": end.isoformat()})
        again = f"run the same backfill command again (`{cmd}`)"
        run.resume = again
        selection = Selection(
            start=start, end=end, users=tuple(user or ()), all_users=all_users, account=account,
            topic=compile_topic(topic), min_duration_minutes=min_duration,
        )
        settings = flags.settings(renderer)
        rules = flags.pay_rules()
        if dry_run:
            from ..plan import print_plan

            if flags.participant_audio:
                renderer(Notice("The plan prices each meeting's mixed audio; with "
                                "--participant-audio every participant file of a meeting is "
                                "billed for the whole meeting instead.", warning=True))

            with stdout_writes():
                probes = None
                if probe:
                    from ...pipeline.backfill import probe_plan

                    plan_options = flags.run_options(again, concurrency=concurrency)

                    def probes(items: list[Any]) -> dict[str, Any]:
                        return probe_plan(items, settings, plan_options, rules, sink=renderer)

                code = print_plan(selection, settings, flags.out, price_per_hour,
                                  json_out=flags.json_out, sink=renderer, rules=rules,
                                  probe=probes, ledger=flags.ledger)
            raise typer.Exit(code)
        run_options = flags.run_options(again, concurrency=concurrency,
                                        retry_failed=retry_failed)
        from ...pipeline import backfill
        from ..progress import Progress

        with Progress(renderer) as progress:
            results = backfill(selection, settings, run_options, rules=rules, sink=progress,
                               speaker_names=flags.speaker_names,
                               participant_audio=flags.participant_audio)
        code = report(results, json_out=flags.json_out, quiet=flags.quiet)
    raise typer.Exit(code)
