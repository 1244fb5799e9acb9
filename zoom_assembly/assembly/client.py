"""AssemblyAI through the official SDK's endpoint functions, with the retries the SDK lacks.

- 429 (``Retry-After`` honoured) and 5xx are retried; network errors too, except that a
  ``submit`` whose request may have reached the server is never blindly repeated: the caller
  first looks for the job in the transcript list (:meth:`AssemblyClient.find_job`), so a lost
  response does not pay twice.
- SDK error messages echo the audio URL, token included: every message is redacted here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import assemblyai as aai
import httpx
from assemblyai import types as aai_types
from assemblyai.prerecorded.v2 import api as aai_api

from ..config import Settings
from ..errors import AmbiguousSubmit as AmbiguousSubmit  # re-exported from its old home
from ..errors import (
    AuthError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServiceError,
)
from ..events import EventSink, RetryScheduled, discard
from ..models import Transcript
from ..redact import redact, url_key
from ..retry import (
    RetryAfter,
    RetryPolicy,
    Verdict,
    is_retryable_status,
    parse_retry_after,
    retry_call,
)
from .options import TranscriptionOptions as TranscriptionOptions  # re-exported
from .options import check_keyterms as check_keyterms  # re-exported
from .transcripts import _loads
from .transcripts import transcript_from_json as transcript_from_json  # re-exported

T = TypeVar("T")

# httpx errors raised before the request left this machine: always safe to repeat.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


# keyterms_prompt limits, from AssemblyAI's spec (TranscriptParams.keyterms_prompt): "up to
# 200 (for Universal-2) or 1000 (for Universal-3 Pro) ... (maximum 6 words per phrase)". No
# character limit is documented. Models not listed here are held to the largest limit.
@dataclass(frozen=True)
class JobStatus:
    id: str
    status: str  # queued | processing | completed | error
    error: str | None = None
    audio_url_key: str = ""
    created: str = ""

    @property
    def created_at(self) -> datetime | None:
        """``created`` as an aware UTC datetime (AssemblyAI sends it without a zone)."""
        if not self.created:
            return None
        try:
            moment = datetime.fromisoformat(self.created.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class _Retryable(Exception):
    def __init__(self, status: int, retry_after: RetryAfter | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def _judge(exc: Exception) -> Verdict:
    if isinstance(exc, _Retryable):
        why = "rate limited (429)" if exc.status == 429 else f"HTTP {exc.status}"
        return Verdict(retry=True, reason=why, retry_after=exc.retry_after)
    if isinstance(exc, httpx.TransportError):
        return Verdict(retry=True, reason=f"connection problem ({type(exc).__name__})")
    return Verdict(retry=False)


class AssemblyClient:
    """Submit, check, fetch and list AssemblyAI transcripts."""

    def __init__(
        self,
        settings: Settings,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        sink: EventSink = discard,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        settings.require_assemblyai()
        sdk_settings = aai_types.Settings(
            api_key=settings.assemblyai_api_key.reveal(),
            base_url=settings.assemblyai_base_url,
            http_timeout=settings.http_timeout,
        )
        self._client = aai.Client(settings=sdk_settings)
        if transport is not None:  # tests: the SDK's client, over a mocked transport
            sdk_http = self._client.http_client
            self._client._http_client = httpx.Client(
                base_url=sdk_http.base_url,
                headers=sdk_http.headers,
                timeout=sdk_http.timeout,
                transport=transport,
                event_hooks=sdk_http.event_hooks,
            )
            sdk_http.close()
        self._http = self._client.http_client
        # The SDK keeps one "last response" per client; worker threads need their own to read
        # Retry-After and error bodies of *their* failed call.
        self._local = threading.local()
        self._http.event_hooks["response"].append(self._remember)
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._sink = sink
        self.base_url = settings.assemblyai_base_url
        self._api_key = settings.assemblyai_api_key

    def __repr__(self) -> str:
        return f"AssemblyClient(base_url={self.base_url!r})"

    def _remember(self, response: httpx.Response) -> None:
        self._local.response = response

    def _last_response(self) -> httpx.Response | None:
        response: httpx.Response | None = getattr(self._local, "response", None)
        return response

    def close(self) -> None:
        self._http.close()

    # -- one place that turns SDK failures into our errors ---------------------------------
    def _call(self, what: str, call: Callable[[], T], *, retry_sent: bool = True) -> T:
        def attempt() -> T:
            try:
                return call()
            except aai_types.AssemblyAIError as exc:
                status = exc.status_code or 0
                if is_retryable_status(status):
                    retry_after = None
                    response = self._last_response()
                    if response is not None and response.status_code == status:
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    raise _Retryable(status, retry_after) from None
                raise
            except httpx.TransportError as exc:
                if not retry_sent and not isinstance(exc, _NOT_SENT):
                    raise AmbiguousSubmit() from None
                raise

        try:
            return retry_call(
                attempt,
                judge=_judge,
                policy=self._policy,
                sleep=self._sleep,
                on_retry=lambda n, d, why: self._sink(RetryScheduled("assemblyai", why, d, n)),
            )
        except _Retryable as exc:
            if exc.status == 429:
                raise RateLimited(
                    f"AssemblyAI kept answering 'too many requests' while {what}; wait a few "
                    "minutes and run the same command again (finished work is kept).",
                    retry_after=exc.retry_after.seconds if exc.retry_after else None,
                ) from None
            raise ServiceError(
                f"AssemblyAI answered HTTP {exc.status} repeatedly while {what}; try again "
                "later (finished work is kept).",
                status=exc.status,
            ) from None
        except httpx.TransportError as exc:
            raise ServiceError(
                f"Cannot reach AssemblyAI while {what} ({type(exc).__name__}); check the "
                "network and ASSEMBLYAI_BASE_URL, then run the same command again.",
            ) from None
        except aai_types.AssemblyAIError as exc:
            raise self._map_error(exc, what) from None

    def _map_error(self, exc: aai_types.AssemblyAIError, what: str) -> Exception:
        message = self._service_message(exc)
        if exc.status_code == 401:
            return AuthError(
                "AssemblyAI rejected the API key; check ASSEMBLYAI_API_KEY (AssemblyAI "
                "dashboard > API Keys).",
                code="assemblyai_auth",
            )
        if exc.status_code == 404:
            return NotFound(f"AssemblyAI has no such transcript ({what}).", code="no_transcript")
        if exc.status_code == 400:
            return RequestRejected(
                f"AssemblyAI refused the request: {message}; check --model, --language and "
                "--keyterm.",
            )
        return ServiceError(
            f"AssemblyAI answered HTTP {exc.status_code} while {what}: {message}",
            status=exc.status_code,
        )

    def _service_message(self, exc: aai_types.AssemblyAIError) -> str:
        response = self._last_response()
        if response is not None:
            try:
                body = response.json()
                if isinstance(body, dict) and body.get("error"):
                    return redact(str(body["error"])).rstrip(".")
            except ValueError:
                pass
        return redact(str(exc)).rstrip(".")

    # -- endpoints --------------------------------------------------------------------------
    def submit(self, audio_url: str, options: TranscriptionOptions) -> str:
        """Create a transcript job; its id. Raises :class:`AmbiguousSubmit` on a lost answer."""
        request = options.request(audio_url)
        response = self._call(
            "submitting a transcript",
            lambda: aai_api.create_transcript(self._http, request),
            retry_sent=False,
        )
        return str(response.id)

    def get(self, transcript_id: str) -> Transcript:
        """The transcript as it stands (any status)."""
        return self._call(f"checking transcript {transcript_id}",
                          lambda: self._get_transcript(transcript_id))

    def _get_transcript(self, transcript_id: str) -> Transcript:
        # The SDK's client and error type, but our own parsing (see transcript_from_json).
        response = self._http.get(f"{aai_api.ENDPOINT_TRANSCRIPT}/{transcript_id}")
        if response.status_code != httpx.codes.OK:
            raise aai_types.TranscriptError(
                f"failed to retrieve transcript {transcript_id}", response.status_code
            )
        body = _loads(response.content)
        if not isinstance(body, dict):
            raise aai_types.TranscriptError("transcript answer is not an object", 502)
        return transcript_from_json(body)

    def recent_jobs(
        self, *, limit: int = 200, max_pages: int = 5, since: datetime | None = None
    ) -> Iterator[JobStatus]:
        """Newest-first statuses from the transcript list (one call covers up to 200 jobs).

        With ``since`` (aware), paging stops after the first page reaching a job created
        before it: older jobs cannot belong to recordings made after ``since``.
        """
        before_id: str | None = None
        for _ in range(max_pages):
            params = aai_types.ListTranscriptParameters(limit=limit, before_id=before_id)
            page = self._list_page(params)
            items = page.transcripts or []
            reached_cutoff = False
            for item in items:
                status = getattr(item.status, "value", item.status)
                job = JobStatus(
                    id=str(item.id),
                    status=str(status),
                    error=redact(item.error) if item.error else None,
                    audio_url_key=url_key(item.audio_url or ""),
                    created=str(item.created or ""),
                )
                created = job.created_at
                if since is not None and created is not None and created < since:
                    reached_cutoff = True
                yield job
            if reached_cutoff or len(items) < limit or not items:
                return
            before_id = str(items[-1].id)

    def _list_page(
        self, params: aai_types.ListTranscriptParameters
    ) -> aai_types.ListTranscriptResponse:
        return self._call(
            "listing transcripts", lambda: aai_api.list_transcripts(self._http, params)
        )

    def statuses(self, ids: set[str], *, max_pages: int | None = None) -> dict[str, JobStatus]:
        """Statuses of ``ids`` (and of every other job on the pages read) from the transcript
        list, newest first, stopping once all of ``ids`` are seen.

        Jobs not found within ``max_pages`` pages (default: enough for ``ids`` plus one) are
        simply absent: check those one by one.
        """
        pages = max_pages if max_pages is not None else len(ids) // 200 + 2
        found: dict[str, JobStatus] = {}
        seen = 0
        for job in self.recent_jobs(max_pages=pages):
            found[job.id] = job  # every job on the pages read: callers may settle others
            seen += job.id in ids
            if seen == len(ids):
                break
        return found

    def find_job(self, audio_url_key: str, *, max_pages: int = 5) -> JobStatus | None:
        """The newest job for this audio (URL without its token) that has not failed."""
        for job in self.recent_jobs(max_pages=max_pages):
            if job.audio_url_key == audio_url_key and job.status != "error":
                return job
        return None

    def upload(
        self, open_body: Callable[[], Iterable[bytes]], *, size: int | None
    ) -> str:
        """Stream bytes to ``/v2/upload`` (retried from the start); the ``upload_url``."""
        from .upload import upload_stream

        return upload_stream(
            self.base_url,
            self._api_key,
            open_body,
            size=size,
            policy=self._policy,
            sleep=self._sleep,
            sink=self._sink,
        )

    def verify_key(self) -> None:
        """Raise :class:`AuthError` when the API key is refused."""
        self._call(
            "checking the API key",
            lambda: aai_api.list_transcripts(
                self._http, aai_types.ListTranscriptParameters(limit=1)
            ),
        )
