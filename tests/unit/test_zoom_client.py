"""Addressing meetings, month windows, pagination and choosing the audio file."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
import responses

from zoom_assembly.errors import NoAudio, StillProcessing, UsageError
from zoom_assembly.redact import Secret
from zoom_assembly.zoom import (
    choose_audio_file,
    encode_meeting_path_id,
    handoff_url,
    month_windows,
    parse_meeting,
    parse_meeting_ref,
)

from .factories import BASE, OAUTH, meeting, recording_file, token_body
from .test_zoom_api import make_client


def test_uuid_with_double_slash_is_double_encoded() -> None:
    uuid = "abc//def+ghiJKL=="
    assert encode_meeting_path_id(uuid) == quote(quote(uuid, safe=""), safe="")
    assert "%252F%252F" in encode_meeting_path_id(uuid)


def test_uuid_starting_with_slash_is_double_encoded() -> None:
    assert encode_meeting_path_id("/ajXp112QmuoKj4854875==").startswith("%252F")


def test_plain_uuid_is_encoded_once() -> None:
    assert encode_meeting_path_id("gkABCDEbbbbbbbkPuA==") == "gkABCDEbbbbbbbkPuA%3D%3D"


def test_numeric_meeting_id_is_left_as_is() -> None:
    assert encode_meeting_path_id(81234567890) == "81234567890"


@pytest.mark.parametrize("text", ["812 3456 7890", "812-3456-7890", " 81234567890 "])
def test_meeting_id_with_spaces_or_dashes_is_numeric(text: str) -> None:
    assert parse_meeting_ref(text).meeting_id == 81234567890


def test_uuid_as_zoom_prints_it_is_an_instance() -> None:
    assert parse_meeting_ref("/ajXp112QmuoKj4854875==").uuid == "/ajXp112QmuoKj4854875=="


def test_url_encoded_uuid_is_decoded() -> None:
    assert parse_meeting_ref("%2Fabc%2F%2Fdef12345678%3D%3D").uuid == "/abc//def12345678=="


def test_join_link_gives_the_meeting_id() -> None:
    assert parse_meeting_ref("https://us06web.zoom.us/j/81234567890?pwd=x").meeting_id == \
        81234567890


def test_share_link_is_refused_with_what_to_do_instead() -> None:
    with pytest.raises(UsageError, match="meeting ID or UUID"):
        parse_meeting_ref("https://us06web.zoom.us/rec/share/AbCdEf")


@pytest.mark.parametrize("text", ["hello world", "12345", "", "meeting?"])
def test_malformed_meeting_id_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_meeting_ref(text)
    assert info.value.exit_code == 2


def test_month_windows_split_at_month_edges() -> None:
    assert month_windows(date(2024, 1, 15), date(2024, 3, 2)) == [
        (date(2024, 1, 15), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 2)),
    ]


def test_single_day_is_one_window() -> None:
    assert month_windows(date(2025, 12, 31), date(2025, 12, 31)) == [
        (date(2025, 12, 31), date(2025, 12, 31))]


def test_year_edge_is_split() -> None:
    assert month_windows(date(2025, 12, 30), date(2026, 1, 2)) == [
        (date(2025, 12, 30), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 1, 2))]


def test_reversed_range_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        month_windows(date(2026, 2, 1), date(2026, 1, 1))


def _page(meetings: list[dict[str, Any]], token: str = "") -> dict[str, Any]:
    return {"from": "x", "to": "y", "page_size": 300, "total_records": len(meetings),
            "next_page_token": token, "meetings": meetings}


@responses.activate
def test_listing_follows_pages_and_dedupes_across_windows() -> None:
    responses.add(responses.POST, OAUTH, json=token_body())
    url = f"{BASE}/users/me/recordings"
    a, b, c = (meeting(uuid=f"uuid-{n}-aaaaaaaaaaaaaa==") for n in "abc")
    responses.add(responses.GET, url, json=_page([a], token="next-1"))
    responses.add(responses.GET, url, json=_page([b]))
    responses.add(responses.GET, url, json=_page([b, c]))  # b straddles the month edge
    found = list(make_client().user_recordings("me", date(2026, 1, 20), date(2026, 2, 10)))
    assert [m.meeting.uuid for m in found] == [a["uuid"], b["uuid"], c["uuid"]]
    queries = [c.request.params for c in responses.calls[1:]]
    assert queries[0]["from"] == "2026-01-20" and queries[0]["to"] == "2026-01-31"
    assert queries[0]["page_size"] == "300"
    assert queries[1]["next_page_token"] == "next-1"
    assert queries[2]["from"] == "2026-02-01" and queries[2]["to"] == "2026-02-10"


@responses.activate
def test_download_access_token_is_requested_with_a_ttl() -> None:
    responses.add(responses.POST, OAUTH, json=token_body())
    responses.add(responses.GET, f"{BASE}/meetings/123456789/recordings",
                  json=meeting(download_access_token="eyJdownload.token.sig"))
    recordings = make_client().meeting_recordings(123456789, download_token_ttl=7200)
    params = responses.calls[1].request.params
    assert params == {"include_fields": "download_access_token", "ttl": "7200"}
    assert recordings.download_access_token == Secret("eyJdownload.token.sig")
    assert "eyJdownload" not in repr(recordings)


def test_parser_accepts_unknown_types_and_missing_fields() -> None:
    parsed = parse_meeting({"uuid": "u1", "recording_files": [
        {"file_type": "HOLOGRAM", "recording_type": "future_view"},
        {},
        {"id": "x", "file_size": "not a number", "recording_start": "yesterday"},
    ]})
    assert [f.file_type for f in parsed.files] == ["HOLOGRAM", "", ""]
    assert parsed.files[2].file_size is None and parsed.files[2].recording_start is None
    assert parsed.meeting.id is None and parsed.meeting.start_time is None


def test_audio_only_m4a_is_preferred_over_video() -> None:
    parsed = parse_meeting(meeting([
        recording_file("MP4", "shared_screen_with_speaker_view", size=10),
        recording_file("M4A", "audio_only", size=1000),
    ]))
    assert choose_audio_file(parsed).file_type == "M4A"


def test_smallest_completed_mp4_is_used_when_there_is_no_audio() -> None:
    parsed = parse_meeting(meeting([
        recording_file("MP4", "gallery_view", size=900, file_id="big"),
        recording_file("MP4", "active_speaker", size=300, file_id="small"),
        recording_file("MP4", "shared_screen", size=100, file_id="busy", status="processing"),
    ]))
    assert choose_audio_file(parsed).id == "small"


def test_file_still_processing_is_reported_as_such() -> None:
    parsed = parse_meeting(meeting([recording_file("M4A", status="processing")]))
    with pytest.raises(StillProcessing, match="--wait"):
        choose_audio_file(parsed)


def test_only_zoom_transcript_is_no_audio() -> None:
    parsed = parse_meeting(meeting([
        recording_file("TRANSCRIPT", "audio_transcript"), recording_file("CHAT", "chat_file")]))
    with pytest.raises(NoAudio, match="only Zoom's own transcript"):
        choose_audio_file(parsed)


def test_meeting_without_files_is_no_audio() -> None:
    with pytest.raises(NoAudio):
        choose_audio_file(parse_meeting(meeting([])))


def test_handoff_url_carries_the_scoped_token_in_the_query() -> None:
    file = parse_meeting(meeting()).files[0]
    url = handoff_url(file, Secret("eyJ.scoped.token"))
    assert url == f"{file.download_url}?access_token=eyJ.scoped.token"


def test_handoff_url_appends_to_an_existing_query() -> None:
    raw = recording_file()
    raw["download_url"] += "?type=audio"
    file = parse_meeting(meeting([raw])).files[0]
    assert handoff_url(file, Secret("tok123456")).endswith("?type=audio&access_token=tok123456")


def test_uuid_with_one_inner_slash_is_encoded_once_as_zoom_documents() -> None:
    assert encode_meeting_path_id("gUTx/7ZSk34EKBAPKfLI3g==") == "gUTx%2F7ZSk34EKBAPKfLI3g%3D%3D"
