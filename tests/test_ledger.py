"""The ledger: states, transitions, races between threads and processes, no secrets.

The state machine is tested against both backends: the ``ledger`` fixture is a SQLite file
and a database on a real PostgreSQL server (tests/postgres_server.py); the tests that look at
the SQLite file itself use ``sqlite_ledger``."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from zoom_assembly.assembly import AssemblyClient
from zoom_assembly.config import Settings
from zoom_assembly.errors import OutputError, TranscribeZoomError
from zoom_assembly.ledger import (
    SCHEMA_VERSION,
    STATES,
    Ledger,
    LedgerEntry,
    ledger_path,
    open_ledger,
    scrub,
    url_key,
)
from zoom_assembly.models import MeetingInfo
from zoom_assembly.redact import Secret, register_secret

URL = "https://zoom.us/rec/download/abc123"
FAKE_TOKEN = "eyFAKE-TOKEN-0123456789abcdef"


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]


def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Ledger:
    """A new Ledger on the backend the test is parametrized with (the same database for every
    call within one test)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return open_ledger(url, tmp_path)


@pytest.fixture(params=BACKENDS)
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    with open_backend(request, tmp_path) as opened:
        yield opened


@pytest.fixture(params=BACKENDS)
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Opens further Ledgers on the same backend and database (other threads, processes)."""
    return lambda: open_backend(request, tmp_path)


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> Any:
    with Ledger.open(tmp_path) as opened:
        yield opened


def raw(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(ledger_path(tmp_path))


def entry(recording_file_id: str = "rf-1", **fields: Any) -> LedgerEntry:
    return LedgerEntry(recording_file_id=recording_file_id, meeting_uuid="uuid-1", **fields)


def submitted(ledger: Ledger, recording_file_id: str = "rf-1") -> None:
    ledger.ensure(entry(recording_file_id))
    assert ledger.claim_for_submit(recording_file_id, URL)
    assert ledger.mark_submitted(recording_file_id, f"tr-{recording_file_id}")


# --- storage ----------------------------------------------------------------------------------


def test_ledger_lives_in_a_hidden_folder_of_the_output_dir(tmp_path: Path) -> None:
    assert ledger_path(tmp_path) == tmp_path / ".transcribe-zoom" / "ledger.sqlite"
    Ledger.open(tmp_path).close()
    assert ledger_path(tmp_path).is_file()


def test_new_ledger_is_in_wal_mode(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    assert raw(tmp_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_new_ledger_has_the_schema_and_its_version(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    conn = raw(tmp_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = {r[1] for r in conn.execute("PRAGMA table_info(recordings)")}
    assert {"recording_file_id", "source", "state", "audio_url_key", "outputs"} <= columns
    assert {"attempts", "transcript_id", "submitted_at", "completed_at", "host"} <= columns


def test_reopening_a_ledger_keeps_everything(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as first:
        submitted(first)
        first.ensure(entry("rf-2", topic="Later"))
        before = first.rows()
    with Ledger.open(tmp_path) as second:
        assert second.rows() == before
        assert second.get("rf-1") is not None and second.get("rf-1").state == "submitted"  # type: ignore[union-attr]


def test_ledger_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    Ledger.open(tmp_path).close()
    with raw(tmp_path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(TranscribeZoomError) as caught:
        Ledger.open(tmp_path)
    assert caught.value.code == "ledger_too_new"


def test_corrupt_ledger_raises_a_typed_error(tmp_path: Path) -> None:
    ledger_path(tmp_path).parent.mkdir()
    ledger_path(tmp_path).write_bytes(b"not a database" * 500)
    with pytest.raises(TranscribeZoomError) as caught:
        Ledger.open(tmp_path)
    assert caught.value.code == "ledger_unusable"


def test_ledger_under_a_regular_file_raises_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="choose another --out folder"):
        Ledger.open(blocker)


# --- ensure -----------------------------------------------------------------------------------


def test_ensure_inserts_a_pending_row_with_metadata(ledger: Ledger) -> None:
    row = ledger.ensure(entry(topic="Weekly", file_size=1234, file_type="M4A", host="a@b.c"))
    assert (row.state, row.attempts, row.source) == ("pending", 0, "zoom")
    assert (row.topic, row.file_size, row.file_type, row.host) == ("Weekly", 1234, "M4A", "a@b.c")
    assert row.outputs == {} and row.transcript_id is None


def test_ensure_from_meeting_info_records_the_meeting(ledger: Ledger) -> None:
    meeting = MeetingInfo(
        uuid="u==", id=812, topic="Sync", start_time=datetime(2026, 3, 14, 15, 30, tzinfo=UTC),
        host_email="host@example.com",
    )  # fmt: skip
    row = ledger.ensure(LedgerEntry.for_meeting(meeting, "rf", file_type="MP4", file_size=9))
    assert (row.meeting_uuid, row.meeting_id, row.topic) == ("u==", 812, "Sync")
    assert (row.start_time, row.host, row.file_type) == (
        "2026-03-14T15:30:00Z",
        "host@example.com",
        "MP4",
    )


def test_ensure_is_idempotent(ledger: Ledger) -> None:
    first = ledger.ensure(entry(topic="T"))
    assert ledger.ensure(entry(topic="T")) == first
    assert len(ledger.rows()) == 1


def test_ensure_never_changes_the_state(ledger: Ledger) -> None:
    submitted(ledger)
    assert ledger.mark_completed("rf-1", {"txt": Path("/o/t.txt")}, "en", 60.0)
    row = ledger.ensure(entry(topic="Renamed"))
    assert (row.state, row.attempts, row.transcript_id) == ("completed", 1, "tr-rf-1")


def test_ensure_refreshes_metadata_but_keeps_known_values(ledger: Ledger) -> None:
    ledger.ensure(entry(topic="Old", file_size=10, file_type="M4A"))
    row = ledger.ensure(entry(topic="New", file_size=None))
    assert (row.topic, row.file_size, row.file_type) == ("New", 10, "M4A")


def test_ensure_rejects_an_unknown_source(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="source"):
        ledger.ensure(LedgerEntry("rf", source="dropbox"))


# --- claims and transitions -------------------------------------------------------------------


def test_claim_is_committed_before_it_returns(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    sqlite_ledger.ensure(entry())
    assert sqlite_ledger.claim_for_submit("rf-1", URL)
    other = raw(tmp_path)
    state, attempts, key = other.execute(
        "SELECT state, attempts, audio_url_key FROM recordings WHERE recording_file_id = 'rf-1'"
    ).fetchone()
    assert (state, attempts, key) == ("submitting", 1, URL)


def test_claim_of_a_claimed_row_is_refused(ledger: Ledger) -> None:
    ledger.ensure(entry())
    assert ledger.claim_for_submit("rf-1", URL)
    assert not ledger.claim_for_submit("rf-1", URL)
    assert ledger.get("rf-1").attempts == 1  # type: ignore[union-attr]


def test_claim_of_a_missing_row_is_refused(ledger: Ledger) -> None:
    assert not ledger.claim_for_submit("nope", URL)
    assert ledger.get("nope") is None


def test_failed_row_is_claimed_again_only_with_allow_failed(ledger: Ledger) -> None:
    submitted(ledger)
    assert ledger.mark_failed("rf-1", "transcription_failed", "bad audio")
    assert not ledger.claim_for_submit("rf-1", URL)
    assert ledger.claim_for_submit("rf-1", URL, allow_failed=True)
    row = ledger.get("rf-1")
    assert row is not None
    assert (row.state, row.attempts, row.error_code, row.transcript_id) == (
        "submitting",
        2,
        None,
        None,
    )


def test_completed_row_cannot_be_claimed_failed_skipped_or_reset(ledger: Ledger) -> None:
    submitted(ledger)
    assert ledger.mark_completed("rf-1", {}, "en", 1.0)
    assert not ledger.claim_for_submit("rf-1", URL, allow_failed=True)
    assert not ledger.mark_failed("rf-1", "x", "y")
    assert not ledger.mark_skipped("rf-1", "x", "y")
    assert not ledger.reset_to_pending("rf-1")
    assert not ledger.mark_submitted("rf-1", "tr-other")
    assert ledger.get("rf-1").state == "completed"  # type: ignore[union-attr]


def test_mark_submitted_requires_a_claim(ledger: Ledger) -> None:
    ledger.ensure(entry())
    assert not ledger.mark_submitted("rf-1", "tr")
    assert ledger.get("rf-1").state == "pending"  # type: ignore[union-attr]


def test_mark_submitted_records_the_transcript_id_and_time(ledger: Ledger) -> None:
    submitted(ledger)
    row = ledger.get("rf-1")
    assert row is not None
    assert (row.state, row.transcript_id) == ("submitted", "tr-rf-1")
    assert row.submitted_at is not None and row.submitted_at.endswith("Z")


def test_mark_completed_stores_outputs_language_and_duration(ledger: Ledger) -> None:
    submitted(ledger)
    assert ledger.mark_completed("rf-1", {"txt": Path("/o/t.txt"), "json": "/o/t.json"}, "ja", 90.5)
    row = ledger.get("rf-1")
    assert row is not None
    assert row.outputs == {"txt": "/o/t.txt", "json": "/o/t.json"}
    assert (row.state, row.language_code, row.audio_duration) == ("completed", "ja", 90.5)
    assert row.completed_at is not None


def test_reconciled_row_completes_straight_from_submitting(ledger: Ledger) -> None:
    ledger.ensure(entry())
    assert ledger.claim_for_submit("rf-1", URL)
    assert ledger.mark_completed("rf-1", {}, transcript_id="tr-found")
    assert ledger.get("rf-1").transcript_id == "tr-found"  # type: ignore[union-attr]


def test_mark_skipped_never_skips_a_job_in_flight(ledger: Ledger) -> None:
    submitted(ledger)
    assert not ledger.mark_skipped("rf-1", "no_audio", "nothing")
    ledger.ensure(entry("rf-2"))
    assert ledger.mark_skipped("rf-2", "no_audio", "Only a chat file.")
    assert ledger.get("rf-2").error_code == "no_audio"  # type: ignore[union-attr]


def test_reset_to_pending_keeps_attempts(ledger: Ledger) -> None:
    submitted(ledger)
    assert ledger.reset_to_pending("rf-1")
    row = ledger.get("rf-1")
    assert row is not None
    assert (row.state, row.attempts, row.transcript_id) == ("pending", 1, None)
    assert ledger.claim_for_submit("rf-1", URL)
    assert ledger.get("rf-1").attempts == 2  # type: ignore[union-attr]


def test_in_flight_lists_submitted_rows(ledger: Ledger) -> None:
    submitted(ledger, "rf-1")
    ledger.ensure(entry("rf-2"))
    assert ledger.claim_for_submit("rf-2", URL)
    assert [(r.recording_file_id, r.transcript_id) for r in ledger.in_flight()] == [
        ("rf-1", "tr-rf-1")
    ]


def test_unreconciled_lists_rows_claimed_but_not_submitted(ledger: Ledger) -> None:
    submitted(ledger, "rf-1")
    ledger.ensure(entry("rf-2"))
    assert ledger.claim_for_submit("rf-2", URL + "?access_token=x")
    assert [(r.recording_file_id, r.audio_url_key) for r in ledger.unreconciled()] == [
        ("rf-2", URL)
    ]


def test_rows_filters_by_state_and_sorts_by_start_time(ledger: Ledger) -> None:
    ledger.ensure(entry("late", start_time="2026-02-01T00:00:00Z"))
    ledger.ensure(entry("undated"))
    ledger.ensure(entry("early", start_time="2025-01-01T00:00:00Z"))
    assert [r.recording_file_id for r in ledger.rows()] == ["early", "late", "undated"]
    assert ledger.mark_skipped("late", "x", "y")
    assert [r.recording_file_id for r in ledger.rows(["skipped"])] == ["late"]
    with pytest.raises(ValueError, match="state"):
        ledger.rows(["done"])


def test_timestamps_are_utc_iso(ledger: Ledger) -> None:
    row = ledger.ensure(entry())
    parsed = datetime.strptime(row.created_at, "%Y-%m-%dT%H:%M:%S.%fZ")
    assert abs((datetime.now(UTC).replace(tzinfo=None) - parsed).total_seconds()) < 60
    assert row.updated_at >= row.created_at


# --- status -----------------------------------------------------------------------------------


def test_counts_include_every_state(ledger: Ledger) -> None:
    ledger.ensure(entry("a"))
    submitted(ledger, "b")
    assert ledger.counts() == dict.fromkeys(STATES, 0) | {"pending": 1, "submitted": 1}


def test_summary_counts_hours_and_failures(ledger: Ledger) -> None:
    for rid, seconds in (("a", 1800.0), ("b", 5400.0)):
        submitted(ledger, rid)
        assert ledger.mark_completed(rid, {}, "en", seconds)
    submitted(ledger, "c")
    assert ledger.mark_failed("c", "transcription_failed", "Audio too short.")
    ledger.ensure(entry("d"))
    summary = ledger.summary()
    assert summary.total == 4
    assert (summary.counts["completed"], summary.counts["failed"], summary.counts["pending"]) == (
        2,
        1,
        1,
    )
    assert summary.completed_audio_hours == 2.0
    assert [(f.recording_file_id, f.error_code, f.error_message) for f in summary.failures] == [
        ("c", "transcription_failed", "Audio too short.")
    ]


# --- secrets ----------------------------------------------------------------------------------


def test_url_key_drops_query_fragment_credentials_and_default_port() -> None:
    assert url_key(f"https://user:pw@zoom.us:443/rec/a.m4a?access_token={FAKE_TOKEN}#t=1") == (
        "https://zoom.us/rec/a.m4a"
    )


@pytest.mark.parametrize("host", ["Zoom.US", "admin:hunter2@zoom.us", "Admin:pw@ZOOM.us:443"])
def test_crash_reconcile_finds_the_job_whatever_the_case_or_userinfo_of_the_host(
    ledger: Ledger, host: str
) -> None:
    # A crash after the submit left the row 'submitting'; AssemblyAI's list echoes the URL as
    # submitted. The engine looks the job up by the key the ledger stored.
    submitted_url = f"https://{host}/rec/download/abc123?access_token={FAKE_TOKEN}"
    ledger.ensure(entry())
    assert ledger.claim_for_submit("rf-1", submitted_url)
    listing = {"page_details": {"limit": 200, "result_count": 1, "current_url": "x",
                                "prev_url": None, "next_url": None},
               "transcripts": [{"id": "tr-7", "resource_url": "x", "status": "processing",
                                "created": "2026", "completed": None,
                                "audio_url": submitted_url, "error": None}]}
    client = AssemblyClient(
        Settings(assemblyai_api_key=Secret("aai-test-key-123456"),
                 assemblyai_base_url="https://api.assemblyai.test"),
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=listing)),
    )
    (row,) = ledger.unreconciled()
    found = client.find_job(row.audio_url_key or "")
    assert found is not None and found.id == "tr-7"
    assert FAKE_TOKEN not in (row.audio_url_key or "") and "hunter2" not in found.audio_url_key


def test_tokens_never_reach_the_database_files(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as ledger:
        ledger.ensure(entry())
        assert ledger.claim_for_submit("rf-1", f"{URL}?access_token={FAKE_TOKEN}&type=x")
        assert ledger.mark_failed(
            "rf-1",
            "download_failed",
            f"GET {URL}?access_token={FAKE_TOKEN} failed; token={FAKE_TOKEN} "
            f"Authorization: Bearer {FAKE_TOKEN}",
        )
        ledger.ensure(entry("rf-2"))
        assert ledger.mark_skipped("rf-2", "x", f"see {URL}?foo=1&access_token={FAKE_TOKEN}.")
        files = list(ledger_path(tmp_path).parent.iterdir())
        assert all(FAKE_TOKEN.encode() not in f.read_bytes() for f in files)
        assert "[REDACTED]" in (ledger.get("rf-1").error_message or "")  # type: ignore[union-attr]
    assert all(
        FAKE_TOKEN.encode() not in f.read_bytes() for f in ledger_path(tmp_path).parent.iterdir()
    )


def test_long_error_messages_are_truncated(ledger: Ledger) -> None:
    ledger.ensure(entry())
    assert ledger.mark_failed("rf-1", "x", "e" * 100_000)
    assert len(ledger.get("rf-1").error_message or "") <= 2000  # type: ignore[union-attr]


# --- concurrency ------------------------------------------------------------------------------


def race(workers: int, claim: Any) -> list[bool]:
    barrier = threading.Barrier(workers)
    results: list[bool] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        won = claim(index)
        with lock:
            results.append(won)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_threads_sharing_a_ledger_race_and_exactly_one_claims(ledger: Ledger) -> None:
    ledger.ensure(entry())
    results = race(16, lambda i: ledger.claim_for_submit("rf-1", URL))
    assert results.count(True) == 1
    assert ledger.get("rf-1").attempts == 1  # type: ignore[union-attr]


def test_threads_with_their_own_ledgers_race_and_exactly_one_claims(opener: Any) -> None:
    ledgers = [opener() for _ in range(8)]
    ledgers[0].ensure(entry())
    try:
        results = race(8, lambda i: ledgers[i].claim_for_submit("rf-1", URL))
    finally:
        for opened in ledgers:
            opened.close()
    assert results.count(True) == 1


def _claim_all(out_dir: str, ids: list[str], barrier: Any, queue: Any) -> None:
    with Ledger.open(Path(out_dir)) as ledger:
        barrier.wait()
        queue.put([rid for rid in ids if ledger.claim_for_submit(rid, URL)])


def _open_and_ensure(out_dir: str, rid: str, barrier: Any, queue: Any) -> None:
    barrier.wait()
    with Ledger.open(Path(out_dir)) as ledger:
        queue.put([ledger.ensure(entry(rid)).recording_file_id])


def run_processes(target: Any, args_for: list[tuple[Any, ...]]) -> list[list[str]]:
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(len(args_for)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, queue)) for args in args_for]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return results


@pytest.mark.integration  # real processes: slow for the unit run
def test_processes_race_and_each_row_is_claimed_exactly_once(tmp_path: Path) -> None:
    ids = [f"rf-{i}" for i in range(60)]
    with Ledger.open(tmp_path) as ledger:
        for rid in ids:
            ledger.ensure(entry(rid))
    results = run_processes(_claim_all, [(str(tmp_path), ids)] * 3)
    claimed = [rid for result in results for rid in result]
    assert sorted(claimed) == sorted(ids)
    with Ledger.open(tmp_path) as ledger:
        assert {r.attempts for r in ledger.rows()} == {1}


@pytest.mark.integration  # real processes: slow for the unit run
def test_processes_opening_a_new_ledger_at_once_all_succeed(tmp_path: Path) -> None:
    results = run_processes(_open_and_ensure, [(str(tmp_path), f"rf-{i}") for i in range(4)])
    assert sorted(r[0] for r in results) == [f"rf-{i}" for i in range(4)]
    with Ledger.open(tmp_path) as ledger:
        assert ledger.counts()["pending"] == 4


def test_registered_secrets_are_scrubbed_from_messages(ledger: Ledger) -> None:
    register_secret("sk-live-assembly-key-123456")
    ledger.ensure(entry())
    assert ledger.mark_failed("rf-1", "auth", "Key sk-live-assembly-key-123456 was refused.")
    assert "sk-live" not in (ledger.get("rf-1").error_message or "")  # type: ignore[union-attr]


def test_scrub_keeps_messages_readable() -> None:
    message = f"GET {URL}?access_token={FAKE_TOKEN}: 401 (see https://x.example/a?b=1)."
    assert scrub(message) == f"GET {URL}: 401 (see https://x.example/a)."


def test_webhook_deliveries_are_recorded_once_per_event_and_counted(ledger: Ledger) -> None:
    assert ledger.record_event("k1", "recording.completed", "u1", 1)
    assert ledger.record_events([("k2", "recording.completed", "u2", 2),
                                 ("k1", "recording.completed", "u1", 1),
                                 ("k2", "recording.completed", "u2", 2)]) == [True, False, False]
    assert not ledger.record_event("k2", "recording.completed", "u2", 2)
    assert ledger.event_deliveries() == {"k1": 2, "k2": 3}
