"""Zoom's own transcript/captions as a transcript, and the pay policy choosing the source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.errors import NoZoomText, UsageError
from zoom_assembly.langid import identify
from zoom_assembly.models import MeetingInfo, Transcript
from zoom_assembly.outputs import read_transcript_json, render_json, write_outputs
from zoom_assembly.pipeline.pay_policy import (
    PayPolicy,
    PayRules,
    ProbeResult,
    ZoomTextSource,
    probe_window,
)
from zoom_assembly.pipeline.recording import Recording
from zoom_assembly.zoom import parse_meeting
from zoom_assembly.zoom.transcript_files import parse_vtt

from .factories import meeting as meeting_payload
from .factories import recording_file

VTT = """WEBVTT

1
00:00:01.200 --> 00:00:04.000
Maya Chen: Thanks everyone for joining today.

2
00:00:04.500 --> 00:00:07.250
Maya Chen: Let's start with a quick recap of last week.

3
01:00:08.000 --> 01:00:09.000
Jordan Blake: Sounds good.
"""
SPANISH = ("Gracias a todos por venir hoy. Empecemos con un breve resumen de la semana pasada. "
           "Todavía necesitamos la aprobación del equipo legal. ¿Puedes compartir los últimos "
           "datos de los clientes? El informe mensual está casi terminado.")
ENGLISH = ("Thanks everyone for joining today. Let's start with a quick recap of last week. "
           "The migration to the new billing system is almost finished. We still need sign-off "
           "from the security team before launch. Can you share the latest numbers?")


def test_vtt_cues_become_one_entry_per_cue_with_names_and_cue_timings() -> None:
    t = parse_vtt(VTT, transcript_id="zoom:f", source="zoom_transcript")
    assert [(w.text, w.start, w.end, w.speaker) for w in t.words] == [
        ("Thanks everyone for joining today.", 1200, 4000, "A"),
        ("Let's start with a quick recap of last week.", 4500, 7250, "A"),
        ("Sounds good.", 3_608_000, 3_609_000, "B"),
    ]
    assert t.utterances is not None
    assert [(u.speaker, u.start, u.end) for u in t.utterances] == [
        ("A", 1200, 7250), ("B", 3_608_000, 3_609_000)]
    assert (t.source, t.timing) == ("zoom_transcript", "cue")
    # Labels like AssemblyAI's, names in the speakers map: "Maya Chen:", not "Speaker Maya Chen:".
    assert {label: (s.name, s.source, s.confidence) for label, s in t.speakers.items()} == {
        "A": ("Maya Chen", "zoom_transcript", 1.0),
        "B": ("Jordan Blake", "zoom_transcript", 1.0),
    }
    assert t.speaker_names() == {"A": "Maya Chen", "B": "Jordan Blake"}


def test_a_cue_without_a_name_keeps_its_text_and_no_speaker() -> None:
    t = parse_vtt("WEBVTT\n\n00:00.000 --> 00:02.000\nhello <b>there</b>\n",
                  transcript_id="zoom:f", source="zoom_captions")
    assert [(w.text, w.speaker) for w in t.words] == [("hello there", None)]
    assert t.utterances is None


def test_transcript_json_says_where_the_text_came_from_and_what_the_timings_are(
    tmp_path: Path,
) -> None:
    meeting = MeetingInfo(uuid="u", topic="T")
    zoom = parse_vtt(VTT, transcript_id="zoom:f", source="zoom_captions")
    doc = render_json(zoom, meeting, "f")
    assert (doc["source"], doc["timing"]) == ("zoom_captions", "cue")
    paid = render_json(Transcript(id="t", status="completed"), meeting, "f")
    assert (paid["source"], paid["timing"]) == ("assemblyai", "word")
    files = write_outputs(tmp_path, meeting, "f", zoom, ["json"])
    assert json.loads(files["json"].read_text())["source"] == "zoom_captions"
    again = read_transcript_json(files["json"])
    assert again is not None and (again.source, again.timing) == ("zoom_captions", "cue")


def test_text_identifier_reads_the_language_of_real_text() -> None:
    assert identify(SPANISH).language == "es"
    assert identify(ENGLISH).language == "en"
    assert identify("本日 は お集まり いただき ありがとう ございます。").language == "ja"
    assert identify("ok").language is None


# -- the policy ------------------------------------------------------------------------------

def _recording(*kinds: str, minutes: float = 30) -> Recording:
    files = [recording_file("M4A", "audio_only")]
    names = {"TRANSCRIPT": "audio_transcript", "CC": "closed_caption"}
    files += [recording_file(k, names[k]) for k in kinds]
    zoom = parse_meeting(meeting_payload(files=files))
    return Recording(meeting=zoom.meeting, file_id="m4a", audio=None,  # type: ignore[arg-type]
                     duration_seconds=minutes * 60, zoom=zoom)


class Texts(ZoomTextSource):
    """Zoom's text without a network: the text given."""

    def __init__(self, text: str) -> None:
        super().__init__(None)  # type: ignore[arg-type]
        self.text = text
        self.fetched = 0

    def fetch(self, recording: Recording) -> Transcript:
        self.fetched += 1
        return Transcript(id="zoom:x", status="completed", text=self.text, source="zoom_transcript",
                          timing="cue")


