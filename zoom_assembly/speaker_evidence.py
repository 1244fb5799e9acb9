"""More evidence for speaker names than the TIMELINE (pure: no network, no I/O).

- **Zoom's own text** (``audio_transcript`` / ``closed_caption`` VTT, ``Name: text`` cues): each
  cue says who Zoom thought spoke then. The cues become a :class:`~.speakers.Timeline` (one
  segment per cue, per name) and go through the very same alignment as the TIMELINE: lag
  estimated (captions lag the voice, the post-meeting transcript hardly does), names given
  one-to-one by overlap, abstention on weak or contradictory evidence
  (:func:`~.speakers.names_from_timeline`).
- **Several sources at once**: :func:`combine` keeps the best source's names, lets a weaker
  source confirm them or name a label the better one abstained on (a tiebreak), and names
  nobody where two sources disagree: a wrong name is worse than no name.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import SpeakerName, Transcript
from .speakers import NameMapping, Person, Timeline, _clean, names_from_timeline


def cue_timeline(cues: Transcript, *, offset_ms: int = 0) -> Timeline:
    """Zoom's text (parsed by :func:`~zoom_assembly.zoom.transcript_files.parse_vtt`: one
    entry per cue, labelled, names in ``speakers``) as per-person segments in the audio's
    time. ``offset_ms``: where the text's zero lies in the audio. Cues without a name, and
    names Zoom could not tell (empty), are left out."""
    people: dict[str, Person] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for cue in cues.words:
        named = cues.speakers.get(cue.speaker or "")
        if named is None or not named.name.strip() or cue.end <= cue.start:
            continue
        name = " ".join(named.name.split())
        key = "name:" + name.casefold()
        people.setdefault(key, Person(key, name))
        spans.setdefault(key, []).append((cue.start + offset_ms, cue.end + offset_ms))
    segments = {key: tuple(_clean(s)) for key, s in spans.items()}
    return Timeline(people, {k: v for k, v in segments.items() if v})


def names_from_cues(transcript: Transcript, cues: Transcript, *, offset_ms: int = 0
                    ) -> NameMapping:
    """The names Zoom's cues support for ``transcript``'s labels (source: the cues' own,
    ``zoom_transcript`` or ``zoom_captions``)."""
    return names_from_timeline(transcript, cue_timeline(cues, offset_ms=offset_ms),
                               source=cues.source)


def combine(mappings: Sequence[NameMapping]) -> NameMapping:
    """One mapping from several, best source first.

    - A label named alike by several sources keeps the first source's name, with the highest
      confidence among them (they confirm each other).
    - A label named differently by two sources gets no name (contradictory evidence).
    - A label only a later source names gets that name (a tiebreak where the first abstained),
      unless an earlier source gave that name to another label (one name, one label).
    """
    if not mappings:
        return NameMapping({}, None)
    votes: dict[str, list[SpeakerName]] = {}
    for mapping in mappings:
        for label, given in mapping.names.items():
            votes.setdefault(label, []).append(given)
    names: dict[str, SpeakerName] = {}
    abstained: dict[str, str] = {}
    for label, voted in votes.items():
        distinct = {g.name.casefold() for g in voted}
        if len(distinct) > 1:
            said = ", ".join(f"{g.source} says {g.name}" for g in voted)
            abstained[label] = f"the evidence disagrees ({said})"
            continue
        measured = [g.confidence for g in voted if g.confidence is not None]
        email = next((g.email for g in voted if g.email), None)
        names[label] = SpeakerName(voted[0].name, voted[0].source,
                                   max(measured) if measured else None, email)
    # One name, one label: where two labels end up with one name, the one the earliest source
    # gave keeps it; when the same source gave both (it never does: one-to-one), neither does.
    rank = {label: min(i for i, m in enumerate(mappings) if label in m.names) for label in names}
    by_name: dict[str, list[str]] = {}
    for label, given in names.items():
        by_name.setdefault(given.name.casefold(), []).append(label)
    for labels in by_name.values():
        if len(labels) < 2:
            continue
        labels.sort(key=lambda lb: rank[lb])
        keep = labels[0] if rank[labels[0]] < rank[labels[1]] else None
        for label in labels:
            if label != keep:
                abstained[label] = f"{names[label].name} is another label's name"
        for label in labels:
            if label != keep:
                del names[label]
    for mapping in mappings:
        for label, reason in mapping.abstained.items():
            if label not in names:
                abstained.setdefault(label, reason)
    lag = next((m.lag_ms for m in mappings if m.lag_ms is not None), None)
    return NameMapping(names, lag, abstained)
