"""Verifying who calls the service: Zoom's signed events and AssemblyAI's auth header.

Zoom signs every event (URL validation included) with the app's secret token:
``x-zm-signature = "v0=" + hex(HMAC-SHA256(secret, "v0:{x-zm-request-timestamp}:{raw body}"))``,
computed over the raw bytes as received, never over re-serialised JSON. The URL validation is
verified too: answering an unsigned one would hand anyone ``HMAC(secret, text of their
choice)``, which is exactly a valid signature for a body of their choice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from ..redact import Secret

SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"
ASSEMBLYAI_AUTH_HEADER = "X-Transcribe-Zoom-Webhook"
MAX_AGE_SECONDS = 300.0  # Zoom's own sample refuses events older than 5 minutes
MAX_BODY_BYTES = 1 << 20  # a recording.completed with many files is a few tens of KiB


def zoom_signature(secret: Secret, timestamp: str, body: bytes) -> str:
    """``v0=<hex HMAC-SHA256>`` of ``v0:{timestamp}:{body}`` (what Zoom sends)."""
    message = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(secret.reveal().encode(), message, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def encrypted_token(secret: Secret, plain_token: str) -> str:
    """The URL validation answer: hex HMAC-SHA256 of ``plainToken`` with the secret token."""
    return hmac.new(secret.reveal().encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def timestamp_seconds(value: str) -> float | None:
    """Zoom's request timestamp in seconds; the unit is not documented, so milliseconds
    (13 digits) are accepted too. None when it is not a number."""
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number != number or number <= 0:  # NaN or nonsense
        return None
    return number / 1000.0 if number > 1e11 else number


def zoom_rejection(
    secret: Secret,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    now: Callable[[], float] = time.time,
    max_age: float = MAX_AGE_SECONDS,
) -> str | None:
    """Why a Zoom delivery is refused (``missing_signature``, ``stale_timestamp``,
    ``bad_signature``), or None when it is genuine and fresh."""
    if not timestamp or not signature:
        return "missing_signature"
    when = timestamp_seconds(timestamp)
    if when is None or abs(now() - when) > max_age:
        return "stale_timestamp"
    expected = zoom_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        return "bad_signature"
    return None


def new_callback_secret() -> Secret:
    """The value AssemblyAI sends back in :data:`ASSEMBLYAI_AUTH_HEADER` (one per process)."""
    return Secret(secrets.token_urlsafe(32))


def assemblyai_authentic(secret: Secret, value: str | None) -> bool:
    """True when an AssemblyAI callback carries our header value (constant-time compare)."""
    return value is not None and hmac.compare_digest(value.encode(), secret.reveal().encode())
