"""What a ledger backend provides to the state machine (``machine``): the SQLite and
PostgreSQL stores implement it; SQL is written once, with ``?`` placeholders."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol


class Session(Protocol):
    """Statements on one connection; SQL is written with ``?`` placeholders."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, object]]:
        """Run a query; its rows as dicts."""
        ...


class Store(Protocol):
    """What a backend provides: sessions, transactions, and the few ways its SQL differs."""

    where: str  # the file or redacted URL, for messages
    order_tiebreak: str  # insertion order: rowid (SQLite), seq (PostgreSQL)
    differs: str  # null-safe "not equal": IS NOT (SQLite), IS DISTINCT FROM (PostgreSQL)

    def session(self) -> AbstractContextManager[Session]: ...

    def transaction(self) -> AbstractContextManager[Session]: ...

    def check_same_file(self) -> None: ...

    def close(self) -> None: ...
