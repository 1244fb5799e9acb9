"""The AssemblyAI job queue: concurrency limit, FIFO order, timing, server errors."""

from __future__ import annotations

import time

from .conftest import Assembly, Zoom, handoff_url


def test_jobs_beyond_the_concurrency_limit_queue(zoom: Zoom, aai: Assembly) -> None:
    meeting = zoom.emu.scenario.find("recurring")  # 5 minutes of audio
    zoom.emu.settings.concurrency = 2
    zoom.emu.settings.speed = meeting.duration_s / 0.25  # 0.25 s of processing per job
    url = handoff_url(zoom, "recurring")
    ids = [aai.submit({"audio_url": url}).json()["id"] for _ in range(6)]
    assert zoom.emu.stats()["jobs"]["by_status"]["queued"] >= 2
    done = [aai.wait(i) for i in ids]
    assert {d["status"] for d in done} == {"completed"}
    jobs = zoom.emu.stats()["jobs"]
    assert jobs["peak_processing"] == 2
    assert jobs["processing_now"] == 0
    finished = [jobs["completed_at"][i] for i in ids]
    order = sorted(range(6), key=lambda n: finished[n])
    # FIFO in waves of two: jobs 0-1 finish first, then 2-3, then 4-5.
    assert [set(order[0:2]), set(order[2:4]), set(order[4:6])] == [{0, 1}, {2, 3}, {4, 5}]
    assert max(finished) - min(finished) >= 0.5  # three waves of 0.25 s


def test_processing_time_follows_speed_and_overhead(zoom: Zoom, aai: Assembly) -> None:
    meeting = zoom.emu.scenario.find("german")
    zoom.emu.settings.speed = meeting.duration_s / 0.2
    zoom.emu.settings.overhead_seconds = 0.1
    started = time.monotonic()
    done = aai.transcribe(handoff_url(zoom, "german"))
    elapsed = time.monotonic() - started
    assert done["status"] == "completed"
    assert 0.3 <= elapsed < 2.0


def test_an_audio_fetch_within_the_overhead_does_not_lengthen_the_job(
    zoom: Zoom, aai: Assembly
) -> None:
    # The overhead stands for the service's setup, download included: a fetch slowed by
    # 0.8 s fits in a 1 s overhead, so the job takes ~1.2 s (overhead + transcription), not
    # 2 s (fetch + transcription + overhead).
    meeting = zoom.emu.scenario.find("german")
    zoom.emu.settings.speed = meeting.duration_s / 0.2
    zoom.emu.settings.overhead_seconds = 1.0
    url = handoff_url(zoom, "german")
    zoom.emu.inject(r"/zoom/rec/download/", "slow", seconds=0.8)
    submitted = time.time()
    done = aai.transcribe(url)
    assert done["status"] == "completed"
    lasted = zoom.emu.stats()["jobs"]["completed_at"][done["id"]] - submitted
    assert 1.2 <= lasted < 1.7


def test_job_server_error_rate(zoom: Zoom, aai: Assembly) -> None:
    zoom.emu.faults.job_server_error_rate = 1.0
    done = aai.transcribe(handoff_url(zoom, "spanish"))
    assert done["status"] == "error"
    assert done["error"] == "Server error, developers have been alerted."
    assert done["words"] is None


def test_injected_job_server_error_hits_the_next_submission_only(zoom: Zoom, aai: Assembly) -> None:
    url = handoff_url(zoom, "spanish")
    zoom.emu.inject(r"^POST /assemblyai/v2/transcript$", "job_server_error")
    assert aai.transcribe(url)["status"] == "error"
    assert aai.transcribe(url)["status"] == "completed"
    assert zoom.emu.stats()["jobs"]["by_status"] == {
        "queued": 0, "processing": 0, "completed": 1, "error": 1,
    }


def test_reset_forgets_jobs_and_cancels_running_ones(zoom: Zoom, aai: Assembly) -> None:
    zoom.emu.settings.speed = 1.0
    job = aai.submit({"audio_url": handoff_url(zoom, "english")}).json()
    deadline = time.monotonic() + 5
    while aai.get(f"/v2/transcript/{job['id']}").json()["audio_duration"] is None:
        assert time.monotonic() < deadline  # fetched: now only the processing timer runs
        time.sleep(0.01)
    zoom.emu.reset()
    stats = zoom.emu.stats()
    assert stats["jobs"]["total"] == 0 and stats["jobs"]["processing_now"] == 0
    assert stats["requests"]["total"] == 0
    assert aai.get(f"/v2/transcript/{job['id']}").status_code == 404
