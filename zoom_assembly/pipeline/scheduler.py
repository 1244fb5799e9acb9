"""When things happen, not what: slots, due times, worker threads and the run's deadline.

The scheduler takes recordings from a (lazy) iterable while fewer than ``capacity`` hold a
slot, keeps a heap of items due at a time, and hands what is due to the job logic, whose
answer is a list of tasks run on ``workers`` threads. The job logic decides what an item
means (a status check, a fetch, a Zoom recheck); this module never looks inside.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Task = Callable[[], None]


class _InlineExecutor(Executor):
    """Runs each task at once on the calling thread (``workers=0``: deterministic tests)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


def executor(workers: int) -> Executor:
    if workers <= 0:
        return _InlineExecutor()
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="transcribe-zoom")


class Scheduler(Generic[T]):
    """Bounded, lazy, deadline-aware dispatch of recordings and of their due items."""

    def __init__(
        self,
        *,
        capacity: int,
        workers: int,
        coalesce: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity = capacity
        self.workers = workers
        self.coalesce = coalesce
        self.clock = clock
        self.sleep = sleep
        self._queue: list[tuple[float, int, object]] = []
        self._order = itertools.count()
        self._holding: set[str] = set()
        self._lock = threading.RLock()

    # -- used by the job logic, from any thread ------------------------------------------------
    def schedule(self, delay: float, item: object) -> None:
        """Hand ``item`` back to the dispatcher ``delay`` seconds from now."""
        with self._lock:
            heapq.heappush(self._queue, (self.clock() + delay, next(self._order), item))

    def release(self, key: str) -> None:
        """The recording ``key`` no longer holds a slot (finished, or done at the service)."""
        with self._lock:
            self._holding.discard(key)

    def pending(self) -> list[object]:
        """Every item still waiting in the heap (in due order), e.g. for a timeout report."""
        with self._lock:
            return [item for _, _, item in sorted(self._queue)]

    # -- the loop ------------------------------------------------------------------------------
    def run(
        self,
        items: Iterable[T],
        *,
        key: Callable[[T], str],
        start: Callable[[T], None],
        dispatch: Callable[[Sequence[object]], list[Task]],
        timeout: float | None = None,
        on_timeout: Callable[[list[object]], None] = lambda items: None,
        live: Callable[[object], bool] = lambda item: True,
    ) -> None:
        """Start every item of ``items`` (lazily, within ``capacity``) and dispatch due items
        until nothing is left, or until ``timeout`` seconds have passed (then ``on_timeout``
        gets whatever was still waiting). Entries ``live`` says are dead (settled early by
        other means) are dropped unseen, so they never keep the run waiting."""
        deadline = self.clock() + timeout if timeout else None
        source = iter(items)
        exhausted = False
        running: set[Future[None]] = set()
        pool = executor(self.workers)
        try:
            while True:
                for future in [f for f in running if f.done()]:
                    running.discard(future)
                    future.result()  # a fatal error (credentials, lost ledger...) ends the run
                while not exhausted and len(self._holding) < self.capacity:
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                        break
                    with self._lock:
                        self._holding.add(key(item))
                    running.add(pool.submit(start, item))
                with self._lock:
                    while self._queue and not live(self._queue[0][2]):
                        heapq.heappop(self._queue)
                    next_due = self._queue[0][0] if self._queue else None
                if next_due is None and not running:
                    if exhausted:
                        break
                    continue
                now = self.clock()
                if deadline is not None and now >= deadline:
                    for future in running:
                        future.result()
                    with self._lock:
                        left = [item for _, _, item in sorted(self._queue)]
                        self._queue.clear()
                    on_timeout(left)
                    break
                if next_due is not None and next_due <= now:
                    for task in dispatch(self._take_due(now)):
                        running.add(pool.submit(task))
                    continue
                wake = next_due
                if deadline is not None:
                    wake = deadline if wake is None else min(wake, deadline)
                pause = None if wake is None else max(0.0, wake - now)
                if running:
                    wait(running, timeout=pause, return_when=FIRST_COMPLETED)
                elif pause is not None:
                    self.sleep(pause)
        except BaseException:
            # Ctrl-C or a fatal error: let the calls in progress finish (their results are
            # written and recorded), start nothing new.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def _take_due(self, now: float) -> list[object]:
        """Everything due now or within ``coalesce`` seconds (so close checks share a round)."""
        horizon = now + self.coalesce
        due: list[object] = []
        with self._lock:
            while self._queue and self._queue[0][0] <= horizon:
                due.append(heapq.heappop(self._queue)[2])
        return due
