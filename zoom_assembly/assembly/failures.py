"""What a failed AssemblyAI job means for us: worth one resubmission, and of which kind."""

from __future__ import annotations

DOWNLOAD = "download"  # AssemblyAI could not fetch the audio (expired URL, HTML instead)
SERVER = "server"  # AssemblyAI's own trouble: resubmitting usually works


def failure_kind(error: str) -> str:
    """``"download"``, ``"server"``, or ``""`` for failures a resubmission would not fix
    (e.g. ``Audio duration is too short.``). AssemblyAI's error texts start with the kind."""
    lowered = error.strip().lower()
    if lowered.startswith(("download error", "file does not appear to contain audio")):
        return DOWNLOAD
    if lowered.startswith("server error"):
        return SERVER
    return ""


def failure_reason(error: str) -> str:
    """AssemblyAI's text, or a plainer one for an HTML page served instead of audio."""
    if "text/html" in error.lower():
        return ("Zoom answered AssemblyAI's download with an HTML page instead of audio "
                "(the download token was refused)")
    return error.rstrip(".")
