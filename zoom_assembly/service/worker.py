"""The service's trigger: meetings announced by webhooks or found by a sweep, fed to the engine.

Each batch of meetings waiting when a batch slot frees runs through its own
:class:`~zoom_assembly.pipeline.Pipeline` (the engine consumes its items lazily, but a blocking
queue as its iterable would stall its status checks while no event arrives; a batch per slot
keeps the engine untouched). A meeting is in at most one batch at a time in this process: the
engine reads a row left ``submitting`` as a crashed run's, so two batches must never share a
meeting. Across processes the ledger's conditional claims keep every file paid for once.

An AssemblyAI callback makes the batch following that job check it now and wakes its
scheduler; the slow status poll stays as the safety net for callbacks that never come. A
callback can beat the engine to following its own job (a short job ends while the submit
call is still returning): it is kept for a while and matched when the batch next sleeps.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence

from ..errors import Terminated, TranscribeZoomError
from ..events import EventSink, Notice, discard
from ..pipeline import Pipeline
from ..zoom import MeetingRecordings
from .queues import drain

# Builds the engine for one batch; its scheduler sleeps with the function given.
PipelineFactory = Callable[[Callable[[float], None]], Pipeline]


EARLY_CALLBACK_MEMORY = 600.0  # seconds an unmatched callback is kept for its job to appear


class Waker:
    """The sleep of one batch's scheduler: a callback cuts it short, a shutdown ends the run
    (:class:`Terminated`: calls in progress finish, jobs in flight stay in the ledger).
    ``before`` runs first and returns True when there is work now (no sleep then)."""

    def __init__(self, before: Callable[[], bool] = lambda: False) -> None:
        self._event = threading.Event()
        self._stopping = False
        self._before = before

    def sleep(self, seconds: float) -> None:
        if self._stopping:
            raise Terminated()
        if self._before():
            return
        self._event.wait(seconds)
        self._event.clear()
        if self._stopping:
            raise Terminated()

    def wake(self) -> None:
        self._event.set()

    def stop(self) -> None:
        self._stopping = True
        self._event.set()


class ServiceWorker:
    """Queues meetings (each once while in work) and runs them in batches on the engine."""

    def __init__(
        self,
        make_pipeline: PipelineFactory,
        *,
        max_batches: int = 4,
        sink: EventSink = discard,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make_pipeline = make_pipeline
        self._sink = sink
        self._queue: queue.Queue[MeetingRecordings | None] = queue.Queue()
        self._slots = threading.Semaphore(max_batches)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_work: set[str] = set()  # meeting uuids queued or in a running batch
        self._batches: dict[int, tuple[Pipeline, Waker]] = {}
        self._early: dict[str, float] = {}  # transcript id -> when its callback came
        self._again: dict[str, MeetingRecordings] = {}  # to run again after their batch
        # Told the meetings a batch is done with (none of them queued again).
        self.on_forget: Callable[[list[str]], None] = lambda uuids: None
        self._monotonic = monotonic
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._dispatcher: threading.Thread | None = None

    # -- used by the HTTP handlers and the sweep, from any thread ------------------------------
    def offer(self, recordings: MeetingRecordings, *, again: bool = False) -> bool:
        """Queue a meeting; False when it is already queued or running here, or stopping.
        With ``again`` a meeting in work runs once more after its batch (news that its
        running batch may have missed, such as Zoom's transcript arriving)."""
        uuid = recordings.meeting.uuid
        with self._lock:
            if self._stopping.is_set():
                return False
            if uuid in self._in_work:
                if again:
                    self._again[uuid] = recordings
                return False
            self._in_work.add(uuid)
        self._queue.put(recordings)
        return True

    def callback(self, transcript_id: str) -> str | None:
        """AssemblyAI says ``transcript_id`` ended: the recording file id of the batch that
        follows it (now checking it), or None when no batch here follows it."""
        with self._lock:
            batches = list(self._batches.values())
        for pipeline, waker in batches:
            file_id = pipeline.follower.check_now(transcript_id)
            if file_id is not None:
                waker.wake()
                return file_id
        with self._lock:
            if batches:  # maybe a job about to be followed: matched when its batch sleeps
                self._early[transcript_id] = self._monotonic()
        return None

    def _match_early(self, pipeline: Pipeline) -> bool:
        """Callbacks that came before ``pipeline`` followed their job: check those now."""
        with self._lock:
            if not self._early:
                return False
            now = self._monotonic()
            for tid in [t for t, at in self._early.items() if now - at > EARLY_CALLBACK_MEMORY]:
                del self._early[tid]
            early = list(self._early)
        matched = [tid for tid in early if pipeline.follower.check_now(tid) is not None]
        with self._lock:
            for tid in matched:
                self._early.pop(tid, None)
        return bool(matched)

    def in_work(self) -> int:
        """Meetings queued or being transcribed by this process."""
        with self._lock:
            return len(self._in_work)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._dispatcher = threading.Thread(target=self._dispatch, name="serve-dispatch",
                                            daemon=True)
        self._dispatcher.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Take nothing new; batches finish the calls in progress and stop (jobs in flight
        stay ``submitted`` in the ledger, resumed by the next start's sweep)."""
        self._stopping.set()
        self._queue.put(None)
        with self._lock:
            wakers = [waker for _, waker in self._batches.values()]
        for waker in wakers:
            waker.stop()
        if self._dispatcher is not None:
            self._dispatcher.join(timeout)
        for thread in list(self._threads):
            thread.join(timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or running (tests, benchmarks); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._in_work, timeout)

    # -- the dispatcher ------------------------------------------------------------------------
    def _dispatch(self) -> None:
        while True:
            first = self._queue.get()
            if first is None or self._stopping.is_set():
                return
            self._slots.acquire()  # while every slot is busy, more events gather in the queue
            batch = drain(self._queue, first)
            if self._stopping.is_set():
                self._slots.release()
                self._forget(batch)
                return
            thread = threading.Thread(target=self._run_batch, args=(batch,),
                                      name="serve-batch", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _run_batch(self, batch: Sequence[MeetingRecordings]) -> None:
        engine: list[Pipeline] = []
        waker = Waker(before=lambda: bool(engine) and self._match_early(engine[0]))
        try:
            pipeline = self._make_pipeline(waker.sleep)
            engine.append(pipeline)
            with self._lock:
                self._batches[id(waker)] = (pipeline, waker)
                stopping = self._stopping.is_set()
            if stopping:
                return
            pipeline.run(batch)
        except Terminated:
            pass  # shutting down: the ledger keeps what is in flight
        except Exception as exc:  # the service outlives one batch's fatal error
            why = exc.message if isinstance(exc, TranscribeZoomError) else (
                f"unexpected {type(exc).__name__}")
            self._sink(Notice(f"A batch of {len(batch)} recording(s) stopped ({why}); the "
                              "next sweep picks them up again.", warning=True))
        finally:
            with self._lock:
                self._batches.pop(id(waker), None)
            self._forget(batch)
            self._slots.release()

    def _forget(self, batch: Sequence[MeetingRecordings]) -> None:
        again: list[MeetingRecordings] = []
        with self._lock:
            for recordings in batch:
                uuid = recordings.meeting.uuid
                later = self._again.pop(uuid, None)
                if later is not None and not self._stopping.is_set():
                    again.append(later)
                else:
                    self._in_work.discard(uuid)
            self._idle.notify_all()
        for recordings in again:
            self._queue.put(recordings)
        running_again = {r.meeting.uuid for r in again}
        done = [r.meeting.uuid for r in batch if r.meeting.uuid not in running_again]
        if done:
            self.on_forget(done)
