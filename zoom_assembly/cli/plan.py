"""``backfill --dry-run``: what would be transcribed, how many audio hours, what it may cost."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from ..config import Settings
from ..errors import EXIT_OK
from ..events import EventSink
from ..pipeline import Decision, PlanItem, Selection, backfill_plan
from ..pipeline.backfill import predict_plan
from ..pipeline.pay_estimate import (
    FREE,
    PAID,
    PROBE,
    BillEstimate,
    Prediction,
    estimate_bill,
    planned_action,
)
from ..pipeline.pay_policy import PayRules
from .render import json_line, terminal_safe


def print_plan(
    selection: Selection,
    settings: Settings,
    out: Path,
    price_per_hour: float,
    *,
    json_out: bool,
    sink: EventSink,
    rules: PayRules | None = None,
    probe: Callable[[list[PlanItem]], dict[str, Decision]] | None = None,
    read_zoom_text: bool = True,
    ledger: str | None = None,
) -> int:
    """Print the plan (table, or JSON lines) and return exit code 0. ``probe``: decide the
    meetings that need a probe now (``--probe``), so the estimate is the bill; else
    (``read_zoom_text``) read their Zoom text (free) and predict each probe's outcome."""
    rules = rules or PayRules()
    items, done = backfill_plan(selection, settings, out, sink=sink, rules=rules,
                                ledger_url=ledger)
    todo = [i for i in items if not i.reason and i.recordings.meeting.uuid not in done]
    decided = probe(todo) if probe is not None else {}
    predicted: dict[str, Prediction] = {}
    if read_zoom_text and probe is None:
        predicted = predict_plan(todo, settings, rules, sink=sink, out_dir=out,
                                 ledger_url=ledger)
    bill = estimate_bill([(i.recordings, i.audio_seconds) for i in todo], rules, decided,
                         predicted)

    def action_of(item: PlanItem) -> str:
        uuid = item.recordings.meeting.uuid
        decision, guess = decided.get(uuid), predicted.get(uuid)
        if decision is not None:
            return PAID if decision.source == "assemblyai" else FREE
        if guess is not None and not guess.probed:
            return PAID if guess.paid else FREE
        return planned_action(item.recordings, rules)

    def predicted_of(item: PlanItem) -> str | None:
        guess = predicted.get(item.recordings.meeting.uuid)
        return None if guess is None else PAID if guess.paid else FREE

    if json_out:
        for item in items:
            meeting = item.recordings.meeting
            state = ("done" if meeting.uuid in done else "skip" if item.reason else "transcribe")
            pay = action_of(item) if state == "transcribe" else None
            decision, guess = decided.get(meeting.uuid), predicted.get(meeting.uuid)
            reason = decision.reason if decision else guess.reason if guess else None
            sys.stdout.write(json_line({"meeting": meeting.to_json(), "action": state,
                                        "audio_seconds": item.audio_seconds,
                                        "reason": item.reason or None, "pay": pay,
                                        "predicted": predicted_of(item) if pay else None,
                                        "decision_reason": reason}) + "\n")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    table = Table()
    for column in ("meeting", "id", "start (UTC)", "audio", "action"):
        table.add_column(column, overflow="fold")
    for item in sorted(items, key=_start_order):
        meeting = item.recordings.meeting
        when = meeting.start_time.strftime("%Y-%m-%d %H:%M") if meeting.start_time else "-"
        minutes = f"{(item.audio_seconds or 0) / 60:.0f} min" if item.audio_seconds else "-"
        action = ("already done" if meeting.uuid in done
                  else f"skip: {item.reason}" if item.reason
                  else _PAY_WORDS[action_of(item)] + _likely(predicted.get(meeting.uuid)))
        cells = (meeting.topic or meeting.uuid, meeting.id or "-", when, minutes, action)
        table.add_row(*(Text(terminal_safe(cell)) for cell in cells))
    console.print(table)
    for line in bill_lines(bill, len(todo), len(items), price_per_hour):
        console.print(Text(line))
    sent = (f"only the {len(decided)} probes, already decided and kept for the backfill"
            if decided else "nothing")
    console.print(f"({selection.start} to {selection.end}). Submitted: {sent}.")
    return EXIT_OK


_PAY_WORDS = {PAID: "transcribe (paid)", FREE: "Zoom's text (free)",
              PROBE: "probe, then Zoom's text or paid"}


def _likely(guess: Prediction | None) -> str:
    """A probe's predicted outcome, for the table."""
    if guess is None or not guess.probed:
        return ""
    return ": likely paid (Zoom's text reads garbled)" if guess.paid else ": likely Zoom's text"


def bill_lines(bill: BillEstimate, todo: int, listed: int, price: float) -> list[str]:
    """The dry run's summary: recordings and hours paid, free and probed, and the cost."""
    hours = {k: v / 3600 for k, v in bill.seconds.items()}
    probe_h, expected_h, most_h = (bill.probe_seconds / 3600, bill.expected_seconds / 3600,
                                   bill.most_seconds / 3600)
    least_h, later_h = bill.least_seconds / 3600, bill.predicted_paid_seconds / 3600
    lines = [
        f"{todo} of {listed} recordings to transcribe: {bill.counts[PAID]} paid "
        f"({hours[PAID]:.1f} audio h), {bill.counts[FREE]} free from Zoom's text "
        f"({hours[FREE]:.1f} h), {bill.counts[PROBE]} with a Zoom transcript to check by a "
        f"probe ({hours[PROBE]:.1f} h).",
        f"Estimated bill: probes {probe_h:.2f} h (${probe_h * price:.2f}) + transcription "
        f"{hours[PAID]:.1f} h (${hours[PAID] * price:.2f}) + {bill.predicted_paid} probed "
        f"recordings whose Zoom text reads garbled {later_h:.1f} h (${later_h * price:.2f}) "
        f"= {expected_h:.1f} h, about ${expected_h * price:.2f} at ${price:.2f}/h; between "
        f"{least_h:.1f} h (${least_h * price:.2f}) if every probe accepts Zoom's text and "
        f"{most_h:.1f} h (${most_h * price:.2f}) if none does.",
    ]
    if not bill.counts[PROBE]:
        lines[1] = (f"Estimated bill: {expected_h:.1f} audio hours, about "
                    f"${expected_h * price:.2f} at ${price:.2f}/h.")
    return lines


def _start_order(item: PlanItem) -> tuple[int, float]:
    start = item.recordings.meeting.start_time
    return (0, start.timestamp()) if start else (1, 0.0)
