"""The enricher naming speakers of Zoom recordings: which TIMELINE files, where they sit in the
audio, and never failing a transcript over its names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

from zoom_assembly.errors import DownloadInterrupted
from zoom_assembly.events import Event, Notice
from zoom_assembly.models import SpeakerName, Transcript, Word
from zoom_assembly.pipeline.recording import Recording
from zoom_assembly.pipeline.speaker_names import TimelineSpeakerNames
from zoom_assembly.zoom import RecordingFile, ZoomClient, parse_meeting
from zoom_assembly.zoom.timeline import offset_in_audio, timeline_files

from .factories import meeting, recording_file


def clock(ms: int) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def timeline_body(turns: list[tuple[str, int, int]], lag: int = 1000) -> bytes:
    entries = []
    for name, start, end in turns:
        entries.append({"ts": clock(start + lag), "users": [
            {"username": name, "zoom_userid": name, "email_address": f"{name}@example.com"}]})
        entries.append({"ts": clock(end + lag), "users": []})
    return json.dumps({"timeline": entries}).encode()


class Stream:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self.body

    def close(self) -> None:
        pass

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeZoom:
    def __init__(self, bodies: dict[str, bytes], fail: bool = False) -> None:
        self.bodies = bodies
        self.fail = fail
        self.downloads: list[str] = []

    def open_download(self, file: RecordingFile, *, what: str) -> Stream:
        self.downloads.append(file.id)
        if self.fail:
            raise DownloadInterrupted(f"The download of {what} broke off; run it again.",
                                      bytes_read=0, size=None)
        return Stream(self.bodies[file.id])


TURNS = [("A", 1000, 9000), ("B", 9800, 16000), ("A", 16500, 24000), ("B", 24600, 32000)]
NAMES = {"A": "ana", "B": "ben"}


def transcript() -> Transcript:
    words = [Word("w", t, t + 350, 0.9, label) for label, start, end in TURNS
             for t in range(start, end - 349, 400)]
    return Transcript("t1", "completed", words=tuple(words), audio_duration=40.0)


def recording(files: list[dict[str, Any]]) -> Recording:
    zoom = parse_meeting(meeting(files))
    from zoom_assembly.pipeline.sources import LocalFile

    return Recording(meeting=zoom.meeting, file_id="m4a-audio_only-file",
                     audio=cast(LocalFile, None), zoom=zoom)


def segment(file_id: str, start: str, end: str) -> dict[str, Any]:
    raw = recording_file("TIMELINE", "timeline", file_id=file_id)
    raw.update(recording_start=start, recording_end=end, file_extension="JSON")
    return raw


AUDIO = recording_file()  # 2024-08-16T23:27:36Z .. 2024-08-17T00:12:00Z


def test_names_come_from_the_recordings_timeline() -> None:
    zoom = FakeZoom({"tl": timeline_body([(NAMES[label], s, e) for label, s, e in TURNS])})
    events: list[Event] = []
    enrich = TimelineSpeakerNames(cast(ZoomClient, zoom), events.append)
    named = enrich(transcript(), recording([AUDIO, recording_file("TIMELINE", "timeline",
                                                                  file_id="tl")]))
    assert {k: v.name for k, v in named.speakers.items()} == NAMES
    assert zoom.downloads == ["tl"]


def test_a_failed_timeline_download_keeps_letters_and_warns() -> None:
    zoom = FakeZoom({}, fail=True)
    events: list[Event] = []
    enrich = TimelineSpeakerNames(cast(ZoomClient, zoom), events.append)
    named = enrich(transcript(), recording([AUDIO, recording_file("TIMELINE", "timeline",
                                                                  file_id="tl")]))
    assert named.speakers == {}
    assert any(isinstance(e, Notice) and e.warning for e in events)


def test_a_transcript_already_named_is_left_alone_without_a_download() -> None:
    zoom = FakeZoom({})
    given = {"A": SpeakerName("Ana by hand", "manual")}
    named = TimelineSpeakerNames(cast(ZoomClient, zoom))(
        Transcript("t1", "completed", words=transcript().words, speakers=given),
        recording([AUDIO, recording_file("TIMELINE", "timeline", file_id="tl")]))
    assert named.speakers == given and zoom.downloads == []


def test_a_recording_without_a_timeline_downloads_nothing() -> None:
    zoom = FakeZoom({})
    named = TimelineSpeakerNames(cast(ZoomClient, zoom))(transcript(), recording([AUDIO]))
    assert named.speakers == {} and zoom.downloads == []


def test_timeline_segments_outside_the_audio_are_left_out_and_others_offset() -> None:
    files = [AUDIO,
             segment("before", "2024-08-16T22:00:00Z", "2024-08-16T22:30:00Z"),
             segment("first", "2024-08-16T23:27:36Z", "2024-08-16T23:50:00Z"),
             segment("second", "2024-08-16T23:55:00Z", "2024-08-17T00:12:00Z")]
    zoom = parse_meeting(meeting(files))
    found = timeline_files(zoom, "m4a-audio_only-file")
    assert [f.id for f in found] == ["first", "second"]
    audio = zoom.files[0]
    assert [offset_in_audio(f, audio) for f in found] == [0, (27 * 60 + 24) * 1000]
