"""Where a backfill's makespan goes, job by job: ``python -m benchmarks.makespan_probe``.

The default benchmark reports one figure (makespan / bound). This probe runs the same
configuration (same emulator child process, same scaled poll plan, same Zoom limiter) and
timestamps every job on both sides of the wire:

- client: submit sent, submit answered (transcript id), first seen finished, file written;
- emulator: job created, processing started, audio fetched, processing ended;

plus the emulator's event-loop lag. It then splits ``C x makespan`` slot-seconds into the work
the bound counts (N x T), the extra time jobs spent processing (audio fetch, late wake-ups) and
slots left idle (before the first job, between a job ending and the next one starting, after
the last), and prints the same for the SDK's ``transcribe_group`` when ``--sdk`` is given.

All clocks are ``time.time()`` on one machine, so the two sides' timestamps are comparable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from .run import (
    REPO,
    Config,
    EmulatorProcess,
    make_scenario,
    plain_listing_seconds,
    scaled_poll_plan,
    shipped_zoom_rate,
)

PROBE_CHILD = ("import sys; from benchmarks.makespan_probe import serve_probe_child; "
               "serve_probe_child(sys.argv[1])")
LAG_TICK = 0.01  # the loop-lag monitor wakes this often (seconds)


# -- the emulator side: a child that records its jobs' timeline ---------------------------------


def serve_probe_child(spec_json: str) -> None:
    """Like ``run.serve_child``, with the job manager timestamping every job. Each stdin line
    ``dump`` prints (and clears) the timeline as one JSON line; EOF stops the child."""
    from zoom_assembly.emulator import Emulator
    from zoom_assembly.emulator.jobs import JobManager

    timeline: dict[str, dict[str, float]] = {}
    lags: list[tuple[float, float]] = []
    real_run, real_hear = JobManager._run, JobManager._hear

    async def run(self: JobManager, job: Any) -> None:
        timeline.setdefault(job.id, {})["created"] = job.created
        timeline[job.id]["started"] = time.time()
        await real_run(self, job)
        timeline[job.id]["ended"] = job.completed or time.time()

    async def hear(self: JobManager, url: str, api_key: str) -> Any:
        heard = await real_hear(self, url, api_key)
        for jid, job in list(self.jobs.items()):  # the job whose fetch just ended
            if job.params.get("audio_url") == url and "fetched" not in timeline.get(jid, {}):
                timeline.setdefault(jid, {})["fetched"] = time.time()
                break
        return heard

    JobManager._run = run  # type: ignore[method-assign]
    JobManager._hear = hear  # type: ignore[method-assign]

    spec = json.loads(spec_json)
    config = Config(**{**spec, "start": date.fromisoformat(spec["start"]),
                       "end": date.fromisoformat(spec["end"])})
    with Emulator(make_scenario(config), concurrency=config.concurrency, speed=config.speed,
                  overhead_seconds=config.overhead) as emu:
        loop = emu._loop
        assert loop is not None

        async def monitor() -> None:
            while True:
                before = time.perf_counter()
                await asyncio.sleep(LAG_TICK)
                lags.append((time.time(), time.perf_counter() - before - LAG_TICK))

        asyncio.run_coroutine_threadsafe(monitor(), loop)
        print(json.dumps({"env": emu.env(), "base_url": emu.base_url}), flush=True)
        for line in sys.stdin:
            if line.strip() == "dump":
                body = {"jobs": dict(timeline), "lags": list(lags),
                        "cpu_s": time.process_time()}
                timeline.clear()
                lags.clear()
                print(json.dumps(body), flush=True)


class ProbeEmulator(EmulatorProcess):
    def __enter__(self) -> ProbeEmulator:
        spec = {**asdict(self.config), "start": self.config.start.isoformat(),
                "end": self.config.end.isoformat()}
        pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-c", PROBE_CHILD, json.dumps(spec)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": pythonpath},
        )
        assert self._proc.stdout is not None
        ready = json.loads(self._proc.stdout.readline())
        self.env, self.base_url = ready["env"], ready["base_url"]
        return self

    def dump(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        self._proc.stdin.write("dump\n")
        self._proc.stdin.flush()
        body: dict[str, Any] = json.loads(self._proc.stdout.readline())
        return body


# -- the client side ---------------------------------------------------------------------------


@contextmanager
def client_probe() -> Iterator[dict[str, dict[str, float]]]:
    """Timestamps of our client's own calls, per transcript id."""
    from zoom_assembly.assembly import AssemblyClient
    from zoom_assembly.pipeline.engine import Pipeline

    seen: dict[str, dict[str, float]] = {}
    lock = threading.Lock()
    submit, get, statuses, write = (AssemblyClient.submit, AssemblyClient.get,
                                    AssemblyClient.statuses, Pipeline._write)
    release, start = Pipeline._release, Pipeline._start
    starts: list[float] = []
    seen["_starts"] = {}

    def mark(tid: str, what: str, when: float | None = None) -> None:
        with lock:
            seen.setdefault(tid, {}).setdefault(what, when or time.time())

    def p_submit(self: AssemblyClient, *args: Any, **kwargs: Any) -> str:
        sent = time.time()
        tid = submit(self, *args, **kwargs)
        mark(tid, "submit_sent", sent)
        mark(tid, "submitted")
        return tid

    def p_get(self: AssemblyClient, tid: str) -> Any:
        transcript = get(self, tid)
        if transcript.status in ("completed", "error"):
            mark(tid, "seen")
            mark(tid, "fetched")
        return transcript

    def p_statuses(self: AssemblyClient, ids: set[str], **kwargs: Any) -> Any:
        found = statuses(self, ids, **kwargs)
        for tid, status in found.items():
            if status.status in ("completed", "error"):
                mark(tid, "seen")
        return found

    def p_write(self: Pipeline, recording: Any, transcript: Any, **kwargs: Any) -> None:
        write(self, recording, transcript, **kwargs)
        if kwargs.get("transcript_id"):
            mark(kwargs["transcript_id"], "written")

    def p_release(self: Pipeline, job: Any) -> None:
        mark(job.transcript_id, "released")
        release(self, job)

    def p_start(self: Pipeline, item: Any) -> None:
        with lock:
            starts.append(time.time())
            seen["_starts"][str(len(starts))] = starts[-1]
        start(self, item)

    Pipeline._release = p_release  # type: ignore[method-assign]
    Pipeline._start = p_start  # type: ignore[method-assign]
    AssemblyClient.submit = p_submit  # type: ignore[method-assign]
    AssemblyClient.get = p_get  # type: ignore[method-assign]
    AssemblyClient.statuses = p_statuses  # type: ignore[method-assign]
    Pipeline._write = p_write  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        AssemblyClient.submit, AssemblyClient.get = submit, get  # type: ignore[method-assign]
        AssemblyClient.statuses = statuses  # type: ignore[method-assign]
        Pipeline._write = write  # type: ignore[method-assign]
        Pipeline._release, Pipeline._start = release, start  # type: ignore[method-assign]


