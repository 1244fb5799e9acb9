"""The pipeline of a Zoom run under the pay policy (``--source`` / ``--pay-for``): the policy,
Zoom's text as the free sources, and the run's probes kept out of the earlier-jobs index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..events import EventSink
from ..ledger import Ledger
from .clients import Clients
from .engine import Pipeline
from .options import RunOptions
from .pay_policy import (
    FREE_SOURCES,
    AssemblyProbe,
    PayPolicy,
    PayRules,
    WithoutProbes,
    ZoomTextSource,
)
from .recording import Enricher


def policy_pipeline(
    rules: PayRules, clients: Clients, ledger: Ledger, options: RunOptions, *,
    sink: EventSink, sleep: Callable[[float], None], jobs_since: datetime | None,
    probe_interval: float | None = None,
    enrichers: Sequence[Enricher] = (),
) -> Pipeline:
    """The pipeline for Zoom meetings under ``rules``, with Zoom's text as its free sources;
    a recording probed by an earlier run (its reason in the ledger) is not probed again.
    ``probe_interval``: how often a probe is checked (default the poll plan's shortest pause;
    a service whose jobs call back polls them slowly, but a probe has no callback)."""
    zoom_text = ZoomTextSource(clients.zoom, sleep=sleep)
    probe = AssemblyProbe(
        clients.assembly, speech_models=options.transcription.speech_models,
        seconds=rules.probe_seconds,
        interval=options.poll.min_interval if probe_interval is None else probe_interval,
        sleep=sleep,
    ) if rules.probes else None

    def earlier(file_id: str) -> str | None:
        row = ledger.get(file_id)
        return row.decision_reason if row is not None else None

    policy = PayPolicy(rules, zoom_text if rules.may_use_zoom else None, probe, earlier)
    pipeline = Pipeline(clients.zoom, clients.assembly, ledger, options, sink=sink, sleep=sleep,
                        jobs_since=jobs_since, policy=policy,
                        free_sources=dict.fromkeys(FREE_SOURCES, zoom_text), enrichers=enrichers)
    if probe is not None:
        pipeline.prior_jobs = WithoutProbes(pipeline.prior_jobs, probe)  # type: ignore[assignment]
    return pipeline
