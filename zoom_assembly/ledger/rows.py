"""What the ledger stores, whatever the backend: the schema, entries, rows, and scrubbing.

Nothing secret is stored: URLs lose their query string and credentials, and error messages are
scrubbed of token-looking values even though the pipeline passes redacted text already.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from zoom_assembly.models import MeetingInfo, iso_utc
from zoom_assembly.redact import redact
from zoom_assembly.redact import url_key as url_key  # the one URL key, re-exported

# 3 adds the claim's owner and lease (claimed_by, lease_until), so that a second live process
# never takes a row another one is submitting.
SCHEMA_VERSION = 3
STATES = ("pending", "submitting", "submitted", "completed", "failed", "skipped")
SOURCES = ("zoom", "file")
MAX_MESSAGE_CHARS = 2000

# Column types differ by backend ({int}: SQLite INTEGER, PostgreSQL BIGINT — Zoom meeting ids
# have 11 digits; {real}: REAL / DOUBLE PRECISION); everything else is written once.
_RECORDINGS = """
CREATE TABLE IF NOT EXISTS recordings (
    {seq}recording_file_id TEXT PRIMARY KEY,
    source TEXT NOT NULL CHECK (source IN {sources}),
    meeting_uuid TEXT, meeting_id {int}, topic TEXT, start_time TEXT, host TEXT,
    file_type TEXT, file_size {int},
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN {states}),
    transcript_id TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT, error_message TEXT,
    audio_url_key TEXT,  -- never a query string: see url_key()
    outputs TEXT,  -- JSON object, format -> path
    audio_duration {real}, language_code TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, submitted_at TEXT, completed_at TEXT,
    transcript_source TEXT, decision_reason TEXT,  -- which source, and why (schema 2)
    claimed_by TEXT, lease_until {real}  -- who is submitting, until when (schema 3)
);
CREATE INDEX IF NOT EXISTS recordings_state ON recordings (state);
CREATE INDEX IF NOT EXISTS recordings_audio_url_key ON recordings (audio_url_key);
"""

# Webhook deliveries the service accepted (``serve``): one row per event, counted per delivery,
# so a duplicate is recognised and answered without doing anything again. Not versioned with
# the recordings table: it is created when missing and older readers never look at it.
EVENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_events (
    event_key TEXT PRIMARY KEY,  -- digest of the event name, meeting uuid and file ids
    event TEXT NOT NULL, meeting_uuid TEXT, event_ts BIGINT,
    deliveries INTEGER NOT NULL DEFAULT 1,
    received_at TEXT NOT NULL, last_received_at TEXT NOT NULL
)
"""

# Schema n -> n + 1, the same statements on both backends.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE recordings ADD COLUMN transcript_source TEXT",
        "ALTER TABLE recordings ADD COLUMN decision_reason TEXT"),
    2: ("ALTER TABLE recordings ADD COLUMN claimed_by TEXT",
        "ALTER TABLE recordings ADD COLUMN lease_until {real}"),
}


def schema_statements(*, integer: str, real: str, seq: str = "") -> list[str]:
    """The statements creating the tables of the current schema, for one backend's types."""
    text = _RECORDINGS.format(seq=seq, int=integer, real=real, sources=SOURCES, states=STATES)
    return [s for s in text.split(";") if s.strip()] + [EVENTS_SCHEMA]


METADATA = ("meeting_uuid", "meeting_id", "topic", "start_time", "host", "file_type", "file_size")
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+")


def ledger_path(out_dir: Path) -> Path:
    """Where the ledger of an output folder lives: ``<out>/.transcribe-zoom/ledger.sqlite``."""
    return Path(out_dir) / ".transcribe-zoom" / "ledger.sqlite"


def scrub(message: str) -> str:
    """Defensive redaction: URLs with a query lose it (:func:`url_key`), then :func:`redact`
    masks known secrets and every :data:`~zoom_assembly.redact.SECRET_PARAMS` value."""
    return redact(_URL.sub(_scrub_url, message))[:MAX_MESSAGE_CHARS]


def _scrub_url(match: re.Match[str]) -> str:
    url = match.group(0)
    trailing = url[len(url.rstrip(".,;:!)]")) :]
    return url_key(url[: len(url) - len(trailing)]) + trailing if "?" in url else url


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class LedgerEntry:
    """Metadata of one recording file, as :meth:`Ledger.ensure` records it."""

    recording_file_id: str
    source: str = "zoom"
    meeting_uuid: str | None = None
    meeting_id: int | None = None
    topic: str | None = None
    start_time: str | None = None  # ISO 8601 UTC
    host: str | None = None  # email or user id
    file_type: str | None = None
    file_size: int | None = None

    @classmethod
    def for_meeting(
        cls,
        meeting: MeetingInfo,
        recording_file_id: str,
        *,
        file_type: str | None = None,
        file_size: int | None = None,
        source: str = "zoom",
    ) -> LedgerEntry:
        """An entry for one recording file of a Zoom meeting instance."""
        host = meeting.host_email or meeting.host_id
        return cls(
            recording_file_id, source, meeting.uuid, meeting.id, meeting.topic,
            iso_utc(meeting.start_time), host, file_type, file_size,
        )  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One ledger row; ``outputs`` maps format to the path written. ``claimed_by`` and
    ``lease_until`` (epoch seconds) name the process submitting a ``submitting`` row."""

    recording_file_id: str
    source: str
    meeting_uuid: str | None
    meeting_id: int | None
    topic: str | None
    start_time: str | None
    host: str | None
    file_type: str | None
    file_size: int | None
    state: str
    transcript_id: str | None
    attempts: int
    error_code: str | None
    error_message: str | None
    audio_url_key: str | None
    outputs: dict[str, str] = field(hash=False)
    audio_duration: float | None
    language_code: str | None
    created_at: str
    updated_at: str
    submitted_at: str | None
    completed_at: str | None
    transcript_source: str | None = None
    decision_reason: str | None = None
    claimed_by: str | None = None
    lease_until: float | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, object]) -> Row:
        values = {name: row[name] for name in COLUMNS}
        outputs = values["outputs"]
        values["outputs"] = json.loads(outputs) if isinstance(outputs, str) and outputs else {}
        return cls(**values)  # type: ignore[arg-type]


COLUMNS = tuple(Row.__dataclass_fields__)
SELECT_COLUMNS = ", ".join(COLUMNS)


@dataclass(frozen=True)
class Summary:
    """Counts by state, audio hours transcribed, and the failed rows (with code and message)."""

    counts: dict[str, int]
    total: int
    completed_audio_hours: float
    failures: list[Row] = field(default_factory=list)
