"""Schema 2: which transcript source a recording gets and why; older ledgers are upgraded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from zoom_assembly.ledger import Ledger, LedgerEntry, ledger_path


def test_a_schema_1_ledger_is_upgraded_in_place_keeping_its_rows(tmp_path: Path) -> None:
    path = ledger_path(tmp_path)
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:  # the columns schema 1 had
        conn.execute(
            "CREATE TABLE recordings (recording_file_id TEXT PRIMARY KEY, source TEXT NOT NULL,"
            " meeting_uuid TEXT, meeting_id INTEGER, topic TEXT, start_time TEXT, host TEXT,"
            " file_type TEXT, file_size INTEGER, state TEXT NOT NULL DEFAULT 'pending',"
            " transcript_id TEXT, attempts INTEGER NOT NULL DEFAULT 0, error_code TEXT,"
            " error_message TEXT, audio_url_key TEXT, outputs TEXT, audio_duration REAL,"
            " language_code TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
            " submitted_at TEXT, completed_at TEXT)")
        conn.execute("INSERT INTO recordings (recording_file_id, source, state, transcript_id,"
                     " created_at, updated_at) VALUES ('f1', 'zoom', 'submitted', 'tr-1', 'x',"
                     " 'x')")
        conn.execute("PRAGMA user_version = 1")
    with Ledger(path) as ledger:
        row = ledger.get("f1")
        assert row is not None and row.transcript_id == "tr-1"
        assert row.transcript_source is None
        assert ledger.record_decision("f1", "assemblyai", "policy: pay for every recording")
        assert ledger.get("f1").transcript_source == "assemblyai"  # type: ignore[union-attr]


def test_recording_a_decision_never_changes_the_state(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as ledger:
        ledger.ensure(LedgerEntry("f1"))
        ledger.record_decision("f1", "zoom_transcript", "english, accepted")
        row = ledger.get("f1")
        assert row is not None and row.state == "pending"
        assert row.decision_reason == "english, accepted"


def test_only_a_free_transcript_completes_a_row_nobody_claimed(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as ledger:
        ledger.ensure(LedgerEntry("f1"))
        assert not ledger.mark_completed("f1", {})
        assert ledger.mark_completed("f1", {}, free=True)
        assert ledger.get("f1").state == "completed"  # type: ignore[union-attr]