class Probe:
    def __init__(self, language: str | None, confidence: float = 0.97) -> None:
        self.result = ProbeResult(language, confidence if language else None, 60.0,
                                  "" if language else "Server error")
        self.calls: list[Recording] = []

    def __call__(self, recording: Recording) -> ProbeResult:
        self.calls.append(recording)
        return self.result


def decide(rules: PayRules, recording: Recording, text: str = ENGLISH,
           probe: Probe | None = None) -> tuple[str, str]:
    policy = PayPolicy(rules, Texts(text), probe)
    decision = policy(recording)
    return decision.source, decision.reason


def test_source_assemblyai_and_pay_for_all_always_pay() -> None:
    probe = Probe("en")
    assert decide(PayRules(source="assemblyai"), _recording("TRANSCRIPT"), probe=probe)[0] == \
        "assemblyai"
    assert decide(PayRules(pay_for="all"), _recording("TRANSCRIPT"), probe=probe)[0] == \
        "assemblyai"
    assert probe.calls == []


def test_source_zoom_takes_zoom_text_without_looking_at_the_language() -> None:
    probe = Probe("es")
    assert decide(PayRules(source="zoom"), _recording("CC"), SPANISH, probe) == (
        "zoom_captions", "--source zoom: Zoom's text only, free")
    assert probe.calls == []


def test_pay_for_missing_pays_only_without_zoom_text() -> None:
    rules = PayRules(pay_for="missing")
    assert decide(rules, _recording("TRANSCRIPT"), SPANISH)[0] == "zoom_transcript"
    assert decide(rules, _recording()) == ("assemblyai",
                                           "no Zoom transcript or captions → AssemblyAI")


def test_the_transcript_is_preferred_to_the_captions() -> None:
    assert decide(PayRules(pay_for="missing"), _recording("CC", "TRANSCRIPT"))[0] == \
        "zoom_transcript"


def test_non_english_text_pays_without_a_probe() -> None:
    probe = Probe("en")
    source, reason = decide(PayRules(), _recording("CC"), SPANISH, probe)
    assert source == "assemblyai" and reason.startswith("zoom captions reads es ")
    assert probe.calls == []


def test_english_looking_text_is_confirmed_by_a_probe_that_can_say_spanish() -> None:
    probe = Probe("es", 0.97)
    assert decide(PayRules(), _recording("TRANSCRIPT"), ENGLISH, probe) == (
        "assemblyai", "probe: es 0.97 → AssemblyAI")
    assert len(probe.calls) == 1


