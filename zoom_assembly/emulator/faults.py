"""Fault injection: seeded random knobs (:class:`Faults`) and scripted one-shot faults (``inject``).

Random decisions come from one ``random.Random(seed)`` drawn in request order, so a sequential
client sees the same faults on every run. Scripted faults hit the next ``count`` requests whose
``"METHOD /path"`` matches: a pattern starting with ``/`` is a path prefix, anything else a regular
expression searched in ``"METHOD /path"``.

Kinds: ``429`` (QPS, ``retry_after=`` seconds), ``daily_limit`` (``retry_at=`` ISO time),
``500``/``502``/``503``/``504``, ``html`` (HTTP 200 with Zoom's "only the host can download" page,
whatever the token), ``drop`` (connection closed mid-body, ``after_bytes=``), ``slow``
(``seconds=``), ``job_server_error`` (the job created by this request fails), ``revoke_token``
(every Zoom token is revoked before this request is handled).
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

KINDS = (
    "429", "daily_limit", "500", "502", "503", "504", "html", "drop", "slow",
    "job_server_error", "revoke_token",
)  # fmt: skip


@dataclass
class Faults:
    """Random fault knobs; rates are probabilities per request (0 = never)."""

    seed: int = 0
    zoom_429_rate: float = 0.0  # Zoom API: 429 QPS with Retry-After seconds
    retry_after_seconds: int = 1
    zoom_daily_limit_after: int | None = None  # after N Zoom API calls: 429 Daily-limit
    error_5xx_rate: float = 0.0  # Zoom API and AssemblyAI API
    assembly_429_rate: float = 0.0
    drop_rate: float = 0.0  # connection closed mid-body (every route but /_emulator)
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    token_lifetime: int = 3600  # seconds, for new Zoom access tokens
    invalidate_previous_tokens: bool = False  # a new Zoom token revokes the older ones
    job_server_error_rate: float = 0.0  # AssemblyAI jobs ending "Server error, ..."
    # Zoom answers a listing range longer than one month with 200 and a silently clamped `from`;
    # True refuses it with 400 instead (stricter than Zoom: for clients that want to be told).
    strict_month_window: bool = False

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown fault knob(s): {', '.join(unknown)}")
        for name, value in values.items():
            setattr(self, name, value)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Injection:
    pattern: str
    kind: str
    count: int = 1
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        if self.pattern.startswith("/"):
            return path.startswith(self.pattern)
        return re.search(self.pattern, f"{method} {path}") is not None

    def to_json(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "kind": self.kind, "count": self.count, **self.params}


@dataclass
class Plan:
    """What to do to one request."""

    delay: float = 0.0
    error: str | None = None  # "429", "daily_limit", "html" or a 5xx status
    drop: bool = False
    job_server_error: bool = False
    revoke_tokens: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)  # for stats


class FaultEngine:
    """Decides, per request, which faults apply. Thread-safe (the Python API runs elsewhere)."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self._injections: list[Injection] = []
        self._seed = faults.seed
        self._rng = random.Random(faults.seed)
        self.zoom_api_calls = 0
        self._day = -1

    def inject(self, pattern: str, kind: str, count: int = 1, **params: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known kinds: {', '.join(KINDS)}")
        if not pattern.startswith("/"):
            re.compile(pattern)
        with self._lock:
            self._injections.append(Injection(pattern, kind, count, params))

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [i.to_json() for i in self._injections]

    def reset(self, faults: Faults | None = None) -> None:
        with self._lock:
            if faults is not None:
                self.faults = faults
            self._injections.clear()
            self._seed = self.faults.seed
            self._rng = random.Random(self._seed)
            self.zoom_api_calls = 0

    def _chance(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def plan(self, method: str, path: str, side: str, now: float = 0.0) -> Plan:
        """``side``: zoom_api, zoom_oauth, zoom_download, assemblyai, control; ``now``: epoch s."""
        plan = Plan()
        if side == "control":
            return plan
        with self._lock:
            if int(now // 86_400) != self._day:  # Zoom's daily quota restarts at 00:00 UTC
                self._day = int(now // 86_400)
                self.zoom_api_calls = 0
            if self.faults.seed != self._seed:
                self._seed = self.faults.seed
                self._rng = random.Random(self._seed)
            for injection in self._injections:
                if injection.count > 0 and injection.matches(method, path):
                    injection.count -= 1
                    self._apply(plan, injection.kind, injection.params)
                    break
            self._injections = [i for i in self._injections if i.count > 0]
            self._random(plan, side)
        return plan

    def _apply(self, plan: Plan, kind: str, params: dict[str, Any]) -> None:
        plan.kinds.append(kind)
        plan.params.update(params)
        if kind == "slow":
            plan.delay = float(params.get("seconds", self.faults.slow_seconds))
        elif kind == "drop":
            plan.drop = True
        elif kind == "job_server_error":
            plan.job_server_error = True
        elif kind == "revoke_token":
            plan.revoke_tokens = True
        elif plan.error is None:
            plan.error = kind

    def _random(self, plan: Plan, side: str) -> None:
        f = self.faults
        if side == "zoom_api":
            self.zoom_api_calls += 1
            limit = f.zoom_daily_limit_after
            if limit is not None and self.zoom_api_calls > limit and plan.error is None:
                self._apply(plan, "daily_limit", {})
        if plan.delay == 0 and self._chance(f.slow_rate):
            self._apply(plan, "slow", {})
        if plan.error is None:
            rate = {"zoom_api": f.zoom_429_rate, "assemblyai": f.assembly_429_rate}.get(side, 0)
            if self._chance(rate):
                self._apply(plan, "429", {})
            elif side in ("zoom_api", "assemblyai") and self._chance(f.error_5xx_rate):
                self._apply(plan, "503" if self._rng.random() < 0.3 else "500", {})
        if plan.error is None and not plan.drop and self._chance(f.drop_rate):
            self._apply(plan, "drop", {})

    def job_fails(self) -> bool:
        """Whether the next job ends with a server error (``job_server_error_rate``)."""
        with self._lock:
            return self._chance(self.faults.job_server_error_rate)
