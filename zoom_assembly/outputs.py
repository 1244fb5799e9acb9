"""Render a finished transcript as txt / json / srt / vtt and write the files atomically.

No network here. This module names the folders and renders the text and ``transcript.json``;
captions come from :mod:`zoom_assembly.captions`, and every file is written whole or not at all
by :mod:`zoom_assembly.atomic` (both re-exported here under their old names).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain
from operator import attrgetter
from pathlib import Path

import orjson

from zoom_assembly import __version__
from zoom_assembly.atomic import (
    AtomicFile,
    atomic_file,
    atomic_write_bytes,
    atomic_write_text,
    output_error,
)
from zoom_assembly.captions import (
    Cue,
    SpeakerNames,
    caption_cues,
    clean_text,
    ends_sentence,
    join_words,
    render_captions,
    render_srt,
    render_vtt,
    speaker_label,
)
from zoom_assembly.gc_pause import gc_paused
from zoom_assembly.models import (
    MeetingInfo,
    Segment,
    SpeakerName,
    Transcript,
    Utterance,
    Word,
    iso_utc,
)

__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "AtomicFile",
    "Cue",
    "SpeakerNames",
    "atomic_file",
    "atomic_write_bytes",
    "atomic_write_text",
    "caption_cues",
    "join_words",
    "part_suffix",
    "read_recording_json",
    "read_transcript_json",
    "recording_folder_name",
    "render_captions",
    "render_json",
    "render_srt",
    "render_txt",
    "render_vtt",
    "rewrite_outputs",
    "speaker_label",
    "transcript_json_bytes",
    "write_outputs",
]

FORMATS: tuple[str, ...] = ("txt", "json", "srt", "vtt")
SCHEMA_VERSION = 1
MAX_NAME_BYTES = 255
MAX_TOPIC_CHARS = 80

_FORBIDDEN_CHARS = frozenset('<>:"/\\|?*' + "`$'!;&")


# --- folder names -----------------------------------------------------------------------------


def recording_folder_name(meeting: MeetingInfo, recording_file_id: str) -> str:
    """A deterministic folder name safe on Windows, macOS and Linux, at most 255 UTF-8 bytes.

    ``2026-03-14_1530_Weekly-sync_81234567890_1a2b3c4d``: UTC date and time, topic, meeting
    id and a short hash of uuid + recording file id, so each meeting instance and each
    recording file gets its own folder.
    """
    if meeting.start_time is None:
        stamp = "unknown-date"
    else:
        start = meeting.start_time
        start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
        stamp = start.strftime("%Y-%m-%d_%H%M")
    digest = hashlib.sha256(f"{meeting.uuid}\x00{recording_file_id}".encode()).hexdigest()[:8]
    tail = f"_{meeting.id}_{digest}" if meeting.id is not None else f"_{digest}"
    tail += part_suffix(meeting)
    budget = MAX_NAME_BYTES - len(stamp.encode()) - 1 - len(tail.encode())
    topic = _safe_topic(meeting.topic, budget) or "untitled"
    # Starting with the date stamp, it can never be a reserved device name (CON, NUL, COM1…).
    return f"{stamp}_{topic}{tail}"


def part_suffix(meeting: MeetingInfo) -> str:
    """``_part-2-of-3`` for a segment of a paused and resumed recording, "" otherwise (a
    recording never paused keeps exactly the folder name it always had)."""
    segment = meeting.segment
    return f"_part-{segment.index}-of-{segment.count}" if segment and segment.several else ""


def _safe_topic(topic: str, max_bytes: int) -> str:
    chars = []
    for ch in unicodedata.normalize("NFC", topic):
        category = unicodedata.category(ch)
        bad = ch in _FORBIDDEN_CHARS or ch.isspace() or category[0] in "CZ"
        chars.append("-" if bad else ch)
    text = re.sub(r"-{2,}", "-", "".join(chars)).strip("-. ")[:MAX_TOPIC_CHARS]
    kept: list[str] = []
    used = 0
    for ch in text:
        size = len(ch.encode())
        if used + size > max_bytes:
            break
        kept.append(ch)
        used += size
    # A dangling combining mark or a trailing dot/space would be mangled by Windows.
    while kept and (unicodedata.category(kept[-1])[0] == "M" or kept[-1] in "-. "):
        kept.pop()
    return "".join(kept)


# --- plain text and JSON ----------------------------------------------------------------------


def render_txt(
    transcript: Transcript, meeting: MeetingInfo, speaker_names: SpeakerNames = None
) -> str:
    """Readable text: a short header, then one paragraph per speaker turn (or per few sentences)."""
    header = []
    if meeting.topic:
        header.append(f"Topic: {clean_text(meeting.topic)}")
    if meeting.start_time is not None:
        header.append(f"Start: {iso_utc(meeting.start_time.astimezone(UTC))}")
    if meeting.segment is not None and meeting.segment.several:
        header.append(_part_line(meeting.segment))
    if transcript.language_code:
        header.append(f"Language: {transcript.language_code}")
    if transcript.utterances:
        paragraphs = _turns(transcript.utterances, speaker_names)
    elif transcript.words:
        paragraphs = _word_paragraphs(transcript.words)
    else:
        paragraphs = _text_paragraphs(transcript.text)
    blocks = (["\n".join(header)] if header else []) + paragraphs
    return "\n\n".join(blocks) + "\n"


def _part_line(segment: Segment) -> str:
    since = f", recorded from {iso_utc(segment.start)}" if segment.start else ""
    return (f"Part: {segment.index} of {segment.count} (the recording was paused{since}; "
            "times count from this part's start)")


def _turns(utterances: Sequence[Utterance], speaker_names: SpeakerNames) -> list[str]:
    turns: list[tuple[str, list[str]]] = []
    for utt in utterances:
        text = clean_text(utt.text)
        if not text:
            continue
        if turns and turns[-1][0] == utt.speaker:
            turns[-1][1].append(text)
        else:
            turns.append((utt.speaker, [text]))
    return [f"{speaker_label(s, speaker_names)}: {' '.join(parts)}" for s, parts in turns]


def _word_paragraphs(
    words: Sequence[Word], sentences_per_paragraph: int = 4, pause_ms: int = 2000
) -> list[str]:
    paragraphs: list[list[str]] = [[]]
    sentences = 0
    previous: Word | None = None
    for word in words:
        text = clean_text(word.text)
        if not text:
            continue
        if previous is not None and paragraphs[-1]:
            long_pause = word.start - previous.end >= pause_ms
            if long_pause or sentences >= sentences_per_paragraph:
                paragraphs.append([])
                sentences = 0
        paragraphs[-1].append(text)
        sentences += ends_sentence(text)
        previous = word
    return [join_words(p) for p in paragraphs if p]


def _text_paragraphs(text: str, sentences_per_paragraph: int = 4) -> list[str]:
    sentences = [s for s in re.split(r"(?<=[.?!…。？！])\s+", clean_text(text)) if s]
    step = sentences_per_paragraph
    return [" ".join(sentences[i : i + step]) for i in range(0, len(sentences), step)]


def render_json(
    transcript: Transcript, meeting: MeetingInfo, recording_file_id: str
) -> dict[str, object]:
    """The ``transcript.json`` contract (schema_version 1); times are the service's integer ms."""
    doc: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"transcribe-zoom {__version__}",
        "meeting": meeting.to_json(),
        "recording_file_id": recording_file_id,
        "transcript_id": transcript.id,
        "language_code": transcript.language_code,
        "language_confidence": transcript.language_confidence,
        "audio_duration": transcript.audio_duration,
        "speech_model_used": transcript.speech_model_used,
        # Added fields (never renamed): where the text came from and what ``words`` time.
        "source": transcript.source,
        "timing": transcript.timing,
        "text": transcript.text,
        # Literal dicts, keys in contract order: several times cheaper than getattr loops.
        "words": [
            {"text": w.text, "start": w.start, "end": w.end, "confidence": w.confidence,
             "speaker": w.speaker}
            for w in transcript.words
        ],
    }
    if transcript.utterances:
        # Utterance words are omitted: the top-level words already carry the speaker.
        doc["utterances"] = [
            {"speaker": u.speaker, "start": u.start, "end": u.end, "text": u.text,
             "confidence": u.confidence}
            for u in transcript.utterances
        ]
    if meeting.segment is not None and meeting.segment.several:
        # Added field: which part of a paused and resumed recording this is; its words are
        # timed from the part's own recording_start.
        doc["segment"] = meeting.segment.to_json()
    if transcript.speakers:
        # Added field: label -> {name, source, confidence, email}; labels stay on every word.
        doc["speakers"] = {label: s.to_json() for label, s in sorted(transcript.speakers.items())}
    return doc


