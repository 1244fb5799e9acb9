"""Orchestration: one meeting or a backfill, through the ledger, to written transcripts."""

from .backfill import (
    PlanItem,
    Selection,
    backfill,
    backfill_plan,
    compile_topic,
    default_range,
    parse_day,
)
from .clients import ensure_out_dir
from .engine import Pipeline, TranscriptSource
from .meeting import meeting_instances
from .options import PollPlan, RunOptions, parse_formats
from .recording import Decision, Enricher, Policy, Recording, pay_for_all
from .results import RecordingResult
from .runs import transcribe_files, transcribe_meetings
from .sources import AudioSource, LocalFile, ZoomHandoff, ZoomStreamUpload, label_of

__all__ = [
    "AudioSource",
    "Decision",
    "Enricher",
    "LocalFile",
    "Pipeline",
    "PlanItem",
    "Policy",
    "PollPlan",
    "Recording",
    "RecordingResult",
    "RunOptions",
    "Selection",
    "TranscriptSource",
    "ZoomHandoff",
    "ZoomStreamUpload",
    "backfill",
    "backfill_plan",
    "compile_topic",
    "default_range",
    "ensure_out_dir",
    "label_of",
    "meeting_instances",
    "parse_day",
    "parse_formats",
    "pay_for_all",
    "transcribe_files",
    "transcribe_meetings",
]
