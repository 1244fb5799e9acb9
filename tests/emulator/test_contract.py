"""The emulator's responses against the vendors' published contracts in ``../shared/reference``.

AssemblyAI: the official OpenAPI 3.1 spec (schemas with additionalProperties false).
Zoom: the 2023 OpenAPI 3 spec (2021 Swagger for the account-wide listing), plus a check that every
field the emulator sends appears in the spec or in one of the real payloads beside it.

Responses are validated with a format checker on (``date-time``, ``date``, ``uri``, ``email``).
Known differences between the specs and the real services are recorded, with their evidence, in
ONE place: ``spec_deviations.py``; the schemas are patched from there. The whole module is skipped
when the reference folder is absent (users' clones).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import Assembly, Zoom, double_encode, handoff_url
from .spec_deviations import (
    ALL_DEVIATIONS,
    ASSEMBLYAI_SCHEMA_DEVIATIONS,
    SCHEMA_DEVIATIONS,
    Deviation,
)

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"

pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"reference specs not found at {REFERENCE} (they live beside the project, not in it)",
)

jsonschema = pytest.importorskip("jsonschema")
yaml = pytest.importorskip("yaml")
FORMATS = jsonschema.Draft4Validator.FORMAT_CHECKER


# -- AssemblyAI --------------------------------------------------------------------------------


def _patched(schemas: dict[str, Any], deviations: tuple[Deviation, ...]) -> dict[str, Any]:
    schemas = copy.deepcopy(schemas)
    for deviation in deviations:
        if deviation.patch is not None:
            deviation.patch(schemas)
    return schemas


def _patch_assemblyai(spec: dict[str, Any]) -> dict[str, Any]:
    return _patched(spec, ASSEMBLYAI_SCHEMA_DEVIATIONS)


@pytest.fixture(scope="module")
def assemblyai_spec() -> dict[str, Any]:
    with open(REFERENCE / "assemblyai" / "openapi.yml", encoding="utf-8") as handle:
        return _patch_assemblyai(yaml.safe_load(handle))


def _check_aai(spec: dict[str, Any], schema_name: str, instance: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)


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
        "past_meeting": ok(spec["paths"], "/past_meetings/{meetingId}"),
        "account_recordings": ok(old["paths"], "/accounts/{accountId}/recordings", v3=False),
    }
    return _patched(schemas, SCHEMA_DEVIATIONS)


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
    jsonschema.Draft4Validator(schemas[name], format_checker=FORMATS).validate(body)
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


def test_past_meeting(zoom_schemas: dict[str, Any], zoom: Zoom) -> None:
    for tag in ("uuid_double_slash", "recurring", "japanese"):
        uuid = double_encode(zoom.emu.scenario.find(tag).uuid)
        _check_zoom(zoom_schemas, "past_meeting", zoom.get(f"/past_meetings/{uuid}"))


# -- the checks themselves ---------------------------------------------------------------------


def test_format_checker_is_on_and_checks_date_times(zoom_schemas: dict[str, Any]) -> None:
    # Without a format checker (or without rfc3339-validator installed) formats pass silently.
    schema = {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}}
    jsonschema.Draft4Validator(schema, format_checker=FORMATS).validate(
        {"at": "2026-11-01T00:00:00Z"}
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema, format_checker=FORMATS).validate({"at": "2026-11-01"})
    listing = zoom_schemas["user_recordings"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(listing, format_checker=FORMATS).validate(
            {"meetings": [{"start_time": "yesterday"}]}
        )


def _pointer(document: Any, pointer: str) -> Any:
    for part in pointer.lstrip("/").split("/"):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


@pytest.mark.parametrize("deviation", ALL_DEVIATIONS, ids=lambda d: d.name)
def test_every_deviation_has_its_evidence(deviation: Deviation) -> None:
    assert deviation.evidence or deviation.reports, "a deviation without evidence"
    for item in deviation.evidence:
        document = json.loads((REFERENCE / item.file).read_text(encoding="utf-8"))
        assert _pointer(document, item.pointer) == item.value, (item.file, item.pointer)
