"""Zoom's HTTP layer: Server-to-Server OAuth tokens and one retrying GET for every API call.

- Tokens are cached until ``early_refresh`` seconds before ``expires_in`` (thread-safe); a 401
  with code 124 (token revoked or replaced) invalidates the cached token, fetches a new one
  **once** and retries the call.
- 429 with ``Retry-After`` in seconds is waited out (capped); the daily limit (``Retry-After``
  as an ISO date) raises :class:`RateLimited` with the resume time instead of sleeping.
- 5xx and connection errors back off exponentially with jitter (``retry.RetryPolicy``).
- Zoom error bodies ``{"code", "message"}`` become typed errors with stable codes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import requests

from ..errors import (
    AuthError,
    DownloadError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ScopeError,
    ServiceError,
    StillProcessing,
    TranscribeZoomError,
    UsageError,
)
from ..events import EventSink, RetryScheduled, discard
from ..redact import redact
from ..retry import (
    RateLimiter,
    RetryPolicy,
    Verdict,
    is_retryable_status,
    parse_retry_after,
    retry_call,
)

if TYPE_CHECKING:
    from .auth import ZoomTokenProvider

USER_AGENT = "transcribe-zoom (+https://pypi.org/project/transcribe-zoom)"
_SCOPES_IN_MESSAGE = re.compile(r"scopes?\s*:?\s*\[([^\]]*)\]", re.IGNORECASE)


class _RetryableResponse(Exception):
    """Internal: a response worth retrying (429/5xx); carries it for the verdict."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class _TokenRejected(Exception):
    """Internal: 401 code 124 on an API call."""


def _judge(exc: Exception) -> Verdict:
    if isinstance(exc, _RetryableResponse):
        response = exc.response
        reason = f"HTTP {response.status_code}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if response.status_code == 429:
            if response.headers.get("X-RateLimit-Type", "").lower().startswith("daily"):
                return Verdict(retry=False, reason="daily limit")
            return Verdict(retry=True, reason="rate limited (429)", retry_after=retry_after)
        return Verdict(retry=True, reason=reason)
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return Verdict(retry=True, reason="connection problem")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Verdict(retry=True, reason="connection dropped")
    return Verdict(retry=False)


def send_with_retries(
    send: Callable[[], requests.Response],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    sink: EventSink,
) -> requests.Response:
    """``send`` until it answers something other than 429/5xx, within the retry policy.

    Raises ``_RetryableResponse`` (the last answer) or the last ``requests`` exception.
    """

    def attempt() -> requests.Response:
        response = send()
        if is_retryable_status(response.status_code):
            raise _RetryableResponse(response)
        return response

    return retry_call(
        attempt,
        judge=_judge,
        policy=policy,
        sleep=sleep,
        on_retry=lambda n, d, why: sink(RetryScheduled("zoom", why, d, n)),
    )


def zoom_error_body(response: requests.Response) -> tuple[int | None, str]:
    """Zoom's ``{"code", "message"}`` (or OAuth's ``{"error", "reason"}``) from a response."""
    try:
        body = response.json()
    except ValueError:
        return None, ""
    return zoom_error_fields(body)


def zoom_error_fields(body: object) -> tuple[int | None, str]:
    """``(code, message)`` of a decoded Zoom error body; the message redacted."""
    if not isinstance(body, dict):
        return None, ""
    code = body.get("code")
    message = body.get("message") or body.get("reason") or body.get("error") or ""
    return (code if isinstance(code, int) else None), redact(str(message))


def rate_limit_error(response: requests.Response) -> RateLimited:
    """The error for a 429 we will not wait out (daily limit, or too long a Retry-After)."""
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if retry_after.until is not None:
        when = retry_after.until.strftime("%Y-%m-%d %H:%M UTC")
        return RateLimited(
            f"Zoom's daily API limit for this account is used up; run the same command again "
            f"after {when} to continue where it stopped.",
            retry_after=retry_after.seconds,
            resume_at=retry_after.until,
        )
    wait = f" (Zoom asks to wait {retry_after.seconds:.0f} s)" if retry_after.seconds else ""
    return RateLimited(
        f"Zoom kept answering 'too many requests'{wait}; wait a minute and run the same "
        "command again, or lower --concurrency.",
        retry_after=retry_after.seconds,
    )


