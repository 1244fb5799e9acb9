"""AssemblyAI: submit, follow and fetch transcripts through the official SDK, with retries."""

from .client import (
    AmbiguousSubmit,
    AssemblyClient,
    JobStatus,
    TranscriptionOptions,
)

__all__ = [
    "AmbiguousSubmit",
    "AssemblyClient",
    "JobStatus",
    "TranscriptionOptions",
]
