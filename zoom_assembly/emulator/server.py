"""Running the emulator: :class:`Emulator` (background thread, for tests, demo and benchmarks)
and :func:`serve_forever` (foreground, for ``transcribe-zoom emulate``)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from .app import build_app, reset_state
from .faults import FaultEngine, Faults
from .scenario import Scenario
from .state import AssemblySettings, Credentials, EmulatorState, scopes_tuple
from .tokens import Clock


class Emulator:
    """A local Zoom + AssemblyAI server on loopback (see the package docstring)."""

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        concurrency: int = 5,
        speed: float = 200.0,
        faults: Faults | None = None,
        credentials: Credentials | Mapping[str, str] | None = None,
        granted_scopes: Iterable[str] | None = None,
        clock: Clock | None = None,
        overhead_seconds: float = 0.0,
        known_speech_models: Iterable[str] | None = None,
        require_speech_models: bool = True,
    ) -> None:
        faults = faults if faults is not None else Faults()
        settings = AssemblySettings(concurrency, speed, overhead_seconds,
                                    require_speech_models=require_speech_models)
        if known_speech_models is not None:
            settings.known_speech_models = tuple(known_speech_models)
        self._state = EmulatorState(
            scenario=scenario if scenario is not None else Scenario.builtin(),
            credentials=Credentials.coerce(credentials),
            granted_scopes=scopes_tuple(granted_scopes),
            clock=clock or time.time,
            settings=settings,
            faults=FaultEngine(faults),
            initial_faults=copy.copy(faults),
        )
        self.host, self.port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- what callers read ---------------------------------------------------------------------

    @property
    def state(self) -> EmulatorState:
        return self._state

    @property
    def scenario(self) -> Scenario:
        return self._state.scenario

    @property
    def credentials(self) -> Credentials:
        return self._state.credentials

    @property
    def settings(self) -> AssemblySettings:
        """AssemblyAI knobs, live: ``emu.settings.concurrency = 2`` applies to the next job."""
        return self._state.settings

    @property
    def faults(self) -> Faults:
        """The live fault knobs: ``emu.faults.zoom_429_rate = 0.2`` applies to the next request."""
        return self._state.faults.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self._state.faults.faults = value

    @property
    def base_url(self) -> str:
        return self._state.base_url

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def env(self) -> dict[str, str]:
        """The environment variables that point the CLI and library at this emulator."""
        c = self.credentials
        return {
            "ZOOM_ACCOUNT_ID": c.account_id,
            "ZOOM_CLIENT_ID": c.client_id,
            "ZOOM_CLIENT_SECRET": c.client_secret,
            "ASSEMBLYAI_API_KEY": c.api_key,
            "ZOOM_OAUTH_URL": f"{self.base_url}/zoom/oauth/token",
            "ZOOM_API_BASE_URL": f"{self.base_url}/zoom/v2",
            "ASSEMBLYAI_BASE_URL": f"{self.base_url}/assemblyai",
        }

    def stats(self) -> dict[str, Any]:
        """The same JSON as ``GET /_emulator/stats``."""
        return self._state.stats.snapshot(self._state.jobs.counts())

    # -- what callers change -------------------------------------------------------------------

    def inject(self, pattern: str, kind: str, count: int = 1, **params: Any) -> None:
        """The next ``count`` requests matching ``pattern`` get fault ``kind`` (see faults.py)."""
        self._state.faults.inject(pattern, kind, count, **params)

    def revoke_tokens(self) -> int:
        """Revoke every Zoom access token issued so far (a token revoked mid-run)."""
        revoked = self._state.zoom_tokens.revoke_all()
        self._state.stats.token("revoked", revoked)
        return revoked

    def reset(self) -> None:
        """Forget jobs, uploads, stats and scripted faults; fault knobs back to initial values."""
        self._call(reset_state(self._state))

    # -- Zoom's event subscription ---------------------------------------------------------------

    def subscribe_zoom_webhooks(self, url: str, secret_token: str, **knobs: Any) -> None:
        """Send Zoom events to ``url`` signed with ``secret_token`` (knobs: see
        :class:`~.zoom_webhooks.ZoomSubscription`)."""
        from .zoom_webhooks import ZoomSubscription

        self._state.zoom_webhooks.subscribe(ZoomSubscription(url, secret_token, **knobs))

    def validate_zoom_endpoint(self) -> bool:
        """Zoom's URL validation against the subscribed URL: True when it answers right."""
        return bool(self._result(self._state.zoom_webhooks.validate()))

    def complete_recording(self, key: str) -> None:
        """The recording of meeting ``key`` (a scenario tag or a UUID) is done: Zoom sends
        ``recording.completed`` to the subscribed URL (in the background)."""
        scenario = self._state.scenario
        meeting = scenario.meeting_by_uuid(key) or scenario.find(key)
        webhooks = self._state.zoom_webhooks

        async def announce() -> None:
            webhooks.recording_completed(meeting)

        self._result(announce())

    def zoom_webhook_deliveries(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far: event, meeting_uuid, attempt, status_code."""
        return list(self._state.zoom_webhooks.summary()["deliveries"])

    def _result(self, coroutine: Any) -> Any:
        if self._loop is None or not self.running:
            raise RuntimeError("the emulator is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def _call(self, coroutine: Any) -> None:
        if self._loop is not None and self.running:
            with contextlib.suppress(FutureTimeout, RuntimeError):
                asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)
        else:
            asyncio.run(coroutine)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Emulator:
        """Serve in a background thread (own event loop); returns once the server accepts."""
        if self.running:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on such sockets (else +40 ms).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        host = f"[{self.host}]" if family == socket.AF_INET6 else self.host
        self._state.base_url = f"http://{host}:{self.port}"
        self._state.started_at = self._state.clock()
        config = uvicorn.Config(
            build_app(self._state), log_config=None, log_level="warning", access_log=False,
            http="h11", ws="none", lifespan="on", timeout_graceful_shutdown=2,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._serve, args=(self._server, sock), name="zoom-assembly-emulator",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not start on {self.host}:{self.port}")
            time.sleep(0.005)
        return self

    def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        finally:
            loop.close()
            sock.close()

    def stop(self) -> None:
        """Cancel running jobs, stop the server and wait for its thread."""
        if self._server is None or self._thread is None:
            return
        if self.running:
            self._call(self._state.jobs.shutdown())
            self._call(self._state.zoom_webhooks.close())
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._server = self._thread = self._loop = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self.running else "stopped"
        return f"<Emulator {where} meetings={len(self.scenario.meetings)}>"


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8765,
    scenario_path: str | Path | None = None,
    concurrency: int = 5,
    speed: float = 200.0,
    faults: Faults | None = None,
    on_ready: Callable[[Emulator], None] | None = None,
    **options: Any,
) -> None:
    """Run the emulator in the foreground until Ctrl-C (``transcribe-zoom emulate``).

    ``options`` are passed to :class:`Emulator` (credentials, granted_scopes, clock, ...).
    """
    scenario = Scenario.load(scenario_path) if scenario_path else None
    emu = Emulator(scenario, host=host, port=port, concurrency=concurrency, speed=speed,
                   faults=faults, **options)
    emu.start()
    try:
        if on_ready is not None:
            on_ready(emu)
        while emu.running:
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
