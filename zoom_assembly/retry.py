"""One retry policy for every HTTP call, Zoom and AssemblyAI alike.

*Whether* to retry (:func:`is_retryable_status`, :func:`parse_retry_after`) and *how long* to wait
(:meth:`RetryPolicy.delay`) are separate functions so each is testable; jitter comes from an
injectable ``random.Random`` and sleeping from an injectable callable.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def is_retryable_status(status: int) -> bool:
    """429 and transient server errors are retried; other 4xx are answers, not accidents."""
    return status in RETRYABLE_STATUSES


@dataclass(frozen=True)
class RetryAfter:
    """A parsed ``Retry-After`` header: a delay in seconds, or a wall-clock time to resume at."""

    seconds: float | None = None
    until: datetime | None = None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> RetryAfter:
    """Read ``Retry-After`` as seconds, an ISO date-time (Zoom's daily limit) or an HTTP date.

    Unreadable or absent values give an empty :class:`RetryAfter` (fall back to backoff).
    """
    if value is None or not value.strip():
        return RetryAfter()
    text = value.strip()
    try:
        return RetryAfter(seconds=max(0.0, float(text)))
    except ValueError:
        pass
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return RetryAfter()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return RetryAfter(seconds=max(0.0, (when - now).total_seconds()), until=when)


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter; ``Retry-After`` honoured up to ``retry_after_cap``."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_after_cap: float = 120.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based): half to full of base·2^(n-1), capped."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return float(ceiling * (0.5 + 0.5 * self.rng.random()))

    def delay(self, attempt: int, retry_after: RetryAfter | None = None) -> float:
        """How long to wait before retry ``attempt``: the server's word when it gave one."""
        if retry_after is not None and retry_after.seconds is not None:
            return min(retry_after.seconds, self.retry_after_cap)
        return self.backoff(attempt)

    def exceeds_cap(self, retry_after: RetryAfter) -> bool:
        """True when the server asks us to wait longer than we are willing to sleep."""
        return retry_after.seconds is not None and retry_after.seconds > self.retry_after_cap


@dataclass(frozen=True)
class Verdict:
    """What to do about one failed attempt: retry (after ``retry_after`` when given) or not."""

    retry: bool
    reason: str = ""
    retry_after: RetryAfter | None = None


def retry_call(
    call: Callable[[], T],
    *,
    judge: Callable[[Exception], Verdict],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    on_retry: Callable[[int, float, str], None] | None = None,
) -> T:
    """Run ``call`` until it succeeds, ``judge`` says stop, or the attempts run out.

    The last exception is re-raised unchanged; callers map it to a typed error.
    """
    attempt = 1
    while True:
        try:
            return call()
        except Exception as exc:
            verdict = judge(exc)
            if not verdict.retry or attempt >= policy.max_attempts:
                raise
            if verdict.retry_after is not None and policy.exceeds_cap(verdict.retry_after):
                raise
            delay = policy.delay(attempt, verdict.retry_after)
            if on_retry is not None:
                on_retry(attempt, delay, verdict.reason)
            sleep(delay)
            attempt += 1


class RateLimiter:
    """Spaces calls to at most ``rate`` per second (thread-safe), so we stay under the vendor's
    per-second limits instead of bouncing off them with 429s."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)
