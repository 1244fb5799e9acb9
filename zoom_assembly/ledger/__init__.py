"""The ledger: one row per recording file, so a rerun never pays for the same audio twice.

``rows`` (schema, entries, rows, scrubbing), ``machine`` (the state machine and its
conditional transitions, written once over the ``store`` interface), ``leases`` (claim owners
and leases), ``deliveries`` (webhook events), and two backends: ``sqlite`` (the
embedded default, ``<out>/.transcribe-zoom/ledger.sqlite``) and ``postgres`` (several processes
or machines, ``--ledger postgresql://user@host/db``); ``location`` picks one.
"""

from .leases import DEFAULT_LEASE_SECONDS, LEASE_ENV
from .location import LEDGER_ENV, is_postgres, ledger_location, open_ledger, open_location
from .machine import Ledger
from .rows import (
    MAX_MESSAGE_CHARS,
    SCHEMA_VERSION,
    SOURCES,
    STATES,
    LedgerEntry,
    Row,
    Summary,
    ledger_path,
    scrub,
    url_key,
)
from .store import Session, Store

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "LEASE_ENV",
    "LEDGER_ENV",
    "MAX_MESSAGE_CHARS",
    "SCHEMA_VERSION",
    "SOURCES",
    "STATES",
    "Ledger",
    "LedgerEntry",
    "Row",
    "Session",
    "Store",
    "Summary",
    "is_postgres",
    "ledger_location",
    "ledger_path",
    "open_ledger",
    "open_location",
    "scrub",
    "url_key",
]
