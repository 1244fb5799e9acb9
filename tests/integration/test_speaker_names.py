"""Real names for speakers, end to end: from Zoom's (lagging) TIMELINE by default, letters kept
without evidence or with --speaker-names off, and `rename` fixing names offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import Harness


def run_json(h: Harness, *args: str) -> dict[str, Any]:
    result = h.run(*args, "--json")
    assert result.code == 0, result.stderr
    line: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[0])
    return line


def truth(h: Harness, tag: str) -> dict[str, str]:
    """The script's speakers by the label AssemblyAI gives them (order of first words)."""
    labels: dict[str, str] = {}
    for word in h.emu.scenario.script(h.emu.scenario.find(tag)):
        labels.setdefault(word.speaker, chr(65 + len(labels)))
    return {label: name for name, label in labels.items()}


def timeline_downloads(h: Harness, tag: str) -> int:
    meeting = h.emu.scenario.find(tag)
    ids = {f.id for f in meeting.files if f.file_type == "TIMELINE"}
    by_file = h.stats()["downloads"]["by_file"]
    return sum(n for file_id, n in by_file.items() if file_id in ids)


def test_a_meeting_with_a_timeline_gets_real_names_by_default(harness: Harness) -> None:
    h = harness
    line = run_json(h, h.emu.scenario.find("japanese").uuid)
    doc = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
    expected = truth(h, "japanese")
    assert doc["speakers"], "no speaker was named"
    for label, speaker in doc["speakers"].items():
        assert speaker["name"] == expected[label] and speaker["source"] == "timeline"
        assert 0 < speaker["confidence"] <= 1
    assert all(w["speaker"] in expected for w in doc["words"])  # labels kept on every word
    txt = Path(line["files"]["txt"]).read_text(encoding="utf-8")
    assert all(f"{name}:" in txt for name in (s["name"] for s in doc["speakers"].values()))
    assert f"<v {doc['speakers']['A']['name']}>" in Path(line["files"]["vtt"]).read_text(
        encoding="utf-8")
    assert timeline_downloads(h, "japanese") == 1


def test_speaker_names_off_keeps_letters_and_fetches_no_timeline(harness: Harness) -> None:
    h = harness
    line = run_json(h, h.emu.scenario.find("german").uuid, "--speaker-names", "off")
    doc = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
    assert "speakers" not in doc
    assert "Speaker A:" in Path(line["files"]["txt"]).read_text(encoding="utf-8")
    assert timeline_downloads(h, "german") == 0


def submitted_bodies(h: Harness) -> list[dict[str, Any]]:
    return [job.params for job in h.emu.state.jobs.order]


