"""The AssemblyAI side over a mocked httpx transport: request bodies, retries, error texts."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import httpx
import pytest

from zoom_assembly.assembly import AmbiguousSubmit, AssemblyClient, TranscriptionOptions
from zoom_assembly.config import Settings
from zoom_assembly.errors import AuthError, RequestRejected, ServiceError, UsageError
from zoom_assembly.redact import Secret
from zoom_assembly.retry import RetryPolicy

API_KEY = "aai-test-key-123456"
TOKEN_URL = "https://zoom.us/rec/download/abc?access_token=eyJscoped.token.value"


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], sleeps: list[float] | None = None
) -> AssemblyClient:
    settings = Settings(assemblyai_api_key=Secret(API_KEY),
                        assemblyai_base_url="https://api.assemblyai.test")
    return AssemblyClient(
        settings,
        policy=RetryPolicy(rng=random.Random(0)),
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        transport=httpx.MockTransport(handler),
    )


def queued(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(200, json={"id": "tr-1", "status": "queued",
                                     "audio_url": body["audio_url"]})


def test_request_body_uses_speech_models_and_language_detection() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        assert request.headers["authorization"] == API_KEY
        return queued(request)

    make_client(handler).submit(TOKEN_URL, TranscriptionOptions(keyterms=("Zoom",)))
    body = seen[0]
    assert body["speech_models"] == ["universal-3-5-pro", "universal-2"]
    assert body["language_detection"] is True and "language_code" not in body
    assert body["speaker_labels"] is True and body["keyterms_prompt"] == ["Zoom"]
    assert "word_boost" not in body and "speech_model" not in body


def test_explicit_language_is_sent_as_language_code() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return queued(request)

    options = TranscriptionOptions(language="ja", speakers_expected=3)
    make_client(handler).submit(TOKEN_URL, options)
    assert seen[0]["language_code"] == "ja" and "language_detection" not in seen[0]
    assert seen[0]["speakers_expected"] == 3


def test_submit_retries_429_after_the_servers_delay() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "3"}, json={"error": "slow"})])
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or queued(request)

    assert make_client(handler, sleeps).submit(TOKEN_URL, TranscriptionOptions()) == "tr-1"
    assert sleeps == [3.0]


def test_get_retries_server_errors_and_network_failures() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(503, json={"error": "unavailable"})
        if len(calls) == 2:
            raise httpx.ReadError("reset")
        return httpx.Response(200, json={"id": "tr-1", "status": "processing",
                                         "audio_url": "https://x"})

    assert make_client(handler).get("tr-1").status == "processing"
    assert len(calls) == 3


def test_lost_submit_answer_is_ambiguous_not_repeated() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadError("connection reset after sending")

    with pytest.raises(AmbiguousSubmit):
        make_client(handler).submit(TOKEN_URL, TranscriptionOptions())
    assert len(calls) == 1


def test_bad_key_is_a_credentials_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "Authentication error, API token "
                                                  "missing/invalid"})

    with pytest.raises(AuthError) as info:
        make_client(handler).verify_key()
    assert info.value.exit_code == 3 and "ASSEMBLYAI_API_KEY" in info.value.message


def test_retired_model_400_shows_assemblyais_text_without_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "speech_models: 'nano' is not a valid "
                                                  f"speech model (url {TOKEN_URL})"})

    with pytest.raises(RequestRejected) as info:
        make_client(handler).submit(TOKEN_URL, TranscriptionOptions(speech_models=("nano",)))
    assert "'nano' is not a valid speech model" in info.value.message
    assert "eyJscoped" not in info.value.message and info.value.exit_code == 2


def test_persistent_server_errors_become_a_service_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": "Internal"})

    with pytest.raises(ServiceError):
        make_client(handler).get("tr-1")


def test_completed_transcript_keeps_integer_millisecond_word_timings() -> None:
    payload = {"id": "tr-1", "status": "completed", "audio_url": "https://x", "text": "Hola",
               "language_code": "es", "audio_duration": 12,
               "words": [{"text": "Hola", "start": 250, "end": 650, "confidence": 0.97,
                          "speaker": "A"}],
               "utterances": [{"speaker": "A", "start": 250, "end": 650, "text": "Hola",
                               "confidence": 0.97, "words": []}]}
    transcript = make_client(lambda r: httpx.Response(200, json=payload)).get("tr-1")
    assert transcript.words[0].start == 250 and transcript.words[0].end == 650
    assert transcript.language_code == "es" and transcript.utterances is not None


def test_job_error_text_is_redacted() -> None:
    payload = {"id": "tr-1", "status": "error", "audio_url": TOKEN_URL,
               "error": f"Download error, unable to download {TOKEN_URL}. Please make sure "
                        "the file exists and is accessible from the internet."}
    transcript = make_client(lambda r: httpx.Response(200, json=payload)).get("tr-1")
    assert transcript.error is not None and transcript.error.startswith("Download error")
    assert "eyJscoped" not in transcript.error


def test_find_job_matches_the_audio_url_without_its_token() -> None:
    listing = {"page_details": {"limit": 200, "result_count": 2, "current_url": "x",
                                "prev_url": None, "next_url": None},
               "transcripts": [
                   {"id": "tr-9", "resource_url": "x", "status": "error", "created": "2026",
                    "completed": None, "audio_url": TOKEN_URL, "error": "Download error"},
                   {"id": "tr-8", "resource_url": "x", "status": "processing",
                    "created": "2026", "completed": None,
                    "audio_url": "https://zoom.us/rec/download/abc?access_token=older",
                    "error": None}]}
    client = make_client(lambda r: httpx.Response(200, json=listing))
    found = client.find_job("https://zoom.us/rec/download/abc")
    assert found is not None and found.id == "tr-8"


# keyterms_prompt limits (AssemblyAI's spec): checked when the options are built, so a bad
# list is refused (exit 2) before any file is listed, uploaded or paid for.
def test_a_keyterm_of_more_than_six_words_is_refused() -> None:
    TranscriptionOptions(keyterms=("one two three four five six",))
    with pytest.raises(UsageError) as info:
        TranscriptionOptions(keyterms=("Zoom", "one two three four five six seven"))
    assert info.value.exit_code == 2 and info.value.code == "keyterms_limit"
    assert "'one two three four five six seven'" in info.value.message
    assert "7 words" in info.value.message and "6" in info.value.message


def test_more_keyterms_than_universal_2_takes_are_refused_while_it_is_a_fallback() -> None:
    terms = tuple(f"term {i}" for i in range(201))
    TranscriptionOptions(keyterms=terms[:200])
    with pytest.raises(UsageError) as info:
        TranscriptionOptions(keyterms=terms)  # default models: universal-3-5-pro, universal-2
    assert info.value.exit_code == 2 and "201 keyterms" in info.value.message
    assert "universal-2" in info.value.message and "200" in info.value.message


def test_universal_3_pro_alone_takes_a_thousand_keyterms_and_no_more() -> None:
    terms = tuple(f"term {i}" for i in range(1001))
    TranscriptionOptions(speech_models=("universal-3-5-pro",), keyterms=terms[:1000])
    with pytest.raises(UsageError) as info:
        TranscriptionOptions(speech_models=("universal-3-5-pro",), keyterms=terms)
    assert "1001 keyterms" in info.value.message and "1000" in info.value.message


def test_an_empty_keyterm_is_refused() -> None:
    with pytest.raises(UsageError) as info:
        TranscriptionOptions(keyterms=("Zoom", "  "))
    assert info.value.exit_code == 2 and "empty" in info.value.message
