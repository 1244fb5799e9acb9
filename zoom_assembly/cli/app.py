"""The ``transcribe-zoom`` command: parse, build the objects, call one library function, render.

Imports of the heavy parts (SDK, HTTP stacks, the emulator) happen inside the commands so that
``--help`` stays fast.
"""

from __future__ import annotations

import logging
import shlex
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .. import __version__
from ..errors import EXIT_FAILED, EXIT_OK, UsageError
from . import options
from .exits import (
    _StdoutGone,
    errors_to_exit,
    stdout_writes,
)
from .options import (
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
from .resume import resume_command

if TYPE_CHECKING:
    from ..events import EventSink
    from ..pipeline import RecordingResult
    from .render import Renderer

app = typer.Typer(
    name="transcribe-zoom",
    help=(
        "Transcribe Zoom cloud recordings with AssemblyAI.\n\n"
        "transcribe-zoom MEETING  transcribes one meeting (a numeric ID: every recorded "
        "instance; a UUID: that instance). Run `transcribe-zoom transcribe --help` for its "
        "options, or `transcribe-zoom demo` to see it work on the built-in emulator."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

COMMANDS = ("transcribe", "file", "backfill", "rename", "status", "check", "demo", "emulate",
            "serve")



VerboseOpt = options.VerboseOpt
OutOpt = options.OutOpt
JsonOpt = options.JsonOpt


def _ours_or_warning(record: logging.LogRecord) -> bool:
    """At -v: our own debug lines, but only warnings from urllib3, httpx, asyncio, uvicorn..."""
    return record.name.split(".", 1)[0] == "zoom_assembly" or record.levelno >= logging.WARNING


def _configure_logging(verbosity: int) -> None:
    from ..redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if verbosity < 2:
        handler.addFilter(_ours_or_warning)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbosity else logging.WARNING)


def _renderer(verbose: int, quiet: bool) -> Renderer:
    from .render import Renderer

    _configure_logging(verbose)
    return Renderer(quiet=quiet, verbose=verbose > 0)


@contextmanager
def _plain_progress(renderer: Renderer) -> Iterator[EventSink]:
    """Off a terminal (a log, CI), a long run also prints its counts line now and then."""
    if renderer.err.isatty():
        yield renderer
        return
    from .progress import Progress

    with Progress(renderer, live=False) as progress:
        yield progress




# Statuses that do not fail a run, the same for one meeting and a backfill: "skipped" is a
# meeting with nothing to transcribe (only Zoom's own transcript, no audio file).
ACCEPTABLE = frozenset({"completed", "skipped"})


def report(results: Sequence[RecordingResult], *, json_out: bool, quiet: bool) -> int:
    """Print results (table or JSON lines) and return the exit code they add up to."""
    from .render import print_json_lines, print_summary

    with stdout_writes():
        if json_out:
            print_json_lines(results)
        elif not quiet or any(not r.ok for r in results):
            print_summary(results)
    return EXIT_OK if all(r.status in ACCEPTABLE for r in results) else EXIT_FAILED


@app.command("transcribe")
@shared(OUTPUT, TRANSCRIPTION, ZOOM_AUDIO, PAY_POLICY, SPEAKER_NAMES, CREDENTIALS)
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
    renderer = _renderer(flags.verbose, flags.quiet)
    again = f"run `{resume_command(ctx)}` again"
    with errors_to_exit(renderer, json_out=flags.json_out, resume=again):
        settings = flags.settings(renderer)
        run_options = flags.run_options(again)
        rules = flags.pay_rules()
        from ..pipeline import transcribe_meetings

        with _plain_progress(renderer) as sink:
            results = transcribe_meetings([meeting], settings, run_options, latest=latest,
                                          rules=rules, sink=sink,
                                          speaker_names=flags.speaker_names)
        code = report(results, json_out=flags.json_out, quiet=flags.quiet)
    raise typer.Exit(code)


@app.command("file")
@shared(OUTPUT, TRANSCRIPTION, CREDENTIALS)
def file_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(
        help="Audio/video files, or folders searched with their subfolders (hidden entries "
             "and the --out folder left out; unreadable files skipped with a warning).")],
    *,
    flags: Flags,
) -> None:
    """Transcribe local recordings (Zoom local recordings, m4a, mp4, wav, mp3, ...)."""
    renderer = _renderer(flags.verbose, flags.quiet)
    again = f"run `{resume_command(ctx)}` again"
    with errors_to_exit(renderer, json_out=flags.json_out, resume=again):
        from ..pipeline import transcribe_files

        settings = flags.settings(renderer)
        run_options = flags.run_options(again, ttl=3600, wait=0.0, via="upload")
        with _plain_progress(renderer) as sink:
            results = transcribe_files(list(paths), settings, run_options, sink=sink)
        code = report(results, json_out=flags.json_out, quiet=flags.quiet)
    raise typer.Exit(code)


