"""Parsing AssemblyAI's transcript JSON into our value types (the hot path of every result)."""

from __future__ import annotations

import httpx

from zoom_assembly.assembly import AssemblyClient
from zoom_assembly.assembly.client import transcript_from_json
from zoom_assembly.config import Settings
from zoom_assembly.models import Word
from zoom_assembly.redact import Secret


def word(text: str, start: int, speaker: str = "A") -> dict[str, object]:
    return {"text": text, "start": start, "end": start + 300, "confidence": 0.9,
            "speaker": speaker}


def body() -> dict[str, object]:
    words = [word("Hello", 0), word("there.", 400), word("Hi.", 1000, "B")]
    return {
        "id": "tr-1", "status": "completed", "text": "Hello there. Hi.",
        "words": words,
        "utterances": [
            {"speaker": "A", "start": 0, "end": 700, "text": "Hello there.", "confidence": 0.9,
             "words": words[:2]},
            {"speaker": "B", "start": 1000, "end": 1300, "text": "Hi.", "confidence": 0.9,
             "words": [word("Hi!", 1000, "B")]},
        ],
    }  # fmt: skip


def test_utterance_words_are_the_words_the_service_sent_for_that_utterance() -> None:
    transcript = transcript_from_json(body())
    assert transcript.utterances is not None
    first, second = transcript.utterances
    assert first.words == transcript.words[:2]
    # The service's utterance word differs from the top-level one: it is kept as sent.
    assert second.words == (Word("Hi!", 1000, 1300, 0.9, "B"),)
    assert transcript.words[2].text == "Hi."


def test_transcript_with_a_value_orjson_refuses_still_parses() -> None:
    payload = (b'{"id": "tr-1", "status": "completed", "text": "x", "confidence": NaN, '
               b'"words": [{"text": "x", "start": 0, "end": 5, "confidence": 0.5}]}')

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payload, headers={"content-type": "application/json"})

    client = AssemblyClient(
        Settings(assemblyai_api_key=Secret("aai-test-key-123456"),
                 assemblyai_base_url="https://api.assemblyai.test"),
        transport=httpx.MockTransport(handler),
    )
    transcript = client.get("tr-1")
    assert transcript.words == (Word("x", 0, 5, 0.5, None),)
