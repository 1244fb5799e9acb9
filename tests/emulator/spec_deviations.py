"""Every deliberate deviation of the emulator from the vendors' published (and partly outdated)
specs, in one place, each with its evidence.

``SCHEMA_DEVIATIONS`` patch the response schemas that ``test_contract.py`` validates against (with
a format checker on); ``BEHAVIOUR_DEVIATIONS`` are request-side behaviours where the emulator
follows what Zoom does rather than what a spec says. Evidence is either a value in a real (or the
spec's own example) payload in ``../shared/reference`` -- checked mechanically by
``test_contract.py::test_every_deviation_has_its_evidence`` -- or a public report, cited by URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Schemas = dict[str, Any]


@dataclass(frozen=True)
class Evidence:
    """``value`` is what ``file`` (under the reference folder) holds at JSON ``pointer``."""

    file: str
    pointer: str
    value: Any


@dataclass(frozen=True)
class Deviation:
    name: str
    spec_says: str
    emulator_does: str
    evidence: tuple[Evidence, ...] = ()
    reports: tuple[str, ...] = ()  # public reports (URLs) for behaviour no payload here shows
    patch: Callable[[Schemas], None] | None = field(default=None, compare=False)


# -- Zoom response schemas ---------------------------------------------------------------------

_MEETING_TYPE_ENUM = [str(n) for n in (*range(1, 10), 99)]


def _walk(schema: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(schema, dict):
        visit(schema)
        for value in schema.values():
            _walk(value, visit)
    elif isinstance(schema, list):
        for value in schema:
            _walk(value, visit)


def _meeting_type_is_an_integer(schemas: Schemas) -> None:
    def visit(schema: dict[str, Any]) -> None:
        props = schema.get("properties", {})
        if "type" in props and props["type"].get("enum") == _MEETING_TYPE_ENUM:
            props["type"] = {"type": ["string", "integer"]}

    _walk(schemas, visit)


def _enums_grow(schemas: Schemas) -> None:
    files = schemas["user_recordings"]["properties"]["meetings"]["items"]["properties"][
        "recording_files"
    ]["items"]["properties"]
    newer = {name: [*files[name]["enum"]] for name in ("file_type", "file_extension",
                                                       "recording_type")}
    newer["file_type"].append("TIMELINE")

    def visit(schema: dict[str, Any]) -> None:
        props = schema.get("properties", {})
        for name, values in newer.items():
            if name in props and "enum" in props[name]:
                props[name]["enum"] = sorted({*props[name]["enum"], *values})

    _walk(schemas, visit)


def _files_can_be_processing(schemas: Schemas) -> None:
    def visit(schema: dict[str, Any]) -> None:
        props = schema.get("properties", {})
        if "status" in props and props["status"].get("enum") == ["completed"]:
            props["status"]["enum"] = ["completed", "processing"]

    _walk(schemas, visit)


def _account_meeting_id_is_an_integer(schemas: Schemas) -> None:
    meeting = schemas["account_recordings"]["properties"]["meetings"]["items"]["properties"]
    meeting["id"]["type"] = ["string", "integer"]


def _account_window_is_dates(schemas: Schemas) -> None:
    props = schemas["account_recordings"]["properties"]
    for name in ("from", "to"):
        assert props[name]["format"] == "date-time"  # the outdated declaration being patched
        props[name]["format"] = "date"


_REAL_ITEM = "zoom/list_user_recordings.meeting-item.real-2024.json"
_ACCOUNT_EXAMPLE = "zoom/list_account_recordings.example-2021.json"

SCHEMA_DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "meeting type is an integer",
        "a meeting's `type` is a string enum ('1'..'9', '99')",
        "sends integers, as Zoom does",
        (Evidence(_REAL_ITEM, "/meetings_item/type", 2),),
        patch=_meeting_type_is_an_integer,
    ),
    Deviation(
        "file enums grow",
        "the 2021 spec lacks file_type/file_extension/recording_type values of the 2023 one, and "
        "neither lists TIMELINE",
        "may send any 2023 value, and TIMELINE files",
        (Evidence(_REAL_ITEM, "/meetings_item/recording_files/3/file_type", "TIMELINE"),),
        patch=_enums_grow,
    ),
    Deviation(
        "files can be processing",
        "a recording file's `status` is only 'completed'",
        "sends 'processing' for files Zoom has not finished (the `processing` scenario tag)",
        reports=("../shared/docs/API_FACTS.md: 'A file can still be processing after the "
                 "meeting ends'",),
        patch=_files_can_be_processing,
    ),
    Deviation(
        "account listing meeting id is an integer",
        "2021 account listing: a meeting's `id` is a string",
        "sends the int64 meeting ID, as the spec's own example and every later payload do",
        (Evidence(_ACCOUNT_EXAMPLE, "/example/meetings/0/id", 101010101),
         Evidence(_REAL_ITEM, "/meetings_item/id", 87287728097)),
        patch=_account_meeting_id_is_an_integer,
    ),
    Deviation(
        "account listing from/to are dates",
        "2021 account listing: response `from`/`to` are `date-time`",
        "echoes `yyyy-mm-dd` dates, as the spec's own example and the user listing (declared "
        "`date` in both specs) do",
        (Evidence(_ACCOUNT_EXAMPLE, "/example/from", "2019-08-19"),
         Evidence(_ACCOUNT_EXAMPLE, "/example/to", "2019-08-20"),
         Evidence("zoom/list_user_recordings.example-2021.json", "/example/from", "2019-08-15")),
        reports=("https://github.com/Jericho/ZoomNet/issues/99 (a real 2021 user listing "
                 "echoing \"from\": \"2021-02-10\")",),
        patch=_account_window_is_dates,
    ),
)

# -- AssemblyAI response schemas ---------------------------------------------------------------


def _delete_nulls(spec: Schemas) -> None:
    transcript = spec["components"]["schemas"]["Transcript"]["properties"]
    for name in ("error", "redact_pii_sub", "language_code"):
        transcript[name] = {"anyOf": [transcript[name], {"type": "null"}]}


_DELETE = "assemblyai/delete_response.spec-example.json"

ASSEMBLYAI_SCHEMA_DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "deleted transcript nulls",
        "Transcript `error`, `redact_pii_sub`, `language_code` are never null",
        "sends them as null in the answer to DELETE, like the real delete shape",
        (Evidence(_DELETE, "/error", None), Evidence(_DELETE, "/redact_pii_sub", None),
         Evidence(_DELETE, "/language_code", None)),
        patch=_delete_nulls,
    ),
)

# -- request-side behaviour --------------------------------------------------------------------

BEHAVIOUR_DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "from/to accepted as date-time",
        "2021 account listing declares the `from`/`to` query parameters `date-time`; the user "
        "listing (both specs) declares them `date`",
        "accepts either on both listings and reads a date-time as its date part "
        "(`2026-11-01T00:00:00Z` = `2026-11-01`); answers with dates",
        reports=(
            "zoomus (PyPI, 1.2.1) sends every recording.list(start=, end=) as "
            "`from=YYYY-MM-DDTHH:MM:SSZ` (zoomus/util.py date_to_str) and public scripts page "
            "month by month with it and download what comes back, e.g. "
            "https://github.com/prschmid/zoomus (RecordingComponentV2.list)",
            "which date a non-UTC offset maps to is unconfirmed: the emulator takes the date as "
            "written",
        ),
    ),
    Deviation(
        "listing range longer than one month is clamped",
        "`from`/`to`: 'The maximum range can be a month' (no error documented)",
        "answers 200 with `from` moved to one month before `to` and echoes the clamped `from` "
        "(silent data loss, as in Zoom); `Faults(strict_month_window=True)` refuses with 400 "
        "code 300 instead",
        reports=("https://github.com/zoom/api/issues/36 (from=2017-08-02&to=2018-04-09 answered "
                 "with from 2018-03-09 and 13 of ~35 meetings)",),
    ),
    Deviation(
        "unknown API route",
        "nothing (Starlette would say 404 text/plain)",
        "checks the token (401 code 124), then answers 404 "
        "`{\"code\": 2300, \"message\": \"This API endpoint is not recognized.\"}`",
        reports=("https://github.com/zoom/rivet-javascript/issues/12 "
                 "('[404/2300]: \"This API endpoint is not recognized.\"')",),
    ),
    Deviation(
        "token grant in the query string",
        "../shared/docs/API_FACTS.md: the grant goes in the form body (not the query string)",
        "takes `grant_type`/`account_id` from the form body or the query string (body wins), "
        "as Zoom does",
        reports=(
            "Zoom's public API Postman collection: POST https://zoom.us/oauth/token?grant_type="
            "account_credentials&account_id=... (mirrored at developers.qodex.ai/zoom-public)",
            "PSZoom (PowerShell Gallery) New-OAuthToken and zoom-python-client 0.2.3 (PyPI, "
            "2026) both send the grant only in the query string",
        ),
    ),
    Deviation(
        "account-wide listing exists",
        "the 2023 spec has no `/accounts/{accountId}/recordings`",
        "serves it with the 2021 shape and the scope "
        "cloud_recording:read:list_account_recordings:admin",
        reports=("../shared/docs/API_FACTS.md ('answers in 2026 field reports')",),
    ),
)

ALL_DEVIATIONS = SCHEMA_DEVIATIONS + ASSEMBLYAI_SCHEMA_DEVIATIONS + BEHAVIOUR_DEVIATIONS
