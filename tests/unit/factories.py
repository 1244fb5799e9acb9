"""Realistic Zoom payloads for unit tests (shapes follow Zoom's published examples)."""

from __future__ import annotations

from typing import Any

BASE = "https://api.zoom.us/v2"
OAUTH = "https://zoom.us/oauth/token"


def recording_file(
    file_type: str = "M4A",
    recording_type: str = "audio_only",
    *,
    file_id: str | None = None,
    status: str = "completed",
    size: int = 42_392_752,
    meeting_uuid: str = "UaOnHojhRZueVNCVcK8lEA==",
) -> dict[str, Any]:
    file_id = file_id or f"{file_type.lower()}-{recording_type}-file"
    return {
        "id": file_id,
        "meeting_id": meeting_uuid,
        "recording_start": "2024-08-16T23:27:36Z",
        "recording_end": "2024-08-17T00:12:00Z",
        "file_type": file_type,
        "file_extension": file_type,
        "file_size": size,
        "play_url": f"https://us06web.zoom.us/rec/play/{file_id}",
        "download_url": f"https://us06web.zoom.us/rec/download/{file_id}",
        "status": status,
        "recording_type": recording_type,
    }


def meeting(
    files: list[dict[str, Any]] | None = None,
    *,
    uuid: str = "UaOnHojhRZueVNCVcK8lEA==",
    meeting_id: int = 87287728097,
    topic: str = "Weekly sync",
    start: str = "2024-08-16T23:27:36Z",
    download_access_token: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": uuid,
        "id": meeting_id,
        "account_id": "pzf3p9rDTmevLobo-La4HQ",
        "host_id": "4P41WITpTYedmIqdtNFuhw",
        "topic": topic,
        "type": 2,
        "start_time": start,
        "timezone": "America/Los_Angeles",
        "duration": 44,
        "total_size": 196200715,
        "recording_count": len(files or []),
        "recording_files": files if files is not None else [recording_file()],
    }
    if download_access_token:
        body["download_access_token"] = download_access_token
    return body


def token_body(token: str = "zoom-access-token-1", expires_in: int = 3600,
               scope: str = "cloud_recording:read:list_recording_files:admin") -> dict[str, Any]:
    return {"access_token": token, "token_type": "bearer", "expires_in": expires_in,
            "scope": scope}
