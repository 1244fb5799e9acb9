"""A ledger that disappears, empties or is swapped for another file stops the run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zoom_assembly.errors import LedgerLost
from zoom_assembly.ledger import Ledger, LedgerEntry, ledger_path


def _entry(n: int) -> LedgerEntry:
    return LedgerEntry(f"file-{n}", meeting_uuid=f"uuid-{n}")


def test_writes_go_on_while_the_ledger_file_is_untouched(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as ledger:
        ledger.ensure(_entry(1))
        assert ledger.claim_for_submit("file-1", "https://zoom.us/rec/download/a")


def test_deleted_ledger_refuses_the_next_write(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as ledger:
        ledger.ensure(_entry(1))
        shutil.rmtree(tmp_path / ".transcribe-zoom")
        with pytest.raises(LedgerLost, match="deleted, emptied or replaced"):
            ledger.claim_for_submit("file-1", "https://zoom.us/rec/download/a")


def test_emptied_ledger_refuses_the_next_write(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as ledger:
        ledger.ensure(_entry(1))
        ledger_path(tmp_path).write_bytes(b"")
        with pytest.raises(LedgerLost):
            ledger.ensure(_entry(2))


def test_replaced_ledger_refuses_the_next_write(tmp_path: Path) -> None:
    other = tmp_path / "other"
    with Ledger.open(other):
        pass
    with Ledger.open(tmp_path) as ledger:
        ledger.ensure(_entry(1))
        ledger_path(other).replace(ledger_path(tmp_path))
        with pytest.raises(LedgerLost) as caught:
            ledger.mark_failed("file-1", "x", "y")
    assert caught.value.exit_code == 2
