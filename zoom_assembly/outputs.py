"""Render a finished transcript as txt / json / srt / vtt and write the files atomically.

No network here: captions are built from the service's word timings, which are copied, never
recomputed. Every file is written whole or not at all (temp file, fsync, ``os.replace``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from zoom_assembly import __version__
from zoom_assembly.errors import OutputError
from zoom_assembly.models import MeetingInfo, Transcript, Utterance, Word, iso_utc

FORMATS: tuple[str, ...] = ("txt", "json", "srt", "vtt")
SCHEMA_VERSION = 1
MAX_NAME_BYTES = 255
MAX_TOPIC_CHARS = 80

_FORBIDDEN_CHARS = frozenset('<>:"/\\|?*' + "`$'!;&")
_SENTENCE_END = (".", "?", "!", "…", "。", "？", "！")
_CLOSERS = "\"'”’)]»」』"
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

_WORD_KEYS = ("text", "start", "end", "confidence", "speaker")
_UTTERANCE_KEYS = ("speaker", "start", "end", "text", "confidence")

SpeakerNames = Mapping[str, str] | None


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
    budget = MAX_NAME_BYTES - len(stamp.encode()) - 1 - len(tail.encode())
    topic = _safe_topic(meeting.topic, budget) or "untitled"
    # Starting with the date stamp, it can never be a reserved device name (CON, NUL, COM1…).
    return f"{stamp}_{topic}{tail}"


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


def speaker_label(speaker: str, speaker_names: SpeakerNames = None) -> str:
    """``Speaker A`` for the service's ``A``, or the name mapped to ``A`` / ``Speaker A``."""
    default = f"Speaker {speaker}"
    if speaker_names:
        return speaker_names.get(speaker) or speaker_names.get(default) or default
    return default


def join_words(tokens: Sequence[str]) -> str:
    """Join word texts with spaces, except between two CJK characters (no spaces there)."""
    out = ""
    for token in tokens:
        if not token:
            continue
        if out and not (_CJK.match(out[-1]) and _CJK.match(token[0])):
            out += " "
        out += token
    return out


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith(_SENTENCE_END)


def _clean(text: str) -> str:
    return " ".join(text.split())


def render_txt(
    transcript: Transcript, meeting: MeetingInfo, speaker_names: SpeakerNames = None
) -> str:
    """Readable text: a short header, then one paragraph per speaker turn (or per few sentences)."""
    header = []
    if meeting.topic:
        header.append(f"Topic: {_clean(meeting.topic)}")
    if meeting.start_time is not None:
        header.append(f"Start: {iso_utc(meeting.start_time.astimezone(UTC))}")
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


def _turns(utterances: Sequence[Utterance], speaker_names: SpeakerNames) -> list[str]:
    turns: list[tuple[str, list[str]]] = []
    for utt in utterances:
        text = _clean(utt.text)
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
        text = _clean(word.text)
        if not text:
            continue
        if previous is not None and paragraphs[-1]:
            long_pause = word.start - previous.end >= pause_ms
            if long_pause or sentences >= sentences_per_paragraph:
                paragraphs.append([])
                sentences = 0
        paragraphs[-1].append(text)
        sentences += _ends_sentence(text)
        previous = word
    return [join_words(p) for p in paragraphs if p]


def _text_paragraphs(text: str, sentences_per_paragraph: int = 4) -> list[str]:
    sentences = [s for s in re.split(r"(?<=[.?!…。？！])\s+", _clean(text)) if s]
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
        "text": transcript.text,
        "words": [{k: getattr(w, k) for k in _WORD_KEYS} for w in transcript.words],
    }
    if transcript.utterances:
        # Utterance words are omitted: the top-level words already carry the speaker.
        doc["utterances"] = [
            {k: getattr(u, k) for k in _UTTERANCE_KEYS} for u in transcript.utterances
        ]
    return doc


# --- captions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """One caption: ms times, its lines of text, and the speaker label to show (if it changed)."""

    start: int
    end: int
    lines: tuple[str, ...]
    speaker: str | None = None


