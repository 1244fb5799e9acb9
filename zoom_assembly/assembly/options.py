"""What we ask AssemblyAI for: the transcript request body and its limits, checked before any
network call (a refused request costs a round trip and says less)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assemblyai import types as aai_types

from ..config import DEFAULT_SPEECH_MODELS
from ..errors import UsageError

KEYTERM_MAX_WORDS = 6
KEYTERMS_MAX = 1000
KEYTERMS_MAX_BY_MODEL = {"universal-2": 200}


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_keyterms(keyterms: tuple[str, ...], speech_models: tuple[str, ...]) -> None:
    """Refuse (:class:`UsageError`, exit 2) a keyterm list AssemblyAI would reject.

    The count must suit every model of ``speech_models``: it is a priority list, and the job
    may fall back to any of them (Universal-2 for a language Universal-3 Pro lacks).
    """
    for phrase in keyterms:
        words = len(phrase.split())
        if words == 0:
            raise UsageError("A keyterm is empty; remove it or give a word or phrase.",
                             code="keyterms_limit")
        if words > KEYTERM_MAX_WORDS:
            raise UsageError(
                f"The keyterm {_shorten(phrase)!r} has {words} words, more than the "
                f"{KEYTERM_MAX_WORDS} AssemblyAI accepts in one keyterm; shorten it or split "
                "it into several keyterms.",
                code="keyterms_limit",
            )
    limit, model = min(
        ((KEYTERMS_MAX_BY_MODEL.get(m.lower(), KEYTERMS_MAX), m) for m in speech_models),
        default=(KEYTERMS_MAX, ""),
    )
    if len(keyterms) > limit:
        fallback = limit < KEYTERMS_MAX and len(speech_models) > 1
        raise UsageError(
            f"{len(keyterms)} keyterms are more than "
            f"{model if limit < KEYTERMS_MAX else 'AssemblyAI'} accepts "
            f"({limit} at most); pass at most {limit}"
            + (f" or leave {model} out of the speech models (--model)." if fallback else "."),
            code="keyterms_limit",
        )


def identification_request(names: tuple[str, ...]) -> dict[str, object]:
    """``speech_understanding`` asking AssemblyAI to name the speakers among ``names``
    (speaker identification by name; the reference spec's ``SpeakerIdentificationRequestBody``:
    ``speaker_type: "name"`` and ``speakers: [{"name"}]``)."""
    return {"request": {"speaker_identification": {
        "speaker_type": "name", "speakers": [{"name": name} for name in names]}}}


@dataclass(frozen=True)
class TranscriptionOptions:
    """What we ask AssemblyAI for; ``language="auto"`` turns on language detection.

    Building it checks the keyterms against AssemblyAI's limits (:func:`check_keyterms`), so
    a list the service would refuse fails before any network call.
    """

    speech_models: tuple[str, ...] = DEFAULT_SPEECH_MODELS
    language: str = "auto"
    speaker_labels: bool = True
    speakers_expected: int | None = None
    keyterms: tuple[str, ...] = ()
    # Names AssemblyAI's speaker identification may give the labels (the meeting's
    # participants); sent only with ``speaker_labels`` (it needs diarization).
    speaker_candidates: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_keyterms(self.keyterms, self.speech_models)

    def request(self, audio_url: str) -> aai_types.TranscriptRequest:
        """The SDK request body: never the removed ``word_boost`` or singular ``speech_model``."""
        body: dict[str, object] = {
            "audio_url": audio_url,
            "speech_models": list(self.speech_models),
            "speaker_labels": self.speaker_labels,
            "punctuate": True,
            "format_text": True,
        }
        if self.language == "auto":
            body["language_detection"] = True
        else:
            body["language_code"] = self.language
        if self.speaker_labels and self.speakers_expected:
            body["speakers_expected"] = self.speakers_expected
        if self.keyterms:
            body["keyterms_prompt"] = list(self.keyterms)
        if self.speaker_labels and self.speaker_candidates:
            body["speech_understanding"] = identification_request(self.speaker_candidates)
        body.update(self.extra)
        return aai_types.TranscriptRequest(**body)  # type: ignore[arg-type]