def transcript_json_bytes(
    transcript: Transcript, meeting: MeetingInfo, recording_file_id: str
) -> bytes:
    """``transcript.json`` as written: :func:`render_json` indented by two spaces, UTF-8, with a
    final newline; byte for byte what ``json.dumps(doc, ensure_ascii=False, indent=2)`` gives.

    orjson renders it about 30 times faster and spells every value the same way except floats
    below 1e-4 (``1e-05`` vs ``0.00001``) and non-finite ones; those rare transcripts, and
    anything orjson refuses, take the standard library's path.
    """
    doc = render_json(transcript, meeting, recording_file_id)
    floats = chain(
        (transcript.language_confidence, transcript.audio_duration),
        map(_CONFIDENCE, transcript.words),
        map(_CONFIDENCE, transcript.utterances or ()),
        map(_CONFIDENCE, transcript.speakers.values()),
    )
    if not any(map(_spelled_differently, floats)):
        with contextlib.suppress(orjson.JSONEncodeError):
            return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_CONFIDENCE = attrgetter("confidence")


def _spelled_differently(value: object) -> bool:
    """True for a float that orjson and ``json.dumps`` would write differently."""
    return type(value) is float and value != 0.0 and not 1e-4 <= abs(value) < math.inf


def write_outputs(
    out_dir: Path,
    meeting: MeetingInfo,
    recording_file_id: str,
    transcript: Transcript,
    formats: Collection[str] = FORMATS,
    speaker_names: SpeakerNames = None,
) -> dict[str, Path]:
    """Write ``transcript.<fmt>`` files under ``out_dir/<recording folder>/``.

    Returns absolute paths keyed by format. Unknown formats raise ValueError before anything is
    written; OS errors raise OutputError. All files are rendered before the first is written.
    """
    folder = Path(out_dir).absolute() / recording_folder_name(meeting, recording_file_id)
    return rewrite_outputs(folder, meeting, recording_file_id, transcript, formats,
                           speaker_names)


