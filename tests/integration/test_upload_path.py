"""--via upload|auto, --keep-audio and `transcribe-zoom file`, end to end against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from .conftest import Harness


def words(line: dict[str, object]) -> list[tuple[str, int, int]]:
    files = line["files"]
    assert isinstance(files, dict)
    doc = json.loads(Path(files["json"]).read_text())
    return [(w["text"], w["start"], w["end"]) for w in doc["words"]]


def download(h: Harness, tag: str, target: Path) -> Path:
    """The meeting's M4A as a local file, as a user would have it after a download."""
    env = h.emu.env()
    token = requests.post(env["ZOOM_OAUTH_URL"], auth=(env["ZOOM_CLIENT_ID"],
                          env["ZOOM_CLIENT_SECRET"]), data={
        "grant_type": "account_credentials", "account_id": env["ZOOM_ACCOUNT_ID"]},
        timeout=10).json()["access_token"]
    meeting = h.emu.scenario.find(tag)
    m4a = next(f for f in meeting.files if f.file_type == "M4A")
    body = requests.get(f"{env['ZOOM_API_BASE_URL']}/meetings/{meeting.id}/recordings",
                        headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    url = next(f["download_url"] for f in body["recording_files"] if f["id"] == m4a.id)
    data = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).content
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def test_via_upload_writes_the_same_transcript_as_the_url_hand_off(harness: Harness) -> None:
    uuid = harness.emu.scenario.find("german").uuid
    by_url = json.loads(harness.run(uuid, "--json", "--via", "url").stdout)
    harness.emu.reset()  # a new account: nothing AssemblyAI already has could be reused
    other = Harness(harness.emu, harness.out.parent / "out-upload")
    by_upload = json.loads(other.run(uuid, "--json", "--via", "upload").stdout)
    assert by_upload["status"] == "completed"
    assert words(by_upload) == words(by_url) and words(by_url)
    assert harness.emu.stats()["uploads"]["count"] == 1


def test_auto_falls_back_to_upload_when_assemblyai_cannot_download(harness: Harness) -> None:
    harness.emu.inject("/zoom/rec/download", "html", count=1)  # AssemblyAI's fetch gets HTML
    result = harness.run(harness.emu.scenario.find("english").uuid, "--json")
    assert result.code == 0, result.stderr
    assert harness.emu.stats()["uploads"]["count"] == 1
    assert list(harness.emu.stats()["submissions"].values()) in ([1, 1], [2])


def test_keep_audio_saves_the_recording_next_to_the_transcript(harness: Harness) -> None:
    meeting = harness.emu.scenario.find("english")
    line = json.loads(harness.run(meeting.uuid, "--json", "--keep-audio").stdout)
    folder = Path(line["files"]["txt"]).parent
    audio = folder / "audio.m4a"
    m4a = next(f for f in meeting.files if f.file_type == "M4A")
    assert audio.exists() and audio.stat().st_size == harness.emu.scenario.file_size(m4a, meeting)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_local_file_is_transcribed_like_the_cloud_recording(harness: Harness) -> None:
    local = download(harness, "spanish", harness.out.parent / "local" / "reunion.m4a")
    cloud = json.loads(harness.run(harness.emu.scenario.find("spanish").uuid, "--json").stdout)
    result = harness.run("file", str(local), "--json", "--out", str(harness.out / "files"),
                         "--poll-speed", "3000", "--poll-interval", "0.05")
    assert result.code == 0, result.stderr
    line = json.loads(result.stdout)
    assert line["language_code"] == "es" and words(line) == words(cloud)
    assert line["recording_file_id"].startswith("sha256:")


def test_local_folder_rerun_pays_nothing_twice(harness: Harness) -> None:
    folder = harness.out.parent / "local"
    download(harness, "english", folder / "a.m4a")
    download(harness, "german", folder / "b.m4a")
    (folder / "notes.txt").write_text("not audio")
    args = ("file", str(folder), "--json", "--out", str(harness.out), "--poll-speed", "3000",
            "--poll-interval", "0.05")
    first = harness.run(*args)
    assert first.code == 0, first.stderr
    assert len(first.stdout.splitlines()) == 2
    uploads = harness.emu.stats()["uploads"]["count"]
    second = harness.run(*args)
    assert second.code == 0 and harness.emu.stats()["uploads"]["count"] == uploads


def test_missing_local_file_exits_2(harness: Harness) -> None:
    result = harness.run("file", str(harness.out / "nope.m4a"))
    assert result.code == 2 and "nope.m4a" in result.stderr


def test_text_file_is_refused_before_uploading(harness: Harness) -> None:
    notes = harness.out.parent / "notes.m4a"
    notes.write_text("<html>not audio</html>")
    result = harness.run("file", str(notes))
    assert result.code == 2 and harness.emu.stats()["uploads"]["count"] == 0
