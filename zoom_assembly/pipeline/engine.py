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
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ..assembly import (
    AmbiguousSubmit,
    AssemblyClient,
    failure_kind,
    failure_reason,
)
from ..assembly.options import TranscriptionOptions
from ..errors import (
    AuthError,
    ConfigError,
    NoAudio,
    NoZoomText,
    TranscribeZoomError,
    TranscriptionFailed,
)
from ..events import EventSink, RecordingDone, RecordingStage, discard
from ..ledger import Ledger, LedgerEntry, Row, url_key
from ..models import MeetingInfo, Transcript
from ..outputs import read_transcript_json
from ..zoom import MeetingRecordings, ZoomClient
from .follow import Follower, Job, is_live
from .options import RunOptions
from .prior_jobs import PriorJobs
from .recording import (
    PAID_SOURCE,
    Decision,
    Enricher,
    OutputWriter,
    Policy,
    Recording,
    pay_for_all,
    write_recording,
)
from .results import RecordingResult
from .scheduler import Scheduler, Task
from .sources import label_of
from .timeouts import HeldElsewhere, timed_out
from .zoom_intake import Outcome, Recheck, ZoomIntake

FREE_WAITING = "zoom_transcript"  # the source a recording waiting for Zoom's text is down for


class TranscriptSource(Protocol):
    """A free source of finished transcripts (e.g. Zoom's own), chosen by the pay policy."""

    def fetch(self, recording: Recording) -> Transcript: ...


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
        writer: OutputWriter = write_recording,
    ) -> None:
        """``zoom`` may be None when only local recordings are given. ``jobs_since``: the start
        of the oldest recording in scope; AssemblyAI's list is paged back only that far when
        looking for jobs the ledger does not know. ``writer``: where a finished transcript is
        written (default: the recording's own folder)."""
        self.assembly = assembly
        self.ledger = ledger
        self.options = options
        self.sink = sink
        self.clock = clock
        self.policy = policy
        self.free_sources = dict(free_sources or {})
        self.enrichers = tuple(enrichers)
        self.writer = writer
        self.scheduler: Scheduler[Item] = Scheduler(
            capacity=options.concurrency + options.ahead, workers=options.workers,
            coalesce=options.poll.coalesce, clock=clock, sleep=sleep,
        )
        self.prior_jobs = PriorJobs(assembly, since=jobs_since)
        self.intake = None if zoom is None else ZoomIntake(
            zoom, assembly, ledger, options, clock=clock, sink=sink)
        self._results: list[RecordingResult] = []
        self._at_service: set[str] = set()  # files whose job is queued or running there
        self.follower = Follower(
            assembly, self.scheduler, options.poll, completed=self._complete,
            failed=self._job_failed, released=self._release,
            still=lambda job, status: self._emit(
                job.recording.file_id, job.recording.meeting, status),
            slots=options.concurrency,
        )
        self._lock = threading.Lock()
        self._decisions: dict[str, Decision] = {}  # this run's, by recording file id

    # -- entry point --------------------------------------------------------------------------
    def run(self, items: Iterable[Item]) -> list[RecordingResult]:
        """Transcribe every recording given; results in the order they finished.

        ``items`` is consumed lazily: a new recording is started only while fewer than
        ``concurrency`` hold a slot, so hand-off URLs are used soon after they are made and
        listing, submitting and collecting overlap.
        """
        self.scheduler.run(
            items, key=_key, start=self._start, dispatch=self._dispatch,
            timeout=self.options.timeout, on_timeout=self._time_out, live=is_live,
        )
        return self._results

    def _dispatch(self, due: Sequence[object]) -> list[Task]:
        tasks = self.follower.tasks([i for i in due if isinstance(i, Job)])
        rechecks = [i for i in due if isinstance(i, Recheck)]
        if rechecks:
            tasks.append(functools.partial(self._recheck, rechecks))
        tasks.extend(functools.partial(self._begin, i.recording)
                     for i in due if isinstance(i, HeldElsewhere))
        return tasks

    def _held_recheck(self) -> float:
        """Seconds until a row another process is submitting is looked at again: soon enough
        to follow its job, and at least twice per lease to take over a dead owner's claim."""
        return max(self.options.poll.min_interval, min(5.0, self.ledger.lease_seconds / 2))

    def _recheck(self, rechecks: list[Recheck]) -> None:
        assert self.intake is not None  # only Zoom meetings are ever rechecked
        for recheck in rechecks:
            for outcome in self.intake.recheck(recheck):
                self._take(recheck.meeting, outcome)

    def _emit(self, file_id: str, meeting: MeetingInfo, stage: str, detail: str = "") -> None:
        self.sink(RecordingStage(file_id, label_of(meeting), stage, detail))

    def _release(self, job: Job) -> None:
        """The job finished at AssemblyAI: its slot there is free for another recording."""
        self._free_slot(job.recording.meeting.uuid, job.recording.file_id)
        with self._lock:
            self._at_service.discard(job.recording.file_id)

    def _free_slot(self, meeting_uuid: str, file_id: str) -> None:
        # A meeting instance holds its slot by UUID, a ready recording by file id (see _key).
        self.scheduler.release(meeting_uuid)
        if file_id:
            self.scheduler.release(file_id)

    def _finish(self, result: RecordingResult) -> None:
        decision = self._decisions.get(result.recording_file_id)
        if decision is not None:
            result = replace(result, transcript_source=decision.source,
                             decision_reason=decision.reason)
        with self._lock:
            self._results.append(result)
            self._at_service.discard(result.recording_file_id)
        self._free_slot(result.meeting.uuid, result.recording_file_id)
        self.sink(RecordingDone(
            result.recording_file_id, label_of(result.meeting), result.status, result.detail(),
            result.audio_duration, result.cached,
        ))

    # -- from a trigger's item to a recording -------------------------------------------------
    def _start(self, item: Item) -> None:
        if isinstance(item, MeetingRecordings):
            if self.intake is None:
                raise ValueError("a Zoom meeting was given to a pipeline without a Zoom client")
            for outcome in self.intake.take_all(item):  # one per segment of the recording
                self._take(item.meeting, outcome)
        else:
            self._begin(item)

    def _take(self, meeting: MeetingInfo, outcome: Outcome) -> None:
        if isinstance(outcome, Recording):
            self._begin(outcome)
        elif isinstance(outcome, Recheck):
            assert self.intake is not None
            self._emit(meeting.uuid, meeting, "waiting", "Zoom is still processing the file")
            self.scheduler.schedule(self.intake.delay(outcome), outcome)
        else:
            self._finish(outcome)

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

    def _decide(self, recording: Recording) -> bool:
        """Record the policy's decision; take a free transcript when it says so. False when
        the recording still needs paying for."""
        try:
            decision = self.policy(recording)
            self.ledger.record_decision(recording.file_id, decision.source, decision.reason)
            self._decisions[recording.file_id] = decision
            if decision.source == PAID_SOURCE:
                return False
            self._transcribe_free(recording, decision.source)
        except TranscribeZoomError as exc:
            if exc.exit_code != 1:
                raise  # credentials, permissions, the output folder: nothing else will work
            if isinstance(exc, NoZoomText):  # none *yet*: the row stays pending for a later run
                self.ledger.record_decision(recording.file_id, FREE_WAITING,
                                            "waiting for Zoom's transcript or captions")
            else:
                self.ledger.mark_failed(recording.file_id, exc.code, exc.message)
            self._finish(RecordingResult.failure(recording.meeting, recording.file_id, exc))
        return True

    def _resume_or_submit(self, recording: Recording, row: Row) -> None:
        meeting, file_id = recording.meeting, recording.file_id
        if row.state == "completed":
            self._complete_again(recording, row)
            return
        if row.state == "submitted" and row.transcript_id:
            self._emit(file_id, meeting, "resumed", f"transcript {row.transcript_id}")
            self.follower.follow(0.0, Job(recording, row.transcript_id))
            return
        if row.state == "submitting":
            # A crashed run's claim is reconciled; a live process's (lease not expired) is
            # left alone and looked at again: reconciling it now could pay twice.
            if not self.ledger.take_over(file_id):
                self._emit(file_id, meeting, "waiting", "another process is submitting it")
                self.scheduler.schedule(self._held_recheck(), HeldElsewhere(recording))
                return
            key = row.audio_url_key or ""
            # The run's listing may predate the dead process's submit: look again.
            found = self.prior_jobs.find(key) or (self.assembly.find_job(key) if key else None)
            if found is not None:
                self.ledger.mark_submitted(file_id, found.id)
                self._emit(file_id, meeting, "resumed", f"found transcript {found.id}")
                self.follower.follow(0.0, Job(recording, found.id))
                return
            self.ledger.reset_to_pending(file_id)
        elif row.state == "skipped" or (row.state == "failed" and not self.options.retry_failed):
            self._finish(RecordingResult.from_row(meeting, row, cached=True))
            return
        if self._decide(recording):
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
        self.follower.follow(0.0, Job(recording, found.id))
        return True

    def _complete_again(self, recording: Recording, row: Row) -> None:
        """A recording finished by an earlier run: write the formats asked for now that are
        missing (from the stored transcript.json, else fetched by id): never a new job."""
        meeting = recording.meeting
        present = {fmt: p for fmt, p in row.outputs.items() if Path(p).exists()}
        missing = [fmt for fmt in self.options.formats if fmt not in present]
        revisit = [e for e in self.enrichers if getattr(e, "revisits_completed", False)]
        if not missing and not (revisit and "json" in present):
            self._finish(RecordingResult.from_row(meeting, row, cached=True))
            return
        transcript = read_transcript_json(Path(present["json"])) if "json" in present else None
        if transcript is not None:
            # Enriched now, so that names given (or forgotten, ``--speaker-names off``) reach
            # the files written earlier too: none keeps names the others no longer have.
            enriched = self._enrich(transcript, recording, self.enrichers if missing
                                    else revisit)
            if enriched.speakers != transcript.speakers:
                missing = list(dict.fromkeys([*present, *missing]))
            if not missing:
                self._finish(RecordingResult.from_row(meeting, row, cached=True))
                return
            self._emit(recording.file_id, meeting, "rendered",
                       f"wrote {', '.join(missing)} from the stored transcript")
            self._write(recording, enriched, transcript_id=row.transcript_id, formats=missing,
                        cached=True, enriched=True)
            return
        if not missing:  # the formats asked for are there; transcript.json is not
            self._finish(RecordingResult.from_row(meeting, row, cached=True))
            return
        if row.transcript_id:
            self.follower.follow(0.0, Job(recording, row.transcript_id))
            return
        source = self.free_sources.get(row.transcript_source or "")  # free: fetch it again
        if source is None:
            self._finish(RecordingResult.from_row(meeting, row, cached=True))
            return
        transcript = source.fetch(recording)
        self._emit(recording.file_id, meeting, "rendered",
                   f"wrote {', '.join(missing)} from the stored transcript")
        self._write(recording, transcript, transcript_id=row.transcript_id, formats=missing,
                    cached=True)

    def _submit(self, recording: Recording, resubmitted: frozenset[str]) -> None:
        meeting, file_id = recording.meeting, recording.file_id
        options = self.options.transcription
        for enricher in self.enrichers:  # what the enrichers need asked for (see Enricher)
            shape = getattr(enricher, "request_options", None)
            if shape is not None:
                options = shape(recording, options)
        try:
            url = recording.audio.audio_url(
                lambda stage, detail: self._emit(file_id, meeting, stage, detail))
        except NoAudio as exc:  # a meeting with only Zoom's text, and a paying decision
            self.ledger.mark_skipped(file_id, exc.code, exc.message)
            self._finish(RecordingResult.failure(meeting, file_id, exc, status="skipped"))
            return
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
            transcript_id = self._create_job(url, key, options)
        except AmbiguousSubmit:
            self.ledger.release(file_id)  # left submitting: whoever runs next reconciles it
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
        with self._lock:
            self._at_service.add(file_id)
            queued_behind = len(self._at_service) > self.options.concurrency
        # A job beyond the concurrency limit waits in AssemblyAI's queue for an earlier one.
        job = Job(recording, transcript_id, resubmitted=resubmitted)
        first = self.follower.first_check(job, self.clock(), queued=queued_behind)
        self.follower.follow(first, job)

    def _create_job(self, url: str, key: str, options: TranscriptionOptions) -> str:
        """Submit once; when the answer was lost, look for the job before submitting again."""
        try:
            return self.assembly.submit(url, options)
        except AmbiguousSubmit:
            found = self.assembly.find_job(key)
            return found.id if found else self.assembly.submit(url, options)

    # -- the end of a job ---------------------------------------------------------------------
    def _complete(self, job: Job, transcript: Transcript) -> None:
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
        enriched: bool = False,
    ) -> None:
        """Enrich (unless ``enriched`` already), render the formats, record the completion,
        report the result."""
        if not enriched:
            transcript = self._enrich(transcript, recording, self.enrichers)
        meeting, file_id = recording.meeting, recording.file_id
        files = self.writer(self.options.out_dir, recording, transcript,
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

    @staticmethod
    def _enrich(transcript: Transcript, recording: Recording,
                enrichers: Sequence[Enricher]) -> Transcript:
        for enrich in enrichers:
            transcript = enrich(transcript, recording)
        return transcript

    def _job_failed(self, job: Job, error: str) -> None:
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

    def _time_out(self, left: list[object]) -> None:
        for result in timed_out(left, self.options.resume_hint):
            self._finish(result)


def _key(item: Item) -> str:
    """The slot an item holds: a meeting instance's UUID (it becomes one recording), a ready
    recording's file id (one meeting may give several: one per participant audio file)."""
    return item.file_id if isinstance(item, Recording) else item.meeting.uuid