def rewrite_outputs(
    folder: Path,
    meeting: MeetingInfo,
    recording_file_id: str,
    transcript: Transcript,
    formats: Collection[str] = FORMATS,
    speaker_names: SpeakerNames = None,
) -> dict[str, Path]:
    """Write ``transcript.<fmt>`` files into ``folder`` itself (what :func:`write_outputs`
    does once it has named the folder; ``rename`` uses it on an existing folder).

    Speaker labels are shown as ``speaker_names`` maps them, else as the transcript's own
    ``speakers`` names, else ``Speaker A``.
    """
    formats = (formats,) if isinstance(formats, str) else formats
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"Unknown output format(s): {', '.join(unknown)}; use {FORMATS}.")
    if speaker_names is None and transcript.speakers:
        speaker_names = transcript.speaker_names()
    with gc_paused():
        rendered = _render(transcript, meeting, recording_file_id, set(formats), speaker_names)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(folder.parent, exc) from exc
    # A run killed mid-write (SIGKILL, power cut) leaves its temp files; the finished files
    # are whole (atomic rename), and rewriting them here is the moment to sweep the debris.
    for stale in folder.glob(".transcript.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    paths: dict[str, Path] = {}
    for fmt in FORMATS:
        if fmt in rendered:
            path = folder / f"transcript.{fmt}"
            atomic_write_bytes(path, rendered[fmt])
            paths[fmt] = path
    return paths


def _render(transcript: Transcript, meeting: MeetingInfo, recording_file_id: str,
            wanted: set[str], speaker_names: SpeakerNames) -> dict[str, bytes]:
    """Every wanted format rendered in memory (nothing written yet)."""
    rendered: dict[str, bytes] = {}
    if "txt" in wanted:
        rendered["txt"] = render_txt(transcript, meeting, speaker_names).encode()
    if "json" in wanted:
        rendered["json"] = transcript_json_bytes(transcript, meeting, recording_file_id)
    if wanted & {"srt", "vtt"}:
        # One pass over the words makes the cues, one pass over the cues both caption files.
        cues = caption_cues(transcript.words, max_chars=84, max_duration_ms=7000,
                            speaker_names=speaker_names)
        srt, vtt = render_captions(cues, srt="srt" in wanted, vtt="vtt" in wanted)
        if "srt" in wanted:
            rendered["srt"] = srt.encode()
        if "vtt" in wanted:
            rendered["vtt"] = vtt.encode()
    return rendered


# --- reading back -----------------------------------------------------------------------------


def read_transcript_json(path: Path) -> Transcript | None:
    """The transcript a ``transcript.json`` holds, enough to render every format again (no
    network); None when the file is missing, damaged or of another schema."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        words = tuple(
            Word(str(w["text"]), int(w["start"]), int(w["end"]), float(w["confidence"] or 0.0),
                 w.get("speaker"))
            for w in doc.get("words") or ()
        )
        utterances = None
        if isinstance(doc.get("utterances"), list):
            utterances = tuple(
                Utterance(str(u["speaker"]), int(u["start"]), int(u["end"]), str(u["text"]),
                          float(u.get("confidence") or 0.0))
                for u in doc["utterances"]
            )
        duration = doc.get("audio_duration")
        speakers = {}
        for label, raw in (doc.get("speakers") or {}).items():
            if isinstance(raw, dict) and isinstance(raw.get("name"), str) and raw["name"]:
                confidence = raw.get("confidence")
                email = raw.get("email")
                speakers[str(label)] = SpeakerName(
                    raw["name"], str(raw.get("source") or "unknown"),
                    float(confidence) if isinstance(confidence, int | float) else None,
                    email if isinstance(email, str) else None)
        return Transcript(
            id=str(doc["transcript_id"]),
            status="completed",
            text=str(doc.get("text") or ""),
            language_code=doc.get("language_code"),
            language_confidence=doc.get("language_confidence"),
            audio_duration=float(duration) if duration is not None else None,
            speech_model_used=doc.get("speech_model_used"),
            words=words,
            utterances=utterances,
            source=str(doc.get("source") or "assemblyai"),
            timing=str(doc.get("timing") or "word"),
            speakers=speakers,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def read_recording_json(path: Path) -> tuple[Transcript, MeetingInfo, str] | None:
    """The transcript of a ``transcript.json`` with the meeting and recording file id it was
    written for (what it takes to write the folder again); None when unreadable."""
    transcript = read_transcript_json(path)
    if transcript is None:
        return None
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        raw = doc.get("meeting") or {}
        start = raw.get("start_time")
        meeting = MeetingInfo(
            uuid=str(raw.get("uuid") or ""),
            id=int(raw["id"]) if raw.get("id") is not None else None,
            topic=str(raw.get("topic") or ""),
            start_time=(datetime.fromisoformat(start.replace("Z", "+00:00"))
                        if isinstance(start, str) and start else None),
        )
        segment = doc.get("segment")
        if isinstance(segment, dict):
            meeting = replace(meeting, segment=_read_segment(segment))
        return transcript, meeting, str(doc["recording_file_id"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _read_segment(raw: dict[str, object]) -> Segment | None:
    index, count, start = raw.get("index"), raw.get("count"), raw.get("recording_start")
    if not isinstance(index, int) or not isinstance(count, int):
        return None
    when = (datetime.fromisoformat(start.replace("Z", "+00:00"))
            if isinstance(start, str) and start else None)
    return Segment(index, count, when)