def caption_cues(
    words: Sequence[Word],
    *,
    max_chars: int = 84,
    max_duration_ms: int = 7000,
    max_gap_ms: int = 1000,
    speaker_names: SpeakerNames = None,
) -> list[Cue]:
    """Group words into ordered, non-overlapping cues of at most two lines.

    A cue ends at a sentence end, a speaker change, a pause of ``max_gap_ms``, or before it
    would exceed ``max_chars`` (speaker label included) or ``max_duration_ms``.
    """
    groups: list[tuple[str | None, list[Word]]] = []
    for word in words:
        if not _clean(word.text):
            continue
        if groups and not _breaks(groups[-1], word, max_chars, max_duration_ms, max_gap_ms):
            groups[-1][1].append(word)
            continue
        previous = groups[-1][1][-1].speaker if groups else None
        label = None
        if word.speaker is not None and word.speaker != previous:
            label = speaker_label(word.speaker, speaker_names)
        groups.append((label, [word]))
    cues: list[Cue] = []
    previous_end = 0
    for i, (label, group) in enumerate(groups):
        start = max(group[0].start, previous_end)
        end = max(w.end for w in group)
        if end <= start:
            # Zero-length words: show briefly, but never run into the next cue.
            next_start = groups[i + 1][1][0].start if i + 1 < len(groups) else start + 500
            end = max(min(start + 500, next_start), start + 1)
        tokens = [_clean(w.text) for w in group]
        cues.append(Cue(start, end, _two_lines(tokens, max_chars // 2, label), label))
        previous_end = end
    return cues


def _breaks(
    group: tuple[str | None, list[Word]], word: Word, max_chars: int, max_ms: int, max_gap: int
) -> bool:
    label, words = group
    last = words[-1]
    if word.speaker != last.speaker or _ends_sentence(last.text):
        return True
    if word.start - last.end >= max_gap or word.end - words[0].start > max_ms:
        return True
    prefix = len(label) + 2 if label else 0
    return prefix + len(join_words([_clean(w.text) for w in [*words, word]])) > max_chars


def _two_lines(tokens: list[str], line_chars: int, label: str | None) -> tuple[str, ...]:
    prefix = f"{label}: " if label else ""
    whole = join_words(tokens)
    if len(prefix) + len(whole) <= line_chars or len(tokens) < 2:
        return (whole,)
    best = min(
        range(1, len(tokens)),
        key=lambda i: max(len(prefix) + len(join_words(tokens[:i])), len(join_words(tokens[i:]))),
    )
    return (join_words(tokens[:best]), join_words(tokens[best:]))


def _timestamp(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def render_srt(
    transcript: Transcript,
    *,
    max_chars: int = 84,
    max_duration_ms: int = 7000,
    speaker_names: SpeakerNames = None,
    cues: Sequence[Cue] | None = None,
) -> str:
    """SubRip captions from the words; an empty string when there are no words."""
    blocks = []
    if cues is None:
        cues = caption_cues(transcript.words, max_chars=max_chars,
                            max_duration_ms=max_duration_ms, speaker_names=speaker_names)
    for number, cue in enumerate(cues, start=1):
        lines = list(cue.lines)
        if cue.speaker:
            lines[0] = f"{cue.speaker}: {lines[0]}"
        # An arrow inside the text would be read as a timing line.
        text = "\n".join(line.replace("-->", "→") for line in lines)
        timing = f"{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}"
        blocks.append(f"{number}\n{timing}\n{text}\n\n")
    return "".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(
    transcript: Transcript,
    *,
    max_chars: int = 84,
    max_duration_ms: int = 7000,
    speaker_names: SpeakerNames = None,
    cues: Sequence[Cue] | None = None,
) -> str:
    """WebVTT captions from the words, with ``<v Speaker>`` voice tags when the speaker changes."""
    parts = ["WEBVTT\n"]
    if cues is None:
        cues = caption_cues(transcript.words, max_chars=max_chars,
                            max_duration_ms=max_duration_ms, speaker_names=speaker_names)
    for cue in cues:
        lines = [_vtt_escape(line) for line in cue.lines]
        if cue.speaker:
            lines[0] = f"<v {_vtt_escape(cue.speaker)}>{lines[0]}"
        timing = f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}"
        parts.append(f"\n{timing}\n" + "\n".join(lines) + "\n")
    return "".join(parts)


# --- atomic writes ----------------------------------------------------------------------------


def _output_error(folder: Path, exc: OSError) -> OutputError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        advice = "free some space or choose another --out folder"
    else:
        advice = "choose another --out folder"
    reason = (exc.strerror or type(exc).__name__).lower()
    return OutputError(f"Cannot write to {folder}: {reason}; {advice}.")


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable too. Best effort: Windows and some network file systems refuse
    # to sync a directory, and the file's own data is already on disk.
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once; raises OutputError, leaving no temp file."""
    path = Path(path)
    folder = path.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        # 0o666 so the umask decides the final permissions, as for any ordinary file.
        fd = os.open(tmp, flags, 0o666)
    except OSError as exc:
        raise _output_error(folder, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _output_error(folder, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 :func:`atomic_write_bytes`; newlines are written as ``\\n`` on every platform."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _dump_json(doc: dict[str, object]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


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
    formats = (formats,) if isinstance(formats, str) else formats
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"Unknown output format(s): {', '.join(unknown)}; use {FORMATS}.")
    folder = Path(out_dir).absolute() / recording_folder_name(meeting, recording_file_id)
    # SRT and VTT share one set of cues: building them is most of the captions' cost.
    cues = (
        caption_cues(transcript.words, max_chars=84, max_duration_ms=7000,
                     speaker_names=speaker_names)
        if {"srt", "vtt"} & set(formats)
        else []
    )
    renderers: dict[str, Callable[[], str]] = {
        "txt": lambda: render_txt(transcript, meeting, speaker_names),
        "json": lambda: _dump_json(render_json(transcript, meeting, recording_file_id)),
        "srt": lambda: render_srt(transcript, speaker_names=speaker_names, cues=cues),
        "vtt": lambda: render_vtt(transcript, speaker_names=speaker_names, cues=cues),
    }
    rendered = {fmt: renderers[fmt]() for fmt in FORMATS if fmt in formats}
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(folder.parent, exc) from exc
    # A run killed mid-write (SIGKILL, power cut) leaves its temp files; the finished files
    # are whole (atomic rename), and rewriting them here is the moment to sweep the debris.
    for stale in folder.glob(".transcript.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    paths: dict[str, Path] = {}
    for fmt, text in rendered.items():
        path = folder / f"transcript.{fmt}"
        atomic_write_text(path, text)
        paths[fmt] = path
    return paths


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
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
