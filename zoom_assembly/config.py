"""Settings from flags > environment > ``tokens.env``.

``tokens.env`` is read with python-dotenv and never overrides a variable already set in the real
environment. A missing credential fails with one sentence that names every way to supply it.
"""

from __future__ import annotations

import io
import math
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from .errors import ConfigError
from .redact import Secret

DEFAULT_ENV_FILE = Path("tokens.env")
DEFAULT_ZOOM_OAUTH_URL = "https://zoom.us/oauth/token"
DEFAULT_ZOOM_API_BASE_URL = "https://api.zoom.us/v2"
DEFAULT_ASSEMBLYAI_BASE_URL = "https://api.assemblyai.com"
DEFAULT_SPEECH_MODELS = ("universal-3-5-pro", "universal-2")

# environment variable -> (Settings field, command-line flag)
_CREDENTIALS = {
    "ZOOM_ACCOUNT_ID": ("zoom_account_id", "--zoom-account-id"),
    "ZOOM_CLIENT_ID": ("zoom_client_id", "--zoom-client-id"),
    "ZOOM_CLIENT_SECRET": ("zoom_client_secret", "--zoom-client-secret"),
    "ASSEMBLYAI_API_KEY": ("assemblyai_api_key", "--assemblyai-api-key"),
}
_ENDPOINTS = {
    "ZOOM_OAUTH_URL": ("zoom_oauth_url", DEFAULT_ZOOM_OAUTH_URL),
    "ZOOM_API_BASE_URL": ("zoom_api_base_url", DEFAULT_ZOOM_API_BASE_URL),
    "ASSEMBLYAI_BASE_URL": ("assemblyai_base_url", DEFAULT_ASSEMBLYAI_BASE_URL),
}


@dataclass(frozen=True)
class Settings:
    """Everything the library needs to talk to Zoom and AssemblyAI.

    Secrets are :class:`Secret` objects: ``repr(settings)`` shows no credential.
    """

    zoom_account_id: str = ""
    zoom_client_id: str = ""
    zoom_client_secret: Secret = field(default_factory=lambda: Secret(""))
    assemblyai_api_key: Secret = field(default_factory=lambda: Secret(""))
    zoom_oauth_url: str = DEFAULT_ZOOM_OAUTH_URL
    zoom_api_base_url: str = DEFAULT_ZOOM_API_BASE_URL
    assemblyai_base_url: str = DEFAULT_ASSEMBLYAI_BASE_URL
    env_file: Path | None = None
    # Lifetime of the download-scoped token handed to AssemblyAI: long enough for queue time
    # plus processing (API_FACTS: at least 1-2 h, more when jobs wait behind concurrency).
    handoff_ttl: int = 6 * 3600
    http_timeout: float = 30.0
    # Client-side cap on Zoom calls per second for Light endpoints (a meeting's recordings);
    # Medium ones (listings) get two thirds of it. Zoom Pro allows 30 and 20 per second per
    # account, shared by every app, so the default keeps a third free for the others.
    zoom_requests_per_second: float = 20.0

    def require_zoom(self) -> None:
        """Raise :class:`ConfigError` naming every way to supply missing Zoom credentials."""
        _require(self, ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"))

    def require_assemblyai(self) -> None:
        """Raise :class:`ConfigError` naming every way to supply a missing AssemblyAI key."""
        _require(self, ("ASSEMBLYAI_API_KEY",))

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _require(settings: Settings, names: tuple[str, ...]) -> None:
    missing = [name for name in names if not getattr(settings, _CREDENTIALS[name][0])]
    if not missing:
        return
    env_file = settings.env_file or DEFAULT_ENV_FILE
    flags = ", ".join(_CREDENTIALS[name][1] for name in missing)
    raise ConfigError(
        f"Missing {' and '.join(missing)}: set {'them' if len(missing) > 1 else 'it'} in "
        f"{env_file} (see tokens.env.example), export {'them' if len(missing) > 1 else 'it'} "
        f"in the environment, or pass {flags}.",
        code="missing_credentials",
    )


def read_env_file(path: Path, *, explicit: bool) -> dict[str, str]:
    """The variables of an env file; an explicitly named file must exist and be readable."""
    if not path.exists():
        if explicit:
            raise ConfigError(
                f"The env file {path} does not exist; create it from tokens.env.example "
                "or point --env-file at the right file.",
                code="env_file_missing",
            )
        return {}
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the env file {path} ({exc.strerror or 'unreadable'}); check its "
            "permissions or point --env-file at another file.",
            code="env_file_unreadable",
        ) from None
    if b"\0" in data:
        raise ConfigError(
            f"The env file {path} is a binary file, not KEY=value lines; point --env-file at "
            "your tokens.env (see tokens.env.example).",
            code="env_file_not_text",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"The env file {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8 or point --env-file at another file.",
            code="env_file_not_text",
        ) from None
    values = dotenv_values(stream=io.StringIO(text))
    return {key: value for key, value in values.items() if value is not None}


def _endpoint(name: str, value: str) -> str:
    """An endpoint setting checked once, here, instead of failing later as a connection bug."""
    problem = ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with https:// or http://"
        elif not parts.hostname:
            problem = "it has no host name"
        elif any(ch.isspace() or ord(ch) < 0x20 for ch in value):
            problem = "it contains spaces or control characters"
        elif parts.query or parts.fragment:
            problem = "it must not carry a query or fragment"
    if problem:
        raise ConfigError(
            f"{name}={value!r} is not a usable URL ({problem}); fix it or unset it to use the "
            "default.",
            code="bad_setting",
        )
    return value


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = math.nan
    if not math.isfinite(rate) or rate <= 0:
        raise ConfigError(
            f"ZOOM_MAX_REQUESTS_PER_SECOND={value!r} is not a positive number; set it to e.g. "
            "20 or unset it.",
            code="bad_setting",
        )
    return rate


def env_file_is_shared(path: Path) -> bool:
    """True when the env file can be read by users other than its owner (POSIX only)."""
    if os.name != "posix" or not path.exists():
        return False
    return bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))


def load_settings(
    *,
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
    use_env_file: bool = True,
) -> Settings:
    """Build :class:`Settings`: ``overrides`` (flags) > ``environ`` > the env file.

    ``env_file=None`` reads ``./tokens.env`` when it exists; an explicit path must exist.
    """
    environ = os.environ if environ is None else environ
    path = env_file if env_file is not None else DEFAULT_ENV_FILE
    from_file = read_env_file(path, explicit=env_file is not None) if use_env_file else {}
    merged: dict[str, str] = {**from_file, **{k: v for k, v in environ.items() if v != ""}}

    values: dict[str, object] = {"env_file": path}
    for name, (attr, _flag) in _CREDENTIALS.items():
        raw = merged.get(name, "").strip()
        values[attr] = Secret(raw) if attr in {"zoom_client_secret", "assemblyai_api_key"} else raw
    for name, (attr, default) in _ENDPOINTS.items():
        raw = merged.get(name, "").strip().rstrip("/")
        values[attr] = _endpoint(name, raw) if raw else default
    rate = merged.get("ZOOM_MAX_REQUESTS_PER_SECOND", "").strip()
    if rate:
        values["zoom_requests_per_second"] = _rate(rate)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key in {"zoom_client_secret", "assemblyai_api_key"} and isinstance(value, str):
            value = Secret(value)
        values[key] = value
    return Settings(**values)  # type: ignore[arg-type]
