"""Which recordings to pay AssemblyAI for, and Zoom's own text as the free source.

``--source``: ``assemblyai`` always pays; ``zoom`` takes Zoom's transcript or captions only
(free; a recording without them fails with one sentence and is tried again by a later run);
``auto`` lets ``--pay-for`` decide:

- ``missing``: pay only where Zoom has no transcript or captions;
- ``non-english`` (the default: the tool exists for meetings Zoom cannot transcribe): also pay
  where Zoom's text exists but the meeting is not in an ``--accept-zoom-languages`` language.
  Zoom's text is read first (free): text in another language means pay. Text that reads as an
  accepted language is not proof (Zoom's English-only engine writes English-looking words for
  Spanish audio), so a short slice of the audio is sent to AssemblyAI with language detection
  (a *probe*, billed for the slice only) and its answer decides;
- ``all``: pay for every recording.

Every decision carries its reason, recorded in the ledger ("zoom transcript, probe: en 0.95,
accepted"; "probe: es 0.97 → AssemblyAI").
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..assembly import AmbiguousSubmit, AssemblyClient, JobStatus, TranscriptionOptions
from ..errors import NoZoomText, TranscribeZoomError, UsageError
from ..langid import identify
from ..models import Transcript
from ..zoom import ZoomClient
from ..zoom.transcript_files import TEXT_SOURCES, fetch_zoom_text, zoom_text_files
from .prior_jobs import PriorJobs
from .recording import PAID_SOURCE, Decision, Recording
from .sources import NoAudioFile

SOURCE_CHOICES = ("auto", "zoom", "assemblyai")
PAY_FOR_CHOICES = ("missing", "non-english", "all")
CHECK_CHOICES = ("probe", "text")
FREE_SOURCES = tuple(TEXT_SOURCES.values())  # zoom_transcript, zoom_captions
# 30 s: AssemblyAI's language detection needs >= 15 s of speech; a slice a third into the
# meeting rarely holds less than half speech, and 30 s keeps the default policy within 3% of
# the ideal bill (60 s measured +5.6%, 30 s +2.8% on the 500-meeting benchmark).
DEFAULT_PROBE_SECONDS = 30


def base_language(code: str | None) -> str:
    """``en_us`` -> ``en``."""
    return (code or "").strip().lower().replace("-", "_").split("_")[0]


@dataclass(frozen=True)
class PayRules:
    """The pay policy's settings, as the command line states them."""

    source: str = "auto"
    pay_for: str = "non-english"
    accept_languages: tuple[str, ...] = ("en",)
    check: str = "probe"  # how "non-english" decides: probe (text first, then audio) | text
    probe_seconds: int = DEFAULT_PROBE_SECONDS

    @classmethod
    def from_flags(
        cls, *, source: str = "auto", pay_for: str = "non-english",
        accept_zoom_languages: str = "en", check: str = "probe",
        probe_seconds: int = DEFAULT_PROBE_SECONDS,
    ) -> PayRules:
        source, pay_for = source.strip().lower(), pay_for.strip().lower()
        if source not in SOURCE_CHOICES:
            raise UsageError(f"--source {source!r} is not one of {', '.join(SOURCE_CHOICES)}.",
                             code="bad_source")
        if pay_for not in PAY_FOR_CHOICES:
            raise UsageError(f"--pay-for {pay_for!r} is not one of "
                             f"{', '.join(PAY_FOR_CHOICES)}.", code="bad_pay_for")
        accepted = tuple(dict.fromkeys(
            base_language(part) for part in accept_zoom_languages.split(",") if part.strip()))
        if not accepted:
            raise UsageError("--accept-zoom-languages is empty; pass codes such as en or en,es.",
                             code="bad_pay_for")
        if check not in CHECK_CHOICES:
            raise ValueError(f"check must be one of {CHECK_CHOICES}")
        return cls(source, pay_for, accepted, check, max(1, int(probe_seconds)))

    @property
    def may_use_zoom(self) -> bool:
        return self.source == "zoom" or (self.source == "auto" and self.pay_for != "all")

    @property
    def probes(self) -> bool:
        return self.source == "auto" and self.pay_for == "non-english" and self.check == "probe"


def text_only_decision(found: str | None, rules: PayRules) -> Decision:
    """A meeting with Zoom's text (``found``: its best source) but no audio or video: Zoom's
    text, free, when the rules may use it (``--source zoom``, or ``auto`` unless ``--pay-for
    all``); else nothing AssemblyAI could transcribe, and the run reports it skipped. One
    function for the run and ``backfill --dry-run``, so both agree."""
    if found is not None and rules.may_use_zoom:
        kind = found.replace("_", " ")
        return Decision(found, f"{kind}, no audio to transcribe: Zoom's text only")
    return Decision(PAID_SOURCE, "no audio file: nothing AssemblyAI could transcribe")