def run_ours_probed(emu: ProbeEmulator, config: Config, out: Path,
                    lookahead: int | None = None) -> tuple[float, float, dict[str, Any]]:
    from zoom_assembly.demo import settings_for
    from zoom_assembly.pipeline import RunOptions, Selection, backfill

    emu.reset()
    emu.dump()
    options = RunOptions(out_dir=out, concurrency=config.concurrency, workers=8,
                         poll=scaled_poll_plan(config), lookahead=lookahead)
    selection = Selection(start=config.start, end=config.end, all_users=True)
    settings = settings_for(emu.env).with_overrides(
        zoom_requests_per_second=shipped_zoom_rate() * config.k)
    before = emu.dump()["cpu_s"]
    with client_probe() as seen:
        t0, cpu0 = time.time(), time.process_time()
        backfill(selection, settings, options)
        t1, cpu1 = time.time(), time.process_time()
    stats = emu.stats()
    client = sum(n for k, n in stats["requests"]["by_endpoint"].items()
                 if k.partition(" ")[2].startswith(("/zoom/v2/", "/zoom/oauth", "/assemblyai/")))
    dumped = emu.dump()
    return t0, t1, {"client": seen, **dumped, "requests": client,
                    "cpu": {"client_s": cpu1 - cpu0, "emulator_s": dumped["cpu_s"] - before}}