@app.command("backfill")
@shared(OUTPUT, TRANSCRIPTION, ZOOM_AUDIO, PAY_POLICY, SPEAKER_NAMES, CREDENTIALS)
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
    renderer = _renderer(flags.verbose, flags.quiet)
    with errors_to_exit(renderer, json_out=flags.json_out) as run:
        from ..events import Notice
        from ..pipeline import Selection, compile_topic, default_range, parse_day
        from ..pipeline.backfill import clamp_to_today

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
            from .plan import print_plan

            with stdout_writes():
                probes = None
                if probe:
                    from ..pipeline.backfill import probe_plan

                    plan_options = flags.run_options(again, concurrency=concurrency)

                    def probes(items: list[Any]) -> dict[str, Any]:
                        return probe_plan(items, settings, plan_options, rules, sink=renderer)

                code = print_plan(selection, settings, flags.out, price_per_hour,
                                  json_out=flags.json_out, sink=renderer, rules=rules,
                                  probe=probes)
            raise typer.Exit(code)
        run_options = flags.run_options(again, concurrency=concurrency,
                                        retry_failed=retry_failed)
        from ..pipeline import backfill
        from .progress import Progress

        with Progress(renderer) as progress:
            results = backfill(selection, settings, run_options, rules=rules, sink=progress,
                               speaker_names=flags.speaker_names)
        code = report(results, json_out=flags.json_out, quiet=flags.quiet)
    raise typer.Exit(code)


@app.command("rename")
def rename(
    folder: Annotated[Path, typer.Argument(
        help="A recording's output folder (the one holding transcript.json).")],
    names: Annotated[list[str], typer.Argument(
        help='LABEL="Name" pairs, e.g. A="Maya Chen" B="佐藤 陽翔"; LABEL= forgets a name.',
        show_default=False)],
    json_out: JsonOpt = False,
) -> None:
    """Give speakers names (or fix them) in a transcript already written: rewrites its files
    from transcript.json, with no API call."""
    renderer = _renderer(0, False)
    with errors_to_exit(renderer, json_out=json_out):
        from ..renaming import parse_assignments, rename_speakers

        written = rename_speakers(folder, parse_assignments(names))
        with stdout_writes():
            if json_out:
                import json

                typer.echo(json.dumps({
                    "folder": str(folder), "speakers": written.speakers,
                    "files": {fmt: str(p) for fmt, p in written.files.items()}},
                    ensure_ascii=False))
            else:
                from .render import terminal_safe

                for label, name in written.speakers.items():
                    typer.echo(terminal_safe(f"Speaker {label}: {name or '(no name)'}"))
                typer.echo(terminal_safe(f"Rewrote {', '.join(sorted(written.files))} in "
                                         f"{folder}"))


@app.command("check")
@shared(CREDENTIALS)
def check(verbose: VerboseOpt = 0, *, flags: Flags) -> None:
    """Check the Zoom app credentials and scopes, and the AssemblyAI key."""
    renderer = _renderer(verbose, False)
    with errors_to_exit(renderer):
        from ..checks import run_checks
        from .checks import check_lines
        from .render import terminal_safe

        found = run_checks(flags.settings(renderer))
        with stdout_writes():
            for line in check_lines(found):
                typer.echo(terminal_safe(line))
    raise typer.Exit(found.exit_code)


