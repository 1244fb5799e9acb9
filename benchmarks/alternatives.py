"""The two ways people transcribe a Zoom archive without this tool, for the benchmark.

- :func:`run_tutorial`: the classic tutorial, one meeting at a time with plain ``requests``: get
  an OAuth token, list the host's recordings, get the meeting's recording, submit its
  ``download_url?access_token=<token>`` to AssemblyAI, poll every 3 s, write the text.
- :func:`run_sdk_group`: the official SDK's ``Transcriber().transcribe_group(urls)`` over the
  same download-scoped hand-off URLs this tool uses (``GET /meetings/{uuid}/recordings
  ?include_fields=download_access_token&ttl=...`` then ``download_url?access_token=...``).

Both ask AssemblyAI for the same work as ``transcribe-zoom`` (speech models, language detection,
speaker labels) so that only the orchestration differs. Nothing here imports ``zoom_assembly``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

TUTORIAL_POLL_SECONDS = 3.0  # the tutorial's `time.sleep(3)` between status checks
SDK_POLL_SECONDS = 3.0  # assemblyai.settings.polling_interval's default
# httpx's default keep-alive expiry (5 s) equals the emulator's (uvicorn's) keep-alive timeout:
# a pooled connection reused just as the server closes it gets ECONNRESET, which the SDK does
# not retry (one such reset aborts the whole group). Expiring earlier avoids the race.
SDK_KEEPALIVE_SECONDS = 2.0
HANDOFF_TTL = 6 * 3600
PAGE_SIZE = 300
# The same request body transcribe-zoom sends (its TranscriptionOptions defaults).
SPEECH_MODELS = ("universal-3-5-pro", "universal-2")
REQUEST_FIELDS: dict[str, Any] = {
    "speech_models": list(SPEECH_MODELS),
    "language_detection": True,
    "speaker_labels": True,
    "punctuate": True,
    "format_text": True,
}


@dataclass(frozen=True)
class Target:
    """One meeting the tutorial is asked to transcribe: who hosted it, and when."""

    uuid: str
    host_id: str
    day: date


@dataclass
class AltRun:
    """What one alternative did: wall time, transcripts written, failures."""

    seconds: float
    written: dict[str, Path] = field(default_factory=dict)  # transcript id -> text file
    failures: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase
    crashed: str = ""  # the exception that ended the run early, if one did


# -- Zoom, the way a script does it ------------------------------------------------------------


def zoom_token(session: requests.Session, env: Mapping[str, str]) -> str:
    """Server-to-Server OAuth: Basic client credentials, ``account_credentials`` grant."""
    response = session.post(
        env["ZOOM_OAUTH_URL"],
        auth=(env["ZOOM_CLIENT_ID"], env["ZOOM_CLIENT_SECRET"]),
        data={"grant_type": "account_credentials", "account_id": env["ZOOM_ACCOUNT_ID"]},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _zoom_get(
    session: requests.Session, env: Mapping[str, str], token: str, path: str,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    response = session.get(
        f"{env['ZOOM_API_BASE_URL']}{path}", params=params,
        headers={"Authorization": f"Bearer {token}"}, timeout=30,
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def meeting_path(uuid: str) -> str:
    """Zoom's rule: UUIDs starting with ``/`` or containing ``//`` are double-encoded."""
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def month_windows(start: date, end: date) -> Iterator[tuple[date, date]]:
    """``[from, to]`` windows inside one calendar month each (Zoom lists one month per call)."""
    cursor = start
    while cursor <= end:
        following = (cursor.replace(day=1) + timedelta(days=32)).replace(day=1)
        last = min(end, following - timedelta(days=1))
        yield cursor, last
        cursor = last + timedelta(days=1)


def _pages(
    session: requests.Session, env: Mapping[str, str], token: str, path: str,
    params: Mapping[str, Any], key: str,
) -> Iterator[dict[str, Any]]:
    next_token = ""
    while True:
        query = {**params, "page_size": PAGE_SIZE}
        if next_token:
            query["next_page_token"] = next_token
        page = _zoom_get(session, env, token, path, query)
        yield from page.get(key) or []
        next_token = str(page.get("next_page_token") or "")
        if not next_token:
            return


def list_meetings(
    session: requests.Session, env: Mapping[str, str], token: str, start: date, end: date
) -> list[dict[str, Any]]:
    """Every recorded meeting of every active and inactive user in ``[start, end]``."""
    users = [
        u["id"]
        for status in ("active", "inactive")
        for u in _pages(session, env, token, "/users", {"status": status}, "users")
    ]
    seen: set[str] = set()
    found: list[dict[str, Any]] = []
    for user in users:
        for first, last in month_windows(start, end):
            params = {"from": first.isoformat(), "to": last.isoformat()}
            for meeting in _pages(session, env, token, f"/users/{quote(user, safe='@')}"
                                  "/recordings", params, "meetings"):
                if meeting["uuid"] not in seen:
                    seen.add(meeting["uuid"])
                    found.append(meeting)
    return found


def audio_file(meeting: Mapping[str, Any]) -> dict[str, Any]:
    """The M4A when there is one, else the first MP4 (what every tutorial picks)."""
    files = [f for f in meeting.get("recording_files") or [] if f.get("download_url")]
    for kind in ("M4A", "MP4"):
        for f in files:
            if str(f.get("file_type", "")).upper() == kind:
                return dict(f)
    raise LookupError(f"meeting {meeting.get('uuid')} has no audio or video file")


# -- AssemblyAI, the way the tutorial does it -------------------------------------------------