def text_verdict(text: str, found: str, rules: PayRules, *, probing: bool) -> Decision | None:
    """What Zoom's text alone decides under ``--pay-for non-english``: text in a language not
    accepted is paid; without probes (``check=text``) text in an accepted language is kept
    and text in no language known is paid; None: a probe decides. Shared by the run and the
    dry run's estimate (same text, same answer)."""
    kind = found.replace("_", " ")
    guess = identify(text)
    if guess.language is not None and guess.language not in rules.accept_languages:
        return Decision(PAID_SOURCE,
                        f"{kind} reads {guess.language} {guess.confidence:.2f} → AssemblyAI")
    if probing:
        return None
    if guess.language is None:
        return Decision(PAID_SOURCE, f"{kind}, language unknown → AssemblyAI")
    return Decision(found, f"{kind}, reads {_name(guess.language)}, accepted")


class ZoomTextSource:
    """Zoom's transcript or captions of a recording's meeting (free); each file read once."""

    def __init__(self, zoom: ZoomClient, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.zoom = zoom
        self.sleep = sleep
        self._cache: dict[str, Transcript] = {}
        self._lock = threading.Lock()

    def available(self, recording: Recording) -> str | None:
        """The ``source`` Zoom's best text of this recording would give, None without any."""
        texts = zoom_text_files(recording.zoom) if recording.zoom is not None else []
        return texts[0].source if texts else None

    def fetch(self, recording: Recording) -> Transcript:
        if recording.zoom is None:
            raise NoZoomText(f"'{recording.label}' is not a Zoom recording, so it has no Zoom "
                             "transcript; transcribe it with --source assemblyai.")
        with self._lock:
            cached = self._cache.get(recording.file_id)
        if cached is not None:
            return cached
        transcript = fetch_zoom_text(self.zoom, recording.zoom, sleep=self.sleep)
        if transcript.audio_duration is None or recording.duration_seconds:
            transcript = replace(transcript, audio_duration=recording.duration_seconds
                                 or transcript.audio_duration)
        with self._lock:
            self._cache[recording.file_id] = transcript
        return transcript


@dataclass(frozen=True)
class ProbeResult:
    """What a slice of the audio told AssemblyAI's language detection."""

    language: str | None
    confidence: float | None
    seconds: float  # audio seconds billed
    error: str = ""


def probe_window(duration_s: float | None, seconds: int) -> tuple[int, int]:
    """(start, end) in ms of the slice to probe: a third into the recording (past greetings
    and waiting for people), ``seconds`` long; the start when the recording is short."""
    length = seconds * 1000
    if not duration_s:
        return 0, length
    total = int(duration_s * 1000)
    if total <= length:
        return 0, total
    start = min(total // 3, total - length)
    return start, start + length


class AssemblyProbe:
    """Language detection on a slice of a recording's audio (``audio_start_from`` /
    ``audio_end_at``). The probe job is deleted once read, so it can never be mistaken for the
    recording's transcript by a later run looking for earlier jobs."""

    def __init__(
        self,
        assembly: AssemblyClient,
        *,
        speech_models: tuple[str, ...],
        seconds: int = DEFAULT_PROBE_SECONDS,
        interval: float = 1.0,
        timeout: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.assembly = assembly
        self.speech_models = speech_models
        self.seconds = seconds
        self.interval = interval
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.job_ids: set[str] = set()  # every probe job this run submitted

    def __call__(self, recording: Recording) -> ProbeResult:
        start, end = probe_window(recording.duration_seconds, self.seconds)
        options = TranscriptionOptions(
            speech_models=self.speech_models, language="auto", speaker_labels=False,
            extra={"audio_start_from": start, "audio_end_at": end},
        )
        billed = (end - start) / 1000
        try:
            url = recording.audio.audio_url(lambda stage, detail: None)
            try:
                job = self.assembly.submit(url, options)
            except AmbiguousSubmit:
                return ProbeResult(None, None, billed, "the connection dropped")
            self.job_ids.add(job)
            deadline = self.clock() + self.timeout
            while True:
                transcript = self.assembly.get(job)
                if transcript.status in ("completed", "error") or self.clock() >= deadline:
                    break
                self.sleep(self.interval)
            self._forget(job, transcript.status)
        except TranscribeZoomError as exc:
            return ProbeResult(None, None, 0.0, exc.message)
        if transcript.status != "completed":
            return ProbeResult(None, None, 0.0 if transcript.status == "error" else billed,
                               transcript.error or f"still {transcript.status}")
        return ProbeResult(base_language(transcript.language_code) or None,
                           transcript.language_confidence, billed)

    def _forget(self, job: str, status: str) -> None:
        if status not in ("completed", "error"):
            return  # AssemblyAI deletes only finished jobs
        with contextlib.suppress(TranscribeZoomError):
            self.assembly.delete(job)  # if refused, the decision stands all the same


Prober = Callable[[Recording], ProbeResult]


class WithoutProbes:
    """The engine's index of jobs AssemblyAI already has, minus this run's probes: the index
    is listed once, possibly while a probe is still running, and a probe is a minute of the
    recording, never its transcript."""

    def __init__(self, prior_jobs: PriorJobs, probe: AssemblyProbe) -> None:
        self._prior_jobs = prior_jobs
        self._probe = probe

    def find(self, audio_url_key: str) -> JobStatus | None:
        found = self._prior_jobs.find(audio_url_key)
        return None if found is not None and found.id in self._probe.job_ids else found

    def forget(self, audio_url_key: str) -> None:
        self._prior_jobs.forget(audio_url_key)


class PayPolicy:
    """The :data:`~.recording.Policy` of ``--source`` / ``--pay-for`` (see module docstring)."""

    def __init__(self, rules: PayRules, zoom_text: ZoomTextSource | None,
                 probe: Prober | None = None,
                 earlier: Callable[[str], str | None] | None = None) -> None:
        """``earlier``: the reason recorded for a recording file by an earlier run (the
        ledger's), so that a recording probed once is never probed again."""
        self.rules = rules
        self.zoom_text = zoom_text
        self.probe = probe
        self.earlier = earlier
        self.probe_seconds = 0.0  # billed by probes so far
        self._lock = threading.Lock()

    def __call__(self, recording: Recording) -> Decision:
        rules = self.rules
        if isinstance(recording.audio, NoAudioFile):
            texts = zoom_text_files(recording.zoom) if recording.zoom is not None else []
            return text_only_decision(texts[0].source if texts else None, rules)
        if rules.source == "assemblyai":
            return Decision(PAID_SOURCE, "--source assemblyai: pay")
        if rules.source == "auto" and rules.pay_for == "all":
            return Decision(PAID_SOURCE, "policy: pay for every recording")
        found = self.zoom_text.available(recording) if self.zoom_text else None
        if rules.source == "zoom":
            return Decision(found or FREE_SOURCES[0], "--source zoom: Zoom's text only, free")
        if found is None:
            return Decision(PAID_SOURCE, "no Zoom transcript or captions → AssemblyAI")
        kind = found.replace("_", " ")
        if rules.pay_for == "missing":
            return Decision(found, f"{kind}, accepted (--pay-for missing)")
        return self._by_language(recording, found, kind)

    def _by_language(self, recording: Recording, found: str, kind: str) -> Decision:
        accepted = self.rules.accept_languages
        assert self.zoom_text is not None
        try:
            text = self.zoom_text.fetch(recording)
        except TranscribeZoomError as exc:
            return Decision(PAID_SOURCE, f"{kind} unreadable ({exc.code}) → AssemblyAI")
        verdict = text_verdict(text.text, found, self.rules,
                               probing=self.probe is not None and self.rules.check == "probe")
        if verdict is not None:
            return verdict
        assert self.probe is not None
        result = self._earlier_probe(recording.file_id)
        if result is None:
            result = self.probe(recording)
            with self._lock:
                self.probe_seconds += result.seconds
        if result.language is None:
            return Decision(PAID_SOURCE, f"probe failed ({result.error}) → AssemblyAI")
        confidence = f" {result.confidence:.2f}" if result.confidence is not None else ""
        if result.language in accepted:
            return Decision(found, f"{kind}, probe: {result.language}{confidence}, accepted")
        return Decision(PAID_SOURCE, f"probe: {result.language}{confidence} → AssemblyAI")

    def _earlier_probe(self, file_id: str) -> ProbeResult | None:
        return earlier_probe(self.earlier(file_id) if self.earlier is not None else None)


def earlier_probe(reason: str | None) -> ProbeResult | None:
    """The probe result a recorded decision reason states ("probe: es 0.97 → AssemblyAI"),
    billed nothing now: that probe was paid for when it ran."""
    found = _PROBE.search(reason or "")
    if found is None:
        return None
    confidence = float(found.group(2)) if found.group(2) else None
    return ProbeResult(found.group(1), confidence, 0.0)


_PROBE = re.compile(r"probe: ([a-z]{2,3}) ?([0-9.]+)?")
_NAMES = {"en": "English", "es": "Spanish", "de": "German", "fr": "French", "ja": "Japanese"}


def _name(code: str) -> str:
    return _NAMES.get(code, code)
