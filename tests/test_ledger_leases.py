"""Claims with an owner and a lease: a second live process never takes a row another one is
submitting; a dead one's claim is taken over once its lease runs out. Both backends."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.ledger import SCHEMA_VERSION, Ledger, LedgerEntry, ledger_path, open_ledger

URL = "https://zoom.us/rec/download/abc123"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]


class Wall:
    """An injected wall clock for leases: tests move it, nobody sleeps."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture(params=BACKENDS)
def two(request: pytest.FixtureRequest, tmp_path: Path, wall: Wall) -> Iterator[tuple[Ledger,
                                                                                      Ledger]]:
    """Two ledgers on one backend, as two processes would open them (no renewal thread)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None

    def make() -> Ledger:
        return open_ledger(url, tmp_path, lease_seconds=60, renew_every=0, wall=wall)

    first, second = make(), make()
    first.ensure(LedgerEntry("rf-1"))
    yield first, second
    first.close()
    second.close()


def test_a_claim_records_its_owner_and_lease(two: tuple[Ledger, Ledger], wall: Wall) -> None:
    first, second = two
    assert first.owner != second.owner
    assert first.claim_for_submit("rf-1", URL)
    row = second.get("rf-1")
    assert row is not None and (row.claimed_by, row.lease_until) == (first.owner, wall.now + 60)


def test_a_live_claim_is_never_taken_over(two: tuple[Ledger, Ledger], wall: Wall) -> None:
    first, second = two
    assert first.claim_for_submit("rf-1", URL)
    wall.now += 59
    assert not second.take_over("rf-1")
    assert not first.take_over("rf-1")  # not even by its owner: it is busy submitting
    assert second.get("rf-1").claimed_by == first.owner  # type: ignore[union-attr]


def test_an_expired_claim_is_taken_over_once(two: tuple[Ledger, Ledger], wall: Wall) -> None:
    first, second = two
    assert first.claim_for_submit("rf-1", URL)
    wall.now += 61
    assert second.take_over("rf-1")
    assert not first.take_over("rf-1")  # the new owner's lease is live
    row = first.get("rf-1")
    assert row is not None and (row.state, row.claimed_by) == ("submitting", second.owner)
    assert row.lease_until == wall.now + 60 and row.attempts == 1


def test_renewing_keeps_a_slow_submit_claimed(two: tuple[Ledger, Ledger], wall: Wall) -> None:
    first, second = two
    assert first.claim_for_submit("rf-1", URL)
    for _ in range(5):
        wall.now += 40
        assert first.renew_leases() == 1
        assert not second.take_over("rf-1")
    assert second.renew_leases() == 0  # renews only its own claims


def test_the_renewal_loop_renews_until_closed_and_outlives_a_failed_tick(
    tmp_path: Path, wall: Wall
) -> None:
    with open_ledger(None, tmp_path, lease_seconds=60, renew_every=0, wall=wall) as ledger:
        ledger.ensure(LedgerEntry("rf-1"))
        assert ledger.claim_for_submit("rf-1", URL)
        wall.now += 30
        renew, ticks = ledger.renew_leases, []

        def tick() -> int:
            ticks.append(wall.now)
            if len(ticks) == 1:
                raise OSError("the database went away for a moment")
            if len(ticks) == 3:
                ledger._stop.set()  # what close() does
            return renew()

        ledger.renew_leases = tick  # type: ignore[method-assign]
        ledger._renew_loop(0)  # runs on this thread, ticks without waiting, until stopped
        assert len(ticks) == 3
        ledger.renew_leases = renew  # type: ignore[method-assign]
        assert ledger.get("rf-1").lease_until == wall.now + 60  # type: ignore[union-attr]


def test_a_released_claim_may_be_taken_at_once(two: tuple[Ledger, Ledger]) -> None:
    first, second = two
    assert first.claim_for_submit("rf-1", URL)
    assert not second.release("rf-1")  # only the owner releases
    assert first.release("rf-1")
    assert first.renew_leases() == 0
    assert second.take_over("rf-1")


def test_a_ledger_closed_cleanly_releases_its_claims(two: tuple[Ledger, Ledger]) -> None:
    first, second = two
    assert first.claim_for_submit("rf-1", URL)
    first.close()  # a run that ends submits nothing more: no need to wait for the lease
    assert second.take_over("rf-1")


def test_leaving_submitting_ends_the_claim(two: tuple[Ledger, Ledger], wall: Wall) -> None:
    first, second = two
    assert first.claim_for_submit("rf-1", URL)
    assert first.mark_submitted("rf-1", "tr-1")
    row = second.get("rf-1")
    assert row is not None and (row.claimed_by, row.lease_until) == (None, None)
    assert not second.take_over("rf-1")  # nothing to take: it is submitted
    assert first.renew_leases() == 0


def test_a_claim_without_a_lease_from_an_older_version_is_taken_over(
    two: tuple[Ledger, Ledger],
) -> None:
    first, second = two
    assert first.claim_for_submit("rf-1", URL)
    with first.store.session() as db:
        db.execute("UPDATE recordings SET claimed_by = NULL, lease_until = NULL")
    assert second.take_over("rf-1")


# --- schema 2 -> 3 ----------------------------------------------------------------------------

SCHEMA_2 = """
CREATE TABLE recordings (
    recording_file_id TEXT PRIMARY KEY, source TEXT NOT NULL, meeting_uuid TEXT,
    meeting_id INTEGER, topic TEXT, start_time TEXT, host TEXT, file_type TEXT,
    file_size INTEGER, state TEXT NOT NULL DEFAULT 'pending', transcript_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, error_code TEXT, error_message TEXT,
    audio_url_key TEXT, outputs TEXT, audio_duration REAL, language_code TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, submitted_at TEXT, completed_at TEXT,
    transcript_source TEXT, decision_reason TEXT);
