"""Finding the jobs AssemblyAI already has without the ledger: one pass, back to the cutoff."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from zoom_assembly.assembly import AssemblyClient, JobStatus
from zoom_assembly.config import Settings
from zoom_assembly.pipeline.prior_jobs import PriorJobs
from zoom_assembly.redact import Secret
from zoom_assembly.retry import RetryPolicy

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def listing(total: int) -> tuple[AssemblyClient, list[dict[str, str]]]:
    """A client over a list of ``total`` jobs, one a day back from NOW, newest first."""
    jobs = [{"id": f"tr-{n}", "resource_url": f"https://api.assemblyai.test/v2/transcript/tr-{n}",
             "status": "completed", "completed": None, "error": None, "audio_url":
             f"https://zoom.us/rec/download/f{n}?access_token=secret",
             "created": (NOW - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S.%f")}
            for n in range(total)]
    calls: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        calls.append(query)
        start = 0
        if "before_id" in query:
            start = next(i for i, j in enumerate(jobs) if j["id"] == query["before_id"]) + 1
        page = jobs[start:start + int(query["limit"])]
        here = "https://api.assemblyai.test/v2/transcript"
        details = {"limit": int(query["limit"]), "result_count": len(page),
                   "current_url": here, "prev_url": here, "next_url": None}
        return httpx.Response(200, json={"page_details": details, "transcripts": page})

    settings = Settings(assemblyai_api_key=Secret("aai-test-key-123456"),
                        assemblyai_base_url="https://api.assemblyai.test")
    client = AssemblyClient(settings, policy=RetryPolicy(rng=random.Random(0)),
                            sleep=lambda s: None, transport=httpx.MockTransport(handler))
    return client, calls


def test_listing_stops_at_the_first_page_older_than_the_cutoff() -> None:
    client, calls = listing(1000)
    since = NOW - timedelta(days=250)
    found = list(client.recent_jobs(limit=200, max_pages=50, since=since))
    assert len(calls) == 2  # days 0-199, then 200-399 reaches the cutoff
    assert found[0].audio_url_key == "https://zoom.us/rec/download/f0"


def test_listing_without_a_cutoff_is_bounded_by_max_pages() -> None:
    client, calls = listing(1000)
    list(client.recent_jobs(limit=200, max_pages=3))
    assert len(calls) == 3


class Jobs:
    def __init__(self, jobs: list[JobStatus]) -> None:
        self.jobs = jobs
        self.passes = 0

    def recent_jobs(self, *, limit: int = 200, max_pages: int = 5,
                    since: datetime | None = None) -> list[JobStatus]:
        self.passes += 1
        return self.jobs


def test_a_completed_job_wins_over_a_newer_running_one_and_errors_never_count() -> None:
    key = "https://zoom.us/rec/download/f1"
    source = Jobs([JobStatus("new", "processing", audio_url_key=key),
                   JobStatus("done", "completed", audio_url_key=key),
                   JobStatus("bad", "error", "Download error", audio_url_key=key),
                   JobStatus("err-only", "error", "x", audio_url_key="https://zoom.us/other")])
    prior = PriorJobs(source, since=None)  # type: ignore[arg-type]
    found = prior.find(key)
    assert found is not None and found.id == "done"
    assert prior.find("https://zoom.us/other") is None
    assert prior.find("https://zoom.us/unknown") is None
    assert source.passes == 1
