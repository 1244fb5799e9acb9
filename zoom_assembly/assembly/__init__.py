"""AssemblyAI: submit, follow and fetch transcripts through the official SDK, with retries."""

from .client import (
    AmbiguousSubmit,
    AssemblyClient,
    JobStatus,
    TranscriptionOptions,
)
from .failures import failure_kind, failure_reason

__all__ = [
    "AmbiguousSubmit",
    "AssemblyClient",
    "JobStatus",
    "TranscriptionOptions",
    "failure_kind",
    "failure_reason",
]