def run_sdk_probed(emu: ProbeEmulator, config: Config, out: Path) -> tuple[float, float,
                                                                           dict[str, Any]]:
    from .alternatives import SDK_POLL_SECONDS, run_sdk_group

    emu.reset()
    emu.dump()
    t0 = time.time()
    run = run_sdk_group(emu.env, config.start, config.end, out,
                        polling_interval=config.scaled(SDK_POLL_SECONDS))
    t1 = time.time()
    stats = emu.stats()
    client = sum(n for k, n in stats["requests"]["by_endpoint"].items()
                 if k.partition(" ")[2].startswith(("/zoom/v2/", "/zoom/oauth", "/assemblyai/")))
    return t0, t1, {"client": {}, **emu.dump(), "requests": client, "phases": run.phases,
                    "crashed": run.crashed}


# -- the analysis ------------------------------------------------------------------------------


def analyse(config: Config, t0: float, t1: float, data: Mapping[str, Any],
            listing: float) -> dict[str, Any]:
    """Slot-seconds, where they went, and per-job gaps (medians and sums)."""
    jobs = [j for j in data["jobs"].values() if "started" in j and "ended" in j]
    client = {k: v for k, v in data["client"].items() if not k.startswith("_")}
    c, t = config.concurrency, config.job_seconds
    makespan = t1 - t0
    bound = config.strict_bound + listing
    busy = sum(j["ended"] - j["started"] for j in jobs)
    fetch = [j["fetched"] - j["started"] for j in jobs if "fetched" in j]
    # A job lasts max(T, fetch + duration/speed) from its start (the fetch fits in the
    # overhead), so what it took beyond T is a fetch longer than the overhead or a late wake-up.
    overshoot = [j["ended"] - j["started"] - t for j in jobs]
    # Slot chains: the emulator hands a freed slot to the next queued job at once, so in
    # start order job i+C follows job i's slot when jobs queue; in general the slot of the
    # j-th start is the earliest-ending slot at that moment.
    ends: list[float] = []
    idle_between: list[float] = []
    first_starts: list[float] = []
    for job in sorted(jobs, key=lambda j: j["started"]):
        if len(ends) < c:
            first_starts.append(job["started"])
        else:
            ends.sort()
            idle_between.append(max(0.0, job["started"] - ends.pop(0)))
        ends.append(job["ended"])
    tail = [t1 - e for e in ends]
    head = [s - t0 for s in first_starts] + [makespan] * (c - len(first_starts))
    for tid, j in data["jobs"].items():
        cl = client.get(tid, {})
        if "seen" in cl and "ended" in j:
            j["seen_delay"] = cl["seen"] - j["ended"]
        if "submitted" in cl:
            j["submit_rtt"] = cl["submitted"] - cl["submit_sent"]
            j["queued"] = j["started"] - j["created"] if "started" in j else 0.0
        if "written" in cl and "seen" in cl:
            j["seen_to_written"] = cl["written"] - cl["seen"]

    def med(values: list[float]) -> float | None:
        return round(statistics.median(values), 4) if values else None

    def col(name: str) -> list[float]:
        return [j[name] for j in data["jobs"].values() if name in j]

    lags = [lag for _, lag in data.get("lags", [])]
    last = max(jobs, key=lambda j: j["ended"]) if jobs else {}
    last_client = next((client[tid] for tid, j in data["jobs"].items() if j is last), {})
    tail_steps = {
        "last job ended -> seen by client": _gap(last_client.get("seen"), last.get("ended")),
        "seen -> written": _gap(last_client.get("written"), last_client.get("seen")),
        "written -> backfill() returned": _gap(t1, max(
            (c["written"] for c in client.values() if "written" in c), default=None)),
    }
    cpu = data.get("cpu", {})
    return {
        "makespan_s": round(makespan, 3),
        "bound_s": round(bound, 3),
        "ratio": round(makespan / bound, 4),
        "requests_per_recording": round(data["requests"] / max(1, len(jobs)), 3),
        "jobs": len(jobs),
        "slot_seconds": {
            "total C*makespan": round(c * makespan, 2),
            "work N*T": round(len(jobs) * t, 2),
            "extra processing (busy - N*T)": round(busy - len(jobs) * t, 2),
            "  audio fetches (within the overhead up to T)": round(sum(fetch), 2),
            "idle before first job": round(sum(head), 2),
            "idle between jobs": round(sum(idle_between), 2),
            "idle after last job": round(sum(tail), 2),
            "unused by ceil(N/C) rounding": round(c * config.strict_bound - len(jobs) * t, 2),
        },
        "per_job_median_s": {
            "submit round trip": med(col("submit_rtt")),
            "queued at service": med(col("queued")),
            "audio fetch": med(fetch),
            "processing beyond T": med(overshoot),
            "idle slot between jobs": med(idle_between),
            "ended -> seen by client": med(col("seen_delay")),
            "seen -> written": med(col("seen_to_written")),
        },
        "per_job_max_s": {
            "processing beyond T": round(max(overshoot), 4) if overshoot else None,
            "audio fetch": round(max(fetch), 4) if fetch else None,
            "idle slot between jobs": round(max(idle_between), 4) if idle_between else None,
            "ended -> seen by client": round(max(col("seen_delay")), 4)
            if col("seen_delay") else None,
        },
        "tail_after_last_job_s": tail_steps,
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "emulator_loop_lag_s": {
            "median": med(lags), "p99": round(sorted(lags)[int(len(lags) * 0.99)], 4)
            if lags else None, "max": round(max(lags), 4) if lags else None,
        },
        "phases": data.get("phases", {}),
        "crashed": data.get("crashed", ""),
    }


