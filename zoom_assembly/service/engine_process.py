"""The engine in a process of its own, so that acknowledging a webhook never waits for it.

Measured (``benchmarks/serve_webhooks.py``: 1,000 deliveries from 32 clients, the ``ack``
histogram by stage): with the engine in the HTTP process, recording the event in the ledger
took a mean of 251 ms of an acknowledgement, behind the engine's batches on the shared ledger
connection and interpreter; verifying, parsing and handing over took under 0.1 ms each. So
``serve`` runs two processes: the HTTP one verifies, records the delivery (its own ledger
connection; see :mod:`.intake`) and answers; this module's child process (``spawn``: no
threads or locks inherited; niced, so the scheduler favours the acknowledgements) runs a
:class:`~.core.Service` without ``remote`` - the worker, the engine's batches, the sweep - fed
through a pipe with announced meetings and AssemblyAI's callbacks, and sends back its
counters, its meetings in work and which meetings it is done with.

If the child dies, it is started again: the meetings handed to it and not reported done are
handed over again, and its start-up sweep finds whatever else it had (jobs in flight are in
the ledger). SIGTERM to the HTTP process stops both gracefully: the child stops taking work,
lets calls in progress finish, leaves jobs in flight in the ledger. The child ignores SIGINT
(Ctrl-C reaches the whole group: the HTTP process stops it in order) and stops gracefully on
a SIGTERM of its own; the HTTP process waits a moment for its own before restarting it.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field, fields, is_dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..events import EventSink, Notice, discard
from ..ledger import Ledger, open_location
from ..redact import Secret, register_secret
from ..zoom import MeetingRecordings
from .core import Service
from .metrics import Metrics

# Builds the child's Service over its own ledger (clients opened inside, closed on exit).
ChildBuilder = Callable[["EngineSpec", Ledger, Metrics, EventSink],
                        AbstractContextManager[Service]]


@dataclass(frozen=True)
class EngineSpec:
    """Everything the child needs, sent to it pickled: ``build`` and ``make_sink`` must be
    module-level functions (or partials of them)."""

    # A SQLite file or a PostgreSQL URL (ledger_location); out of repr: a URL may hold a password.
    ledger: Path | str = field(repr=False)
    callback_secret: Secret
    build: ChildBuilder
    make_sink: Callable[[], EventSink]
    payload: Any = None  # what ``build`` needs (settings, run options, service config, ...)
    stop_timeout: float = 30.0
    # The engine's work can wait a moment; an acknowledgement cannot: on a busy machine the
    # scheduler favours the HTTP process.
    nice: int = 5


class _RelayedMetrics(Metrics):
    """The child's counters: each one sent to the HTTP process, which serves ``/metrics``."""

    def __init__(self, send: Callable[[tuple[Any, ...]], None]) -> None:
        super().__init__()
        self._send = send

    def count(self, name: str, amount: int = 1, **labels: str) -> None:
        self._send(("count", name, amount, labels))

    def observe(self, name: str, seconds: float) -> None:
        self._send(("observe", name, seconds))

    def histogram(self, name: str, seconds: float, **labels: str) -> None:
        self._send(("histogram", name, seconds, labels))


def _register_secrets(value: object, depth: int = 0) -> None:
    """Secrets arrive pickled, which skips their registration for redaction: redo it."""
    if isinstance(value, Secret):
        register_secret(value.reveal())
    elif depth < 4 and is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            _register_secrets(getattr(value, f.name), depth + 1)
    elif depth < 4 and isinstance(value, tuple | list):
        for item in value:
            _register_secrets(item, depth + 1)


def child_main(spec: EngineSpec, conn: Connection) -> None:
    """The engine's process: a Service doing the work, fed by the HTTP process's pipe."""
    _register_secrets(spec)
    if spec.nice:
        with suppress(OSError):
            os.nice(spec.nice)
    stop = threading.Event()
    # Ctrl-C reaches the whole process group: the HTTP process then stops this one in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            try:
                conn.send(message)
            except (OSError, ValueError):  # the HTTP process is gone: stop too
                stop.set()

    sink = spec.make_sink()
    with open_location(spec.ledger) as ledger, \
            spec.build(spec, ledger, _RelayedMetrics(send), sink) as service:
        service.worker.on_forget = lambda uuids: send(("done", uuids))
        service.start()
        send(("ready",))
        in_work = -1
        try:
            while not stop.is_set():
                if conn.poll(0.2):
                    message = conn.recv()
                    if message[0] == "offer":
                        service.accept(message[1], message[2], message[3])
                    elif message[0] == "callback":
                        service.engine_callback(message[1], message[2])
                    elif message[0] == "stop":
                        break
                now = service.worker.in_work()
                if now != in_work:
                    send(("in_work", now))
                    in_work = now
        except (EOFError, OSError):
            pass  # the HTTP process is gone
        finally:
            service.stop(spec.stop_timeout)


