"""One meeting transcript from its participants' own transcripts (pure: no network, no files).

Each participant audio file holds one microphone, so every word it yields is that
participant's: the label is exact, not inferred. The merge shifts each participant's words onto
the meeting's clock, labels them (A, B, ... per participant), keeps every word (two people
talking at once: both kept, ordered by time) and rebuilds turns. A participant who never spoke
contributes no word, no utterance and no ``speakers`` entry.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from .captions import join_words
from .models import SpeakerName, Transcript, Utterance, Word

SOURCE = "participant_audio"
# The same word in two files at the same moment is one voice heard by two microphones (people
# sharing a room, open speakers): the quieter copy (lower confidence) is the echo, dropped.
ECHO_MS = 150
# A participant's turn ends at a pause this long, or as soon as someone else spoke in between.
TURN_PAUSE_MS = 1500


@dataclass(frozen=True)
class Part:
    """One participant's finished transcript, with who they are and where their file starts."""

    label: str
    name: str
    transcript: Transcript
    offset_ms: int = 0
    email: str | None = None


def merge_parts(parts: Sequence[Part], *, transcript_id: str) -> Transcript:
    """The meeting's transcript: every participant's words on one clock, each labelled with
    its participant, and ``speakers`` naming each label that spoke (source
    ``participant_audio``, confidence 1.0)."""
    order = {part.label: n for n, part in enumerate(parts)}
    words: list[Word] = []
    for part in parts:
        shift = part.offset_ms
        words.extend(Word(w.text, w.start + shift, w.end + shift, w.confidence, part.label)
                      for w in part.transcript.words)
    words.sort(key=lambda w: (w.start, w.end, order[w.speaker or ""]))
    words = without_echoes(words)
    spoke = {w.speaker for w in words}
    speakers = {
        part.label: SpeakerName(part.name, SOURCE, 1.0, part.email)
        for part in parts if part.label in spoke
    }
    durations = [p.transcript.audio_duration + p.offset_ms / 1000 for p in parts
                 if p.transcript.audio_duration is not None]
    return Transcript(
        id=transcript_id,
        status="completed",
        text=join_words([w.text for w in words]),
        language_code=_most_common([p.transcript.language_code for p in parts
                                    if p.transcript.words])
        or _most_common([p.transcript.language_code for p in parts]),
        language_confidence=None,
        audio_duration=max(durations) if durations else None,
        speech_model_used=_most_common([p.transcript.speech_model_used for p in parts]),
        confidence=_mean([w.confidence for w in words]),
        words=tuple(words),
        utterances=turns(words, order),
        source="assemblyai",
        timing="word",
        speakers=speakers,
    )


def without_echoes(words: list[Word]) -> list[Word]:
    """``words`` (sorted by start) less each word that another participant's file holds too,
    within ``ECHO_MS`` and more confidently; two people saying the same word at once with the
    same confidence are both kept."""
    dropped: set[int] = set()
    for i, word in enumerate(words):
        key = _spelling(word.text)
        j = i + 1
        while j < len(words) and words[j].start - word.start <= ECHO_MS:
            other = words[j]
            if other.speaker != word.speaker and abs(other.end - word.end) <= ECHO_MS \
                    and _spelling(other.text) == key and other.confidence != word.confidence:
                dropped.add(i if word.confidence < other.confidence else j)
            j += 1
    return [w for n, w in enumerate(words) if n not in dropped] if dropped else words


def _spelling(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def turns(words: Sequence[Word], order: dict[str, int]) -> tuple[Utterance, ...]:
    """Each participant's words cut into turns (at a pause of ``TURN_PAUSE_MS`` or when another
    participant spoke in the gap), ordered by start: crosstalk keeps both turns whole."""
    starts = [w.start for w in words]
    by_label: dict[str, list[Word]] = {}
    for w in words:
        by_label.setdefault(w.speaker or "", []).append(w)
    found: list[Utterance] = []
    for label, own in by_label.items():
        current = [own[0]]
        for previous, word in pairwise(own):
            gap_start, gap_end = previous.end, word.start
            if gap_end - gap_start >= TURN_PAUSE_MS or _someone_else(
                    words, starts, label, gap_start, gap_end):
                found.append(_utterance(label, current))
                current = []
            current.append(word)
        found.append(_utterance(label, current))
    found.sort(key=lambda u: (u.start, order.get(u.speaker, 0)))
    return tuple(found)


def _someone_else(words: Sequence[Word], starts: list[int], label: str, lo: int,
                  hi: int) -> bool:
    """Whether a word of another participant lies wholly inside (lo, hi)."""
    i = bisect.bisect_left(starts, lo)
    while i < len(words) and words[i].start < hi:
        if words[i].speaker != label and words[i].end <= hi:
            return True
        i += 1
    return False


def _utterance(label: str, words: list[Word]) -> Utterance:
    return Utterance(label, words[0].start, words[-1].end, join_words([w.text for w in words]),
                     _mean([w.confidence for w in words]) or 0.0, tuple(words))


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _most_common(values: Sequence[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None
