"""Client CPU of one finished 30-minute transcript, stage by stage.

What a recording costs this process once AssemblyAI is done: GET the transcript, parse it into
our :class:`~zoom_assembly.models.Transcript` and write ``transcript.txt/json/srt/vtt``. The
body is a realistic 30-minute meeting built by the emulator's own transcript shape (about 4,500
words at ~150 words a minute, 2-5 speakers, utterances with their words), served from memory
through the client's real ``httpx`` stack, so only client CPU is measured (the loopback figure,
sockets and a separate emulator process included, is ``transcript_cpu`` in ``benchmarks/run.py``).

Each stage is timed with ``time.process_time`` and reported as the median of ``--repeats`` runs
in milliseconds. Figures are printed, never asserted.

    python -m benchmarks.transcript_cpu                 # 4 speakers, 4,500 words, 25 repeats
    python -m benchmarks.transcript_cpu --speakers 2 --words 6000 --json /tmp/cpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from zoom_assembly import outputs
from zoom_assembly.assembly import AssemblyClient
from zoom_assembly.assembly import client as client_module
from zoom_assembly.assembly.client import transcript_from_json
from zoom_assembly.config import Settings
from zoom_assembly.emulator.jobs import Job
from zoom_assembly.emulator.scripts import generate_script
from zoom_assembly.emulator.transcripts import transcript_json
from zoom_assembly.models import MeetingInfo
from zoom_assembly.redact import Secret

TRANSCRIPT_ID = "bench-transcript"
SPEAKERS = ("alice", "bob", "carol", "dave", "erin")


def transcript_body(words: int, speakers: int, seed: int = 7) -> dict[str, Any]:
    """A completed transcript as AssemblyAI sends it, with about ``words`` words."""
    chosen = SPEAKERS[: max(1, min(speakers, len(SPEAKERS)))]
    # The emulator speaks ~2 words/s; stretch its clock until the script holds enough words.
    duration = 30 * 60 * 1000
    script = generate_script(seed, "en_us", chosen, duration)
    while len(script) < words:
        duration = int(duration * words / max(len(script), 1)) + 1000
        script = generate_script(seed, "en_us", chosen, duration)
    script = script[:words]
    job = Job(
        id=TRANSCRIPT_ID, api_key="bench", created=0.0, status="completed",
        params={"audio_url": "https://example.test/audio.m4a", "speaker_labels": True,
                "language_code": "en_us", "speech_models": ["universal-3-5-pro"]},
        audio_duration=script[-1].end // 1000 + 1, words=script, language_code="en_us",
        speech_model_used="universal-3-5-pro",
    )
    return transcript_json(job)


REFERENCE = "reference work (load calibration)"


def reference_work() -> int:
    """A fixed pure-Python workload (a few ms), timed between the stages: on a
    shared machine CPU time itself inflates with the load (caches, SMT siblings, stolen
    cycles), so figures taken at different times compare through their ratio to this one."""
    words = [f"word{i % 97}" for i in range(20_000)]
    return sum(len(w) for w in words) + len({w: i for i, w in enumerate(words)})


def _client(payload: bytes) -> AssemblyClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payload,
                              headers={"content-type": "application/json"})

    settings = Settings(assemblyai_api_key=Secret("bench-api-key"),
                        assemblyai_base_url="https://api.assemblyai.test")
    return AssemblyClient(settings, transport=httpx.MockTransport(handler))


def measure(words: int = 4500, speakers: int = 4, repeats: int = 25) -> dict[str, Any]:
    """Median process-CPU milliseconds per stage, and the body's size."""
    body = transcript_body(words, speakers)
    payload = json.dumps(body).encode()
    meeting = MeetingInfo(uuid="bench==", id=81234567890, topic="Weekly sync",
                          start_time=datetime(2026, 3, 14, 15, 30, tzinfo=UTC))
    client = _client(payload)
    http = client._http
    steps: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        value = call(*args, **kwargs)
        steps.setdefault(name, []).append(time.process_time() - started)
        return value

    decode: Callable[[bytes], Any] = client_module._loads  # what client.get decodes with

    def get_bytes() -> bytes:
        return http.get(f"/v2/transcript/{TRANSCRIPT_ID}").content

    def total(folder: Path) -> dict[str, Path]:
        transcript = client.get(TRANSCRIPT_ID)
        return outputs.write_outputs(folder, meeting, "file", transcript, outputs.FORMATS)

    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as tmp:
        for n in range(repeats):
            timed(REFERENCE, reference_work)
            timed("GET (bytes only)", get_bytes)
            timed("JSON decode (stdlib json, for scale)", json.loads, payload)
            timed("JSON decode (the client's)", decode, payload)
            transcript = timed("parse (transcript_from_json)", transcript_from_json, body)
            timed("client.get (GET + decode + parse)", client.get, TRANSCRIPT_ID)
            cues = timed("caption cues", outputs.caption_cues, transcript.words)
            timed("render txt", outputs.render_txt, transcript, meeting)
            timed("render json", outputs.transcript_json_bytes, transcript, meeting, "file")
            timed("render srt (given cues)", outputs.render_srt, transcript, cues=cues)
            timed("render vtt (given cues)", outputs.render_vtt, transcript, cues=cues)
            timed("write_outputs (4 formats, files)", outputs.write_outputs,
                  Path(tmp, f"w{n}"), meeting, "file", transcript, outputs.FORMATS)
            timed("TOTAL client.get + write_outputs", total, Path(tmp, f"t{n}"))
    client.close()
    return {
        "words": len(transcript.words),
        "utterances": len(transcript.utterances or ()),
        "speakers": speakers,
        "body_bytes": len(payload),
        "repeats": repeats,
        "cpu_ms_median": {k: round(statistics.median(v) * 1000, 2) for k, v in steps.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--words", type=int, default=4500)
    parser.add_argument("--speakers", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    report = measure(args.words, args.speakers, args.repeats)
    print(f"Client CPU per transcript: {report['words']} words, {report['utterances']} "
          f"utterances, {report['speakers']} speakers, {report['body_bytes']:,} bytes; "
          f"median of {report['repeats']} runs, ms")
    for name, ms in report["cpu_ms_median"].items():
        print(f"  {name:<38} {ms:8.2f}")
    medians = report["cpu_ms_median"]
    ratio = medians["TOTAL client.get + write_outputs"] / medians[REFERENCE]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  TOTAL / reference work: {ratio:.2f} (compare runs by this ratio when the machine "
          f"is shared; load average {load})")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
