"""SQLite ledger: one row per recording file, so a rerun never pays for the same audio twice.

The ledger records decisions; the pipeline makes them. States::

    pending -> submitting -> submitted -> completed
                  |              |
                  +--> failed <--+      pending|failed -> skipped

``submitting`` is committed *before* the network submit, so after a crash a row left there is
reconciled against AssemblyAI's transcript list (by ``audio_url_key``) instead of resubmitted.
Each transition is one conditional ``UPDATE ... WHERE state IN (...)`` in its own transaction,
so two threads or processes can never both claim a row. A transition from a state it does not
allow changes nothing and returns False; callers decide what that means.

Nothing secret is stored: URLs lose their query string and credentials, and error messages are
scrubbed of token-looking values even though the pipeline passes redacted text already.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from zoom_assembly.errors import LedgerLost, OutputError
from zoom_assembly.models import MeetingInfo, iso_utc
from zoom_assembly.redact import redact
from zoom_assembly.redact import url_key as url_key  # the one URL key, re-exported

SCHEMA_VERSION = 2
STATES = ("pending", "submitting", "submitted", "completed", "failed", "skipped")
SOURCES = ("zoom", "file")
MAX_MESSAGE_CHARS = 2000

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS recordings (
    recording_file_id TEXT PRIMARY KEY,
    source TEXT NOT NULL CHECK (source IN {SOURCES}),
    meeting_uuid TEXT, meeting_id INTEGER, topic TEXT, start_time TEXT, host TEXT,
    file_type TEXT, file_size INTEGER,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN {STATES}),
    transcript_id TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT, error_message TEXT,
    audio_url_key TEXT,  -- never a query string: see url_key()
    outputs TEXT,  -- JSON object, format -> path
    audio_duration REAL, language_code TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, submitted_at TEXT, completed_at TEXT,
    transcript_source TEXT, decision_reason TEXT  -- which source, and why (schema 2)
);
CREATE INDEX IF NOT EXISTS recordings_state ON recordings (state);
CREATE INDEX IF NOT EXISTS recordings_audio_url_key ON recordings (audio_url_key);
"""

