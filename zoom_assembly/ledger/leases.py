"""Claim leases: who is submitting a row, and until when.

A claim (``pending -> submitting``, see ``machine``) carries its owner (one id per ledger, so per
process) and ``lease_until`` (epoch seconds), renewed by a background thread while the owner
lives. A row found in ``submitting`` is taken over only once its lease ran out (or when an older
version left it without one), by one conditional UPDATE, so a second live process never
reconciles or resubmits a claim that is being submitted. A ledger closed cleanly releases its
claims, so the next run need not wait for them to run out.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence

from .store import Store

LEASE_ENV = "TRANSCRIBE_ZOOM_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 60.0


def lease_seconds_from_env() -> float:
    """``TRANSCRIBE_ZOOM_LEASE_SECONDS`` (default 60): how long a claim outlives its owner."""
    value = os.environ.get(LEASE_ENV, "").strip()
    try:
        seconds = float(value) if value else DEFAULT_LEASE_SECONDS
    except ValueError:
        seconds = DEFAULT_LEASE_SECONDS
    return seconds if seconds > 0 else DEFAULT_LEASE_SECONDS


class Leases:
    """The lease operations of :class:`~zoom_assembly.ledger.machine.Ledger`."""

    store: Store
    owner: str
    lease_seconds: float
    _wall: Callable[[], float]
    _clock: Callable[[], str]
    _stop: threading.Event

    def _update(self, sets: Mapping[str, object], where: str, params: Sequence[object],
                extra_sets: Sequence[str] = ()) -> bool:
        raise NotImplementedError  # the state machine's one conditional UPDATE

    def take_over(self, recording_file_id: str) -> bool:
        """Own a ``submitting`` row whose lease ran out (its owner died, or an older version
        left it without one): True, and the caller reconciles it. False while its owner
        lives (this ledger included), or when the row is no longer submitting."""
        now = self._wall()
        return self._update(
            {"claimed_by": self.owner, "lease_until": now + self.lease_seconds,
             "updated_at": self._clock()},
            "recording_file_id = ? AND state = 'submitting'"
            " AND (lease_until IS NULL OR lease_until < ?)", [recording_file_id, now])

    def release(self, recording_file_id: str) -> bool:
        """Give up this ledger's claim of a row left in ``submitting`` (a submit whose answer
        was lost): anyone may then take it over and reconcile it."""
        return self._update({"lease_until": None},
                            "recording_file_id = ? AND state = 'submitting' AND claimed_by = ?",
                            [recording_file_id, self.owner])

    def renew_leases(self) -> int:
        """Extend the lease of every claim this ledger holds; how many there were."""
        with self.store.session() as db:
            return db.execute(
                "UPDATE recordings SET lease_until = ? WHERE state = 'submitting'"
                " AND claimed_by = ? AND lease_until IS NOT NULL",
                [self._wall() + self.lease_seconds, self.owner])

    def _renew_loop(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.renew_leases()
            except Exception:  # the next tick tries again; claims stay ours
                continue  # until the lease runs out, which is the point of a lease

    def _release_all(self) -> int:
        with self.store.session() as db:
            return db.execute("UPDATE recordings SET lease_until = NULL WHERE state ="
                              " 'submitting' AND claimed_by = ?", [self.owner])
