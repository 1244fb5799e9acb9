"""Zoom's participant audio files: the participant's name, usable files, labels, offsets."""

from __future__ import annotations

from typing import Any

import pytest

from zoom_assembly.zoom import parse_meeting
from zoom_assembly.zoom.participant_files import (
    participant_emails,
    participant_name,
    participant_tracks,
)

from .factories import meeting, recording_file


def participant(name: str, file_id: str, *, start: str = "2024-08-16T23:27:36Z",
                status: str = "completed") -> dict[str, Any]:
    f = recording_file("M4A", file_id=file_id, status=status)
    del f["meeting_id"], f["recording_type"]
    f["file_name"] = name
    f["recording_start"] = start
    return f


@pytest.mark.parametrize(("file_name", "expected"), [
    ("Audio only - Maya Chen", "Maya Chen"),
    ("Maya Chen's audio.m4a", "Maya Chen"),
    ("佐藤 陽翔.m4a", "佐藤 陽翔"),
    ("محمد العلي", "محمد العلي"),
    ("Jordan Blake - audio", "Jordan Blake"),
    ("Claudio.m4a", "Claudio"),
    ("Claudio Rossi's audio.m4a", "Claudio Rossi"),
    ("audio.m4a", None),
    ("", None),
])
def test_the_participants_name_comes_from_the_file_name(file_name: str,
                                                        expected: str | None) -> None:
    recordings = parse_meeting({**meeting(), "participant_audio_files": [
        participant(file_name, "p1")]})
    assert participant_name(recordings.participant_files[0]) == expected


def test_tracks_are_labelled_in_zooms_order_leaving_out_files_naming_no_one() -> None:
    recordings = parse_meeting({**meeting([recording_file()]), "participant_audio_files": [
        participant("Audio only - Maya Chen", "p1"), participant("audio.m4a", "p2"),
        participant("Audio only - Sam Rivera", "p3")]})
    tracks = participant_tracks(recordings)
    assert [(t.file.id, t.name, t.label) for t in tracks] == [
        ("p1", "Maya Chen", "A"), ("p3", "Sam Rivera", "B")]


def test_a_file_starting_after_the_meetings_audio_gets_its_offset() -> None:
    recordings = parse_meeting({**meeting([recording_file()]), "participant_audio_files": [
        participant("Audio only - Maya Chen", "p1"),
        participant("Audio only - Sam Rivera", "p2", start="2024-08-16T23:29:06Z")]})
    assert [t.offset_ms for t in participant_tracks(recordings)] == [0, 90_000]


def test_a_meeting_without_participant_files_has_no_tracks() -> None:
    assert participant_tracks(parse_meeting(meeting([recording_file()]))) == []


class ParticipantsApi:
    """Zoom's paged participants list, two pages."""

    def __init__(self) -> None:
        self.pages = [
            {"participants": [{"name": "Maya Chen", "user_email": "maya@example.com"},
                              {"name": "Sam Rivera", "user_email": ""},
                              {"name": "Alex Morgan", "user_email": "alex@example.com"}],
             "next_page_token": "p2"},
            {"participants": [{"name": "Maya Chen", "user_email": "maya@example.com"},
                              {"name": "Alex Morgan", "user_email": "alex.m@other.example"}],
             "next_page_token": ""},
        ]
        self.calls: list[dict[str, Any]] = []

    def get(self, path: str, params: dict[str, Any], *, what: str) -> dict[str, Any]:
        self.calls.append(params)
        return self.pages[len(self.calls) - 1]


def test_an_email_is_given_only_when_the_name_has_exactly_one() -> None:
    class Zoom:
        api = ParticipantsApi()

    emails = participant_emails(Zoom(), "abc==")  # type: ignore[arg-type]
    assert emails == {"maya chen": "maya@example.com"}  # a guest has none, Alex two
    assert Zoom.api.calls[1]["next_page_token"] == "p2"