class EngineProcess:
    """The HTTP side's handle on the engine's process (an :class:`~.core.EngineLink`)."""

    def __init__(self, spec: EngineSpec, metrics: Metrics, *, sink: EventSink = discard,
                 restart_delay: float = 1.0, context: str = "spawn") -> None:
        self.spec = spec
        self.metrics = metrics
        self._sink = sink
        self._restart_delay = restart_delay
        self._context: Any = multiprocessing.get_context(context)
        self._lock = threading.Lock()
        self._outbox: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        self._outstanding: dict[str, tuple[str, MeetingRecordings, float]] = {}
        self._in_work = 0
        self._stopping = threading.Event()
        self.ready = threading.Event()
        self.restarts = 0
        self._conn: Connection | None = None
        self.process: multiprocessing.process.BaseProcess | None = None
        self._threads: list[threading.Thread] = []

    # -- EngineLink ----------------------------------------------------------------------------
    def offer(self, event: str, recordings: MeetingRecordings, announced: float) -> None:
        with self._lock:
            self._outstanding[recordings.meeting.uuid] = (event, recordings, announced)
        self._outbox.put(("offer", event, recordings, announced))

    def callback(self, transcript_id: str, received: float) -> None:
        self._outbox.put(("callback", transcript_id, received))

    def in_work(self) -> int:
        return self._in_work

    def problem(self) -> str | None:
        if self._stopping.is_set():
            return "the service is stopping"
        if not self.ready.is_set():  # what is offered meanwhile waits in the pipe
            return "the engine's process is starting"
        return None

    def start(self) -> None:
        self._spawn()
        for target, name in ((self._send_loop, "engine-send"), (self._receive_loop,
                                                                 "engine-receive")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the child to stop (it finishes the calls in progress), wait, then insist."""
        self._stopping.set()
        self._outbox.put(("stop",))
        self._outbox.put(None)
        process = self.process
        if process is not None:
            process.join(timeout)
            if process.is_alive():
                process.terminate()
                process.join(5)
        for thread in self._threads:
            thread.join(5)
        if self._conn is not None:
            self._conn.close()

    # -- the child -----------------------------------------------------------------------------
    def _spawn(self) -> None:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(target=child_main, args=(self.spec, theirs),
                                        name="transcribe-zoom-engine", daemon=False)
        process.start()
        theirs.close()  # so that the child's death reads as EOF here
        with self._lock:
            self._conn, self.process = ours, process
            again = list(self._outstanding.values())
        for event, recordings, announced in again:
            self._outbox.put(("offer", event, recordings, announced))

    def _send_loop(self) -> None:
        while True:
            message = self._outbox.get()
            if message is None:
                return
            with self._lock:
                conn = self._conn
            try:
                if conn is not None:
                    conn.send(message)
            except (OSError, ValueError):
                pass  # the child died: offers are sent again to the next one

    def _receive_loop(self) -> None:
        while True:
            conn = self._conn
            try:
                assert conn is not None
                message = conn.recv()
            except (EOFError, OSError, AssertionError):
                if not self._restart():
                    return
                continue
            self._handle(message)

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "count":
            self.metrics.count(message[1], message[2], **message[3])
        elif kind == "observe":
            self.metrics.observe(message[1], message[2])
        elif kind == "histogram":
            self.metrics.histogram(message[1], message[2], **message[3])
        elif kind == "in_work":
            self._in_work = message[1]
        elif kind == "done":
            with self._lock:
                for uuid in message[1]:
                    self._outstanding.pop(uuid, None)
        elif kind == "ready":
            self.ready.set()

    def _restart(self) -> bool:
        """The child ended: start another unless stopping. False when stopping."""
        self.ready.clear()
        process = self.process
        if process is not None:
            process.join(self.spec.stop_timeout)
        code = process.exitcode if process is not None else None
        # Exit code 0: stopped by a SIGTERM, most likely the one on its way to this process
        # too (systemd signals the whole group); a crash or a kill is restarted sooner.
        if self._stopping.wait(self._restart_delay * (5 if code == 0 else 1)):
            return False
        self.restarts += 1
        self._in_work = 0
        self.metrics.count("engine_restarts")
        self._sink(Notice(f"The engine's process ended unexpectedly (exit code {code}); "
                          "started it again: what it had in hand was handed over again and "
                          "its start-up sweep resumes the jobs in flight.", warning=True))
        self._spawn()
        return True

