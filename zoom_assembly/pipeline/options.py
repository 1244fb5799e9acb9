"""What a run is asked to do: the options of every transcribing command, checked in one place.

``RunOptions.from_flags`` holds the rules the command line states (``--via``, ``--keep-audio``,
``--language``, ``--format``, the poll plan derived from ``--poll-speed``/``--poll-interval``),
so the CLI, the benchmarks and a Python caller all get the same behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..assembly import TranscriptionOptions
from ..config import DEFAULT_SPEECH_MODELS
from ..errors import UsageError
from ..outputs import FORMATS

VIA_CHOICES = ("url", "upload", "auto")


@dataclass(frozen=True)
class PollPlan:
    """When to look at a job: first after its expected duration, then backing off.

    AssemblyAI transcribes about an hour of audio in ~35 s (``realtime_factor`` ~100).
    """

    realtime_factor: float = 100.0
    overhead: float = 4.0
    min_interval: float = 1.0
    max_interval: float = 15.0
    growth: float = 1.5
    coalesce: float = 0.5  # checks due this close together share one round
    batch_min: int = 4  # from this many due jobs on, one list call replaces per-job GETs

    @classmethod
    def from_flags(cls, poll_speed: float = 100.0, poll_interval: float = 1.0) -> PollPlan:
        """``--poll-speed`` (how much faster than real time AssemblyAI is expected to be) and
        ``--poll-interval`` (the shortest pause between checks) as a plan."""
        return cls(realtime_factor=poll_speed, min_interval=poll_interval,
                   max_interval=max(poll_interval, 15.0), overhead=min(4.0, 4 * poll_interval),
                   coalesce=poll_interval / 2)

    def expected(self, audio_seconds: float | None) -> float:
        return self.overhead + (audio_seconds or 600.0) / self.realtime_factor

    def first_check(self, audio_seconds: float | None) -> float:
        return max(self.min_interval, self.expected(audio_seconds))

    def next_check(self, audio_seconds: float | None, misses: int) -> float:
        base = max(self.min_interval, 0.1 * self.expected(audio_seconds))
        return min(self.max_interval, base * self.growth ** max(0, misses - 1))


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path
    transcription: TranscriptionOptions = field(default_factory=TranscriptionOptions)
    formats: tuple[str, ...] = FORMATS
    handoff_ttl: int = 6 * 3600
    timeout: float | None = None  # seconds for the whole wait
    wait_processing: float = 0.0  # seconds to wait for files Zoom is still processing
    processing_recheck: float = 30.0
    retry_failed: bool = True
    concurrency: int = 50
    # Jobs submitted beyond ``concurrency`` wait in AssemblyAI's queue, so a slot freed there
    # is refilled at once instead of after the client noticed and submitted (0.18 s per slot
    # and round measured at N=500, C=50: 5% of the makespan). None: as many as
    # ``concurrency`` (one round ahead, what equal-length jobs finishing together need);
    # 0: never more jobs at AssemblyAI than ``concurrency``.
    lookahead: int | None = None
    workers: int = 8  # threads doing network work; 0 runs everything on the calling thread
    via: str = "auto"  # url | upload | auto (URL first, upload after a download error)
    keep_audio: bool = False  # save the audio next to the transcript when it passes through
    poll: PollPlan = field(default_factory=PollPlan)
    resume_hint: str = "run the same command again"
    # --ledger / TRANSCRIBE_ZOOM_LEDGER: a file, sqlite:///path or postgresql://user@host/db;
    # None: <out_dir>/.transcribe-zoom/ledger.sqlite.
    ledger: str | None = None

    @property
    def ahead(self) -> int:
        """Jobs submitted beyond ``concurrency``, to wait in AssemblyAI's queue."""
        return self.concurrency if self.lookahead is None else max(0, self.lookahead)

    @classmethod
    def from_flags(
        cls,
        out_dir: Path,
        *,
        language: str = "auto",
        speakers: bool = True,
        speakers_expected: int | None = None,
        models: Sequence[str] | None = None,
        keyterms: Sequence[str] | None = None,
        formats: str | Sequence[str] = FORMATS,
        ttl: int = 6 * 3600,
        timeout: float | None = None,
        wait: float = 0.0,
        poll_speed: float = 100.0,
        poll_interval: float = 1.0,
        via: str = "auto",
        keep_audio: bool = False,
        concurrency: int = 50,
        retry_failed: bool = True,
        resume_hint: str = "run the same command again",
        ledger: str | None = None,
    ) -> RunOptions:
        """Options as the command line states them, checked and derived here so that the CLI,
        the benchmarks and any Python caller get the same behaviour."""
        via = via.strip().lower()
        if via not in VIA_CHOICES:
            raise UsageError(f"--via {via!r} is not one of url, upload, auto.", code="bad_via")
        if keep_audio and via == "url":
            raise UsageError("--keep-audio needs the audio to pass through this machine; use "
                             "--via upload or --via auto.", code="bad_via")
        ledger = ledger.strip() if ledger and ledger.strip() else None
        if ledger is not None:
            from ..ledger import ledger_location

            ledger_location(ledger, out_dir)  # a --ledger it cannot use: refused before any call
        language = language.strip().lower().replace("-", "_")
        if not language:
            raise UsageError("--language is empty; pass a code such as es or 'auto'.")
        return cls(
            out_dir=out_dir,
            transcription=TranscriptionOptions(
                speech_models=tuple(models) if models else DEFAULT_SPEECH_MODELS,
                language=language,
                speaker_labels=speakers,
                speakers_expected=speakers_expected,
                keyterms=tuple(keyterms or ()),
            ),
            formats=parse_formats(formats),
            handoff_ttl=ttl,
            timeout=timeout,
            wait_processing=wait,
            via=via,
            keep_audio=keep_audio,
            processing_recheck=max(poll_interval, min(30.0, wait / 10 or 30.0)),
            concurrency=concurrency,
            retry_failed=retry_failed,
            resume_hint=resume_hint,
            poll=PollPlan.from_flags(poll_speed, poll_interval),
            ledger=ledger,
        )


def parse_formats(value: str | Sequence[str]) -> tuple[str, ...]:
    """``"txt,srt"`` (or a sequence) as known output formats, in order, each once."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in parts if part.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(
            f"Unknown --format {', '.join(unknown) or repr(value)}; choose among "
            f"{','.join(FORMATS)} (comma-separated).",
            code="bad_format",
        )
    return chosen
