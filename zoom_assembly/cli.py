"""The ``transcribe-zoom`` command: parse, build the objects, call one library function, render.

Imports of the heavy parts (SDK, HTTP stacks, the emulator) happen inside the commands so that
``--help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import __version__
from .errors import EXIT_FAILED, EXIT_OK, TranscribeZoomError, UsageError

if TYPE_CHECKING:
    from .config import Settings
    from .pipeline import RecordingResult, RunOptions
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

COMMANDS = ("transcribe", "file", "backfill", "status", "check", "demo", "emulate")
FORMAT_NAMES = ("txt", "json", "srt", "vtt")
ALL_FORMATS = ",".join(FORMAT_NAMES)

# -- options shared by every command that transcribes (defined once, like sqlite-utils) -------
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for transcripts and ledger.")]
EnvFileOpt = Annotated[
    Path | None,
    typer.Option("--env-file", help="Credentials file (default ./tokens.env when present)."),
]
LanguageOpt = Annotated[
    str, typer.Option("--language", help="Language code (e.g. es, de, ja) or 'auto' to detect.")
]
SpeakersOpt = Annotated[
    bool, typer.Option("--speakers/--no-speakers", help="Label speakers (diarization).")
]
SpeakersExpectedOpt = Annotated[
    int | None, typer.Option("--speakers-expected", min=1, max=50, help="How many speakers.")
]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option("--model", help="AssemblyAI speech model id, in priority order (repeatable)."),
]
KeytermOpt = Annotated[
    list[str] | None,
    typer.Option("--keyterm", help="A word or phrase to recognise better (repeatable)."),
]
FormatOpt = Annotated[
    str, typer.Option("--format", help="Comma-separated outputs among txt,json,srt,vtt.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per recording on stdout.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show retries and details.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and results.")]
TtlOpt = Annotated[
    int,
    typer.Option("--ttl", min=300, max=604800, help="Seconds the URL handed to AssemblyAI lives."),
]
TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", min=1, help="Stop waiting after this many seconds.")
]
# Credentials as flags (highest precedence). Prefer tokens.env: flags show up in `ps`.
AccountIdOpt = Annotated[
    str | None, typer.Option("--zoom-account-id", help="Zoom account ID.", show_default=False)
]
ClientIdOpt = Annotated[
    str | None, typer.Option("--zoom-client-id", help="Zoom app client ID.", show_default=False)
]
ClientSecretOpt = Annotated[
    str | None,
    typer.Option("--zoom-client-secret", help="Zoom app client secret (prefer tokens.env).",
                 show_default=False),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option("--assemblyai-api-key", help="AssemblyAI API key (prefer tokens.env).",
                 show_default=False),
]
ViaOpt = Annotated[
    str,
    typer.Option("--via", help="url: hand AssemblyAI a download URL; upload: stream the file "
                 "through this machine; auto: URL first, upload if AssemblyAI cannot download."),
]
KeepAudioOpt = Annotated[
    bool, typer.Option("--keep-audio", help="Save the audio next to the transcript (uploads).")
]
PollSpeedOpt = Annotated[
    float,
    typer.Option("--poll-speed", min=0.1, help="How many times faster than real time "
                 "AssemblyAI is expected to transcribe (first status check waits that long)."),
]
PollIntervalOpt = Annotated[
    float, typer.Option("--poll-interval", min=0.01, help="Shortest pause between checks (s).")
]
WaitOpt = Annotated[
    float,
    typer.Option("--wait", min=0, help="Wait up to this many seconds for files Zoom is "
                 "still processing."),
]


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [f for f in chosen if f not in FORMAT_NAMES]
    if unknown or not chosen:
        raise UsageError(
            f"Unknown --format {', '.join(unknown) or repr(value)}; choose among "
            f"{','.join(FORMAT_NAMES)} (comma-separated).",
            code="bad_format",
        )
    return chosen


def _configure_logging(verbose: bool) -> None:
    from .redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)


def _credentials(
    account_id: str | None, client_id: str | None, secret: str | None, api_key: str | None
) -> dict[str, str | None]:
    """Credential flags as settings overrides (None: not given)."""
    return {"zoom_account_id": account_id, "zoom_client_id": client_id,
            "zoom_client_secret": secret, "assemblyai_api_key": api_key}


def _load_settings(
    env_file: Path | None, renderer: Renderer, credentials: dict[str, str | None] | None = None
) -> Settings:
    from .config import DEFAULT_ENV_FILE, env_file_is_shared, load_settings
    from .events import Notice

    settings = load_settings(env_file=env_file, overrides=credentials)
    path = env_file or DEFAULT_ENV_FILE
    if env_file_is_shared(path):
        renderer(Notice(f"{path} can be read by other users of this machine; run "
                        f"`chmod 600 {path}` to keep the credentials private.", warning=True))
    return settings


@contextmanager
def _errors_to_exit(renderer: Renderer) -> Iterator[None]:
    """Every library error becomes one sentence on stderr and its documented exit code."""
    try:
        yield
    except TranscribeZoomError as exc:
        renderer.error(exc.message)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        renderer.error("Interrupted; finished transcripts are kept and jobs in flight are "
                       "recorded: run the same command again to resume.")
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:
        from .redact import redact

        if renderer.verbose:
            import traceback

            renderer.err.write(redact("".join(traceback.format_exc())))
        renderer.error(f"Unexpected {type(exc).__name__}: {redact(str(exc))} (a bug: please "
                       "report it; rerun with -v for details).")
        raise typer.Exit(EXIT_FAILED) from None


def _renderer(verbose: bool, quiet: bool) -> Renderer:
    from .render import Renderer

    _configure_logging(verbose)
    return Renderer(quiet=quiet, verbose=verbose)


def _run_options(
    out: Path,
    *,
    language: str,
    speakers: bool,
    speakers_expected: int | None,
    model: list[str] | None,
    keyterm: list[str] | None,
    fmt: str,
    ttl: int,
    timeout: float | None,
    wait: float,
    resume_hint: str,
    poll_speed: float = 100.0,
    poll_interval: float = 1.0,
    via: str = "auto",
    keep_audio: bool = False,
) -> RunOptions:
    from .assembly import TranscriptionOptions
    from .config import DEFAULT_SPEECH_MODELS
    from .pipeline import PollPlan, RunOptions

    via = via.strip().lower()
    if via not in ("url", "upload", "auto"):
        raise UsageError(f"--via {via!r} is not one of url, upload, auto.", code="bad_via")
    if keep_audio and via == "url":
        raise UsageError("--keep-audio needs the audio to pass through this machine; use "
                         "--via upload or --via auto.", code="bad_via")
    language = language.strip().lower().replace("-", "_")
    if not language:
        raise UsageError("--language is empty; pass a code such as es or 'auto'.")
    return RunOptions(
        out_dir=out,
        transcription=TranscriptionOptions(
            speech_models=tuple(model) if model else DEFAULT_SPEECH_MODELS,
            language=language,
            speaker_labels=speakers,
            speakers_expected=speakers_expected,
            keyterms=tuple(keyterm or ()),
        ),
        formats=_formats(fmt),
        handoff_ttl=ttl,
        timeout=timeout,
        wait_processing=wait,
        via=via,
        keep_audio=keep_audio,
        processing_recheck=max(poll_interval, min(30.0, wait / 10 or 30.0)),
        resume_hint=resume_hint,
        poll=PollPlan(realtime_factor=poll_speed, min_interval=poll_interval,
                      max_interval=max(poll_interval, 15.0),
                      overhead=min(4.0, 4 * poll_interval), coalesce=poll_interval / 2),
    )


def report(
    results: Sequence[RecordingResult],
    *,
    json_out: bool,
    quiet: bool,
    acceptable: frozenset[str] = frozenset({"completed"}),
) -> int:
    """Print results (table or JSON lines) and return the exit code they add up to.

    ``acceptable`` statuses do not make the run fail (a backfill skips meetings without audio).
    """
    from .render import print_json_lines, print_summary

    if json_out:
        print_json_lines(results)
    elif not quiet or any(not r.ok for r in results):
        print_summary(results)
    if not results and not acceptable - {"completed"}:
        return EXIT_FAILED
    return EXIT_OK if all(r.status in acceptable for r in results) else EXIT_FAILED


@app.command("transcribe")
def transcribe(
    meeting: Annotated[str, typer.Argument(help="Meeting ID, instance UUID or meeting link.")],
    out: OutOpt = Path("transcripts"),
    env_file: EnvFileOpt = None,
    language: LanguageOpt = "auto",
    speakers: SpeakersOpt = True,
    speakers_expected: SpeakersExpectedOpt = None,
    model: ModelOpt = None,
    keyterm: KeytermOpt = None,
    fmt: FormatOpt = ALL_FORMATS,
    json_out: JsonOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
    latest: Annotated[
        bool, typer.Option("--latest", help="Only the newest instance of a meeting ID.")
    ] = False,
    wait: WaitOpt = 0.0,
    timeout: TimeoutOpt = None,
    ttl: TtlOpt = 6 * 3600,
    poll_speed: PollSpeedOpt = 100.0,
    poll_interval: PollIntervalOpt = 1.0,
    via: ViaOpt = "auto",
    keep_audio: KeepAudioOpt = False,
    zoom_account_id: AccountIdOpt = None,
    zoom_client_id: ClientIdOpt = None,
    zoom_client_secret: ClientSecretOpt = None,
    assemblyai_api_key: ApiKeyOpt = None,
) -> None:
    """Transcribe one meeting: every recorded instance of a meeting ID, or one instance UUID."""
    renderer = _renderer(verbose, quiet)
    with _errors_to_exit(renderer):
        settings = _load_settings(env_file, renderer, _credentials(
            zoom_account_id, zoom_client_id, zoom_client_secret, assemblyai_api_key))
        options = _run_options(
            out, language=language, speakers=speakers, speakers_expected=speakers_expected,
            model=model, keyterm=keyterm, fmt=fmt, ttl=ttl, timeout=timeout, wait=wait,
            poll_speed=poll_speed, poll_interval=poll_interval, via=via, keep_audio=keep_audio,
            resume_hint=f"run `transcribe-zoom {meeting}` again",
        )
        from .pipeline import transcribe_meetings

        results = transcribe_meetings([meeting], settings, options, latest=latest, sink=renderer)
        code = report(results, json_out=json_out, quiet=quiet)
    raise typer.Exit(code)


@app.command("file")
def file_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Audio/video files, or folders searched with their subfolders (hidden entries "
             "and the --out folder left out; unreadable files skipped with a warning).")],
    out: OutOpt = Path("transcripts"),
    env_file: EnvFileOpt = None,
    language: LanguageOpt = "auto",
    speakers: SpeakersOpt = True,
    speakers_expected: SpeakersExpectedOpt = None,
    model: ModelOpt = None,
    keyterm: KeytermOpt = None,
    fmt: FormatOpt = ALL_FORMATS,
    json_out: JsonOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
    timeout: TimeoutOpt = None,
    poll_speed: PollSpeedOpt = 100.0,
    poll_interval: PollIntervalOpt = 1.0,
    zoom_account_id: AccountIdOpt = None,
    zoom_client_id: ClientIdOpt = None,
    zoom_client_secret: ClientSecretOpt = None,
    assemblyai_api_key: ApiKeyOpt = None,
) -> None:
    """Transcribe local recordings (Zoom local recordings, m4a, mp4, wav, mp3, ...)."""
    renderer = _renderer(verbose, quiet)
    with _errors_to_exit(renderer):
        from .pipeline import transcribe_files

        settings = _load_settings(env_file, renderer, _credentials(
            zoom_account_id, zoom_client_id, zoom_client_secret, assemblyai_api_key))
        options = _run_options(
            out, language=language, speakers=speakers, speakers_expected=speakers_expected,
            model=model, keyterm=keyterm, fmt=fmt, ttl=3600, timeout=timeout, wait=0.0,
            poll_speed=poll_speed, poll_interval=poll_interval, via="upload",
            resume_hint="run the same command again",
        )
        results = transcribe_files(list(paths), settings, options, sink=renderer)
        code = report(results, json_out=json_out, quiet=quiet)
    raise typer.Exit(code)


@app.command("backfill")
def backfill_command(
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
                          help="AssemblyAI jobs in flight at once (free tier: 5).")
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
    out: OutOpt = Path("transcripts"),
    env_file: EnvFileOpt = None,
    language: LanguageOpt = "auto",
    speakers: SpeakersOpt = True,
    speakers_expected: SpeakersExpectedOpt = None,
    model: ModelOpt = None,
    keyterm: KeytermOpt = None,
    fmt: FormatOpt = ALL_FORMATS,
    json_out: JsonOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
    wait: WaitOpt = 0.0,
    timeout: TimeoutOpt = None,
    ttl: TtlOpt = 6 * 3600,
    poll_speed: PollSpeedOpt = 100.0,
    poll_interval: PollIntervalOpt = 1.0,
    via: ViaOpt = "auto",
    keep_audio: KeepAudioOpt = False,
    zoom_account_id: AccountIdOpt = None,
    zoom_client_id: ClientIdOpt = None,
    zoom_client_secret: ClientSecretOpt = None,
    assemblyai_api_key: ApiKeyOpt = None,
) -> None:
    """Transcribe every recording of some users, all users or the account over a date range."""
    renderer = _renderer(verbose, quiet)
    with _errors_to_exit(renderer):
        from .pipeline import Selection, compile_topic, default_range, parse_day

        start, end = default_range()
        if date_from:
            start = parse_day(date_from, "--from")
        if date_to:
            end = parse_day(date_to, "--to")
        selection = Selection(
            start=start, end=end, users=tuple(user or ()), all_users=all_users, account=account,
            topic=compile_topic(topic), min_duration_minutes=min_duration,
        )
        settings = _load_settings(env_file, renderer, _credentials(
            zoom_account_id, zoom_client_id, zoom_client_secret, assemblyai_api_key))
        if dry_run:
            from .plan import print_plan

            raise typer.Exit(print_plan(selection, settings, out, price_per_hour,
                                        json_out=json_out, sink=renderer))
        options = _run_options(
            out, language=language, speakers=speakers, speakers_expected=speakers_expected,
            model=model, keyterm=keyterm, fmt=fmt, ttl=ttl, timeout=timeout, wait=wait,
            poll_speed=poll_speed, poll_interval=poll_interval, via=via, keep_audio=keep_audio,
            resume_hint="run the same backfill command again",
        )
        from dataclasses import replace

        from .pipeline import backfill
        from .progress import Progress

        options = replace(options, concurrency=concurrency, retry_failed=retry_failed)
        try:
            with Progress(renderer) as progress:
                results = backfill(selection, settings, options, sink=progress)
        except KeyboardInterrupt:
            renderer.error("Stopped. Finished transcripts are written and jobs in flight are "
                           "recorded in the ledger: run the same backfill command again to "
                           "resume without paying twice.")
            raise typer.Exit(130) from None
        code = report(results, json_out=json_out, quiet=quiet,
                      acceptable=frozenset({"completed", "skipped"}))
    raise typer.Exit(code)


@app.command("check")
def check(
    env_file: EnvFileOpt = None,
    verbose: VerboseOpt = False,
    zoom_account_id: AccountIdOpt = None,
    zoom_client_id: ClientIdOpt = None,
    zoom_client_secret: ClientSecretOpt = None,
    assemblyai_api_key: ApiKeyOpt = None,
) -> None:
    """Check the Zoom app credentials and scopes, and the AssemblyAI key."""
    renderer = _renderer(verbose, False)
    with _errors_to_exit(renderer):
        from .checks import run_checks

        settings = _load_settings(env_file, renderer, _credentials(
            zoom_account_id, zoom_client_id, zoom_client_secret, assemblyai_api_key))
        lines, code = run_checks(settings)
        for line in lines:
            typer.echo(line)
    raise typer.Exit(code)


@app.command("status")
def status(
    out: OutOpt = Path("transcripts"),
    json_out: JsonOpt = False,
) -> None:
    """Summarise the ledger in --out (no API calls): counts, failures, audio hours."""
    renderer = _renderer(False, False)
    with _errors_to_exit(renderer):
        from .status import print_status

        print_status(out, json_out=json_out)


@app.command("demo")
def demo(
    out: OutOpt = Path("transcripts-demo"),
    json_out: JsonOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run the whole job on the built-in emulator: no credentials, no network."""
    renderer = _renderer(verbose, quiet)
    with _errors_to_exit(renderer):
        from .demo import run_demo

        results = run_demo(out, renderer=renderer)
        code = report(results, json_out=json_out, quiet=quiet)
    raise typer.Exit(code)


