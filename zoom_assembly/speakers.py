"""Real names for AssemblyAI's speaker labels, from Zoom's TIMELINE (pure: no network, no I/O).

Zoom's TIMELINE records the *active speaker* as its video layout saw it: it lags the voice by
roughly 0.5-2 s, misses short interjections, sometimes lists several users (or none) and blips
to someone else for a moment. So the mapping here

1. turns the timeline entries into per-person active segments (an entry lasts until the next;
   same-person gaps under :data:`MERGE_GAP_MS` are merged, segments under :data:`MIN_SEGMENT_MS`
   are dropped as blips),
2. estimates the constant lag: the shift of the timeline that makes each label's speech best
   covered by one person (searched over :data:`LAG_SEARCH_MS`); when another lag fits almost
   as well and would name anyone differently, or the best lag lies at the edge of the search,
   nobody is named (the alignment itself is in doubt),
3. assigns names one-to-one by total overlap (largest first), and
4. **abstains** (the label keeps "Speaker A") wherever the evidence is weak or contradictory: a
   wrong name is worse than no name. See :func:`assign_names` for the thresholds and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import SpeakerName, Transcript

SOURCE_TIMELINE = "timeline"

# Merge a person's segments separated by less than this (a breath, a layout flicker).
MERGE_GAP_MS = 1500
# Drop segments shorter than this after merging (the layout blipping to someone for a moment).
MIN_SEGMENT_MS = 1000
# The lags tried (timeline time minus voice time), coarse then refined around the best.
LAG_SEARCH_MS = (-2000, 8000)
LAG_STEP_MS = 100
LAG_REFINE_STEP_MS = 20
# Another lag this far from the best one that fits nearly as well makes the names ambiguous.
RIVAL_LAG_DISTANCE_MS = 1000
RIVAL_LAG_SHARE = 0.85
# A best lag this close to either end of the search may be a side of a peak lying beyond it.
EDGE_MS = 500
# Words of one label closer than this count as one stretch of speech.
SPEECH_JOIN_MS = 600

# Thresholds of :func:`assign_names` (justified there and measured by
# benchmarks/speaker_names.py).
MIN_OVERLAP_MS = 3000
MIN_COVERAGE = 0.4
MIN_DOMINANCE = 0.7
MAX_RIVAL_RATIO = 0.5
MIN_CONFIDENCE = 0.7

_TS = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?\s*$")


@dataclass(frozen=True)
class Person:
    """Someone the timeline shows; ``key`` identifies them across entries."""

    key: str
    name: str
    email: str | None = None
    multiple_people: bool = False


@dataclass(frozen=True)
class Timeline:
    """Per-person active segments in ms from the start of the audio (lag not yet corrected)."""

    people: Mapping[str, Person]
    segments: Mapping[str, tuple[tuple[int, int], ...]]

    @property
    def empty(self) -> bool:
        return not any(self.segments.values())


@dataclass(frozen=True)
class NameMapping:
    """The outcome of mapping: names given, the lag found, and why each other label abstained."""

    names: dict[str, SpeakerName]
    lag_ms: int | None
    abstained: dict[str, str] = field(default_factory=dict)


def parse_ts(value: object) -> int | None:
    """``HH:MM:SS.mmm`` (also ``MM:SS`` or ``H:MM:SS,mmm``) in ms; None when unreadable."""
    if not isinstance(value, str):
        return None
    match = _TS.match(value)
    if not match:
        return None
    hours, minutes, seconds, frac = match.groups()
    if (hours is not None and int(minutes) >= 60) or int(seconds) >= 60:
        return None
    millis = int((frac or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def _entries(doc: object) -> list[Any]:
    """The entry list of a TIMELINE document: ``timeline_refine`` when it has entries."""
    if not isinstance(doc, Mapping):
        return []
    for key in ("timeline_refine", "timeline"):
        entries = doc.get(key)
        if isinstance(entries, list) and entries:
            return entries
    return []


def _person(raw: Mapping[str, Any]) -> Person | None:
    name = raw.get("username")
    if not isinstance(name, str) or not name.strip():
        return None
    email = raw.get("email_address")
    # ``user_id`` is per join (a guest who rejoins gets a new one) and guests have no
    # ``zoom_userid``: a person is their Zoom account, else their email, else their name.
    ident = raw.get("zoom_userid") or (email if isinstance(email, str) and "@" in email else "")
    return Person(
        key=str(ident) or "name:" + " ".join(name.split()).casefold(),
        name=" ".join(name.split()),
        email=email if isinstance(email, str) and "@" in email else None,
        multiple_people=bool(raw.get("multiple_people")),
    )


def parse_timeline(
    data: bytes | str | Mapping[str, Any],
    *,
    offset_ms: int = 0,
    end_ms: int | None = None,
) -> Timeline:
    """Per-person segments of one TIMELINE file.

    ``offset_ms``: where the file's ``ts`` zero lies in the audio (a paused and resumed
    recording has a TIMELINE per segment, each relative to its own start). ``end_ms``: the end
    of the audio, closing the last entry (else it lasts :data:`MIN_SEGMENT_MS` * 5). Malformed
    entries are skipped; an unreadable document gives an empty timeline.
    """
    doc: object = data
    if isinstance(data, bytes | str):
        try:
            doc = json.loads(data)
        except ValueError:
            return Timeline({}, {})
    points: list[tuple[int, list[Person]]] = []
    for entry in _entries(doc):
        if not isinstance(entry, Mapping):
            continue
        ts = parse_ts(entry.get("ts"))
        if ts is None:
            continue
        users = entry.get("users")
        raw_users = users if isinstance(users, list) else []
        people = [p for p in (_person(u) for u in raw_users if isinstance(u, Mapping)) if p]
        points.append((ts + offset_ms, people))
    points.sort(key=lambda p: p[0])
    people_by_key: dict[str, Person] = {}
    raw: dict[str, list[tuple[int, int]]] = {}
    for i, (start, people) in enumerate(points):
        if i + 1 < len(points):
            end = points[i + 1][0]
        else:
            end = end_ms if end_ms is not None and end_ms > start else start + 5 * MIN_SEGMENT_MS
        if end <= start:
            continue
        for person in people:
            people_by_key.setdefault(person.key, person)
            raw.setdefault(person.key, []).append((start, end))
    segments = {key: tuple(_clean(spans)) for key, spans in raw.items()}
    return Timeline(people_by_key, {k: v for k, v in segments.items() if v})


def merge_timelines(timelines: Iterable[Timeline]) -> Timeline:
    """One timeline from several (the segments of a paused and resumed recording)."""
    people: dict[str, Person] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for timeline in timelines:
        for key, person in timeline.people.items():
            people.setdefault(key, person)
        for key, segs in timeline.segments.items():
            spans.setdefault(key, []).extend(segs)
    return Timeline(people, {k: tuple(_clean(v)) for k, v in spans.items()})


def _clean(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge gaps under :data:`MERGE_GAP_MS`, then drop blips under :data:`MIN_SEGMENT_MS`."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] < MERGE_GAP_MS:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return [(s, e) for s, e in merged if e - s >= MIN_SEGMENT_MS]


def speech_by_label(transcript: Transcript) -> dict[str, list[tuple[int, int]]]:
    """Each label's stretches of speech in ms: from its words, else from its utterances."""
    spans: dict[str, list[tuple[int, int]]] = {}
    labelled = [w for w in transcript.words if w.speaker]
    if labelled:
        for word in labelled:
            assert word.speaker is not None
            runs = spans.setdefault(word.speaker, [])
            if runs and word.start - runs[-1][1] < SPEECH_JOIN_MS:
                runs[-1] = (runs[-1][0], max(runs[-1][1], word.end))
            else:
                runs.append((word.start, word.end))
    else:
        for utt in transcript.utterances or ():
            if utt.end > utt.start:
                spans.setdefault(utt.speaker, []).append((utt.start, utt.end))
    return {label: sorted(runs) for label, runs in spans.items()}


