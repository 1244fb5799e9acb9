"""AssemblyAI side: auth, request validation, the job lifecycle and its failures, transcript
sub-resources, the list endpoint, delete, uploads."""

from __future__ import annotations

import resource
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from zoom_assembly.emulator.audio import iter_media

from .conftest import OTHER_ACCOUNT_KEY, Assembly, Zoom, handoff_url

AUTH_ERROR = {"error": "Authentication error, API token missing/invalid"}


def _speaker_letters(expected: list[tuple[str, int, int, str]]) -> dict[str, str]:
    letters: dict[str, str] = {}
    for _, _, _, name in expected:
        letters.setdefault(name, chr(65 + len(letters)))
    return letters


@pytest.mark.parametrize("key", [None, "wrong", "Bearer {key}"])
def test_auth_is_the_raw_api_key(aai: Assembly, key: str | None) -> None:
    headers = {} if key is None else {"Authorization": key.format(key=aai.key)}
    response = aai.http.get(f"{aai.base}/v2/transcript", headers=headers)
    assert response.status_code == 401 and response.json() == AUTH_ERROR


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"word_boost": ["Zoom"]}, 400, "keyterms_prompt"),
        ({"speech_model": "best"}, 400, '"speech_models"'),
        ({"colour": "blue"}, 400, '"colour"'),
        ({"speech_models": ["best"]}, 400, '"best"'),
        ({"speech_models": ["nano", "universal-2"]}, 400, "universal-3-5-pro, universal-3-pro"),
        ({"speech_models": ["whisper-9"]}, 400, '"whisper-9"'),
        ({"format_text": "yes"}, 400, "format_text must be a Boolean"),
        ({"language_code": "ja", "speech_models": ["universal-3-5-pro"]}, 400, '"ja"'),
        ({"language_code": "xx"}, 400, "language_code"),
    ],
)
def test_request_validation(aai: Assembly, body: dict[str, Any], status: int, needle: str) -> None:
    response = aai.submit({"audio_url": "https://example.com/a.m4a", **body})
    assert response.status_code == status
    assert needle in response.json()["error"]


def test_audio_url_and_speech_models_are_required(aai: Assembly) -> None:
    missing_url = aai.submit({})
    assert missing_url.status_code == 400 and "audio_url" in missing_url.json()["error"]
    no_models = aai.http.post(f"{aai.base}/v2/transcript", headers=aai.headers(),
                              json={"audio_url": "https://example.com/a.m4a"})
    assert no_models.status_code == 400 and "speech_models" in no_models.json()["error"]


def test_job_lifecycle_matches_the_script(zoom: Zoom, aai: Assembly) -> None:
    url = handoff_url(zoom, "english")
    submitted = aai.submit({"audio_url": url, "speaker_labels": True})
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "queued"
    assert submitted.json()["audio_url"] == url
    done = aai.wait(submitted.json()["id"])
    assert done["status"] == "completed", done["error"]
    file_id = zoom.file("english")["id"]
    expected = zoom.emu.scenario.expected_words(file_id)
    letters = _speaker_letters(expected)
    assert [(w["text"], w["start"], w["end"]) for w in done["words"]] == [e[:3] for e in expected]
    assert [w["speaker"] for w in done["words"]] == [letters[e[3]] for e in expected]
    assert all(isinstance(w["start"], int) and isinstance(w["end"], int) for w in done["words"])
    assert done["text"].startswith(" ".join(e[0] for e in expected[:5]))
    assert done["language_code"] == "en_us" and done["speech_model_used"] == "universal-3-5-pro"
    assert done["audio_duration"] == zoom.emu.scenario.find("english").duration_s
    assert {u["speaker"] for u in done["utterances"]} == set(letters.values())
    assert sum(len(u["words"]) for u in done["utterances"]) == len(done["words"])
    assert 0 < done["confidence"] <= 1


def test_without_speaker_labels_speakers_are_null(zoom: Zoom, aai: Assembly) -> None:
    done = aai.transcribe(handoff_url(zoom, "german"), language_code="de")
    assert done["utterances"] is None
    assert {w["speaker"] for w in done["words"]} == {None}
    assert done["language_code"] == "de" and done["language_detection"] is False


def test_language_detection_and_model_fallback(zoom: Zoom, aai: Assembly) -> None:
    spanish = aai.transcribe(handoff_url(zoom, "spanish"), language_detection=True)
    assert spanish["language_code"] == "es" and spanish["speech_model_used"] == "universal-3-5-pro"
    assert 0.5 < spanish["language_confidence"] <= 1
    japanese = aai.transcribe(handoff_url(zoom, "japanese"), language_detection=True)
    assert japanese["language_code"] == "ja" and japanese["speech_model_used"] == "universal-2"
    assert " " not in japanese["text"]


