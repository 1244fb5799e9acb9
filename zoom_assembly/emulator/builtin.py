"""The built-in data set and the bulk generator behind ``Scenario.builtin`` / ``Scenario.generate``.

Identifiers come from a fixed seed, so they are the same on every machine and every day; only the
dates move with the anchor day (default: today, UTC), so the demo always has recent meetings.
"""

from __future__ import annotations

import base64
import random
import uuid as uuidlib
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from .scenario import Meeting, RecordingFile, Scenario, User
from .scripts import SPEAKER_NAMES

_KINDS = {
    "MP4": ("MP4", "shared_screen_with_speaker_view", "MP4"),
    "GALLERY": ("MP4", "gallery_view", "MP4"),
    "M4A": ("M4A", "audio_only", "M4A"),
    "TIMELINE": ("TIMELINE", "timeline", "JSON"),
    "TRANSCRIPT": ("TRANSCRIPT", "audio_transcript", "VTT"),
    "CC": ("CC", "closed_caption", "VTT"),
    "CHAT": ("CHAT", "chat_file", "TXT"),
    "SUMMARY": ("SUMMARY", "summary", "JSON"),
}


class _Ids:
    """Deterministic Zoom-looking identifiers."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def b64(self, n: int = 16) -> str:
        return base64.b64encode(self.rng.randbytes(n)).decode()

    def meeting_uuid(self, plain: bool = False) -> str:
        value = self.b64()
        while plain and ("/" in value or "+" in value):
            value = self.b64()
        return value

    def user_id(self) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(16)).decode().rstrip("=")

    def file_id(self) -> str:
        return str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))

    def meeting_id(self) -> int:
        return self.rng.randint(81_000_000_000, 89_999_999_999)

    def seed(self) -> int:
        return self.rng.getrandbits(32)

    def passcode(self) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(24)).decode()

    def files(self, kinds: str, processing: bool = False) -> tuple[RecordingFile, ...]:
        result = []
        for kind in kinds.split():
            file_type, recording_type, ext = _KINDS[kind]
            media = file_type in ("MP4", "M4A")
            result.append(
                RecordingFile(self.file_id(), file_type, recording_type, ext, processing and media)
            )
        return tuple(result)


def _at(anchor: date, days_ago: int, hh: int, mm: int) -> datetime:
    return datetime.combine(anchor - timedelta(days=days_ago), time(hh, mm), tzinfo=UTC)


def builtin_scenario(
    anchor: date,
    *,
    m4a_bytes_per_second: int = 16_000,
    mp4_bytes_per_second: int = 64_000,
    processing_ready_after: float = 30.0,
) -> Scenario:
    ids = _Ids(20240816)
    account_id = ids.user_id()
    people = {
        "maya": User(ids.user_id(), "maya.chen@example.com", "Maya", "Chen", pmi=5550100001,
                     timezone="America/Los_Angeles", dept="Product"),
        "diego": User(ids.user_id(), "diego.ramirez@example.com", "Diego", "Ramírez",
                      pmi=5550100002, timezone="Europe/Madrid", dept="Ventas"),
        "lena": User(ids.user_id(), "lena.fischer@example.com", "Lena", "Fischer", pmi=5550100003,
                     timezone="Europe/Berlin", dept="Engineering"),
        "haruto": User(ids.user_id(), "haruto.sato@example.com", "Haruto", "Sato", pmi=5550100004,
                       timezone="Asia/Tokyo", dept="開発"),
        "omar": User(ids.user_id(), "omar.haddad@example.com", "Omar", "Haddad", status="inactive",
                     pmi=5550100005, timezone="Europe/London", dept="Partnerships"),
        "priya": User(ids.user_id(), "priya.nair@example.com", "Priya", "Nair", status="pending",
                      type=1, timezone="Asia/Kolkata"),
    }
    en, es, de, ja = (SPEAKER_NAMES[k] for k in ("en", "es", "de", "ja"))
    omar_voices = ("Omar Haddad", *en[1:3])
    meetings: list[Meeting] = []

    def add(host: str, topic: str, when: datetime, minutes: float, language: str,
            speakers: tuple[str, ...], kinds: str, *tags: str, uuid: str = "",
            meeting_id: int = 0, type: int = 2, recorded: bool = True, silent: bool = False,
            trashed: bool = False) -> Meeting:
        user = people[host]
        meeting = Meeting(
            uuid=uuid or ids.meeting_uuid(plain=bool(tags)), id=meeting_id or ids.meeting_id(),
            host_id=user.id, topic=topic, start_time=when, duration_s=int(minutes * 60),
            language=language, speakers=speakers, seed=ids.seed(), type=type,
            timezone=user.timezone, files=ids.files(kinds, processing="processing" in tags),
            tags=tags, trashed=trashed, recorded=recorded, silent=silent,
            password=str(ids.rng.randint(100000, 999999)), passcode=ids.passcode(),
        )
        meetings.append(meeting)
        return meeting

    full = "MP4 M4A TIMELINE TRANSCRIPT CHAT SUMMARY"
    add("maya", "Quarterly Planning Review", _at(anchor, 2, 16, 0), 12, "en", en[:4], full,
        "english", "zoom_transcript")
    add("diego", "Revisión semanal de ventas", _at(anchor, 3, 9, 30), 9, "es", es[:3],
        "MP4 M4A TIMELINE", "spanish")
    add("lena", "Sprint-Planung Team Nord", _at(anchor, 4, 8, 0), 8, "de", de[:3],
        "MP4 M4A TIMELINE", "german")
    add("haruto", "週次定例ミーティング", _at(anchor, 6, 1, 0), 7, "ja", ja[:2],
        "M4A MP4 TIMELINE", "japanese")
    sync_id = ids.meeting_id()
    for days in (29, 22, 15, 8, 1):
        if days == 15:
            add("maya", "Weekly Product Sync", _at(anchor, days, 17, 0), 5, "en", en[:3], "",
                "recurring_unrecorded", meeting_id=sync_id, type=8, recorded=False)
        else:
            add("maya", "Weekly Product Sync", _at(anchor, days, 17, 0), 5, "en", en[:3],
                "M4A MP4 TIMELINE", "recurring", meeting_id=sync_id, type=8)
    add("maya", "Design Critique", _at(anchor, 5, 18, 0), 6, "en", (en[0], en[3]), "M4A MP4",
        "uuid_leading_slash", uuid="/" + ids.meeting_uuid(plain=True)[1:])
    tail = ids.meeting_uuid(plain=True)
    add("maya", "Customer Interview: Northwind", _at(anchor, 9, 20, 0), 4, "en", (en[0], en[4]),
        "M4A MP4", "uuid_double_slash", uuid=tail[:7] + "//" + tail[9:])
    add("maya", "All-Hands Town Hall", _at(anchor, 12, 17, 0), 15, "en", en, "MP4 GALLERY",
        "video_only")
    add("maya", "Incident Retro", _at(anchor, 0, 0, 1), 10, "en", en[:3], "M4A MP4 TIMELINE",
        "processing", "today")
    add("maya", "Board Prep", _at(anchor, 20, 15, 0), 20, "en", en[:2], "TRANSCRIPT CHAT",
        "zoom_transcript_only")
    add("maya", "Room Check", _at(anchor, 25, 14, 0), 3, "en", en[:2], "M4A MP4", "silent",
        silent=True)
    podcast = add("maya", "Podcast Recording: Episode 12", _at(anchor, 30, 19, 0), 8, "en",
                  (en[0], en[2], en[4]), "MP4 M4A TIMELINE", "participant_audio")
    meetings[-1] = replace(podcast, participant_files=tuple(
        RecordingFile(ids.file_id(), "M4A", "audio_only", "M4A", speaker=name,
                      file_name=f"Audio only - {name}")
        for name in podcast.speakers))
    add("maya", "Old Draft Meeting", _at(anchor, 16, 16, 0), 5, "en", en[:2], "M4A MP4", "trash",
        trashed=True)
    add("maya", "Architecture Deep Dive", _at(anchor, 45, 16, 0), 60, "en", en[:4],
        "MP4 M4A TIMELINE TRANSCRIPT", "long")
    add("omar", "Partner Onboarding", _at(anchor, 300, 13, 0), 14, "en", omar_voices,
        "MP4 M4A TIMELINE", "inactive_user")
    add("omar", "Reseller Check-in", _at(anchor, 330, 13, 0), 6, "en", omar_voices, "M4A MP4",
        "inactive_user")
    add("omar", "Annual Partner Summit", _at(anchor, 400, 15, 0), 35, "en", omar_voices,
        "MP4 M4A", "inactive_user", "over_a_year")
    filler = [("maya", "en", en, "Roadmap Review"), ("diego", "es", es, "Reunión de equipo"),
              ("lena", "de", de, "Abteilungsrunde"), ("haruto", "ja", ja, "プロジェクト進捗確認")]
    for n in range(16):
        host, language, names, topic = filler[n % len(filler)]
        kinds = "MP4 M4A TIMELINE TRANSCRIPT" if language == "en" and n % 3 == 0 else "MP4 M4A"
        add(host, f"{topic} #{n + 1}", _at(anchor, 35 + n * 24, 9 + n % 8, 15),
            ids.rng.randint(2, 60), language, names[: 2 + n % 4], kinds)
    # Zoom's own text (issue 12), added last so that every identifier above stays the same.
    # A TRANSCRIPT is Zoom's English-only engine: garbled English on the other languages.
    add("diego", "Planificación trimestral", _at(anchor, 7, 10, 0), 10, "es", es[:3],
        "M4A MP4 TRANSCRIPT", "spanish_zoom_transcript", "garbled_zoom_transcript")
    add("lena", "Quartalsplanung", _at(anchor, 10, 9, 0), 9, "de", de[:3],
        "M4A MP4 TRANSCRIPT", "german_zoom_transcript", "garbled_zoom_transcript")
    add("haruto", "四半期計画会議", _at(anchor, 11, 2, 0), 8, "ja", ja[:3],
        "M4A MP4 TRANSCRIPT", "japanese_zoom_transcript", "garbled_zoom_transcript")
    add("maya", "Customer Advisory Board", _at(anchor, 13, 16, 0), 11, "en", en[:3],
        "M4A MP4 CC", "english_captions")
    add("diego", "Formación de clientes", _at(anchor, 14, 11, 0), 7, "es", es[1:4],
        "M4A MP4 CC", "spanish_captions")
    late = add("maya", "Security Review", _at(anchor, 17, 15, 0), 9, "en", en[1:4],
               "M4A MP4 TRANSCRIPT", "late_zoom_transcript")
    meetings[-1] = replace(late, files=tuple(
        replace(f, late=True) if f.file_type == "TRANSCRIPT" else f for f in late.files))
    # Per-participant audio in a non-Latin script (issue 11), added last for the same reason:
    # three voices, plus a fourth participant who never unmuted (a file with no words), and
    # Zoom's file names spelled as some accounts show them ("<name>.m4a").
    panel = add("haruto", "設計レビュー", _at(anchor, 18, 3, 0), 6, "ja", ja[:3],
                "M4A MP4 TIMELINE", "participant_audio_ja")
    meetings[-1] = replace(panel, participant_files=tuple(
        RecordingFile(ids.file_id(), "M4A", "audio_only", "M4A", speaker=name,
                      file_name=f"{name}.m4a")
        for name in (*panel.speakers, ja[4])))
    return Scenario(
        people.values(), meetings, account_id=account_id, anchor=anchor,
        owner_id=people["maya"].id, m4a_bytes_per_second=m4a_bytes_per_second,
        mp4_bytes_per_second=mp4_bytes_per_second, processing_ready_after=processing_ready_after,
    )


def generate_scenario(
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
    """``n_meetings`` single-instance meetings over ``[start, end]`` (default: the last year).

    Each has an M4A (plus an MP4 when ``video``, a TIMELINE when ``timeline``); hosts are spread
    over ``n_users`` active users. Scripts are not generated until someone asks for them.
    """
    ids = _Ids(seed)
    end = end or datetime.now(UTC).date()
    start = start or end - timedelta(days=365)
    span = max(1, int((end - start).total_seconds()) + 86_400 - 3_600)
    first = datetime.combine(start, time(0, 0), tzinfo=UTC)
    users = [
        User(ids.user_id(), f"user{i:04d}@example.com", "User", f"{i:04d}", pmi=5551000000 + i)
        for i in range(1, n_users + 1)
    ]
    kinds = "M4A" + (" MP4" if video else "") + (" TIMELINE" if timeline else "")
    meetings = []
    rng = ids.rng
    for n in range(n_meetings):
        language = languages[n % len(languages)]
        names = SPEAKER_NAMES.get(language, SPEAKER_NAMES["en"])
        meetings.append(
            Meeting(
                uuid=ids.meeting_uuid(),
                id=ids.meeting_id(),
                host_id=users[rng.randrange(n_users)].id,
                topic=f"Generated meeting {n + 1}",
                start_time=first + timedelta(seconds=rng.randrange(span)),
                duration_s=rng.randint(min_minutes * 60, max_minutes * 60),
                language=language,
                speakers=names[: rng.randint(2, 5)],
                seed=ids.seed(),
                files=ids.files(kinds),
            )
        )
    return Scenario(
        users, meetings, account_id=ids.user_id(), anchor=end,
        m4a_bytes_per_second=m4a_bytes_per_second, mp4_bytes_per_second=mp4_bytes_per_second,
    )
