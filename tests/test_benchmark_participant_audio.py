"""The participant-audio benchmark runs and reports (figures are printed, never asserted)."""

from __future__ import annotations

import pytest

from benchmarks import participant_audio

pytestmark = pytest.mark.integration  # runs the benchmark (and the emulator): slow


def test_participant_audio_benchmark_reports_accuracy_and_both_modes_costs() -> None:
    lines: list[str] = []
    assert participant_audio.main(["--meetings", "3", "--bleed", "0.02"], out=lines.append) == 0
    text = "\n".join(lines)
    for figure in ("words right", "wrong", "silent participants", "merge CPU",
                   "audio hours billed", "AssemblyAI jobs"):
        assert figure in text
    assert "timeline:" in text and "participant_audio:" in text


def test_benchmark_meetings_have_crosstalk_and_some_silent_participants() -> None:
    crosstalk = silent = 0
    for seed in range(1, 30):
        words, participants = participant_audio.meeting(seed)
        crosstalk += sum(w.confidence == participant_audio.OVER for w in words)
        silent += sum(p not in {w.speaker for w in words} for p in participants)
    assert crosstalk > 0 and silent > 0
