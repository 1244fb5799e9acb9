"""The engine: recordings in, transcripts out, exactly once per recording file.

For each meeting instance it chooses the audio file, consults the ledger (skip what is done,
resume what is in flight, reconcile what crashed between intent and submit), records the intent
**before** submitting, submits the hand-off URL, follows every job and writes the outputs.
Polling waits first about as long as the job should take, then backs off.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..assembly import AmbiguousSubmit, AssemblyClient, TranscriptionOptions
from ..assembly.upload import UPLOAD_LIMIT_BYTES
from ..errors import (
    AuthError,
    ConfigError,
    NoAudio,
    NoDownloadToken,
    NotFound,
    StillProcessing,
    TranscribeZoomError,
    TranscriptionFailed,
    WaitTimeout,
)
from ..events import EventSink, Notice, RecordingDone, RecordingStage, discard
from ..ledger import Ledger, LedgerEntry, Row, url_key
from ..media import LocalMedia, iter_file
from ..models import MeetingInfo, Transcript
from ..outputs import FORMATS, read_transcript_json, recording_folder_name, write_outputs
from ..redact import Secret
from ..zoom import MeetingRecordings, RecordingFile, ZoomClient, choose_audio_file, handoff_url
from ..zoom.download import open_download
from .prior_jobs import PriorJobs
from .results import RecordingResult


@dataclass(frozen=True)
class PollPlan:
    """When to look at a job: first after its expected duration, then backing off.

    AssemblyAI transcribes about an hour of audio in ~35 s (``realtime_factor`` ~100).
    """

    realtime_factor: float = 100.0
    overhead: float = 4.0
    min_interval: float = 1.0
    max_interval: float = 15.0
    growth: float = 1.5
    coalesce: float = 0.5  # checks due this close together share one round
    batch_min: int = 4  # from this many due jobs on, one list call replaces per-job GETs

    def expected(self, audio_seconds: float | None) -> float:
        return self.overhead + (audio_seconds or 600.0) / self.realtime_factor

    def first_check(self, audio_seconds: float | None) -> float:
        return max(self.min_interval, self.expected(audio_seconds))

    def next_check(self, audio_seconds: float | None, misses: int) -> float:
        base = max(self.min_interval, 0.1 * self.expected(audio_seconds))
        return min(self.max_interval, base * self.growth ** max(0, misses - 1))


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path
    transcription: TranscriptionOptions = field(default_factory=TranscriptionOptions)
    formats: tuple[str, ...] = FORMATS
    handoff_ttl: int = 6 * 3600
    timeout: float | None = None  # seconds for the whole wait
    wait_processing: float = 0.0  # seconds to wait for files Zoom is still processing
    processing_recheck: float = 30.0
    retry_failed: bool = True
    concurrency: int = 50
    # Jobs submitted beyond ``concurrency`` wait in AssemblyAI's queue, so a slot freed there
    # is refilled at once. Off by default: measured at N=20, C=5 it made the run slower
    # (1.35x the bound against 1.11x), as queued jobs are checked on a guess of their wait.
    lookahead: int = 0
    workers: int = 8  # threads doing network work; 0 runs everything on the calling thread
    via: str = "auto"  # url | upload | auto (URL first, upload after a download error)
    keep_audio: bool = False  # save the audio next to the transcript when it passes through
    poll: PollPlan = field(default_factory=PollPlan)
    resume_hint: str = "run the same command again"


@dataclass
class _Job:
    """One recording file in flight at AssemblyAI."""

    recordings: MeetingRecordings
    file: RecordingFile
    transcript_id: str
    misses: int = 0
    resubmitted: set[str] = field(default_factory=set)
    finished_at_service: bool = False  # seen completed: only fetching and writing remain

    @property
    def label(self) -> str:
        return label_of(self.recordings.meeting)


class _InlineExecutor(Executor):
    """Runs each task at once on the calling thread (``workers=0``: deterministic tests)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


def _executor(workers: int) -> Executor:
    if workers <= 0:
        return _InlineExecutor()
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="transcribe-zoom")


