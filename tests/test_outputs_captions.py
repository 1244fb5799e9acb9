"""SRT and WebVTT captions of zoom_assembly.outputs, checked with independent parsers."""

from __future__ import annotations

import io
import itertools
import random
from datetime import timedelta

import pytest
import srt
import webvtt

from zoom_assembly.models import Transcript, Word
from zoom_assembly.outputs import caption_cues, render_srt, render_vtt


def words_of(text: str, speaker: str | None = None, start: int = 0, step: int = 400) -> list[Word]:
    return [
        Word(w, start + i * step, start + i * step + step - 50, 0.9, speaker)
        for i, w in enumerate(text.split())
    ]


def transcript_of(*words: Word) -> Transcript:
    return Transcript(id="t", status="completed", words=tuple(words))


def conversation() -> Transcript:
    return transcript_of(
        *words_of("Good morning everyone, thanks for joining the call today.", "A"),
        *words_of("Happy to be here. Shall we start?", "B", start=4000),
        *words_of("Yes, let us go through the agenda.", "A", start=7000),
    )


def parse_srt(text: str) -> list[srt.Subtitle]:
    return list(srt.parse(text, ignore_errors=False))


def parse_vtt(text: str) -> list[webvtt.Caption]:
    captions: list[webvtt.Caption] = webvtt.from_buffer(io.StringIO(text)).captions
    return captions


def ms(value: timedelta) -> int:
    return round(value.total_seconds() * 1000)


def vtt_ms(stamp: str) -> int:
    hours, minutes, seconds = stamp.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def test_srt_is_numbered_from_one_and_parses() -> None:
    subtitles = parse_srt(render_srt(conversation()))
    assert [s.index for s in subtitles] == list(range(1, len(subtitles) + 1))
    assert len(subtitles) >= 3


def test_srt_cues_follow_word_timings() -> None:
    transcript = conversation()
    cues = caption_cues(transcript.words)
    subtitles = parse_srt(render_srt(transcript))
    assert [(ms(s.start), ms(s.end)) for s in subtitles] == [(c.start, c.end) for c in cues]
    starts = {w.start for w in transcript.words}
    ends = {w.end for w in transcript.words}
    assert all(ms(s.start) in starts and ms(s.end) in ends for s in subtitles)
    assert ms(subtitles[0].start) == 0 and ms(subtitles[-1].end) == transcript.words[-1].end


def test_srt_keeps_every_word_in_order() -> None:
    transcript = conversation()
    text = " ".join(s.content for s in parse_srt(render_srt(transcript)))
    text = text.replace("Speaker A: ", "").replace("Speaker B: ", "").replace("\n", " ")
    assert text.split() == [w.text for w in transcript.words]


def test_srt_prefixes_the_speaker_only_when_it_changes() -> None:
    contents = [s.content for s in parse_srt(render_srt(conversation()))]
    labelled = [c.split(":")[0] for c in contents if c.startswith("Speaker ")]
    assert labelled == ["Speaker A", "Speaker B", "Speaker A"]
    assert len(contents) > len(labelled)


def test_srt_uses_speaker_names_when_given() -> None:
    first = parse_srt(render_srt(conversation(), speaker_names={"A": "Alice"}))[0]
    assert first.content.startswith("Alice: Good morning")


def test_srt_timestamps_use_comma_and_three_digit_milliseconds() -> None:
    lines = render_srt(transcript_of(Word("Hi", 1_234, 5_678, 0.9))).splitlines()
    assert lines[:3] == ["1", "00:00:01,234 --> 00:00:05,678", "Hi"]


def test_srt_blocks_are_separated_by_blank_lines() -> None:
    text = render_srt(transcript_of(*words_of("One. Two.")))
    assert (
        text
        == "1\n00:00:00,000 --> 00:00:00,350\nOne.\n\n2\n00:00:00,400 --> 00:00:00,750\nTwo.\n\n"
    )


def test_srt_never_puts_an_arrow_inside_text() -> None:
    text = render_srt(transcript_of(*words_of("a --> b ---> c")))
    body = [line for line in text.splitlines() if line and not line[0].isdigit()]
    assert body and not any("-->" in line for line in body)


