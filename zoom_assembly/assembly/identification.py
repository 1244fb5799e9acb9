"""AssemblyAI's speaker identification answer as our ``speakers`` map (pure).

The answer is ``speech_understanding.response.speaker_identification.mapping``: the original
labels ("A", "B") to the names it chose (reference spec, ``SpeakerIdentificationResponse``).
With identification, the service also writes those names in place of the labels on the words
and utterances; ``transcript.json`` keeps the *label* on every word (the contract, and what
``rename`` works on), so the names are turned back into their labels here and go into
``speakers`` instead.

What is trusted: a name AssemblyAI gives one label only, and only one of the candidates we sent
(the echoed request's ``speakers``) when it echoes them: a label "identified" as another label,
as a name nobody was called, or as a name two labels share gets no name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..models import SpeakerName, Transcript, Utterance, Word

SOURCE_IDENTIFICATION = "assemblyai_identification"
# AssemblyAI gives no confidence. The names are inferred from what was said (someone
# introducing themselves, being addressed), not from who was seen or heard speaking: a fixed
# 0.5 marks them as weaker than any name from Zoom's evidence (the TIMELINE's and the cues'
# are 0.7 or more; see speakers.MIN_CONFIDENCE).
IDENTIFICATION_CONFIDENCE = 0.5


def _get(doc: object, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(key)
    return doc


def identification_mapping(body: Mapping[str, Any]) -> dict[str, str] | None:
    """Label -> name as AssemblyAI answered; None when speaker identification was not asked
    for or gave no mapping."""
    mapping = _get(body, "speech_understanding", "response", "speaker_identification",
                   "mapping")
    if not isinstance(mapping, Mapping):
        return None
    return {str(k): str(v) for k, v in mapping.items() if isinstance(v, str)}


def _candidates(body: Mapping[str, Any]) -> set[str] | None:
    request = _get(body, "speech_understanding", "request", "speaker_identification")
    speakers = _get(request, "speakers")
    known = _get(request, "known_values")
    names = [s.get("name") for s in speakers if isinstance(s, Mapping)] \
        if isinstance(speakers, list) else []
    names += known if isinstance(known, list) else []
    found = {n.casefold() for n in names if isinstance(n, str) and n.strip()}
    return found or None


def apply_identification(body: Mapping[str, Any], transcript: Transcript) -> Transcript:
    """``transcript`` with its labels back on every word and utterance and the trusted names
    of AssemblyAI's speaker identification in ``speakers`` (unchanged without one)."""
    mapping = identification_mapping(body)
    if not mapping:
        return transcript
    labels = set(mapping)
    # Name -> the label it stands for on the words (the first label, when two share it).
    back: dict[str, str] = {}
    for label, name in mapping.items():
        if name not in labels:
            back.setdefault(name, label)
    candidates = _candidates(body)
    shared = {n for n in back if sum(v == n for v in mapping.values()) > 1}
    speakers = {
        label: SpeakerName(name, SOURCE_IDENTIFICATION, IDENTIFICATION_CONFIDENCE)
        for label, name in mapping.items()
        if name.strip() and name not in labels and name not in shared
        and (candidates is None or name.casefold() in candidates)
    }

    def label_of(speaker: str | None) -> str | None:
        return back.get(speaker, speaker) if speaker is not None else None

    def word(w: Word) -> Word:
        label = label_of(w.speaker)
        return w if label == w.speaker else replace(w, speaker=label)

    words = tuple(map(word, transcript.words))
    utterances = None if transcript.utterances is None else tuple(
        Utterance(label_of(u.speaker) or u.speaker, u.start, u.end, u.text, u.confidence,
                  tuple(map(word, u.words)))
        for u in transcript.utterances)
    return replace(transcript, words=words, utterances=utterances, speakers=speakers)