@app.command("emulate")
def emulate(
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8765,
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
    renderer = _renderer(False, False)
    with _errors_to_exit(renderer):
        from .emulator import serve_forever

        def ready(emu: Any) -> None:
            typer.echo(f"Emulator listening on {emu.base_url} (Ctrl-C to stop).")
            typer.echo("Point transcribe-zoom at it with:")
            for key, value in emu.env().items():
                typer.echo(f"export {key}={value}")
            typer.echo(f"Stats: {emu.base_url}/_emulator/stats")

        if scenario is not None and not scenario.is_file():
            raise UsageError(f"The scenario file {scenario} does not exist.", code="bad_scenario")
        with suppress(KeyboardInterrupt):
            serve_forever(host, port, scenario_path=scenario, concurrency=concurrency,
                          speed=speed, on_ready=ready)


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


def route_default_command(argv: Sequence[str]) -> list[str]:
    """``transcribe-zoom MEETING ...`` means ``transcribe-zoom transcribe MEETING ...``."""
    args = list(argv)
    if not args or args[0] in ("-h", "--help", "--version"):
        return args
    first = next((a for a in args if not a.startswith("-")), None)
    if first is None or first in COMMANDS:
        return args
    return ["transcribe", *args]


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    args = route_default_command(sys.argv[1:] if argv is None else argv)
    app(args=args, prog_name="transcribe-zoom")