def test_vtt_starts_with_header_and_parses() -> None:
    text = render_vtt(conversation())
    assert text.startswith("WEBVTT\n\n")
    assert len(parse_vtt(text)) == len(caption_cues(conversation().words))


def test_vtt_cues_follow_word_timings() -> None:
    transcript = conversation()
    captions = parse_vtt(render_vtt(transcript))
    expected = [(c.start, c.end) for c in caption_cues(transcript.words)]
    assert [(vtt_ms(c.start), vtt_ms(c.end)) for c in captions] == expected


def test_vtt_uses_voice_tags_when_the_speaker_changes() -> None:
    captions = parse_vtt(render_vtt(conversation()))
    voices = [c.voice for c in captions if c.voice]
    assert voices == ["Speaker A", "Speaker B", "Speaker A"]
    assert captions[0].raw_text.startswith("<v Speaker A>Good morning")


def test_vtt_escapes_ampersand_and_angle_brackets() -> None:
    text = render_vtt(transcript_of(*words_of("Q&A <b>bold</b> a --> b")))
    cue_text = text.split("\n", 3)[3]
    assert "Q&amp;A &lt;b&gt;bold&lt;/b&gt; a --&gt; b" in cue_text
    assert "-->" not in cue_text and "<" not in cue_text


def test_vtt_escapes_speaker_names_in_voice_tags() -> None:
    text = render_vtt(transcript_of(*words_of("Hi", "A")), speaker_names={"A": "Tom <CEO>"})
    assert "<v Tom &lt;CEO&gt;>Hi" in text


def test_empty_transcript_gives_empty_srt_and_header_only_vtt() -> None:
    empty = transcript_of()
    assert render_srt(empty) == ""
    assert parse_srt(render_srt(empty)) == []
    assert render_vtt(empty) == "WEBVTT\n"
    assert parse_vtt(render_vtt(empty)) == []


def test_blank_words_never_make_an_empty_cue() -> None:
    transcript = transcript_of(
        Word(" ", 0, 100, 0.5), Word("", 100, 200, 0.5), Word("ok", 200, 300, 0.9)
    )
    subtitles = parse_srt(render_srt(transcript))
    assert [(s.content, ms(s.start)) for s in subtitles] == [("ok", 200)]


def test_cues_break_at_sentence_ends() -> None:
    cues = caption_cues(words_of("Yes. No? Maybe! Fine."))
    assert [c.lines for c in cues] == [("Yes.",), ("No?",), ("Maybe!",), ("Fine.",)]


def test_cues_break_at_speaker_changes() -> None:
    cues = caption_cues([*words_of("so then", "A"), *words_of("right", "B", start=800)])
    assert [(c.speaker, c.lines) for c in cues] == [
        ("Speaker A", ("so then",)),
        ("Speaker B", ("right",)),
    ]


def test_cues_break_at_pauses() -> None:
    cues = caption_cues([*words_of("before the pause"), *words_of("after it", start=3000)])
    assert [c.lines for c in cues] == [("before the pause",), ("after it",)]


def test_cues_respect_max_chars_in_at_most_two_lines() -> None:
    text = " ".join(f"word{i}" for i in range(60))
    for max_chars in (20, 42, 84):
        cues = caption_cues(words_of(text, step=50), max_chars=max_chars)
        assert all(len(c.lines) <= 2 for c in cues)
        assert all(len(" ".join(c.lines)) <= max_chars for c in cues)
        assert " ".join(" ".join(c.lines) for c in cues) == text


def test_cues_count_the_speaker_label_toward_max_chars() -> None:
    cues = caption_cues(words_of("aaaa bbbb cccc dddd eeee", "A", step=50), max_chars=30)
    assert len("Speaker A: ") + len(" ".join(cues[0].lines)) <= 30


def test_cues_last_at_most_max_duration() -> None:
    words = words_of(" ".join(["la"] * 40), step=900)
    cues = caption_cues(words, max_duration_ms=7000)
    assert len(cues) > 1
    assert all(c.end - c.start <= 7000 for c in cues)