DOWNLOAD_SCOPE = "cloud_recording:read:recording:admin"


def map_zoom_error(
    response: requests.Response,
    what: str,
    *,
    download: bool = False,
    body: tuple[int | None, str] | None = None,
) -> TranscribeZoomError:
    """A typed error, with a stable code and one sentence, for a failed Zoom response.

    The one status→error mapping of the Zoom side. ``download=True`` words it for a recording
    file's download (``download_*`` codes; what is not one of Zoom's API answers becomes a
    :class:`DownloadError`). ``body`` is Zoom's ``(code, message)`` when the caller has already
    read it (a streamed download reads at most 64 KiB); otherwise it is read here.
    """
    status = response.status_code
    code, message = body if body is not None else zoom_error_body(response)
    detail = f" (Zoom said: {message})" if message else ""
    if status == 429:
        return rate_limit_error(response)
    if code == 4711:
        match = _SCOPES_IN_MESSAGE.search(message)
        scopes = [s.strip() for s in match.group(1).split(",") if s.strip()] if match else []
        if not scopes and download:
            scopes = [DOWNLOAD_SCOPE]
        named = ", ".join(scopes) if scopes else "the scopes listed in the README"
        return ScopeError(
            f"The Zoom app is missing scopes for {what}: add {named} to the Server-to-Server "
            "OAuth app in the Zoom Marketplace (Scopes tab), then run `transcribe-zoom check`.",
            scopes=scopes,
        )
    if download:
        return _download_error(response, what, message, detail)
    if code == 3301:
        return NotFound(
            f"Zoom has no cloud recording for {what}; check the meeting ID and that the "
            "meeting was recorded to the cloud (local recordings are not on Zoom).",
            code="no_recording",
        )
    if code in (1001, 1010):
        return NotFound(
            f"Zoom does not know the user in {what}{detail}; check the email or user ID "
            "(`transcribe-zoom backfill --all-users` lists everyone).",
            code="user_not_found",
        )
    if code in (3001, 3000) or (status == 404 and code is None):
        return NotFound(
            f"Zoom has no meeting for {what}{detail}; check the meeting ID or UUID.",
            code="meeting_not_found",
        )
    if code == 200 or status == 403:
        return PermissionDenied(
            f"Zoom refused access to {what}{detail}; the app's account needs a paid plan with "
            "cloud recording and admin rights over that user.",
        )
    if status == 401:
        return AuthError(
            f"Zoom rejected the access token for {what}{detail}; check the app is activated "
            "and run `transcribe-zoom check`.",
            code="invalid_token",
        )
    if code == 300 or status == 400:
        return UsageError(f"Zoom refused the request for {what}{detail}.", code="zoom_bad_request")
    return ServiceError(
        f"Zoom answered HTTP {status} for {what}{detail}; try again later.", status=status
    )


def _download_error(
    response: requests.Response, what: str, message: str, detail: str
) -> TranscribeZoomError:
    """The download wording of :func:`map_zoom_error` (429 and missing scopes are shared)."""
    status = response.status_code
    if status == 404:
        if "process" in message.lower():
            return StillProcessing(
                f"Zoom is still processing {what}; run the same command again later.",
            )
        return NotFound(
            f"Zoom no longer has {what} (HTTP 404){detail}; it may have been deleted or moved "
            "to the trash, so list the meeting's recordings again.",
            code="download_not_found",
        )
    if status in (401, 403):
        return PermissionDenied(
            f"Zoom refused to let this app download {what} (HTTP {status}){detail}; the app "
            f"needs the {DOWNLOAD_SCOPE} scope and admin rights over the recording's owner, so "
            "run `transcribe-zoom check`.",
            code="download_forbidden",
        )
    if status >= 500:
        return DownloadError(
            f"Zoom answered HTTP {status} for {what}; try again later.",
            status=status,
            retryable=True,
        )
    return DownloadError(
        f"Zoom answered HTTP {status} for {what}{detail}; run the same command again, and "
        "check the recording in the Zoom web portal if it keeps failing.",
        status=status,
    )


