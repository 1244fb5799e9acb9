"""Orchestration: one meeting or a backfill, through the ledger, to written transcripts."""

from .engine import Pipeline, PollPlan, RunOptions
from .meeting import meeting_instances
from .results import RecordingResult

__all__ = ["Pipeline", "PollPlan", "RecordingResult", "RunOptions", "meeting_instances"]
