"""Jobs AssemblyAI already has for our recordings, found without the ledger.

The ledger is what makes a rerun free, but a ledger can be lost: deleted with ``--out``, emptied,
or simply not the one a rerun opens (another folder, another machine). Before paying for a
recording the ledger does not know, the engine asks this index whether AssemblyAI already has a
job for the same audio, by the token-free key of the URL it was given (:func:`ledger.url_key`).

One listing pass per run, newest first, paged back only as far as the oldest recording in
scope (a job cannot be older than the meeting it transcribes), built on first use and shared by
every worker. AssemblyAI keeps its list for 90 days; uploads get a fresh URL every time, so only
jobs handed a Zoom URL can be found this way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from ..assembly import JobStatus

# Without a cutoff the pass stops here (200 jobs a page): enough for a busy account's 90 days.
DEFAULT_MAX_PAGES = 50
_RANK = {"completed": 0, "processing": 1, "queued": 1}


class ListsJobs(Protocol):
    def recent_jobs(
        self, *, limit: int = 200, max_pages: int = 5, since: datetime | None = None
    ) -> Iterator[JobStatus]: ...


class PriorJobs:
    """AssemblyAI's jobs by audio URL key; :meth:`find` lists them once, on first use."""

    def __init__(
        self, assembly: ListsJobs, *, since: datetime | None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self._assembly = assembly
        self._since = since
        self._max_pages = max_pages
        self._lock = threading.Lock()
        self._by_key: dict[str, JobStatus] | None = None
        self.passes = 0

    def find(self, audio_url_key: str) -> JobStatus | None:
        """The best job for this audio that has not failed: a completed one, else the newest
        one still queued or processing; None when AssemblyAI has none."""
        if not audio_url_key:
            return None
        with self._lock:
            if self._by_key is None:
                self._by_key = self._collect()
            return self._by_key.get(audio_url_key)

    def _collect(self) -> dict[str, JobStatus]:
        self.passes += 1
        best: dict[str, JobStatus] = {}
        jobs = self._assembly.recent_jobs(max_pages=self._max_pages, since=self._since)
        for job in jobs:  # newest first: keep the first of each rank
            rank = _RANK.get(job.status)
            if rank is None or not job.audio_url_key:
                continue
            held = best.get(job.audio_url_key)
            if held is None or rank < _RANK[held.status]:
                best[job.audio_url_key] = job
        return best

    def forget(self, audio_url_key: str) -> None:
        """Drop a job found to be unusable (e.g. it failed since the listing)."""
        with self._lock:
            if self._by_key is not None:
                self._by_key.pop(audio_url_key, None)