@app.command("status")
def status(
    out: OutOpt = Path("transcripts"),
    json_out: JsonOpt = False,
) -> None:
    """Summarise the ledger in --out (no API calls): counts, failures, audio hours."""
    renderer = _renderer(0, False)
    with errors_to_exit(renderer, json_out=json_out), stdout_writes():
        from .status import print_status

        print_status(out, json_out=json_out)


@app.command("demo")
@shared(OUTPUT, out=Path("transcripts-demo"))
def demo(ctx: typer.Context, *, flags: Flags) -> None:
    """Run the whole job on the built-in emulator: no credentials, no network."""
    renderer = _renderer(flags.verbose, flags.quiet)
    with errors_to_exit(renderer, json_out=flags.json_out,
                         resume=f"run `{resume_command(ctx)}` again"):
        from ..demo import run_demo

        results = run_demo(flags.out, renderer=renderer)
        code = report(results, json_out=flags.json_out, quiet=flags.quiet)
    raise typer.Exit(code)


@app.command("emulate")
def emulate(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")
    ] = 8765,
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario JSON (default: built-in).")
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="AssemblyAI jobs processed at once.")
    ] = 5,
    speed: Annotated[
        float, typer.Option("--speed", min=0.01, help="Real-time factor of transcription.")
    ] = 60.0,
) -> None:
    """Run the local Zoom + AssemblyAI emulator in the foreground and print its settings."""
    renderer = _renderer(0, False)
    with errors_to_exit(renderer):
        from ..emulator import serve_forever

        def ready(emu: Any) -> None:
            with stdout_writes():
                for line in emulator_banner(emu):
                    typer.echo(line)

        if scenario is not None and not scenario.is_file():
            raise UsageError(f"The scenario file {scenario} does not exist.", code="bad_scenario")
        try:
            with suppress(KeyboardInterrupt):
                serve_forever(host, port, scenario_path=scenario, concurrency=concurrency,
                              speed=speed, on_ready=ready)
        except (_StdoutGone, BrokenPipeError):
            raise _StdoutGone() from None
        except OSError as exc:
            raise UsageError(
                f"Cannot listen on {host}:{port} ({exc.strerror or exc}); choose another "
                "--port (0 picks a free one) or stop what is using it.",
                code="port_unavailable",
            ) from None


@app.command("serve")
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
    renderer = _renderer(flags.verbose, flags.quiet)
    with errors_to_exit(renderer, json_out=flags.json_out):
        from ..pipeline import compile_topic
        from ..service import ServiceConfig, ServiceScope, serve
        from ..service.run import webhook_secret
        from .service_log import JsonLog, stderr_log

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


# Meetings of the built-in scenario worth trying first: (tag, by id or UUID, what it shows).
EMULATOR_PICKS = (
    ("recurring", "id", "every instance of a recurring meeting"),
    ("spanish", "uuid", "a Spanish meeting"),
    ("uuid_double_slash", "uuid", "an instance UUID containing //"),
)


def emulator_banner(emu: Any) -> list[str]:
    """What ``emulate`` prints once listening: the variables to use it and meetings to try."""
    from .render import terminal_safe

    lines = [f"Emulator listening on {emu.base_url} (Ctrl-C to stop).",
             "Point transcribe-zoom at it with:"]
    lines += [f"export {key}={shlex.quote(value)}" for key, value in emu.env().items()]
    tries = []
    for tag, kind, what in EMULATOR_PICKS:
        try:
            meeting = emu.scenario.find(tag)
        except KeyError:  # a --scenario file without that kind of meeting
            continue
        ref = str(meeting.id) if kind == "id" else meeting.uuid
        tries.append(terminal_safe(f"  transcribe-zoom {shlex.quote(ref)}   # {what}: "
                                   f"{meeting.topic}"))
    if tries:
        lines += ["Then try:", *tries]
    lines.append(f"Stats: {emu.base_url}/_emulator/stats")
    return lines


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"transcribe-zoom {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version_callback, is_eager=True,
                     help="Show the version and exit."),
    ] = None,
) -> None:
    """Transcribe Zoom cloud recordings with AssemblyAI."""
