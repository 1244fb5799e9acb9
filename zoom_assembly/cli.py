"""The ``transcribe-zoom`` command: parse, build the objects, call one library function, render.

Imports of the heavy parts (SDK, HTTP stacks, the emulator) happen inside the commands so that
``--help`` stays fast.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import __version__
from .errors import EXIT_FAILED, EXIT_OK, Terminated, TranscribeZoomError, UsageError

# Exit codes beyond the 0-3 contract, as a shell reports a process killed by the signal.
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_BROKEN_PIPE = 141  # stdout closed early (`... --json | head -1`): SIGPIPE
EXIT_TERMINATED = 143  # SIGTERM

if TYPE_CHECKING:
    from .config import Settings
    from .events import EventSink
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



def _out_dir(value: str | Path) -> Path:
    """``--out``: an empty value would silently mean the current folder."""
    if not str(value).strip():
        raise typer.BadParameter("is empty; name a folder, e.g. --out transcripts.")
    return Path(value)


# -- options shared by every command that transcribes (defined once, like sqlite-utils) -------
OutOpt = Annotated[
    Path,
    typer.Option("--out", "-o", parser=_out_dir, help="Folder for transcripts and ledger."),
]
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
VerboseOpt = Annotated[
    int,
    typer.Option("--verbose", "-v", count=True,
                 help="Show retries and details; -vv also HTTP libraries' debug lines."),
]
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


def _ours_or_warning(record: logging.LogRecord) -> bool:
    """At -v: our own debug lines, but only warnings from urllib3, httpx, asyncio, uvicorn..."""
    return record.name.split(".", 1)[0] == "zoom_assembly" or record.levelno >= logging.WARNING


def _configure_logging(verbosity: int) -> None:
    from .redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if verbosity < 2:
        handler.addFilter(_ours_or_warning)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbosity else logging.WARNING)


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


class _StdoutGone(Exception):
    """Whoever read stdout went away (``| head -1``)."""


@contextmanager
def _stdout() -> Iterator[None]:
    """Around writes to stdout: a closed pipe is the reader's choice, not an error of ours."""
    try:
        yield
    except BrokenPipeError:
        raise _StdoutGone() from None


def _silence_stdout() -> None:
    # What the Python docs advise for SIGPIPE: point stdout at devnull so the interpreter's
    # final flush does not fail a second time.
    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())


@dataclass
class _Run:
    """What a fatal error needs to be reported: where, in which form, and how to resume."""

    renderer: Renderer
    json_out: bool = False
    resume: str = "run the same command again"

    def fatal(self, code: str, message: str, exit_code: int) -> typer.Exit:
        self.renderer.error(message)
        if self.json_out:  # automation reading stdout sees the error too
            from .render import json_line

            with suppress(OSError, ValueError):
                sys.stdout.write(json_line({"error": {"code": code, "message": message},
                                            "exit": exit_code}) + "\n")
                sys.stdout.flush()
        return typer.Exit(exit_code)


@contextmanager
def _errors_to_exit(
    renderer: Renderer, *, json_out: bool = False, resume: str = "run the same command again"
) -> Iterator[_Run]:
    """Every library error becomes one sentence on stderr (and with ``--json`` one JSON object
    on stdout) and its documented exit code."""
    run = _Run(renderer, json_out, resume)
    try:
        yield run
    except TranscribeZoomError as exc:
        raise run.fatal(exc.code, exc.message, exc.exit_code) from None
    except (_StdoutGone, BrokenPipeError):
        # No subprocess or raw socket here: a broken pipe is stdout or stderr going away
        # (`2>&1 | head -1` breaks stderr too, e.g. under the progress line).
        _silence_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        raise run.fatal(
            "terminated" if terminated else "interrupted",
            f"Stopped; finished transcripts are kept and jobs in flight are recorded: "
            f"{run.resume} to resume without paying twice.",
            EXIT_TERMINATED if terminated else EXIT_INTERRUPTED,
        ) from None
    except typer.Exit:
        raise
    except Exception as exc:
        from .redact import redact

        if renderer.verbose:
            import traceback

            renderer.err.write(redact("".join(traceback.format_exc())))
        raise run.fatal(
            "internal_error",
            f"Unexpected {type(exc).__name__}: {redact(str(exc))} (a bug: please report it; "
            "rerun with -v for details).",
            EXIT_FAILED,
        ) from None


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


_CREDENTIAL_PARAMS = frozenset(
    {"zoom_account_id", "zoom_client_id", "zoom_client_secret", "assemblyai_api_key"})