def test_without_zoom_evidence_assemblyai_identifies_speakers_among_the_participants(
        harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("uuid_leading_slash")  # no TIMELINE, no Zoom text
    line = run_json(h, meeting.uuid)
    [body] = submitted_bodies(h)
    asked = body["speech_understanding"]["request"]["speaker_identification"]
    assert asked["speaker_type"] == "name"
    assert [s["name"] for s in asked["speakers"]] == list(meeting.speakers)
    doc = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
    expected = truth(h, "uuid_leading_slash")
    assert all(w["speaker"] in expected for w in doc["words"])  # labels kept on every word
    assert all(u["speaker"] in expected for u in doc["utterances"])
    assert doc["speakers"], "AssemblyAI named nobody"
    for speaker in doc["speakers"].values():
        assert speaker["source"] == "assemblyai_identification"
        assert speaker["confidence"] == 0.5 and speaker["name"] in meeting.speakers
    txt = Path(line["files"]["txt"]).read_text(encoding="utf-8")
    for label in expected:
        shown = doc.get("speakers", {}).get(label, {}).get("name", f"Speaker {label}")
        assert f"{shown}:" in txt


def test_a_meeting_with_a_timeline_does_not_ask_assemblyai_to_identify(
        harness: Harness) -> None:
    h = harness
    run_json(h, h.emu.scenario.find("japanese").uuid)
    assert all("speech_understanding" not in body for body in submitted_bodies(h))


def test_without_the_participants_scope_speakers_keep_letters_and_the_job_runs(
        tmp_path: Path) -> None:
    from zoom_assembly.emulator import Scenario
    from zoom_assembly.emulator.state import ALL_SCOPES

    from .conftest import start_emulator

    scopes = [s for s in ALL_SCOPES if "participants" not in s]
    with start_emulator(scenario=Scenario.builtin(processing_ready_after=1.0),
                        granted_scopes=scopes) as emu:
        h = Harness(emu, tmp_path / "out")
        result = h.run(emu.scenario.find("uuid_leading_slash").uuid, "--json")
        assert result.code == 0, result.stderr
        line = json.loads(result.stdout.strip().splitlines()[0])
        doc = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
        assert "speakers" not in doc
        assert all("speech_understanding" not in b for b in submitted_bodies(h))
        assert "Speaker A:" in Path(line["files"]["txt"]).read_text(encoding="utf-8")


def test_a_bad_speaker_names_value_is_a_usage_error(harness: Harness) -> None:
    result = harness.run(harness.emu.scenario.find("german").uuid, "--speaker-names", "maybe")
    assert result.code == 2


def test_rename_rewrites_the_files_offline(harness: Harness) -> None:
    h = harness
    line = run_json(h, h.emu.scenario.find("german").uuid, "--speaker-names", "off")
    folder = Path(line["files"]["json"]).parent
    before = h.stats()["requests"]["total"]
    result = h.run("rename", str(folder), "A=Ärzte Team", "Speaker B=Jonas")
    assert result.code == 0, result.stderr
    assert h.stats()["requests"]["total"] == before  # no API call
    doc = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    assert doc["speakers"]["A"] == {"name": "Ärzte Team", "source": "manual",
                                    "confidence": None, "email": None}
    assert doc["transcript_id"] == line["transcript_id"] and doc["words"][0]["speaker"]
    txt = (folder / "transcript.txt").read_text(encoding="utf-8")
    assert "Ärzte Team:" in txt and "Jonas:" in txt and "Speaker A:" not in txt
    assert "Ärzte Team: " in (folder / "transcript.srt").read_text(encoding="utf-8")
    assert "<v Jonas>" in (folder / "transcript.vtt").read_text(encoding="utf-8")
    assert "Speaker A: Ärzte Team" in result.stdout
    # Forgetting a name brings the letter back; --json says what was done in one object.
    again = h.run("rename", str(folder), "A=", "--json")
    assert again.code == 0
    assert json.loads(again.stdout)["speakers"] == {"A": None}
    assert "Speaker A:" in (folder / "transcript.txt").read_text(encoding="utf-8")


def test_rename_refuses_an_unknown_label_or_folder(harness: Harness, tmp_path: Path) -> None:
    h = harness
    line = run_json(h, h.emu.scenario.find("german").uuid, "--speaker-names", "off")
    folder = Path(line["files"]["json"]).parent
    result = h.run("rename", str(folder), "Q=Nobody")
    assert result.code == 2 and "no speaker Q" in result.stderr
    assert h.run("rename", str(tmp_path), "A=X").code == 2
    assert h.run("rename", str(folder), "nonsense").code == 2


def test_backfill_names_speakers_too(harness: Harness) -> None:
    h = harness
    meeting = h.emu.scenario.find("japanese")
    day = meeting.start_time.date().isoformat()
    result = h.run("backfill", "--all-users", "--from", day, "--to", day, "--json")
    assert result.code == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    line = next(x for x in lines if x["meeting"]["uuid"] == meeting.uuid)
    doc = json.loads(Path(line["files"]["json"]).read_text(encoding="utf-8"))
    expected = truth(h, "japanese")
    assert doc["speakers"] and all(s["name"] == expected[label]
                                   for label, s in doc["speakers"].items())


def test_a_rerun_with_speaker_names_off_takes_stored_names_out_of_every_file(
        harness: Harness) -> None:
    h = harness
    uuid = h.emu.scenario.find("japanese").uuid
    line = run_json(h, uuid)
    folder = Path(line["files"]["json"]).parent
    assert json.loads((folder / "transcript.json").read_text(encoding="utf-8"))["speakers"]
    jobs = h.stats()["billing"]["jobs"]
    again = run_json(h, uuid, "--speaker-names", "off")
    assert again["cached"] and h.stats()["billing"]["jobs"] == jobs  # nothing paid again
    assert "speakers" not in json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    assert "Speaker A:" in (folder / "transcript.txt").read_text(encoding="utf-8")
    assert "<v Speaker A>" in (folder / "transcript.vtt").read_text(encoding="utf-8")


def test_a_rerun_writing_a_missing_format_gives_the_stored_transcript_its_names_too(
        harness: Harness) -> None:
    h = harness
    uuid = h.emu.scenario.find("japanese").uuid
    line = run_json(h, uuid, "--speaker-names", "off", "--format", "json,srt")
    folder = Path(line["files"]["json"]).parent
    again = run_json(h, uuid, "--format", "json,srt,txt")
    assert again["cached"]
    doc = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    expected = truth(h, "japanese")
    assert doc["speakers"] and all(s["name"] == expected[label]
                                   for label, s in doc["speakers"].items())
    name = doc["speakers"]["A"]["name"]
    assert f"{name}:" in (folder / "transcript.txt").read_text(encoding="utf-8")
    assert f"{name}: " in (folder / "transcript.srt").read_text(encoding="utf-8")
