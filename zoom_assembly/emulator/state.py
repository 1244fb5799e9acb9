"""The emulator's shared state: credentials, configuration, and the objects every route uses."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .faults import FaultEngine, Faults
from .scenario import Scenario
from .stats import Stats
from .tokens import Clock, PageTokens, Signer, ZoomTokens, b64url

if TYPE_CHECKING:
    from .jobs import JobManager
    from .zoom_webhooks import ZoomWebhooks

ALL_SCOPES = (
    "user:read:list_users:admin",
    "cloud_recording:read:list_user_recordings:admin",
    "cloud_recording:read:list_account_recordings:admin",
    "cloud_recording:read:list_recording_files:admin",
    "cloud_recording:read:recording:admin",
    "meeting:read:list_past_instances:admin",
    "user:read:user:admin",
    "meeting:read:meeting:admin",
    "meeting:read:past_meeting:admin",
    "meeting:read:list_past_participants:admin",
)

KNOWN_SPEECH_MODELS = ("universal-3-5-pro", "universal-3-pro", "universal-2", "slam-1")
RETIRED_SPEECH_MODELS = ("best", "nano", "universal-1", "conformer-2")
# Languages per model; None = every language AssemblyAI knows.
_U3 = frozenset({"en", "es", "de", "fr", "it", "pt"})
MODEL_LANGUAGES: dict[str, frozenset[str] | None] = {
    "universal-3-5-pro": _U3,
    "universal-3-pro": _U3,
    "slam-1": frozenset({"en"}),
    "universal-2": None,
}


@dataclass(frozen=True)
class Credentials:
    """What a client needs to talk to this emulator (random per instance unless given)."""

    account_id: str
    client_id: str
    client_secret: str
    api_key: str
    extra_api_keys: tuple[str, ...] = ()  # more AssemblyAI accounts (e.g. upload ownership tests)

    @classmethod
    def random(cls) -> Credentials:
        return cls(
            account_id=b64url(secrets.token_bytes(16)),
            client_id=b64url(secrets.token_bytes(16)),
            client_secret=secrets.token_urlsafe(24),
            api_key=secrets.token_hex(16),
        )

    @classmethod
    def coerce(cls, value: Credentials | Mapping[str, str] | None) -> Credentials:
        """Accept a Credentials, a mapping of field names or of the env variable names, or None."""
        if value is None:
            return cls.random()
        if isinstance(value, Credentials):
            return value
        env = {
            "ZOOM_ACCOUNT_ID": "account_id", "ZOOM_CLIENT_ID": "client_id",
            "ZOOM_CLIENT_SECRET": "client_secret", "ASSEMBLYAI_API_KEY": "api_key",
        }  # fmt: skip
        given = {env.get(k, k): v for k, v in value.items()}
        base = cls.random()
        return cls(
            account_id=given.get("account_id", base.account_id),
            client_id=given.get("client_id", base.client_id),
            client_secret=given.get("client_secret", base.client_secret),
            api_key=given.get("api_key", base.api_key),
        )

    def api_keys(self) -> tuple[str, ...]:
        return (self.api_key, *self.extra_api_keys)


@dataclass
class AssemblySettings:
    concurrency: int = 5
    speed: float = 200.0  # real-time factor: processing lasts audio_duration / speed
    overhead_seconds: float = 0.0  # added to every job's processing time
    known_speech_models: tuple[str, ...] = KNOWN_SPEECH_MODELS
    retired_speech_models: tuple[str, ...] = RETIRED_SPEECH_MODELS
    require_speech_models: bool = True  # AssemblyAI answers 400 without it since 2026
    # Callbacks to ``webhook_url`` (seeded): sent late, twice, or never.
    webhook_delay_seconds: float = 0.0
    webhook_duplicate_rate: float = 0.0
    webhook_drop_rate: float = 0.0
    webhook_seed: int = 0
    # A callback that fails (no answer, 5xx, no 2xx within the timeout) is sent again, as
    # AssemblyAI does: up to 10 attempts in all, 10 s apart; a 4xx ends it at once.
    webhook_attempts: int = 10
    webhook_retry_seconds: float = 10.0
    webhook_time_scale: float = 1.0  # 0.001 turns the 10 s between attempts into 10 ms
    webhook_timeout_seconds: float = 10.0


@dataclass
class EmulatorState:
    scenario: Scenario
    credentials: Credentials
    granted_scopes: tuple[str, ...]
    clock: Clock
    settings: AssemblySettings
    faults: FaultEngine
    initial_faults: Faults
    signer: Signer = field(default_factory=lambda: Signer(secrets.token_bytes(32)))
    stats: Stats = field(default_factory=Stats)
    base_url: str = "http://127.0.0.1"
    started_at: float = field(default_factory=time.time)
    webhooks: list[dict[str, object]] = field(default_factory=list)  # POSTs to the sink
    zoom_tokens: ZoomTokens = field(init=False)
    page_tokens: PageTokens = field(init=False)
    jobs: JobManager = field(init=False)
    zoom_webhooks: ZoomWebhooks = field(init=False)

    def __post_init__(self) -> None:
        from .jobs import JobManager
        from .zoom_webhooks import ZoomWebhooks

        self.zoom_tokens = ZoomTokens(self.signer, self.clock)
        self.page_tokens = PageTokens(self.clock)
        self.jobs = JobManager(self)
        self.zoom_webhooks = ZoomWebhooks(self)

    @property
    def upload_prefix(self) -> str:
        return f"{self.base_url}/assemblyai/cdn/upload/"

    def processing_done(self) -> bool:
        """Whether files scripted as still "processing" have finished (seconds from start)."""
        return self.clock() >= self.started_at + self.scenario.processing_ready_after


def scopes_tuple(scopes: Iterable[str] | None) -> tuple[str, ...]:
    return ALL_SCOPES if scopes is None else tuple(scopes)
