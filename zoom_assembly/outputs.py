"""Render a finished transcript as txt / json / srt / vtt and write the files atomically.

No network here: captions are built from the service's word timings, which are copied, never
recomputed. Every file is written whole or not at all (temp file, fsync, ``os.replace``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO

import orjson

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
    )
    if not any(map(_spelled_differently, floats)):
        with contextlib.suppress(orjson.JSONEncodeError):
            return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_CONFIDENCE = attrgetter("confidence")


def _spelled_differently(value: object) -> bool:
    """True for a float that orjson and ``json.dumps`` would write differently."""
    return type(value) is float and value != 0.0 and not 1e-4 <= abs(value) < math.inf


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
    would exceed ``max_chars`` (speaker label included) or ``max_duration_ms``. One pass over
    the words: each group keeps its joined length, so no text is joined twice.
    """
    groups: list[_Group] = []
    group: _Group | None = None
    for word in words:
        token = _clean(word.text)
        if not token:
            continue
        if group is not None:
            last = group.last
            glue = 0 if (group.cjk_end and _is_cjk(token[0])) else 1
            if not (
                word.speaker != last.speaker
                or group.ends_sentence
                or word.start - last.end >= max_gap_ms
                or word.end - group.start > max_duration_ms
                or group.prefix + group.length + glue + len(token) > max_chars
            ):
                group.add(word, token, glue)
                continue
        label = None
        if word.speaker is not None and word.speaker != (group.last.speaker if group else None):
            label = speaker_label(word.speaker, speaker_names)
        group = _Group(label, word, token)
        groups.append(group)
    cues: list[Cue] = []
    previous_end = 0
    for i, group in enumerate(groups):
        start = max(group.start, previous_end)
        end = group.end
        if end <= start:
            # Zero-length words: show briefly, but never run into the next cue.
            next_start = groups[i + 1].start if i + 1 < len(groups) else start + 500
            end = max(min(start + 500, next_start), start + 1)
        cues.append(Cue(start, end, group.lines(max_chars // 2), group.label))
        previous_end = end
    return cues


class _Group:
    """The words of one cue in the making, with the length of their joined text."""

    __slots__ = ("cjk_end", "end", "ends_sentence", "glues", "label", "last", "length",
                 "prefix", "start", "tokens")

    def __init__(self, label: str | None, word: Word, token: str) -> None:
        self.label = label
        self.prefix = len(label) + 2 if label else 0
        self.start = word.start
        self.end = word.end
        self.tokens = [token]
        self.glues = [0]  # 1 where a space goes before the token (join_words' rule)
        self.length = len(token)
        self.last = word
        self.cjk_end = _is_cjk(token[-1])
        self.ends_sentence = _ends_sentence(word.text)

    def add(self, word: Word, token: str, glue: int) -> None:
        self.tokens.append(token)
        self.glues.append(glue)
        self.length += glue + len(token)
        if word.end > self.end:
            self.end = word.end
        self.last = word
        self.cjk_end = _is_cjk(token[-1])
        self.ends_sentence = _ends_sentence(word.text)

    def _join(self, first: int, stop: int) -> str:
        if first + 1 >= stop:
            return self.tokens[first] if first < stop else ""
        glues = self.glues
        if all(glues[first + 1 : stop]):
            return " ".join(self.tokens[first:stop])
        return self.tokens[first] + "".join(
            " " + t if g else t for t, g in zip(self.tokens[first + 1 : stop],
                                                glues[first + 1 : stop], strict=True)
        )

    def lines(self, line_chars: int) -> tuple[str, ...]:
        """One line, or two split where the longer line is shortest (first such split)."""
        prefix = len(self.label) + 2 if self.label else 0
        count = len(self.tokens)
        if prefix + self.length <= line_chars or count < 2:
            return (self._join(0, count),)
        best, best_width = 1, -1
        head = 0  # length of the first i tokens joined
        for i in range(1, count):
            head += self.glues[i - 1] + len(self.tokens[i - 1])
            tail = self.length - head - self.glues[i]
            width = max(prefix + head, tail)
            if best_width < 0 or width < best_width:
                best, best_width = i, width
        return (self._join(0, best), self._join(best, count))


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return code >= 0x3000 and bool(_CJK.match(char))


def _clock(ms: int) -> tuple[str, int]:
    """``HH:MM:SS`` and the milliseconds apart: SRT and VTT differ only in the separator."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}", millis


def render_captions(
    cues: Sequence[Cue], *, srt: bool = True, vtt: bool = True
) -> tuple[str, str]:
    """SubRip and WebVTT texts of ``cues`` in one pass (an unwanted one comes back empty).

    SRT prefixes the speaker (``Speaker A: …``) and never shows ``-->`` inside text (it would be
    read as a timing line); VTT escapes ``& < >`` and uses ``<v Speaker>`` voice tags.
    """
    srt_parts: list[str] = []
    vtt_parts: list[str] = ["WEBVTT\n"] if vtt else []
    for number, cue in enumerate(cues, start=1):
        start, start_ms = _clock(cue.start)
        end, end_ms = _clock(cue.end)
        lines = cue.lines
        if srt:
            first = f"{cue.speaker}: {lines[0]}" if cue.speaker else lines[0]
            text = "\n".join(line.replace("-->", "→") for line in (first, *lines[1:]))
            srt_parts.append(f"{number}\n{start},{start_ms:03d} --> {end},{end_ms:03d}\n"
                             f"{text}\n\n")
        if vtt:
            escaped = [_vtt_escape(line) for line in lines]
            if cue.speaker:
                escaped[0] = f"<v {_vtt_escape(cue.speaker)}>{escaped[0]}"
            text = "\n".join(escaped)
            vtt_parts.append(f"\n{start}.{start_ms:03d} --> {end}.{end_ms:03d}\n{text}\n")
    return "".join(srt_parts), "".join(vtt_parts)


def render_srt(
    transcript: Transcript,
    *,
    max_chars: int = 84,
    max_duration_ms: int = 7000,
    speaker_names: SpeakerNames = None,
    cues: Sequence[Cue] | None = None,
) -> str:
    """SubRip captions from the words; an empty string when there are no words."""
    if cues is None:
        cues = caption_cues(transcript.words, max_chars=max_chars,
                            max_duration_ms=max_duration_ms, speaker_names=speaker_names)
    return render_captions(cues, vtt=False)[0]


def _vtt_escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def render_vtt(
    transcript: Transcript,
    *,
    max_chars: int = 84,
    max_duration_ms: int = 7000,
    speaker_names: SpeakerNames = None,
    cues: Sequence[Cue] | None = None,
) -> str:
    """WebVTT captions from the words, with ``<v Speaker>`` voice tags when the speaker changes."""
    if cues is None:
        cues = caption_cues(transcript.words, max_chars=max_chars,
                            max_duration_ms=max_duration_ms, speaker_names=speaker_names)
    return render_captions(cues, srt=False)[1]


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


class AtomicFile:
    """The temporary file :func:`atomic_file` yields: what is written becomes the file."""

    __slots__ = ("_error", "_handle")

    def __init__(self, handle: BinaryIO, error: Callable[[OSError], Exception]) -> None:
        self._handle = handle
        self._error = error

    def write(self, data: bytes) -> None:
        try:
            self._handle.write(data)
        except OSError as exc:
            raise self._error(exc) from exc


@contextmanager
def atomic_file(
    path: str | os.PathLike[str], *, error: Callable[[OSError], Exception] | None = None
) -> Iterator[AtomicFile]:
    """Write ``path`` whole or not at all: the one atomic writer (outputs, ``--keep-audio``).

    Yields a temporary file beside ``path`` (``.<name>.<random>.tmp``, created exclusively with
    ordinary permissions). When the block ends normally the data is fsynced and renamed onto
    ``path`` (and the folder synced); when it raises (the consumer stopped early, the source
    broke, Ctrl-C) the temporary file is removed and ``path`` is left as it was. Our own I/O
    failures (create, write, sync, rename) become ``error(exc)`` (default: :class:`OutputError`
    naming the folder); exceptions from the block pass through unchanged.
    """
    target = Path(path)
    folder = target.parent
    to_error = error or (lambda exc: _output_error(folder, exc))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        # 0o666 so the umask decides the final permissions, as for any ordinary file.
        handle = os.fdopen(os.open(tmp, flags, 0o666), "wb")
    except OSError as exc:
        raise to_error(exc) from exc

    def discard() -> None:
        with contextlib.suppress(OSError):
            handle.close()
        tmp.unlink(missing_ok=True)

    try:
        yield AtomicFile(handle, to_error)
    except BaseException:
        discard()
        raise
    try:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(tmp, target)
    except OSError as exc:
        discard()
        raise to_error(exc) from exc
    except BaseException:
        discard()
        raise
    _fsync_dir(folder)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once; raises OutputError, leaving no temp file."""
    with atomic_file(path) as file:
        file.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 :func:`atomic_write_bytes`; newlines are written as ``\\n`` on every platform."""
    atomic_write_bytes(path, text.encode("utf-8"))


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
    wanted = set(formats)
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
    for fmt in FORMATS:
        if fmt in rendered:
            path = folder / f"transcript.{fmt}"
            atomic_write_bytes(path, rendered[fmt])
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
