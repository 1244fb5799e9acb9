"""The PostgreSQL ledger on a real server: opening, schema, errors, and the password kept out."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer
from zoom_assembly.errors import EXIT_CREDENTIALS, EXIT_USAGE, LedgerUnavailable, OutputError
from zoom_assembly.errors import UsageError as _UsageError
from zoom_assembly.ledger import LedgerEntry, ledger_location, open_ledger
from zoom_assembly.ledger.postgres import PostgresStore, redact_dsn

pytestmark = pytest.mark.integration


def test_redact_dsn_masks_the_password_wherever_it_is_written() -> None:
    assert redact_dsn("postgresql://tz:s3cr3t-pw@db:5432/tz") == "postgresql://tz:***@db:5432/tz"
    assert redact_dsn("postgresql://tz@db/tz?password=s3cr3t-pw&sslmode=require") == (
        "postgresql://tz@db/tz?password=***&sslmode=require")
    assert redact_dsn("postgresql://db/tz") == "postgresql://db/tz"


def test_ledger_location_takes_postgresql_urls_and_refuses_one_without_a_server(
    tmp_path: Path,
) -> None:
    url = "postgresql://tz@db.internal/tz"
    assert ledger_location(url, tmp_path) == url
    assert ledger_location(" postgres://tz@db/tz ", tmp_path) == "postgres://tz@db/tz"
    with pytest.raises(_UsageError, match="names no server"):
        ledger_location("postgresql:///tz", tmp_path)


def test_the_password_is_in_no_repr_or_where(postgres_server: PostgresServer,
                                             postgres_url: str, tmp_path: Path) -> None:
    with open_ledger(postgres_url, tmp_path) as ledger:
        shown = f"{ledger.where} {ledger.store!r} {ledger!r}"
        assert postgres_server.password not in shown and "tz:***@" in shown


def test_a_refused_login_is_a_credentials_error_without_the_password(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    wrong = "wrong-password-123456"
    with pytest.raises(LedgerUnavailable) as caught:
        open_ledger(postgres_server.url(password=wrong), tmp_path)
    assert caught.value.exit_code == EXIT_CREDENTIALS and caught.value.code == "ledger_auth"
    text = f"{caught.value} {caught.value!r} {caught.value.__cause__!r}"
    assert wrong not in text and "refused the login" in text


def test_an_unreachable_server_is_one_sentence_and_exit_2(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://tz:{postgres_server.password}@127.0.0.1:{port}/tz"
    with pytest.raises(LedgerUnavailable) as caught:
        open_ledger(url, tmp_path)
    message = caught.value.message
    assert caught.value.exit_code == EXIT_USAGE and caught.value.code == "ledger_unavailable"
    assert message.startswith("Cannot reach the PostgreSQL ledger at postgresql://tz:***@")
    assert postgres_server.password not in message and "\n" not in message


def test_a_new_database_gets_the_schema_and_a_newer_one_is_refused(
    postgres_url: str, tmp_path: Path
) -> None:
    with open_ledger(postgres_url, tmp_path) as ledger:
        ledger.ensure(LedgerEntry("rf-1", meeting_id=81234567890, file_size=5_000_000_000))
        assert ledger.get("rf-1").meeting_id == 81234567890  # type: ignore[union-attr]
        with ledger.store.session() as db:
            db.execute("UPDATE transcribe_zoom_meta SET value = '99'"
                       " WHERE key = 'schema_version'")
    with pytest.raises(OutputError) as caught:
        open_ledger(postgres_url, tmp_path)
    assert caught.value.code == "ledger_too_new"


def test_status_on_an_empty_database_says_there_is_no_ledger_and_creates_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    with pytest.raises(OutputError) as caught:
        open_ledger(postgres_url, tmp_path, readonly=True)
    assert caught.value.code == "no_ledger"
    with open_ledger(postgres_url, tmp_path) as ledger:
        assert ledger.rows() == []


def test_replicas_creating_the_schema_at_once_all_succeed(postgres_url: str,
                                                          tmp_path: Path) -> None:
    barrier, errors = threading.Barrier(6), []

    def start(index: int) -> None:
        barrier.wait()
        try:
            with open_ledger(postgres_url, tmp_path, renew_every=0) as ledger:
                ledger.ensure(LedgerEntry(f"rf-{index}"))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_ledger(postgres_url, tmp_path) as ledger:
        assert ledger.counts()["pending"] == 6


def test_each_thread_has_its_own_connection(postgres_url: str, tmp_path: Path) -> None:
    with open_ledger(postgres_url, tmp_path, renew_every=0) as ledger:
        ledger.ensure(LedgerEntry("rf-1"))
        pids: set[int] = set()

        def backend_pid() -> None:
            with ledger.store.session() as db:
                pids.add(int(str(db.query("SELECT pg_backend_pid() AS p")[0]["p"])))

        threads = [threading.Thread(target=backend_pid) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(pids) == 4


def test_connections_of_finished_threads_are_closed(postgres_url: str, tmp_path: Path) -> None:
    with open_ledger(postgres_url, tmp_path, renew_every=0) as ledger:
        ledger.ensure(LedgerEntry("rf-1"))
        for _ in range(5):  # five engine batches, each with its own worker threads
            threads = [threading.Thread(target=ledger.counts) for _ in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        ledger.counts()  # a new connection on this thread prunes the finished ones
        store = ledger.store
        assert isinstance(store, PostgresStore) and store.open_connections() <= 4


def test_status_reads_a_postgresql_ledger_and_shows_no_password(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from zoom_assembly.cli import app

    empty = CliRunner().invoke(app, ["status", "--out", str(tmp_path)],
                               env={"TRANSCRIBE_ZOOM_LEDGER": postgres_url})
    assert empty.exit_code == 2 and "No ledger in postgresql://tz:***@" in empty.stderr
    with open_ledger(postgres_url, tmp_path) as ledger:
        ledger.ensure(LedgerEntry("rf-1"))
    shown = CliRunner().invoke(app, ["status", "--ledger", postgres_url])
    assert shown.exit_code == 0, shown.stderr
    assert "1 recordings in postgresql://tz:***@" in shown.stdout and "pending 1" in shown.stdout
    assert postgres_server.password not in shown.stdout + shown.stderr + empty.stderr
