"""The speaker-names benchmark runs and reports (figures are printed, never asserted here)."""

from __future__ import annotations

import itertools

from benchmarks import speaker_names


def test_speaker_names_benchmark_runs_and_reports_every_figure() -> None:
    lines: list[str] = []
    assert speaker_names.main(["--meetings", "3"], out=lines.append) == 0
    text = "\n".join(lines)
    for figure in ("words right", "no name", "wrong", "speakers the timeline shows", "lag error"):
        assert figure in text


def test_benchmark_meetings_have_interjections_pauses_and_two_to_eight_speakers() -> None:
    counts = set()
    interjections = 0
    for seed in range(1, 40):
        words, speakers, _ = speaker_names.meeting_script(seed)
        counts.add(len(speakers))
        interjections += sum(w.text in speaker_names.INTERJECTIONS for w in words)
        gaps = [b.start - a.end for a, b in itertools.pairwise(words)]
        assert max(gaps) >= 5000
    assert min(counts) == 2 and max(counts) == 8 and interjections > 0
