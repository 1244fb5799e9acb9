"""Which ledger a command uses: ``--ledger`` / ``TRANSCRIBE_ZOOM_LEDGER`` or the default file.

A path or ``sqlite:///path`` is a SQLite file; ``postgresql://user@host/db`` (or
``postgres://``) is a PostgreSQL database shared by several processes or machines; nothing
means ``<out>/.transcribe-zoom/ledger.sqlite``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from zoom_assembly.errors import UsageError

from .machine import Ledger
from .rows import ledger_path

LEDGER_ENV = "TRANSCRIBE_ZOOM_LEDGER"
POSTGRES_SCHEMES = ("postgresql", "postgres")


def ledger_location(url: str | None, out_dir: Path) -> Path | str:
    """The SQLite file (a Path) or the PostgreSQL URL (a str) that ``url`` names."""
    if not url or not url.strip():
        return ledger_path(out_dir)
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme in POSTGRES_SCHEMES:
        if not urlsplit(url).hostname and "host=" not in url:
            raise UsageError(f"--ledger {scheme}://… names no server; give "
                             "postgresql://user@host/database.", code="bad_ledger")
        return url
    if scheme == "sqlite":  # sqlite:///relative/path, sqlite:////absolute/path
        rest = url.split(":", 1)[1].removeprefix("///")
        if not rest:
            raise UsageError("--ledger sqlite:/// names no file; give sqlite:///path.",
                             code="bad_ledger")
        return Path(rest)
    if scheme and len(scheme) > 1:
        raise UsageError(f"--ledger {scheme}://… is not a ledger this version knows; give a "
                         "file path, sqlite:///path or postgresql://user@host/database.",
                         code="bad_ledger")
    return Path(url)


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(str(url).strip()).scheme.lower() in POSTGRES_SCHEMES


def open_ledger(
    url: str | None,
    out_dir: Path,
    *,
    readonly: bool = False,
    lease_seconds: float | None = None,
    renew_every: float | None = None,
    wall: Callable[[], float] = time.time,
) -> Ledger:
    """Open the ledger ``url`` names (see :func:`ledger_location`); ``readonly`` for
    ``status``: nothing is created or changed. The lease options are :class:`Ledger`'s."""
    return open_location(ledger_location(url, out_dir), readonly=readonly,
                         lease_seconds=lease_seconds, renew_every=renew_every, wall=wall)


def open_location(
    where: Path | str,
    *,
    readonly: bool = False,
    busy_timeout: float = 30.0,
    lease_seconds: float | None = None,
    renew_every: float | None = None,
    wall: Callable[[], float] = time.time,
) -> Ledger:
    """Open a ledger :func:`ledger_location` resolved: a SQLite file (``busy_timeout`` is
    its lock wait) or a PostgreSQL URL."""
    store = None
    if not isinstance(where, Path):
        from .postgres import PostgresStore

        store = PostgresStore(where, readonly=readonly)
    return Ledger(where if isinstance(where, Path) else None, store=store, readonly=readonly,
                  busy_timeout=busy_timeout, lease_seconds=lease_seconds,
                  renew_every=renew_every, wall=wall)
