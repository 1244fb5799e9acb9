"""Everything the emulator signs or hands out: Zoom access tokens, download tokens, file and
storage URLs, page tokens; plus the injectable clock they all read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]
PAGE_TOKEN_LIFETIME = 15 * 60
STORAGE_URL_LIFETIME = 3600


class ManualClock:
    """A clock tests move by hand: ``clock.advance(901)`` expires a page token."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """HMAC-SHA256 under a per-emulator secret."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def sign(self, data: str, length: int = 43) -> str:
        return b64url(hmac.new(self.secret, data.encode(), hashlib.sha256).digest())[:length]

    def check(self, data: str, signature: str, length: int = 43) -> bool:
        return hmac.compare_digest(self.sign(data, length), signature)

    def jwt(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        head = b64url(json.dumps(header or {"typ": "JWT", "alg": "HS256"}).encode())
        body = b64url(json.dumps(claims, separators=(",", ":")).encode())
        return f"{head}.{body}.{self.sign(f'{head}.{body}')}"

    def verify_jwt(self, token: str) -> dict[str, Any] | None:
        parts = token.split(".")
        if len(parts) != 3 or not self.check(f"{parts[0]}.{parts[1]}", parts[2]):
            return None
        try:
            claims = json.loads(b64url_decode(parts[1]))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None

    # -- recording file URLs -------------------------------------------------------------------

    def file_token(self, file_id: str) -> str:
        return f"{b64url(file_id.encode())}.{self.sign('file:' + file_id, 16)}"

    def file_from_token(self, token: str) -> str | None:
        encoded, _, signature = token.partition(".")
        try:
            file_id = b64url_decode(encoded).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return file_id if self.check("file:" + file_id, signature, 16) else None

    def storage_query(self, file_token: str, expires: int) -> str:
        signature = self.sign(f"{file_token}:{expires}")
        return f"Expires={expires}&Signature={signature}&Key-Pair-Id=APKAEMULATORZOOMREC"


@dataclass
class AccessToken:
    token: str
    expires: float
    scopes: tuple[str, ...]
    revoked: bool = False


class ZoomTokens:
    """Issued Server-to-Server OAuth tokens; thread-safe (revocation comes from test threads)."""

    def __init__(self, signer: Signer, clock: Clock) -> None:
        self._signer = signer
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, AccessToken] = {}

    def issue(
        self, client_id: str, account_id: str, scopes: tuple[str, ...], lifetime: int,
        invalidate_previous: bool,
    ) -> tuple[AccessToken, int]:
        """A new token, and how many older ones it revoked."""
        now = int(self._clock())
        claims = {
            "aud": "https://oauth.zoom.us", "uid": b64url(secrets.token_bytes(16)), "ver": 10,
            "auid": secrets.token_hex(32), "nbf": now, "code": b64url(secrets.token_bytes(24)),
            "iss": f"zm:cid:{client_id}", "gno": 0, "exp": now + lifetime, "iat": now,
            "aid": account_id, "jti": str(secrets.token_hex(16)),
        }
        header = {"alg": "HS512", "v": "2.0", "kid": secrets.token_hex(16)}
        token = AccessToken(self._signer.jwt(claims, header), now + lifetime, scopes)
        revoked = 0
        with self._lock:
            if invalidate_previous:
                revoked = self._revoke_locked()
            self._tokens[token.token] = token
        return token, revoked

    def check(self, token: str) -> tuple[str, AccessToken | None]:
        """("ok" | "expired" | "invalid", the token record)."""
        with self._lock:
            record = self._tokens.get(token)
        if record is None or record.revoked:
            return "invalid", None
        if self._clock() >= record.expires:
            return "expired", None
        return "ok", record

    def _revoke_locked(self) -> int:
        live = [t for t in self._tokens.values() if not t.revoked]
        for t in live:
            t.revoked = True
        return len(live)

    def revoke_all(self) -> int:
        with self._lock:
            return self._revoke_locked()


class PageTokens:
    """Opaque ``next_page_token`` values that expire after 15 minutes, like Zoom's."""

    def __init__(self, clock: Clock, lifetime: float = PAGE_TOKEN_LIFETIME) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._lock = threading.Lock()
        self._pages: dict[str, tuple[float, dict[str, Any]]] = {}

    def new(self, cursor: dict[str, Any]) -> str:
        token = b64url(secrets.token_bytes(26))[:35]
        now = self._clock()
        with self._lock:
            self._pages = {k: v for k, v in self._pages.items() if v[0] > now}
            self._pages[token] = (now + self._lifetime, cursor)
        return token

    def get(self, token: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._pages.get(token)
        if entry is None or self._clock() >= entry[0]:
            return None
        return entry[1]
