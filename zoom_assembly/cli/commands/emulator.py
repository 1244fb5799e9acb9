"""``demo`` (the whole job on the built-in emulator) and ``emulate`` (the emulator alone, in
the foreground, with the settings to point the tool at it)."""

from __future__ import annotations

import shlex
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any

import typer

from ...errors import UsageError
from ..exits import _StdoutGone, errors_to_exit, stdout_writes
from ..options import OUTPUT, Flags, shared
from ..resume import resume_command
from .base import make_renderer, report


@shared(OUTPUT, out=Path("transcripts-demo"))
def demo(ctx: typer.Context, *, flags: Flags) -> None:
    """Run the whole job on the built-in emulator: no credentials, no network."""
    renderer = make_renderer(flags.verbose, flags.quiet)
    with errors_to_exit(renderer, json_out=flags.json_out,
                         resume=f"run `{resume_command(ctx)}` again"):
        from ...demo import run_demo

        results = run_demo(flags.out, renderer=renderer)
        code = report(results, json_out=flags.json_out, quiet=flags.quiet)
    raise typer.Exit(code)


def emulate(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")
    ] = 8765,
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario JSON (default: built-in).")
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="AssemblyAI jobs processed at once.")
    ] = 5,
    speed: Annotated[
        float, typer.Option("--speed", min=0.01, help="Real-time factor of transcription.")
    ] = 60.0,
) -> None:
    """Run the local Zoom + AssemblyAI emulator in the foreground and print its settings."""
    renderer = make_renderer(0, False)
    with errors_to_exit(renderer):
        from ...emulator import serve_forever

        def ready(emu: Any) -> None:
            with stdout_writes():
                for line in emulator_banner(emu):
                    typer.echo(line)

        if scenario is not None and not scenario.is_file():
            raise UsageError(f"The scenario file {scenario} does not exist.", code="bad_scenario")
        try:
            with suppress(KeyboardInterrupt):
                serve_forever(host, port, scenario_path=scenario, concurrency=concurrency,
                              speed=speed, on_ready=ready)
        except (_StdoutGone, BrokenPipeError):
            raise _StdoutGone() from None
        except OSError as exc:
            raise UsageError(
                f"Cannot listen on {host}:{port} ({exc.strerror or exc}); choose another "
                "--port (0 picks a free one) or stop what is using it.",
                code="port_unavailable",
            ) from None


# Meetings of the built-in scenario worth trying first: (tag, by id or UUID, what it shows).
EMULATOR_PICKS = (
    ("recurring", "id", "every instance of a recurring meeting"),
    ("spanish", "uuid", "a Spanish meeting"),
    ("uuid_double_slash", "uuid", "an instance UUID containing //"),
)


def emulator_banner(emu: Any) -> list[str]:
    """What ``emulate`` prints once listening: the variables to use it and meetings to try."""
    from ..render import terminal_safe

    lines = [f"Emulator listening on {emu.base_url} (Ctrl-C to stop).",
             "Point transcribe-zoom at it with:"]
    lines += [f"export {key}={shlex.quote(value)}" for key, value in emu.env().items()]
    tries = []
    for tag, kind, what in EMULATOR_PICKS:
        try:
            meeting = emu.scenario.find(tag)
        except KeyError:  # a --scenario file without that kind of meeting
            continue
        ref = str(meeting.id) if kind == "id" else meeting.uuid
        tries.append(terminal_safe(f"  transcribe-zoom {shlex.quote(ref)}   # {what}: "
                                   f"{meeting.topic}"))
    if tries:
        lines += ["Then try:", *tries]
    lines.append(f"Stats: {emu.base_url}/_emulator/stats")
    return lines
