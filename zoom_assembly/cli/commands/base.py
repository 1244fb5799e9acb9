"""What every command does around its one library call: logging, the renderer, the progress
sink, and results turned into a table or JSON Lines and an exit code."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ...errors import EXIT_FAILED, EXIT_OK
from ..exits import stdout_writes

if TYPE_CHECKING:
    from ...events import EventSink
    from ...pipeline import RecordingResult
    from ..render import Renderer


def _ours_or_warning(record: logging.LogRecord) -> bool:
    """At -v: our own debug lines, but only warnings from urllib3, httpx, asyncio, uvicorn..."""
    return record.name.split(".", 1)[0] == "zoom_assembly" or record.levelno >= logging.WARNING


def configure_logging(verbosity: int) -> None:
    from ...redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if verbosity < 2:
        handler.addFilter(_ours_or_warning)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbosity else logging.WARNING)


def make_renderer(verbose: int, quiet: bool) -> Renderer:
    from ..render import Renderer

    configure_logging(verbose)
    return Renderer(quiet=quiet, verbose=verbose > 0)


@contextmanager
def plain_progress(renderer: Renderer) -> Iterator[EventSink]:
    """Off a terminal (a log, CI), a long run also prints its counts line now and then."""
    if renderer.err.isatty():
        yield renderer
        return
    from ..progress import Progress

    with Progress(renderer, live=False) as progress:
        yield progress


# Statuses that do not fail a run, the same for one meeting and a backfill: "skipped" is a
# meeting with nothing to transcribe (only Zoom's own transcript, no audio file).
ACCEPTABLE = frozenset({"completed", "skipped"})


def report(results: Sequence[RecordingResult], *, json_out: bool, quiet: bool) -> int:
    """Print results (table or JSON lines) and return the exit code they add up to."""
    from ..render import print_json_lines, print_summary

    with stdout_writes():
        if json_out:
            print_json_lines(results)
        elif not quiet or any(not r.ok for r in results):
            print_summary(results)
    return EXIT_OK if all(r.status in ACCEPTABLE for r in results) else EXIT_FAILED