def test_a_probe_hearing_an_accepted_language_keeps_zoom_text_free() -> None:
    assert decide(PayRules(), _recording("TRANSCRIPT"), ENGLISH, Probe("en", 0.95)) == (
        "zoom_transcript", "zoom transcript, probe: en 0.95, accepted")
    rules = PayRules.from_flags(accept_zoom_languages="en, ES")
    assert decide(rules, _recording("TRANSCRIPT"), ENGLISH, Probe("es"))[0] == "zoom_transcript"


def test_a_failed_probe_pays_rather_than_keep_a_possibly_garbled_transcript() -> None:
    assert decide(PayRules(), _recording("TRANSCRIPT"), ENGLISH, Probe(None)) == (
        "assemblyai", "probe failed (Server error) → AssemblyAI")


def test_text_only_check_accepts_what_reads_as_english() -> None:
    rules = PayRules(check="text")
    assert decide(rules, _recording("TRANSCRIPT"), ENGLISH)[1] == \
        "zoom transcript, reads English, accepted"


def test_probe_window_is_a_slice_a_third_in_or_the_whole_of_a_short_recording() -> None:
    assert probe_window(3600, 60) == (1_200_000, 1_260_000)
    assert probe_window(90, 60) == (30_000, 90_000)
    assert probe_window(45, 60) == (0, 45_000)
    assert probe_window(None, 60) == (0, 60_000)


@pytest.mark.parametrize("flags", [{"source": "zoomy"}, {"pay_for": "english"},
                                   {"accept_zoom_languages": " , "}])
def test_bad_policy_flags_are_usage_errors(flags: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        PayRules.from_flags(**flags)


def test_no_zoom_text_is_one_sentence_with_what_to_do() -> None:
    from zoom_assembly.zoom.transcript_files import fetch_zoom_text

    recording = _recording()
    assert recording.zoom is not None
    with pytest.raises(NoZoomText) as caught:
        fetch_zoom_text(None, recording.zoom)  # type: ignore[arg-type]
    assert caught.value.exit_code == 1 and "--source assemblyai" in caught.value.message



def test_a_probe_listed_among_earlier_jobs_is_never_adopted_as_the_transcript() -> None:
    from zoom_assembly.assembly import JobStatus
    from zoom_assembly.pipeline.pay_policy import AssemblyProbe, WithoutProbes
    from zoom_assembly.pipeline.prior_jobs import PriorJobs

    class Listing:
        def recent_jobs(self, **_: Any) -> Any:
            return iter([JobStatus("probe-1", "processing", audio_url_key="https://z/rec/a"),
                         JobStatus("full-1", "completed", audio_url_key="https://z/rec/b")])

    probe = AssemblyProbe(None, speech_models=("universal-2",))  # type: ignore[arg-type]
    probe.job_ids.add("probe-1")
    jobs = WithoutProbes(PriorJobs(Listing(), since=None), probe)
    assert jobs.find("https://z/rec/a") is None
    found = jobs.find("https://z/rec/b")
    assert found is not None and found.id == "full-1"


def test_a_recording_probed_by_an_earlier_run_is_not_probed_again() -> None:
    probe = Probe("en")
    reasons = {"m4a": "probe: es 0.97 → AssemblyAI"}
    policy = PayPolicy(PayRules(), Texts(ENGLISH), probe, earlier=reasons.get)
    assert policy(_recording("TRANSCRIPT")).reason == "probe: es 0.97 → AssemblyAI"
    reasons["m4a"] = "zoom transcript, probe: en 0.95, accepted"
    assert policy(_recording("TRANSCRIPT")).source == "zoom_transcript"
    assert probe.calls == [] and policy.probe_seconds == 0.0
    reasons["m4a"] = "no Zoom transcript or captions → AssemblyAI"  # Zoom added one since
    assert policy(_recording("TRANSCRIPT")).source == "zoom_transcript"
    assert len(probe.calls) == 1
