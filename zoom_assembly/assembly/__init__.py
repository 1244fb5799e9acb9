"""AssemblyAI: submit, follow and fetch transcripts through the official SDK, with retries."""

from .client import (
    AmbiguousSubmit,
    AssemblyClient,
    JobStatus,
    TranscriptionOptions,
    to_transcript,
)

__all__ = [
    "AmbiguousSubmit",
    "AssemblyClient",
    "JobStatus",
    "TranscriptionOptions",
    "to_transcript",
]
