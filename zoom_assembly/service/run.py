"""``serve`` as a library call: the clients, the ledger, the engine per batch, the HTTP server."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..config import DEFAULT_ENV_FILE, Settings, read_env_file
from ..errors import ConfigError, TranscribeZoomError
from ..events import EventSink, Notice, discard
from ..ledger import Ledger, ledger_location, open_location
from ..pipeline import Pipeline, RunOptions
from ..pipeline.backfill import list_recordings
from ..pipeline.clients import Clients, ensure_out_dir, open_clients
from ..pipeline.pay_policy import PayRules
from ..pipeline.pay_runs import policy_pipeline
from ..pipeline.speaker_names import zoom_enrichers
from ..redact import Secret
from .app import build_app
from .core import Service, ServiceConfig
from .engine_process import EngineProcess, EngineSpec
from .intake import HTTP_BUSY_TIMEOUT
from .metrics import Metrics
from .signatures import new_callback_secret

SECRET_ENV = "ZOOM_WEBHOOK_SECRET_TOKEN"
LEDGER_ENV = "TRANSCRIBE_ZOOM_LEDGER"


def webhook_secret(env_file: Path | None = None,
                   environ: Mapping[str, str] | None = None) -> Secret:
    """The Zoom app's event-subscription secret token: environment > env file."""
    environ = os.environ if environ is None else environ
    value = environ.get(SECRET_ENV, "").strip()
    if not value:
        path = env_file if env_file is not None else DEFAULT_ENV_FILE
        value = read_env_file(path, explicit=env_file is not None).get(SECRET_ENV, "").strip()
    if not value:
        raise ConfigError(
            f"No Zoom webhook secret token: set {SECRET_ENV} in the environment or in "
            "tokens.env (Zoom app > Feature > Event Subscriptions > Secret Token)."
        )
    return Secret(value)


def resolve_ledger(url: str | None, out_dir: Path) -> Path | str:
    """Where the ledger lives: ``--ledger`` / ``TRANSCRIBE_ZOOM_LEDGER`` (a path,
    ``sqlite:///path`` or ``postgresql://user@host/db``, returned as given), else
    ``<out>/.transcribe-zoom/ledger.sqlite``."""
    return ledger_location(url, out_dir)


def build_service(
    clients: Clients,
    ledger: Ledger,
    options: RunOptions,
    config: ServiceConfig,
    *,
    sink: EventSink = discard,
    sweep: bool = True,
    rules: PayRules | None = None,
    speaker_names: str = "off",
    metrics: Metrics | None = None,
    callback_secret: Secret | None = None,
) -> Service:
    """The service over real clients: each batch's engine asks AssemblyAI to call back
    (when there is a public URL, the status poll then slows to the safety net) and the sweep
    lists through backfill's code."""
    since = datetime.now(UTC) - timedelta(days=config.sweep_days + 1)

    def make_engine(sleep: Callable[[float], None], engine_sink: EventSink) -> Pipeline:
        fields = service.request_fields()
        run = options
        if fields:
            poll = replace(options.poll,
                           min_interval=max(options.poll.min_interval, config.safety_poll),
                           max_interval=max(options.poll.max_interval, config.safety_poll))
            transcription = replace(options.transcription,
                                    extra={**options.transcription.extra, **fields})
            run = replace(options, transcription=transcription, poll=poll)
        enrichers = zoom_enrichers(clients.zoom, speaker_names, engine_sink)
        if rules is not None:  # the pay policy: Zoom's own text where it serves
            return policy_pipeline(rules, clients, ledger, run, sink=engine_sink, sleep=sleep,
                                   jobs_since=since, probe_interval=options.poll.min_interval,
                                   enrichers=enrichers)
        return Pipeline(clients.zoom, clients.assembly, ledger, run, sink=engine_sink,
                        sleep=sleep, jobs_since=since, enrichers=enrichers)

    def check_credentials() -> str | None:
        try:
            clients.zoom.granted_scopes()
        except TranscribeZoomError as exc:
            return exc.message
        return None

    service = Service(
        config, ledger, make_engine,
        list_meetings=(lambda selection: list_recordings(clients.zoom, selection, sink=sink))
        if sweep else None,
        check_credentials=check_credentials, sink=sink, metrics=metrics,
        callback_secret=callback_secret,
    )
    return service


