"""The emulated Zoom account: users, meeting instances, recording files, and what each file says.

A :class:`Scenario` is plain data plus indexes. ``Scenario.builtin()`` is the hand-made data set
(dates relative to an anchor day, special meetings findable by tag), ``Scenario.generate()`` makes
thousands of meetings for benchmarks, ``dump``/``load`` keep either as JSON.
"""

from __future__ import annotations

import bisect
import functools
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .scripts import ScriptWord, generate_script

FORMAT = "zoom-emulator-scenario/1"
MEDIA_TYPES = ("MP4", "M4A")


@dataclass(frozen=True)
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    status: str = "active"  # active | inactive | pending
    type: int = 2
    pmi: int = 0
    timezone: str = "UTC"
    dept: str = ""
    created_at: str = "2021-03-01T09:00:00Z"
    last_login_time: str = "2024-01-01T09:00:00Z"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class RecordingFile:
    id: str
    file_type: str  # MP4 M4A TIMELINE TRANSCRIPT CHAT SUMMARY ...
    recording_type: str
    file_extension: str
    processing: bool = False  # "processing" until the scenario's processing_ready_after elapses
    speaker: str | None = None  # participant audio: the only voice in the file
    file_name: str | None = None  # participant audio: Zoom's display name for the file
    late: bool = False  # listed only once processing_ready_after has elapsed (e.g. a
    # transcript Zoom adds after the recording: recording.transcript_completed)
    # The part of the meeting (ms from its start) the file covers: one segment of a recording
    # paused and resumed (its own recording_start; see .pauses). None: the whole meeting.
    span_ms: tuple[int, int] | None = None

    @property
    def is_media(self) -> bool:
        return self.file_type in MEDIA_TYPES


@dataclass(frozen=True)
class Meeting:
    """One meeting *instance* (Zoom: one UUID). Recurring meetings share ``id``."""

    uuid: str
    id: int
    host_id: str
    topic: str
    start_time: datetime
    duration_s: int
    language: str
    speakers: tuple[str, ...]
    seed: int
    type: int = 2
    timezone: str = "UTC"
    files: tuple[RecordingFile, ...] = ()
    participant_files: tuple[RecordingFile, ...] = ()
    tags: tuple[str, ...] = ()
    trashed: bool = False
    recorded: bool = True
    silent: bool = False
    password: str = ""
    passcode: str = ""

    @property
    def end_time(self) -> datetime:
        return self.start_time + timedelta(seconds=self.duration_s)

    def all_files(self) -> tuple[RecordingFile, ...]:
        return self.files + self.participant_files


def span_words(words: list[ScriptWord], span: tuple[int, int]) -> list[ScriptWord]:
    """The words said within ``span`` of the meeting, timed from the span's start."""
    start, end = span
    return [ScriptWord(w.text, w.start - start, w.end - start, w.speaker, w.confidence)
            for w in words if w.start >= start and w.end <= end]


@functools.lru_cache(maxsize=128)
def _script(seed: int, language: str, speakers: tuple[str, ...], ms: int) -> list[ScriptWord]:
    return generate_script(seed, language, speakers, ms)