INSERT INTO recordings (recording_file_id, source, state, attempts, audio_url_key,
    created_at, updated_at, transcript_source)
    VALUES ('rf-crashed', 'zoom', 'submitting', 1, 'https://zoom.us/rec/a', 't0', 't0', 'paid'),
           ('rf-done', 'zoom', 'completed', 1, NULL, 't0', 't1', 'assemblyai');
PRAGMA user_version = 2;
"""


def schema_2_ledger(out: Path) -> Path:
    path = ledger_path(out)
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA_2)
    return path


def test_a_schema_2_ledger_is_read_by_status_without_being_changed(tmp_path: Path) -> None:
    path = schema_2_ledger(tmp_path)
    with Ledger.open_readonly(tmp_path) as ledger:
        assert {r.recording_file_id: r.claimed_by for r in ledger.rows()} == {
            "rf-crashed": None, "rf-done": None}
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_schema_2_ledger_is_upgraded_to_3_and_its_crashed_claim_taken_over(
    tmp_path: Path, wall: Wall
) -> None:
    path = schema_2_ledger(tmp_path)
    with open_ledger(None, tmp_path, renew_every=0, wall=wall) as ledger:
        assert ledger.get("rf-done").state == "completed"  # type: ignore[union-attr]
        crashed = ledger.get("rf-crashed")
        assert crashed is not None and crashed.claimed_by is None
        assert ledger.take_over("rf-crashed")
        assert ledger.get("rf-crashed").claimed_by == ledger.owner  # type: ignore[union-attr]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert {"claimed_by", "lease_until"} <= {r[1] for r in conn.execute(
        "PRAGMA table_info(recordings)")}


# --- processes --------------------------------------------------------------------------------


def _claim_all(url: str | None, out_dir: str, ids: list[str], barrier: Any, queue: Any) -> None:
    with open_ledger(url, Path(out_dir), renew_every=0) as ledger:
        barrier.wait()
        queue.put([rid for rid in ids if ledger.claim_for_submit(rid, URL)])


@pytest.mark.integration
def test_processes_on_postgresql_claim_each_row_exactly_once(
    postgres_url: str, tmp_path: Path
) -> None:
    from tests.test_ledger import run_processes

    ids = [f"rf-{i}" for i in range(60)]
    with open_ledger(postgres_url, tmp_path) as ledger:
        for rid in ids:
            ledger.ensure(LedgerEntry(rid))
    results = run_processes(_claim_all, [(postgres_url, str(tmp_path), ids)] * 3)
    claimed = [rid for result in results for rid in result]
    assert sorted(claimed) == sorted(ids)
    with open_ledger(postgres_url, tmp_path) as ledger:
        assert {r.attempts for r in ledger.rows()} == {1}
        assert None not in {r.claimed_by for r in ledger.rows()}