def _overlap(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]], shift: int) -> int:
    """Total overlap of two sorted interval lists, ``b`` moved ``shift`` ms earlier."""
    total = i = j = 0
    while i < len(a) and j < len(b):
        a0, a1 = a[i]
        b0, b1 = b[j][0] - shift, b[j][1] - shift
        low, high = max(a0, b0), min(a1, b1)
        if high > low:
            total += high - low
        if a1 < b1:
            i += 1
        else:
            j += 1
    return total


def overlap_matrix(
    speech: Mapping[str, Sequence[tuple[int, int]]], timeline: Timeline, lag_ms: int
) -> dict[str, dict[str, int]]:
    """ms of each label's speech during which the (lag-corrected) timeline showed each person."""
    return {
        label: {key: _overlap(spans, segs, lag_ms) for key, segs in timeline.segments.items()}
        for label, spans in speech.items()
    }


def _agreement(matrix: Mapping[str, Mapping[str, int]]) -> int:
    return sum(max(row.values(), default=0) for row in matrix.values())


def lag_scores(
    speech: Mapping[str, Sequence[tuple[int, int]]], timeline: Timeline
) -> list[tuple[int, int]]:
    """``(lag, agreement)`` for every coarse lag of :data:`LAG_SEARCH_MS`: how much of the
    labels' speech is covered by each label's best person under that lag."""
    low, high = LAG_SEARCH_MS
    return [(d, _agreement(overlap_matrix(speech, timeline, d)))
            for d in range(low, high + 1, LAG_STEP_MS)]