# Webhook deliveries the service accepted (``serve``): one row per event, counted per delivery,
# so a duplicate is recognised and answered without doing anything again. Not versioned with
# the recordings table: it is created when missing and older readers never look at it.
_EVENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_events (
    event_key TEXT PRIMARY KEY,  -- digest of the event name, meeting uuid and file ids
    event TEXT NOT NULL, meeting_uuid TEXT, event_ts INTEGER,
    deliveries INTEGER NOT NULL DEFAULT 1,
    received_at TEXT NOT NULL, last_received_at TEXT NOT NULL
)
"""

_METADATA = ("meeting_uuid", "meeting_id", "topic", "start_time", "host", "file_type", "file_size")
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
    """One ledger row; ``outputs`` maps format to the path written."""

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

    @classmethod
    def _from_sql(cls, row: sqlite3.Row) -> Row:
        values = dict(row)
        values["outputs"] = json.loads(values["outputs"]) if values["outputs"] else {}
        return cls(**values)


@dataclass(frozen=True)
class Summary:
    """Counts by state, audio hours transcribed, and the failed rows (with code and message)."""

    counts: dict[str, int]
    total: int
    completed_audio_hours: float
    failures: list[Row] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Ledger:
    """The ledger at ``path`` (its folder is created); thread-safe, and safe across processes.

    One connection per Ledger, serialised by a lock, so a Ledger may be shared by threads;
    other processes open their own. Transition methods return True when they changed the row
    and False when the row is missing or in a state that does not allow the transition.
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = 30.0,
        clock: Callable[[], str] = _now,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        if readonly:
            self._conn = self._connect_readonly()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"Cannot create {self.path.parent}: {(exc.strerror or str(exc)).lower()}; "
                "choose another --out folder."
            ) from exc
        try:
            self._conn = sqlite3.connect(
                self.path,
                timeout=busy_timeout,
                isolation_level=None,  # autocommit: multi-statement transactions are explicit
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self._translated(exc) from exc
        self._conn.row_factory = sqlite3.Row
        try:
            with self._locked() as conn:
                self._setup(conn, busy_timeout)
        except BaseException:
            self._conn.close()
            raise
        self._identity = self._file_identity()

    def _file_identity(self) -> tuple[int, int, bool] | None:
        """(device, inode, has content) of the ledger file, None when it is gone."""
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_dev, info.st_ino, info.st_size > 0

    def check_same_file(self) -> None:
        """Raise :class:`LedgerLost` when the file this ledger opened was deleted, emptied or
        replaced since: SQLite would go on writing to the old file without a word, and a
        rerun would then find no record of what was paid for."""
        now, then = self._file_identity(), self._identity
        if now is not None and then is not None and now[:2] == then[:2] and (now[2] or not then[2]):
            return
        raise LedgerLost(
            f"The ledger {self.path} was deleted, emptied or replaced while this run was using "
            "it, so the run stopped before paying for anything more; a rerun finds the jobs "
            "AssemblyAI already has and reuses them, never paying twice.",
        )

    @classmethod
    def open(
        cls, out_dir: Path, *, busy_timeout: float = 30.0, clock: Callable[[], str] = _now
    ) -> Ledger:
        """Open (creating if needed) the ledger of an output folder."""
        return cls(ledger_path(out_dir), busy_timeout=busy_timeout, clock=clock)

    @classmethod
    def open_readonly(cls, out_dir: Path) -> Ledger:
        """The existing ledger of an output folder, for reading only (``status``): nothing is
        created or changed, so it works on a read-only file or folder."""
        return cls(ledger_path(out_dir), readonly=True)

    def _connect_readonly(self) -> sqlite3.Connection:
        # mode=ro still needs the -shm file of a WAL database; in a read-only folder, where
        # nobody can be writing, fall back to immutable=1.
        uri = self.path.resolve().as_uri()
        for flags in ("mode=ro", "immutable=1"):
            conn = sqlite3.connect(f"{uri}?{flags}", uri=True, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.execute("SELECT count(*) FROM recordings").fetchone()
            except sqlite3.OperationalError as exc:
                conn.close()
                if flags == "mode=ro" and "no such table" not in str(exc):
                    continue
                raise self._translated(sqlite3.DatabaseError(str(exc))) from exc
            except sqlite3.Error as exc:
                conn.close()
                raise self._translated(exc) from exc
            if version > SCHEMA_VERSION:
                conn.close()
                raise OutputError(
                    f"The ledger at {self.path} was written by a newer transcribe-zoom "
                    f"(schema {version}); upgrade transcribe-zoom.",
                    code="ledger_too_new",
                )
            return conn
        raise AssertionError("unreachable")  # pragma: no cover

    def _setup(self, conn: sqlite3.Connection, busy_timeout: float) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._enable_wal(conn, busy_timeout)
        # FULL, not NORMAL: a claim lost to a power cut would let a rerun pay for the same
        # audio twice; the cost is one fsync per transition, nothing next to a network call.
        conn.execute("PRAGMA synchronous = FULL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            conn.execute(_EVENTS_SCHEMA)
            return
        with self._transaction():
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise OutputError(
                    f"The ledger at {self.path} was written by a newer transcribe-zoom "
                    f"(schema {version}); upgrade transcribe-zoom.",
                    code="ledger_too_new",
                )
            if version == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            elif version == 1:  # schema 2 adds the decision columns
                conn.execute("ALTER TABLE recordings ADD COLUMN transcript_source TEXT")
                conn.execute("ALTER TABLE recordings ADD COLUMN decision_reason TEXT")
            conn.execute(_EVENTS_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @staticmethod
    def _enable_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
        # Switching to WAL answers "locked" without calling the busy handler while another
        # process does the same on a new file, so wait here.
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                translated = self._translated(exc)
                if translated is exc:
                    raise
                raise translated from exc

    def _translated(self, exc: sqlite3.Error) -> Exception:
        if isinstance(exc, sqlite3.ProgrammingError | sqlite3.IntegrityError):
            return exc  # our bug, not the user's folder
        if isinstance(exc, sqlite3.OperationalError):
            return OutputError(
                f"Cannot use the ledger at {self.path}: {exc}; make the folder writable "
                "(not a network share) or choose another --out folder."
            )
        # A damaged or foreign file where the ledger should be: the user's folder, not a bug.
        return OutputError(
            f"The ledger at {self.path} is unusable ({exc}); move it aside and rerun.",
            code="ledger_unusable",
        )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so busy_timeout applies instead of failing
        # on a read-to-write upgrade.
        with self._locked() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection; further calls fail."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------------

    def _select(self, where: str = "", params: tuple[object, ...] = ()) -> list[Row]:
        sql = f"SELECT * FROM recordings {where} ORDER BY start_time IS NULL, start_time, rowid"
        with self._locked() as conn:
            return [Row._from_sql(r) for r in conn.execute(sql, params).fetchall()]

    def get(self, recording_file_id: str) -> Row | None:
        """The row of a recording file, or None."""
        rows = self._select("WHERE recording_file_id = ?", (recording_file_id,))
        return rows[0] if rows else None

    def rows(self, states: Collection[str] | None = None) -> list[Row]:
        """All rows (or those in ``states``), oldest meeting first."""
        if states is None:
            return self._select()
        states = _checked_states(states)
        marks = ",".join("?" * len(states))
        return self._select(f"WHERE state IN ({marks})", tuple(states))

    def in_flight(self) -> list[Row]:
        """Submitted rows: resume polling them by transcript id."""
        return self.rows(["submitted"])

    def unreconciled(self) -> list[Row]:
        """Rows claimed but not known to be submitted: reconcile them by ``audio_url_key``."""
        return self.rows(["submitting"])

    def counts(self) -> dict[str, int]:
        """Number of rows in every state (zeros included)."""
        with self._locked() as conn:
            found = conn.execute("SELECT state, COUNT(*) FROM recordings GROUP BY state")
            counts = dict.fromkeys(STATES, 0) | {s: n for s, n in found.fetchall()}
        return counts

    def summary(self) -> Summary:
        """Counts, completed audio hours, and failures, for ``transcribe-zoom status``."""
        counts = self.counts()
        with self._locked() as conn:
            seconds = conn.execute(
                "SELECT COALESCE(SUM(audio_duration), 0) FROM recordings WHERE state = 'completed'"
            ).fetchone()[0]
        hours = round(seconds / 3600, 3)
        return Summary(counts, sum(counts.values()), hours, self.rows(["failed"]))

    # --- writing ----------------------------------------------------------------------------

    def ensure(self, entry: LedgerEntry) -> Row:
        """Insert a new row as pending, or refresh metadata of an existing one (never its state)."""
        if entry.source not in SOURCES:
            raise ValueError(f"Unknown source {entry.source!r}; use one of {SOURCES}.")
        values = [getattr(entry, name) for name in _METADATA]
        now = self._clock()
        refresh = ", ".join(f"{n} = COALESCE(excluded.{n}, {n})" for n in _METADATA)
        changed = " OR ".join(
            f"(excluded.{n} IS NOT NULL AND excluded.{n} IS NOT {n})" for n in _METADATA
        )
        self.check_same_file()
        with self._transaction() as conn:
            conn.execute(
                f"INSERT INTO recordings (recording_file_id, source, {', '.join(_METADATA)},"
                f" created_at, updated_at) VALUES ({', '.join('?' * (len(_METADATA) + 4))})"
                f" ON CONFLICT (recording_file_id) DO UPDATE SET {refresh},"
                f" updated_at = excluded.updated_at WHERE {changed}",
                [entry.recording_file_id, entry.source, *values, now, now],
            )
            row = conn.execute(
                "SELECT * FROM recordings WHERE recording_file_id = ?", (entry.recording_file_id,)
            ).fetchone()
        return Row._from_sql(row)

    def _move(
        self,
        recording_file_id: str,
        state: str,
        values: Mapping[str, object] | None = None,
        also_from: Collection[str] = (),
    ) -> bool:
        # One conditional UPDATE: the WHERE on the current state is what makes claims exclusive.
        now = self._clock()
        changes = dict.fromkeys(_CLEARED.get(state, ()), None) | dict(values or {})
        changes |= {"state": state, "updated_at": now} | dict.fromkeys(_STAMPED.get(state, ()), now)
        sets = [f"{name} = ?" for name in changes]
        if state == "submitting":
            sets.append("attempts = attempts + 1")
        from_states = [*_ALLOWED_FROM[state], *also_from]
        marks = ",".join("?" * len(from_states))
        self.check_same_file()
        with self._locked() as conn:
            cursor = conn.execute(
                f"UPDATE recordings SET {', '.join(sets)}"
                f" WHERE recording_file_id = ? AND state IN ({marks})",
                [*changes.values(), recording_file_id, *from_states],
            )
        return cursor.rowcount == 1

    def claim_for_submit(
        self, recording_file_id: str, audio_url_key: str, *, allow_failed: bool = False
    ) -> bool:
        """pending (or failed, with ``allow_failed``) -> submitting, attempts + 1, committed.

        Call before the network submit; False means another worker has it or it is done.
        """
        also = ("failed",) if allow_failed else ()
        key = {"audio_url_key": url_key(audio_url_key)}
        return self._move(recording_file_id, "submitting", key, also_from=also)

    def mark_submitted(self, recording_file_id: str, transcript_id: str) -> bool:
        """submitting -> submitted with the transcript id (also after reconciliation)."""
        return self._move(recording_file_id, "submitted", {"transcript_id": transcript_id})

    def mark_completed(
        self,
        recording_file_id: str,
        outputs: Mapping[str, Path | str],
        language_code: str | None = None,
        audio_duration: float | None = None,
        transcript_id: str | None = None,
        *,
        free: bool = False,
    ) -> bool:
        """submitting|submitted -> completed; also rewrites the outputs of a completed row.

        ``transcript_id`` is for a row reconciled straight from submitting. ``free``: the
        transcript came from a source nobody pays (Zoom's own), so a pending or failed row may
        complete without a claim.
        """
        values: dict[str, object] = {
            "outputs": json.dumps({f: str(p) for f, p in outputs.items()}, sort_keys=True),
            "language_code": language_code,
            "audio_duration": audio_duration,
        }
        if transcript_id:
            values["transcript_id"] = transcript_id
        also = ("pending", "failed") if free else ()
        return self._move(recording_file_id, "completed", values, also_from=also)

    def mark_failed(self, recording_file_id: str, code: str, message: str) -> bool:
        """Any unfinished state -> failed, with a stable code and a (scrubbed) message."""
        error = {"error_code": code, "error_message": scrub(message)}
        return self._move(recording_file_id, "failed", error)

    def mark_skipped(self, recording_file_id: str, code: str, message: str) -> bool:
        """pending|failed -> skipped (e.g. no audio); never skips a row with a job in flight."""
        error = {"error_code": code, "error_message": scrub(message)}
        return self._move(recording_file_id, "skipped", error)

    def record_decision(self, recording_file_id: str, source: str, reason: str) -> bool:
        """Which transcript source the recording gets and why; never changes its state."""
        self.check_same_file()
        with self._locked() as conn:
            cursor = conn.execute(
                "UPDATE recordings SET transcript_source = ?, decision_reason = ?, updated_at = ?"
                " WHERE recording_file_id = ?",
                (source, scrub(reason), self._clock(), recording_file_id),
            )
        return cursor.rowcount == 1

    def record_event(
        self, event_key: str, event: str, meeting_uuid: str | None, event_ts: int | None
    ) -> bool:
        """Record one webhook delivery; True for the first delivery of ``event_key``, False
        for a duplicate (its delivery count goes up). Nothing secret is given or stored."""
        now = self._clock()
        self.check_same_file()
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO webhook_events (event_key, event, meeting_uuid, event_ts,"
                " received_at, last_received_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (event_key) DO NOTHING",
                (event_key, event, meeting_uuid, event_ts, now, now),
            )
            if cursor.rowcount == 1:
                return True
            conn.execute(
                "UPDATE webhook_events SET deliveries = deliveries + 1, last_received_at = ?"
                " WHERE event_key = ?", (now, event_key),
            )
        return False

    def record_events(
        self, events: Sequence[tuple[str, str, str | None, int | None]]
    ) -> list[bool]:
        """:meth:`record_event` for several deliveries in one transaction (one fsync for the
        lot: ``serve`` commits the deliveries that arrived together as a group)."""
        now = self._clock()
        self.check_same_file()
        firsts: list[bool] = []
        with self._transaction() as conn:
            for event_key, event, meeting_uuid, event_ts in events:
                cursor = conn.execute(
                    "INSERT INTO webhook_events (event_key, event, meeting_uuid, event_ts,"
                    " received_at, last_received_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (event_key) DO NOTHING",
                    (event_key, event, meeting_uuid, event_ts, now, now),
                )
                firsts.append(cursor.rowcount == 1)
                if cursor.rowcount != 1:
                    conn.execute(
                        "UPDATE webhook_events SET deliveries = deliveries + 1,"
                        " last_received_at = ? WHERE event_key = ?", (now, event_key),
                    )
        return firsts

    def event_deliveries(self) -> dict[str, int]:
        """event_key -> deliveries received, for every webhook event recorded."""
        with self._locked() as conn:
            rows = conn.execute("SELECT event_key, deliveries FROM webhook_events").fetchall()
        return {row[0]: row[1] for row in rows}

    def reset_to_pending(self, recording_file_id: str) -> bool:
        """Back to pending to be claimed again (keeps attempts); never undoes a completion."""
        return self._move(recording_file_id, "pending")


# Target state -> the states it may come from. ``completed`` is final.
_ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "pending": ("submitting", "submitted", "failed", "skipped"),
    "submitting": ("pending",),  # and failed, for --retry-failed
    "submitted": ("submitting",),
    "completed": ("submitting", "submitted", "completed"),
    "failed": ("pending", "submitting", "submitted", "failed"),
    "skipped": ("pending", "failed", "skipped"),
}
_CLEARED = {
    "pending": ("transcript_id", "submitted_at"),
    "submitting": ("transcript_id", "error_code", "error_message", "submitted_at"),
    "completed": ("error_code", "error_message"),
}
_STAMPED = {"submitted": ("submitted_at",), "completed": ("completed_at",)}


def _checked_states(states: Collection[str]) -> list[str]:
    unknown = set(states) - set(STATES)
    if unknown:
        raise ValueError(f"Unknown ledger state(s) {sorted(unknown)}; use {STATES}.")
    return list(states)
