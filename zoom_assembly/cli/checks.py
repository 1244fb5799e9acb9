"""``transcribe-zoom check`` in words: the credentials, each scope, the AssemblyAI key."""

from __future__ import annotations

from ..checks import CheckReport


def check_lines(report: CheckReport) -> list[str]:
    lines: list[str] = []
    if report.zoom_error:
        lines.append(f"Zoom: {report.zoom_error}")
    else:
        lines.append(f"Zoom: credentials accepted ({report.zoom_url}).")
        for check in report.scopes:
            mark = "ok" if check.granted else ("absent" if check.optional else "missing")
            optional = ", optional" if check.optional else ""
            lines.append(f"  {mark:<7} {check.scope}  ({check.purpose}{optional})")
        if report.missing:
            lines.append("Add the missing scopes in the Zoom Marketplace (your app > Scopes), "
                         "then run `transcribe-zoom check` again.")
    if report.assemblyai_error:
        lines.append(f"AssemblyAI: {report.assemblyai_error}")
    else:
        lines.append(f"AssemblyAI: API key accepted ({report.assemblyai_url}).")
    return lines