class Scenario:
    """Users and meetings of one emulated Zoom account (see module docstring)."""

    def __init__(
        self,
        users: Iterable[User],
        meetings: Iterable[Meeting],
        *,
        account_id: str,
        anchor: date,
        owner_id: str | None = None,
        m4a_bytes_per_second: int = 16_000,
        mp4_bytes_per_second: int = 64_000,
        processing_ready_after: float = 30.0,
    ) -> None:
        self.users = list(users)
        self.meetings = list(meetings)
        self.account_id = account_id
        self.anchor = anchor
        self.owner_id = owner_id or (self.users[0].id if self.users else "")
        self.m4a_bytes_per_second = m4a_bytes_per_second
        self.mp4_bytes_per_second = mp4_bytes_per_second
        self.processing_ready_after = processing_ready_after
        self._text_cache: dict[str, bytes] = {}
        self._index()

    def _index(self) -> None:
        self._users: dict[str, User] = {}
        for user in self.users:
            self._users[user.id] = user
            self._users[user.email.lower()] = user
        self._by_uuid = {m.uuid: m for m in self.meetings}
        self._by_id: dict[int, list[Meeting]] = {}
        self._files: dict[str, tuple[Meeting, RecordingFile]] = {}
        self._tags: dict[str, list[Meeting]] = {}
        self._listed: dict[str, list[Meeting]] = {"*": []}
        for meeting in sorted(self.meetings, key=lambda m: m.start_time):
            self._by_id.setdefault(meeting.id, []).append(meeting)
            for f in meeting.all_files():
                self._files[f.id] = (meeting, f)
            for tag in meeting.tags:
                self._tags.setdefault(tag, []).append(meeting)
            if meeting.recorded and not meeting.trashed:
                self._listed["*"].append(meeting)
                self._listed.setdefault(meeting.host_id, []).append(meeting)
        self._starts = {k: [m.start_time for m in v] for k, v in self._listed.items()}

    # -- lookups -------------------------------------------------------------------------------

    def find(self, tag: str) -> Meeting:
        """The (first) meeting carrying ``tag``; KeyError naming the known tags otherwise."""
        found = self._tags.get(tag)
        if not found:
            raise KeyError(f"no meeting tagged {tag!r}; known tags: {', '.join(self.tags())}")
        return found[-1] if tag == "recurring" else found[0]

    def find_all(self, tag: str) -> list[Meeting]:
        return list(self._tags.get(tag, []))

    def tags(self) -> list[str]:
        return sorted(self._tags)

    def user(self, user_id: str) -> User | None:
        """A user by id, email (case-insensitive) or ``me`` (the account owner)."""
        if user_id == "me":
            user_id = self.owner_id
        return self._users.get(user_id) or self._users.get(user_id.lower())

    def meeting_by_uuid(self, uuid: str) -> Meeting | None:
        return self._by_uuid.get(uuid)

    def instances(self, meeting_id: int) -> list[Meeting]:
        """Every instance of a meeting ID, oldest first (recorded or not, trashed or not)."""
        return list(self._by_id.get(meeting_id, []))

    def file(self, file_id: str) -> tuple[Meeting, RecordingFile] | None:
        return self._files.get(file_id)

    def _resolve(self, key: object) -> Meeting:
        if isinstance(key, Meeting):
            return key
        if isinstance(key, int) and key in self._by_id:
            return self._by_id[key][-1]
        if isinstance(key, str):
            hit = self._by_uuid.get(key) or (self._files[key][0] if key in self._files else None)
            if hit is None and key in self._tags:
                hit = self.find(key)
            if hit is not None:
                return hit
        raise KeyError(f"no meeting, file or tag {key!r} in this scenario")

    def meeting_language(self, key: object) -> str:
        """Language of a meeting given the Meeting, its uuid or ID, a file id, or a tag."""
        return self._resolve(key).language

    def listed(self, host_id: str | None, start: datetime, end: datetime) -> list[Meeting]:
        """Recorded, non-trashed meetings with ``start <= start_time < end``, newest first."""
        key = host_id or "*"
        meetings, starts = self._listed.get(key, []), self._starts.get(key, [])
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        return meetings[lo:hi][::-1]

    def trashed(self, host_id: str | None) -> list[Meeting]:
        found = [m for m in self.meetings if m.trashed and host_id in (None, m.host_id)]
        return sorted(found, key=lambda m: m.start_time, reverse=True)

    # -- content -------------------------------------------------------------------------------

    def script(self, meeting: Meeting) -> list[ScriptWord]:
        if meeting.silent:
            return []
        return _script(meeting.seed, meeting.language, meeting.speakers, meeting.duration_s * 1000)

    def file_words(self, file_id: str) -> list[ScriptWord]:
        """What a transcriber hears in a media file (participant files hold one voice)."""
        meeting, f = self._require(file_id)
        words = self.script(meeting)
        if f.span_ms is not None:
            words = span_words(words, f.span_ms)
        return [w for w in words if w.speaker == f.speaker] if f.speaker else words

    def duration_ms(self, f: RecordingFile, meeting: Meeting) -> int:
        """How long the file's recording runs (a segment's span, else the meeting)."""
        if f.span_ms is not None:
            return f.span_ms[1] - f.span_ms[0]
        return meeting.duration_s * 1000

    def expected_words(self, file_id: str) -> list[tuple[str, int, int, str]]:
        """(text, start_ms, end_ms, speaker_name) of every word a transcript of the file holds."""
        return [(w.text, w.start, w.end, w.speaker) for w in self.file_words(file_id)]

    def file_size(self, f: RecordingFile, meeting: Meeting) -> int:
        if f.file_type == "MP4":
            return self.duration_ms(f, meeting) // 1000 * self.mp4_bytes_per_second
        if f.file_type == "M4A":
            return self.duration_ms(f, meeting) // 1000 * self.m4a_bytes_per_second
        return len(self.text_content(f.id))

    def text_content(self, file_id: str) -> bytes:
        """The bytes of a non-media file (TIMELINE, TRANSCRIPT, CC, CHAT, SUMMARY), cached."""
        cached = self._text_cache.get(file_id)
        if cached is None:
            from .zoom_files import render_text_file

            meeting, f = self._require(file_id)
            cached = render_text_file(self, meeting, f)
            self._text_cache[file_id] = cached
        return cached

    def _require(self, file_id: str) -> tuple[Meeting, RecordingFile]:
        hit = self._files.get(file_id)
        if hit is None:
            raise KeyError(f"no recording file {file_id!r} in this scenario")
        return hit

    # -- construction and persistence ----------------------------------------------------------

    @classmethod
    def builtin(
        cls,
        anchor: date | None = None,
        *,
        m4a_bytes_per_second: int = 16_000,
        mp4_bytes_per_second: int = 64_000,
        processing_ready_after: float = 30.0,
    ) -> Scenario:
        """The hand-made data set: see ``builtin.py`` for the meetings and their tags."""
        from .builtin import builtin_scenario

        return builtin_scenario(
            anchor or datetime.now(UTC).date(),
            m4a_bytes_per_second=m4a_bytes_per_second,
            mp4_bytes_per_second=mp4_bytes_per_second,
            processing_ready_after=processing_ready_after,
        )

    @classmethod
    def generate(
        cls,
        n_meetings: int,
        *,
        n_users: int = 10,
        seed: int = 0,
        start: date | None = None,
        end: date | None = None,
        languages: tuple[str, ...] = ("en", "es", "de", "ja"),
        min_minutes: int = 2,
        max_minutes: int = 60,
        video: bool = True,
        timeline: bool = False,
        m4a_bytes_per_second: int = 16_000,
        mp4_bytes_per_second: int = 64_000,
    ) -> Scenario:
        """``n_meetings`` single-instance meetings over ``[start, end]`` (default: the last year
        up to today), hosts spread over ``n_users`` active users; each has an M4A, plus an MP4
        when ``video`` and a TIMELINE when ``timeline``. Scripts are generated only when asked."""
        from .builtin import generate_scenario

        return generate_scenario(
            n_meetings, n_users=n_users, seed=seed, start=start, end=end, languages=languages,
            min_minutes=min_minutes, max_minutes=max_minutes, video=video, timeline=timeline,
            m4a_bytes_per_second=m4a_bytes_per_second, mp4_bytes_per_second=mp4_bytes_per_second,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "account_id": self.account_id,
            "anchor": self.anchor.isoformat(),
            "owner_id": self.owner_id,
            "m4a_bytes_per_second": self.m4a_bytes_per_second,
            "mp4_bytes_per_second": self.mp4_bytes_per_second,
            "processing_ready_after": self.processing_ready_after,
            "users": [asdict(u) for u in self.users],
            "meetings": [_meeting_json(m) for m in self.meetings],
        }

    def dump(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scenario:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a scenario file (expected format {FORMAT!r})")
        return cls(
            [User(**u) for u in data["users"]],
            [_meeting_from_json(m) for m in data["meetings"]],
            account_id=data["account_id"],
            anchor=date.fromisoformat(data["anchor"]),
            owner_id=data.get("owner_id"),
            m4a_bytes_per_second=data.get("m4a_bytes_per_second", 16_000),
            mp4_bytes_per_second=data.get("mp4_bytes_per_second", 64_000),
            processing_ready_after=data.get("processing_ready_after", 30.0),
        )

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def _meeting_json(m: Meeting) -> dict[str, Any]:
    data = asdict(m)
    data["start_time"] = m.start_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    return data


def _meeting_from_json(data: dict[str, Any]) -> Meeting:
    data = dict(data)
    data["start_time"] = datetime.strptime(data["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC
    )
    for key in ("files", "participant_files"):
        data[key] = tuple(
            RecordingFile(**{**f, "span_ms": tuple(f["span_ms"]) if f.get("span_ms") else None})
            for f in data.get(key, ()))
    for key in ("speakers", "tags"):
        data[key] = tuple(data.get(key, ()))
    return Meeting(**data)


__all__ = ["Meeting", "RecordingFile", "Scenario", "User"]
