"""Zoom Server-to-Server OAuth: access tokens fetched with Basic auth and a form body, cached
until ``early_refresh`` seconds before they expire (thread-safe), forgotten when Zoom rejects
them (401 code 124) so the next call fetches a new one once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from ..errors import AuthError, ServiceError, TranscribeZoomError
from ..events import EventSink, discard
from ..redact import Secret, redact, redact_url
from ..retry import RetryPolicy
from .api import _RetryableResponse, rate_limit_error, send_with_retries


@dataclass
class _CachedToken:
    value: Secret
    expires_at: float
    scopes: frozenset[str]


class ZoomTokenProvider:
    """Server-to-Server OAuth access tokens: fetched with Basic auth + form body, cached."""

    def __init__(
        self,
        session: requests.Session,
        *,
        oauth_url: str,
        account_id: str,
        client_id: str,
        client_secret: Secret,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        early_refresh: float = 60.0,
        timeout: float = 30.0,
        sink: EventSink = discard,
    ) -> None:
        self._session = session
        self._oauth_url = oauth_url
        self._account_id = account_id
        self._client_id = client_id
        self._client_secret = client_secret
        self._policy = policy
        self._sleep = sleep
        self._clock = clock
        self._early_refresh = early_refresh
        self._timeout = timeout
        self._sink = sink
        self._lock = threading.Lock()
        self._cached: _CachedToken | None = None
        self.fetch_count = 0

    def __repr__(self) -> str:
        return f"ZoomTokenProvider(oauth_url={self._oauth_url!r}, account_id={self._account_id!r})"

    def token(self) -> str:
        """A valid access token, fetching a new one when none is cached or it nears expiry."""
        with self._lock:
            cached = self._cached
            if cached is None or self._clock() >= cached.expires_at - self._early_refresh:
                cached = self._cached = self._fetch()
            return cached.value.reveal()

    def scopes(self) -> frozenset[str]:
        """The scopes granted to the app, as reported with the current token."""
        self.token()
        assert self._cached is not None
        return self._cached.scopes

    def invalidate(self, rejected: str) -> None:
        """Forget ``rejected`` (if still cached) so the next :meth:`token` fetches a new one."""
        with self._lock:
            if self._cached is not None and self._cached.value.reveal() == rejected:
                self._cached = None

    def _fetch(self) -> _CachedToken:
        def post() -> requests.Response:
            return self._session.post(
                self._oauth_url,
                auth=(self._client_id, self._client_secret.reveal()),
                data={"grant_type": "account_credentials", "account_id": self._account_id},
                timeout=self._timeout,
            )

        response = self._call(post)
        self.fetch_count += 1
        if response.status_code != 200:
            raise self._oauth_error(response)
        try:
            body = response.json()
            value = str(body["access_token"])
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise ServiceError(
                "Zoom's token endpoint answered something that is not a token; check "
                "ZOOM_OAUTH_URL and try again.",
                status=response.status_code,
            ) from None
        scopes = frozenset(str(body.get("scope", "")).split())
        return _CachedToken(Secret(value), self._clock() + expires_in, scopes)

    def _call(self, post: Callable[[], requests.Response]) -> requests.Response:
        try:
            return send_with_retries(post, policy=self._policy, sleep=self._sleep, sink=self._sink)
        except _RetryableResponse as exc:
            if exc.response.status_code == 429:
                raise rate_limit_error(exc.response) from None
            raise ServiceError(
                f"Zoom's token endpoint answered HTTP {exc.response.status_code} repeatedly; "
                "try again later.",
                status=exc.response.status_code,
            ) from None
        except requests.RequestException as exc:
            raise ServiceError(
                f"Cannot reach Zoom at {redact_url(self._oauth_url)} ({type(exc).__name__}); "
                "check the network and ZOOM_OAUTH_URL.",
            ) from None

    def _oauth_error(self, response: requests.Response) -> TranscribeZoomError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        reason = redact(str(body.get("reason", ""))) if isinstance(body, dict) else ""
        if error == "unsupported_grant_type":
            return AuthError(
                "Zoom refused the account_credentials grant: the app must be a "
                "Server-to-Server OAuth app (Zoom Marketplace > Develop > Build App).",
                code="unsupported_grant_type",
            )
        said = f" (Zoom said: {reason})" if reason else ""
        return AuthError(
            f"Zoom rejected the app credentials{said}; check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID "
            "and ZOOM_CLIENT_SECRET against the app's App Credentials page.",
            code=error or "invalid_client",
        )
