"""Following jobs at AssemblyAI until each ends, with as few requests as possible.

A job is first checked about when it should be done, then with backing-off intervals. "When it
should be done" comes from :class:`ServiceModel`: AssemblyAI's FIFO queue behind the concurrency
limit (a job submitted ahead of the limit starts when an earlier one ends), with the
:class:`~.options.PollPlan`'s expected duration corrected by the pace the service really
showed (measured on its own ``created``/``completed`` stamps). Checks falling due together
share one transcript-list call, and that call settles every job of the run it reports
finished, due or not. Each finished transcript is then fetched on its own worker. Exactly
one caller handles the end of each job.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import statistics
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..assembly import AssemblyClient, JobStatus
from ..models import Transcript
from .options import PollPlan
from .recording import Recording
from .scheduler import Scheduler, Task


@dataclass
class Job:
    """One recording file in flight at AssemblyAI."""

    recording: Recording
    transcript_id: str
    misses: int = 0
    resubmitted: frozenset[str] = frozenset()
    claimed: bool = False  # seen finished (completed or error): one worker handles it
    finished_at_service: bool = False  # seen completed: only fetching and writing remain
    fetch_started: bool = False
    queued: bool = False  # submitted beyond the concurrency limit: waits in the service's queue
    # Learning the service's pace: the job it is expected to wait for (when queued), and the
    # service's own ``completed`` stamp.
    after: Job | None = field(default=None, compare=False, repr=False)
    done_at_service: datetime | None = field(default=None, compare=False)
    paced: bool = field(default=False, compare=False)


PACE_BOUNDS = (0.2, 3.0)  # a learned pace outside these is taken as noise, not as speed
PACE_SAMPLES = 64


class ServiceModel:
    """When a job submitted now should end at AssemblyAI.

    The service runs ``slots`` jobs at once and queues the rest FIFO, so a job submitted
    beyond the limit starts when the earliest running one ends: a heap of the times each
    slot is expected to free. A job lasts the poll plan's expectation times ``pace``, the
    median ratio of real to expected duration over the last jobs that never waited, measured
    on the service's own clock (``completed - created``), so no clock skew enters.
    """

    def __init__(self, poll: PollPlan, slots: int) -> None:
        self.poll = poll
        self.slots = max(1, slots)
        self._free: list[tuple[float, int, Job]] = []  # when each slot frees, and by whom
        self._ratios: deque[float] = deque(maxlen=PACE_SAMPLES)
        self._order = itertools.count()
        self._lock = threading.Lock()

    @property
    def pace(self) -> float:
        with self._lock:
            return statistics.median(self._ratios) if self._ratios else 1.0

    def duration(self, audio_seconds: float | None) -> float:
        return self.poll.expected(audio_seconds) * self.pace

    def place(self, job: Job, now: float, queued: bool) -> float:
        """The expected end of ``job``, submitted at ``now`` (``queued``: beyond the limit,
        so it starts when the earliest running job ends, and follows that job)."""
        duration = self.duration(job.recording.duration_seconds)
        with self._lock:
            start = now
            if len(self._free) >= self.slots:
                freed, _, before = heapq.heappop(self._free)
                if queued:
                    start, job.after = max(now, freed), before
            end = start + duration
            heapq.heappush(self._free, (end, next(self._order), job))
        return end

    def observe(self, reported: Sequence[tuple[Job, JobStatus]]) -> None:
        """Learn the pace from jobs the list reports completed, on the service's own clock:
        from ``created`` for a job that ran at once, from the end of the job it queued behind
        for one that waited (start-up load makes the first jobs slower than the rest)."""
        for job, status in reported:
            if status.status == "completed" and job.done_at_service is None:
                job.done_at_service = status.completed_at
        for job, status in reported:
            began = status.created_at
            if job.queued:
                began = job.after.done_at_service if job.after is not None else None
                if began is not None and status.created_at is not None:
                    began = max(began, status.created_at)
            if status.status in ("completed", "error"):
                job.after = None  # no chain of finished jobs is kept alive
            if began is None or job.done_at_service is None or job.paced:
                continue
            job.paced = True
            ratio = (job.done_at_service - began).total_seconds() / self.poll.expected(
                job.recording.duration_seconds)
            if PACE_BOUNDS[0] <= ratio <= PACE_BOUNDS[1]:
                with self._lock:
                    self._ratios.append(ratio)


def is_live(item: object) -> bool:
    """False for a heap entry of a job already handled (settled early by a list call)."""
    if not isinstance(item, Job) or not item.claimed:
        return True
    return item.finished_at_service and not item.fetch_started


class Follower:
    """Checks, settles and fetches jobs; reports each job's end through the callbacks."""

    def __init__(
        self,
        assembly: AssemblyClient,
        scheduler: Scheduler[Any],
        poll: PollPlan,
        *,
        completed: Callable[[Job, Transcript], None],
        failed: Callable[[Job, str], None],
        released: Callable[[Job], None],
        still: Callable[[Job, str], None],
        slots: int = 1,
    ) -> None:
        self.assembly = assembly
        self.scheduler = scheduler
        self.poll = poll
        self._completed = completed
        self._failed = failed
        self._released = released
        self._still = still
        self.model = ServiceModel(poll, slots)
        self._in_flight: dict[str, Job] = {}  # transcript id -> job not yet seen finished
        self._lock = threading.Lock()

    def follow(self, delay: float, job: Job) -> None:
        """Check ``job`` after ``delay``; until then any list call that sees it can settle it."""
        with self._lock:
            self._in_flight[job.transcript_id] = job
        self.scheduler.schedule(delay, job)

    def check_now(self, transcript_id: str) -> str | None:
        """A callback said ``transcript_id`` ended: check it now rather than at its next due
        time. The recording file id when this follower has that job in flight, else None."""
        with self._lock:
            job = self._in_flight.get(transcript_id)
        if job is None:
            return None
        self.scheduler.schedule(0.0, job)
        return job.recording.file_id

    def first_check(self, job: Job, now: float, *, queued: bool) -> float:
        """Seconds until ``job``, just submitted, should be looked at: a little after its
        expected end, so that a check taken early with its round (up to ``coalesce``) is not
        a wasted request."""
        job.queued = queued
        end = self.model.place(job, now, queued)
        return max(self.poll.min_interval, end - now + self.poll.coalesce)

    def tasks(self, due: Sequence[Job]) -> list[Task]:
        """Checks share one task (a list call covers many), each fetch gets its own. A job
        settled early may still have an entry in the heap: skipped here, so nothing is
        fetched or resubmitted twice. Called on the scheduler's thread only."""
        checks: list[Job] = []
        fetches: list[Job] = []
        for job in due:
            if job.finished_at_service and not job.fetch_started:
                job.fetch_started = True
                fetches.append(job)
            elif not job.claimed and job not in checks:
                checks.append(job)
        tasks: list[Task] = [functools.partial(self._fetch, job) for job in fetches]
        if checks:
            tasks.append(functools.partial(self._check_all, checks))
        return tasks

    def _claim(self, job: Job) -> bool:
        """True for the one caller that handles the end of ``job``."""
        with self._lock:
            if job.claimed:
                return False
            job.claimed = True
            self._in_flight.pop(job.transcript_id, None)
            return True

    def _check_all(self, jobs: list[Job]) -> None:
        if len(jobs) >= self.poll.batch_min:
            self._check_batch(jobs)
        else:
            for job in jobs:
                self._check(job)

    def _check(self, job: Job) -> None:
        transcript = self.assembly.get(job.transcript_id)
        if transcript.status == "completed":
            if self._claim(job):
                self._released(job)
                self._completed(job, transcript)
        elif transcript.status == "error":
            if self._claim(job):
                self._failed(job, transcript.error or "unknown error")
        else:
            self._not_done(job, transcript.status)

    def _check_batch(self, jobs: list[Job]) -> None:
        """One transcript-list call reports many jobs; only finished ones are fetched.

        The list shows other jobs too: every job of this run it reports finished is settled
        now, not when its own check falls due.
        """
        wanted = {job.transcript_id: job for job in jobs}
        statuses = self.assembly.statuses(set(wanted))
        with self._lock:
            others = [(self._in_flight[t], st) for t, st in statuses.items()
                      if t not in wanted and t in self._in_flight]
        self.model.observe([(job, statuses[t]) for t, job in wanted.items() if t in statuses]
                           + others)
        for transcript_id, job in wanted.items():
            status = statuses.get(transcript_id)
            if status is None:
                self._check(job)
            elif status.status in ("completed", "error"):
                self._settle(job, status.status, status.error)
            else:
                self._not_done(job, status.status)
        for job, status in others:
            if status.status in ("completed", "error"):
                self._settle(job, status.status, status.error)

    def _settle(self, job: Job, status: str, error: str | None) -> None:
        if not self._claim(job):
            return
        if status == "completed":
            job.finished_at_service = True
            self._released(job)
            self.scheduler.schedule(0.0, job)
        else:
            self._failed(job, error or "unknown error")

    def _not_done(self, job: Job, status: str) -> None:
        job.misses += 1
        if job.misses == 1:
            self._still(job, status)
        delay = self.poll.next_check(job.recording.duration_seconds, job.misses)
        self.scheduler.schedule(delay, job)

    def _fetch(self, job: Job) -> None:
        """Fetch a transcript known to be finished and hand it over."""
        transcript = self.assembly.get(job.transcript_id)
        if transcript.status == "completed":
            self._completed(job, transcript)
        else:
            self._failed(job, transcript.error or "unknown error")
