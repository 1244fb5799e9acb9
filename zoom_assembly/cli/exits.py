"""How a command ends: every library error, signal and closed pipe becomes one sentence on
stderr (and with ``--json`` one JSON object on stdout) and its documented exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import typer

from ..errors import EXIT_FAILED, Terminated, TranscribeZoomError
from .render import Renderer

# Exit codes beyond the 0-3 contract, as a shell reports a process killed by the signal.
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_BROKEN_PIPE = 141  # stdout closed early (`... --json | head -1`): SIGPIPE
EXIT_TERMINATED = 143  # SIGTERM


class _StdoutGone(Exception):
    """Whoever read stdout went away (``| head -1``)."""


@contextmanager
def stdout_writes() -> Iterator[None]:
    """Around writes to stdout: a closed pipe is the reader's choice, not an error of ours."""
    try:
        yield
    except BrokenPipeError:
        raise _StdoutGone() from None


def silence_stdout() -> None:
    # What the Python docs advise for SIGPIPE: point stdout at devnull so the interpreter's
    # final flush does not fail a second time.
    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())


@dataclass
class Run:
    """What a fatal error needs to be reported: where, in which form, and how to resume."""

    renderer: Renderer
    json_out: bool = False
    resume: str = "run the same command again"

    def fatal(self, code: str, message: str, exit_code: int) -> typer.Exit:
        self.renderer.error(message)
        if self.json_out:  # automation reading stdout sees the error too
            from .render import json_line

            with suppress(OSError, ValueError):
                sys.stdout.write(json_line({"error": {"code": code, "message": message},
                                            "exit": exit_code}) + "\n")
                sys.stdout.flush()
        return typer.Exit(exit_code)


@contextmanager
def errors_to_exit(
    renderer: Renderer, *, json_out: bool = False, resume: str = "run the same command again"
) -> Iterator[Run]:
    """Every library error becomes one sentence on stderr (and with ``--json`` one JSON object
    on stdout) and its documented exit code."""
    run = Run(renderer, json_out, resume)
    try:
        yield run
    except TranscribeZoomError as exc:
        message = exc.message
        if exc.resumable:
            message = f"{message.rstrip('.')}. To resume, {run.resume}."
        raise run.fatal(exc.code, message, exc.exit_code) from None
    except (_StdoutGone, BrokenPipeError):
        # No subprocess or raw socket here: a broken pipe is stdout or stderr going away
        # (`2>&1 | head -1` breaks stderr too, e.g. under the progress line).
        silence_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        raise run.fatal(
            "terminated" if terminated else "interrupted",
            f"Stopped; finished transcripts are kept and jobs in flight are recorded: "
            f"{run.resume} to resume without paying twice.",
            EXIT_TERMINATED if terminated else EXIT_INTERRUPTED,
        ) from None
    except typer.Exit:
        raise
    except Exception as exc:
        from ..redact import redact

        if renderer.verbose:
            import traceback

            renderer.err.write(redact("".join(traceback.format_exc())))
        raise run.fatal(
            "internal_error",
            f"Unexpected {type(exc).__name__}: {redact(str(exc))} (a bug: please report it; "
            "rerun with -v for details).",
            EXIT_FAILED,
        ) from None
