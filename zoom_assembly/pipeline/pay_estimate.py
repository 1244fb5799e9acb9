"""The bill a backfill would run up (``backfill --dry-run``), without paying for anything.

From each meeting's file list, :func:`planned_action` says what the pay policy will do: ``paid``,
``free`` (Zoom's text), ``probe`` (Zoom's text, kept if a probe hears an accepted language) or
``skip``. A meeting to probe is then *predicted* from Zoom's text, downloaded for free as the run
does (:func:`predict_from_text`): the policy's own text check first (text in another language
is paid without a probe, :func:`~.pay_policy.text_verdict`), then the sign Zoom's English-only
engine leaves on other languages, English words in an order English never uses
(:func:`~zoom_assembly.langid.english_fluency`): such a meeting's probe will hear another
language and the meeting will be paid. The estimate counts the probes, the paid meetings and the
predicted-paid ones; the range around it stays (every probe accepted .. none accepted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import NoAudio, StillProcessing
from ..langid import english_fluency
from ..zoom import MeetingRecordings, choose_audio_file
from ..zoom.transcript_files import zoom_text_files
from .pay_policy import (
    PayRules,
    earlier_probe,
    probe_window,
    text_only_decision,
    text_verdict,
)
from .recording import PAID_SOURCE, Decision

PAID, FREE, PROBE, SKIP = "paid", "free", "probe", "skip"


def has_audio(recordings: MeetingRecordings) -> bool:
    """Whether the meeting has an audio or video file (done, or still processing)."""
    try:
        choose_audio_file(recordings)
    except StillProcessing:
        return True
    except NoAudio:
        return False
    return True


def planned_action(recordings: MeetingRecordings, rules: PayRules) -> str:
    """What the policy will do with a meeting, from its file list alone (no download, no
    probe): ``paid``, ``free`` (Zoom's text), ``probe`` (Zoom's text, kept if a probe hears an
    accepted language, else paid) or ``skip`` (no audio and no Zoom text the rules take, or
    ``--source zoom`` and no Zoom text yet). The run decides the same (its policy and
    :func:`~.pay_policy.text_only_decision`)."""
    texts = zoom_text_files(recordings)
    found = texts[0].source if texts else None
    if not has_audio(recordings):
        return FREE if text_only_decision(found, rules).source != PAID_SOURCE else SKIP
    if rules.source == "assemblyai" or (rules.source == "auto" and rules.pay_for == "all"):
        return PAID
    if rules.source == "zoom":
        return FREE if found is not None else SKIP  # the run fails it: no Zoom text (yet)
    if found is None:
        return PAID
    if rules.pay_for == "missing" or rules.check == "text":
        return FREE
    return PROBE


@dataclass(frozen=True)
class Prediction:
    """What the run will do with a meeting planned for a probe, read from Zoom's text."""

    paid: bool
    probed: bool  # the run will pay for a probe (False: the text alone decides)
    reason: str


def predict_from_text(text: str, found: str, rules: PayRules) -> Prediction:
    """The run's decision on a meeting whose Zoom text (``found``: its source) is ``text``."""
    verdict = text_verdict(text, found, rules, probing=True)
    if verdict is not None:
        return Prediction(verdict.source == PAID_SOURCE, False, verdict.reason)
    fluency = english_fluency(text)
    kind = found.replace("_", " ")
    rate = f"{fluency.clashes_per_100:.1f} clashes per 100 words"
    if fluency.garbled:
        return Prediction(True, True, f"{kind} reads as sound-alike English ({rate}): "
                                      "the probe will likely hear another language → paid")
    if fluency.garbled is None:
        return Prediction(False, True, f"{kind} too short to judge: the probe decides "
                                       "(counted as accepted)")
    return Prediction(False, True, f"{kind} reads as fluent English ({rate}): "
                                   "the probe will likely accept it")


def after_earlier_probe(prediction: Prediction, reason: str | None,
                        rules: PayRules) -> Prediction:
    """``prediction`` from Zoom's text, unless the run will reuse a probe an earlier run (or
    ``--dry-run --probe``) recorded for the recording: then no probe is paid, and that probe's
    language decides (when the text alone did not)."""
    result = earlier_probe(reason)
    if result is None or not prediction.probed:
        return prediction
    paid = result.language not in rules.accept_languages
    return Prediction(paid, False, f"probed before ({reason})")


def unreadable(found: str, code: str) -> Prediction:
    """Zoom's text could not be read now: the run, unable to read it either, would pay."""
    return Prediction(True, False, f"{found.replace('_', ' ')} unreadable ({code}) → AssemblyAI")


@dataclass(frozen=True)
class BillEstimate:
    """Recordings and audio seconds per planned action, and what they would be billed."""

    counts: dict[str, int]
    seconds: dict[str, float]
    probe_seconds: float  # billed by the probes
    predicted_paid: int = 0  # of the recordings to probe, those predicted paid
    predicted_paid_seconds: float = 0.0

    @property
    def least_seconds(self) -> float:
        """Probes plus paid recordings: should every probe accept Zoom's text."""
        return self.probe_seconds + self.seconds[PAID]

    @property
    def expected_seconds(self) -> float:
        """Probes, paid recordings and the probed ones predicted paid."""
        return self.least_seconds + self.predicted_paid_seconds

    @property
    def most_seconds(self) -> float:
        """Should every probe hear a language that is not accepted."""
        return self.least_seconds + self.seconds[PROBE]


def estimate_bill(items: list[tuple[MeetingRecordings, float | None]], rules: PayRules,
                  decided: Mapping[str, Decision] | None = None,
                  predicted: Mapping[str, Prediction] | None = None) -> BillEstimate:
    """The bill of ``items`` (a meeting and its audio seconds, for each to transcribe), by
    meeting UUID: ``decided``, decisions just taken by probing (``--dry-run --probe``: their
    probes count in the bill, the backfill reuses them); ``predicted``, the outcome read from
    Zoom's text for the meetings to probe (a text that decides moves the meeting to paid or
    free; otherwise its probe counts, and its seconds too when predicted paid)."""
    counts = dict.fromkeys((PAID, FREE, PROBE, SKIP), 0)
    seconds = dict.fromkeys((PAID, FREE, PROBE, SKIP), 0.0)
    probe = paid_later = 0.0
    later = 0
    decided, predicted = decided or {}, predicted or {}
    for recordings, audio in items:
        action = planned_action(recordings, rules)
        uuid = recordings.meeting.uuid
        decision, guess = decided.get(uuid), predicted.get(uuid)
        if action == PROBE and decision is not None:
            if "probe: " in decision.reason:  # else Zoom's text decided, nothing was probed
                start, end = probe_window(audio, rules.probe_seconds)
                probe += (end - start) / 1000
            action = PAID if decision.source == PAID_SOURCE else FREE
        elif action == PROBE and guess is not None and not guess.probed:
            action = PAID if guess.paid else FREE
        counts[action] += 1
        seconds[action] += audio or 0.0
        if action == PROBE:
            start, end = probe_window(audio, rules.probe_seconds)
            probe += (end - start) / 1000
            if guess is not None and guess.paid:
                later += 1
                paid_later += audio or 0.0
    return BillEstimate(counts, seconds, probe, later, paid_later)