def label_of(meeting: MeetingInfo) -> str:
    when = meeting.start_time.strftime("%Y-%m-%d %H:%M") if meeting.start_time else "?"
    return f"{meeting.topic or meeting.uuid} ({when})"


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
    ) -> None:
        """``jobs_since``: the start of the oldest recording in scope; AssemblyAI's list is
        paged back only that far when looking for jobs the ledger does not know."""
        self._zoom = zoom
        self.assembly = assembly
        self.ledger = ledger
        self.options = options
        self.sink = sink
        self.clock = clock
        self.sleep = sleep
        self._queue: list[tuple[float, int, _Job | MeetingInfo]] = []
        self._order = itertools.count()
        self._results: list[RecordingResult] = []
        self._waiting: dict[str, float] = {}  # meeting uuid -> deadline (still processing)
        self._started_files: dict[str, str] | None = None  # meeting uuid -> file id (ledger)
        self._lock = threading.RLock()
        self.local_files: dict[str, LocalMedia] = {}  # recording id -> local file to upload
        self._holding: set[str] = set()  # meeting instances holding an AssemblyAI slot
        self._at_service: set[str] = set()  # files whose job is queued or running there
        self.prior_jobs = PriorJobs(assembly, since=jobs_since)

    @property
    def zoom(self) -> ZoomClient:
        if self._zoom is None:  # local files only: nothing should ask Zoom
            raise RuntimeError("this pipeline has no Zoom client")
        return self._zoom

    # -- entry point --------------------------------------------------------------------------
    def run(self, meetings: Iterable[MeetingRecordings]) -> list[RecordingResult]:
        """Transcribe every meeting instance given; results in the order they finished.

        ``meetings`` is consumed lazily: a new recording is started only while fewer than
        ``concurrency`` are active, so hand-off URLs are used soon after they are made and
        listing, submitting and collecting overlap. Network work runs on ``workers`` threads;
        this thread only decides what is due.
        """
        started = self.clock()
        deadline = started + self.options.timeout if self.options.timeout else None
        source = iter(meetings)
        exhausted = False
        running: set[Future[None]] = set()
        pool = _executor(self.options.workers)
        try:
            while True:
                for future in [f for f in running if f.done()]:
                    running.discard(future)
                    future.result()  # a fatal error (credentials, refused request) ends the run
                while not exhausted and len(self._holding) < self._capacity():
                    recordings = next(source, None)
                    if recordings is None:
                        exhausted = True
                        break
                    with self._lock:
                        self._holding.add(recordings.meeting.uuid)
                    running.add(pool.submit(self._start, recordings))
                with self._lock:
                    next_due = self._queue[0][0] if self._queue else None
                if next_due is None and not running:
                    if exhausted:
                        break
                    continue
                now = self.clock()
                if deadline is not None and now >= deadline:
                    for future in running:
                        future.result()
                    self._time_out()
                    break
                if next_due is not None and next_due <= now:
                    jobs, rechecks, fetches = self._take_due(now)
                    for job in fetches:  # each finished transcript on its own worker
                        running.add(pool.submit(self._fetch, job))
                    if jobs or rechecks:
                        running.add(pool.submit(self._handle_due, jobs, rechecks))
                    continue
                wake = next_due if next_due is not None else None
                if deadline is not None:
                    wake = deadline if wake is None else min(wake, deadline)
                timeout = None if wake is None else max(0.0, wake - now)
                if running:
                    wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
                elif timeout is not None:
                    self.sleep(timeout)
        except BaseException:
            # Ctrl-C or a fatal error: let the calls in progress finish (their results are
            # written and recorded), start nothing new.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return self._results

    def _capacity(self) -> int:
        return self.options.concurrency + self.options.lookahead

    def _release(self, job: _Job) -> None:
        """The job finished at AssemblyAI: its slot there is free for another recording."""
        with self._lock:
            self._holding.discard(job.recordings.meeting.uuid)
            self._at_service.discard(job.file.id)

    def _take_due(
        self, now: float
    ) -> tuple[list[_Job], list[MeetingInfo], list[_Job]]:
        """What is due now (or within ``coalesce`` seconds): checks, rechecks and fetches."""
        horizon = now + self.options.poll.coalesce
        jobs: list[_Job] = []
        rechecks: list[MeetingInfo] = []
        fetches: list[_Job] = []
        with self._lock:
            while self._queue and self._queue[0][0] <= horizon:
                _, _, item = heapq.heappop(self._queue)
                if isinstance(item, _Job):
                    (fetches if item.finished_at_service else jobs).append(item)
                else:
                    rechecks.append(item)
        return jobs, rechecks, fetches

    def _handle_due(self, jobs: list[_Job], rechecks: list[MeetingInfo]) -> None:
        for meeting in rechecks:
            self._recheck_processing(meeting)
        if len(jobs) >= self.options.poll.batch_min:
            self._check_batch(jobs)
        else:
            for job in jobs:
                self._check(job)

    def _schedule(self, delay: float, item: _Job | MeetingInfo) -> None:
        with self._lock:
            heapq.heappush(self._queue, (self.clock() + delay, next(self._order), item))

    def _emit(self, file_id: str, meeting: MeetingInfo, stage: str, detail: str = "") -> None:
        self.sink(RecordingStage(file_id, label_of(meeting), stage, detail))

    def _finish(self, result: RecordingResult) -> None:
        with self._lock:
            self._results.append(result)
            self._holding.discard(result.meeting.uuid)
            self._at_service.discard(result.recording_file_id)
        self.sink(RecordingDone(
            result.recording_file_id, label_of(result.meeting), result.status, result.detail(),
            result.audio_duration, result.cached,
        ))

    # -- starting a recording -----------------------------------------------------------------
    def _start(self, recordings: MeetingRecordings) -> None:
        meeting = recordings.meeting
        try:
            file = choose_audio_file(recordings)
        except StillProcessing as exc:
            if self.options.wait_processing > 0:
                with self._lock:
                    self._waiting.setdefault(
                        meeting.uuid, self.clock() + self.options.wait_processing
                    )
                self._emit(meeting.uuid, meeting, "waiting", "Zoom is still processing the file")
                self._schedule(self._recheck_delay(meeting), meeting)
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
            file = next((f for f in recordings.files if f.id == earlier), file)
        if file.is_video:
            self.sink(Notice(f"{label_of(meeting)}: no audio-only file, using the "
                             f"{file.recording_type or 'video'} MP4 instead.", warning=True))
        row = self.ledger.ensure(
            LedgerEntry.for_meeting(
                meeting, file.id, file_type=file.file_type, file_size=file.file_size,
                source="file" if file.id in self.local_files else "zoom",
            )
        )
        self._resume_or_submit(recordings, file, row)

    def _earlier_file(self, meeting_uuid: str) -> str | None:
        with self._lock:
            if self._started_files is None:
                self._started_files = {
                    row.meeting_uuid: row.recording_file_id
                    for row in self.ledger.rows(["submitting", "submitted", "completed"])
                    if row.meeting_uuid
                }
            return self._started_files.get(meeting_uuid)

    def _resume_or_submit(
        self, recordings: MeetingRecordings, file: RecordingFile, row: Row
    ) -> None:
        meeting = recordings.meeting
        if row.state == "completed" and row.transcript_id:
            self._complete_again(recordings, file, row)
            return
        if row.state == "submitted" and row.transcript_id:
            self._emit(file.id, meeting, "resumed", f"transcript {row.transcript_id}")
            self._schedule(0.0, _Job(recordings, file, row.transcript_id))
            return
        if row.state == "submitting":
            found = self.prior_jobs.find(row.audio_url_key or "")
            if found is not None:
                self.ledger.mark_submitted(file.id, found.id)
                self._emit(file.id, meeting, "resumed", f"found transcript {found.id}")
                self._schedule(0.0, _Job(recordings, file, found.id))
                return
            self.ledger.reset_to_pending(file.id)
        elif row.state == "skipped" or (row.state == "failed" and not self.options.retry_failed):
            self._finish(RecordingResult.from_row(meeting, row, cached=True))
            return
        if self._adopt_prior_job(recordings, file):
            return
        self._submit(recordings, file, resubmitted=set())

    def _adopt_prior_job(self, recordings: MeetingRecordings, file: RecordingFile) -> bool:
        """Follow a job AssemblyAI already has for this audio instead of paying again (the
        ledger does not know it: lost, emptied, or another folder's)."""
        if file.id in self.local_files:
            return False  # uploads get a new URL every time: nothing to match them by
        key = url_key(file.download_url)
        found = self.prior_jobs.find(key)
        if found is None or not self.ledger.claim_for_submit(file.id, key, allow_failed=True):
            return False
        self.ledger.mark_submitted(file.id, found.id)
        self._emit(file.id, recordings.meeting, "resumed",
                   f"AssemblyAI already has transcript {found.id} for this recording; not "
                   "paying for it again")
        self._schedule(0.0, _Job(recordings, file, found.id))
        return True

    def _complete_again(
        self, recordings: MeetingRecordings, file: RecordingFile, row: Row
    ) -> None:
        """A recording finished by an earlier run: write the formats asked for now that are
        missing (from the stored transcript.json, else fetched by id): never a new job."""
        meeting = recordings.meeting
        present = {fmt: p for fmt, p in row.outputs.items() if Path(p).exists()}
        missing = [fmt for fmt in self.options.formats if fmt not in present]
        if not missing:
            self._finish(RecordingResult.from_row(meeting, row, cached=True))
            return
        transcript = read_transcript_json(Path(present["json"])) if "json" in present else None
        if transcript is None:
            self._schedule(0.0, _Job(recordings, file, row.transcript_id or ""))
            return
        written = write_outputs(self.options.out_dir, meeting, file.id, transcript, missing)
        outputs = {**{fmt: Path(p) for fmt, p in present.items()}, **written}
        self.ledger.mark_completed(file.id, outputs, language_code=transcript.language_code,
                                   audio_duration=transcript.audio_duration)
        self._emit(file.id, meeting, "rendered",
                   f"wrote {', '.join(missing)} from the stored transcript")
        self._finish(RecordingResult.completed(meeting, file.id, transcript, outputs,
                                               cached=True))

    def _audio_url(self, recordings: MeetingRecordings, file: RecordingFile, via: str) -> str:
        """What AssemblyAI gets: a hand-off URL, or the ``upload_url`` of bytes we streamed."""
        local = self.local_files.get(file.id)
        if local is not None:
            self._emit(file.id, recordings.meeting, "uploading", str(local.path))
            return self.assembly.upload(lambda: iter_file(local.path), size=local.size)
        if via == "upload":
            return self._upload_from_zoom(recordings, file)
        try:
            return self._handoff(recordings, file)
        except NoDownloadToken:
            too_large = file.file_size is not None and file.file_size > UPLOAD_LIMIT_BYTES
            if self.options.via != "auto" or too_large:
                raise
            self._emit(file.id, recordings.meeting, "streaming",
                       "Zoom gave no download-scoped token; streaming it through this machine")
            return self._upload_from_zoom(recordings, file)

    def _upload_from_zoom(self, recordings: MeetingRecordings, file: RecordingFile) -> str:
        """Download from Zoom with a Bearer token and stream it into AssemblyAI's upload."""
        keep = self._keep_path(recordings.meeting, file) if self.options.keep_audio else None

        def open_body() -> Iterable[bytes]:
            stream = open_download(
                self.zoom.api.session,
                file.download_url,
                Secret(self.zoom.api.tokens.token()),  # fetched per attempt: may be refreshed
                expected_size=file.file_size,
                timeout=self.zoom.api.timeout,
                what=f"the recording of '{label_of(recordings.meeting)}'",
            )
            return stream.tee_to(keep) if keep is not None else stream

        self._emit(file.id, recordings.meeting, "uploading", "Zoom → AssemblyAI")
        return self.assembly.upload(open_body, size=file.file_size)

    def _keep_path(self, meeting: MeetingInfo, file: RecordingFile) -> Path:
        folder = self.options.out_dir / recording_folder_name(meeting, file.id)
        folder.mkdir(parents=True, exist_ok=True)
        extension = (file.file_extension or file.file_type or "bin").lower()
        return folder / f"audio.{extension}"

    def _handoff(self, recordings: MeetingRecordings, file: RecordingFile) -> str:
        """The URL AssemblyAI downloads from, with a download-scoped token when Zoom has one."""
        token = recordings.download_access_token
        if token is None:
            # Listings carry no download token: ask for one now, right before submitting.
            token = self._fresh(recordings).download_access_token
        if token is None:
            # The account-wide API token would open the whole account to whoever holds the
            # URL, and it dies within the hour: never hand it to a third party.
            raise NoDownloadToken(
                f"Zoom gave no download-scoped token for '{label_of(recordings.meeting)}' and "
                "the account-wide token is never handed to AssemblyAI; run again with "
                "--via upload (or the default --via auto) to stream this recording through "
                "this machine instead."
            )
        return handoff_url(file, token)

    def _submit(
        self,
        recordings: MeetingRecordings,
        file: RecordingFile,
        *,
        resubmitted: set[str],
        via: str | None = None,
    ) -> None:
        meeting = recordings.meeting
        via = via or ("upload" if self.options.via == "upload" or (
            self.options.via == "auto" and self.options.keep_audio) else "url")
        try:
            url = self._audio_url(recordings, file, via)
        except TranscribeZoomError as exc:
            if isinstance(exc, AuthError | ConfigError):
                raise  # nothing else will work either
            # A refused, vanished or interrupted download concerns this recording only.
            self.ledger.mark_failed(file.id, exc.code, exc.message)
            self._finish(RecordingResult.failure(meeting, file.id, exc))
            return
        key = url_key(url)
        if not self.ledger.claim_for_submit(file.id, key, allow_failed=True):
            row = self.ledger.get(file.id)
            if row is not None and row.state in ("submitted", "completed", "submitting"):
                self._resume_or_submit(recordings, file, row)
            return
        try:
            try:
                transcript_id = self.assembly.submit(url, self.options.transcription)
            except AmbiguousSubmit:
                found = self.assembly.find_job(key)
                transcript_id = (
                    found.id if found else self.assembly.submit(url, self.options.transcription)
                )
        except AmbiguousSubmit:
            dropped = TranscribeZoomError(
                "The connection to AssemblyAI dropped while submitting; run the same command "
                "again (the ledger makes sure nothing is paid twice).",
                code="submit_interrupted",
            )
            self._finish(RecordingResult.failure(meeting, file.id, dropped))
            return
        except TranscribeZoomError as exc:
            self.ledger.mark_failed(file.id, exc.code, exc.message)
            if exc.exit_code != 1:
                raise
            self._finish(RecordingResult.failure(meeting, file.id, exc))
            return
        self.ledger.mark_submitted(file.id, transcript_id)
        self._emit(file.id, meeting, "submitted", f"transcript {transcript_id}")
        job = _Job(recordings, file, transcript_id, resubmitted=resubmitted)
        first = self.options.poll.first_check(file.duration_seconds)
        with self._lock:
            self._at_service.add(file.id)
            queued_behind = len(self._at_service) > self.options.concurrency
        # A job beyond the concurrency limit waits in AssemblyAI's queue for about one job.
        self._schedule(first * 2 if queued_behind else first, job)

    # -- following a job ----------------------------------------------------------------------
    def _check(self, job: _Job) -> None:
        transcript = self.assembly.get(job.transcript_id)
        if transcript.status == "completed":
            self._release(job)
            self._complete(job, transcript)
        elif transcript.status == "error":
            self._job_failed(job, transcript.error or "unknown error")
        else:
            self._not_done(job, transcript.status)

    def _check_batch(self, jobs: list[_Job]) -> None:
        """One transcript-list call reports many jobs; only finished ones are fetched."""
        wanted = {job.transcript_id: job for job in jobs}
        statuses = self.assembly.statuses(set(wanted))
        for transcript_id, job in wanted.items():
            status = statuses.get(transcript_id)
            if status is None:
                self._check(job)
            elif status.status == "completed":
                job.finished_at_service = True
                self._release(job)
                self._schedule(0.0, job)
            elif status.status == "error":
                self._job_failed(job, status.error or "unknown error")
            else:
                self._not_done(job, status.status)

    def _not_done(self, job: _Job, status: str) -> None:
        job.misses += 1
        if job.misses == 1:
            self._emit(job.file.id, job.recordings.meeting, status)
        self._schedule(self.options.poll.next_check(job.file.duration_seconds, job.misses), job)

    def _fetch(self, job: _Job) -> None:
        """Fetch a transcript known to be finished and write it."""
        transcript = self.assembly.get(job.transcript_id)
        if transcript.status == "completed":
            self._complete(job, transcript)
        else:
            self._job_failed(job, transcript.error or "unknown error")

    def _complete(self, job: _Job, transcript: Transcript) -> None:
        meeting = job.recordings.meeting
        files = write_outputs(
            self.options.out_dir, meeting, job.file.id, transcript, self.options.formats
        )
        earlier = self.ledger.get(job.file.id)
        if earlier is not None and earlier.state == "completed":
            # A rerun asked for other formats: the earlier ones stay listed while they exist.
            kept = {f: Path(p) for f, p in earlier.outputs.items() if Path(p).exists()}
            files = {**kept, **files}
        self.ledger.mark_completed(
            job.file.id,
            files,
            language_code=transcript.language_code,
            audio_duration=transcript.audio_duration,
            transcript_id=job.transcript_id,
        )
        self._finish(RecordingResult.completed(meeting, job.file.id, transcript, files))

    def _job_failed(self, job: _Job, error: str) -> None:
        with self._lock:
            self._at_service.discard(job.file.id)
        lowered = error.lower()
        meeting = job.recordings.meeting
        if lowered.startswith(("download error", "file does not appear to contain audio")):
            kind = "download"
        elif lowered.startswith("server error"):
            kind = "server"
        else:
            kind = ""
        if kind and kind not in job.resubmitted:
            self._emit(job.file.id, meeting, "resubmitting", f"AssemblyAI: {error}")
            self.ledger.reset_to_pending(job.file.id)
            via = None
            if kind == "download" and self.options.via == "auto" and (
                job.file.file_size is None or job.file.file_size <= UPLOAD_LIMIT_BYTES
            ):
                via = "upload"  # the URL did not work: bring the bytes over ourselves
            fresh = job.recordings if via == "upload" else self._fresh(job.recordings)
            self._submit(fresh, job.file, resubmitted=job.resubmitted | {kind}, via=via)
            return
        reason = error
        if "text/html" in lowered:
            reason = ("Zoom answered AssemblyAI's download with an HTML page instead of audio "
                      "(the download token was refused)")
        exc = TranscriptionFailed(
            f"AssemblyAI could not transcribe '{label_of(meeting)}': {reason.rstrip('.')}."
        )
        self.ledger.mark_failed(job.file.id, exc.code, exc.message)
        self._finish(RecordingResult.failure(meeting, job.file.id, exc, job.transcript_id))

    def _fresh(self, recordings: MeetingRecordings) -> MeetingRecordings:
        """The meeting again with a new download token (the old URL may have expired)."""
        try:
            return self.zoom.meeting_recordings(
                recordings.meeting.uuid, download_token_ttl=self.options.handoff_ttl
            )
        except NotFound:
            return recordings

    # -- files Zoom is still processing ------------------------------------------------------
    def _recheck_delay(self, meeting: MeetingInfo) -> float:
        remaining = self._waiting.get(meeting.uuid, self.clock()) - self.clock()
        return max(0.0, min(self.options.processing_recheck, remaining))

    def _recheck_processing(self, meeting: MeetingInfo) -> None:
        recordings = self.zoom.meeting_recordings(
            meeting.uuid, download_token_ttl=self.options.handoff_ttl
        )
        try:
            choose_audio_file(recordings)
        except StillProcessing as exc:
            if self.clock() >= self._waiting[meeting.uuid]:
                self._finish(RecordingResult.failure(meeting, "", exc, status="processing"))
            else:
                self._schedule(self._recheck_delay(meeting), meeting)
            return
        except NoAudio:
            pass
        self._waiting.pop(meeting.uuid, None)
        self._start(recordings)

    def _time_out(self) -> None:
        for _, _, item in self._queue:
            if isinstance(item, _Job):
                exc = WaitTimeout(
                    f"Still transcribing '{item.label}' when --timeout ran out; the job keeps "
                    f"running at AssemblyAI ({item.transcript_id}): {self.options.resume_hint} "
                    "to pick it up without paying twice."
                )
                self._finish(
                    RecordingResult.failure(
                        item.recordings.meeting, item.file.id, exc, item.transcript_id,
                        status="timeout",
                    )
                )
            else:
                exc2 = StillProcessing(
                    f"Zoom was still processing '{label_of(item)}' when --timeout ran out; "
                    f"{self.options.resume_hint} later."
                )
                self._finish(RecordingResult.failure(item, "", exc2, status="processing"))
        self._queue.clear()
