from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from zoom_assembly.retry import (
    RetryAfter,
    RetryPolicy,
    Verdict,
    is_retryable_status,
    parse_retry_after,
    retry_call,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_retry_after_in_seconds_is_a_delay() -> None:
    assert parse_retry_after("7", now=NOW) == RetryAfter(seconds=7.0)


def test_retry_after_as_iso_date_is_a_resume_time() -> None:
    parsed = parse_retry_after("2026-11-23T00:00:00Z", now=NOW)
    assert parsed.until == datetime(2026, 11, 23, tzinfo=UTC)
    assert parsed.seconds == 12 * 3600


def test_retry_after_as_http_date_is_understood() -> None:
    parsed = parse_retry_after("Sun, 22 Nov 2026 12:00:30 GMT", now=NOW)
    assert parsed.seconds == 30


@pytest.mark.parametrize("value", [None, "", "soon", "-"])
def test_unreadable_retry_after_falls_back_to_backoff(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) == RetryAfter()


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_rate_limits_and_server_errors_are_retryable(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retryable(status: int) -> None:
    assert not is_retryable_status(status)


def test_backoff_grows_exponentially_within_jitter_and_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, rng=random.Random(1))
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delay = policy.backoff(attempt)
        assert ceiling / 2 <= delay <= ceiling


def test_server_retry_after_wins_over_backoff_but_is_capped() -> None:
    policy = RetryPolicy(retry_after_cap=10.0)
    assert policy.delay(1, RetryAfter(seconds=3.0)) == 3.0
    assert policy.delay(1, RetryAfter(seconds=3600.0)) == 10.0


def test_retry_call_sleeps_between_attempts_and_returns_the_result() -> None:
    slept: list[float] = []
    outcomes = iter([RuntimeError("a"), RuntimeError("b"), "ok"])

    def call() -> str:
        value = next(outcomes)
        if isinstance(value, Exception):
            raise value
        return value

    policy = RetryPolicy(rng=random.Random(0))
    result = retry_call(call, judge=lambda e: Verdict(True, "x", RetryAfter(seconds=2)),
                        policy=policy, sleep=slept.append)
    assert result == "ok"
    assert slept == [2, 2]


def test_retry_call_gives_up_after_max_attempts() -> None:
    calls = []

    def call() -> None:
        calls.append(1)
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        retry_call(call, judge=lambda e: Verdict(True), policy=RetryPolicy(max_attempts=3),
                   sleep=lambda s: None)
    assert len(calls) == 3


def test_retry_call_does_not_sleep_past_the_cap() -> None:
    slept: list[float] = []

    def call() -> None:
        raise RuntimeError("busy")

    with pytest.raises(RuntimeError):
        retry_call(call, judge=lambda e: Verdict(True, retry_after=RetryAfter(seconds=999)),
                   policy=RetryPolicy(retry_after_cap=60), sleep=slept.append)
    assert slept == []


def test_rate_limiter_spaces_calls_evenly() -> None:
    from zoom_assembly.retry import RateLimiter

    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.acquire()
    assert slept == pytest.approx([0.1, 0.2])
