"""Counters for ``/_emulator/stats``: requests, faults, submissions, jobs, uploads, downloads,
billed audio seconds."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe counters; job states are read from the job store when a snapshot is taken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: Counter[str] = Counter()
            self.by_side: Counter[str] = Counter()
            self.by_status: Counter[str] = Counter()
            self.by_endpoint_status: dict[str, Counter[str]] = {}
            self.faults: Counter[str] = Counter()
            self.submissions: Counter[str] = Counter()
            self.tokens: Counter[str] = Counter()
            self.uploads = {"count": 0, "bytes": 0}
            self.downloads: dict[str, Any] = {"count": 0, "bytes": 0, "by_file": Counter()}
            self.fetches = {"count": 0, "bytes": 0}
            self.peak_processing = 0
            self.processing_now = 0
            self.billing = {"jobs": 0, "audio_seconds": 0.0, "sliced_jobs": 0,
                            "sliced_seconds": 0.0}

    def request(self, side: str, endpoint: str, status: int) -> None:
        with self._lock:
            self.requests[endpoint] += 1
            self.by_side[side] += 1
            self.by_status[str(status)] += 1
            self.by_endpoint_status.setdefault(endpoint, Counter())[str(status)] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def submission(self, key: str) -> None:
        with self._lock:
            self.submissions[key] += 1

    def token(self, event: str, n: int = 1) -> None:
        with self._lock:
            self.tokens[event] += n

    def upload(self, size: int) -> None:
        with self._lock:
            self.uploads["count"] += 1
            self.uploads["bytes"] += size

    def download(self, file_id: str) -> None:
        """A Zoom recording file is being served (its bytes follow in ``download_bytes``)."""
        with self._lock:
            self.downloads["count"] += 1
            self.downloads["by_file"][file_id] += 1

    def download_bytes(self, size: int) -> None:
        with self._lock:
            self.downloads["bytes"] += size

    def fetch(self, size: int) -> None:
        """An AssemblyAI job fetched its audio (bytes received)."""
        with self._lock:
            self.fetches["count"] += 1
            self.fetches["bytes"] += size

    def bill(self, seconds: float, *, sliced: bool) -> None:
        """A completed job is billed ``seconds`` of audio (a slice: a probe)."""
        with self._lock:
            self.billing["jobs"] += 1
            self.billing["audio_seconds"] += seconds
            if sliced:
                self.billing["sliced_jobs"] += 1
                self.billing["sliced_seconds"] += seconds

    def processing(self, delta: int) -> None:
        with self._lock:
            self.processing_now += delta
            self.peak_processing = max(self.peak_processing, self.processing_now)

    def snapshot(self, jobs: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            total = sum(self.requests.values())
            return {
                "requests": {
                    "total": total,
                    "by_side": dict(self.by_side),
                    "by_endpoint": dict(self.requests),
                    "by_status": dict(self.by_status),
                    "by_endpoint_status": {k: dict(v) for k, v in self.by_endpoint_status.items()},
                },
                "faults": dict(self.faults),
                "tokens": {"issued": self.tokens["issued"], "revoked": self.tokens["revoked"]},
                "submissions": dict(self.submissions),
                "jobs": {
                    **jobs,
                    "processing_now": self.processing_now,
                    "peak_processing": self.peak_processing,
                },
                "uploads": dict(self.uploads),
                "downloads": {
                    "count": self.downloads["count"],
                    "bytes": self.downloads["bytes"],
                    "by_file": dict(self.downloads["by_file"]),
                },
                "assemblyai_fetches": dict(self.fetches),
                "billing": {**self.billing,
                            "audio_seconds": round(self.billing["audio_seconds"], 3),
                            "sliced_seconds": round(self.billing["sliced_seconds"], 3)},
            }