def estimate_lag(
    speech: Mapping[str, Sequence[tuple[int, int]]],
    timeline: Timeline,
    scores: Sequence[tuple[int, int]] | None = None,
) -> int | None:
    """The constant lag (ms, timeline minus voice) under which each label's speech is best
    covered by a single person; None when no shift gives any overlap. Ties go to the lag
    closest to 1 s, Zoom's typical one."""
    scores = scores if scores is not None else lag_scores(speech, timeline)
    score, _, lag = max((score, -abs(d - 1000), d) for d, score in scores)
    if score <= 0:
        return None
    refine = range(lag - LAG_STEP_MS, lag + LAG_STEP_MS + 1, LAG_REFINE_STEP_MS)
    _, _, lag = max((_agreement(overlap_matrix(speech, timeline, d)), -abs(d - 1000), d)
                    for d in refine)
    return lag


def rival_lags(scores: Sequence[tuple[int, int]], lag: int) -> list[int]:
    """Other lags, at least :data:`RIVAL_LAG_DISTANCE_MS` from ``lag`` and local peaks, that
    fit almost as well (:data:`RIVAL_LAG_SHARE`): a timeline that fits two alignments (a strict
    back-and-forth shifted by one turn) cannot tell who is who."""
    best = max(score for _, score in scores)
    rivals = []
    for i, (d, score) in enumerate(scores):
        left = scores[i - 1][1] if i else -1
        right = scores[i + 1][1] if i + 1 < len(scores) else -1
        if abs(d - lag) >= RIVAL_LAG_DISTANCE_MS and score >= RIVAL_LAG_SHARE * best \
                and score >= left and score >= right:
            rivals.append(d)
    return rivals