@dataclass(frozen=True)
class _EngineSettings:
    """What the engine's process builds its Service from (pickled to it)."""

    settings: Settings
    options: RunOptions
    config: ServiceConfig
    rules: PayRules | None
    speaker_names: str


@contextmanager
def _engine_service(spec: EngineSpec, ledger: Ledger, metrics: Metrics,
                    sink: EventSink) -> Iterator[Service]:
    """In the engine's process: the clients, and a Service doing the work (no HTTP)."""
    payload: _EngineSettings = spec.payload
    with open_clients(payload.settings, sink) as clients:
        yield build_service(clients, ledger, payload.options, payload.config, sink=sink,
                            rules=payload.rules, speaker_names=payload.speaker_names,
                            metrics=metrics, callback_secret=spec.callback_secret)


def _no_log() -> EventSink:
    return discard


class BackgroundServer:
    """The service's app served by uvicorn on a thread (tests, benchmarks, embedding): the
    app's lifespan starts and stops the service as ``serve`` does."""

    def __init__(self, service: Service, host: str = "127.0.0.1", port: int = 0) -> None:
        import socket

        import uvicorn

        self.service = service
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.url = f"http://{host}:{self._sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(
            build_app(service), log_config=None, log_level="warning", access_log=False,
            lifespan="on", timeout_graceful_shutdown=5,
        ))
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._sock])),
            name="transcribe-zoom-serve", daemon=True)
        self._thread.start()
        ready = threading.Event()
        while not self._server.started:
            if not self._thread.is_alive() or ready.wait(0.01) or timeout <= 0:
                raise RuntimeError(f"the service did not start on {self.url}")
            timeout -= 0.01
        return self

    def stop(self) -> None:
        """Like SIGTERM: stop accepting, answer what is in progress, stop the service."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(60)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(
    settings: Settings,
    options: RunOptions,
    config: ServiceConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    ledger: str | None = None,
    sink: EventSink = discard,
    engine_log: Callable[[], EventSink] = _no_log,
    rules: PayRules | None = None,
    speaker_names: str = "auto",
) -> None:
    """Run the service until SIGTERM or Ctrl-C: stop accepting, answer the requests in
    progress, let the calls in progress finish; jobs in flight stay in the ledger and the
    next start resumes them. The engine runs in a process of its own (see
    :mod:`.engine_process`) whose log ``engine_log`` (a module-level function) opens there."""
    import uvicorn

    ensure_out_dir(options.out_dir)
    where = resolve_ledger(ledger, options.out_dir)  # a bad --ledger: refused before any call
    # Opened before the engine's process exists, so its short busy timeout cannot fail this.
    with open_clients(settings, sink) as clients, \
            open_location(where, busy_timeout=HTTP_BUSY_TIMEOUT) as opened:
        metrics = Metrics()
        secret = new_callback_secret()
        spec = EngineSpec(ledger=where, callback_secret=secret, build=_engine_service,
                          make_sink=engine_log,
                          payload=_EngineSettings(settings, options, config, rules,
                                                  speaker_names))

        def check_credentials() -> str | None:
            try:
                clients.zoom.granted_scopes()
            except TranscribeZoomError as exc:
                return exc.message
            return None

        service = Service(config, opened, _no_engine, check_credentials=check_credentials,
                          sink=sink, metrics=metrics, callback_secret=secret,
                          remote=EngineProcess(spec, metrics, sink=sink))
        server = uvicorn.Server(uvicorn.Config(
            build_app(service), host=host, port=port, log_level="warning",
            access_log=False, lifespan="on",
        ))
        # uvicorn answers SIGTERM/SIGINT with a graceful shutdown (the app's lifespan stops
        # the engine's process), then raises the signal again for the handlers it replaced.
        with suppress(KeyboardInterrupt):
            server.run()
    sink(Notice("The service stopped; jobs in flight are in the ledger and the next start "
                "resumes them."))


def _no_engine(sleep: Callable[[float], None], sink: EventSink) -> Pipeline:
    raise AssertionError("the HTTP process runs no engine: its engine has its own process")
