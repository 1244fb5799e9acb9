"""Zoom's non-media recording files (TIMELINE, TRANSCRIPT, CC, CHAT, SUMMARY), download pages.

Their content follows the meeting's script, so Zoom's own transcript, the timeline's speaker turns
and AssemblyAI's words agree with each other.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import TYPE_CHECKING

from .scripts import join_words, sentences
from .timeline import active_speaker_entries

if TYPE_CHECKING:
    from .scenario import Meeting, RecordingFile, Scenario

CONTENT_TYPES = {
    "M4A": "audio/mp4",
    "MP4": "video/mp4",
    "VTT": "text/vtt",
    "JSON": "application/json",
    "TXT": "text/plain",
    "CSV": "text/csv",
}


def content_type(f: RecordingFile) -> str:
    return CONTENT_TYPES.get(f.file_extension, "application/octet-stream")


def _clock(ms: int, sep: str = ".") -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _person(scenario: Scenario, meeting: Meeting, name: str) -> dict[str, object]:
    digest = hashlib.sha256(f"{meeting.uuid}:{name}".encode()).hexdigest()
    host = scenario.user(meeting.host_id)
    is_host = host is not None and host.display_name == name
    local = ".".join(name.lower().split()) if name.isascii() else f"user.{digest[:8]}"
    return {
        "username": name,
        "user_id": 16778240 + int(digest[:6], 16),
        "zoom_userid": host.id if host and is_host else digest[:22],
        "email_address": host.email if host and is_host else f"{local}@example.com",
        "client_type": 0,
        "multiple_people": False,
    }


def timeline(scenario: Scenario, meeting: Meeting, f: RecordingFile | None = None
             ) -> dict[str, object]:
    """``{"timeline": [{"ts", "users"}]}``: the active speaker as Zoom's layout saw it (lagging,
    missing interjections, several users at once, a late start; see :mod:`.timeline`). A
    segment of a paused recording has its own, ``ts`` relative to the segment's start."""
    words, seed = scenario.script(meeting), meeting.seed
    if f is not None and f.span_ms is not None:
        from .scenario import span_words

        words, seed = span_words(words, f.span_ms), meeting.seed ^ f.span_ms[0]
    entries = active_speaker_entries(
        words, lambda name: _person(scenario, meeting, name), seed)
    return {"timeline": entries}


# What Zoom's English-only engine writes for speech in another language: English-looking words,
# mostly short and frequent ones, one per word heard (per two characters of Japanese).
_MISHEARD = (
    "the", "a", "so", "and", "in", "at", "my", "no", "say", "we", "all", "see", "to", "bill",
    "one", "pair", "key", "on", "ok", "yeah", "us", "that", "is", "it", "of", "for", "you",
    "day", "test", "out", "more", "any", "hello", "then", "with", "there", "low", "may",
    "car", "nice", "row", "so", "lost", "mine", "this", "be", "dust", "her", "sun", "go",
)


def misheard(word: str, language: str) -> str:
    """The English word Zoom's engine writes for ``word`` of another language."""
    pieces = max(1, len(word) // 2) if language.startswith("ja") else 1
    return " ".join(
        _MISHEARD[zlib.crc32(f"{word}:{i}".encode()) % len(_MISHEARD)] for i in range(pieces))


def zoom_vtt(scenario: Scenario, meeting: Meeting, *, garble: bool = False) -> str:
    """Zoom's own text: one cue per sentence, "Name: text". ``garble``: what the English-only
    engine of the audio transcript makes of a meeting in another language."""
    lines = ["WEBVTT", ""]
    english = meeting.language.split("_")[0] == "en"
    for n, sentence in enumerate(sentences(scenario.script(meeting)), 1):
        if garble and not english:
            text = " ".join(misheard(w.text, meeting.language) for w in sentence)
            text = text[:1].upper() + text[1:] + "."
        else:
            text = join_words([w.text for w in sentence], meeting.language)
        start, end = _clock(sentence[0].start), _clock(sentence[-1].end)
        lines += [str(n), f"{start} --> {end}", f"{sentence[0].speaker}: {text}", ""]
    return "\n".join(lines)


def chat(scenario: Scenario, meeting: Meeting) -> str:
    said = sentences(scenario.script(meeting))
    lines = []
    for sentence in said[3::17][:8]:
        text = join_words([w.text for w in sentence], meeting.language)
        stamp = _clock(sentence[0].start)[:8]
        lines.append(f"{stamp} From {sentence[0].speaker} to Everyone:\n\t{text}\n")
    return "".join(lines)


def summary(scenario: Scenario, meeting: Meeting) -> dict[str, object]:
    said = sentences(scenario.script(meeting))
    texts = [join_words([w.text for w in s], meeting.language) for s in said[:6]]
    return {
        "meeting_uuid": meeting.uuid,
        "summary_start_time": meeting.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary_end_time": meeting.end_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary_title": meeting.topic,
        "summary_overview": " ".join(texts[:2]),
        "summary_details": [{"label": "Discussion", "summary": " ".join(texts[2:5])}],
        "next_steps": texts[5:6],
    }


def render_text_file(scenario: Scenario, meeting: Meeting, f: RecordingFile) -> bytes:
    if f.file_type == "TIMELINE":
        return json.dumps(timeline(scenario, meeting, f), ensure_ascii=False).encode()
    if f.file_type == "TRANSCRIPT":  # Zoom's English-only engine
        return zoom_vtt(scenario, meeting, garble=True).encode()
    if f.file_type == "CC":  # live captions (a captioner, or captions in the meeting's language)
        return zoom_vtt(scenario, meeting).encode()
    if f.file_type == "CHAT":
        return chat(scenario, meeting).encode()
    if f.file_type == "SUMMARY":
        return json.dumps(summary(scenario, meeting), ensure_ascii=False).encode()
    return b""


_SCRIPT_CONFIG = json.dumps(
    {
        "page": "recording_download_error",
        "i18n": {f"rec.err.{n}": "Only the host and alternative hosts can download this"
                 for n in range(40)},
        "cdn": "https://st1.zoom.us/web_client/static",
    },
    separators=(",", ":"),
)

NO_PERMISSION_HTML = f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>Error - Zoom</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>window.__ZM_CONFIG__={_SCRIPT_CONFIG};</script>
</head>
<body class="zm-error-page">
<div class="error-container">
<h1>This recording does not exist or you do not have permission to access it.</h1>
<p>Only the host and alternative hosts can download this recording. Please sign in with an
account that has access, or ask the host to share the recording with you.</p>
<a href="https://zoom.us/signin">Sign in</a>
</div>
</body>
</html>
"""