def assign_names(
    speech: Mapping[str, Sequence[tuple[int, int]]], timeline: Timeline, lag_ms: int,
    source: str = SOURCE_TIMELINE,
) -> NameMapping:
    """Labels to people, one-to-one by total overlap (largest pair first), with abstentions.

    A label gets person P only when all of these hold (measured after lag correction):

    - **overlap >= MIN_OVERLAP_MS (3 s)**: a few words are not evidence; a label that only
      said "yes" twice is not named from a timeline that never showed them (Zoom misses short
      interjections, so such a label's overlap is with whoever held the floor).
    - **coverage >= MIN_COVERAGE (0.4)**: P was shown during at least 40% of the label's speech.
      A correctly mapped speaker is covered ~80-95% (the remainder: turn starts the lag
      correction does not fully absorb, missed segments); below 40% the timeline was mostly
      about someone else or nobody.
    - **dominance >= MIN_DOMINANCE (0.7)**: P accounts for at least 70% of all timeline time
      seen during the label's speech. Two people sharing a label's time (a diarization merge
      of two voices, or a wrong lag) fall below it.
    - **no rival label, overlap(rival, P) < MAX_RIVAL_RATIO (0.5) x overlap(label, P)**: when
      two labels both want P (AssemblyAI split one voice, or two voices on one device) the
      weaker is refused by one-to-one, and if the two are close neither is named.

    - **confidence >= MIN_CONFIDENCE (0.7)**, where ``confidence`` = dominance x min(1,
      coverage / 0.8) (1.0 for a label covered 80%+ by P alone): the single thresholds above
      can each pass narrowly together; a two-person back-and-forth matched one turn off (a lag
      far outside Zoom's range) scores 0.53-0.66, right matches 0.92+ in the benchmark.
    """
    matrix = overlap_matrix(speech, timeline, lag_ms)
    speech_ms = {label: sum(e - s for s, e in spans) for label, spans in speech.items()}
    pairs = sorted(
        ((ms, label, key) for label, row in matrix.items() for key, ms in row.items() if ms > 0),
        reverse=True,
    )
    taken_labels: set[str] = set()
    taken_people: set[str] = set()
    names: dict[str, SpeakerName] = {}
    abstained: dict[str, str] = {}
    for ms, label, key in pairs:
        if label in taken_labels or key in taken_people:
            continue
        taken_labels.add(label)
        taken_people.add(key)
        row = matrix[label]
        seen = sum(row.values())
        coverage = ms / speech_ms[label] if speech_ms[label] else 0.0
        dominance = ms / seen if seen else 0.0
        rival = max((r[key] for other, r in matrix.items() if other != label), default=0)
        person = timeline.people[key]
        if ms < MIN_OVERLAP_MS:
            abstained[label] = f"only {ms / 1000:.1f} s of overlap with {person.name}"
        elif coverage < MIN_COVERAGE:
            abstained[label] = f"{person.name} shown during only {coverage:.0%} of its speech"
        elif dominance < MIN_DOMINANCE:
            abstained[label] = f"{person.name} is only {dominance:.0%} of the timeline evidence"
        elif rival >= MAX_RIVAL_RATIO * ms:
            abstained[label] = f"another label overlaps {person.name} almost as much"
        elif (confidence := round(dominance * min(1.0, coverage / 0.8), 2)) < MIN_CONFIDENCE:
            abstained[label] = f"confidence in {person.name} only {confidence:.2f}"
        else:
            names[label] = SpeakerName(person.name, source, confidence, person.email)
    for label in speech:
        if label not in names and label not in abstained:
            abstained[label] = "no timeline evidence"
    return NameMapping(names, lag_ms, abstained)


def names_from_timeline(
    transcript: Transcript, timeline: Timeline, source: str = SOURCE_TIMELINE
) -> NameMapping:
    """The names the timeline supports for ``transcript``'s labels (possibly none).

    ``source``: what the names are attributed to (any evidence of who was shown or named
    when, e.g. Zoom's caption cues turned into a :class:`Timeline`, is mapped the same way).

    When another lag fits almost as well (see :func:`rival_lags`) and names any label
    differently, or the best lag lies at the edge of the search, no label is named: the
    alignment itself is in doubt.
    """
    speech = speech_by_label(transcript)
    if not speech or timeline.empty:
        return NameMapping({}, None, {label: "no timeline evidence" for label in speech})
    scores = lag_scores(speech, timeline)
    lag = estimate_lag(speech, timeline, scores)
    if lag is None:
        return NameMapping({}, None, {label: "no timeline evidence" for label in speech})
    low, high = LAG_SEARCH_MS
    if not low + EDGE_MS <= lag <= high - EDGE_MS:
        # The fit still improves at the edge of the search: the true lag may lie beyond it,
        # and a periodic back-and-forth fits at the wrong one too.
        reason = f"the timeline fits best at the edge of the lags searched ({lag} ms)"
        return NameMapping({}, lag, dict.fromkeys(speech, reason))
    result = assign_names(speech, timeline, lag, source)
    for other in rival_lags(scores, lag):
        alternative = assign_names(speech, timeline, other, source).names
        if any(label in alternative and alternative[label].name != given.name
               for label, given in result.names.items()):
            # The alignment itself is in doubt: no name from it is trustworthy.
            reason = (f"a lag of {other} ms fits the timeline almost as well as {lag} ms and "
                      "names the speakers differently")
            return NameMapping({}, lag, {**result.abstained, **dict.fromkeys(result.names,
                                                                              reason)})
    return result