def _param_words(param: Any, value: Any) -> list[str]:
    def text(v: Any) -> str:
        return str(Path(v).expanduser().absolute()) if isinstance(v, Path) else str(v)

    if param.param_type_name == "argument":
        return [text(v) for v in value] if isinstance(value, list | tuple) else [text(value)]
    longest = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    if param.count:
        return [longest] * int(value or 0)
    if param.is_flag:
        if value:
            return [longest]
        return [param.secondary_opts[-1]] if param.secondary_opts else []
    if param.multiple:
        return [w for v in value or () for w in (longest, text(v))]
    return [] if value is None else [longest, text(value)]


def resume_command(ctx: typer.Context, extra: Mapping[str, Any] | None = None) -> str:
    """The command being run, as one shell line that does the same from any folder: every
    argument and flag given (paths made absolute, ``--out`` always), credential flags left
    out (their values are secret: the environment or tokens.env supplies them), ``extra``
    fixing values resolved at run time (e.g. backfill's default dates)."""
    from .config import DEFAULT_ENV_FILE

    extra = dict(extra or {})
    if "env_file" in ctx.params and ctx.params["env_file"] is None and DEFAULT_ENV_FILE.exists():
        extra["env_file"] = DEFAULT_ENV_FILE
    words = ["transcribe-zoom", ctx.info_name or ctx.command.name or ""]
    for param in ctx.command.params:
        name = param.name or ""
        if name in _CREDENTIAL_PARAMS:
            continue
        if name in extra:
            value = extra[name]
        elif name == "out" or getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE":
            value = ctx.params.get(name)
        else:
            continue
        words += _param_words(param, value)
    return shlex.join(words)


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


# Statuses that do not fail a run, the same for one meeting and a backfill: "skipped" is a
# meeting with nothing to transcribe (only Zoom's own transcript, no audio file).
ACCEPTABLE = frozenset({"completed", "skipped"})


def report(results: Sequence[RecordingResult], *, json_out: bool, quiet: bool) -> int:
    """Print results (table or JSON lines) and return the exit code they add up to."""
    from .render import print_json_lines, print_summary

    with _stdout():
        if json_out:
            print_json_lines(results)
        elif not quiet or any(not r.ok for r in results):
            print_summary(results)
    return EXIT_OK if all(r.status in ACCEPTABLE for r in results) else EXIT_FAILED


