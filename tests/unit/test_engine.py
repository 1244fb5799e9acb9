"""The engine's decisions, with in-memory Zoom and AssemblyAI fakes and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.assembly import AmbiguousSubmit, JobStatus, TranscriptionOptions
from zoom_assembly.ledger import Ledger
from zoom_assembly.models import Transcript, Word
from zoom_assembly.pipeline import Pipeline, PollPlan, RunOptions
from zoom_assembly.redact import Secret
from zoom_assembly.zoom import MeetingRecordings, parse_meeting

from .factories import meeting, recording_file


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


@dataclass
class FakeJob:
    audio_url: str
    polls_left: int
    outcome: str = "completed"  # or an error text


@dataclass
class FakeAssembly:
    polls_needed: int = 2
    outcomes: list[str] = field(default_factory=list)  # per submission, default completed
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    submits: list[str] = field(default_factory=list)
    gets: int = 0
    list_calls: int = 0
    ambiguous_next: bool = False
    uploads: list[int | None] = field(default_factory=list)
    list_passes: int = 0

    def submit(self, audio_url: str, options: TranscriptionOptions) -> str:
        transcript_id = f"tr-{len(self.jobs) + 1}"
        outcome = self.outcomes.pop(0) if self.outcomes else "completed"
        self.jobs[transcript_id] = FakeJob(audio_url, self.polls_needed, outcome)
        self.submits.append(audio_url)
        if self.ambiguous_next:
            self.ambiguous_next = False
            raise AmbiguousSubmit()
        return transcript_id

    def _status(self, transcript_id: str) -> tuple[str, str | None]:
        job = self.jobs[transcript_id]
        if job.polls_left > 0:
            job.polls_left -= 1
            return "processing", None
        if job.outcome == "completed":
            return "completed", None
        return "error", job.outcome

    def get(self, transcript_id: str) -> Transcript:
        self.gets += 1
        status, error = self._status(transcript_id)
        words = (Word("Hola", 250, 650, 0.9, "A"),) if status == "completed" else ()
        return Transcript(id=transcript_id, status=status, text="Hola" if words else "",
                          language_code="es", audio_duration=60.0, words=words, error=error)

    def statuses(self, ids: set[str]) -> dict[str, JobStatus]:
        self.list_calls += 1
        result = {}
        for transcript_id in ids:
            status, error = self._status(transcript_id)
            if status == "completed":  # the follow-up get must see it completed too
                self.jobs[transcript_id].polls_left = 0
            result[transcript_id] = JobStatus(transcript_id, status, error)
        return result

    def upload(self, open_body: Any, *, size: int | None) -> str:
        self.uploads.append(size)
        return f"https://cdn.assemblyai.test/upload/{len(self.uploads)}"

    def find_job(self, audio_url_key: str) -> JobStatus | None:
        for transcript_id, job in self.jobs.items():
            if job.audio_url.split("?")[0] == audio_url_key:
                return JobStatus(transcript_id, "processing")
        return None

    def recent_jobs(self, *, limit: int = 200, max_pages: int = 5,
                    since: Any = None) -> Iterator[JobStatus]:
        self.list_passes += 1
        for transcript_id, job in reversed(self.jobs.items()):  # newest first
            status = "error" if job.outcome != "completed" and job.polls_left == 0 else (
                "completed" if job.polls_left == 0 else "processing")
            yield JobStatus(transcript_id, status, audio_url_key=job.audio_url.split("?")[0])


class FakeTokens:
    def token(self) -> str:
        return "s2s-token"


class FakeApi:
    tokens = FakeTokens()


class FakeZoom:
    api = FakeApi()

    def __init__(self) -> None:
        self.fetches = 0

    def meeting_recordings(self, meeting_ref: Any, *, download_token_ttl: int | None = None
                           ) -> MeetingRecordings:
        self.fetches += 1
        return recordings(token=f"scoped-{self.fetches}")


def recordings(token: str | None = "scoped-0", uuid: str = "UaOnHojhRZueVNCVcK8lEA==",
               files: list[dict[str, Any]] | None = None) -> MeetingRecordings:
    parsed = parse_meeting(meeting(files, uuid=uuid))
    if token is None:
        return parsed
    return MeetingRecordings(parsed.meeting, parsed.files, (), Secret(token))


def run(tmp_path: Path, assembly: FakeAssembly, items: list[MeetingRecordings],
        **overrides: Any) -> tuple[list[Any], FakeClock]:
    clock = FakeClock()
    overrides.setdefault("workers", 0)
    options = RunOptions(out_dir=tmp_path, poll=PollPlan(min_interval=1, max_interval=5),
                         **overrides)
    with Ledger.open(tmp_path) as ledger:
        pipeline = Pipeline(FakeZoom(), assembly, ledger, options,  # type: ignore[arg-type]
                            clock=clock, sleep=clock.sleep)
        return pipeline.run(items), clock


def test_one_meeting_is_submitted_once_and_written(tmp_path: Path) -> None:
    assembly = FakeAssembly()
    results, _ = run(tmp_path, assembly, [recordings()])
    assert [r.status for r in results] == ["completed"]
    assert len(assembly.submits) == 1
    assert "access_token=scoped-0" in assembly.submits[0]
    assert set(results[0].files) == {"txt", "json", "srt", "vtt"}
    assert all(p.exists() for p in results[0].files.values())


def test_first_check_waits_about_as_long_as_the_job_should_take(tmp_path: Path) -> None:
    assembly = FakeAssembly(polls_needed=0)
    _, clock = run(tmp_path, assembly, [recordings()])
    plan = PollPlan()
    expected = plan.expected(44 * 60 + 24) + plan.coalesce  # recording_start..end, margin
    assert clock.now == pytest.approx(expected)
    assert assembly.gets == 1


def test_rerun_of_a_completed_recording_submits_nothing(tmp_path: Path) -> None:
    run(tmp_path, FakeAssembly(), [recordings()])
    again = FakeAssembly()
    results, _ = run(tmp_path, again, [recordings()])
    assert again.submits == [] and results[0].cached and results[0].ok


def test_deleted_outputs_are_rewritten_without_resubmitting(tmp_path: Path) -> None:
    first, _ = run(tmp_path, FakeAssembly(), [recordings()])
    first[0].files["txt"].unlink()
    again = FakeAssembly(polls_needed=0, jobs={"tr-1": FakeJob("u", 0)})
    results, _ = run(tmp_path, again, [recordings()])
    assert again.submits == [] and results[0].files["txt"].exists()


def test_timeout_leaves_the_job_recorded_and_resumes_by_id(tmp_path: Path) -> None:
    slow = FakeAssembly(polls_needed=100)
    results, _ = run(tmp_path, slow, [recordings()], timeout=30)
    assert results[0].status == "timeout" and "run the same command again" in \
        (results[0].error_message or "")
    # The rerun polls the same transcript id instead of submitting again.
    slow.jobs["tr-1"].polls_left = 0
    results, _ = run(tmp_path, slow, [recordings()])
    assert results[0].status == "completed" and len(slow.submits) == 1


def test_download_error_gets_a_fresh_url_and_one_resubmission(tmp_path: Path) -> None:
    error = "Download error, unable to download https://zoom.us/rec/x?access_token=[REDACTED]."
    assembly = FakeAssembly(outcomes=[error])
    results, _ = run(tmp_path, assembly, [recordings()], via="url")
    assert results[0].status == "completed"
    assert len(assembly.submits) == 2
    assert "access_token=scoped-1" in assembly.submits[1]  # a new token from Zoom


def test_second_download_error_fails_with_assemblyais_message(tmp_path: Path) -> None:
    error = "Download error, unable to download https://zoom.us/rec/x."
    assembly = FakeAssembly(outcomes=[error, error])
    results, _ = run(tmp_path, assembly, [recordings()], via="url")
    assert results[0].status == "failed" and len(assembly.submits) == 2
    assert "Download error" in (results[0].error_message or "")


def test_server_error_is_resubmitted_once(tmp_path: Path) -> None:
    assembly = FakeAssembly(outcomes=["Server error, developers have been alerted."])
    results, _ = run(tmp_path, assembly, [recordings()])
    assert results[0].ok and len(assembly.submits) == 2


def test_other_job_errors_fail_without_resubmitting(tmp_path: Path) -> None:
    assembly = FakeAssembly(outcomes=["Audio duration is too short."])
    results, _ = run(tmp_path, assembly, [recordings()])
    assert results[0].status == "failed" and len(assembly.submits) == 1
    with Ledger.open(tmp_path) as ledger:
        assert ledger.counts()["failed"] == 1


def test_lost_submit_answer_is_reconciled_not_resubmitted(tmp_path: Path) -> None:
    assembly = FakeAssembly(ambiguous_next=True)
    results, _ = run(tmp_path, assembly, [recordings()])
    assert results[0].ok and len(assembly.submits) == 1


def test_crash_between_intent_and_submit_is_reconciled_against_the_list(tmp_path: Path) -> None:
    assembly = FakeAssembly()
    rec = recordings()
    with Ledger.open(tmp_path) as ledger:
        from zoom_assembly.ledger import LedgerEntry

        ledger.ensure(LedgerEntry.for_meeting(rec.meeting, rec.files[0].id))
        url = f"{rec.files[0].download_url}?access_token=scoped-0"
        ledger.claim_for_submit(rec.files[0].id, url)
    assembly.jobs["tr-1"] = FakeJob(url, 0)  # the submit did reach AssemblyAI
    results, _ = run(tmp_path, assembly, [rec])
    assert results[0].ok and assembly.submits == []
    assert results[0].transcript_id == "tr-1"


def test_crash_before_the_submit_reached_assemblyai_submits_once(tmp_path: Path) -> None:
    rec = recordings()
    with Ledger.open(tmp_path) as ledger:
        from zoom_assembly.ledger import LedgerEntry

        ledger.ensure(LedgerEntry.for_meeting(rec.meeting, rec.files[0].id))
        ledger.claim_for_submit(rec.files[0].id, rec.files[0].download_url)
    assembly = FakeAssembly()
    results, _ = run(tmp_path, assembly, [rec])
    assert results[0].ok and len(assembly.submits) == 1


def test_in_flight_jobs_never_exceed_concurrency(tmp_path: Path) -> None:
    assembly = FakeAssembly(polls_needed=3)
    peak = 0
    original = assembly.submit

    def counting_submit(url: str, options: TranscriptionOptions) -> str:
        nonlocal peak
        transcript_id = original(url, options)
        running = sum(1 for j in assembly.jobs.values() if j.polls_left > 0 or j.outcome == "x")
        peak = max(peak, running)
        return transcript_id

    assembly.submit = counting_submit  # type: ignore[method-assign]
    items = [recordings(uuid=f"uuid-{n:02d}-aaaaaaaaaaaa==",
                        files=[recording_file(file_id=f"file-{n}")]) for n in range(12)]
    results, _ = run(tmp_path, assembly, items, concurrency=3, lookahead=0)
    assert len(results) == 12 and all(r.ok for r in results)
    assert peak == 3


def test_many_due_jobs_share_one_list_call(tmp_path: Path) -> None:
    assembly = FakeAssembly(polls_needed=1)
    items = [recordings(uuid=f"uuid-{n:02d}-aaaaaaaaaaaa==",
                        files=[recording_file(file_id=f"file-{n}")]) for n in range(8)]
    results, _ = run(tmp_path, assembly, items)
    assert all(r.ok for r in results)
    assert assembly.list_calls >= 1
    assert assembly.gets == 8  # only the finished transcripts are fetched one by one


def test_listing_without_download_token_asks_zoom_for_one(tmp_path: Path) -> None:
    assembly = FakeAssembly()
    results, _ = run(tmp_path, assembly, [recordings(token=None)])
    assert results[0].ok and "access_token=scoped-1" in assembly.submits[0]


def test_meeting_with_only_zoom_transcript_is_skipped(tmp_path: Path) -> None:
    rec = recordings(files=[recording_file("TRANSCRIPT", "audio_transcript")])
    results, _ = run(tmp_path, FakeAssembly(), [rec])
    assert results[0].status == "skipped" and results[0].error_code == "no_audio"


def test_worker_threads_finish_every_recording_exactly_once(tmp_path: Path) -> None:
    assembly = FakeAssembly(polls_needed=1)
    items = [recordings(uuid=f"uuid-{n:02d}-aaaaaaaaaaaa==",
                        files=[recording_file(file_id=f"file-{n}")]) for n in range(20)]
    results, _ = run(tmp_path, assembly, items, concurrency=5, workers=4)
    assert sorted(r.recording_file_id for r in results) == sorted(f"file-{n}" for n in range(20))
    assert all(r.ok for r in results) and len(assembly.submits) == 20


def test_fatal_error_in_a_worker_ends_the_run(tmp_path: Path) -> None:
    from zoom_assembly.errors import AuthError

    class RefusingAssembly(FakeAssembly):
        def submit(self, audio_url: str, options: TranscriptionOptions) -> str:
            raise AuthError("AssemblyAI rejected the API key.")

    with pytest.raises(AuthError):
        run(tmp_path, RefusingAssembly(), [recordings()], workers=2)


def test_auto_falls_back_to_uploading_after_a_download_error(tmp_path: Path) -> None:
    error = "Download error, unable to download https://zoom.us/rec/x."
    assembly = FakeAssembly(outcomes=[error])
    results, _ = run(tmp_path, assembly, [recordings()])
    assert results[0].ok and len(assembly.submits) == 2
    assert assembly.submits[1].startswith("https://cdn.assemblyai.test/upload/")
    assert assembly.uploads == [42_392_752]


def test_via_upload_never_hands_over_a_zoom_url(tmp_path: Path) -> None:
    assembly = FakeAssembly()
    results, _ = run(tmp_path, assembly, [recordings()], via="upload")
    assert results[0].ok and assembly.submits == ["https://cdn.assemblyai.test/upload/1"]


# -- exactly once without the ledger ---------------------------------------------------------


def test_recording_the_ledger_does_not_know_reuses_the_job_assemblyai_has(
    tmp_path: Path,
) -> None:
    assembly = FakeAssembly(polls_needed=0)
    run(tmp_path / "first", assembly, [recordings()])
    results, _ = run(tmp_path / "elsewhere", assembly, [recordings()])
    assert len(assembly.submits) == 1
    assert results[0].ok and results[0].transcript_id == "tr-1"
    assert results[0].files["txt"].exists()


def test_job_still_running_without_the_ledger_is_followed_not_resubmitted(
    tmp_path: Path,
) -> None:
    assembly = FakeAssembly()
    assembly.jobs["tr-9"] = FakeJob("https://us06web.zoom.us/rec/download/m4a-audio_only-file"
                                    "?access_token=old", polls_left=3)
    results, _ = run(tmp_path, assembly, [recordings()])
    assert assembly.submits == [] and results[0].ok and results[0].transcript_id == "tr-9"


def test_failed_job_found_without_the_ledger_is_not_reused(tmp_path: Path) -> None:
    assembly = FakeAssembly()
    assembly.jobs["tr-9"] = FakeJob("https://us06web.zoom.us/rec/download/m4a-audio_only-file",
                                    polls_left=0, outcome="Audio duration is too short.")
    results, _ = run(tmp_path, assembly, [recordings()])
    assert len(assembly.submits) == 1 and results[0].transcript_id != "tr-9"


def test_assemblyais_list_is_read_once_per_run_not_once_per_recording(tmp_path: Path) -> None:
    assembly = FakeAssembly(polls_needed=0)
    items = [recordings(uuid=f"uuid-{n:02d}-aaaaaaaaaaaa==",
                        files=[recording_file(file_id=f"file-{n}")]) for n in range(6)]
    run(tmp_path, assembly, items)
    assert assembly.list_passes == 1 and len(assembly.submits) == 6


def test_ledger_deleted_mid_run_stops_the_run_and_the_rerun_pays_nothing_twice(
    tmp_path: Path,
) -> None:
    import shutil

    from zoom_assembly.errors import LedgerLost
    from zoom_assembly.events import Event, RecordingStage

    assembly = FakeAssembly(polls_needed=5)
    items = [recordings(uuid=f"uuid-{n:02d}-aaaaaaaaaaaa==",
                        files=[recording_file(file_id=f"file-{n}")]) for n in range(4)]
    out = tmp_path / "out"

    def delete_after_first_submit(event: Event) -> None:
        if isinstance(event, RecordingStage) and event.stage == "submitted":
            shutil.rmtree(out / ".transcribe-zoom", ignore_errors=True)

    clock = FakeClock()
    options = RunOptions(out_dir=out, workers=0, concurrency=1,
                         poll=PollPlan(min_interval=1, max_interval=5))
    with pytest.raises(LedgerLost), Ledger.open(out) as ledger:
        Pipeline(FakeZoom(), assembly, ledger, options,  # type: ignore[arg-type]
                 sink=delete_after_first_submit, clock=clock, sleep=clock.sleep).run(items)
    assert len(assembly.submits) == 1
    results, _ = run(tmp_path / "another-folder", assembly, items)
    assert all(r.ok for r in results) and len(assembly.submits) == 4
    assert len({url.split("?")[0] for url in assembly.submits}) == 4


# -- the account-wide token never leaves this machine ----------------------------------------


class TokenlessZoom(FakeZoom):
    def meeting_recordings(self, meeting_ref: Any, *, download_token_ttl: int | None = None
                           ) -> MeetingRecordings:
        self.fetches += 1
        return recordings(token=None)


def _run_tokenless(tmp_path: Path, assembly: FakeAssembly, via: str) -> list[Any]:
    clock = FakeClock()
    options = RunOptions(out_dir=tmp_path, workers=0, via=via,
                         poll=PollPlan(min_interval=1, max_interval=5))
    with Ledger.open(tmp_path) as ledger:
        pipeline = Pipeline(TokenlessZoom(), assembly, ledger, options,  # type: ignore[arg-type]
                            clock=clock, sleep=clock.sleep)
        return pipeline.run([recordings(token=None)])


def test_without_a_scoped_token_auto_streams_instead_of_handing_over_the_account_token(
    tmp_path: Path,
) -> None:
    assembly = FakeAssembly()
    results = _run_tokenless(tmp_path, assembly, "auto")
    assert results[0].ok and assembly.uploads == [42_392_752]
    assert not any("s2s-token" in url for url in assembly.submits)


def test_without_a_scoped_token_via_url_fails_that_recording_with_a_sentence(
    tmp_path: Path,
) -> None:
    assembly = FakeAssembly()
    results = _run_tokenless(tmp_path, assembly, "url")
    assert assembly.submits == [] and results[0].status == "failed"
    assert results[0].error_code == "no_download_token"
    assert "--via upload" in (results[0].error_message or "")


# -- another --format on a rerun ---------------------------------------------------------------


def test_new_format_on_rerun_is_rendered_from_the_stored_transcript(tmp_path: Path) -> None:
    run(tmp_path, FakeAssembly(polls_needed=0), [recordings()], formats=("txt", "json"))
    again = FakeAssembly()
    results, _ = run(tmp_path, again, [recordings()])
    assert again.submits == [] and again.gets == 0
    assert set(results[0].files) == {"txt", "json", "srt", "vtt"}
    assert "Hola" in results[0].files["srt"].read_text(encoding="utf-8")


def test_new_format_without_a_stored_json_fetches_the_transcript_by_id(tmp_path: Path) -> None:
    first = FakeAssembly(polls_needed=0)
    run(tmp_path, first, [recordings()], formats=("txt",))
    results, _ = run(tmp_path, first, [recordings()], formats=("srt",))
    assert len(first.submits) == 1 and results[0].files["srt"].exists()
    with Ledger.open(tmp_path) as ledger:
        assert set(ledger.rows()[0].outputs) == {"txt", "srt"}


# -- the engine's seams ------------------------------------------------------------------------


def _pipeline(tmp_path: Path, assembly: FakeAssembly, ledger: Ledger, **kwargs: Any) -> Pipeline:
    clock = FakeClock()
    options = RunOptions(out_dir=tmp_path, workers=0,
                         poll=PollPlan(min_interval=1, max_interval=5))
    return Pipeline(FakeZoom(), assembly, ledger, options,  # type: ignore[arg-type]
                    clock=clock, sleep=clock.sleep, **kwargs)


def test_the_decision_and_its_reason_are_recorded_in_the_ledger(tmp_path: Path) -> None:
    with Ledger.open(tmp_path) as ledger:
        _pipeline(tmp_path, FakeAssembly(), ledger).run([recordings()])
        row = ledger.rows()[0]
    assert row.transcript_source == "assemblyai"
    assert row.decision_reason == "policy: pay for every recording"


def test_a_free_source_chosen_by_the_policy_is_written_without_paying(tmp_path: Path) -> None:
    from zoom_assembly.pipeline import Decision, Recording

    class ZoomsOwn:
        def fetch(self, recording: Recording) -> Transcript:
            return Transcript(id="zoom-vtt", status="completed", text="Hello",
                              words=(Word("Hello", 0, 400, 1.0, "A"),))

    assembly = FakeAssembly()
    with Ledger.open(tmp_path) as ledger:
        pipeline = _pipeline(tmp_path, assembly, ledger,
                             policy=lambda r: Decision("zoom_transcript", "english, accepted"),
                             free_sources={"zoom_transcript": ZoomsOwn()})
        results = pipeline.run([recordings()])
        row = ledger.rows()[0]
    assert assembly.submits == [] and results[0].ok
    assert row.state == "completed" and row.transcript_source == "zoom_transcript"
    assert "Hello" in results[0].files["txt"].read_text(encoding="utf-8")


def test_enrichers_run_on_the_transcript_before_it_is_rendered(tmp_path: Path) -> None:
    from dataclasses import replace

    def shout(transcript: Transcript, recording: Any) -> Transcript:
        return replace(transcript, words=tuple(replace(w, text=w.text.upper())
                                               for w in transcript.words))

    with Ledger.open(tmp_path) as ledger:
        results = _pipeline(tmp_path, FakeAssembly(), ledger, enrichers=[shout]).run(
            [recordings()])
    assert "HOLA" in results[0].files["srt"].read_text(encoding="utf-8")


def test_local_file_server_error_is_resubmitted_without_any_zoom_client(tmp_path: Path) -> None:
    from zoom_assembly.media import LocalMedia
    from zoom_assembly.models import MeetingInfo
    from zoom_assembly.pipeline import LocalFile, Recording

    path = tmp_path / "talk.wav"
    path.write_bytes(b"RIFF....WAVE")
    assembly = FakeAssembly(outcomes=["Server error, developers have been alerted."])
    media = LocalMedia(path, 12, "wav", "cd" * 32)
    item = Recording(MeetingInfo(uuid=media.key, topic="talk"), media.key,
                     LocalFile(assembly, media), origin="file")  # type: ignore[arg-type]
    clock = FakeClock()
    options = RunOptions(out_dir=tmp_path, workers=0, poll=PollPlan(min_interval=1))
    with Ledger.open(tmp_path) as ledger:
        results = Pipeline(None, assembly, ledger, options,  # type: ignore[arg-type]
                           clock=clock, sleep=clock.sleep).run([item])
    assert results[0].ok and assembly.uploads == [12, 12]


def test_a_list_call_settles_finished_jobs_that_were_not_due_yet(tmp_path: Path) -> None:
    clock = FakeClock()

    class Timed(FakeAssembly):
        """Every job is done 10 s after its submit; the list reports all of them."""

        submitted_at: dict[str, float] = {}  # noqa: RUF012

        def submit(self, audio_url: str, options: TranscriptionOptions) -> str:
            transcript_id = super().submit(audio_url, options)
            self.submitted_at[transcript_id] = clock.now
            return transcript_id

        def _status(self, transcript_id: str) -> tuple[str, str | None]:
            done = clock.now >= self.submitted_at[transcript_id] + 10
            return ("completed" if done else "processing"), None

        def statuses(self, ids: set[str]) -> dict[str, JobStatus]:
            self.list_calls += 1
            return {t: JobStatus(t, self._status(t)[0]) for t in self.jobs}

    def item(n: int, minutes: int) -> MeetingRecordings:
        file = recording_file(file_id=f"file-{n}")
        file["recording_end"] = f"2024-08-16T23:{27 + minutes:02d}:36Z"
        return recordings(uuid=f"uuid-{n:02d}-aaaaaaaaaaaa==", files=[file])

    short = [item(n, 1) for n in range(4)]  # expected ~5 s: checked first
    long = [item(n, 30) for n in range(4, 8)]  # expected ~22 s, but done after 10 s too
    plan = PollPlan(min_interval=1, max_interval=5, coalesce=0.0)
    options = RunOptions(out_dir=tmp_path, workers=0, poll=plan)
    with Ledger.open(tmp_path) as ledger:
        results = Pipeline(FakeZoom(), Timed(polls_needed=0), ledger,  # type: ignore[arg-type]
                           options, clock=clock, sleep=clock.sleep).run(short + long)
    assert len(results) == 8 and all(r.ok for r in results)
    assert clock.now < plan.first_check(30 * 60)  # the long ones never waited for their turn


def test_a_free_transcript_is_not_fetched_again_on_a_rerun_and_never_paid(
    tmp_path: Path,
) -> None:
    from zoom_assembly.pipeline import Decision, Recording

    fetched: list[str] = []

    class ZoomsOwn:
        def fetch(self, recording: Recording) -> Transcript:
            fetched.append(recording.file_id)
            return Transcript(id="zoom-vtt", status="completed", text="Hello",
                              words=(Word("Hello", 0, 400, 1.0, "A"),))

    assembly = FakeAssembly()
    free = {"zoom_transcript": ZoomsOwn()}
    for policy in (lambda r: Decision("zoom_transcript", "free"),
                   lambda r: Decision("assemblyai", "now pay")):
        with Ledger.open(tmp_path) as ledger:
            results = _pipeline(tmp_path, assembly, ledger, policy=policy,
                                free_sources=free).run([recordings()])
        assert results[0].ok
    assert fetched == [recordings().files[0].id] and assembly.submits == []
    results[0].files["srt"].unlink()
    with Ledger.open(tmp_path) as ledger:
        results = _pipeline(tmp_path, assembly, ledger, free_sources=free,
                            policy=lambda r: Decision("zoom_transcript", "free")).run(
            [recordings()])
    assert results[0].files["srt"].exists() and len(fetched) == 1  # rendered from the json

class FifoService(FakeAssembly):
    """AssemblyAI's queue on a fake clock: ``slots`` jobs at once, the rest FIFO, each job
    ``seconds`` long; the list reports every job with its ``created``/``completed`` stamps."""

    def __init__(self, clock: FakeClock, slots: int, seconds: float) -> None:
        super().__init__(polls_needed=0)
        self.clock, self.slots, self.seconds = clock, slots, seconds
        self.window: dict[str, tuple[float, float, float]] = {}  # created, start, end
        self.list_times: list[float] = []

    def submit(self, audio_url: str, options: TranscriptionOptions) -> str:
        transcript_id = super().submit(audio_url, options)
        now = self.clock.now
        ends = sorted(end for _, _, end in self.window.values() if end > now)
        start = now if len(ends) < self.slots else ends[len(ends) - self.slots]
        self.window[transcript_id] = (now, start, start + self.seconds)
        return transcript_id

    def _state(self, transcript_id: str) -> str:
        _, start, end = self.window[transcript_id]
        now = self.clock.now
        return "completed" if now >= end else "processing" if now >= start else "queued"

    def _status(self, transcript_id: str) -> tuple[str, str | None]:
        return self._state(transcript_id), None

    def statuses(self, ids: set[str]) -> dict[str, JobStatus]:
        self.list_calls += 1
        self.list_times.append(self.clock.now)

        def stamp(seconds: float) -> str:
            return f"2026-01-01T00:{int(seconds // 60):02d}:{seconds % 60:09.6f}"

        found = {}
        for transcript_id, (created, _, end) in self.window.items():
            state = self._state(transcript_id)
            found[transcript_id] = JobStatus(
                transcript_id, state, created=stamp(created),
                completed=stamp(end) if state == "completed" else "")
        return found


def fifo_run(tmp_path: Path, service: FifoService, clock: FakeClock, n: int,
             **overrides: Any) -> list[Any]:
    items = [recordings(uuid=f"uuid-{k:02d}-aaaaaaaaaaaa==",
                        files=[recording_file(file_id=f"file-{k}")]) for k in range(n)]
    # Expects 10 s a job (no audio term), checks every due job with one list call.
    plan = PollPlan(realtime_factor=1e9, overhead=10, min_interval=1, max_interval=5,
                    coalesce=0.0, batch_min=1)
    options = RunOptions(out_dir=tmp_path, workers=0, poll=plan, **overrides)
    with Ledger.open(tmp_path) as ledger:
        return Pipeline(FakeZoom(), service, ledger, options,  # type: ignore[arg-type]
                        clock=clock, sleep=clock.sleep).run(items)


def test_by_default_one_round_more_waits_in_assemblyais_queue(tmp_path: Path) -> None:
    clock = FakeClock()
    service = FifoService(clock, slots=2, seconds=10)
    results = fifo_run(tmp_path, service, clock, 4, concurrency=2)
    assert len(results) == 4 and all(r.ok for r in results)
    # All four submitted at once: the two beyond the limit start the moment a slot frees.
    assert [created for created, _, _ in service.window.values()] == [0.0] * 4
    assert clock.now == pytest.approx(20)


def test_later_jobs_are_checked_at_the_pace_the_service_showed(tmp_path: Path) -> None:
    clock = FakeClock()
    service = FifoService(clock, slots=1, seconds=5)  # twice as fast as the plan expects
    results = fifo_run(tmp_path, service, clock, 3, concurrency=1, lookahead=0)
    assert all(r.ok for r in results)
    # The first job is looked at when the plan expects it; the next ones at the pace seen.
    assert service.list_times == pytest.approx([10, 15, 20])


def test_a_queued_job_is_timed_from_the_end_of_the_job_it_waited_for(tmp_path: Path) -> None:
    clock = FakeClock()
    service = FifoService(clock, slots=1, seconds=5)
    results = fifo_run(tmp_path, service, clock, 4, concurrency=1, lookahead=1)
    assert all(r.ok for r in results)
    # Jobs 1 and 2 go at once (2 waits for 1); both are seen done at 10, when 3 is
    # submitted. Measured from its created stamp, job 2 would seem to take 10 s, not 5.
    assert service.list_times[:3] == pytest.approx([10, 15, 20])


def test_recordings_of_one_meeting_each_hold_a_slot(tmp_path: Path) -> None:
    # Per-participant audio: one meeting gives several ready recordings (one per file).
    from zoom_assembly.pipeline import Recording
    from zoom_assembly.pipeline.sources import ZoomHandoff, ZoomSettings

    assembly = FakeAssembly(polls_needed=3)
    peak = 0
    original = assembly.submit

    def counting_submit(url: str, options: TranscriptionOptions) -> str:
        nonlocal peak
        transcript_id = original(url, options)
        peak = max(peak, sum(1 for j in assembly.jobs.values() if j.polls_left > 0))
        return transcript_id

    assembly.submit = counting_submit  # type: ignore[method-assign]
    files = [recording_file(file_id=f"participant-{n}") for n in range(6)]
    meeting_recordings = recordings(files=files)
    items = [Recording(meeting_recordings.meeting, f.id, ZoomHandoff(
        FakeZoom(), assembly, meeting_recordings, f, ZoomSettings()),  # type: ignore[arg-type]
        zoom=meeting_recordings) for f in meeting_recordings.files]
    results, _ = run(tmp_path, assembly, items, concurrency=2, lookahead=0)  # type: ignore[arg-type]
    assert len(results) == 6 and all(r.ok for r in results)
    assert peak == 2


def test_a_writer_decides_where_the_transcript_is_written(tmp_path: Path) -> None:
    written: list[str] = []

    def elsewhere(out_dir: Path, recording: Any, transcript: Transcript,
                  formats: Any) -> dict[str, Path]:
        written.append(recording.file_id)
        path = out_dir / "elsewhere.txt"
        path.write_text(transcript.text, encoding="utf-8")
        return {"txt": path}

    with Ledger.open(tmp_path) as ledger:
        results = _pipeline(tmp_path, FakeAssembly(), ledger, writer=elsewhere).run(
            [recordings()])
        row = ledger.rows()[0]
    assert written == [results[0].recording_file_id]
    assert results[0].files == {"txt": tmp_path / "elsewhere.txt"}
    assert row.state == "completed" and row.outputs == {"txt": str(tmp_path / "elsewhere.txt")}
