"""What each pay policy bills on a generated backfill, against the ideal.

``python -m benchmarks.pay_policy [--n 500] [--quick] [--json PATH]``

N meetings over a year: half English with a Zoom transcript (the ideal: free), the other
half mixed and all worth paying for: Spanish, Japanese and German meetings whose Zoom
transcript is garbled English, German ones without any, English ones without a transcript.
Each policy runs the library's ``backfill`` on a fresh output folder against the in-process
emulator; the bill is the emulator's ``/_emulator/stats`` billing (audio seconds of completed
jobs, probes counted as their slice). Figures: billed hours vs the ideal (pay exactly for the
non-English and the non-transcribed), decision accuracy (paid vs free as the ideal wants),
non-English meetings left with only Zoom's garbled text, probe hours, and for every policy
the ``--dry-run`` estimate (Zoom's text read and each probe predicted from it; nothing paid)
against what the run then billed, with the text detector's confusion against the probe's
decisions ("predicted/decided") and the probe's against the ideal ("decided/ideal").
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zoom_assembly.emulator import Emulator, Scenario
from zoom_assembly.emulator.scenario import RecordingFile
from zoom_assembly.emulator.scripts import SPEAKER_NAMES

RESULTS = Path(__file__).with_name("results") / "pay_policy.json"
ANCHOR = date(2026, 11, 22)
# The half that should be paid for: (language, has a Zoom transcript), round robin.
MIXED = (("es", True), ("de", False), ("ja", True), ("en", False), ("de", True))
POLICIES = (
    ("all", dict(pay_for="all")),
    ("missing", dict(pay_for="missing")),
    ("non-english, text only", dict(pay_for="non-english", check="text")),
    ("non-english, probe (default)", dict(pay_for="non-english")),
    ("non-english, 60 s probe", dict(pay_for="non-english", probe_seconds=60)),
    ("default, after dry-run --probe", dict(pay_for="non-english", dry_run_probes=True)),
)


def scenario(n: int, seed: int = 12) -> Scenario:
    base = Scenario.generate(n, seed=seed, start=ANCHOR - timedelta(days=360), end=ANCHOR,
                             video=False, m4a_bytes_per_second=20)
    meetings = []
    for i, meeting in enumerate(base.meetings):
        language, transcript = ("en", True) if i % 2 == 0 else MIXED[(i // 2) % len(MIXED)]
        files = meeting.files
        if transcript:
            files += (RecordingFile(str(uuid.UUID(int=seed << 64 | i)), "TRANSCRIPT",
                                    "audio_transcript", "VTT"),)
        meetings.append(replace(meeting, language=language, files=files,
                                speakers=SPEAKER_NAMES[language][: len(meeting.speakers)]))
    return Scenario(base.users, meetings, account_id=base.account_id, anchor=ANCHOR,
                    m4a_bytes_per_second=20)


def ideal_paid(meeting: Any) -> bool:
    return meeting.language != "en" or not any(f.file_type == "TRANSCRIPT"
                                               for f in meeting.files)


def run_policy(emu: Emulator, sc: Scenario, name: str, flags: dict[str, Any],
               out: Path, *, dry_run_probes: bool = False) -> dict[str, Any]:
    from zoom_assembly.demo import settings_for
    from zoom_assembly.pipeline import PollPlan, RunOptions, Selection, backfill
    from zoom_assembly.pipeline.backfill import backfill_plan, predict_plan, probe_plan
    from zoom_assembly.pipeline.pay_estimate import estimate_bill
    from zoom_assembly.pipeline.pay_policy import PayRules

    emu.reset()
    rules = PayRules(**flags)
    # Zoom's rate limits cost wall time only (listing 12 months x 10 users per pass), not money.
    settings = settings_for(emu.env()).with_overrides(zoom_requests_per_second=2000.0)
    selection = Selection(start=ANCHOR - timedelta(days=365), end=ANCHOR, all_users=True)
    options = RunOptions(out_dir=out, concurrency=50, workers=8,
                         poll=PollPlan.from_flags(emu.settings.speed, 0.02))
    items, _ = backfill_plan(selection, settings, out, rules=rules)
    todo = [i for i in items if not i.reason]
    decided = probe_plan(todo, settings, options, rules) if dry_run_probes else {}
    dry_started = time.perf_counter()
    predicted = {} if dry_run_probes else predict_plan(todo, settings, rules)
    dry_seconds = time.perf_counter() - dry_started
    bill = estimate_bill([(i.recordings, i.audio_seconds) for i in todo], rules, decided,
                         predicted)
    started = time.perf_counter()
    results = backfill(selection, settings, options, rules=rules)
    seconds = time.perf_counter() - started
    stats = emu.stats()["billing"]
    by_uuid = {m.uuid: m for m in sc.meetings}
    right = garbled_kept = 0
    # The text detector's prediction against what the probe then decided (and the probe's
    # decision against the ideal), over the meetings the run probed.
    detector = dict.fromkeys(("paid/paid", "paid/free", "free/paid", "free/free"), 0)
    probe_vs_ideal = dict.fromkeys(("paid/paid", "paid/free", "free/paid", "free/free"), 0)
    for result in results:
        meeting = by_uuid[result.meeting.uuid]
        paid = result.transcript_source == "assemblyai"
        right += paid == ideal_paid(meeting)
        garbled_kept += (not paid) and meeting.language != "en"
        guess = predicted.get(meeting.uuid)
        if guess is not None and guess.probed:
            word = {True: "paid", False: "free"}
            detector[f"{word[guess.paid]}/{word[paid]}"] += 1
            probe_vs_ideal[f"{word[paid]}/{word[ideal_paid(meeting)]}"] += 1
    ideal = sum(m.duration_s for m in sc.meetings if ideal_paid(m)) / 3600
    billed = stats["audio_seconds"] / 3600
    return {
        "policy": name,
        "completed": sum(r.ok for r in results),
        "recordings": len(results),
        "billed_hours": round(billed, 2),
        "ideal_hours": round(ideal, 2),
        "over_ideal_pct": round(100 * (billed - ideal) / ideal, 2),
        "probe_hours": round(stats["sliced_seconds"] / 3600, 2),
        "probes": stats["sliced_jobs"],
        "decision_accuracy_pct": round(100 * right / max(1, len(results)), 1),
        "non_english_left_with_zoom_text": garbled_kept,
        "dry_run_expected_hours": round(bill.expected_seconds / 3600, 2),
        "dry_run_least_hours": round(bill.least_seconds / 3600, 2),
        "dry_run_most_hours": round(bill.most_seconds / 3600, 2),
        "dry_run_error_pct": round(100 * (bill.expected_seconds / 3600 - billed) / billed, 2),
        "dry_run_text_seconds": round(dry_seconds, 1),
        "detector_vs_probe": detector,  # "predicted/decided by the probe"
        "detector_accuracy_pct": round(100 * (detector["paid/paid"] + detector["free/free"])
                                       / max(1, sum(detector.values())), 1),
        "probe_vs_ideal": probe_vs_ideal,  # "decided by the probe/ideal"
        "seconds": round(seconds, 1),
    }


def detector_by_length(sc: Scenario) -> list[dict[str, Any]]:
    """The garbled-English signal on the first K words of each Zoom transcript (how short a
    meeting it can judge), and on English with its word order shuffled (a garble the emulator
    does not make): the share of each kind read as garbled."""
    import random

    from zoom_assembly.emulator.zoom_files import zoom_vtt
    from zoom_assembly.langid import english_fluency
    from zoom_assembly.zoom.transcript_files import parse_vtt

    texts: dict[str, list[list[str]]] = {"en": [], "other": [], "shuffled en": []}
    rng = random.Random(5)
    for meeting in sc.meetings:
        if not any(f.file_type == "TRANSCRIPT" for f in meeting.files):
            continue
        words = parse_vtt(zoom_vtt(sc, meeting, garble=True), transcript_id="z",
                          source="zoom_transcript").text.split()
        texts["en" if meeting.language == "en" else "other"].append(words)
        if meeting.language == "en":
            shuffled = list(words)
            rng.shuffle(shuffled)
            texts["shuffled en"].append(shuffled)
    rows = []
    for limit in (60, 120, 250, 500, None):
        row: dict[str, Any] = {"words": limit or "all"}
        for kind, group in texts.items():
            garbled = sum(bool(english_fluency(" ".join(w[:limit])).garbled) for w in group)
            row[f"{kind} read garbled %"] = round(100 * garbled / max(1, len(group)), 1)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pay_policy")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="40 meetings")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    n = 40 if args.quick else args.n
    sc = scenario(n)
    rows = []
    with Emulator(scenario=sc, concurrency=50, speed=100_000.0) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        for i, (name, flags) in enumerate(POLICIES):
            flags = dict(flags)
            probes = bool(flags.pop("dry_run_probes", False))
            rows.append(run_policy(emu, sc, name, flags, Path(tmp) / f"out{i}",
                                   dry_run_probes=probes))
    columns = ("policy", "billed_hours", "ideal_hours", "over_ideal_pct", "probe_hours",
               "decision_accuracy_pct", "non_english_left_with_zoom_text",
               "dry_run_expected_hours", "dry_run_least_hours", "dry_run_most_hours",
               "dry_run_error_pct", "detector_accuracy_pct", "detector_vs_probe",
               "probe_vs_ideal", "completed")
    mixed = ", ".join(lang + ("+transcript" if t else "") for lang, t in MIXED)
    print(f"{n} meetings: half English with a Zoom transcript, half mixed ({mixed})")
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(str(row[c]) for c in columns))
    lengths = detector_by_length(sc)
    print("garbled-English signal by transcript length (first K words; want en 0%, others 100%)")
    print(" | ".join(lengths[0]))
    for length in lengths:
        print(" | ".join(str(v) for v in length.values()))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"n": n, "rows": rows, "detector_by_length": lengths},
                                    indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
