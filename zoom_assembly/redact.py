"""Keeping secrets out of everything we print, log, raise or write.

Two layers:
- :class:`Secret` wraps a credential so ``str()``/``repr()`` never show it; code that needs the
  value calls :meth:`Secret.reveal` at the last moment.
- :func:`redact` scrubs free text (error messages from the services echo URLs, tokens and all):
  registered secret values, ``access_token=`` query values, ``Authorization`` header values and
  JWT-looking strings are replaced by ``[REDACTED]``.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"

# Query parameters that carry credentials in Zoom, AssemblyAI and storage URLs.
_SECRET_PARAMS = frozenset(
    {"access_token", "token", "download_token", "signature", "sig", "key", "x-amz-signature"}
)
_QUERY_TOKEN = re.compile(
    r"(?i)\b(access_token|download_token|token|signature|sig)=([^&\s\"'<>]+)"
)
_AUTH_HEADER = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(basic |bearer )?[^\s'\",}]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]+")

_registered: set[str] = set()
_lock = threading.Lock()


class Secret:
    """A credential that never shows itself in output, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__


def register_secret(value: str | None) -> None:
    """Remember a secret value so :func:`redact` removes it from any text."""
    if value and len(value) >= 6:
        with _lock:
            _registered.add(value)


def redact(text: str) -> str:
    """``text`` with every known secret, URL token, auth header and JWT replaced by a mask."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_registered, key=len, reverse=True)
    for value in secrets:
        if value in text:
            text = text.replace(value, MASK)
    text = _QUERY_TOKEN.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}{MASK}", text)
    return _JWT.sub(MASK, text)


def redact_url(url: str) -> str:
    """The URL with credential-bearing query values masked (other parameters kept)."""
    parts = urlsplit(url)
    if not parts.query:
        return redact(url)
    query = [
        (name, MASK if name.lower() in _SECRET_PARAMS else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return redact(urlunsplit(parts._replace(query=urlencode(query, safe="[]"))))


def url_without_query(url: str) -> str:
    """The URL with its whole query string dropped: a stable key that holds no token."""
    return urlunsplit(urlsplit(url)._replace(query="", fragment=""))


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs every record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True