@app.command("transcribe")
def transcribe(
    ctx: typer.Context,
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
    again = f"run `{resume_command(ctx)}` again"
    with _errors_to_exit(renderer, json_out=json_out, resume=again):
        settings = _load_settings(env_file, renderer, _credentials(
            zoom_account_id, zoom_client_id, zoom_client_secret, assemblyai_api_key))
        options = _run_options(
            out, language=language, speakers=speakers, speakers_expected=speakers_expected,
            model=model, keyterm=keyterm, fmt=fmt, ttl=ttl, timeout=timeout, wait=wait,
            poll_speed=poll_speed, poll_interval=poll_interval, via=via, keep_audio=keep_audio,
            resume_hint=again,
        )
        from .pipeline import transcribe_meetings

        with _plain_progress(renderer) as sink:
            results = transcribe_meetings([meeting], settings, options, latest=latest,
                                          sink=sink)
        code = report(results, json_out=json_out, quiet=quiet)
    raise typer.Exit(code)


@app.command("file")
def file_command(
    ctx: typer.Context,
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
    again = f"run `{resume_command(ctx)}` again"
    with _errors_to_exit(renderer, json_out=json_out, resume=again):
        from .pipeline import transcribe_files

        settings = _load_settings(env_file, renderer, _credentials(
            zoom_account_id, zoom_client_id, zoom_client_secret, assemblyai_api_key))
        options = _run_options(
            out, language=language, speakers=speakers, speakers_expected=speakers_expected,
            model=model, keyterm=keyterm, fmt=fmt, ttl=3600, timeout=timeout, wait=0.0,
            poll_speed=poll_speed, poll_interval=poll_interval, via="upload",
            resume_hint=again,
        )
        with _plain_progress(renderer) as sink:
            results = transcribe_files(list(paths), settings, options, sink=sink)
        code = report(results, json_out=json_out, quiet=quiet)
    raise typer.Exit(code)


@app.command("backfill")
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
    with _errors_to_exit(renderer, json_out=json_out) as run:
        from .events import Notice
        from .pipeline import Selection, compile_topic, default_range, parse_day
        from .pipeline.backfill import clamp_to_today

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
        settings = _load_settings(env_file, renderer, _credentials(
            zoom_account_id, zoom_client_id, zoom_client_secret, assemblyai_api_key))
        if dry_run:
            from .plan import print_plan

            with _stdout():
                code = print_plan(selection, settings, out, price_per_hour,
                                  json_out=json_out, sink=renderer)
            raise typer.Exit(code)
        options = _run_options(
            out, language=language, speakers=speakers, speakers_expected=speakers_expected,
            model=model, keyterm=keyterm, fmt=fmt, ttl=ttl, timeout=timeout, wait=wait,
            poll_speed=poll_speed, poll_interval=poll_interval, via=via, keep_audio=keep_audio,
            resume_hint=again,
        )
        from dataclasses import replace

        from .pipeline import backfill
        from .progress import Progress

        options = replace(options, concurrency=concurrency, retry_failed=retry_failed)
        with Progress(renderer) as progress:
            results = backfill(selection, settings, options, sink=progress)
        code = report(results, json_out=json_out, quiet=quiet)
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
        from .render import terminal_safe

        settings = _load_settings(env_file, renderer, _credentials(
            zoom_account_id, zoom_client_id, zoom_client_secret, assemblyai_api_key))
        lines, code = run_checks(settings)
        with _stdout():
            for line in lines:
                typer.echo(terminal_safe(line))
    raise typer.Exit(code)


@app.command("status")
def status(
    out: OutOpt = Path("transcripts"),
    json_out: JsonOpt = False,
) -> None:
    """Summarise the ledger in --out (no API calls): counts, failures, audio hours."""
    renderer = _renderer(0, False)
    with _errors_to_exit(renderer, json_out=json_out), _stdout():
        from .status import print_status

        print_status(out, json_out=json_out)


@app.command("demo")
def demo(
    ctx: typer.Context,
    out: OutOpt = Path("transcripts-demo"),
    json_out: JsonOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run the whole job on the built-in emulator: no credentials, no network."""
    renderer = _renderer(verbose, quiet)
    with _errors_to_exit(renderer, json_out=json_out,
                         resume=f"run `{resume_command(ctx)}` again"):
        from .demo import run_demo

        results = run_demo(out, renderer=renderer)
        code = report(results, json_out=json_out, quiet=quiet)
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
    with _errors_to_exit(renderer):
        from .emulator import serve_forever

        def ready(emu: Any) -> None:
            with _stdout():
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


def _options_taking_values() -> frozenset[str]:
    """Every option name of every command that is followed by a value (``-o DIR``)."""
    group = typer.main.get_command(app)
    commands = [group, *getattr(group, "commands", {}).values()]
    return frozenset(
        name
        for command in commands
        for param in command.params
        if param.param_type_name == "option"
        and not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        for name in param.opts
    )


def route_default_command(argv: Sequence[str]) -> list[str]:
    """``transcribe-zoom MEETING ...`` means ``transcribe-zoom transcribe MEETING ...``.

    The command is the first word that is neither an option nor an option's value, so in
    ``-o check 81234567890`` "check" is a folder and the meeting is transcribed.
    """
    args = list(argv)
    if not args or args[0] in ("-h", "--help", "--version"):
        return args
    takes_value = _options_taking_values()
    first: str | None = None
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            first = args[i + 1] if i + 1 < len(args) else None
            break
        if word.startswith("-") and word != "-":
            i += 2 if word in takes_value else 1
            continue
        first = word
        break
    if first is None or first in COMMANDS:
        return args
    return ["transcribe", *args]


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def _click_exception() -> type[Exception]:
    try:
        from typer._click.exceptions import ClickException  # typer >= 0.24 vendors click
    except ImportError:  # pragma: no cover - older typer
        from click.exceptions import ClickException  # type: ignore[assignment]
    return ClickException


def _run_app(args: list[str]) -> None:
    """Run the app; with ``--json`` a usage error found while parsing (an unknown option, a
    missing value) is also one JSON object on stdout, like every other fatal error."""
    options = args[:args.index("--")] if "--" in args else args
    if "--json" not in options:
        app(args=args, prog_name="transcribe-zoom")
        return
    try:
        code = app(args=args, prog_name="transcribe-zoom", standalone_mode=False)
    except _click_exception() as exc:
        exc.show()  # type: ignore[attr-defined]
        exit_code = int(getattr(exc, "exit_code", 2))
        from .render import json_line

        message = exc.format_message()  # type: ignore[attr-defined]
        sys.stdout.write(json_line({"error": {"code": "usage", "message": message},
                                    "exit": exit_code}) + "\n")
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    args = route_default_command(sys.argv[1:] if argv is None else argv)
    with suppress(ValueError):  # not the main thread: leave signals alone
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            _run_app(args)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
