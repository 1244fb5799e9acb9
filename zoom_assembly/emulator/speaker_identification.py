"""AssemblyAI's speaker identification by name, as the emulator plays it.

Asked with ``speech_understanding.request.speaker_identification`` (``speaker_type: "name"``,
candidate names in ``speakers[].name`` or ``known_values``), the real service infers names
from what was said: someone introducing themselves ("I'm Ana"), being addressed ("thanks,
Ana"). The emulator's scripts carry no such lines, so what the text would have revealed is
drawn per meeting and speaker, deterministically (same audio, same answer):

- a speaker with fewer than :data:`MIN_WORDS` words is never named (too little said);
- a speaker the candidates do not list (the phone number of a dial-in, a name spelt
  differently) is never named;
- otherwise the speaker "says their name or is addressed" with chance :data:`MENTIONED`;
  such a speaker is named right, except with chance :data:`MISLABEL`, where they get another
  candidate's name (a name mentioned *to* them, taken for theirs) — at most once per name;
- a speaker not named keeps their label and is left out of ``mapping``.

The answer: ``speech_understanding.response.speaker_identification`` ``{"status": "success",
"mapping": {label: name}}`` (the reference spec's ``SpeakerIdentificationResponse``), and the
names written in place of the labels on the words and utterances, as the service does.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from .scripts import ScriptWord

MIN_WORDS = 40
MENTIONED = 0.7
MISLABEL = 0.05


def requested(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``speaker_identification`` request of a job's parameters, if any."""
    understanding = params.get("speech_understanding")
    request = understanding.get("request") if isinstance(understanding, Mapping) else None
    asked = request.get("speaker_identification") if isinstance(request, Mapping) else None
    return dict(asked) if isinstance(asked, Mapping) else None


def problem(params: Mapping[str, Any]) -> str | None:
    """The 400 message for a speaker identification request the service would refuse."""
    understanding = params.get("speech_understanding")
    if understanding is None:
        return None
    if not isinstance(understanding, Mapping) or not isinstance(understanding.get("request"),
                                                                Mapping):
        return "speech_understanding must contain a request object"
    asked = requested(params)
    if asked is None:
        return None
    if asked.get("speaker_type") not in ("name", "role"):
        return 'speaker_identification.speaker_type must be "name" or "role"'
    if not params.get("speaker_labels"):
        return "Speaker identification requires speaker_labels to be enabled"
    if asked.get("speaker_type") == "role" and not (asked.get("known_values")
                                                    or asked.get("speakers")):
        return 'known_values is required when speaker_type is "role"'
    return None


def candidates(asked: Mapping[str, Any]) -> list[str]:
    key = "name" if asked.get("speaker_type") == "name" else "role"
    speakers = asked.get("speakers")
    names = [s.get(key) for s in speakers if isinstance(s, Mapping)] \
        if isinstance(speakers, list) else []
    known = asked.get("known_values")
    names += known if isinstance(known, list) else []
    return [n for n in names if isinstance(n, str) and n.strip()]


def identify(words: Sequence[ScriptWord], labels: Mapping[str, str], names: Sequence[str],
             seed: str) -> dict[str, str]:
    """Label -> name for the speakers the conversation would have named (see the module)."""
    said = Counter(w.speaker for w in words)
    by_fold = {n.casefold(): n for n in names}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for speaker, label in labels.items():
        rng = random.Random(f"identify:{seed}:{speaker}")
        mentioned, mislabel = rng.random() < MENTIONED, rng.random() < MISLABEL
        own = by_fold.get(speaker.casefold())
        if own is None or said[speaker] < MIN_WORDS or not mentioned:
            continue
        others = [n for n in names if n.casefold() != speaker.casefold() and n not in used]
        name = others[rng.randrange(len(others))] if mislabel and others else own
        if name in used:
            continue
        used.add(name)
        mapping[label] = name
    return mapping


def answer(asked: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """The transcript's ``speech_understanding`` field."""
    return {"request": {"speaker_identification": dict(asked)},
            "response": {"speaker_identification": {"status": "success",
                                                    "mapping": dict(mapping)}}}
