"""The dry run's bill: planned actions from file lists, predictions from Zoom's text, and the
"garbled English" signal they rest on (tested on text the emulator did not write)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from zoom_assembly.emulator.garble import sound_alike
from zoom_assembly.emulator.scripts import SENTENCES
from zoom_assembly.langid import english_fluency
from zoom_assembly.pipeline.pay_estimate import (
    FREE,
    PAID,
    PROBE,
    SKIP,
    Prediction,
    estimate_bill,
    planned_action,
    predict_from_text,
)
from zoom_assembly.pipeline.pay_policy import PayPolicy, PayRules
from zoom_assembly.pipeline.recording import Recording
from zoom_assembly.pipeline.sources import NoAudioFile
from zoom_assembly.zoom import MeetingRecordings, parse_meeting

from .factories import meeting as meeting_payload
from .factories import recording_file

# Fluent meeting English, written for these tests (not the emulator's sentence bank), with the
# disfluencies of speech: repeated words, fillers, pronouns that stand alone.
MEETING_ENGLISH = (
    "So, um, the the main thing I wanted to cover today is the, uh, the launch timeline. We had "
    "originally said the end of the month, but I, I don't think that's realistic anymore. The "
    "vendor is still waiting on our API keys, and until they have those they can't start the "
    "integration. Sarah, do you know where that stands? Yeah, so I sent the request to IT on "
    "Monday, and they said it would take two to three business days. I can follow up with them "
    "this afternoon. Perfect. And then on the design side, we got the final mockups back from "
    "the agency. I think they look great, but there were a couple of things that marketing "
    "wanted changed, mostly around the color of the buttons and the wording on the signup page. "
    "Is that going to delay anything? It shouldn't. Those are small changes, maybe a day of "
    "work. Okay. And what about testing? We're going to need at least a week for QA, right? At "
    "least a week, yeah. And that's assuming nothing major comes up. If we find something big "
    "it could be longer. Alright, so realistically we're looking at the second week of next "
    "month. Does that work for everyone? I think so. I'll update the project plan and send it "
    "around. Thanks, Mike. One more thing, the customer advisory board meets on the fifteenth, "
    "so it'd be nice to have a demo ready by then, even if it's not the final version."
)
# What an English-only recogniser makes of Spanish speech, written by hand in the manner of
# real captioning failures (sound-alike words, locally plausible, globally incoherent).
HAND_GARBLE = (
    "When us the as a those. Come on the mouse the sir. The soul and a pay there and there is a "
    "new vice. Is there a cast of a dental. Pair of the wall in the air. And a lady is a lie sea "
    "of the day. Say more. Oh the ventas that they may assess super run on the stress prove his "
    "own nest. Toe the via the sea Tommy the lab probation. The keep all legal. Where this "
    "compartment lows. Ultimo's that toes the lows clean tests. I'll see my pro say so that in "
    "cope or a sewn. Read through the lace. Can sell a son's. Grace yes a toad those pour been "
    "here oi. Any more you know the all of a. Bend a for the. Is it that my hand is the ask. See "
    "the in way. The are and the say no mass. Then he said go for a car the with."
)


def emulator_garble(language: str, sentences: int = 20) -> str:
    return " ".join(" ".join(filter(None, (sound_alike(w, language) for w in s.split()))) + "."
                    for s in SENTENCES[language][:sentences])


def test_fluent_english_has_no_clashes_even_with_disfluencies() -> None:
    fluency = english_fluency(MEETING_ENGLISH)
    assert fluency.clashes == 0 and fluency.garbled is False
    assert english_fluency(" ".join(SENTENCES["en"])).garbled is False


def test_hand_written_sound_alike_english_reads_garbled() -> None:
    assert english_fluency(HAND_GARBLE).garbled is True


def test_english_words_in_shuffled_order_read_garbled() -> None:
    # A garble the emulator does not make: the same words as fluent English, order lost.
    words = MEETING_ENGLISH.replace(",", "").replace(".", "").replace("?", "").split()
    random.Random(7).shuffle(words)
    assert english_fluency(" ".join(words)).garbled is True


@pytest.mark.parametrize("language", ["es", "de", "ja"])
def test_the_emulators_zoom_transcript_of_other_languages_reads_garbled(language: str) -> None:
    assert english_fluency(emulator_garble(language)).garbled is True


def test_a_few_words_are_too_few_to_judge() -> None:
    assert english_fluency("The a of the and.").garbled is None


# -- planned actions: one rule for the plan and the run -------------------------------------------

def _meeting(*kinds: str, audio: bool = True, uuid: str = "u1") -> MeetingRecordings:
    names = {"TRANSCRIPT": "audio_transcript", "CC": "closed_caption"}
    files = [recording_file("M4A", "audio_only", meeting_uuid=uuid)] if audio else []
    files += [recording_file(k, names[k], meeting_uuid=uuid) for k in kinds]
    return parse_meeting(meeting_payload(files=files, uuid=uuid))


@pytest.mark.parametrize(("source", "pay_for", "expected"), [
    ("auto", "non-english", FREE), ("auto", "missing", FREE), ("zoom", "non-english", FREE),
    ("auto", "all", SKIP), ("assemblyai", "non-english", SKIP),
])
def test_zoom_text_without_audio_is_planned_as_the_run_decides_it(
    source: str, pay_for: str, expected: str,
) -> None:
    rules = PayRules.from_flags(source=source, pay_for=pay_for)
    zoom = _meeting("TRANSCRIPT", audio=False)
    assert planned_action(zoom, rules) == expected
    no_audio = NoAudioFile(None)  # type: ignore[arg-type]
    recording = Recording(meeting=zoom.meeting, file_id="t", audio=no_audio, zoom=zoom)
    decision = PayPolicy(rules, None)(recording)  # the run's decision
    assert (decision.source != "assemblyai") == (expected == FREE)


def test_planned_actions_per_kind_of_meeting() -> None:
    rules = PayRules()  # auto, non-english, probes
    assert planned_action(_meeting(), rules) == PAID
    assert planned_action(_meeting("TRANSCRIPT"), rules) == PROBE
    assert planned_action(_meeting(audio=False), rules) == SKIP
    assert planned_action(_meeting(), PayRules(source="zoom")) == SKIP  # no Zoom text yet
    assert planned_action(_meeting("CC"), PayRules(check="text")) == FREE


# -- predictions and the bill ---------------------------------------------------------------------

def test_text_in_another_language_is_paid_without_a_probe() -> None:
    spanish = " ".join(SENTENCES["es"])
    prediction = predict_from_text(spanish, "zoom_captions", PayRules())
    assert prediction.paid and not prediction.probed
    assert prediction.reason.startswith("zoom captions reads es")


def test_garbled_english_predicts_a_paying_probe_and_fluent_english_a_free_one() -> None:
    garbled = predict_from_text(HAND_GARBLE, "zoom_transcript", PayRules())
    assert garbled.paid and garbled.probed and "sound-alike English" in garbled.reason
    fluent = predict_from_text(MEETING_ENGLISH, "zoom_transcript", PayRules())
    assert not fluent.paid and fluent.probed


def test_the_estimate_counts_probes_paid_and_predicted_paid_seconds_with_a_range() -> None:
    paid, english, garbled, captions = (_meeting(uuid="p"), _meeting("TRANSCRIPT", uuid="e"),
                                        _meeting("TRANSCRIPT", uuid="g"), _meeting("CC", uuid="c"))
    items: list[tuple[MeetingRecordings, Any]] = [
        (paid, 600.0), (english, 1200.0), (garbled, 900.0), (captions, 300.0)]
    predicted = {"e": Prediction(False, True, ""), "g": Prediction(True, True, ""),
                 "c": Prediction(True, False, "")}
    bill = estimate_bill(items, PayRules(), predicted=predicted)
    assert bill.counts == {PAID: 2, FREE: 0, PROBE: 2, SKIP: 0}
    assert bill.probe_seconds == 60.0  # two 30 s probes; the captions decided by their text
    assert bill.least_seconds == 60.0 + 900.0
    assert bill.expected_seconds == 60.0 + 900.0 + 900.0
    assert bill.most_seconds == 60.0 + 900.0 + 2100.0
    unpredicted = estimate_bill(items, PayRules())
    assert unpredicted.expected_seconds == unpredicted.least_seconds == 90.0 + 600.0
