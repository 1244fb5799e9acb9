"""The engine and claims of other processes: a row another live process is submitting is
never reconciled or resubmitted; a dead process's claim is, once its lease ran out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoom_assembly.events import RecordingStage
from zoom_assembly.ledger import Ledger, LedgerEntry, open_ledger
from zoom_assembly.pipeline import Pipeline, PollPlan, RunOptions

from .factories import recording_file
from .test_engine import FakeAssembly, FakeClock, FakeJob, FakeZoom, recordings


class Wall:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def run_against(tmp_path: Path, assembly: FakeAssembly, wall: Wall,
                on_stage: Any = None, timeout: float | None = None,
                items: list[Any] | None = None) -> list[Any]:
    clock = FakeClock()
    options = RunOptions(out_dir=tmp_path, workers=0, timeout=timeout,
                         poll=PollPlan(min_interval=1, max_interval=5))

    def sink(event: object) -> None:
        if on_stage is not None and isinstance(event, RecordingStage):
            on_stage(event, clock)

    with open_ledger(None, tmp_path, lease_seconds=60, renew_every=0, wall=wall) as ledger:
        pipeline = Pipeline(FakeZoom(), assembly, ledger, options,  # type: ignore[arg-type]
                            clock=clock, sleep=clock.sleep, sink=sink)
        return pipeline.run(items or [recordings()])


def other_process_claims(tmp_path: Path, wall: Wall) -> tuple[Ledger, str]:
    rec = recordings()
    other = open_ledger(None, tmp_path, lease_seconds=60, renew_every=0, wall=wall)
    other.ensure(LedgerEntry.for_meeting(rec.meeting, rec.files[0].id))
    assert other.claim_for_submit(rec.files[0].id, rec.files[0].download_url)
    return other, rec.files[0].id


def test_a_row_another_live_process_is_submitting_is_followed_not_paid_again(
    tmp_path: Path,
) -> None:
    wall, assembly = Wall(), FakeAssembly()
    other, file_id = other_process_claims(tmp_path, wall)
    waited: list[str] = []

    def the_other_submits(event: RecordingStage, clock: FakeClock) -> None:
        if event.stage == "waiting" and not waited:
            waited.append(event.detail)
            url = recordings().files[0].download_url
            assembly.jobs["tr-other"] = FakeJob(url, 0)
            assert other.mark_submitted(file_id, "tr-other")

    results = run_against(tmp_path, assembly, wall, the_other_submits)
    other.close()
    assert waited == ["another process is submitting it"]
    assert assembly.submits == []
    assert results[0].ok and results[0].transcript_id == "tr-other"


def test_a_dead_processes_claim_is_taken_over_when_its_lease_runs_out(tmp_path: Path) -> None:
    wall, assembly = Wall(), FakeAssembly()
    other, _ = other_process_claims(tmp_path, wall)  # never renews: as if killed
    looks: list[float] = []

    def time_passes(event: RecordingStage, clock: FakeClock) -> None:
        if event.stage == "waiting":
            looks.append(wall.now)
            wall.now += 25  # each recheck comes later on the wall clock

    results = run_against(tmp_path, assembly, wall, time_passes)
    assert len(looks) == 3  # 0, 25, 50 s: live; 75 s: expired, taken over
    assert results[0].ok and len(assembly.submits) == 1
    other.close()


def test_a_claim_still_held_when_the_timeout_runs_out_is_reported_not_paid(
    tmp_path: Path,
) -> None:
    wall, assembly = Wall(), FakeAssembly()
    other, _ = other_process_claims(tmp_path, wall)
    results = run_against(tmp_path, assembly, wall, timeout=30)
    other.close()
    assert assembly.submits == []
    assert results[0].status == "timeout"
    assert (results[0].error_message or "").startswith("Another process was still submitting")


def test_a_dead_processes_submit_that_landed_after_this_runs_listing_is_found_not_repaid(
    tmp_path: Path,
) -> None:
    wall, assembly = Wall(), FakeAssembly()
    other, _ = other_process_claims(tmp_path, wall)
    earlier = recordings(uuid="uuid-earlier-aaaaaaaaaaaa==",
                         files=[recording_file(file_id="file-earlier")])

    def the_dead_submit_lands(event: RecordingStage, clock: FakeClock) -> None:
        if event.stage == "waiting":
            if "tr-dead" not in assembly.jobs:  # after this run listed AssemblyAI's jobs
                assembly.jobs["tr-dead"] = FakeJob(recordings().files[0].download_url, 0)
            wall.now += 61

    results = run_against(tmp_path, assembly, wall, the_dead_submit_lands,
                          items=[earlier, recordings()])
    other.close()
    held = next(r for r in results if r.recording_file_id != "file-earlier")
    assert held.ok and held.transcript_id == "tr-dead"
    assert len(assembly.submits) == 1  # the earlier recording only
