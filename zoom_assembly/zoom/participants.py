"""Who attended a past meeting instance: ``GET /past_meetings/{meetingUUID}/participants``.

Zoom lists one entry per *join* (someone who dropped and rejoined appears twice), paged with
``next_page_token`` (``page_size`` up to 300). Needs the scope
``meeting:read:list_past_participants:admin`` (``meeting:read:past_participant`` classic).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .client import PAGE_SIZE, ZoomClient, encode_meeting_path_id


@dataclass(frozen=True)
class Participant:
    name: str
    email: str | None = None


def _pages(zoom: ZoomClient, uuid: str) -> Iterator[dict[str, object]]:
    path = f"/past_meetings/{encode_meeting_path_id(uuid)}/participants"
    token = ""
    while True:
        query: dict[str, object] = {"page_size": PAGE_SIZE}
        if token:
            query["next_page_token"] = token
        page = zoom.api.get(path, query, what=f"the participants of meeting {uuid}")
        if not isinstance(page, dict):
            return
        yield page
        token = str(page.get("next_page_token") or "")
        if not token:
            return


def past_participants(zoom: ZoomClient, uuid: str) -> list[Participant]:
    """The distinct people of the meeting instance ``uuid`` (every page; rejoins and repeated
    names counted once, in order of first join; entries without a name left out)."""
    seen: set[str] = set()
    people: list[Participant] = []
    for page in _pages(zoom, uuid):
        raw = page.get("participants")
        for entry in raw if isinstance(raw, list) else []:
            if not isinstance(entry, dict):
                continue
            name = " ".join(str(entry.get("name") or "").split())
            if not name or name.casefold() in seen:
                continue
            seen.add(name.casefold())
            email = entry.get("user_email")
            people.append(Participant(name, email if isinstance(email, str) and "@" in email
                                      else None))
    return people
