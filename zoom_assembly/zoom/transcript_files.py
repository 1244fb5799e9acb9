"""Zoom's own text of a meeting: the ``audio_transcript`` (TRANSCRIPT) and ``closed_caption``
(CC) WebVTT files, chosen, downloaded and parsed into a :class:`~zoom_assembly.models.Transcript`.

Zoom gives one timing per cue, not per word: each cue becomes one entry (``timing: "cue"``);
no word timing is invented. Speakers are the names of the ``Name: text`` cues.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import NoZoomText, TranscribeZoomError
from ..langid import identify
from ..models import SpeakerName, Transcript, Utterance, Word
from ..retry import RetryPolicy, Verdict, retry_call
from .client import ZoomClient
from .recordings import MeetingRecordings, RecordingFile

# file_type -> transcript.json ``source``; the transcript first: it covers the whole recording,
# captions only what was captioned live.
TEXT_SOURCES = {"TRANSCRIPT": "zoom_transcript", "CC": "zoom_captions"}
MAX_VTT_BYTES = 64 * 1024 * 1024  # a 24-hour meeting's VTT is a few MB
_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})")
_ARROW = re.compile(rf"^\s*({_TIME.pattern})\s+-->\s+({_TIME.pattern})")
_SPEAKER = re.compile(r"^([^:\n]{1,80}?):\s+(.*)$", re.DOTALL)
_TAG = re.compile(r"</?[^>]+>")


@dataclass(frozen=True)
class ZoomText:
    """One of Zoom's text files of a meeting and the ``source`` it gives."""

    file: RecordingFile
    source: str  # zoom_transcript | zoom_captions


def zoom_text_files(recordings: MeetingRecordings) -> list[ZoomText]:
    """The meeting's completed transcript and caption files, best first."""
    found = [
        ZoomText(f, TEXT_SOURCES[f.file_type])
        for f in recordings.files
        if f.file_type in TEXT_SOURCES and f.completed and f.download_url
    ]
    order = list(TEXT_SOURCES)
    return sorted(found, key=lambda t: order.index(t.file.file_type))


def _ms(match: re.Match[str], offset: int) -> int:
    hours, minutes, seconds, millis = (match.group(offset + i) for i in range(4))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def parse_vtt(text: str, *, transcript_id: str, source: str) -> Transcript:
    """A WebVTT of ``Name: text`` cues as a transcript: one entry per cue, cue timings,
    speakers named after the cue's name (cues without a name keep no speaker)."""
    words: list[Word] = []
    utterances: list[Utterance] = []
    labels: dict[str, str] = {}  # cue name -> label (A, B, ... in order of first words)
    for block in re.split(r"\r?\n\s*\r?\n", text.replace("\ufeff", "")):
        lines = [line for line in block.splitlines() if line.strip()]
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue  # the header, NOTE and STYLE blocks
        match = _ARROW.match(lines[timing])
        if match is None:
            continue
        start, end = _ms(match, 2), _ms(match, 7)
        body = _TAG.sub("", " ".join(line.strip() for line in lines[timing + 1:])).strip()
        if not body:
            continue
        named = _SPEAKER.match(body)
        name, said = (named.group(1).strip(), named.group(2).strip()) if named else (None, body)
        if not said:
            continue
        speaker = labels.setdefault(name, _label(len(labels))) if name else None
        words.append(Word(said, start, max(start, end), 1.0, speaker))
        if speaker is not None:
            if utterances and utterances[-1].speaker == speaker:
                last = utterances[-1]
                utterances[-1] = Utterance(speaker, last.start, max(last.end, end),
                                           f"{last.text} {said}", 1.0)
            else:
                utterances.append(Utterance(speaker, start, max(start, end), said, 1.0))
    full = " ".join(w.text for w in words)
    guess = identify(full)
    return Transcript(
        id=transcript_id,
        status="completed",
        text=full,
        language_code=guess.language,
        language_confidence=guess.confidence if guess.language else None,
        audio_duration=round(words[-1].end / 1000) if words else None,
        words=tuple(words),
        utterances=tuple(utterances) if utterances and len(utterances) and all(
            w.speaker for w in words) else None,
        source=source,
        timing="cue",
        # Zoom names every cue itself: exact attribution, so full confidence.
        speakers={label: SpeakerName(name, source, 1.0) for name, label in labels.items()},
    )


def _label(index: int) -> str:
    """A, B, ... Z, AA, AB, ...: the labels AssemblyAI uses, for Zoom's named speakers."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _judge(exc: Exception) -> Verdict:
    if isinstance(exc, TranscribeZoomError) and exc.retryable:
        return Verdict(retry=True, reason=exc.code)
    return Verdict(retry=False)


def download_text(
    zoom: ZoomClient, text: ZoomText, *, label: str,
    policy: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
) -> str:
    """The file's text, fetched like audio: the app's Bearer token (a fresh one each try)
    only to Zoom's hosts, a broken or refused download tried again, a web page refused."""
    what = f"Zoom's {'transcript' if text.source == 'zoom_transcript' else 'captions'} of " \
           f"'{label}'"

    def attempt() -> bytes:
        chunks: list[bytes] = []
        size = 0
        with zoom.open_download(text.file, what=what) as stream:
            for chunk in stream:
                size += len(chunk)
                if size > MAX_VTT_BYTES:
                    raise NoZoomText(f"{what} is larger than a transcript can be; transcribe "
                                     "the meeting with --source assemblyai.")
                chunks.append(chunk)
        return b"".join(chunks)

    body = retry_call(attempt, judge=_judge, policy=policy or RetryPolicy(), sleep=sleep)
    return body.decode("utf-8", errors="replace")


def fetch_zoom_text(
    zoom: ZoomClient, recordings: MeetingRecordings, *,
    policy: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
) -> Transcript:
    """The meeting's best Zoom text as a transcript; :class:`NoZoomText` when it has none."""
    label = recordings.meeting.topic or recordings.meeting.uuid
    texts = zoom_text_files(recordings)
    if not texts:
        raise NoZoomText(
            f"'{label}' has no Zoom transcript or captions (yet); run again once Zoom has made "
            "one, or transcribe it with --source assemblyai."
        )
    best = texts[0]
    transcript = parse_vtt(download_text(zoom, best, label=label, policy=policy, sleep=sleep),
                           transcript_id=f"zoom:{best.file.id}", source=best.source)
    if not transcript.words:
        raise NoZoomText(f"Zoom's text of '{label}' is empty; transcribe it with --source "
                         "assemblyai.")
    return transcript