def test_options_are_echoed(zoom: Zoom, aai: Assembly) -> None:
    options = {"speakers_expected": 4, "keyterms_prompt": ["QA"], "punctuate": True,
               "format_text": False, "language_detection": True,
               "language_confidence_threshold": 0.4}
    done = aai.transcribe(handoff_url(zoom, "english"), speaker_labels=True, **options)
    for name, value in options.items():
        assert done[name] == value
    assert done["speech_models"] == ["universal-3-5-pro", "universal-2"]


def test_silent_audio_completes_empty(zoom: Zoom, aai: Assembly) -> None:
    done = aai.transcribe(handoff_url(zoom, "silent"))
    assert done["status"] == "completed"
    assert done["text"] == "" and done["words"] == []


def test_unreachable_audio_is_a_download_error(aai: Assembly) -> None:
    for url in (f"{aai.emu.base_url}/no/such/file.m4a", "http://127.0.0.1:9/closed.m4a"):
        done = aai.transcribe(url)
        assert done["status"] == "error"
        assert done["error"] == (
            f"Download error, unable to download {url}. Please make sure the file exists and "
            "is accessible from the internet."
        )


def test_expired_handoff_is_a_download_error_naming_the_url(zoom: Zoom, aai: Assembly) -> None:
    f = zoom.file("english", "MP4")
    url = f"{f['download_url']}?access_token={zoom.token()}"
    zoom.emu.revoke_tokens()
    done = aai.transcribe(url)
    assert done["error"].startswith("File does not appear to contain audio. File type is "
                                    "text/html (HTML document, ASCII text, with very long lines (")


def test_uploaded_bytes_are_streamed_and_transcribed(zoom: Zoom, aai: Assembly) -> None:
    meeting = zoom.emu.scenario.find("participant_audio")
    f = meeting.participant_files[0]
    size = zoom.emu.scenario.file_size(f, meeting)
    upload = httpx.post(f"{aai.base}/v2/upload", headers=aai.headers(),
                        content=iter_media(f.id, "M4A", size))
    upload_url = upload.json()["upload_url"]
    assert upload_url.startswith(f"{aai.emu.base_url}/assemblyai/cdn/upload/")
    done = aai.transcribe(upload_url)
    expected = zoom.emu.scenario.expected_words(f.id)
    assert [(w["text"], w["start"]) for w in done["words"]] == [e[:2] for e in expected]
    assert aai.emu.stats()["uploads"] == {"count": 1, "bytes": size}
    assert aai.emu.stats()["submissions"] == {f.id: 1}
    other = aai.submit({"audio_url": upload_url}, key=OTHER_ACCOUNT_KEY)
    assert other.status_code == 403 and other.json() == {"error": "Cannot access uploaded file"}


def test_upload_of_200_mb_keeps_memory_flat(aai: Assembly) -> None:
    chunk = b"\x00\x01" * (1 << 19)

    def body() -> Iterator[bytes]:
        for _ in range(200):
            yield chunk

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = aai.http.post(f"{aai.base}/v2/upload", data=body(), headers=aai.headers())
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert response.status_code == 200
    assert aai.emu.stats()["uploads"]["bytes"] == 200 * len(chunk)
    assert grown_kib < 60 * 1024


def test_unmarked_bytes_get_a_generic_english_transcript(aai: Assembly) -> None:
    rate = aai.emu.scenario.m4a_bytes_per_second
    upload = aai.http.post(f"{aai.base}/v2/upload", headers=aai.headers(), data=b"\x07" * rate * 90)
    done = aai.transcribe(upload.json()["upload_url"])
    assert done["status"] == "completed" and done["audio_duration"] == 90
    assert done["words"] and done["words"][-1]["end"] <= 90_000
    tiny = aai.http.post(f"{aai.base}/v2/upload", headers=aai.headers(), data=b"\x07" * 100)
    assert aai.transcribe(tiny.json()["upload_url"])["error"] == "Audio duration is too short."


def test_get_unknown_and_foreign_transcripts_are_404(zoom: Zoom, aai: Assembly) -> None:
    assert aai.get("/v2/transcript/00000000-0000-4000-8000-000000000000").status_code == 404
    mine = aai.transcribe(handoff_url(zoom, "spanish"))
    foreign = aai.get(f"/v2/transcript/{mine['id']}", key=OTHER_ACCOUNT_KEY)
    assert foreign.status_code == 404 and "error" in foreign.json()


def test_delete_returns_the_redacted_shape(zoom: Zoom, aai: Assembly) -> None:
    done = aai.transcribe(handoff_url(zoom, "spanish"))
    deleted = aai.http.delete(f"{aai.base}/v2/transcript/{done['id']}", headers=aai.headers())
    assert deleted.status_code == 200
    body = deleted.json()
    assert body["audio_url"] == "http://deleted_by_user" and body["text"] == "Deleted by user."
    assert body["words"] is None and body["audio_duration"] == done["audio_duration"]
    assert aai.get(f"/v2/transcript/{done['id']}").json() == body


