"""Progress off a terminal: a long run says it is alive with plain counts lines."""

from __future__ import annotations

import io

from zoom_assembly.cli.progress import Progress
from zoom_assembly.cli.render import Renderer
from zoom_assembly.events import RecordingDone, RecordingStage


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def progress_lines(err: io.StringIO) -> list[str]:
    return [line for line in err.getvalue().splitlines() if line.startswith("progress:")]


def test_plain_progress_lines_are_printed_periodically_when_stderr_is_not_a_terminal() -> None:
    err, clock = io.StringIO(), FakeClock()
    progress = Progress(Renderer(err=err), live=False, clock=clock, every=10.0, timer=False)
    with progress:
        progress(RecordingStage("f1", "Sync", "listed"))
        progress.tick()
        assert progress_lines(err) == []  # a short run prints no progress line at all
        clock.now += 10.0
        progress.tick()  # no event for a while (e.g. listing empty months): still a line
        assert progress_lines(err) == [
            "progress: listed 1  submitted 0  completed 0  failed 0  skipped 0  audio 0.0 h"]
        clock.now += 4.0
        progress(RecordingDone("f1", "Sync", "completed", audio_duration=1800))
        assert len(progress_lines(err)) == 1
        clock.now += 6.0
        progress(RecordingStage("f2", "Other", "listed"))
    assert progress_lines(err)[-1].startswith("progress: listed 2  submitted 0  completed 1")
    assert len(progress_lines(err)) == 2


def test_quiet_runs_print_no_progress_lines() -> None:
    err, clock = io.StringIO(), FakeClock()
    progress = Progress(Renderer(err=err, quiet=True), live=False, clock=clock, every=1.0,
                        timer=False)
    clock.now += 5
    progress.tick()
    assert err.getvalue() == ""
