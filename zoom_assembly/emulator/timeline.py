"""Zoom's TIMELINE as Zoom really writes it: the *active speaker* its video layout saw, not who
spoke. Deterministic per meeting seed, it has what makes a naive mapping go wrong:

- a lag behind the voice, constant per meeting (0.5-2 s) with a little jitter per turn;
- a late start: the first seconds of the recording have no entries;
- missed interjections: a turn shorter than :data:`MISSED_TURN_MS` never reaches the layout;
- several users listed at once around some speaker changes, and blips to someone else;
- ``users: []`` in pauses.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from .scripts import ScriptWord, turns

MISSED_TURN_MS = 1500
PAUSE_MS = 1500
LAG_RANGE_MS = (500, 2000)
JITTER_MS = 250
LATE_START_RANGE_MS = (0, 6000)
BOTH_AT_SWITCH = 0.3
BLIP_CHANCE = 0.1


def _clock(ms: int) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def active_speaker_entries(
    words: Sequence[ScriptWord],
    person: Callable[[str], dict[str, object]],
    seed: int,
    *,
    lag_ms: int | None = None,
) -> list[dict[str, object]]:
    """TIMELINE entries ``{"ts", "users"}`` for a script (see the module docstring)."""
    rng = random.Random(f"timeline:{seed}")
    lag = lag_ms if lag_ms is not None else rng.randint(*LAG_RANGE_MS)
    late_start = rng.randint(*LATE_START_RANGE_MS)
    speakers = sorted({w.speaker for w in words})
    # The turns the layout follows: short ones are missed (the floor holder stays shown).
    shown: list[tuple[str, int, int]] = []
    for turn in turns(list(words)):
        if turn.end - turn.start < MISSED_TURN_MS:
            continue
        if shown and shown[-1][0] == turn.speaker:
            shown[-1] = (turn.speaker, shown[-1][1], turn.end)
        else:
            shown.append((turn.speaker, turn.start, turn.end))
    points: list[tuple[int, list[str]]] = []
    for i, (speaker, start, end) in enumerate(shown):
        at = start + lag + rng.randint(-JITTER_MS, JITTER_MS)
        previous = shown[i - 1] if i else None
        if previous and previous[0] != speaker and start - previous[2] < PAUSE_MS \
                and rng.random() < BOTH_AT_SWITCH:
            points.append((at, [previous[0], speaker]))
            at += rng.randint(300, 800)
        points.append((at, [speaker]))
        others = [s for s in speakers if s != speaker]
        if others and end - start > 4000 and rng.random() < BLIP_CHANCE:
            middle = (start + end) // 2 + lag
            points.append((middle, [others[rng.randrange(len(others))]]))
            points.append((middle + rng.randint(200, 600), [speaker]))
        following = shown[i + 1][1] if i + 1 < len(shown) else None
        if following is None or following - end >= PAUSE_MS:
            points.append((end + lag + rng.randint(-JITTER_MS, JITTER_MS), []))
    points.sort(key=lambda p: p[0])
    entries: list[dict[str, object]] = []
    current: list[str] = []
    for at, users in points:
        if at < late_start:
            current = users
            continue
        if current and not entries:
            # The layout's state when the timeline starts.
            entries.append({"ts": _clock(late_start), "users": [person(u) for u in current]})
        current = users
        entries.append({"ts": _clock(at), "users": [person(u) for u in users]})
    return entries