_LIGHT = re.compile(r"^/meetings/[^/]+/recordings$")


def rate_category(path: str) -> str:
    """Zoom's rate-limit label of an endpoint: a meeting's recordings are Light, the
    listings we use Medium."""
    return "light" if _LIGHT.match(path) else "medium"


def rate_limiters(
    light_per_second: float, *, clock: Callable[[], float], sleep: Callable[[float], None]
) -> dict[str, RateLimiter]:
    """One limiter per rate category; Medium gets two thirds of Light, as in Zoom's tables."""
    return {
        "light": RateLimiter(light_per_second, clock=clock, sleep=sleep),
        "medium": RateLimiter(light_per_second * 2 / 3, clock=clock, sleep=sleep),
    }


class ZoomApi:
    """Authenticated, retrying JSON GETs against Zoom's REST API."""

    def __init__(
        self,
        *,
        base_url: str,
        tokens: ZoomTokenProvider,
        session: requests.Session,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        sink: EventSink = discard,
        limiters: Mapping[str, RateLimiter] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._limiters = limiters or {}
        self.tokens = tokens
        self.session = session
        self._policy = policy
        self._sleep = sleep
        self.timeout = timeout
        self._sink = sink
        self.request_count = 0

    def __repr__(self) -> str:
        return f"ZoomApi(base_url={self.base_url!r})"

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, what: str) -> Any:
        """GET ``path`` (already URL-encoded) and return its JSON; ``what`` names it in errors."""
        url = f"{self.base_url}{path}"
        try:
            return self._get_once_refreshing(url, params, what)
        except _TokenRejected:
            raise AuthError(
                f"Zoom rejected a freshly issued access token for {what}; another process may "
                "be fetching tokens for the same app, or the app was deactivated. Try again.",
                code="invalid_token",
            ) from None

    def _get_once_refreshing(self, url: str, params: Mapping[str, Any] | None, what: str) -> Any:
        token = self.tokens.token()
        try:
            return self._get(url, params, what, token)
        except _TokenRejected:
            # A token revoked or replaced mid-run: fetch a new one once and try again.
            self.tokens.invalidate(token)
            return self._get(url, params, what, self.tokens.token())

    def _get(self, url: str, params: Mapping[str, Any] | None, what: str, token: str) -> Any:
        limiter = self._limiters.get(rate_category(url[len(self.base_url):]))

        def send() -> requests.Response:
            if limiter is not None:
                limiter.acquire()
            self.request_count += 1
            return self.session.get(
                url,
                params=params,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=self.timeout,
            )

        try:
            response = send_with_retries(
                send, policy=self._policy, sleep=self._sleep, sink=self._sink
            )
        except _RetryableResponse as exc:
            raise map_zoom_error(exc.response, what) from None
        except requests.RequestException as exc:
            raise ServiceError(
                f"Cannot reach Zoom for {what} ({type(exc).__name__}); check the network "
                "and ZOOM_API_BASE_URL, then run the same command again.",
            ) from None
        if response.status_code == 401 and zoom_error_body(response)[0] in (124, None):
            raise _TokenRejected()
        if response.status_code != 200:
            raise map_zoom_error(response, what)
        try:
            return response.json()
        except ValueError:
            raise ServiceError(
                f"Zoom answered {what} with something that is not JSON "
                f"({response.headers.get('Content-Type', 'no content type')}); check "
                "ZOOM_API_BASE_URL.",
                status=response.status_code,
            ) from None
