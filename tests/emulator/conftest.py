"""Fixtures for the emulator's own tests: one shared emulator (reset before each test) and thin
HTTP clients that speak to it over real loopback HTTP."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from zoom_assembly.emulator import Credentials, Emulator

FAST = 100_000.0  # real-time factor: an hour of audio "transcribes" in 36 ms
OTHER_ACCOUNT_KEY = "second-assemblyai-account-key"


def double_encode(uuid: str) -> str:
    return quote(quote(uuid, safe=""), safe="")


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[Emulator]:
    credentials = dataclasses.replace(Credentials.random(), extra_api_keys=(OTHER_ACCOUNT_KEY,))
    with Emulator(speed=FAST, credentials=credentials) as emu:
        yield emu


@pytest.fixture
def emu(shared_emulator: Emulator) -> Iterator[Emulator]:
    settings = dataclasses.replace(shared_emulator.settings)
    shared_emulator.reset()
    yield shared_emulator
    for field in dataclasses.fields(settings):
        setattr(shared_emulator.settings, field.name, getattr(settings, field.name))


class Zoom:
    """Just enough of a Zoom client to exercise the emulator."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.env = emu.env()
        self.http = requests.Session()
        self._token: str | None = None

    def token_response(self, **form: str) -> requests.Response:
        data = {"grant_type": "account_credentials", "account_id": self.env["ZOOM_ACCOUNT_ID"]}
        data.update(form)
        auth = (self.env["ZOOM_CLIENT_ID"], self.env["ZOOM_CLIENT_SECRET"])
        return self.http.post(self.env["ZOOM_OAUTH_URL"], auth=auth, data=data)

    def token(self, fresh: bool = False) -> str:
        if self._token is None or fresh:
            response = self.token_response()
            assert response.status_code == 200, response.text
            self._token = response.json()["access_token"]
        return self._token

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.http.get(self.env["ZOOM_API_BASE_URL"] + path, headers=headers, params=params)

    def recordings(self, uuid: str, **params: Any) -> requests.Response:
        return self.get(f"/meetings/{double_encode(uuid)}/recordings", **params)

    def file(self, tag: str, file_type: str = "M4A", **params: Any) -> dict[str, Any]:
        """The recording file JSON of a tagged meeting, as Zoom lists it."""
        meeting = self.emu.scenario.find(tag)
        body = self.recordings(meeting.uuid, **params).json()
        found: dict[str, Any] = next(
            f for f in body["recording_files"] if f["file_type"] == file_type
        )
        found["_meeting"] = body
        return found


class Assembly:
    """Just enough of an AssemblyAI client to exercise the emulator."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.base = emu.env()["ASSEMBLYAI_BASE_URL"]
        self.key = emu.env()["ASSEMBLYAI_API_KEY"]
        self.http = requests.Session()

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": key or self.key}

    def submit(self, body: dict[str, Any], key: str | None = None) -> requests.Response:
        body = {"speech_models": ["universal-3-5-pro", "universal-2"], **body}
        return self.http.post(f"{self.base}/v2/transcript", json=body, headers=self.headers(key))

    def get(self, path: str, key: str | None = None, **params: Any) -> requests.Response:
        return self.http.get(f"{self.base}{path}", headers=self.headers(key), params=params)

    def wait(self, transcript_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = self.get(f"/v2/transcript/{transcript_id}").json()
            if body["status"] in ("completed", "error") or time.monotonic() > deadline:
                return body
            time.sleep(0.01)

    def transcribe(self, audio_url: str, **options: Any) -> dict[str, Any]:
        response = self.submit({"audio_url": audio_url, **options})
        assert response.status_code == 200, response.text
        return self.wait(response.json()["id"])


@pytest.fixture
def zoom(emu: Emulator) -> Zoom:
    return Zoom(emu)


@pytest.fixture
def aai(emu: Emulator) -> Assembly:
    return Assembly(emu)


def handoff_url(zoom: Zoom, tag: str, file_type: str = "M4A", ttl: int = 3600) -> str:
    """download_url?access_token=<download_access_token>, as the library hands it to AssemblyAI."""
    f = zoom.file(tag, file_type, include_fields="download_access_token", ttl=ttl)
    return f"{f['download_url']}?access_token={f['_meeting']['download_access_token']}"
