"""Webhook deliveries ``serve`` accepted: one row per event, counted per delivery, so that a
duplicate (Zoom retries, and may deliver twice, to any replica) is recognised and answered
without doing anything again. Nothing secret is given or stored."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .store import Store


class Deliveries:
    """The webhook-event operations of :class:`~zoom_assembly.ledger.machine.Ledger`."""

    store: Store
    _clock: Callable[[], str]

    def check_same_file(self) -> None:
        raise NotImplementedError  # the ledger's: a SQLite file replaced under it

    def record_event(
        self, event_key: str, event: str, meeting_uuid: str | None, event_ts: int | None
    ) -> bool:
        """Record one webhook delivery; True for the first delivery of ``event_key``, False
        for a duplicate (its delivery count goes up). Nothing secret is given or stored."""
        return self.record_events([(event_key, event, meeting_uuid, event_ts)])[0]

    def record_events(
        self, events: Sequence[tuple[str, str, str | None, int | None]]
    ) -> list[bool]:
        """:meth:`record_event` for several deliveries in one transaction (one commit for the
        lot: ``serve`` commits the deliveries that arrived together as a group)."""
        now = self._clock()
        self.check_same_file()
        firsts: list[bool] = []
        with self.store.transaction() as db:
            for event_key, event, meeting_uuid, event_ts in events:
                first = db.execute(
                    "INSERT INTO webhook_events (event_key, event, meeting_uuid, event_ts,"
                    " received_at, last_received_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (event_key) DO NOTHING",
                    (event_key, event, meeting_uuid, event_ts, now, now),
                ) == 1
                firsts.append(first)
                if not first:
                    db.execute(
                        "UPDATE webhook_events SET deliveries = deliveries + 1,"
                        " last_received_at = ? WHERE event_key = ?", (now, event_key),
                    )
        return firsts

    def event_deliveries(self) -> dict[str, int]:
        """event_key -> deliveries received, for every webhook event recorded."""
        with self.store.session() as db:
            found = db.query("SELECT event_key, deliveries FROM webhook_events")
        return {str(r["event_key"]): int(str(r["deliveries"])) for r in found}
