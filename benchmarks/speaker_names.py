"""Word-level accuracy of speaker names from Zoom's TIMELINE, over generated meetings.

Each meeting: 2-8 speakers (Latin and non-Latin names), 10-40 minutes of the emulator's
scripted speech (a third of them a rapid exchange: a new speaker every sentence), plus what
makes naming hard: short interjections by someone else inside a turn ("Right.", 1-2 words),
long pauses (5-20 s), a participant on the phone whom the video layout never shows (a share of
meetings). AssemblyAI's labels are the true speakers', except that in every ``--split-every``
th meeting (default 5; 0: never) diarization splits one voice into two labels halfway through,
so two labels want one name. The TIMELINE is the emulator's realistic one
(:mod:`zoom_assembly.emulator.timeline`): lag 0.5-2 s with jitter, late start, missed
interjections, two users at once at some changes, blips.

Reported: words carrying the right name, no name (abstained: "Speaker A") and a wrong name;
labels named / abstained / wrong; the same for a naive mapping (no lag correction, every label
to its best-overlapping person, no abstention) for contrast; CPU per meeting. Never asserted.

One row per evidence source, each over the same meetings as if it were the only one:

- ``timeline``: the TIMELINE above.
- ``zoom_transcript`` / ``zoom_captions``: Zoom's ``Name: text`` cues (see :func:`zoom_cues`):
  a cue per sentence (split at a speaker change and after ~10 s), timings jittered +-300 ms and
  late by 0-0.5 s (the transcript) or 1-3 s (live captions); an interjection inside someone's
  turn is folded into that person's cue; 4% of the cues after a speaker change still carry the
  previous speaker's name; the phone participant's cues carry no name.
- ``timeline+transcript``: both, combined (:func:`zoom_assembly.speaker_evidence.combine`).
- ``assemblyai_identification``: the emulator's speaker identification with the participants
  as candidates (see :mod:`zoom_assembly.emulator.speaker_identification`: a speaker is named
  when the conversation would have named them, 70%, wrongly 5% of those), through our parser's
  trust rules.

    python -m benchmarks.speaker_names                   # 300 meetings
    python -m benchmarks.speaker_names --meetings 50 --json /tmp/names.json
    python -m benchmarks.speaker_names --split-every 0   # diarization never splits a voice
    python -m benchmarks.speaker_names --lag-ms 12000    # a lag far outside Zoom's range
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoom_assembly.assembly.identification import apply_identification
from zoom_assembly.emulator import speaker_identification
from zoom_assembly.emulator.scripts import SPEAKER_NAMES, ScriptWord, generate_script
from zoom_assembly.emulator.timeline import active_speaker_entries
from zoom_assembly.models import Transcript, Word
from zoom_assembly.speaker_evidence import combine, names_from_cues
from zoom_assembly.speakers import (
    NameMapping,
    names_from_timeline,
    overlap_matrix,
    parse_timeline,
    speech_by_label,
)
from zoom_assembly.zoom.transcript_files import parse_vtt

SOURCES = ("timeline", "zoom_transcript", "zoom_captions", "timeline+transcript",
           "assemblyai_identification")
# What each source costs on top of the transcript (per recording).
COST = {
    "timeline": "1 Zoom download per TIMELINE file (one per recorded segment)",
    "zoom_transcript": "1 Zoom download (the VTT)",
    "zoom_captions": "1 Zoom download (the VTT)",
    "timeline+transcript": "2 Zoom downloads",
    "assemblyai_identification": "1 Zoom API call per 300 participants + AssemblyAI's speaker "
                                 "identification add-on on the audio hours",
}
CUE_MAX_MS = 10_000
CUE_LATE_SWITCH = 0.04

INTERJECTIONS = ("Right.", "Yes.", "Mm-hmm.", "Okay.", "Exactly.", "Sure.")
NAMES = (*(n for names in SPEAKER_NAMES.values() for n in names),
         "Олена Коваленко", "محمد العلي", "김민준", "Ngozi Okafor", "Priya Raghunathan")


def meeting_script(seed: int) -> tuple[list[ScriptWord], tuple[str, ...], str | None]:
    """A script with interjections and long pauses, its speakers, and the phone participant."""
    rng = random.Random(seed)
    speakers = tuple(rng.sample(NAMES, rng.randint(2, 8)))
    minutes = rng.randint(10, 40)
    words = generate_script(seed, "en", speakers, minutes * 60_000)
    if seed % 3 == 0:
        words = rapid_exchange(words, speakers, rng)
    out: list[ScriptWord] = []
    shift = 0
    previous = ""
    i = 0
    while i < len(words):
        w = words[i]
        if w.speaker != previous and previous and rng.random() < 0.08:
            shift += rng.randint(5_000, 20_000)  # a long pause between turns
        previous = w.speaker
        if (0 < i < len(words) - 2 and words[i - 1].speaker == w.speaker == words[i + 2].speaker
                and rng.random() < 0.012):
            # Someone else says "Right." (1-2 words) in the middle of this turn.
            other = rng.choice([s for s in speakers if s != w.speaker])
            for k in range(rng.randint(1, 2)):
                x = words[i + k]
                out.append(ScriptWord(rng.choice(INTERJECTIONS), x.start + shift,
                                      x.end + shift, other, x.confidence))
            i += 2
            continue
        out.append(ScriptWord(w.text, w.start + shift, w.end + shift, w.speaker, w.confidence))
        i += 1
    phone = rng.choice(speakers) if len(speakers) > 2 and rng.random() < 0.15 else None
    return out, speakers, phone


def rapid_exchange(words: list[ScriptWord], speakers: tuple[str, ...], rng: random.Random
                   ) -> list[ScriptWord]:
    """A third of the meetings are a rapid back-and-forth: a new speaker every sentence
    (turns of 1.5-4 s, where a 2 s lag matters most)."""
    out = []
    speaker = speakers[0]
    for w in words:
        out.append(ScriptWord(w.text, w.start, w.end, speaker, w.confidence))
        if w.text.endswith((".", "?", "!")):
            speaker = rng.choice([s for s in speakers if s != speaker])
    return out


def person(name: str) -> dict[str, object]:
    return {"username": name, "zoom_userid": f"zid-{abs(hash(name)) % 10**8}",
            "user_id": 16778240, "email_address": "", "multiple_people": False}


def timeline_doc(words: list[ScriptWord], seed: int, phone: str | None,
                 lag_ms: int | None = None) -> dict[str, Any]:
    entries = active_speaker_entries(words, person, seed, lag_ms=lag_ms)
    if phone is not None:  # the layout never shows a phone participant
        for entry in entries:
            users = entry["users"]
            assert isinstance(users, list)
            entry["users"] = [u for u in users if u["username"] != phone]
    return {"timeline": entries}


def _clock(ms: int) -> str:
    ms = max(0, ms)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    sec, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{sec:02d}.{ms:03d}"


def zoom_cues(words: list[ScriptWord], seed: int, phone: str | None, *, captions: bool
              ) -> str:
    """Zoom's transcript (or live captions) of the meeting as a VTT (see the module)."""
    rng = random.Random(f"cues:{seed}:{captions}")
    lag = rng.randint(1000, 3000) if captions else rng.randint(0, 500)
    cues: list[tuple[str, list[ScriptWord]]] = []
    for i, w in enumerate(words):
        holder = cues[-1][0] if cues else None
        if holder is not None and holder != w.speaker and w.text in INTERJECTIONS:
            j = i + 1  # the interjection's words, then whoever speaks next
            while j < len(words) and words[j].speaker == w.speaker \
                    and words[j].text in INTERJECTIONS:
                j += 1
            if j < len(words) and words[j].speaker == holder:
                cues[-1][1].append(w)  # folded into the floor holder's cue
                continue
        if cues and cues[-1][0] == w.speaker and w.start - cues[-1][1][0].start < CUE_MAX_MS \
                and not cues[-1][1][-1].text.endswith((".", "?", "!")):
            cues[-1][1].append(w)
        else:
            cues.append((w.speaker, [w]))
    lines = ["WEBVTT", ""]
    previous = None
    for n, (who, said) in enumerate(cues, 1):
        name = who
        if previous is not None and previous != who and rng.random() < CUE_LATE_SWITCH:
            name = previous  # Zoom switched late: the cue still carries the previous name
        previous = who
        start = said[0].start + lag + rng.randint(-300, 300)
        end = max(start + 200, said[-1].end + lag + rng.randint(-300, 300))
        text = " ".join(w.text for w in said)
        body = text if name == phone else f"{name}: {text}"
        lines += [str(n), f"{_clock(start)} --> {_clock(end)}", body, ""]
    return "\n".join(lines)


