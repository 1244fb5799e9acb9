"""Per-participant audio (``--participant-audio``): name accuracy, and what it costs.

1. **Accuracy** over generated meetings (2-8 speakers, Latin and non-Latin names, 10-40
   minutes of the emulator's scripted speech, crosstalk: someone talking over a turn, and in
   some meetings a participant who never speaks). Each participant's transcript is what the
   emulator's AssemblyAI returns for that participant's file: exactly their words, on the
   meeting's clock. ``--bleed P`` adds what a shared room or open speakers would put in a
   file: each other voice's word with probability P, at 0.6 times its confidence, timed
   +-120 ms off, a third of them misheard. The merge (:mod:`zoom_assembly.participant_merge`)
   runs on them; reported: words carrying the right name, no name, a wrong name, silent
   participants named anywhere, merge CPU per meeting.
2. **Cost, measured on the emulator**: the built-in meetings with participant audio, once in
   the default mode (mixed audio + TIMELINE) and once with ``--participant-audio``:
   AssemblyAI jobs and billed audio, requests to AssemblyAI and to Zoom, bytes through this
   machine.

    python -m benchmarks.participant_audio                 # 300 meetings + the emulator runs
    python -m benchmarks.participant_audio --bleed 0.02    # 2% of other voices leak in
    python -m benchmarks.participant_audio --no-emulator --meetings 50
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoom_assembly.emulator.scripts import SPEAKER_NAMES, ScriptWord, generate_script
from zoom_assembly.models import Transcript, Word
from zoom_assembly.participant_merge import Part, merge_parts

NAMES = (*(n for names in SPEAKER_NAMES.values() for n in names),
         "Олена Коваленко", "محمد العلي", "김민준", "Ngozi Okafor", "Priya Raghunathan")
CROSSTALK = ("Right.", "Yes.", "Mm-hmm.", "Okay.", "Exactly.", "Wait,")
ECHO = 0.6  # a bled word is heard faintly: its confidence, relative to the speaker's own mic
MISHEARD = 1 / 3  # a bled word recognised with another spelling: no longer a copy to drop
OVER = 0.99999  # the confidence marking a word said over someone else's (to count them)


def meeting(seed: int) -> tuple[list[ScriptWord], list[str]]:
    """A script with crosstalk (words said over someone else's, both kept) and the
    participants (each has a file; some never speak)."""
    rng = random.Random(seed)
    speakers = tuple(rng.sample(NAMES, rng.randint(2, 8)))
    words = generate_script(seed, "en", speakers, rng.randint(10, 40) * 60_000)
    out: list[ScriptWord] = []
    for i, w in enumerate(words):
        out.append(w)
        if 0 < i < len(words) - 1 and rng.random() < 0.015:
            other = rng.choice([s for s in speakers if s != w.speaker])
            out.append(ScriptWord(rng.choice(CROSSTALK), w.start + 60, w.end + 200, other,
                                  OVER))
    participants = list(speakers)
    if rng.random() < 0.25:
        participants.append(rng.choice([n for n in NAMES if n not in speakers]))  # silent
    return sorted(out, key=lambda w: (w.start, w.end)), participants


def participant_transcript(words: list[ScriptWord], name: str, n: int, rng: random.Random,
                           bleed: float) -> Transcript:
    """What AssemblyAI returns for ``name``'s file: their words, plus bleed when asked."""
    heard = [Word(w.text, w.start, w.end, w.confidence, "A") if w.speaker == name
             else _echo(w, rng)
             for w in words if w.speaker == name or (bleed and rng.random() < bleed)]
    duration = (words[-1].end / 1000 + 1) if words else 60.0
    return Transcript(f"t{n}", "completed", words=tuple(heard), language_code="en",
                      audio_duration=duration)


def _echo(w: ScriptWord, rng: random.Random) -> Word:
    """A word of another voice as a participant's microphone caught it: fainter (lower
    confidence), timed a little differently (+-120 ms) and, a third of the time, misheard."""
    text = w.text if rng.random() >= MISHEARD else w.text[1:] or "uh"
    start = max(0, w.start + rng.randint(-120, 120))
    end = max(start + 40, w.end + rng.randint(-120, 120))
    return Word(text, start, end, round(w.confidence * ECHO, 5), "A")


def run_accuracy(meetings: int, bleed: float) -> dict[str, Any]:
    c: Counter[str] = Counter()
    cpu: list[float] = []
    for seed in range(1, meetings + 1):
        words, participants = meeting(seed)
        rng = random.Random(seed * 7919)
        parts = [Part(chr(65 + n), name, participant_transcript(words, name, n, rng, bleed))
                 for n, name in enumerate(participants)]
        started = time.process_time()
        merged = merge_parts(parts, transcript_id="bench")
        cpu.append(time.process_time() - started)
        names = merged.speaker_names()
        truth = Counter((w.start, w.end, w.text, w.speaker) for w in words)
        for w in merged.words:
            name = names.get(w.speaker or "")
            key = (w.start, w.end, w.text, name)
            if name is None:
                c["no name"] += 1
            elif truth[key] > 0:
                truth[key] -= 1
                c["right"] += 1
            else:
                c["wrong"] += 1
        c["missing"] += sum(truth.values())
        c["script words"] += len(words)
        spoke = {w.speaker for w in words}
        c["silent participants"] += sum(p not in spoke for p in participants)
        c["silent named"] += sum(p not in spoke for p in names.values())
        c["participants"] += len(participants)
        c["crosstalk words"] += sum(w.confidence == OVER for w in words)
    total = c["right"] + c["no name"] + c["wrong"]
    return {"meetings": meetings, "bleed": bleed, **dict(c),
            "right_pct": 100 * c["right"] / max(1, total),
            "no_name_pct": 100 * c["no name"] / max(1, total),
            "wrong_pct": 100 * c["wrong"] / max(1, total),
            "merge_cpu_ms_median": 1000 * statistics.median(cpu) if cpu else 0.0}


def run_costs() -> dict[str, Any]:
    """Both modes on the emulator's participant-audio meetings; counters from its stats."""
    from typer.testing import CliRunner

    from zoom_assembly.cli import app
    from zoom_assembly.emulator import Emulator, Scenario

    tags = ("participant_audio", "participant_audio_ja")
    figures: dict[str, Any] = {}
    for mode, extra in (("timeline", ()), ("participant_audio", ("--participant-audio",))):
        with tempfile.TemporaryDirectory() as tmp, Emulator(
                scenario=Scenario.builtin(processing_ready_after=1.0), concurrency=10,
                speed=3000.0) as emu:
            minutes = 0.0
            participants = 0
            for tag in tags:
                found = emu.scenario.find(tag)
                minutes += found.duration_s / 60
                participants += len(found.participant_files)
                argv = ["transcribe", found.uuid, "--json", "--out", str(Path(tmp) / "out"),
                        "--pay-for", "all", "--poll-speed", "3000", "--poll-interval", "0.05",
                        *extra]
                result = CliRunner().invoke(app, argv, env=emu.env())
                if result.exit_code != 0:
                    raise SystemExit(f"{mode} run failed: {result.stderr}")
            st = emu.stats()
            by_side = st["requests"]["by_side"]
            figures[mode] = {
                "meetings": len(tags), "meeting_minutes": round(minutes, 1),
                "participant_files": participants,
                "assemblyai_jobs": st["billing"]["jobs"],
                "billed_audio_hours": round(st["billing"]["audio_seconds"] / 3600, 3),
                "assemblyai_requests": by_side.get("assemblyai", 0),
                # Zoom's side, AssemblyAI's fetches of the hand-off URLs included.
                "zoom_requests": by_side.get("zoom", 0),
                "zoom_bytes_through_this_machine": st["downloads"]["bytes"]
                - st["assemblyai_fetches"]["bytes"],
            }
    return figures


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=300)
    parser.add_argument("--bleed", type=float, default=0.0)
    parser.add_argument("--no-emulator", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    acc = run_accuracy(args.meetings, args.bleed)
    out(f"participant audio, {acc['meetings']} generated meetings, bleed {acc['bleed']:.1%}: "
        f"{acc['right_pct']:.2f}% words right, {acc['no_name_pct']:.2f}% no name, "
        f"{acc['wrong_pct']:.2f}% wrong ({acc.get('wrong', 0)} words); "
        f"{acc.get('missing', 0)} script words missing; crosstalk words "
        f"{acc.get('crosstalk words', 0)}; silent participants {acc.get('silent participants', 0)}"
        f" of {acc['participants']}, named anywhere: {acc.get('silent named', 0)}; "
        f"merge CPU {acc['merge_cpu_ms_median']:.1f} ms/meeting (median)")
    report: dict[str, Any] = {"accuracy": acc}
    if not args.no_emulator:
        costs = run_costs()
        report["costs"] = costs
        for mode, f in costs.items():
            out(f"{mode:>17}: {f['meetings']} meetings ({f['meeting_minutes']} min, "
                f"{f['participant_files']} participant files): {f['assemblyai_jobs']} "
                f"AssemblyAI jobs, {f['billed_audio_hours']} audio hours billed, "
                f"{f['assemblyai_requests']} AssemblyAI requests, {f['zoom_requests']} Zoom "
                f"requests, {f['zoom_bytes_through_this_machine']} bytes through this machine")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