def _gap(later: float | None, earlier: float | None) -> float | None:
    return None if later is None or earlier is None else round(later - earlier, 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.makespan_probe")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--speed", type=float, default=600.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--lookahead", type=int, default=None,
                        help="RunOptions.lookahead (default: the library default).")
    parser.add_argument("--sdk", action="store_true", help="Also probe transcribe_group.")
    parser.add_argument("--speech", action="store_true",
                        help="Meetings with speech (real-sized transcripts), as in "
                        "`python -m benchmarks --speech`.")
    parser.add_argument("--no-ours", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--raw", type=Path, default=None, help="Save raw timelines here.")
    args = parser.parse_args(argv)
    config = Config(n=args.n, concurrency=args.concurrency, minutes=30, speed=args.speed,
                    alternatives=False, tutorial_subset=0, silent=not args.speech)
    results: list[dict[str, Any]] = []
    with ProbeEmulator(config) as emu, tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        listing, _ = plain_listing_seconds(emu, config)
        for attempt in range(args.repeat):
            contenders = [] if args.no_ours else ["ours"]
            contenders += ["sdk"] if args.sdk else []
            for who in contenders:
                out = Path(tmp, f"{who}{attempt}")
                if who == "ours":
                    t0, t1, data = run_ours_probed(emu, config, out, args.lookahead)
                else:
                    t0, t1, data = run_sdk_probed(emu, config, out)
                if args.raw:
                    args.raw.mkdir(parents=True, exist_ok=True)
                    Path(args.raw, f"{who}{attempt}.json").write_text(
                        json.dumps({"t0": t0, "t1": t1, **data}), encoding="utf-8")
                result = {"contender": who, "run": attempt,
                          **analyse(config, t0, t1, data, listing)}
                results.append(result)
                print(json.dumps(result, indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
