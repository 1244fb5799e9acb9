"""``GET /``: a small status page for the operator (no secrets: the ledger holds none)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from ..ledger import Row

_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
          "td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}"
          ".failed{color:#a00}")


def status_page(rows: Sequence[Row], in_work: int) -> str:
    """Recent recordings with their state, source, failure reason and transcript links."""
    body = []
    for row in rows:
        links = " ".join(
            f'<a href="/transcripts/{quote(row.recording_file_id, safe="")}/{escape(fmt)}">'
            f"{escape(fmt)}</a>" for fmt in sorted(row.outputs))
        error = escape(row.error_message or "")
        body.append(
            f'<tr class="{escape(row.state)}"><td>{escape(row.topic or row.meeting_uuid or "")}'
            f"</td><td>{escape(row.start_time or '')}</td><td>{escape(row.state)}</td>"
            f"<td>{escape(row.transcript_source or '')}</td><td>{error}</td>"
            f"<td>{links}</td></tr>")
    table = "".join(body) or '<tr><td colspan="6">No recordings yet.</td></tr>'
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>transcribe-zoom serve</title>"
        f"<style>{_STYLE}</style></head><body><h1>transcribe-zoom serve</h1>"
        f"<p id=in-work>{in_work} meeting(s) in work.</p>"
        "<table id=recordings><thead><tr><th>Meeting</th><th>Start</th><th>State</th>"
        "<th>Source</th><th>Failure</th><th>Transcript</th></tr></thead>"
        f"<tbody>{table}</tbody></table></body></html>"
    )
