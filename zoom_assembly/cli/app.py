"""The ``transcribe-zoom`` Typer app: its root options and the commands registered in the
order ``--help`` lists them. Each command lives in :mod:`.commands` (one module per group) and
does the same thing: parse, build the objects, call one library function, render.

Imports of the heavy parts (SDK, HTTP stacks, the emulator) happen inside the commands so that
``--help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__
from .commands import backfill, check, emulator, folder, recordings, serve
from .commands.base import ACCEPTABLE, report
from .commands.base import configure_logging as _configure_logging
from .commands.emulator import EMULATOR_PICKS, emulator_banner

__all__ = ["ACCEPTABLE", "COMMANDS", "EMULATOR_PICKS", "_configure_logging", "app",
           "emulator_banner", "report"]

app = typer.Typer(
    name="transcribe-zoom",
    help=(
        "Transcribe Zoom cloud recordings with AssemblyAI.\n\n"
        "transcribe-zoom MEETING  transcribes one meeting (a numeric ID: every recorded "
        "instance; a UUID: that instance). Run `transcribe-zoom transcribe --help` for its "
        "options, or `transcribe-zoom demo` to see it work on the built-in emulator."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

COMMANDS = ("transcribe", "file", "backfill", "rename", "status", "check", "demo", "emulate",
            "serve")

app.command("transcribe")(recordings.transcribe)
app.command("file")(recordings.file_command)
app.command("backfill")(backfill.backfill_command)
app.command("rename")(folder.rename)
app.command("check")(check.check)
app.command("status")(folder.status)
app.command("demo")(emulator.demo)
app.command("emulate")(emulator.emulate)
app.command("serve")(serve.serve_command)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"transcribe-zoom {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version_callback, is_eager=True,
                     help="Show the version and exit."),
    ] = None,
) -> None:
    """Transcribe Zoom cloud recordings with AssemblyAI."""
