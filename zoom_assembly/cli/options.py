"""Options shared by several commands, declared once with their defaults (like sqlite-utils'
``output_options``): a command names the groups it takes and receives them as one
:class:`Flags` value. The rules behind the flags live in the library
(:meth:`~zoom_assembly.pipeline.RunOptions.from_flags`), not here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ..outputs import FORMATS

if TYPE_CHECKING:
    from ..config import Settings
    from ..events import EventSink
    from ..pipeline import RunOptions
    from ..pipeline.pay_policy import PayRules

F = TypeVar("F", bound=Callable[..., Any])
ALL_FORMATS = ",".join(FORMATS)


def _out_dir(value: str | Path) -> Path:
    """``--out``: an empty value would silently mean the current folder."""
    if not str(value).strip():
        raise typer.BadParameter("is empty; name a folder, e.g. --out transcripts.")
    return Path(value)


OutOpt = Annotated[
    Path,
    typer.Option("--out", "-o", parser=_out_dir, help="Folder for transcripts and ledger."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per recording on stdout.")]
VerboseOpt = Annotated[
    int,
    typer.Option("--verbose", "-v", count=True,
                 help="Show retries and details; -vv also HTTP libraries' debug lines."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and results.")]
EnvFileOpt = Annotated[
    Path | None,
    typer.Option("--env-file", help="Credentials file (default ./tokens.env when present)."),
]


@dataclass(frozen=True)
class Option:
    name: str
    annotation: Any
    default: Any


# Each group: the options it adds, in the order --help shows them.
OUTPUT = (
    Option("out", OutOpt, Path("transcripts")),
    Option("json_out", JsonOpt, False),
    Option("verbose", VerboseOpt, 0),
    Option("quiet", QuietOpt, False),
)
LedgerOpt = Annotated[
    str | None,
    typer.Option("--ledger", envvar="TRANSCRIBE_ZOOM_LEDGER", show_default=False,
                 help="Ledger: a file, sqlite:///path, or postgresql://user@host/db shared by "
                 "several processes or machines (default <out>/.transcribe-zoom/ledger.sqlite)."),
]
# Where the ledger lives (every command that uses one; serve declares its own).
LEDGER = (Option("ledger", LedgerOpt, None),)
TRANSCRIPTION = (
    Option("language", Annotated[str, typer.Option(
        "--language", help="Language code (e.g. es, de, ja) or 'auto' to detect.")], "auto"),
    Option("speakers", Annotated[bool, typer.Option(
        "--speakers/--no-speakers", help="Label speakers (diarization).")], True),
    Option("speakers_expected", Annotated[int | None, typer.Option(
        "--speakers-expected", min=1, max=50, help="How many speakers.")], None),
    Option("model", Annotated[list[str] | None, typer.Option(
        "--model", help="AssemblyAI speech model id, in priority order (repeatable).")], None),
    Option("keyterm", Annotated[list[str] | None, typer.Option(
        "--keyterm", help="A word or phrase to recognise better (repeatable).")], None),
    Option("fmt", Annotated[str, typer.Option(
        "--format", help="Comma-separated outputs among txt,json,srt,vtt.")], ALL_FORMATS),
    Option("timeout", Annotated[float | None, typer.Option(
        "--timeout", min=1, help="Stop waiting after this many seconds.")], None),
    Option("poll_speed", Annotated[float, typer.Option(
        "--poll-speed", min=0.1, help="How many times faster than real time AssemblyAI is "
        "expected to transcribe (first status check waits that long).")], 100.0),
    Option("poll_interval", Annotated[float, typer.Option(
        "--poll-interval", min=0.01, help="Shortest pause between checks (s).")], 1.0),
)
ZOOM_AUDIO = (
    Option("wait", Annotated[float, typer.Option(
        "--wait", min=0, help="Wait up to this many seconds for files Zoom is still "
        "processing.")], 0.0),
    Option("ttl", Annotated[int, typer.Option(
        "--ttl", min=300, max=604800, help="Seconds the URL handed to AssemblyAI lives.")],
        6 * 3600),
    Option("via", Annotated[str, typer.Option(
        "--via", help="url: hand AssemblyAI a download URL; upload: stream the file through "
        "this machine; auto: URL first, upload if AssemblyAI cannot download.")], "auto"),
    Option("keep_audio", Annotated[bool, typer.Option(
        "--keep-audio", help="Save the audio next to the transcript (uploads).")], False),
)
# Which transcript source a recording gets (rules in pipeline/pay_policy.py).
PAY_POLICY = (
    Option("source", Annotated[str, typer.Option(
        "--source", help="auto: let --pay-for decide; zoom: Zoom's own transcript or captions "
        "only (free); assemblyai: always transcribe with AssemblyAI (paid).")], "auto"),
    Option("pay_for", Annotated[str, typer.Option(
        "--pay-for", help="Which recordings AssemblyAI transcribes (--source auto): missing "
        "(no Zoom transcript), non-english (also those whose language Zoom's transcript cannot "
        "serve, checked with a ~30 s probe) or all.")], "non-english"),
    Option("accept_zoom_languages", Annotated[str, typer.Option(
        "--accept-zoom-languages", help="Comma-separated languages for which Zoom's own text "
        "is good enough (--pay-for non-english).")], "en"),
    Option("probe_seconds", Annotated[int, typer.Option(
        "--probe-seconds", min=15, max=600, help="Length of the audio slice AssemblyAI "
        "listens to, to tell a meeting's language (billed as audio).")], 30),
)
# Whose recordings a long-running command takes (serve); backfill's own flags say the same.
SELECTION = (
    Option("user", Annotated[list[str] | None, typer.Option(
        "--user", help="A user's email or ID (repeatable).")], None),
    Option("all_users", Annotated[bool, typer.Option(
        "--all-users", help="Every active and deactivated user (the default for serve).")],
        False),
    Option("account", Annotated[bool, typer.Option(
        "--account", help="The account-wide listing (needs its scope).")], False),
    Option("topic", Annotated[str | None, typer.Option(
        "--topic", help="Only topics matching this regex.")], None),
    Option("min_duration", Annotated[int, typer.Option(
        "--min-duration", min=0, help="Skip meetings shorter (minutes).")], 0),
)
def _speaker_names_mode(value: str) -> str:
    """``--speaker-names``: auto or off."""
    mode = value.strip().lower()
    if mode not in ("auto", "off"):
        raise typer.BadParameter(f"'{value}' is not auto or off.")
    return mode


SPEAKER_NAMES = (
    Option("speaker_names", Annotated[str, typer.Option(
        "--speaker-names", parser=_speaker_names_mode, metavar="auto|off",
        help="auto: name speakers from Zoom's speaker timeline when the meeting has one "
        "(one extra Zoom download, no AssemblyAI cost); off: keep Speaker A, B...")], "auto"),
    Option("participant_audio", Annotated[bool, typer.Option(
        "--participant-audio", help="Exact names from Zoom's per-participant audio files "
        "(account setting 'Record a separate audio file of each participant'): one "
        "AssemblyAI job per participant, each billed for the whole meeting; meetings without "
        "them are transcribed as usual.")], False),
)
# Credentials as flags (highest precedence). Prefer tokens.env: flags show up in `ps`.
CREDENTIALS = (
    Option("env_file", EnvFileOpt, None),
    Option("zoom_account_id", Annotated[str | None, typer.Option(
        "--zoom-account-id", help="Zoom account ID.", show_default=False)], None),
    Option("zoom_client_id", Annotated[str | None, typer.Option(
        "--zoom-client-id", help="Zoom app client ID.", show_default=False)], None),
    Option("zoom_client_secret", Annotated[str | None, typer.Option(
        "--zoom-client-secret", help="Zoom app client secret (prefer tokens.env).",
        show_default=False)], None),
    Option("assemblyai_api_key", Annotated[str | None, typer.Option(
        "--assemblyai-api-key", help="AssemblyAI API key (prefer tokens.env).",
        show_default=False)], None),
)
CREDENTIAL_FLAGS = frozenset(o.name for o in CREDENTIALS[1:])


@dataclass(frozen=True)
class Flags:
    """The shared options one command was given (those of groups it does not take keep
    their defaults)."""

    out: Path = Path("transcripts")
    json_out: bool = False
    verbose: int = 0
    quiet: bool = False
    language: str = "auto"
    speakers: bool = True
    speakers_expected: int | None = None
    model: list[str] | None = None
    keyterm: list[str] | None = None
    fmt: str = ALL_FORMATS
    timeout: float | None = None
    poll_speed: float = 100.0
    poll_interval: float = 1.0
    wait: float = 0.0
    ttl: int = 6 * 3600
    via: str = "auto"
    keep_audio: bool = False
    source: str = "auto"
    pay_for: str = "non-english"
    accept_zoom_languages: str = "en"
    probe_seconds: int = 30
    user: list[str] | None = None
    all_users: bool = False
    account: bool = False
    topic: str | None = None
    min_duration: int = 0
    speaker_names: str = "auto"
    participant_audio: bool = False
    env_file: Path | None = None
    zoom_account_id: str | None = None
    zoom_client_id: str | None = None
    zoom_client_secret: str | None = None
    assemblyai_api_key: str | None = None
    ledger: str | None = None

    def run_options(self, resume_hint: str, **overrides: Any) -> RunOptions:
        """The library's options for these flags (checked and derived by the library)."""
        from ..pipeline import RunOptions

        values: dict[str, Any] = dict(
            language=self.language, speakers=self.speakers,
            speakers_expected=self.speakers_expected, models=self.model,
            keyterms=self.keyterm, formats=self.fmt, ttl=self.ttl, timeout=self.timeout,
            wait=self.wait, poll_speed=self.poll_speed, poll_interval=self.poll_interval,
            via=self.via, keep_audio=self.keep_audio, resume_hint=resume_hint,
            ledger=self.ledger,
        )
        return RunOptions.from_flags(self.out, **{**values, **overrides})

    def pay_rules(self) -> PayRules:
        """The pay policy these flags state (checked by the library)."""
        from ..pipeline.pay_policy import PayRules

        return PayRules.from_flags(source=self.source, pay_for=self.pay_for,
                                   accept_zoom_languages=self.accept_zoom_languages,
                                   probe_seconds=self.probe_seconds)

    def settings(self, sink: EventSink) -> Settings:
        """Settings from these credential flags > the environment > the env file; a notice
        when the env file can be read by other users."""
        from ..config import DEFAULT_ENV_FILE, env_file_is_shared, load_settings
        from ..events import Notice

        overrides = {name: getattr(self, name) for name in CREDENTIAL_FLAGS}
        settings = load_settings(env_file=self.env_file, overrides=overrides)
        path = self.env_file or DEFAULT_ENV_FILE
        if env_file_is_shared(path):
            sink(Notice(f"{path} can be read by other users of this machine; run "
                        f"`chmod 600 {path}` to keep the credentials private.", warning=True))
        return settings


_FLAG_NAMES = frozenset(f.name for f in fields(Flags))


def shared(*groups: tuple[Option, ...], **defaults: Any) -> Callable[[F], F]:
    """Give a command the options of ``groups`` (after its own), collected into a ``flags``
    parameter; ``defaults`` overrides a group default for this command (e.g. demo's --out)."""
    chosen = [o for group in groups for o in group]

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "flags"]
        added = [
            inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, annotation=o.annotation,
                              default=defaults.get(o.name, o.default))
            for o in chosen
        ]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {name: kwargs.pop(name) for name in list(kwargs) if name in _FLAG_NAMES
                     and name in {o.name for o in chosen}}
            return command(*args, flags=Flags(**given), **kwargs)

        params = [p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in own]
        params += [p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in added]
        wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