def test_a_single_overlong_word_gets_its_own_cue() -> None:
    long_word = "x" * 200
    cues = caption_cues(
        [Word("a", 0, 10, 1.0), Word(long_word, 20, 30, 1.0), Word("b", 40, 50, 1.0)]
    )
    assert [c.lines for c in cues] == [("a",), (long_word,), ("b",)]


def test_zero_length_words_give_positive_non_overlapping_cues() -> None:
    words = [
        Word("One.", 1000, 1000, 0.9),
        Word("Two.", 1000, 1000, 0.9),
        Word("Three.", 1200, 1200, 0.9),
    ]
    cues = caption_cues(words)
    assert all(c.end > c.start for c in cues)
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))
    assert len(parse_vtt(render_vtt(transcript_of(*words)))) == 3
    assert len(parse_srt(render_srt(transcript_of(*words)))) == 3


def test_overlapping_word_timings_still_give_ordered_cues() -> None:
    words = [
        Word("Hello.", 0, 1500, 0.9, "A"),
        Word("Hi.", 1000, 1400, 0.9, "B"),
        Word("Yo.", 1450, 2000, 0.9, "A"),
    ]
    cues = caption_cues(words)
    assert [c.start for c in cues] == sorted(c.start for c in cues)
    assert all(c.end > c.start for c in cues)
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))


def test_timestamps_past_one_hour() -> None:
    hour = 3_600_000
    transcript = transcript_of(Word("late", 2 * hour + 61_001, 2 * hour + 62_999, 0.9))
    assert "02:01:01,001 --> 02:01:02,999" in render_srt(transcript)
    assert "02:01:01.001 --> 02:01:02.999" in render_vtt(transcript)
    assert ms(parse_srt(render_srt(transcript))[0].start) == 2 * hour + 61_001


def test_cjk_words_are_joined_without_spaces_in_captions() -> None:
    cues = caption_cues(words_of("今日 は 会議 です 。"))
    assert cues[0].lines == ("今日は会議です。",)


@pytest.mark.parametrize("seed", range(5))
def test_random_transcripts_give_valid_srt_and_vtt(seed: int) -> None:
    rng = random.Random(seed)
    words, clock = [], 0
    vocabulary = ["hello", "world.", "a", "b&c", "<x>", "-->", "question?", "", "naïve", "会議"]
    for _ in range(400):
        clock += rng.choice([0, 0, 10, 150, 400, 2500])
        length = rng.choice([0, 80, 300, 900])
        words.append(
            Word(rng.choice(vocabulary), clock, clock + length, 0.9, rng.choice(["A", "B", None]))
        )
        clock += length
    transcript = transcript_of(*words)
    subtitles = parse_srt(render_srt(transcript))
    captions = parse_vtt(render_vtt(transcript))
    assert len(subtitles) == len(captions) > 0
    for sub, cap in zip(subtitles, captions, strict=True):
        assert sub.content.strip() and cap.text.strip()
        assert ms(sub.end) > ms(sub.start)
        assert (vtt_ms(cap.start), vtt_ms(cap.end)) == (ms(sub.start), ms(sub.end))
        assert "-->" not in sub.content and "-->" not in cap.raw_text
    assert all(ms(a.end) <= ms(b.start) for a, b in itertools.pairwise(subtitles))


def test_two_line_split_picks_the_first_split_with_the_shortest_longer_line() -> None:
    # "aaaa | bbbb cccc" and "aaaa bbbb | cccc" both have a longest line of 9 characters.
    cues = caption_cues(words_of("aaaa bbbb cccc", step=50), max_chars=20)
    assert [c.lines for c in cues] == [("aaaa", "bbbb cccc")]


def test_two_line_split_counts_the_speaker_label_on_the_first_line() -> None:
    cues = caption_cues(words_of("aaaa bbbb cccc dddd", "A", step=50), max_chars=50)
    assert [(c.speaker, c.lines) for c in cues] == [("Speaker A", ("aaaa", "bbbb cccc dddd"))]


def test_mixed_cjk_and_latin_words_split_by_their_joined_length() -> None:
    cues = caption_cues(words_of("会議 は OK です ね 皆さん", step=50), max_chars=16)
    assert [c.lines for c in cues] == [("会議は OK", "ですね皆さん")]
