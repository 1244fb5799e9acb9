"""The job logic: recordings in, transcripts out, exactly once per recording file.

For each recording it consults the ledger (skip what is done, resume what is in flight,
reconcile what crashed between intent and submit, reuse a job AssemblyAI already has), records
the decision and the intent **before** submitting, submits what the recording's audio source
gives, follows the job and writes the outputs. *When* things happen (slots, due times, worker
threads, the deadline) is the :class:`~.scheduler.Scheduler`'s business; *where the audio
comes from* is the :mod:`~.sources`' business.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ..assembly import (
    AmbiguousSubmit,
    AssemblyClient,
    failure_kind,
    failure_reason,
)
from ..errors import (
    AuthError,
    ConfigError,
    NoAudio,
    StillProcessing,
    TranscribeZoomError,
    TranscriptionFailed,
    WaitTimeout,
)
from ..events import EventSink, Notice, RecordingDone, RecordingStage, discard
from ..ledger import Ledger, LedgerEntry, Row, url_key
from ..models import MeetingInfo, Transcript
from ..outputs import read_transcript_json, recording_folder_name, write_outputs
from ..zoom import MeetingRecordings, RecordingFile, ZoomClient, choose_audio_file
from .options import RunOptions
from .prior_jobs import PriorJobs
from .recording import PAID_SOURCE, Enricher, Policy, Recording, pay_for_all
from .results import RecordingResult
from .scheduler import Scheduler, Task
from .sources import ZoomSettings, label_of, zoom_source


class TranscriptSource(Protocol):
    """A free source of finished transcripts (e.g. Zoom's own), chosen by the pay policy."""

    def fetch(self, recording: Recording) -> Transcript: ...


@dataclass
class _Job:
    """One recording file in flight at AssemblyAI."""

    recording: Recording
    transcript_id: str
    misses: int = 0
    resubmitted: frozenset[str] = frozenset()
    claimed: bool = False  # seen finished (completed or error): one worker handles it
    finished_at_service: bool = False  # seen completed: only fetching and writing remain
    fetch_started: bool = False


@dataclass(frozen=True)
class _Recheck:
    """A Zoom meeting instance whose audio file Zoom was still processing."""

    meeting: MeetingInfo
    deadline: float


Item = MeetingRecordings | Recording


class Pipeline:
    """Runs recordings through AssemblyAI; one instance per command run."""

    def __init__(
        self,
        zoom: ZoomClient | None,
        assembly: AssemblyClient,
        ledger: Ledger,
        options: RunOptions,
        *,
        sink: EventSink = discard,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jobs_since: datetime | None = None,
        policy: Policy = pay_for_all,
        free_sources: Mapping[str, TranscriptSource] | None = None,
        enrichers: Sequence[Enricher] = (),
    ) -> None:
        """``zoom`` may be None when only local recordings are given. ``jobs_since``: the start
        of the oldest recording in scope; AssemblyAI's list is paged back only that far when
        looking for jobs the ledger does not know."""
        self.zoom = zoom
        self.assembly = assembly
        self.ledger = ledger
        self.options = options
        self.sink = sink
        self.clock = clock
        self.policy = policy
        self.free_sources = dict(free_sources or {})
        self.enrichers = tuple(enrichers)
        self.scheduler: Scheduler[Item] = Scheduler(
            capacity=options.concurrency + options.lookahead, workers=options.workers,
            coalesce=options.poll.coalesce, clock=clock, sleep=sleep,
        )
        self.prior_jobs = PriorJobs(assembly, since=jobs_since)
        self.zoom_settings = ZoomSettings(
            via=options.via, handoff_ttl=options.handoff_ttl,
            keep_audio_to=self._keep_path if options.keep_audio else None,
        )
        self._results: list[RecordingResult] = []
        self._started_files: dict[str, str] | None = None  # meeting uuid -> file id (ledger)
        self._at_service: set[str] = set()  # files whose job is queued or running there
        self._in_flight: dict[str, _Job] = {}  # transcript id -> job not yet seen finished
        self._lock = threading.Lock()

    # -- entry point --------------------------------------------------------------------------
    def run(self, items: Iterable[Item]) -> list[RecordingResult]:
        """Transcribe every recording given; results in the order they finished.

        ``items`` is consumed lazily: a new recording is started only while fewer than
        ``concurrency`` hold a slot, so hand-off URLs are used soon after they are made and
        listing, submitting and collecting overlap.
        """
        self.scheduler.run(
            items, key=_key, start=self._start, dispatch=self._dispatch,
            timeout=self.options.timeout, on_timeout=self._time_out, live=_live,
        )
        return self._results

    def _dispatch(self, due: Sequence[object]) -> list[Task]:
        """Checks share one task (a list call covers many), each fetch gets its own. A job
        settled early by another check's list call may still have an entry in the heap:
        it is skipped here, so nothing is fetched or resubmitted twice."""
        checks: list[_Job] = []
        fetches: list[_Job] = []
        rechecks = [i for i in due if isinstance(i, _Recheck)]
        for job in (i for i in due if isinstance(i, _Job)):
            if job.finished_at_service and not job.fetch_started:
                job.fetch_started = True
                fetches.append(job)
            elif not job.claimed and job not in checks:
                checks.append(job)
        tasks: list[Task] = [functools.partial(self._fetch, job) for job in fetches]
        if checks or rechecks:
            tasks.append(lambda: self._handle_due(checks, rechecks))
        return tasks

    def _handle_due(self, jobs: list[_Job], rechecks: list[_Recheck]) -> None:
        for recheck in rechecks:
            self._recheck_processing(recheck)
        if len(jobs) >= self.options.poll.batch_min:
            self._check_batch(jobs)
        else:
            for job in jobs:
                self._check(job)

    def _emit(self, file_id: str, meeting: MeetingInfo, stage: str, detail: str = "") -> None:
        self.sink(RecordingStage(file_id, label_of(meeting), stage, detail))

    def _follow(self, delay: float, job: _Job) -> None:
        """Check ``job`` after ``delay``; until then any list call that sees it can settle it."""
        with self._lock:
            self._in_flight[job.transcript_id] = job
        self.scheduler.schedule(delay, job)

    def _claim(self, job: _Job) -> bool:
        """True for the one caller that handles the end of ``job`` (completed or failed)."""
        with self._lock:
            if job.claimed:
                return False
            job.claimed = True
            self._in_flight.pop(job.transcript_id, None)
            return True

    def _release(self, job: _Job) -> None:
        """The job finished at AssemblyAI: its slot there is free for another recording."""
        self.scheduler.release(job.recording.meeting.uuid)
        with self._lock:
            self._at_service.discard(job.recording.file_id)

    def _finish(self, result: RecordingResult) -> None:
        with self._lock:
            self._results.append(result)
            self._at_service.discard(result.recording_file_id)
        self.scheduler.release(result.meeting.uuid)
        self.sink(RecordingDone(
            result.recording_file_id, label_of(result.meeting), result.status, result.detail(),
            result.audio_duration, result.cached,
        ))

    # -- from a trigger's item to a recording -------------------------------------------------
    def _start(self, item: Item) -> None:
        if isinstance(item, Recording):
            self._begin(item)
            return
        meeting = item.meeting
        try:
            file = choose_audio_file(item)
        except StillProcessing as exc:
            if self.options.wait_processing > 0:
                recheck = _Recheck(meeting, self.clock() + self.options.wait_processing)
                self._emit(meeting.uuid, meeting, "waiting", "Zoom is still processing the file")
                self.scheduler.schedule(self._recheck_delay(recheck), recheck)
                return
            self._finish(RecordingResult.failure(meeting, "", exc, status="processing"))
            return
        except NoAudio as exc:
            self._finish(RecordingResult.failure(meeting, "", exc, status="skipped"))
            return
        earlier = self._earlier_file(meeting.uuid)
        if earlier is not None and earlier != file.id:
            # An earlier run started on another file of this instance (e.g. the MP4 while the
            # M4A was processing): finish that one rather than paying for the meeting twice.
            file = next((f for f in item.files if f.id == earlier), file)
        if file.is_video:
            self.sink(Notice(f"{label_of(meeting)}: no audio-only file, using the "
                             f"{file.recording_type or 'video'} MP4 instead.", warning=True))
        self._begin(self._zoom_recording(item, file))

    def _zoom_recording(self, recordings: MeetingRecordings, file: RecordingFile) -> Recording:
        if self.zoom is None:
            raise ValueError("a Zoom recording was given to a pipeline without a Zoom client")
        return Recording(
            meeting=recordings.meeting, file_id=file.id, origin="zoom",
            audio=zoom_source(self.zoom, self.assembly, recordings, file, self.zoom_settings),
            file_type=file.file_type, file_size=file.file_size,
            duration_seconds=file.duration_seconds, zoom=recordings,
        )

    def _keep_path(self, meeting: MeetingInfo, file: RecordingFile) -> Path:
        folder = self.options.out_dir / recording_folder_name(meeting, file.id)
        folder.mkdir(parents=True, exist_ok=True)
        extension = (file.file_extension or file.file_type or "bin").lower()
        return folder / f"audio.{extension}"

    def _earlier_file(self, meeting_uuid: str) -> str | None:
        with self._lock:
            if self._started_files is None:
                self._started_files = {
                    row.meeting_uuid: row.recording_file_id
                    for row in self.ledger.rows(["submitting", "submitted", "completed"])
                    if row.meeting_uuid
                }
            return self._started_files.get(meeting_uuid)

    # -- decision, ledger, resume or submit ---------------------------------------------------
    def _begin(self, recording: Recording) -> None:
        row = self.ledger.ensure(LedgerEntry.for_meeting(
            recording.meeting, recording.file_id, file_type=recording.file_type,
            file_size=recording.file_size, source=recording.origin,
        ))
        self._resume_or_submit(recording, row)

    def _transcribe_free(self, recording: Recording, source: str) -> None:
        transcript = self.free_sources[source].fetch(recording)
        self._write(recording, transcript, transcript_id=None, free=True)

    def _resume_or_submit(self, recording: Recording, row: Row) -> None:
        meeting, file_id = recording.meeting, recording.file_id
        if row.state == "completed" and row.transcript_id:
            self._complete_again(recording, row)
            return
        if row.state == "submitted" and row.transcript_id:
            self._emit(file_id, meeting, "resumed", f"transcript {row.transcript_id}")
            self._follow(0.0, _Job(recording, row.transcript_id))
            return
        if row.state == "submitting":
            found = self.prior_jobs.find(row.audio_url_key or "")
            if found is not None:
                self.ledger.mark_submitted(file_id, found.id)
                self._emit(file_id, meeting, "resumed", f"found transcript {found.id}")
                self._follow(0.0, _Job(recording, found.id))
                return
            self.ledger.reset_to_pending(file_id)
        elif row.state == "skipped" or (row.state == "failed" and not self.options.retry_failed):
            self._finish(RecordingResult.from_row(meeting, row, cached=True))
            return
        decision = self.policy(recording)
        self.ledger.record_decision(recording.file_id, decision.source, decision.reason)
        if decision.source != PAID_SOURCE:
            self._transcribe_free(recording, decision.source)
            return
        if self._adopt_prior_job(recording):
            return
        self._submit(recording, frozenset())

    def _adopt_prior_job(self, recording: Recording) -> bool:
        """Follow a job AssemblyAI already has for this audio instead of paying again (the
        ledger does not know it: lost, emptied, or another folder's)."""
        key = recording.audio.lookup_key()
        found = self.prior_jobs.find(key) if key else None
        if found is None or key is None:
            return False
        if not self.ledger.claim_for_submit(recording.file_id, key, allow_failed=True):
            return False
        self.ledger.mark_submitted(recording.file_id, found.id)
        self._emit(recording.file_id, recording.meeting, "resumed",
                   f"AssemblyAI already has transcript {found.id} for this recording; not "
                   "paying for it again")
        self._follow(0.0, _Job(recording, found.id))
        return True

    def _complete_again(self, recording: Recording, row: Row) -> None:
        """A recording finished by an earlier run: write the formats asked for now that are
        missing (from the stored transcript.json, else fetched by id): never a new job."""
        meeting = recording.meeting
        present = {fmt: p for fmt, p in row.outputs.items() if Path(p).exists()}
        missing = [fmt for fmt in self.options.formats if fmt not in present]
        if not missing:
            self._finish(RecordingResult.from_row(meeting, row, cached=True))
            return
        transcript = read_transcript_json(Path(present["json"])) if "json" in present else None
        if transcript is None:
            self._follow(0.0, _Job(recording, row.transcript_id or ""))
            return
        self._emit(recording.file_id, meeting, "rendered",
                   f"wrote {', '.join(missing)} from the stored transcript")
        self._write(recording, transcript, transcript_id=row.transcript_id, formats=missing,
                    cached=True)

    def _submit(self, recording: Recording, resubmitted: frozenset[str]) -> None:
        meeting, file_id = recording.meeting, recording.file_id
        try:
            url = recording.audio.audio_url(
                lambda stage, detail: self._emit(file_id, meeting, stage, detail))
        except TranscribeZoomError as exc:
            if isinstance(exc, AuthError | ConfigError):
                raise  # nothing else will work either
            # A refused, vanished or interrupted download concerns this recording only.
            self.ledger.mark_failed(file_id, exc.code, exc.message)
            self._finish(RecordingResult.failure(meeting, file_id, exc))
            return
        key = url_key(url)
        if not self.ledger.claim_for_submit(file_id, key, allow_failed=True):
            row = self.ledger.get(file_id)
            if row is not None and row.state in ("submitted", "completed", "submitting"):
                self._resume_or_submit(recording, row)
            return
        try:
            transcript_id = self._create_job(url, key)
        except AmbiguousSubmit:
            dropped = TranscribeZoomError(
                "The connection to AssemblyAI dropped while submitting; run the same command "
                "again (the ledger makes sure nothing is paid twice).",
                code="submit_interrupted",
            )
            self._finish(RecordingResult.failure(meeting, file_id, dropped))
            return
        except TranscribeZoomError as exc:
            self.ledger.mark_failed(file_id, exc.code, exc.message)
            if exc.exit_code != 1:
                raise
            self._finish(RecordingResult.failure(meeting, file_id, exc))
            return
        self.ledger.mark_submitted(file_id, transcript_id)
        self._emit(file_id, meeting, "submitted", f"transcript {transcript_id}")
        first = self.options.poll.first_check(recording.duration_seconds)
        with self._lock:
            self._at_service.add(file_id)
            queued_behind = len(self._at_service) > self.options.concurrency
        # A job beyond the concurrency limit waits in AssemblyAI's queue for about one job.
        job = _Job(recording, transcript_id, resubmitted=resubmitted)
        self._follow(first * 2 if queued_behind else first, job)

    def _create_job(self, url: str, key: str) -> str:
        """Submit once; when the answer was lost, look for the job before submitting again."""
        try:
            return self.assembly.submit(url, self.options.transcription)
        except AmbiguousSubmit:
            found = self.assembly.find_job(key)
            return found.id if found else self.assembly.submit(url, self.options.transcription)

    # -- following a job ----------------------------------------------------------------------
    def _check(self, job: _Job) -> None:
        transcript = self.assembly.get(job.transcript_id)
        if transcript.status == "completed":
            if self._claim(job):
                self._release(job)
                self._complete(job, transcript)
        elif transcript.status == "error":
            if self._claim(job):
                self._job_failed(job, transcript.error or "unknown error")
        else:
            self._not_done(job, transcript.status)

    def _check_batch(self, jobs: list[_Job]) -> None:
        """One transcript-list call reports many jobs; only finished ones are fetched.

        The list shows other jobs too: every job of this run it reports finished is settled
        now, not when its own check falls due, so its slot is refilled at once.
        """
        wanted = {job.transcript_id: job for job in jobs}
        statuses = self.assembly.statuses(set(wanted))
        for transcript_id, job in wanted.items():
            status = statuses.get(transcript_id)
            if status is None:
                self._check(job)
            elif status.status in ("completed", "error"):
                self._settle(job, status.status, status.error)
            else:
                self._not_done(job, status.status)
        with self._lock:
            others = [(self._in_flight[t], st) for t, st in statuses.items()
                      if t not in wanted and t in self._in_flight]
        for job, status in others:
            if status.status in ("completed", "error"):
                self._settle(job, status.status, status.error)

    def _settle(self, job: _Job, status: str, error: str | None) -> None:
        if not self._claim(job):
            return
        if status == "completed":
            job.finished_at_service = True
            self._release(job)
            self.scheduler.schedule(0.0, job)
        else:
            self._job_failed(job, error or "unknown error")

    def _not_done(self, job: _Job, status: str) -> None:
        job.misses += 1
        if job.misses == 1:
            self._emit(job.recording.file_id, job.recording.meeting, status)
        delay = self.options.poll.next_check(job.recording.duration_seconds, job.misses)
        self.scheduler.schedule(delay, job)

    def _fetch(self, job: _Job) -> None:
        """Fetch a transcript known to be finished and write it."""
        transcript = self.assembly.get(job.transcript_id)
        if transcript.status == "completed":
            self._complete(job, transcript)
        else:
            self._job_failed(job, transcript.error or "unknown error")

    def _complete(self, job: _Job, transcript: Transcript) -> None:
        self._write(job.recording, transcript, transcript_id=job.transcript_id)

    def _write(
        self,
        recording: Recording,
        transcript: Transcript,
        *,
        transcript_id: str | None,
        formats: Sequence[str] | None = None,
        cached: bool = False,
        free: bool = False,
    ) -> None:
        """Enrich, render the formats, record the completion, report the result."""
        for enrich in self.enrichers:
            transcript = enrich(transcript, recording)
        meeting, file_id = recording.meeting, recording.file_id
        files = write_outputs(self.options.out_dir, meeting, file_id, transcript,
                              formats if formats is not None else self.options.formats)
        earlier = self.ledger.get(file_id)
        if earlier is not None and earlier.state == "completed":
            # A rerun asked for other formats: the earlier ones stay listed while they exist.
            kept = {f: Path(p) for f, p in earlier.outputs.items() if Path(p).exists()}
            files = {**kept, **files}
        self.ledger.mark_completed(
            file_id, files, language_code=transcript.language_code,
            audio_duration=transcript.audio_duration, transcript_id=transcript_id, free=free,
        )
        self._finish(RecordingResult.completed(meeting, file_id, transcript, files,
                                               cached=cached))

    def _job_failed(self, job: _Job, error: str) -> None:
        recording = job.recording
        with self._lock:
            self._at_service.discard(recording.file_id)
        kind = failure_kind(error)
        if kind and kind not in job.resubmitted:
            self._emit(recording.file_id, recording.meeting, "resubmitting",
                       f"AssemblyAI: {error}")
            self.ledger.reset_to_pending(recording.file_id)
            again = replace(recording, audio=recording.audio.for_resubmission(kind))
            self._submit(again, job.resubmitted | {kind})
            return
        exc = TranscriptionFailed(
            f"AssemblyAI could not transcribe '{recording.label}': {failure_reason(error)}."
        )
        self.ledger.mark_failed(recording.file_id, exc.code, exc.message)
        self._finish(RecordingResult.failure(recording.meeting, recording.file_id, exc,
                                             job.transcript_id))

    # -- files Zoom is still processing ------------------------------------------------------
    def _recheck_delay(self, recheck: _Recheck) -> float:
        remaining = recheck.deadline - self.clock()
        return max(0.0, min(self.options.processing_recheck, remaining))

    def _recheck_processing(self, recheck: _Recheck) -> None:
        assert self.zoom is not None  # only Zoom meetings are ever rechecked
        meeting = recheck.meeting
        recordings = self.zoom.meeting_recordings(
            meeting.uuid, download_token_ttl=self.options.handoff_ttl
        )
        try:
            choose_audio_file(recordings)
        except StillProcessing as exc:
            if self.clock() >= recheck.deadline:
                self._finish(RecordingResult.failure(meeting, "", exc, status="processing"))
            else:
                self.scheduler.schedule(self._recheck_delay(recheck), recheck)
            return
        except NoAudio:
            pass
        self._start(recordings)

    def _time_out(self, left: list[object]) -> None:
        reported: set[int] = set()
        for item in left:
            if isinstance(item, _Job):
                if item.claimed or id(item) in reported:
                    continue  # finished, or a second entry of the same job
                reported.add(id(item))
                exc = WaitTimeout(
                    f"Still transcribing '{item.recording.label}' when --timeout ran out; the "
                    f"job keeps running at AssemblyAI ({item.transcript_id}): "
                    f"{self.options.resume_hint} to pick it up without paying twice."
                )
                self._finish(RecordingResult.failure(
                    item.recording.meeting, item.recording.file_id, exc, item.transcript_id,
                    status="timeout",
                ))
            elif isinstance(item, _Recheck):
                late = StillProcessing(
                    f"Zoom was still processing '{label_of(item.meeting)}' when --timeout ran "
                    f"out; {self.options.resume_hint} later."
                )
                self._finish(RecordingResult.failure(item.meeting, "", late, status="processing"))


def _key(item: Item) -> str:
    return item.meeting.uuid


def _live(item: object) -> bool:
    """False for a heap entry of a job already handled (settled early by a list call)."""
    if not isinstance(item, _Job) or not item.claimed:
        return True
    return item.finished_at_service and not item.fetch_started
