"""The operator's status page in a real headless browser (Debian's Chromium; skipped without
it): recent recordings with state, source, failure reason and working transcript links."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from zoom_assembly.ledger import Ledger, LedgerEntry
from zoom_assembly.models import MeetingInfo
from zoom_assembly.redact import Secret
from zoom_assembly.service import Service, ServiceConfig
from zoom_assembly.service.run import BackgroundServer

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class IdleEngine:
    def __init__(self, sleep: Any) -> None:
        self.follower = None

    def run(self, batch: Any) -> list[Any]:
        return []


def _dom(url: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--user-data-dir=/tmp/tz-chromium-profile", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_status_page_shows_recordings_and_links_to_transcripts_in_chromium(
        tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / "out")
    transcript = tmp_path / "out" / "weekly.txt"
    transcript.write_text("Hello from the weekly sync.", encoding="utf-8")
    ledger.ensure(LedgerEntry.for_meeting(MeetingInfo(uuid="u1", topic="Weekly sync"), "f1"))
    ledger.claim_for_submit("f1", "https://zoom.example/rec/download/f1")
    ledger.record_decision("f1", "assemblyai", "policy: pay for every recording")
    ledger.mark_completed("f1", {"txt": transcript}, transcript_id="t1")
    ledger.ensure(LedgerEntry.for_meeting(MeetingInfo(uuid="u2", topic="Board meeting"), "f2"))
    ledger.mark_failed("f2", "download", "AssemblyAI could not download the recording.")
    service = Service(ServiceConfig(zoom_secret=Secret("page-secret-token")), ledger,
                      lambda sleep, sink: IdleEngine(sleep))  # type: ignore[arg-type,return-value]
    with BackgroundServer(service) as server:
        page = _dom(f"{server.url}/")
        rows = dict(re.findall(r"<tr class=\"(\w+)\">(.*?)</tr>", page, re.S))
        assert sorted(rows) == ["completed", "failed"]
        failed, completed = rows["failed"], rows["completed"]
        assert "Board meeting" in failed
        assert "AssemblyAI could not download the recording." in failed
        assert "Weekly sync" in completed and "assemblyai" in completed
        [link] = re.findall(r'href="([^"]+)"', completed)
        assert "Hello from the weekly sync." in _dom(f"{server.url}{link}")
        assert "page-secret-token" not in page
    ledger.close()
