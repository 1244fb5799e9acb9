"""Keeping secrets out of everything we print, log, raise or write.

Three layers, one list of secret-bearing parameter names (:data:`SECRET_PARAMS`) for all:
- :class:`Secret` wraps a credential so ``str()``/``repr()`` never show it; code that needs the
  value calls :meth:`Secret.reveal` at the last moment.
- :func:`redact` scrubs free text (error messages from the services echo URLs, tokens and all):
  registered secret values, ``name=value`` and ``"name": "value"`` for every secret parameter,
  ``Authorization``/``Bearer`` values and JWT-looking strings are replaced by ``[REDACTED]``.
  :func:`redact_url` masks the secret parameters of one URL and keeps the others.
- :func:`url_key` is the one token-free identity of a URL (the ledger's ``audio_url_key``, the
  key AssemblyAI's transcript list is matched by): no query, fragment or user:password.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "[REDACTED]"

# Query, form and JSON parameter names that carry credentials in Zoom, AssemblyAI, OAuth and
# storage (S3, GCS, Azure SAS, CloudFront) URLs and bodies; matched without regard to case.
# The one list: redact(), redact_url() and the ledger's scrub() all mask exactly these.
SECRET_PARAMS: frozenset[str] = frozenset({
    "access_token", "refresh_token", "id_token", "download_token", "download_access_token",
    "token", "signature", "sig", "key", "api_key", "apikey", "password", "pwd",
    "passcode", "secret", "client_secret", "x-amz-signature", "x-amz-credential",
    "x-amz-security-token", "x-goog-signature", "x-goog-credential",
})
_NAMES = "|".join(re.escape(n) for n in sorted(SECRET_PARAMS, key=len, reverse=True))
# name=value (query strings, form bodies, log lines); the value stops where a URL's would, or
# at a comma or semicolon that ends a clause ("token=abc; retry").
_PARAM_VALUE = re.compile(rf"(?i)\b({_NAMES})=((?:[^&\s\"'<>,;]|[,;](?!\s|$))+)")
# "name": "value" (JSON bodies echoed in error messages).
_JSON_VALUE = re.compile(rf"(?i)(\"(?:{_NAMES})\"\s*:\s*\")((?:[^\"\\]|\\.)+)(?=\")")
_AUTH_HEADER = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(basic |bearer )?[^\s'\",}]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\[REDACTED\])[^\s'\",;}]+")
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
    text = _PARAM_VALUE.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _JSON_VALUE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}{MASK}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _JWT.sub(MASK, text)


def is_secret_param(name: str) -> bool:
    """Whether a query/form/JSON parameter of this name carries a credential."""
    return name.lower() in SECRET_PARAMS


def redact_url(url: str) -> str:
    """The URL with credential-bearing query values masked (other parameters kept)."""
    parts = urlsplit(url)
    if not parts.query:
        return redact(url)
    query = [
        (name, MASK if is_secret_param(name) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return redact(urlunsplit(parts._replace(query=urlencode(query, safe="[]"))))


_DEFAULT_PORTS = {"http": 80, "https": 443}


def url_key(url: str) -> str:
    """The one token-free, credential-free key of a URL, the same wherever it is computed.

    Scheme and host lower-cased, default port dropped, path kept as is; query, fragment and
    user:password dropped. ``https://u:p@Zoom.US:443/rec/a?access_token=…`` and
    ``https://zoom.us/rec/a`` have the same key. ``url_key(url_key(u)) == url_key(u)``.
    """
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # not a number: keep what was written, minus any credentials
        netloc = parts.netloc.rpartition("@")[2].lower()
    else:
        netloc = host if port is None or port == _DEFAULT_PORTS.get(parts.scheme) else (
            f"{host}:{port}")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, "", ""))


# The old name the AssemblyAI client used: the same function, kept so older callers still work.
url_without_query = url_key


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs every record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True
