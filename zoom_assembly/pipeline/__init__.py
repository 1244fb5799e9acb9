"""Orchestration: one meeting or a backfill, through the ledger, to written transcripts."""

from .backfill import PlanItem, Selection, compile_topic, default_range, parse_day
from .engine import Pipeline, PollPlan, RunOptions
from .meeting import meeting_instances
from .results import RecordingResult
from .runs import (
    backfill,
    backfill_plan,
    ensure_out_dir,
    transcribe_files,
    transcribe_meetings,
)

__all__ = [
    "Pipeline",
    "PlanItem",
    "PollPlan",
    "RecordingResult",
    "RunOptions",
    "Selection",
    "backfill",
    "backfill_plan",
    "compile_topic",
    "default_range",
    "ensure_out_dir",
    "meeting_instances",
    "parse_day",
    "transcribe_files",
    "transcribe_meetings",
]
