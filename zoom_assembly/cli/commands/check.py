"""``check``: the Zoom app credentials and scopes, and the AssemblyAI key."""

from __future__ import annotations

import typer

from ..exits import errors_to_exit, stdout_writes
from ..options import CREDENTIALS, Flags, VerboseOpt, shared
from .base import make_renderer


@shared(CREDENTIALS)
def check(verbose: VerboseOpt = 0, *, flags: Flags) -> None:
    """Check the Zoom app credentials and scopes, and the AssemblyAI key."""
    renderer = make_renderer(verbose, False)
    with errors_to_exit(renderer):
        from ...checks import run_checks
        from ..checks import check_lines
        from ..render import terminal_safe

        found = run_checks(flags.settings(renderer))
        with stdout_writes():
            for line in check_lines(found):
                typer.echo(terminal_safe(line))
    raise typer.Exit(found.exit_code)
