"""What reaches a terminal: no control characters from meeting data, tables in a useful order."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from zoom_assembly.cli.progress import Progress
from zoom_assembly.cli.render import Renderer, print_json_lines, print_summary
from zoom_assembly.events import Notice, RecordingDone
from zoom_assembly.models import MeetingInfo
from zoom_assembly.pipeline import RecordingResult

HOSTILE = "Weekly\n\x1b]0;owned\x07 sync\x1b[2J\x9b31m\u202eevil\rend"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\r", "\n")


def meeting(topic: str, day: int, meeting_id: int | None = 81234567890) -> MeetingInfo:
    return MeetingInfo(uuid=f"uuid-{day}==", id=meeting_id, topic=topic,
                       start_time=datetime(2026, 3, day, 15, 30, tzinfo=UTC))


def result(topic: str, day: int, meeting_id: int | None = 81234567890) -> RecordingResult:
    return RecordingResult(meeting=meeting(topic, day, meeting_id), recording_file_id=f"f{day}",
                           status="failed", error_code="x",
                           error_message=f"failed because\x1b[31m {topic}")


def test_control_characters_in_a_topic_never_reach_the_terminal_in_progress_lines() -> None:
    err = io.StringIO()
    renderer = Renderer(err=err)
    renderer(RecordingDone("f1", HOSTILE, "failed", detail="\x1b[1mboom\x07"))
    renderer(Notice(HOSTILE, warning=True))
    renderer.error(HOSTILE)
    text = err.getvalue()
    assert not any(c in text for c in RAW if c != "\n")
    assert text.count("\n") == 3  # one line per event: an embedded newline cannot fake another
    assert "\\x1b]0;owned\\x07" in text  # shown escaped, so the user sees what was there


def test_control_characters_never_reach_the_terminal_in_the_summary_table() -> None:
    out = io.StringIO()
    print_summary([result(HOSTILE, 3), result("[bold]markup[/] is text", 4)], out=out)
    text = out.getvalue()
    assert not any(c in text for c in RAW if c != "\n")
    assert "[bold]" in text  # a topic is text, never rich markup


def test_control_characters_never_reach_the_terminal_in_the_live_progress_line() -> None:
    err = io.StringIO()
    progress = Progress(Renderer(err=err), live=True, timer=False)
    with progress:
        progress(RecordingDone("f1", HOSTILE, "failed"))
    assert not any(c in err.getvalue() for c in RAW if c != "\n")


def test_json_lines_escape_c1_controls_and_bidi_overrides_and_keep_the_value() -> None:
    out = io.StringIO()
    print_json_lines([result(HOSTILE, 3)], out=out)
    line = out.getvalue()
    assert line.count("\n") == 1
    assert not any(c in line for c in RAW if c != "\n")
    assert json.loads(line)["meeting"]["topic"] == HOSTILE


def test_summary_table_is_sorted_by_start_time_and_shows_the_meeting_id() -> None:
    out = io.StringIO()
    print_summary([result("Late", 20, 81111111111), result("Early", 2, 82222222222),
                   result("Middle", 9, None)], out=out)
    text = out.getvalue()
    assert text.index("Early") < text.index("Middle") < text.index("Late")
    assert "82222222222" in text and "81111111111" in text
    header = text.splitlines()[1]
    assert " id " in header
