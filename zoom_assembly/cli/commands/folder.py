"""``rename`` and ``status``: commands that work on an output folder, with no API call."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..exits import errors_to_exit, stdout_writes
from ..options import JsonOpt, LedgerOpt, OutOpt
from .base import make_renderer


def rename(
    folder: Annotated[Path, typer.Argument(
        help="A recording's output folder (the one holding transcript.json).")],
    names: Annotated[list[str], typer.Argument(
        help='LABEL="Name" pairs, e.g. A="Maya Chen" B="佐藤 陽翔"; LABEL= forgets a name.',
        show_default=False)],
    json_out: JsonOpt = False,
) -> None:
    """Give speakers names (or fix them) in a transcript already written: rewrites its files
    from transcript.json, with no API call."""
    renderer = make_renderer(0, False)
    with errors_to_exit(renderer, json_out=json_out):
        from ...renaming import parse_assignments, rename_speakers

        written = rename_speakers(folder, parse_assignments(names))
        with stdout_writes():
            if json_out:
                import json

                typer.echo(json.dumps({
                    "folder": str(folder), "speakers": written.speakers,
                    "files": {fmt: str(p) for fmt, p in written.files.items()}},
                    ensure_ascii=False))
            else:
                from ..render import terminal_safe

                for label, name in written.speakers.items():
                    typer.echo(terminal_safe(f"Speaker {label}: {name or '(no name)'}"))
                typer.echo(terminal_safe(f"Rewrote {', '.join(sorted(written.files))} in "
                                         f"{folder}"))


def status(
    out: OutOpt = Path("transcripts"),
    json_out: JsonOpt = False,
    ledger: LedgerOpt = None,
) -> None:
    """Summarise the ledger in --out (no API calls): counts, failures, audio hours."""
    renderer = make_renderer(0, False)
    with errors_to_exit(renderer, json_out=json_out), stdout_writes():
        from ..status import print_status

        print_status(out, json_out=json_out, ledger=ledger)
