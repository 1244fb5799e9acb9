"""The entry point: which command ``transcribe-zoom MEETING`` means, signals, and how a run ends
when its output or its parsing fails before a command runs."""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from contextlib import suppress
from types import FrameType

import typer

from ..errors import Terminated
from .app import COMMANDS, app
from .exits import EXIT_BROKEN_PIPE, silence_stdout


def _options_taking_values() -> frozenset[str]:
    """Every option name of every command that is followed by a value (``-o DIR``)."""
    group = typer.main.get_command(app)
    commands = [group, *getattr(group, "commands", {}).values()]
    return frozenset(
        name
        for command in commands
        for param in command.params
        if param.param_type_name == "option"
        and not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        for name in param.opts
    )


def route_default_command(argv: Sequence[str]) -> list[str]:
    """``transcribe-zoom MEETING ...`` means ``transcribe-zoom transcribe MEETING ...``.

    The command is the first word that is neither an option nor an option's value, so in
    ``-o check 81234567890`` "check" is a folder and the meeting is transcribed.
    """
    args = list(argv)
    if not args or args[0] in ("-h", "--help", "--version"):
        return args
    takes_value = _options_taking_values()
    first: str | None = None
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            first = args[i + 1] if i + 1 < len(args) else None
            break
        if word.startswith("-") and word != "-":
            i += 2 if word in takes_value else 1
            continue
        first = word
        break
    if first is None or first in COMMANDS:
        return args
    return ["transcribe", *args]


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def _click_exception() -> type[Exception]:
    try:
        from typer._click.exceptions import ClickException  # typer >= 0.24 vendors click
    except ImportError:  # pragma: no cover - older typer
        from click.exceptions import ClickException  # type: ignore[assignment]
    return ClickException


def _run_app(args: list[str]) -> None:
    """Run the app; with ``--json`` a usage error found while parsing (an unknown option, a
    missing value) is also one JSON object on stdout, like every other fatal error."""
    options = args[:args.index("--")] if "--" in args else args
    if "--json" not in options:
        app(args=args, prog_name="transcribe-zoom")
        return
    try:
        code = app(args=args, prog_name="transcribe-zoom", standalone_mode=False)
    except _click_exception() as exc:
        exc.show()  # type: ignore[attr-defined]
        exit_code = int(getattr(exc, "exit_code", 2))
        from .render import json_line

        message = exc.format_message()  # type: ignore[attr-defined]
        sys.stdout.write(json_line({"error": {"code": "usage", "message": message},
                                    "exit": exit_code}) + "\n")
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    args = route_default_command(sys.argv[1:] if argv is None else argv)
    with suppress(ValueError):  # not the main thread: leave signals alone
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            _run_app(args)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
