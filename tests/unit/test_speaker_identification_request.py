"""When the enricher asks AssemblyAI to identify speakers (decided per recording before the
submit): only without Zoom evidence, with 2-30 participants, never failing the job; and the
participants themselves: every page, rejoins counted once."""

from __future__ import annotations

from typing import Any, cast

from zoom_assembly.assembly.options import TranscriptionOptions
from zoom_assembly.errors import ScopeError
from zoom_assembly.events import Event, Notice
from zoom_assembly.pipeline.speaker_names import SpeakerNames
from zoom_assembly.zoom import ZoomClient
from zoom_assembly.zoom.participants import past_participants

from .factories import recording_file
from .test_speaker_names_enricher import AUDIO, recording


class FakeApi:
    def __init__(self, pages: list[list[dict[str, Any]]], error: Exception | None = None) -> None:
        self.pages = pages
        self.error = error
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get(self, path: str, params: dict[str, Any] | None = None, *, what: str) -> Any:
        self.calls.append((path, dict(params or {})))
        if self.error is not None:
            raise self.error
        n = int((params or {}).get("next_page_token") or 0)
        token = str(n + 1) if n + 1 < len(self.pages) else ""
        return {"participants": self.pages[n], "next_page_token": token}


class FakeZoom:
    def __init__(self, api: FakeApi) -> None:
        self.api = api


def person(name: str, email: str = "") -> dict[str, Any]:
    return {"id": "", "name": name, "user_email": email, "status": "in_meeting"}


def enricher(api: FakeApi, events: list[Event] | None = None) -> SpeakerNames:
    sink = events.append if events is not None else (lambda e: None)
    return SpeakerNames(cast(ZoomClient, FakeZoom(api)), sink)


def test_participants_are_read_from_every_page_and_rejoins_counted_once() -> None:
    api = FakeApi([[person("Ana Lima", "ana@example.com"), person(" Ben  Ode ")],
                   [person("ana lima"), person(""), person("Олена Коваленко")]])
    people = past_participants(cast(ZoomClient, FakeZoom(api)), "/abc//def==")
    assert [p.name for p in people] == ["Ana Lima", "Ben Ode", "Олена Коваленко"]
    assert people[0].email == "ana@example.com" and people[1].email is None
    assert len(api.calls) == 2 and api.calls[1][1]["next_page_token"] == "1"
    assert api.calls[0][0] == "/past_meetings/%252Fabc%252F%252Fdef%253D%253D/participants"


def test_without_zoom_evidence_the_participants_become_candidates() -> None:
    api = FakeApi([[person("Ana Lima"), person("Ben Ode")]])
    shaped = enricher(api).request_options(recording([AUDIO]), TranscriptionOptions())
    assert shaped.speaker_candidates == ("Ana Lima", "Ben Ode")


def test_with_a_timeline_or_zoom_text_nothing_is_asked_and_nobody_is_called() -> None:
    api = FakeApi([[person("Ana Lima"), person("Ben Ode")]])
    for extra in (recording_file("TIMELINE", "timeline", file_id="tl"),
                  recording_file("CC", "closed_caption", file_id="cc")):
        shaped = enricher(api).request_options(recording([AUDIO, extra]),
                                               TranscriptionOptions())
        assert shaped.speaker_candidates == ()
    assert api.calls == []


def test_one_participant_or_a_crowd_is_not_worth_asking_about() -> None:
    for names in (["Ana Lima"], [f"Guest {n}" for n in range(31)]):
        api = FakeApi([[person(n) for n in names]])
        shaped = enricher(api).request_options(recording([AUDIO]), TranscriptionOptions())
        assert shaped.speaker_candidates == ()


def test_without_speaker_labels_nothing_is_asked() -> None:
    api = FakeApi([[person("Ana Lima"), person("Ben Ode")]])
    options = TranscriptionOptions(speaker_labels=False)
    assert enricher(api).request_options(recording([AUDIO]), options) is options
    assert api.calls == []


def test_a_refused_participants_call_warns_and_the_job_goes_ahead_without() -> None:
    api = FakeApi([], error=ScopeError(
        "The Zoom app is missing scopes for the participants: add them.",
        scopes=["meeting:read:list_past_participants:admin"]))
    events: list[Event] = []
    options = TranscriptionOptions()
    assert enricher(api, events).request_options(recording([AUDIO]), options) is options
    assert any(isinstance(e, Notice) and e.warning for e in events)
