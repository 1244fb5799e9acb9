"""JSON and subtitle shapes of AssemblyAI transcripts, built from a :class:`Job`.

Key order and values follow the spec's examples (transcript_completed, delete_response,
transcript_list); fields the spec types as non-nullable are left out rather than sent as null,
except those the real service is known to send as null (``error``, ``redact_pii_sub``,
``language_code``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from . import speaker_identification as identification
from .jobs import Job
from .scripts import ScriptWord, join_words, sentences, turns

DEFAULT_CHARS_PER_CAPTION = 80


def _stamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _labels(words: list[ScriptWord]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for w in words:
        if w.speaker not in labels:
            n = len(labels)
            labels[w.speaker] = chr(65 + n) if n < 26 else f"S{n + 1}"
    return labels


def _word_json(w: ScriptWord, label: str | None) -> dict[str, Any]:
    return {"text": w.text, "start": w.start, "end": w.end, "confidence": w.confidence,
            "speaker": label}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _identified(job: Job) -> dict[str, str]:
    """Label -> name from speaker identification, when asked for (see
    :mod:`.speaker_identification`)."""
    asked = identification.requested(job.params)
    if asked is None or not job.params.get("speaker_labels") or job.status != "completed":
        return {}
    words = job.words or []
    return identification.identify(words, _labels(words), identification.candidates(asked),
                                   job.file_id or job.id)


def _shown(job: Job) -> dict[str, str]:
    """Speaker -> what the words say: the label, or the name identification gave it."""
    words = job.words or []
    named = _identified(job)
    return {speaker: named.get(label, label) for speaker, label in _labels(words).items()}


def words_json(job: Job) -> list[dict[str, Any]]:
    words = job.words or []
    labels = _shown(job) if job.params.get("speaker_labels") else {}
    return [_word_json(w, labels.get(w.speaker)) for w in words]


def _language(job: Job) -> str:
    return job.language_code or str(job.params.get("language_code") or "en_us")


def utterances_json(job: Job) -> list[dict[str, Any]]:
    words = job.words or []
    labels = _shown(job)
    result = []
    for turn in turns(words):
        label = labels[turn.speaker]
        result.append({
            "confidence": _mean([w.confidence for w in turn.words]),
            "end": turn.end,
            "speaker": label,
            "start": turn.start,
            "text": join_words([w.text for w in turn.words], _language(job)),
            "words": [_word_json(w, label) for w in turn.words],
        })  # fmt: skip
    return result


def transcript_json(job: Job) -> dict[str, Any]:
    p = job.params
    done = job.status == "completed"
    words = job.words or []
    detection = bool(p.get("language_detection", False))
    data: dict[str, Any] = {
        "id": job.id,
        "speech_model": None,
        "language_model": "assemblyai_default",
        "acoustic_model": "assemblyai_default",
        "language_code": job.language_code if detection else p.get("language_code", "en_us"),
        "language_detection": detection,
        "language_confidence_threshold": p.get("language_confidence_threshold"),
        "language_confidence": job.language_confidence if done else None,
        "speech_models": p.get("speech_models"),
    }
    if done:
        data["speech_model_used"] = job.speech_model_used
    data.update({
        "status": job.status,
        "audio_url": p["audio_url"],
        "text": join_words([w.text for w in words], _language(job)) if done else None,
        "words": words_json(job) if done else None,
        "utterances": utterances_json(job) if done and p.get("speaker_labels") else None,
        "confidence": _mean([w.confidence for w in words]) if done else None,
        "audio_duration": job.audio_duration,
        "punctuate": p.get("punctuate", True),
        "format_text": p.get("format_text", True),
        "disfluencies": p.get("disfluencies", False),
        "multichannel": p.get("multichannel", False),
        "webhook_url": p.get("webhook_url"),
        "webhook_status_code": job.webhook_status_code,
        "webhook_auth": bool(p.get("webhook_auth_header_name")),
        "webhook_auth_header_name": p.get("webhook_auth_header_name"),
        "speed_boost": False,
        "auto_highlights_result": None,
        "auto_highlights": p.get("auto_highlights", False),
        "audio_start_from": p.get("audio_start_from"),
        "audio_end_at": p.get("audio_end_at"),
        "filter_profanity": p.get("filter_profanity", False),
        "redact_pii": p.get("redact_pii", False),
        "redact_pii_audio": p.get("redact_pii_audio", False),
        "redact_pii_audio_quality": p.get("redact_pii_audio_quality"),
        "redact_pii_policies": p.get("redact_pii_policies"),
        "redact_pii_sub": p.get("redact_pii_sub"),
        "speaker_labels": p.get("speaker_labels", False),
        "speakers_expected": p.get("speakers_expected"),
        "content_safety": p.get("content_safety", False),
        "content_safety_labels": None,
        "iab_categories": p.get("iab_categories", False),
        "iab_categories_result": None,
        "custom_spelling": p.get("custom_spelling"),
        "keyterms_prompt": p.get("keyterms_prompt", []),
        "throttled": False,
        "auto_chapters": p.get("auto_chapters", False),
        "chapters": None,
        "summarization": p.get("summarization", False),
        "summary_type": p.get("summary_type"),
        "summary_model": p.get("summary_model"),
        "summary": None,
        "custom_topics": p.get("custom_topics", False),
        "topics": p.get("topics", []),
        "speech_threshold": p.get("speech_threshold"),
        "remove_audio_tags": p.get("remove_audio_tags"),
        "sentiment_analysis": p.get("sentiment_analysis", False),
        "sentiment_analysis_results": None,
        "entity_detection": p.get("entity_detection", False),
        "entities": None,
        "error": job.error,
    })  # fmt: skip
    for name in ("prompt", "temperature", "language_codes", "language_detection_options"):
        if name in p:
            data[name] = p[name]
    asked = identification.requested(p)
    if asked is not None:
        data["speech_understanding"] = identification.answer(asked, _identified(job)) \
            if done else {"request": {"speaker_identification": asked}}
    return data


def deleted_json(job: Job) -> dict[str, Any]:
    """The shape the real service returns for (and after) DELETE /v2/transcript/{id}."""
    return {
        "id": job.id, "language_model": "assemblyai_default",
        "acoustic_model": "assemblyai_default", "language_code": None,
        "language_detection": False, "language_confidence_threshold": None,
        "language_confidence": None, "status": "completed", "audio_url": "http://deleted_by_user",
        "text": "Deleted by user.", "words": None, "utterances": None, "confidence": None,
        "audio_duration": job.audio_duration, "punctuate": None, "format_text": None,
        "multichannel": False, "webhook_url": "http://deleted_by_user",
        "webhook_status_code": None, "webhook_auth": False, "webhook_auth_header_name": None,
        "speed_boost": None, "auto_highlights_result": None, "auto_highlights": False,
        "audio_start_from": None, "audio_end_at": None, "filter_profanity": None,
        "redact_pii": False, "redact_pii_audio": None, "redact_pii_audio_quality": None,
        "redact_pii_policies": None, "redact_pii_sub": None, "speaker_labels": None,
        "speaker_count": None, "error": None, "content_safety": None, "iab_categories": None,
        "content_safety_labels": None, "iab_categories_result": None, "custom_spelling": None,
        "cluster_id": None, "throttled": None, "custom_topics": None, "topics": None,
        "speech_threshold": None, "speech_model": None, "remove_audio_tags": None,
        "disfluencies": True, "entity_detection": False, "entities": None,
        "speakers_expected": None, "summarization": False, "sentiment_analysis": False,
        "sentiment_analysis_results": None,
    }  # fmt: skip


def list_item(job: Job, base: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "resource_url": f"{base}/v2/transcript/{job.id}",
        "status": "completed" if job.deleted else job.status,
        "created": _stamp(job.created),
        "completed": _stamp(job.completed) if job.status == "completed" else None,
        "audio_url": "http://deleted_by_user" if job.deleted else job.params["audio_url"],
        "error": job.error,
    }


def _segment_json(words: list[ScriptWord], job: Job, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "text": join_words([w.text for w in words], _language(job)),
        "start": words[0].start,
        "end": words[-1].end,
        "confidence": _mean([w.confidence for w in words]),
        "words": [_word_json(w, labels.get(w.speaker)) for w in words],
    }


def sentences_json(job: Job) -> dict[str, Any]:
    words = job.words or []
    labels = _labels(words) if job.params.get("speaker_labels") else {}
    items = []
    for sentence in sentences(words):
        item = _segment_json(sentence, job, labels)
        item["speaker"] = labels.get(sentence[0].speaker)
        items.append(item)
    return {"sentences": items, "id": job.id, "confidence": _mean([w.confidence for w in words])
            or 0.0, "audio_duration": job.audio_duration}


def paragraphs_json(job: Job) -> dict[str, Any]:
    words = job.words or []
    labels = _labels(words) if job.params.get("speaker_labels") else {}
    items = []
    for turn in turns(words):
        chunk: list[ScriptWord] = []
        for sentence in sentences(turn.words):
            chunk += sentence
            if len(chunk) >= 60:
                items.append(_segment_json(chunk, job, labels))
                chunk = []
        if chunk:
            items.append(_segment_json(chunk, job, labels))
    return {"paragraphs": items, "id": job.id, "confidence": _mean([w.confidence for w in words])
            or 0.0, "audio_duration": job.audio_duration}


def _caption_time(ms: int, sep: str, hours: bool) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}" if hours else f"{m:02d}:{s:02d}{sep}{ms:03d}"


def _captions(job: Job, chars: int) -> list[list[ScriptWord]]:
    captions: list[list[ScriptWord]] = []
    current: list[ScriptWord] = []
    for w in job.words or []:
        text = join_words([x.text for x in [*current, w]], _language(job))
        if current and (len(text) > chars or current[-1].speaker != w.speaker):
            captions.append(current)
            current = []
        current.append(w)
    if current:
        captions.append(current)
    return captions


def subtitles(job: Job, fmt: str, chars_per_caption: int | None) -> str:
    chars = chars_per_caption or DEFAULT_CHARS_PER_CAPTION
    language = _language(job)
    blocks = []
    if fmt == "vtt":
        long = bool(job.words) and (job.words or [])[-1].end >= 3_600_000
        blocks.append("WEBVTT\n")
        for caption in _captions(job, chars):
            start = _caption_time(caption[0].start, ".", long)
            end = _caption_time(caption[-1].end, ".", long)
            text = join_words([w.text for w in caption], language)
            blocks.append(f"{start} --> {end}\n{text}\n")
    else:
        for n, caption in enumerate(_captions(job, chars), 1):
            start = _caption_time(caption[0].start, ",", True)
            end = _caption_time(caption[-1].end, ",", True)
            text = join_words([w.text for w in caption], language)
            blocks.append(f"{n}\n{start} --> {end}\n{text}\n")
    return "\n".join(blocks)
