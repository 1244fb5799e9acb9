"""Validation of ``POST /v2/transcript`` bodies against AssemblyAI's TranscriptParams.

Field names and types are copied from the official OpenAPI spec (TranscriptOptionalParams plus
``audio_url``; additionalProperties false). A trailing ``?`` marks a nullable field.
"""

from __future__ import annotations

import json
from typing import Any

from .speaker_identification import problem as identification_problem
from .state import MODEL_LANGUAGES, AssemblySettings

FIELD_TYPES: dict[str, str] = {
    "audio_url": "string",
    "audio_end_at": "integer",
    "audio_start_from": "integer",
    "auto_chapters": "boolean",
    "auto_highlights": "boolean",
    "content_safety": "boolean",
    "content_safety_confidence": "integer",
    "custom_spelling": "list",
    "disfluencies": "boolean",
    "entity_detection": "boolean",
    "filter_profanity": "boolean",
    "format_text": "boolean",
    "iab_categories": "boolean",
    "keyterms_prompt": "list",
    "language_code": "string?",
    "language_codes": "list?",
    "language_confidence_threshold": "number",
    "language_detection": "boolean",
    "language_detection_options": "object",
    "multichannel": "boolean",
    "prompt": "string",
    "punctuate": "boolean",
    "redact_pii": "boolean",
    "redact_pii_audio": "boolean",
    "redact_pii_audio_options": "object",
    "redact_pii_audio_quality": "string",
    "redact_pii_policies": "list",
    "redact_pii_sub": "string?",
    "sentiment_analysis": "boolean",
    "speaker_labels": "boolean",
    "speaker_options": "object",
    "speakers_expected": "integer?",
    "speech_models": "list",
    "speech_threshold": "number?",
    "speech_understanding": "object",
    "summarization": "boolean",
    "summary_model": "string",
    "summary_type": "string",
    "remove_audio_tags": "string?",
    "temperature": "number",
    "webhook_auth_header_name": "string?",
    "webhook_auth_header_value": "string?",
    "webhook_url": "string",
    "custom_topics": "boolean",
    "topics": "list",
}

REMOVED_FIELDS = {
    "word_boost": (
        '"word_boost" has been removed and is no longer supported. Use "keyterms_prompt" to '
        "boost accuracy of words or phrases that are likely to appear in your audio file."
    ),
    "boost_param": (
        '"boost_param" has been removed and is no longer supported. Use "keyterms_prompt" to '
        "boost accuracy of words or phrases that are likely to appear in your audio file."
    ),
    "speech_model": (
        '"speech_model" has been removed and is no longer supported. Use "speech_models", a '
        'list of speech models in priority order, e.g. ["universal-3-5-pro", "universal-2"].'
    ),
}

LANGUAGE_CODES = frozenset(
    (
        "en", "en_au", "en_uk", "en_us", "es", "fr", "de", "it", "pt", "nl", "af", "sq", "am", "ar",
        "hy", "as", "az", "ba", "eu", "be", "bn", "bs", "br", "bg", "my", "ca", "zh", "hr", "cs",
        "da", "et", "fo", "fi", "gl", "ka", "el", "gu", "ht", "ha", "haw", "he", "hi", "hu", "is",
        "id", "ja", "jw", "kn", "kk", "km", "ko", "lo", "la", "lv", "ln", "lt", "lb", "mk", "mg",
        "ms", "ml", "mt", "mi", "mr", "mn", "ne", "no", "nn", "oc", "pa", "ps", "fa", "pl", "ro",
        "ru", "sa", "sr", "sn", "sd", "si", "sk", "sl", "so", "su", "sw", "sv", "tl", "tg", "ta",
        "tt", "te", "th", "bo", "tr", "tk", "uk", "ur", "uz", "vi", "cy", "yi", "yo",
    )
)  # fmt: skip

_TYPE_NAMES = {
    "string": "a String", "integer": "an Integer", "number": "a Number", "boolean": "a Boolean",
    "list": "a List", "object": "an Object",
}  # fmt: skip


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


def base_language(code: str) -> str:
    return code.split("_")[0].lower()


def model_supports(model: str, language: str) -> bool:
    supported = MODEL_LANGUAGES.get(model, None)
    return supported is None or base_language(language) in supported


def validate_transcript_request(body: Any, settings: AssemblySettings) -> str | None:
    """None when AssemblyAI would accept the body, else the 400 error message."""
    if not isinstance(body, dict):
        return "Request body must be a JSON object."
    for name, message in REMOVED_FIELDS.items():
        if name in body:
            return message
    unknown = sorted(set(body) - set(FIELD_TYPES))
    if unknown:
        names = ", ".join(f'"{n}"' for n in unknown)
        return f"Invalid request body: {names} is not a valid parameter."
    if not body.get("audio_url"):
        return 'Missing required parameter "audio_url".'
    for name, value in body.items():
        kind = FIELD_TYPES[name]
        if value is None and kind.endswith("?"):
            continue
        if not _type_ok(kind.rstrip("?"), value):
            return f"{name} must be {_TYPE_NAMES[kind.rstrip('?')]}"
    url = str(body["audio_url"])
    if not url.lower().startswith(("http://", "https://")):
        return f"Invalid audio_url {url!r}: only http and https URLs can be transcribed."
    models = body.get("speech_models")
    if models is None:
        if settings.require_speech_models:
            return (
                '"speech_models" is required: pass a list of speech models in priority order, '
                'e.g. ["universal-3-5-pro", "universal-2"].'
            )
    else:
        error = _check_models(models, settings)
        if error:
            return error
    refused = identification_problem(body)
    if refused:
        return refused
    code = body.get("language_code")
    if code is not None and code.lower() not in LANGUAGE_CODES:
        return f'language_code "{code}" is not supported.'
    if code and models and not any(model_supports(m, code) for m in models):
        return (
            f'The language code "{code}" is not supported by the requested speech models '
            f"({', '.join(models)}). Add \"universal-2\" to speech_models."
        )
    return None


def _check_models(models: list[Any], settings: AssemblySettings) -> str | None:
    if not models:
        return '"speech_models" must contain at least one speech model.'
    known = settings.known_speech_models
    valid = ", ".join(known)
    suggestion = [m for m in (known[0], "universal-2") if m in known]
    for model in models:
        if isinstance(model, str) and model in known:
            continue
        if model in settings.retired_speech_models:
            return (
                f'The "{model}" speech model(s) have been deprecated. '
                f"Use speech_models: {json.dumps(list(dict.fromkeys(suggestion)))} instead. "
                f"Valid speech models: {valid}."
            )
        return f'Invalid speech model "{model}" in speech_models. Valid speech models: {valid}.'
    return None
