"""Zoom's per-participant audio files: who each one is, and where its clock starts.

With the account setting "Record a separate audio file of each participant", ``GET
/meetings/{meetingUUID}/recordings`` lists ``participant_audio_files[]`` (the per-user listings
never do): one file per participant, that participant's microphone only, spanning the meeting.
Zoom names the participant in ``file_name`` only, in several spellings seen in the wild
(``Audio only - Maya Chen``, ``Maya Chen's audio.m4a``, ``佐藤 陽翔.m4a``); nothing here
downloads anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from ..errors import TranscribeZoomError
from .client import ZoomClient, encode_meeting_path_id
from .recordings import MeetingRecordings, RecordingFile, choose_audio_file

_EXTENSION = re.compile(r"\.(m4a|mp4|aac|wav|mp3|ogg|opus)$", re.IGNORECASE)
_PREFIX = re.compile(r"^\s*audio\s*(only)?\s*[-–—:_]\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"(['’]s\s+|\s*[-–—_(]\s*|\s+)audio(\s*only)?\s*\)?\s*$",
                     re.IGNORECASE)


def participant_name(file: RecordingFile) -> str | None:
    """The participant's display name from the file's ``file_name``; None when it names no
    one (empty, or nothing but "audio")."""
    text = _EXTENSION.sub("", file.file_name.strip())
    text = _PREFIX.sub("", text)
    text = _SUFFIX.sub("", text).strip(" -–—_:")
    return text if text and text.casefold() not in ("audio", "audio only") else None


@dataclass(frozen=True)
class ParticipantTrack:
    """One participant's audio file, the label its words get (A, B, ...) and the offset of
    its start from the meeting's audio start (ms; 0 when either time is unknown)."""

    file: RecordingFile
    name: str
    label: str
    offset_ms: int = 0
    email: str | None = None  # from the meeting's participants, when one name matches one email


def label_for(index: int) -> str:
    """A, B, ... Z, then S27, S28, ... (AssemblyAI's spelling beyond 26 speakers)."""
    return chr(65 + index) if index < 26 else f"S{index + 1}"


def participant_tracks(recordings: MeetingRecordings) -> list[ParticipantTrack]:
    """The meeting's participant audio files that can be transcribed now (completed, with a
    download URL, naming someone), labelled in Zoom's order; [] when there are none."""
    usable = [f for f in recordings.participant_files
              if f.completed and f.download_url and participant_name(f)]
    starts = [f.recording_start for f in usable if f.recording_start is not None]
    zero = _meeting_audio_start(recordings) or (min(starts) if starts else None)
    tracks = []
    for index, f in enumerate(usable):
        offset = 0
        if zero is not None and f.recording_start is not None:
            offset = max(0, round((f.recording_start - zero).total_seconds() * 1000))
        tracks.append(ParticipantTrack(f, participant_name(f) or "", label_for(index), offset))
    return tracks


def participants_processing(recordings: MeetingRecordings) -> bool:
    """True while Zoom is still processing one of the meeting's participant files."""
    return any(f.status == "processing" for f in recordings.participant_files)


def _meeting_audio_start(recordings: MeetingRecordings) -> datetime | None:
    try:
        return choose_audio_file(recordings).recording_start
    except TranscribeZoomError:  # no mixed audio (yet): the participant files are the clock
        return None


def participant_emails(zoom: ZoomClient, meeting_uuid: str) -> dict[str, str]:
    """Display name -> email of the meeting's participants who have one (users of the
    account; guests have none), from ``GET /past_meetings/{meetingUUID}/participants``. A name
    seen with two different emails is left out: an email is only given when it is certain."""
    seen: dict[str, set[str]] = {}
    path = f"/past_meetings/{encode_meeting_path_id(meeting_uuid)}/participants"
    token = ""
    while True:
        query: dict[str, str | int] = {"page_size": 300}
        if token:
            query["next_page_token"] = token
        page = zoom.api.get(path, query, what=f"the participants of meeting {meeting_uuid}")
        for item in page.get("participants") or [] if isinstance(page, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                email = item.get("user_email")
                emails = seen.setdefault(item["name"].strip().casefold(), set())
                if isinstance(email, str) and email:
                    emails.add(email)
        token = str(page.get("next_page_token") or "") if isinstance(page, dict) else ""
        if not token:
            break
    return {name: next(iter(emails)) for name, emails in seen.items() if len(emails) == 1}


def with_emails(tracks: list[ParticipantTrack], emails: dict[str, str]) -> list[ParticipantTrack]:
    """``tracks`` with the email of each participant whose name the participants list has."""
    return [replace(t, email=emails.get(t.name.strip().casefold())) for t in tracks]
