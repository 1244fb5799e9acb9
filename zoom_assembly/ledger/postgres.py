"""The PostgreSQL backend (psycopg 3): one ledger shared by several processes or machines.

Each thread gets its own connection (the engine works on threads; a psycopg connection runs
one statement at a time), in autocommit, so every transition is its own transaction exactly as
on SQLite. The schema is created when missing, under an advisory lock so that replicas starting
together do not race, and its version is checked. The URL's password never appears in a
message, a ``repr`` or a log line: :func:`redact_dsn` is the only form of it shown.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from zoom_assembly.errors import LedgerUnavailable, OutputError
from zoom_assembly.redact import redact, register_secret

from .rows import MIGRATIONS, SCHEMA_VERSION, schema_statements

if TYPE_CHECKING:
    import psycopg

_TYPES = {"integer": "BIGINT", "real": "DOUBLE PRECISION", "seq": "seq BIGSERIAL, "}
_LOCK_KEY = 0x7A6F6F6D  # pg_advisory_xact_lock key while creating or upgrading the schema
_META = "CREATE TABLE IF NOT EXISTS transcribe_zoom_meta (key TEXT PRIMARY KEY, value TEXT)"
# SQLSTATE classes: 28 = invalid authorization (bad password or user), 08 = connection.
_CREDENTIALS = ("28",)


def redact_dsn(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db`` (and any
    ``password=`` parameter masked)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{host}"
    query = "&".join("password=***" if p.lower().startswith("password=") else p
                     for p in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _password(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.password:
        return parts.password
    for param in parts.query.split("&"):
        if param.lower().startswith("password="):
            return param.split("=", 1)[1]
    return None


class _Session:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        cursor = self._conn.execute(sql.replace("?", "%s"), params)
        return cursor.rowcount

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, object]]:
        cursor = self._conn.execute(sql.replace("?", "%s"), params)
        names = [c.name for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class PostgresStore:
    """The ledger in the PostgreSQL database at ``url`` (``postgresql://user@host/db``)."""

    order_tiebreak = "seq"
    differs = "IS DISTINCT FROM"

    def __init__(self, url: str, *, readonly: bool = False, connect_timeout: float = 10.0) -> None:
        register_secret(_password(url))
        self._url = url
        self.where = redact_dsn(url)
        self._timeout = connect_timeout
        self._local = threading.local()
        # Every connection with the thread it belongs to: those of finished threads (each
        # engine batch has its own worker pool) are closed when a new one is opened.
        self._all: list[tuple[threading.Thread, psycopg.Connection[Any]]] = []
        self._lock = threading.Lock()
        self._closed = False
        with self._errors_translated():
            self._setup(readonly)

    def __repr__(self) -> str:
        return f"PostgresStore({self.where!r})"

    def check_same_file(self) -> None:
        """Nothing to check: the database outlives any file."""

    # --- connections --------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection[Any]:
        import psycopg

        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        if self._closed:
            raise OutputError(f"The ledger at {self.where} is closed.", code="ledger_closed")
        conn = psycopg.connect(self._url, autocommit=True, connect_timeout=int(self._timeout),
                               application_name="transcribe-zoom")
        self._local.conn = conn
        with self._lock:
            finished = [c for t, c in self._all if not t.is_alive()]
            self._all = [(t, c) for t, c in self._all if t.is_alive()]
            self._all.append((threading.current_thread(), conn))
        for old in finished:
            old.close()
        return conn

    def open_connections(self) -> int:
        """How many connections this store holds (one per live thread that used it)."""
        with self._lock:
            return sum(1 for _, c in self._all if not c.closed)

    @contextmanager
    def _errors_translated(self) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.OperationalError as exc:
            # Unreachable server, refused login, dropped connection: the user's setup.
            reason = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            state = getattr(exc, "sqlstate", None) or ""
            if state.startswith(_CREDENTIALS) or "password authentication" in reason:
                raise LedgerUnavailable(
                    f"The PostgreSQL ledger at {self.where} refused the login ({reason}); "
                    "check the user and password in --ledger or TRANSCRIBE_ZOOM_LEDGER.",
                    code="ledger_auth", credentials=True,
                ) from None
            raise LedgerUnavailable(
                f"Cannot reach the PostgreSQL ledger at {self.where} ({reason}); start the "
                "server or fix the host, port and database in --ledger or "
                "TRANSCRIBE_ZOOM_LEDGER.",
            ) from None

    @contextmanager
    def session(self) -> Iterator[_Session]:
        with self._errors_translated():
            yield _Session(self._connection())

    @contextmanager
    def transaction(self) -> Iterator[_Session]:
        with self._errors_translated():
            conn = self._connection()
            with conn.transaction():
                yield _Session(conn)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._all = self._all, []
        for _, conn in connections:
            conn.close()

    # --- schema -------------------------------------------------------------------------------

    def _setup(self, readonly: bool) -> None:
        conn = self._connection()
        if readonly:
            version = self._version(conn)
            if version == 0:
                raise OutputError(f"No ledger in {self.where} yet: nothing was transcribed "
                                  "with it (or pass the right --ledger).", code="no_ledger")
            self._check_version(version)
            return
        if self._version(conn) == SCHEMA_VERSION:
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            conn.execute(_META)
            version = self._version(conn)
            self._check_version(version)
            if version == 0:
                for statement in schema_statements(**_TYPES):
                    conn.execute(statement)
            else:
                for step in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step]:
                        conn.execute(statement.format(real=_TYPES["real"]))
            conn.execute(
                "INSERT INTO transcribe_zoom_meta (key, value) VALUES ('schema_version', %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(SCHEMA_VERSION),))

    @staticmethod
    def _version(conn: psycopg.Connection[Any]) -> int:
        exists = conn.execute("SELECT to_regclass('transcribe_zoom_meta')").fetchone()
        if not exists or exists[0] is None:
            return 0
        row = conn.execute(
            "SELECT value FROM transcribe_zoom_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise OutputError(
                f"The ledger at {self.where} was written by a newer transcribe-zoom "
                f"(schema {version}); upgrade transcribe-zoom.",
                code="ledger_too_new",
            )
