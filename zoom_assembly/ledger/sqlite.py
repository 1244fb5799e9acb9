"""The SQLite backend: one file per output folder, the embedded default.

One connection per ledger, serialised by a lock, so a ledger may be shared by threads; other
processes open their own. WAL mode, ``synchronous = FULL``, ``BEGIN IMMEDIATE`` transactions.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from zoom_assembly.errors import LedgerLost, OutputError

from .rows import MIGRATIONS, SCHEMA_VERSION, schema_statements

_TYPES = {"integer": "INTEGER", "real": "REAL"}


class _Session:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        return self._conn.execute(sql, params).rowcount

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, object]]:
        return [dict(r) for r in self._conn.execute(sql, params).fetchall()]


class SqliteStore:
    """The ledger file at ``path`` (its folder is created unless ``readonly``)."""

    order_tiebreak = "rowid"
    differs = "IS NOT"

    def __init__(self, path: Path, *, busy_timeout: float = 30.0, readonly: bool = False) -> None:
        self.path = path
        self.where = str(path)
        self._lock = threading.RLock()
        if readonly:
            self._conn = self._connect_readonly()
            self._identity = None
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

    # --- the file under us --------------------------------------------------------------------

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

    # --- opening ------------------------------------------------------------------------------

    def _too_new(self, version: int) -> OutputError:
        return OutputError(
            f"The ledger at {self.path} was written by a newer transcribe-zoom "
            f"(schema {version}); upgrade transcribe-zoom.",
            code="ledger_too_new",
        )

    def _connect_readonly(self) -> sqlite3.Connection:
        # mode=ro still needs the -shm file of a WAL database; in a read-only folder, where
        # nobody can be writing, fall back to immutable=1.
        uri = self.path.resolve().as_uri()
        for flags in ("mode=ro", "immutable=1"):
            conn = sqlite3.connect(f"{uri}?{flags}", uri=True, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                columns = {r[1] for r in conn.execute("PRAGMA table_info(recordings)")}
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
                raise self._too_new(version)
            if "claimed_by" not in columns:  # an older schema, read as it is: no claims yet
                conn.execute("CREATE TEMP VIEW recordings AS SELECT *, NULL AS claimed_by,"
                             " NULL AS lease_until" + self._decision_columns(columns) +
                             " FROM main.recordings")
            return conn
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _decision_columns(columns: set[str]) -> str:
        if "transcript_source" in columns:
            return ""
        return ", NULL AS transcript_source, NULL AS decision_reason"

    def _setup(self, conn: sqlite3.Connection, busy_timeout: float) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._enable_wal(conn, busy_timeout)
        # FULL, not NORMAL: a claim lost to a power cut would let a rerun pay for the same
        # audio twice; the cost is one fsync per transition, nothing next to a network call.
        conn.execute("PRAGMA synchronous = FULL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        with self.transaction():
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise self._too_new(version)
            if version == 0:
                for statement in schema_statements(**_TYPES):
                    conn.execute(statement)
            else:
                for step in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step]:
                        conn.execute(statement.format(real="REAL"))
                conn.execute(schema_statements(**_TYPES)[-1])  # webhook_events, when missing
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

    # --- sessions -----------------------------------------------------------------------------

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
    def session(self) -> Iterator[_Session]:
        with self._locked() as conn:
            yield _Session(conn)

    @contextmanager
    def transaction(self) -> Iterator[_Session]:
        # IMMEDIATE takes the write lock up front, so busy_timeout applies instead of failing
        # on a read-to-write upgrade.
        with self._locked() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Session(conn)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