def _submit(session: requests.Session, env: Mapping[str, str], audio_url: str) -> str:
    response = session.post(
        f"{env['ASSEMBLYAI_BASE_URL']}/v2/transcript",
        json={"audio_url": audio_url, **REQUEST_FIELDS},
        headers={"authorization": env["ASSEMBLYAI_API_KEY"]}, timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def _poll(
    session: requests.Session, env: Mapping[str, str], transcript_id: str, interval: float
) -> dict[str, Any]:
    url = f"{env['ASSEMBLYAI_BASE_URL']}/v2/transcript/{transcript_id}"
    while True:
        response = session.get(url, headers={"authorization": env["ASSEMBLYAI_API_KEY"]},
                               timeout=30)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        if body["status"] in ("completed", "error"):
            return body
        time.sleep(interval)


def tutorial_one(
    session: requests.Session, env: Mapping[str, str], target: Target, out_dir: Path,
    poll_interval: float,
) -> tuple[str, Path]:
    """One meeting, start to finish, exactly as the tutorial's steps go."""
    token = zoom_token(session, env)  # 1. get a token
    first = target.day.replace(day=1)  # 2. list the host's recordings (the meeting's month)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    listed = _pages(session, env, token, f"/users/{quote(target.host_id, safe='@')}/recordings",
                    {"from": first.isoformat(), "to": last.isoformat()}, "meetings")
    if not any(m["uuid"] == target.uuid for m in listed):
        raise LookupError(f"meeting {target.uuid} is not in its host's listing")
    # 3. get the meeting's recording; 4. submit download_url?access_token=<the OAuth token>
    meeting = _zoom_get(session, env, token, f"/meetings/{meeting_path(target.uuid)}/recordings")
    url = f"{audio_file(meeting)['download_url']}?access_token={token}"
    transcript_id = _submit(session, env, url)
    body = _poll(session, env, transcript_id, poll_interval)  # 5. poll every 3 s
    if body["status"] != "completed":
        raise RuntimeError(f"transcript {transcript_id} failed: {body.get('error')}")
    path = out_dir / f"{transcript_id}.txt"  # 6. write the text
    path.write_text(body.get("text") or "", encoding="utf-8")
    return transcript_id, path


def run_tutorial(
    env: Mapping[str, str], targets: list[Target], out_dir: Path, *, poll_interval: float
) -> AltRun:
    """The tutorial applied to an archive: its steps, one meeting after the other."""
    out_dir.mkdir(parents=True, exist_ok=True)
    run = AltRun(0.0)
    started = time.perf_counter()
    with requests.Session() as session:
        for target in targets:
            try:
                transcript_id, path = tutorial_one(session, env, target, out_dir, poll_interval)
                run.written[transcript_id] = path
            except (requests.RequestException, LookupError, RuntimeError) as exc:
                run.failures.append(f"{target.uuid}: {exc}")
    run.seconds = time.perf_counter() - started
    return run


# -- the official SDK's transcribe_group --------------------------------------------------------


def handoff_urls(
    session: requests.Session, env: Mapping[str, str], token: str,
    meetings: list[dict[str, Any]], ttl: int = HANDOFF_TTL,
) -> list[str]:
    """``download_url?access_token=<download-scoped token>`` per meeting, as transcribe-zoom
    builds them (one ``GET /meetings/{uuid}/recordings`` with the token each)."""
    urls = []
    for meeting in meetings:
        detail = _zoom_get(
            session, env, token, f"/meetings/{meeting_path(meeting['uuid'])}/recordings",
            {"include_fields": "download_access_token", "ttl": ttl},
        )
        scoped = quote(str(detail["download_access_token"]), safe="")
        urls.append(f"{audio_file(detail)['download_url']}?access_token={scoped}")
    return urls


def run_sdk_group(
    env: Mapping[str, str], start: date, end: date, out_dir: Path, *, polling_interval: float
) -> AltRun:
    """List the archive, fetch hand-off URLs, ``transcribe_group`` them, write the texts."""
    import assemblyai as aai

    out_dir.mkdir(parents=True, exist_ok=True)
    run = AltRun(0.0)
    saved = aai.settings.model_dump()
    started = time.perf_counter()
    try:
        with requests.Session() as session:
            token = zoom_token(session, env)
            meetings = list_meetings(session, env, token, start, end)
            listed = time.perf_counter()
            urls = handoff_urls(session, env, token, meetings)
        prepared = time.perf_counter()
        aai.settings.base_url = env["ASSEMBLYAI_BASE_URL"]
        aai.settings.api_key = env["ASSEMBLYAI_API_KEY"]
        aai.settings.polling_interval = polling_interval
        aai.settings.keepalive_expiry = SDK_KEEPALIVE_SECONDS
        config = aai.TranscriptionConfig(
            speech_models=list(SPEECH_MODELS), language_detection=True, speaker_labels=True,
            punctuate=True, format_text=True,
        )
        try:
            sources: list[Any] = list(urls)
            group = aai.Transcriber(config=config).transcribe_group(sources)
        except Exception as exc:  # the SDK retries nothing: one reset ends the whole group
            run.crashed = f"{type(exc).__name__}: {exc}"
            run.seconds = time.perf_counter() - started
            return run
        assert isinstance(group, aai.TranscriptGroup)
        transcribed = time.perf_counter()
        for transcript in group:
            if transcript.status == aai.TranscriptStatus.completed:
                path = out_dir / f"{transcript.id}.txt"
                path.write_text(transcript.text or "", encoding="utf-8")
                run.written[str(transcript.id)] = path
            else:
                run.failures.append(f"{transcript.id}: {transcript.error}")
        run.seconds = time.perf_counter() - started
        run.phases = {
            "listing": listed - started,
            "handoff_urls": prepared - listed,
            "transcribe_group": transcribed - prepared,
            "writing": run.seconds - (transcribed - started),
        }
    finally:
        for key, value in saved.items():
            setattr(aai.settings, key, value)
    return run
