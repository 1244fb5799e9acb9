"""AssemblyAI's job queue: FIFO, at most ``concurrency`` jobs processing, the rest queued.

Processing really fetches ``audio_url`` over HTTP (streamed, never held), recognises the file by
the marker in its first bytes, then "transcribes" for ``audio_duration / speed`` seconds.
Failures carry the real service's error texts.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
import zlib
from collections import Counter, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .assembly_validation import base_language, model_supports
from .audio import (
    SNIFF_BYTES,
    html_file_type,
    is_html,
    not_audio_error,
    read_marker,
    text_file_type,
)  # fmt: skip
from .scripts import ScriptWord, generate_script

if TYPE_CHECKING:
    from .state import EmulatorState

logger = logging.getLogger(__name__)
SERVER_ERROR = "Server error, developers have been alerted."
TOO_SHORT = "Audio duration is too short."
MAX_HTML = 2 * 1024 * 1024
DEFAULT_MODELS = ("universal-3-5-pro", "universal-2")


def download_error(url: str) -> str:
    return (
        f"Download error, unable to download {url}. Please make sure the file exists and is "
        "accessible from the internet."
    )


class JobFailed(Exception):
    """Ends a job with ``status: error`` and this message."""


@dataclass
class Heard:
    """What the transcriber found in the audio."""

    file_id: str | None
    duration_ms: int
    words: list[ScriptWord]
    language: str


@dataclass
class Upload:
    id: str
    api_key: str
    size: int
    head: bytes


@dataclass
class Job:
    id: str
    api_key: str
    params: dict[str, Any]
    created: float
    file_id: str | None = None  # the recording file named by audio_url, when known
    status: str = "queued"
    error: str | None = None
    completed: float | None = None
    audio_duration: int | None = None
    words: list[ScriptWord] | None = None
    language_code: str | None = None
    language_confidence: float | None = None
    speech_model_used: str | None = None
    deleted: bool = False
    server_error: bool = False
    webhook_status_code: int | None = None
    webhook_calls: int = 0


class JobManager:
    def __init__(self, st: EmulatorState) -> None:
        self.st = st
        self.jobs: dict[str, Job] = {}
        self.order: list[Job] = []
        self.uploads: dict[str, Upload] = {}
        self._queue: deque[Job] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._active = 0
        self._client: httpx.AsyncClient | None = None
        self._webhook_rng: random.Random | None = None
        self._webhook_seed = 0

    # -- queue ---------------------------------------------------------------------------------

    def new_job(self, api_key: str, params: dict[str, Any], file_id: str | None) -> Job:
        job = Job(str(uuid.uuid4()), api_key, params, self.st.clock(), file_id)
        self.jobs[job.id] = job
        self.order.append(job)
        self._queue.append(job)
        self._pump()
        return job

    def _pump(self) -> None:
        while self._queue and self._active < max(1, self.st.settings.concurrency):
            job = self._queue.popleft()
            if job.deleted:
                continue
            self._active += 1
            task = asyncio.get_running_loop().create_task(self._run(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, job: Job) -> None:
        job.status = "processing"
        self.st.stats.processing(+1)
        try:
            await self._process(job)
        except JobFailed as failure:
            job.status, job.error = "error", str(failure)
        except Exception:
            logger.exception("emulator bug while processing transcript %s", job.id)
            job.status, job.error = "error", SERVER_ERROR
        finally:
            job.completed = self.st.clock()
            self.st.stats.processing(-1)
            self._active -= 1
            self._pump()
        await self._notify(job)

    async def _process(self, job: Job) -> None:
        """Fetch and recognise the audio, then "transcribe". A job lasts ``overhead + duration
        / speed`` from the moment it starts processing, its audio fetch within the overhead (as
        at the real service, where the setup time includes the download), but never less than
        ``duration / speed`` once the audio is in. So the emulator's own CPU (recognising a
        long script, serialising other jobs' transcripts on this loop) does not stretch every
        job beyond what the service models; only a fetch longer than the overhead does."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        url = str(job.params["audio_url"])
        heard = await self._hear(url, job.api_key)
        if job.server_error or self.st.faults.job_fails():
            raise JobFailed(SERVER_ERROR)
        job.audio_duration = round(heard.duration_ms / 1000)
        job.file_id = job.file_id or heard.file_id
        settings = self.st.settings
        transcribing = heard.duration_ms / 1000 / settings.speed
        ends = began + settings.overhead_seconds + transcribing
        await asyncio.sleep(max(transcribing, ends - loop.time()))
        self._finish(job, heard)

    def _finish(self, job: Job, heard: Heard) -> None:
        p = job.params
        if p.get("language_detection"):
            language = heard.language
            options = p.get("language_detection_options") or {}
            expected = [base_language(x) for x in options.get("expected_languages") or []]
            if expected and "all" not in expected and base_language(language) not in expected:
                fallback = options.get("fallback_language") or "auto"
                language = expected[0] if fallback == "auto" else fallback
            confidence = round(0.86 + zlib.crc32(str(heard.file_id).encode()) % 1300 / 10000, 4)
            threshold = p.get("language_confidence_threshold")
            if threshold and confidence < threshold:
                job.status = "error"
                job.error = (
                    f"detected language '{language}', confidence {confidence}, is below the "
                    f"requested confidence threshold value of '{threshold}'"
                )
                return
            job.language_confidence = confidence
        else:
            language = p.get("language_code") or "en_us"
        models = p.get("speech_models") or list(DEFAULT_MODELS)
        used = next((m for m in models if model_supports(m, language)), None)
        if used is None:
            job.status = "error"
            job.error = (
                f'The detected language "{language}" is not supported by the requested speech '
                f"models ({', '.join(models)})."
            )
            return
        words = heard.words
        if p.get("audio_start_from") is not None:
            words = [w for w in words if w.start >= p["audio_start_from"]]
        if p.get("audio_end_at") is not None:
            words = [w for w in words if w.end <= p["audio_end_at"]]
        job.language_code, job.speech_model_used, job.words = language, used, words
        job.status = "completed"
        # Billed: the audio transcribed, i.e. only the slice when audio_start_from /
        # audio_end_at ask for one (failed jobs are not billed).
        start = int(p.get("audio_start_from") or 0)
        end = min(int(p.get("audio_end_at") or heard.duration_ms), heard.duration_ms)
        sliced = p.get("audio_start_from") is not None or p.get("audio_end_at") is not None
        self.st.stats.bill(max(0, end - start) / 1000, sliced=sliced)

    # -- fetching and recognising the audio ----------------------------------------------------

    async def _hear(self, url: str, api_key: str) -> Heard:
        if url.startswith(self.st.upload_prefix):
            upload = self.uploads.get(url[len(self.st.upload_prefix) :].split("?")[0])
            if upload is None or upload.api_key != api_key:
                raise JobFailed(download_error(url))
            return self._recognise(url, upload.head, upload.size, "")
        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=True, timeout=httpx.Timeout(30.0), trust_env=False
            )
        try:
            async with self._client.stream("GET", url) as response:
                if not 200 <= response.status_code < 300:
                    raise JobFailed(download_error(url))
                content_type = response.headers.get("content-type", "")
                head, size, limit = bytearray(), 0, 0
                async for chunk in response.aiter_bytes():
                    if not limit:
                        limit = MAX_HTML if is_html(chunk[:1024], content_type) else SNIFF_BYTES
                    size += len(chunk)
                    if len(head) < limit:
                        head += chunk[: limit - len(head)]
        except httpx.HTTPError as exc:
            raise JobFailed(download_error(url)) from exc
        self.st.stats.fetch(size)
        return self._recognise(url, bytes(head), size, content_type)

    def _recognise(self, url: str, head: bytes, size: int, content_type: str) -> Heard:
        scenario = self.st.scenario
        if is_html(head, content_type):
            raise JobFailed(not_audio_error("text/html", html_file_type(head)))
        file_id = read_marker(head[:SNIFF_BYTES])
        hit = scenario.file(file_id) if file_id else None
        if hit is not None and hit[1].is_media:
            meeting = hit[0]
            return Heard(file_id, scenario.duration_ms(hit[1], meeting),
                         scenario.file_words(hit[1].id), meeting.language)
        text = text_file_type(content_type) if file_id is None else None
        if text is not None:
            raise JobFailed(not_audio_error(*text))
        duration_ms = size * 1000 // max(1, scenario.m4a_bytes_per_second)
        if duration_ms < 160:
            raise JobFailed(TOO_SHORT)
        seed = zlib.crc32(head[:4096]) ^ size
        words = generate_script(seed, "en", ("Speaker 1", "Speaker 2"), duration_ms)
        return Heard(None, duration_ms, words, "en")

    async def _notify(self, job: Job) -> None:
        """POST ``{transcript_id, status}`` to the job's ``webhook_url`` with its auth header;
        per the seeded knobs, late, twice or never."""
        url = job.params.get("webhook_url")
        if not url:
            return
        settings = self.st.settings
        if self._webhook_rng is None or self._webhook_seed != settings.webhook_seed:
            self._webhook_seed = settings.webhook_seed
            self._webhook_rng = random.Random(settings.webhook_seed)
        if self._webhook_rng.random() < settings.webhook_drop_rate:
            job.webhook_status_code = None
            return
        copies = 2 if self._webhook_rng.random() < settings.webhook_duplicate_rate else 1
        if settings.webhook_delay_seconds > 0:
            await asyncio.sleep(settings.webhook_delay_seconds)
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(10.0), trust_env=False)
        headers = {}
        name, value = job.params.get("webhook_auth_header_name"), job.params.get(
            "webhook_auth_header_value"
        )
        if name and value is not None:
            headers[str(name)] = str(value)
        for _ in range(copies):
            await self._deliver(job, str(url), headers)

    async def _deliver(self, job: Job, url: str, headers: dict[str, str]) -> None:
        """One callback, retried like AssemblyAI: until a 2xx, a 4xx (failed for good) or
        ``webhook_attempts`` attempts, ``webhook_retry_seconds`` apart (time-scaled)."""
        settings = self.st.settings
        assert self._client is not None
        for attempt in range(max(1, settings.webhook_attempts)):
            if attempt:
                await asyncio.sleep(settings.webhook_retry_seconds * settings.webhook_time_scale)
            try:
                response = await self._client.post(
                    url, json={"transcript_id": job.id, "status": job.status}, headers=headers,
                    timeout=settings.webhook_timeout_seconds)
                job.webhook_status_code = response.status_code
            except httpx.HTTPError:
                job.webhook_status_code = None
            job.webhook_calls += 1
            code = job.webhook_status_code
            if code is not None and (200 <= code < 300 or 400 <= code < 500):
                return

    # -- bookkeeping ---------------------------------------------------------------------------

    def counts(self) -> dict[str, Any]:
        statuses = Counter(j.status for j in list(self.order))
        done = [j for j in list(self.order) if j.completed is not None]
        return {
            "total": len(self.order),
            "by_status": {s: statuses.get(s, 0) for s in ("queued", "processing", "completed",
                                                          "error")},
            "completed_at": {j.id: j.completed for j in done if j.status == "completed"},
            "failed_at": {j.id: j.completed for j in done if j.status == "error"},
        }

    async def reset(self) -> None:
        self._queue.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.jobs.clear()
        self.order.clear()
        self.uploads.clear()
        self._active = 0

    async def shutdown(self) -> None:
        await self.reset()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
