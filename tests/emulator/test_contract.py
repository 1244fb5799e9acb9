"""The emulator's responses against the vendors' published contracts in ``../shared/reference``.

AssemblyAI: the official OpenAPI 3.1 spec (schemas with additionalProperties false).
Zoom: the 2023 OpenAPI 3 spec (2021 Swagger for the account-wide listing), plus a check that every
field the emulator sends appears in the spec or in one of the real payloads beside it.

Known differences between the specs and the real services are patched in ``_patch_*`` below, each
with the evidence. The whole module is skipped when the reference folder is absent (users' clones).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import Assembly, Zoom, handoff_url

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"

pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"reference specs not found at {REFERENCE} (they live beside the project, not in it)",
)

jsonschema = pytest.importorskip("jsonschema")
yaml = pytest.importorskip("yaml")


# -- AssemblyAI --------------------------------------------------------------------------------


def _patch_assemblyai(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    transcript = spec["components"]["schemas"]["Transcript"]["properties"]
    # delete_response.spec-example.json (the real delete shape) carries these as null.
    for name in ("error", "redact_pii_sub", "language_code"):
        transcript[name] = {"anyOf": [transcript[name], {"type": "null"}]}
    return spec


@pytest.fixture(scope="module")
def assemblyai_spec() -> dict[str, Any]:
    with open(REFERENCE / "assemblyai" / "openapi.yml", encoding="utf-8") as handle:
        return _patch_assemblyai(yaml.safe_load(handle))


def _check_aai(spec: dict[str, Any], schema_name: str, instance: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def test_transcript_queued_completed_and_error(
    assemblyai_spec: dict[str, Any], zoom: Zoom, aai: Assembly
) -> None:
    submitted = aai.submit({"audio_url": handoff_url(zoom, "english"), "speaker_labels": True,
                            "language_detection": True, "keyterms_prompt": ["roadmap"]})
    _check_aai(assemblyai_spec, "Transcript", submitted.json())
    completed = aai.wait(submitted.json()["id"])
    assert completed["status"] == "completed"
    _check_aai(assemblyai_spec, "Transcript", completed)
    failed = aai.transcribe(f"{aai.emu.base_url}/missing.m4a")
    _check_aai(assemblyai_spec, "Transcript", failed)
    for sub, schema_name in (("sentences", "SentencesResponse"),
                             ("paragraphs", "ParagraphsResponse"),
                             ("word-search?words=roadmap", "WordSearchResponse")):
        body = aai.get(f"/v2/transcript/{completed['id']}/{sub}").json()
        _check_aai(assemblyai_spec, schema_name, body)


def test_transcript_list(assemblyai_spec: dict[str, Any], zoom: Zoom, aai: Assembly) -> None:
    aai.transcribe(handoff_url(zoom, "spanish"))
    aai.transcribe(f"{aai.emu.base_url}/missing.m4a")
    _check_aai(assemblyai_spec, "TranscriptList", aai.get("/v2/transcript").json())


def test_upload_and_errors(assemblyai_spec: dict[str, Any], aai: Assembly) -> None:
    upload = aai.http.post(f"{aai.base}/v2/upload", headers=aai.headers(), data=b"x" * 100)
    _check_aai(assemblyai_spec, "UploadedFile", upload.json())
    _check_aai(assemblyai_spec, "Error", aai.get("/v2/transcript", key="bad").json())
    _check_aai(assemblyai_spec, "Error", aai.submit({"word_boost": []}).json())


def test_delete_has_the_real_delete_shape(zoom: Zoom, aai: Assembly) -> None:
    example = json.loads((REFERENCE / "assemblyai" / "delete_response.spec-example.json")
                         .read_text(encoding="utf-8"))
    done = aai.transcribe(handoff_url(zoom, "german"))
    deleted = aai.http.delete(f"{aai.base}/v2/transcript/{done['id']}", headers=aai.headers())
    assert list(deleted.json()) == list(example)


# -- Zoom --------------------------------------------------------------------------------------


def _walk_patch(schema: Any, newer: dict[str, list[str]]) -> None:
    if isinstance(schema, dict):
        props = schema.get("properties", {})
        # The spec types a meeting's `type` as a string enum; real payloads send integers
        # (list_user_recordings.meeting-item.real-2024.json: "type": 2).
        if "type" in props and props["type"].get("enum") == [str(n) for n in (*range(1, 10), 99)]:
            props["type"] = {"type": ["string", "integer"]}
        # Enums grow: the 2021 spec lacks values of the 2023 one, and TIMELINE files exist in
        # real payloads (same file) but in neither enum.
        for name, values in newer.items():
            if name in props and "enum" in props[name]:
                props[name]["enum"] = sorted({*props[name]["enum"], *values})
        # Files can still be "processing" after a meeting ends (API_FACTS.md).
        if "status" in props and props["status"].get("enum") == ["completed"]:
            props["status"]["enum"] = ["completed", "processing"]
        for value in schema.values():
            _walk_patch(value, newer)
    elif isinstance(schema, list):
        for value in schema:
            _walk_patch(value, newer)


@pytest.fixture(scope="module")
def zoom_schemas() -> dict[str, Any]:
    spec = json.loads((REFERENCE / "zoom" / "recordings-endpoints.openapi3-2023.json")
                      .read_text(encoding="utf-8"))
    old = json.loads((REFERENCE / "zoom" / "recordings-endpoints.swagger2-2021.json")
                     .read_text(encoding="utf-8"))

    def ok(paths: dict[str, Any], path: str, v3: bool = True) -> Any:
        response = paths[path]["get"]["responses"]["200"]
        return response["content"]["application/json"]["schema"] if v3 else response["schema"]

    schemas = {
        "users": ok(spec["paths"], "/users"),
        "user_recordings": ok(spec["paths"], "/users/{userId}/recordings"),
        "meeting_recordings": ok(spec["paths"], "/meetings/{meetingId}/recordings"),
        "instances": ok(spec["paths"], "/past_meetings/{meetingId}/instances"),
        "account_recordings": ok(old["paths"], "/accounts/{accountId}/recordings", v3=False),
    }
    files = schemas["user_recordings"]["properties"]["meetings"]["items"]["properties"][
        "recording_files"
    ]["items"]["properties"]
    newer = {name: [*files[name]["enum"]] for name in ("file_type", "file_extension",
                                                       "recording_type")}
    newer["file_type"].append("TIMELINE")
    _walk_patch(schemas, newer)
    # The 2021 spec types the account listing's meeting id as a string; its own response
    # example (list_account_recordings.example-2021.json) and every later payload use integers.
    meeting = schemas["account_recordings"]["properties"]["meetings"]["items"]["properties"]
    meeting["id"]["type"] = ["string", "integer"]
    return schemas


def _real_keys() -> set[str]:
    """Every key in the real (or example) Zoom payloads beside the specs."""
    keys: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            keys.update(value)
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for path in (REFERENCE / "zoom").glob("*.json"):
        if "openapi" not in path.name and "swagger" not in path.name:
            collect(json.loads(path.read_text(encoding="utf-8")))
    return keys


def _invented(instance: Any, schema: Any, known: set[str], where: str = "") -> list[str]:
    """Keys the emulator sends that neither the schema nor any real payload mentions."""
    found: list[str] = []
    if isinstance(instance, dict) and isinstance(schema, dict):
        props = schema.get("properties", {})
        for key, value in instance.items():
            if key not in props and key not in known:
                found.append(f"{where}.{key}")
            found += _invented(value, props.get(key, {}), known, f"{where}.{key}")
    elif isinstance(instance, list) and isinstance(schema, dict):
        for item in instance[:3]:
            found += _invented(item, schema.get("items", {}), known, f"{where}[]")
    return found


def _check_zoom(schemas: dict[str, Any], name: str, response: requests.Response) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    jsonschema.Draft4Validator(schemas[name]).validate(body)
    assert _invented(body, schemas[name], _real_keys()) == []


def test_users(zoom_schemas: dict[str, Any], zoom: Zoom) -> None:
    for status in ("active", "inactive", "pending"):
        _check_zoom(zoom_schemas, "users", zoom.get("/users", status=status))


def test_recording_listings(zoom_schemas: dict[str, Any], zoom: Zoom) -> None:
    anchor = zoom.emu.scenario.anchor
    window = {"from": str(anchor.replace(day=1)), "to": str(anchor)}
    _check_zoom(zoom_schemas, "user_recordings", zoom.get("/users/me/recordings", **window))
    _check_zoom(zoom_schemas, "user_recordings", zoom.get("/users/me/recordings", trash="true"))
    _check_zoom(zoom_schemas, "account_recordings", zoom.get("/accounts/me/recordings", **window))


def test_meeting_recordings(zoom_schemas: dict[str, Any], zoom: Zoom) -> None:
    for tag in ("english", "participant_audio", "processing", "video_only"):
        uuid = zoom.emu.scenario.find(tag).uuid
        response = zoom.recordings(uuid, include_fields="download_access_token")
        _check_zoom(zoom_schemas, "meeting_recordings", response)


def test_past_instances(zoom_schemas: dict[str, Any], zoom: Zoom) -> None:
    meeting_id = zoom.emu.scenario.find("recurring").id
    _check_zoom(zoom_schemas, "instances", zoom.get(f"/past_meetings/{meeting_id}/instances"))