def identified(words: list[ScriptWord], keys: list[str], labels: dict[str, str],
               speakers: tuple[str, ...], seed: int, transcript: Transcript) -> NameMapping:
    """What AssemblyAI's speaker identification gives (emulated), through our trust rules."""
    heard = [ScriptWord(w.text, w.start, w.end, key, w.confidence)
             for w, key in zip(words, keys, strict=True)]
    asked = {"speaker_type": "name", "speakers": [{"name": n} for n in speakers]}
    mapping = speaker_identification.identify(heard, labels, list(speakers), f"bench-{seed}")
    body = {"speech_understanding": speaker_identification.answer(asked, mapping)}
    return NameMapping(apply_identification(body, transcript).speakers, None)


def naive_names(transcript: Transcript, doc: dict[str, Any]) -> dict[str, str]:
    """What a naive mapping gives: lag 0, each label its best-overlapping person."""
    timeline = parse_timeline(doc)
    matrix = overlap_matrix(speech_by_label(transcript), timeline, 0)
    names = {}
    for label, row in matrix.items():
        if row and max(row.values()) > 0:
            key = max(row, key=lambda k: row[k])
            names[label] = timeline.people[key].name
    return names


def label_keys(words: list[ScriptWord], seed: int, speakers: tuple[str, ...],
               split_every: int) -> list[str]:
    """Who AssemblyAI thinks spoke each word: the speaker, except in every ``split_every``th
    meeting, where diarization splits one voice in two (a second label from mid-meeting on)."""
    if not split_every or seed % split_every != 2 % split_every or not words:
        return [w.speaker for w in words]
    split, middle = speakers[1], words[len(words) // 2].start
    return [f"{w.speaker}#2" if w.speaker == split and w.start >= middle else w.speaker
            for w in words]


def score(words: list[ScriptWord], keys: list[str], labels: dict[str, str],
          names: dict[str, str], phone: str | None) -> Counter[str]:
    c: Counter[str] = Counter()
    truth = {label: key.split("#")[0] for key, label in labels.items()}
    for w, key in zip(words, keys, strict=True):
        given = names.get(labels[key])
        outcome = "right" if given == w.speaker else "abstained" if given is None else "wrong"
        c["words"] += 1
        c[outcome] += 1
        if w.speaker != phone:  # the speakers the TIMELINE shows at all
            c["shown_words"] += 1
            c[f"shown_{outcome}"] += 1
    for label, name in truth.items():
        given = names.get(label)
        c["labels"] += 1
        c["labels_right" if given == name else "labels_abstained" if given is None
          else "labels_wrong"] += 1
    return c


def run(meetings: int, first_seed: int = 1, split_every: int = 5,
        lag_ms: int | None = None) -> dict[str, Any]:
    ours: Counter[str] = Counter()
    naive: Counter[str] = Counter()
    sources: dict[str, Counter[str]] = {name: Counter() for name in SOURCES}
    by_speakers: dict[int, Counter[str]] = {}
    cpu: list[float] = []
    lag_errors: list[int] = []
    worst = 100.0
    phones = 0
    for seed in range(first_seed, first_seed + meetings):
        words, speakers, phone = meeting_script(seed)
        keys = label_keys(words, seed, speakers, split_every)
        labels: dict[str, str] = {}
        for key in keys:
            labels.setdefault(key, chr(65 + len(labels)))
        transcript = Transcript("t", "completed", words=tuple(
            Word(w.text, w.start, w.end, w.confidence, labels[key])
            for w, key in zip(words, keys, strict=True)))
        doc = timeline_doc(words, seed, phone, lag_ms)
        started = time.process_time()
        result = names_from_timeline(transcript, parse_timeline(json.dumps(doc).encode()))
        cpu.append(time.process_time() - started)
        got = score(words, keys, labels, {k: v.name for k, v in result.names.items()}, phone)
        ours += got
        found = {"timeline": result}
        for source, captions in (("zoom_transcript", False), ("zoom_captions", True)):
            cues = parse_vtt(zoom_cues(words, seed, phone, captions=captions),
                             transcript_id="zoom", source=source)
            found[source] = names_from_cues(transcript, cues)
        found["timeline+transcript"] = combine([result, found["zoom_transcript"]])
        found["assemblyai_identification"] = identified(words, keys, labels, speakers, seed,
                                                        transcript)
        for source, mapping in found.items():
            sources[source] += score(words, keys, labels,
                                     {k: v.name for k, v in mapping.names.items()}, phone)
        by_speakers.setdefault(len(speakers), Counter()).update(got)
        naive += score(words, keys, labels, naive_names(transcript, doc), phone)
        worst = min(worst, 100 * got["shown_right"] / (got["shown_words"] or 1))
        phones += phone is not None
        true_lag = lag_ms if lag_ms is not None else _true_lag(seed)
        if result.lag_ms is not None:
            lag_errors.append(abs(result.lag_ms - true_lag))
    return {
        "meetings": meetings,
        "meetings_with_a_split_voice": len(range(first_seed, first_seed + meetings)[
            (2 - first_seed) % split_every::split_every]) if split_every else 0,
        "meetings_with_a_phone_participant": phones,
        "worst_meeting_right_pct_shown_speakers": round(worst, 2),
        "ours": _rates(ours),
        "naive": _rates(naive),
        "sources": {name: {**_rates(c), "extra_cost": COST[name]} for name, c in sources.items()},
        "by_speakers": {n: _rates(c) for n, c in sorted(by_speakers.items())},
        "lag_error_ms": {"median": statistics.median(lag_errors), "max": max(lag_errors)},
        "cpu_ms_per_meeting": {"median": round(statistics.median(cpu) * 1000, 1),
                               "max": round(max(cpu) * 1000, 1)},
    }


def _true_lag(seed: int) -> int:
    # The emulator draws the lag first from this seed's generator (see active_speaker_entries).
    from zoom_assembly.emulator.timeline import LAG_RANGE_MS

    return random.Random(f"timeline:{seed}").randint(*LAG_RANGE_MS)


def _rates(c: Counter[str]) -> dict[str, Any]:
    words = c["words"] or 1
    named = c["right"] + c["wrong"]
    return {
        "words": c["words"],
        "right_pct": round(100 * c["right"] / words, 2),
        "abstained_pct": round(100 * c["abstained"] / words, 2),
        "wrong_pct": round(100 * c["wrong"] / words, 3),
        "wrong_words": c["wrong"],
        "right_among_named_pct": round(100 * c["right"] / named, 3) if named else None,
        "shown_right_pct": round(100 * c["shown_right"] / (c["shown_words"] or 1), 2),
        "shown_abstained_pct": round(100 * c["shown_abstained"] / (c["shown_words"] or 1), 2),
        "shown_wrong_words": c["shown_wrong"],
        "labels": c["labels"],
        "labels_right": c["labels_right"],
        "labels_abstained": c["labels_abstained"],
        "labels_wrong": c["labels_wrong"],
    }


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speaker_names")
    parser.add_argument("--meetings", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split-every", type=int, default=5)
    parser.add_argument("--lag-ms", type=int, default=None,
                        help="one lag for every meeting (default: 500-2000 ms at random)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.meetings, args.seed, args.split_every, args.lag_ms)
    lag = f"{args.lag_ms} ms" if args.lag_ms is not None else "0.5-2 s"
    out(f"{result['meetings']} meetings, 2-8 speakers, TIMELINE lag {lag}, "
        f"{result['meetings_with_a_phone_participant']} with a participant the timeline "
        f"never shows, {result['meetings_with_a_split_voice']} with one voice split in two "
        "labels")
    for name in ("ours", "naive"):
        r = result[name]
        out(f"{name:6} words right {r['right_pct']:6.2f}%  no name {r['abstained_pct']:5.2f}%  "
            f"wrong {r['wrong_pct']:6.3f}% ({r['wrong_words']} words)  labels "
            f"{r['labels_right']}/{r['labels']} right, {r['labels_abstained']} abstained, "
            f"{r['labels_wrong']} wrong")
        out(f"{'':6} speakers the timeline shows: right {r['shown_right_pct']:6.2f}%  no name "
            f"{r['shown_abstained_pct']:5.2f}%  wrong {r['shown_wrong_words']} words")
    out("per evidence source (each alone; wrong words only ever where a name was given):")
    for name, r in result["sources"].items():
        out(f"  {name:26} words right {r['right_pct']:6.2f}%  no name {r['abstained_pct']:5.2f}%"
            f"  wrong {r['wrong_pct']:6.3f}% ({r['wrong_words']} words)  labels "
            f"{r['labels_right']}/{r['labels']} right, {r['labels_abstained']} abstained, "
            f"{r['labels_wrong']} wrong  | extra cost: {r['extra_cost']}")
    out(f"worst meeting (speakers shown): {result['worst_meeting_right_pct_shown_speakers']}% "
        "right")
    for n, r in result["by_speakers"].items():
        out(f"  {n} speakers: right {r['right_pct']:6.2f}%  no name {r['abstained_pct']:5.2f}%  "
            f"wrong {r['wrong_words']} words")
    out(f"lag error median {result['lag_error_ms']['median']} ms, max "
        f"{result['lag_error_ms']['max']} ms; CPU per meeting median "
        f"{result['cpu_ms_per_meeting']['median']} ms")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
