"""Recording Zoom's deliveries in the ledger fast: one transaction for those that came together.

Measured (``benchmarks/serve_webhooks.py``, 1,000 deliveries from 32 clients): with the engine
already in its own process, recording each delivery in its own transaction took a mean of
126-131 ms of an acknowledgement's ~140 ms, every delivery waiting in line for one fsync
each (0.5 ms alone, 3-8 ms at p90-p99 on this loaded machine) behind the others and the
engine's writes. :class:`EventRecorder` commits everything waiting as one group (one fsync),
from one writer thread, and answers each delivery when its group is durable.

While the engine's process holds the write lock, SQLite's own busy handler waits in growing
steps (1, 2, 5, 10 ... 100 ms) and often sleeps long past the moment the lock is free: the
HTTP process opens its ledger with a busy timeout of a couple of milliseconds
(:data:`HTTP_BUSY_TIMEOUT`) and the writer tries again in short, even steps.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import OutputError
from ..ledger import Ledger
from .queues import drain

HTTP_BUSY_TIMEOUT = 0.002  # seconds SQLite itself waits for the write lock in the HTTP process
RECORD_DEADLINE = 2.5  # seconds: still inside Zoom's 3 s when the ledger stays locked
RETRY_PAUSE = 0.0005
MAX_GROUP = 500

EventRow = tuple[str, str, str | None, int | None]  # key, event, meeting uuid, event_ts


def _locked(exc: OutputError) -> bool:
    cause = exc.__cause__
    return isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause).lower()


@dataclass
class _Waiting:
    row: EventRow
    done: Callable[[bool | BaseException], None]


class EventRecorder:
    """Group commit of webhook deliveries: :meth:`record` (a thread) or :meth:`arecord` (the
    event loop) returns True for an event's first delivery once it is in the ledger."""

    def __init__(self, ledger: Ledger, *, deadline: float = RECORD_DEADLINE,
                 pause: float = RETRY_PAUSE,
                 monotonic: Callable[[], float] = time.monotonic,
                 observe: Callable[[str, float], None] = lambda stage, seconds: None) -> None:
        """``observe(stage, seconds)`` is told how long each group's commit took
        (``commit``) and how long of it was spent waiting for the write lock (``locked``)."""
        self.ledger = ledger
        self._observe = observe
        self._deadline = deadline
        self._pause = pause
        self._monotonic = monotonic
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.groups = 0  # transactions committed (tests, benchmarks)

    def record(self, row: EventRow) -> bool:
        box: list[bool | BaseException] = []
        ready = threading.Event()

        def done(result: bool | BaseException) -> None:
            box.append(result)
            ready.set()

        self._submit(_Waiting(row, done))
        ready.wait()
        return _result(box[0])

    async def arecord(self, row: EventRow) -> bool:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool | BaseException] = loop.create_future()

        def done(result: bool | BaseException) -> None:
            loop.call_soon_threadsafe(_settle, future, result)

        self._submit(_Waiting(row, done))
        return _result(await future)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(10)
            self._thread = None

    def _submit(self, waiting: _Waiting) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="serve-record",
                                                daemon=True)
                self._thread.start()
        self._queue.put(waiting)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = drain(self._queue, first, MAX_GROUP)
            try:
                firsts = self._write([w.row for w in group])
            except BaseException as exc:  # each delivery answers with the ledger's error
                for waiting in group:
                    waiting.done(exc)
                continue
            self.groups += 1
            for waiting, is_first in zip(group, firsts, strict=True):
                waiting.done(is_first)

    def _write(self, rows: list[EventRow]) -> list[bool]:
        started = time.perf_counter()
        give_up = self._monotonic() + self._deadline
        pause = threading.Event()
        while True:
            attempt = time.perf_counter()
            try:
                firsts = self.ledger.record_events(rows)
            except OutputError as exc:
                if not _locked(exc) or self._monotonic() > give_up:
                    raise
                pause.wait(self._pause)
                continue
            now = time.perf_counter()
            self._observe("commit", now - attempt)
            self._observe("locked", attempt - started)
            return firsts


def _settle(future: asyncio.Future[bool | BaseException], result: bool | BaseException) -> None:
    if not future.done():
        future.set_result(result)


def _result(result: bool | BaseException) -> bool:
    if isinstance(result, BaseException):
        raise result
    return result
