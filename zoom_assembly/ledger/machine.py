"""The ledger's state machine, written once over a small backend interface (SQLite, PostgreSQL).

One row per recording file, so a rerun never pays for the same audio twice. States::

    pending -> submitting -> submitted -> completed
                  |              |
                  +--> failed <--+      pending|failed -> skipped

``submitting`` is committed *before* the network submit. Each transition is one conditional
``UPDATE ... WHERE state IN (...)``, so two threads, processes or machines can never both claim
a row; a transition from a state it does not allow changes nothing and returns False.

A claim carries its owner (one id per :class:`Ledger`, so per process) and a lease, renewed by
a background thread while the owner lives. A row found in ``submitting`` is reconciled against
AssemblyAI (and maybe resubmitted) only by whoever takes it over with :meth:`Ledger.take_over`,
which succeeds only once its lease has run out: a crashed run's claim, never a live one's.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import suppress
from pathlib import Path

from .deliveries import Deliveries
from .leases import Leases, lease_seconds_from_env
from .rows import (
    METADATA,
    SELECT_COLUMNS,
    SOURCES,
    STATES,
    LedgerEntry,
    Row,
    Summary,
    now_iso,
    scrub,
    url_key,
)
from .store import Store


class Ledger(Leases, Deliveries):
    """The state machine over one backend. Thread-safe, and safe across processes/machines.

    ``Ledger(path)`` opens (creating) a SQLite file; :func:`~zoom_assembly.ledger.open_ledger`
    chooses the backend from ``--ledger``. Transition methods return True when they changed the
    row and False when the row is missing or in a state that does not allow the transition.
    ``lease_seconds``: how long a claim survives its owner; ``renew_every`` (default a third of
    it; 0 for none) how often a live owner renews its claims; ``wall`` the clock of leases.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        busy_timeout: float = 30.0,
        clock: Callable[[], str] = now_iso,
        readonly: bool = False,
        store: Store | None = None,
        lease_seconds: float | None = None,
        renew_every: float | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if store is None:
            from .sqlite import SqliteStore

            if path is None:
                raise ValueError("a Ledger needs a path or a store")
            store = SqliteStore(Path(path), busy_timeout=busy_timeout, readonly=readonly)
        self.store = store
        self.path = Path(path) if path is not None else None
        self._clock = clock
        self._wall = wall
        self._readonly = readonly
        self.lease_seconds = lease_seconds if lease_seconds else lease_seconds_from_env()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        every = self.lease_seconds / 3 if renew_every is None else renew_every
        if every > 0 and not readonly:
            self._renewer = threading.Thread(target=self._renew_loop, args=(every,),
                                             name="transcribe-zoom-lease", daemon=True)
            self._renewer.start()

    @property
    def where(self) -> str:
        """The ledger's file, or its URL without the password."""
        return self.store.where

    @classmethod
    def open(
        cls, out_dir: Path, *, busy_timeout: float = 30.0, clock: Callable[[], str] = now_iso
    ) -> Ledger:
        """Open (creating if needed) the SQLite ledger of an output folder."""
        from .rows import ledger_path

        return cls(ledger_path(out_dir), busy_timeout=busy_timeout, clock=clock)

    @classmethod
    def open_readonly(cls, out_dir: Path) -> Ledger:
        """The existing SQLite ledger of an output folder, for reading only (``status``):
        nothing is created or changed, so it works on a read-only file or folder."""
        from .rows import ledger_path

        return cls(ledger_path(out_dir), readonly=True)

    def check_same_file(self) -> None:
        """Raise :class:`~zoom_assembly.errors.LedgerLost` when the SQLite file this ledger
        opened was deleted, emptied or replaced since (nothing to check on a server)."""
        self.store.check_same_file()

    def close(self) -> None:
        """Stop renewing leases, release the claims still held (a run that ends submits
        nothing more, so the next one may reconcile them at once instead of waiting for the
        lease to run out) and close the connections; further calls fail."""
        self._stop.set()
        if self._renewer is not None and self._renewer is not threading.current_thread():
            self._renewer.join(5)
        if not self._readonly:
            with suppress(Exception):  # a dead connection: the leases run out by themselves
                self._release_all()
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------------

    def _select(self, where: str = "", params: Sequence[object] = ()) -> list[Row]:
        sql = (f"SELECT {SELECT_COLUMNS} FROM recordings {where}"
               f" ORDER BY start_time IS NULL, start_time, {self.store.order_tiebreak}")
        with self.store.session() as db:
            return [Row.from_mapping(r) for r in db.query(sql, params)]

    def get(self, recording_file_id: str) -> Row | None:
        """The row of a recording file, or None."""
        rows = self._select("WHERE recording_file_id = ?", (recording_file_id,))
        return rows[0] if rows else None

    def rows(self, states: Collection[str] | None = None) -> list[Row]:
        """All rows (or those in ``states``), oldest meeting first."""
        if states is None:
            return self._select()
        states = _checked_states(states)
        return self._select(f"WHERE state IN ({_marks(states)})", tuple(states))

    def in_flight(self) -> list[Row]:
        """Submitted rows: resume polling them by transcript id."""
        return self.rows(["submitted"])

    def unreconciled(self) -> list[Row]:
        """Rows claimed but not known to be submitted: reconcile them by ``audio_url_key``."""
        return self.rows(["submitting"])

    def counts(self) -> dict[str, int]:
        """Number of rows in every state (zeros included)."""
        with self.store.session() as db:
            found = db.query("SELECT state, COUNT(*) AS n FROM recordings GROUP BY state")
        return dict.fromkeys(STATES, 0) | {str(r["state"]): int(str(r["n"])) for r in found}

    def summary(self) -> Summary:
        """Counts, completed audio hours, and failures, for ``transcribe-zoom status``."""
        counts = self.counts()
        with self.store.session() as db:
            found = db.query("SELECT COALESCE(SUM(audio_duration), 0) AS seconds"
                             " FROM recordings WHERE state = 'completed'")
        hours = round(float(str(found[0]["seconds"])) / 3600, 3)
        return Summary(counts, sum(counts.values()), hours, self.rows(["failed"]))

    # --- writing ----------------------------------------------------------------------------

    def ensure(self, entry: LedgerEntry) -> Row:
        """Insert a new row as pending, or refresh metadata of an existing one (never its state)."""
        if entry.source not in SOURCES:
            raise ValueError(f"Unknown source {entry.source!r}; use one of {SOURCES}.")
        values = [getattr(entry, name) for name in METADATA]
        now = self._clock()
        refresh = ", ".join(f"{n} = COALESCE(excluded.{n}, recordings.{n})" for n in METADATA)
        changed = " OR ".join(
            f"(excluded.{n} IS NOT NULL AND excluded.{n} {self.store.differs} recordings.{n})"
            for n in METADATA
        )
        self.check_same_file()
        with self.store.transaction() as db:
            db.execute(
                f"INSERT INTO recordings (recording_file_id, source, {', '.join(METADATA)},"
                f" created_at, updated_at) VALUES ({_marks(range(len(METADATA) + 4))})"
                f" ON CONFLICT (recording_file_id) DO UPDATE SET {refresh},"
                f" updated_at = excluded.updated_at WHERE {changed}",
                [entry.recording_file_id, entry.source, *values, now, now],
            )
            found = db.query(f"SELECT {SELECT_COLUMNS} FROM recordings"
                             " WHERE recording_file_id = ?", (entry.recording_file_id,))
        return Row.from_mapping(found[0])

    def _update(self, sets: Mapping[str, object], where: str, params: Sequence[object],
                extra_sets: Sequence[str] = ()) -> bool:
        assignments = [f"{name} = ?" for name in sets] + list(extra_sets)
        self.check_same_file()
        with self.store.session() as db:
            changed = db.execute(f"UPDATE recordings SET {', '.join(assignments)} WHERE {where}",
                                 [*sets.values(), *params])
        return changed == 1

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
        if state != "submitting":  # the claim ends with the state that holds it
            changes |= {"claimed_by": None, "lease_until": None}
        extra = ["attempts = attempts + 1"] if state == "submitting" else []
        from_states = [*_ALLOWED_FROM[state], *also_from]
        return self._update(
            changes, f"recording_file_id = ? AND state IN ({_marks(from_states)})",
            [recording_file_id, *from_states], extra)

    def claim_for_submit(
        self, recording_file_id: str, audio_url_key: str, *, allow_failed: bool = False
    ) -> bool:
        """pending (or failed, with ``allow_failed``) -> submitting, attempts + 1, committed,
        owned by this ledger with a lease.

        Call before the network submit; False means another worker has it or it is done.
        """
        also = ("failed",) if allow_failed else ()
        values = {"audio_url_key": url_key(audio_url_key), "claimed_by": self.owner,
                  "lease_until": self._wall() + self.lease_seconds}
        return self._move(recording_file_id, "submitting", values, also_from=also)

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
        return self._update(
            {"transcript_source": source, "decision_reason": scrub(reason),
             "updated_at": self._clock()}, "recording_file_id = ?", [recording_file_id])

    def reset_to_pending(self, recording_file_id: str) -> bool:
        """Back to pending to be claimed again (keeps attempts); never undoes a completion."""
        return self._move(recording_file_id, "pending")


def _marks(values: Collection[object]) -> str:
    return ", ".join("?" * len(values))


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

