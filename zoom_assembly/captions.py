"""Captions: words grouped into cues, cues written as SubRip (SRT) and WebVTT.

Cue times are the service's word timings, copied, never recomputed. One pass over the words
makes the cues (:func:`caption_cues`), one pass over the cues writes both formats
(:func:`render_captions`). The word-joining rules here (no spaces between CJK characters,
sentence ends, speaker labels) are the plain text's too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from zoom_assembly.models import Transcript, Word

_SENTENCE_END = (".", "?", "!", "…", "。", "？", "！")
_CLOSERS = "\"'”’)]»」』"
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

SpeakerNames = Mapping[str, str] | None


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


def ends_sentence(text: str) -> bool:
    """Whether a word or text ends a sentence (closing quotes and brackets looked through)."""
    return text.rstrip(_CLOSERS).endswith(_SENTENCE_END)


def clean_text(text: str) -> str:
    """Whitespace runs (newlines included) collapsed to single spaces, ends trimmed."""
    return " ".join(text.split())


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
        token = clean_text(word.text)
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
        self.ends_sentence = ends_sentence(word.text)

    def add(self, word: Word, token: str, glue: int) -> None:
        self.tokens.append(token)
        self.glues.append(glue)
        self.length += glue + len(token)
        if word.end > self.end:
            self.end = word.end
        self.last = word
        self.cjk_end = _is_cjk(token[-1])
        self.ends_sentence = ends_sentence(word.text)

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
