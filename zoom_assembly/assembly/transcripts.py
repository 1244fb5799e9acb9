"""A finished transcript's JSON as our :class:`~zoom_assembly.models.Transcript`, parsed
directly (several times cheaper than the SDK's pydantic models for an hour of words); word
timings are copied as given (integer ms)."""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..gc_pause import gc_paused
from ..models import Transcript, Utterance, Word
from ..redact import redact
from .identification import apply_identification


def _loads(content: bytes) -> Any:
    """JSON from bytes: orjson (2-3x faster on an hour of words), the standard library for what
    orjson refuses (NaN, lone surrogates), so nothing that parsed before fails now."""
    with gc_paused():
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            return json.loads(content)


def _word(w: dict[str, Any]) -> Word:
    return Word(
        str(w.get("text", "")),
        int(w.get("start") or 0),
        int(w.get("end") or 0),
        float(w.get("confidence") or 0.0),
        w.get("speaker"),
    )


def _words(raw: object) -> tuple[Word, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(_word(w) for w in raw if isinstance(w, dict))


def _utterance_words(raw: object, top: list[dict[str, Any]], words: tuple[Word, ...],
                     cursor: int) -> tuple[tuple[Word, ...], int]:
    """An utterance's words, reusing the top-level :class:`Word` wherever the service sent the
    very same word (it does, in order): half the parsing of a diarized transcript."""
    if not isinstance(raw, list):
        return (), cursor
    parsed: list[Word] = []
    for w in raw:
        if not isinstance(w, dict):
            continue
        if cursor < len(top) and top[cursor] == w:
            parsed.append(words[cursor])
            cursor += 1
        else:
            parsed.append(_word(w))
    return tuple(parsed), cursor


def transcript_from_json(body: dict[str, Any]) -> Transcript:
    """Our value type straight from the API's JSON (several times cheaper than the SDK's
    pydantic models for an hour of words); word timings copied as given (ms)."""
    with gc_paused():
        return _transcript(body)


def _transcript(body: dict[str, Any]) -> Transcript:
    raw_words = body.get("words")
    top = [w for w in raw_words if isinstance(w, dict)] if isinstance(raw_words, list) else []
    words = tuple(map(_word, top))
    raw_utterances = body.get("utterances")
    utterances = None
    if isinstance(raw_utterances, list):
        cursor = 0
        parsed: list[Utterance] = []
        for u in raw_utterances:
            if not isinstance(u, dict):
                continue
            utterance_words, cursor = _utterance_words(u.get("words"), top, words, cursor)
            parsed.append(Utterance(
                speaker=str(u.get("speaker")),
                start=int(u.get("start") or 0),
                end=int(u.get("end") or 0),
                text=str(u.get("text") or ""),
                confidence=float(u.get("confidence") or 0.0),
                words=utterance_words,
            ))
        utterances = tuple(parsed)
    duration = body.get("audio_duration")
    error = body.get("error")
    return apply_identification(body, Transcript(
        id=str(body.get("id")),
        status=str(body.get("status")),
        text=str(body.get("text") or ""),
        language_code=body.get("language_code") or None,
        language_confidence=body.get("language_confidence"),
        audio_duration=float(duration) if duration else None,
        speech_model_used=body.get("speech_model_used"),
        confidence=body.get("confidence"),
        words=words,
        utterances=utterances,
        error=redact(str(error)) if error else None,
    ))
