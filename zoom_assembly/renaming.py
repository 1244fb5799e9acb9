"""``transcribe-zoom rename``: name speakers by hand in a transcript already written, offline.

The folder's ``transcript.json`` is the source: its ``speakers`` map gets the names (source
``manual``), every other field is kept as it is, and the txt/srt/vtt files present are rendered
again from it. No API call, nothing paid.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .atomic import atomic_write_bytes
from .errors import UsageError
from .models import SpeakerName
from .outputs import read_recording_json, rewrite_outputs

SOURCE_MANUAL = "manual"


@dataclass(frozen=True)
class Renamed:
    speakers: dict[str, str | None]  # label -> the name now shown (None: its letter again)
    files: dict[str, Path]


def parse_assignments(pairs: Sequence[str]) -> dict[str, str | None]:
    """``A=Maya Chen`` (or ``Speaker A=...``) pairs; ``A=`` forgets A's name."""
    if not pairs:
        raise UsageError('Name at least one speaker, e.g. A="Maya Chen".', code="bad_rename")
    names: dict[str, str | None] = {}
    for pair in pairs:
        label, sep, name = pair.partition("=")
        label = label.strip()
        if label.lower().startswith("speaker "):
            label = label[len("speaker "):].strip()
        if not sep or not label:
            raise UsageError(f"'{pair}' is not LABEL=\"Name\"; write it like A=\"Maya Chen\".",
                             code="bad_rename")
        names[label] = " ".join(name.split()) or None
    return names


def rename_speakers(folder: Path, names: Mapping[str, str | None]) -> Renamed:
    """Set (or forget) the names of ``names``' labels in ``folder`` and rewrite its files."""
    path = Path(folder) / "transcript.json"
    if not path.is_file():
        raise UsageError(f"{folder} has no transcript.json; pass the folder of one recording "
                         "(inside the --out folder).", code="bad_rename")
    found = read_recording_json(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    if found is None or not isinstance(doc, dict):
        raise UsageError(f"{path} cannot be read as a transcript; transcribe the recording "
                         "again to recreate it.", code="bad_rename")
    transcript, meeting, file_id = found
    labels = {w.speaker for w in transcript.words if w.speaker}
    labels |= {u.speaker for u in transcript.utterances or ()}
    unknown = sorted(set(names) - labels)
    if unknown:
        known = ", ".join(sorted(labels)) or "none (diarization was off)"
        raise UsageError(f"This transcript has no speaker {', '.join(unknown)}; its speakers "
                         f"are {known}.", code="bad_rename")
    speakers = dict(transcript.speakers)
    for label, name in names.items():
        if name is None:
            speakers.pop(label, None)
        else:
            speakers[label] = SpeakerName(name, SOURCE_MANUAL, None, None)
    renamed = replace(transcript, speakers=speakers)
    # transcript.json: only the speakers map changes; every other field stays as written.
    if speakers:
        doc["speakers"] = {label: s.to_json() for label, s in sorted(speakers.items())}
    else:
        doc.pop("speakers", None)
    formats = [fmt for fmt in ("txt", "srt", "vtt") if (path.parent / f"transcript.{fmt}").exists()]
    files = rewrite_outputs(path.parent, meeting, file_id, renamed, formats)
    atomic_write_bytes(path, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode())
    files = {"json": path.absolute(), **files}
    shown = {label: (speakers[label].name if label in speakers else None) for label in names}
    return Renamed(shown, files)