def test_subtitles(zoom: Zoom, aai: Assembly) -> None:
    done = aai.transcribe(handoff_url(zoom, "german"))
    srt = aai.get(f"/v2/transcript/{done['id']}/srt", chars_per_caption=32).text
    first = srt.split("\n\n")[0].splitlines()
    assert first[0] == "1" and " --> " in first[1] and "," in first[1]
    assert all(len(block.splitlines()[2]) <= 32 or " " not in block.splitlines()[2]
               for block in srt.strip().split("\n\n"))
    vtt = aai.get(f"/v2/transcript/{done['id']}/vtt").text
    assert vtt.startswith("WEBVTT\n\n00:")
    assert aai.get(f"/v2/transcript/{done['id']}/txt").status_code == 404


def test_sentences_paragraphs_and_word_search(zoom: Zoom, aai: Assembly) -> None:
    done = aai.transcribe(handoff_url(zoom, "english"))
    sentences = aai.get(f"/v2/transcript/{done['id']}/sentences").json()["sentences"]
    assert sum(len(s["words"]) for s in sentences) == len(done["words"])
    assert sentences[0]["text"].endswith((".", "?", "!"))
    paragraphs = aai.get(f"/v2/transcript/{done['id']}/paragraphs").json()["paragraphs"]
    assert sum(len(p["words"]) for p in paragraphs) == len(done["words"])
    word = done["words"][0]["text"].strip(".,?!").lower()
    found = aai.get(f"/v2/transcript/{done['id']}/word-search", words=word).json()
    assert found["total_count"] >= 1 and 0 in found["matches"][0]["indexes"]


def test_subresources_wait_for_completion(zoom: Zoom, aai: Assembly) -> None:
    aai.emu.settings.speed = 10.0  # 12 minutes of audio: more than a minute of processing
    job = aai.submit({"audio_url": handoff_url(zoom, "english")}).json()
    response = aai.get(f"/v2/transcript/{job['id']}/sentences")
    assert response.status_code == 400 and "not completed" in response.json()["error"]
    refused = aai.http.delete(f"{aai.base}/v2/transcript/{job['id']}", headers=aai.headers())
    assert refused.status_code == 400


def test_list_is_newest_first_with_paging_links(zoom: Zoom, aai: Assembly) -> None:
    url = handoff_url(zoom, "spanish")
    ids = [aai.transcribe(url)["id"] for _ in range(5)]
    failed = aai.transcribe(f"{aai.emu.base_url}/missing.m4a")
    listing = aai.get("/v2/transcript", limit=3).json()
    assert [t["id"] for t in listing["transcripts"]] == [failed["id"], ids[4], ids[3]]
    details = listing["page_details"]
    assert details["limit"] == 3 and details["result_count"] == 3
    assert details["prev_url"].endswith(f"before_id={ids[3]}")
    older = aai.http.get(details["prev_url"], headers=aai.headers()).json()
    assert [t["id"] for t in older["transcripts"]] == [ids[2], ids[1], ids[0]]
    item = listing["transcripts"][0]
    assert item["status"] == "error" and item["completed"] is None and item["error"]
    assert item["resource_url"].endswith(f"/v2/transcript/{failed['id']}")
    errors = aai.get("/v2/transcript", status="error").json()["transcripts"]
    assert [t["id"] for t in errors] == [failed["id"]]
    newer = aai.get("/v2/transcript", after_id=ids[1], limit=2).json()["transcripts"]
    assert [t["id"] for t in newer] == [ids[3], ids[2]]
    assert aai.get("/v2/transcript", limit=201).status_code == 400
    assert aai.get("/v2/transcript", key=OTHER_ACCOUNT_KEY).json()["transcripts"] == []


def test_submissions_are_counted_per_recording_file(zoom: Zoom, aai: Assembly) -> None:
    url = handoff_url(zoom, "german")
    aai.transcribe(url)
    aai.transcribe(url)
    assert aai.emu.stats()["submissions"] == {zoom.file("german")["id"]: 2}


def test_webhook_is_called_with_the_auth_header(zoom: Zoom, aai: Assembly) -> None:
    sink = f"{aai.emu.base_url}/_emulator/webhook-sink"
    done = aai.transcribe(handoff_url(zoom, "spanish"), webhook_url=sink,
                          webhook_auth_header_name="X-Secret",
                          webhook_auth_header_value="s3cret")
    calls = aai.http.get(sink).json()
    assert [c["body"] for c in calls] == [{"transcript_id": done["id"], "status": "completed"}]
    assert calls[0]["headers"]["x-secret"] == "s3cret"
    again = aai.get(f"/v2/transcript/{done['id']}").json()
    assert again["webhook_status_code"] == 200 and again["webhook_auth"] is True
